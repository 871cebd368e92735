//! SQS's own redrive: a message move task (`StartMessageMoveTask`) moves a
//! whole DLQ inside SQS, up to 500 messages a second, without this function
//! staying up. It takes every message: no filter, no redrive count, no
//! parking. SQS accepts it only for a DLQ fed by SQS queues, and runs one task
//! per queue at a time.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::ListMessageMoveTasksResultEntry;
use serde::Serialize;
use serde_json::json;
use shared::aws::{AwsFailure, failure};
use shared::report::Entry;
use shared::{Notification, Report, Severity};

use crate::sqs::{self, Queue};
use crate::words::{kind_mismatch, not_a_dlq};
use crate::{Deps, Error, FUNCTION};

/// SQS moves at most this many messages a second in one task.
pub const MAX_RATE: u32 = 500;

/// One message move task as `ListMessageMoveTasks` tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    /// RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED.
    pub status: String,
    /// Only a running task has one (it is what cancels it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// None: each message goes back to the queue it came from.
    pub destination: Option<String>,
    pub rate: Option<i32>,
    pub moved: i64,
    pub to_move: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// RFC 3339.
    pub started: String,
}

impl Task {
    /// Running, or still winding down: SQS starts no other task meanwhile.
    pub fn is_active(&self) -> bool {
        matches!(self.status.as_str(), "RUNNING" | "CANCELLING")
    }

    /// `RUNNING since 2026-12-05T07:00:00Z, 120 of 400 moved`.
    pub fn describe(&self) -> String {
        let of = self.to_move.map(|n| format!(" of {n}")).unwrap_or_default();
        let why = self
            .failure_reason
            .as_ref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        format!(
            "{} since {}, {}{of} moved{why}",
            self.status, self.started, self.moved
        )
    }

    fn from_sdk(t: &ListMessageMoveTasksResultEntry) -> Self {
        Task {
            status: t.status().unwrap_or("UNKNOWN").to_owned(),
            handle: t.task_handle().map(str::to_owned),
            destination: t.destination_arn().map(str::to_owned),
            rate: t.max_number_of_messages_per_second(),
            moved: t.approximate_number_of_messages_moved(),
            to_move: t.approximate_number_of_messages_to_move(),
            failure_reason: t.failure_reason().map(str::to_owned),
            started: jiff::Timestamp::from_millisecond(t.started_timestamp())
                .map(|ts| ts.to_string())
                .unwrap_or_else(|_| t.started_timestamp().to_string()),
        }
    }
}

/// The queue's most recent move tasks (SQS keeps up to 10), newest first.
pub async fn list(sqs: &Client, source_arn: &str) -> Result<Vec<Task>, AwsFailure> {
    let out = sqs
        .list_message_move_tasks()
        .source_arn(source_arn)
        .max_results(10)
        .send()
        .await
        .map_err(|e| failure("sqs:ListMessageMoveTasks", &e))?;
    Ok(out.results().iter().map(Task::from_sdk).collect())
}

/// Starts moving every message of `source_arn` to `destination_arn`, or to
/// each message's own source queue when it is `None`. Returns the task handle.
pub async fn start(
    sqs: &Client,
    source_arn: &str,
    destination_arn: Option<&str>,
    rate: u32,
) -> Result<String, AwsFailure> {
    let out = sqs
        .start_message_move_task()
        .source_arn(source_arn)
        .set_destination_arn(destination_arn.map(str::to_owned))
        .max_number_of_messages_per_second(rate.min(MAX_RATE) as i32)
        .send()
        .await
        .map_err(|e| failure("sqs:StartMessageMoveTask", &e))?;
    Ok(out.task_handle().unwrap_or_default().to_owned())
}

/// `{"action":"redrive","native":true}`: hands the whole DLQ to SQS, unless
/// a task already runs for it (so a retried command starts nothing twice).
pub async fn redrive(
    dlq: &Queue,
    target: Option<&str>,
    deps: &Deps,
    report: &mut Report,
) -> Result<(), Error> {
    let entry = || Entry::new(&dlq.name).action("native redrive");
    if dlq.sources.is_empty() {
        report.failed(entry().reason(format!(
            "{}; SQS moves messages natively only out of a DLQ that SQS queues feed",
            not_a_dlq(dlq)
        )));
        return Ok(());
    }
    let destination = match target {
        None => None,
        Some(name) => match sqs::resolve(&deps.sqs, name).await {
            Ok(q) => match kind_mismatch(dlq, &q) {
                Some(why) => {
                    report.failed(entry().reason(why));
                    return Ok(());
                }
                None => Some(q),
            },
            Err(why) => {
                report.failed(entry().reason(format!("target: {why}")));
                return Ok(());
            }
        },
    };
    let tasks = match list(&deps.sqs, &dlq.arn).await {
        Ok(t) => t,
        Err(why) => {
            report.failed(entry().reason(why));
            return Ok(());
        }
    };
    if let Some(active) = tasks.iter().find(|t| t.is_active()) {
        report.skipped(
            &dlq.name,
            format!(
                "a message move task is already {}: SQS runs one per queue, so no other was \
                 started; follow it with {{\"action\":\"status\",\"queue\":\"{}\"}}",
                active.describe(),
                dlq.name
            ),
        );
        return Ok(());
    }
    let rate = deps.config.rate_per_second.min(MAX_RATE);
    let to = destination
        .as_ref()
        .map_or("the queues they came from".to_owned(), |q| q.name.clone());
    let plan = entry()
        .action(format!(
            "start a message move task to {to} at {rate} messages a second"
        ))
        .detail(json!({
            "messages": dlq.visible,
            "destination": destination.as_ref().map(|q| &q.arn),
            "rate": rate,
        }));
    if report.dry_run {
        report.planned(plan);
        return Ok(());
    }
    let handle = match start(
        &deps.sqs,
        &dlq.arn,
        destination.as_ref().map(|q| q.arn.as_str()),
        rate,
    )
    .await
    {
        Ok(h) => h,
        Err(why) => {
            report.failed(plan.reason(format!("{why}; nothing was moved")));
            return Ok(());
        }
    };
    report.did(
        Entry::new(&dlq.name)
            .action(format!("started a message move task to {to}"))
            .detail(json!({
                "task_handle": handle,
                "messages": dlq.visible,
                "destination": destination.as_ref().map(|q| &q.arn),
                "rate": rate,
            })),
    );
    let n = Notification::new(
        Severity::Info,
        FUNCTION,
        &deps.config.common.environment,
        format!("DLQ {}: SQS is moving its messages to {to}", dlq.name),
    )
    .summary(format!(
        "About {} message{} at up to {rate} a second, moved by SQS as they are: no filter, \
         redrive count or parking queue applies. Follow it with \
         {{\"action\":\"status\",\"queue\":\"{}\"}}.",
        dlq.visible,
        if dlq.visible == 1 { "" } else { "s" },
        dlq.name
    ))
    .field("Dead-letter queue", &dlq.name)
    .field("Target", &to)
    .resource(dlq.arn.clone());
    deps.publisher.publish(&n).await?;
    Ok(())
}

/// `{"action":"status"}`: the queue's depth and its recent move tasks.
pub async fn status(queue: &str, deps: &Deps, report: &mut Report) {
    let dlq = match sqs::resolve(&deps.sqs, queue).await {
        Ok(q) => q,
        Err(why) => {
            report.failed(Entry::new(queue).action("status").reason(why));
            return;
        }
    };
    match list(&deps.sqs, &dlq.arn).await {
        Ok(tasks) => {
            let mut entry = Entry::new(&dlq.name).action("status").detail(json!({
                "messages": dlq.visible,
                "in_flight": dlq.in_flight,
                "tasks": tasks,
            }));
            if tasks.is_empty() {
                entry = entry.reason("SQS has no message move task on record for this queue");
            }
            report.saw(entry);
        }
        Err(why) => report.failed(Entry::new(&dlq.name).action("status").reason(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_reads_as_a_sentence() {
        let t = Task::from_sdk(
            &ListMessageMoveTasksResultEntry::builder()
                .status("RUNNING")
                .approximate_number_of_messages_moved(120)
                .approximate_number_of_messages_to_move(400)
                .started_timestamp(1_796_454_000_000)
                .build(),
        );
        assert!(t.is_active());
        assert_eq!(
            t.describe(),
            "RUNNING since 2026-12-05T07:00:00Z, 120 of 400 moved"
        );
        let failed = Task {
            status: "FAILED".into(),
            failure_reason: Some("AccessDenied".into()),
            to_move: None,
            ..t
        };
        assert!(!failed.is_active());
        assert_eq!(
            failed.describe(),
            "FAILED since 2026-12-05T07:00:00Z, 120 moved: AccessDenied"
        );
    }
}
