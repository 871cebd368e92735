//! dlq-processor: explains dead-letter queues and redrives their messages,
//! selectively, rate-limited and FIFO-safe, never losing one.
//!
//! **Triggers:** the CloudWatch alarm on a DLQ (through SNS, EventBridge, or
//! as the alarm's Lambda action): ALARM inspects the queue named by the
//! metric's `QueueName` and publishes a summary; OK and INSUFFICIENT_DATA do
//! nothing. Commands: `{"action":"inspect","queue":"orders-dlq"}`,
//! `{"action":"redrive","queue":"orders-dlq","max_messages":100,
//! "filter":{"groups":["errorType=Timeout"]},"target":"orders","dry_run":true}`,
//! `{"action":"redrive","queue":"orders-dlq","native":true}` (SQS's own
//! move task), `{"action":"status","queue":"orders-dlq"}` (its progress).
//! A scheduled event redrives the queues in `AUTO_REDRIVE_QUEUES`.
//!
//! **Never losing a message:** a message is deleted from the DLQ only after
//! SQS confirmed its copy was sent. A crash or fault in between can make a
//! duplicate (FIFO targets drop it by its deduplication id), never a loss.
//!
//! **Environment:** `NOTIFY_TOPIC_ARN` (required), `ENVIRONMENT`, `DRY_RUN`,
//! `METRICS_NAMESPACE`, `GROUP_BY_ATTRIBUTE`, `GROUP_BY_FIELD`,
//! `INSPECT_SAMPLE`, `MAX_REDRIVES`, `PARKING_QUEUE`, `REDRIVE_RATE`,
//! `MAX_PER_INVOCATION`, `AUTO_REDRIVE_QUEUES`, `DEADLINE_MARGIN_MS`,
//! `REDACT_FIELDS`.
//!
//! **IAM:** `sqs:GetQueueUrl`, `sqs:GetQueueAttributes`,
//! `sqs:ListDeadLetterSourceQueues`, `sqs:ReceiveMessage`,
//! `sqs:ChangeMessageVisibility`, `sqs:DeleteMessage`,
//! `sqs:StartMessageMoveTask`, `sqs:ListMessageMoveTasks` on the DLQs;
//! `sqs:SendMessage` on the targets and the parking queue; `sns:Publish`;
//! `kms:Decrypt`/`kms:GenerateDataKey` where queues are KMS-encrypted.
//!
//! **Try it:** `cargo lambda invoke dlq-processor --data-file
//! events/dlq-processor/command_inspect.json`

pub mod classify;
mod config;
mod error;
pub mod input;
mod move_task;
mod rounds;
mod sqs;
mod visibility;

pub use config::{Config, vars};
pub use error::Error;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::json;
use shared::metrics::Metrics;
use shared::report::{Entry, dry_run};
use shared::{Invocation, Notification, Publisher, Report, Severity};
use tracing::{Instrument, info, info_span, warn};

use crate::classify::{Fate, Filter, count_recordable, fate, redacted_sample};
use crate::input::{Command, Trigger, queue_of};
use crate::sqs::{Queue, Received};

/// The name this function goes by: crate, binary, Terraform resources.
pub const FUNCTION: &str = "dlq-processor";

/// What the handler needs, built once at start-up.
#[derive(Debug, Clone)]
pub struct Deps {
    pub config: Config,
    pub sqs: aws_sdk_sqs::Client,
    pub publisher: Publisher,
}

/// One invocation: a payload read into its triggers, then handled.
pub async fn invoke(
    payload: serde_json::Value,
    invocation: &Invocation,
    deps: &Deps,
) -> Result<Report, Error> {
    let triggers = match input::parse(payload) {
        Ok(triggers) => triggers,
        Err(why) => {
            return Ok(
                shared::input::refuse(FUNCTION, &deps.config.common, &deps.publisher, &why).await?,
            );
        }
    };
    handle(triggers, invocation, deps).await.map(Report::fitted)
}

/// One invocation. A redrive stops cleanly `DEADLINE_MARGIN_MS` before the
/// invocation's deadline.
pub async fn handle(
    triggers: Vec<Trigger>,
    invocation: &Invocation,
    deps: &Deps,
) -> Result<Report, Error> {
    let mut report = Report::new(FUNCTION, deps.config.common.dry_run);
    let mut metrics =
        Metrics::new(&deps.config.common.metrics_namespace).dimension("Function", FUNCTION);
    let margin = Duration::from_millis(deps.config.deadline_margin_ms);
    let stop_at = invocation.stop_at(margin, Instant::now());
    for trigger in triggers {
        match trigger {
            Trigger::Alarm(alarm) => {
                let span = info_span!("alarm", alarm = %alarm.name, state = %alarm.state);
                async {
                    if alarm.state != "ALARM" {
                        report.skipped(
                            &alarm.name,
                            format!("alarm is {}: nothing to do", alarm.state),
                        );
                        return Ok(());
                    }
                    match queue_of(&alarm) {
                        Ok(queue) => inspect(&queue, deps, &mut report).await,
                        Err(why) => {
                            report.failed(Entry::new(&alarm.name).reason(why));
                            Ok(())
                        }
                    }
                }
                .instrument(span)
                .await?;
            }
            Trigger::NotAnAlarm { message_id, why } => {
                report.failed(Entry::new(format!("SNS message {message_id}")).reason(why));
            }
            Trigger::Command(Command::Inspect { queue }) => {
                inspect(&queue, deps, &mut report).await?
            }
            Trigger::Command(Command::Redrive {
                queue,
                max_messages,
                filter,
                target,
                dry_run: requested,
                native,
            }) => {
                report.dry_run = dry_run(deps.config.common.dry_run, requested);
                let opts = Redrive {
                    max_messages: max_messages.unwrap_or(deps.config.max_per_invocation),
                    filter: filter.unwrap_or_default(),
                    target,
                    stop_at,
                    native,
                    automatic: false,
                };
                redrive(&queue, &opts, deps, &mut report, &mut metrics).await?;
            }
            Trigger::Command(Command::Status { queue }) => {
                move_task::status(&queue, deps, &mut report).await
            }
            Trigger::Scheduled => {
                for queue in &deps.config.auto_redrive {
                    let opts = Redrive {
                        max_messages: deps.config.max_per_invocation,
                        filter: Filter::default(),
                        target: None,
                        stop_at,
                        native: false,
                        automatic: true,
                    };
                    redrive(queue, &opts, deps, &mut report, &mut metrics).await?;
                }
                if deps.config.auto_redrive.is_empty() {
                    report.skipped(
                        "scheduled event",
                        "AUTO_REDRIVE_QUEUES is empty: nothing to redrive",
                    );
                }
            }
        }
    }
    metrics.emit();
    Ok(report)
}

/// Summarises a DLQ from a sample it puts back, and publishes the summary.
async fn inspect(queue: &str, deps: &Deps, report: &mut Report) -> Result<(), Error> {
    let dlq = match sqs::resolve(&deps.sqs, queue).await {
        Ok(q) => q,
        Err(why) => {
            report.failed(Entry::new(queue).action("inspect").reason(why));
            return Ok(());
        }
    };
    if dlq.sources.is_empty() {
        report.failed(
            Entry::new(&dlq.name)
                .action("inspect")
                .reason(not_a_dlq(&dlq)),
        );
        return Ok(());
    }
    let mut sample: Vec<Received> = Vec::new();
    let mut problems = Vec::new();
    while sample.len() < deps.config.inspect_sample {
        let want = (deps.config.inspect_sample - sample.len()).min(10) as i32;
        match sqs::receive_more(&deps.sqs, &dlq.url, want, 30).await {
            Ok(batch) if batch.is_empty() => break,
            Ok(batch) => sample.extend(batch),
            Err(why) => {
                problems.push(why);
                break;
            }
        }
    }
    let receipts: Vec<String> = sample.iter().map(|r| r.receipt.clone()).collect();
    problems.extend(sqs::release(&deps.sqs, &dlq.url, &receipts).await);

    let mut groups: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for r in &sample {
        let group = deps
            .config
            .grouping
            .group_of(&r.message, &deps.config.redact);
        let entry = groups
            .entry(group)
            .or_insert_with(|| (0, redacted_sample(&r.message.body, &deps.config.redact)));
        entry.0 += 1;
    }
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let oldest = sample
        .iter()
        .filter_map(|r| r.message.sent_timestamp_ms)
        .min();
    let oldest_age = oldest.map(|t| human_age((now_ms - t).max(0) / 1000));
    let sources: Vec<&str> = dlq
        .sources
        .iter()
        .map(|u| u.rsplit('/').next().unwrap_or(u))
        .collect();
    report.saw(Entry::new(&dlq.name).action("inspect").detail(json!({
        "messages": dlq.visible,
        "in_flight": dlq.in_flight,
        "fifo": dlq.fifo,
        "sources": sources,
        "sampled": sample.len(),
        "oldest_in_sample": oldest_age,
        "groups": groups.iter().map(|(g, (n, s))| json!({"group": g, "count": n, "sample": s})).collect::<Vec<_>>(),
    })));
    for p in problems {
        report.failed(Entry::new(&dlq.name).action("inspect").reason(p));
    }

    let mut n = Notification::new(
        Severity::Warning,
        FUNCTION,
        &deps.config.common.environment,
        format!("DLQ {}: {} message{} waiting", dlq.name, dlq.visible, if dlq.visible == 1 { "" } else { "s" }),
    )
    .summary(format!(
        "{} of them sampled in {} group{}{}. Redrive with {{\"action\":\"redrive\",\"queue\":\"{}\"}}.",
        sample.len(),
        groups.len(),
        if groups.len() == 1 { "" } else { "s" },
        oldest_age.as_ref().map(|a| format!("; the oldest sampled was sent {a} ago")).unwrap_or_default(),
        dlq.name
    ))
    .field("Queue", &dlq.name)
    .field("Messages", dlq.visible.to_string())
    .field("In flight", dlq.in_flight.to_string())
    .field("Source queues", sources.join(", "))
    .resource(dlq.arn.clone());
    for (group, (count, sample)) in &groups {
        n = n.field(format!("{count} x {group}"), sample);
    }
    let plan = Entry::new(&dlq.name).action("publish summary");
    if deps
        .publisher
        .publish_or_plan(report, plan, &n)
        .await?
        .is_some()
    {
        report.did(Entry::new(&dlq.name).action("published summary"));
    }
    Ok(())
}

/// Why messages of `dlq` cannot go to `q`: a FIFO queue and a standard one.
fn kind_mismatch(dlq: &Queue, q: &Queue) -> Option<String> {
    (q.fifo != dlq.fifo).then(|| {
        format!(
            "{} is {} but {} is {}: messages cannot keep their order or group",
            dlq.name,
            if dlq.fifo { "FIFO" } else { "standard" },
            q.name,
            if q.fifo { "FIFO" } else { "standard" }
        )
    })
}

fn not_a_dlq(q: &Queue) -> String {
    format!(
        "queue {} is not a dead-letter queue: no queue's redrive policy points to it",
        q.name
    )
}

fn human_age(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

/// How one redrive runs.
struct Redrive {
    max_messages: usize,
    filter: Filter,
    target: Option<String>,
    stop_at: Option<Instant>,
    /// Hand the move to SQS ([`move_task`]).
    native: bool,
    /// A schedule asked, not a person (`AUTO_REDRIVE_QUEUES`).
    automatic: bool,
}

/// Why an automatic redrive does not move a message whose count it cannot
/// record.
const UNCOUNTED: &str = "its redrive count cannot be recorded (it has SQS's maximum of 10 \
     message attributes), so an automatic redrive does not move it: MAX_REDRIVES could never \
     stop it cycling between the DLQ and its source";

/// What a redrive did, for its summary and metrics.
#[derive(Default)]
struct Tally {
    moved: usize,
    parked: usize,
    poison: usize,
    failed: usize,
}

async fn redrive(
    queue: &str,
    opts: &Redrive,
    deps: &Deps,
    report: &mut Report,
    metrics: &mut Metrics,
) -> Result<(), Error> {
    let config = &deps.config;
    let span = info_span!("redrive", queue = %queue);
    let _entered = span.enter();
    let dlq = match sqs::resolve(&deps.sqs, queue).await {
        Ok(q) => q,
        Err(why) => {
            report.failed(Entry::new(queue).action("redrive").reason(why));
            return Ok(());
        }
    };
    if opts.native {
        return move_task::redrive(&dlq, opts.target.as_deref(), deps, report).await;
    }
    // Nothing moves until every queue involved is known to exist and fit.
    let target_name = match (&opts.target, dlq.sources.as_slice()) {
        (Some(t), _) => t.clone(),
        (None, [one]) => one.clone(),
        (None, []) => {
            report.failed(
                Entry::new(&dlq.name)
                    .action("redrive")
                    .reason(not_a_dlq(&dlq)),
            );
            return Ok(());
        }
        (None, many) => {
            let names: Vec<&str> = many
                .iter()
                .map(|u| u.rsplit('/').next().unwrap_or(u))
                .collect();
            report.failed(Entry::new(&dlq.name).action("redrive").reason(format!(
                "{} queues send their failures here ({}): say which to redrive to with \"target\"",
                many.len(),
                names.join(", ")
            )));
            return Ok(());
        }
    };
    let target = match sqs::resolve(&deps.sqs, &target_name).await {
        Ok(t) => t,
        Err(why) => {
            report.failed(
                Entry::new(&dlq.name)
                    .action("redrive")
                    .reason(format!("target: {why}")),
            );
            return Ok(());
        }
    };
    let parking = match &config.parking_queue {
        Some(p) => match sqs::resolve(&deps.sqs, p).await {
            Ok(q) => Some(q),
            Err(why) => {
                report.failed(
                    Entry::new(&dlq.name)
                        .action("redrive")
                        .reason(format!("parking queue: {why}")),
                );
                return Ok(());
            }
        },
        None => None,
    };
    for q in std::iter::once(&target).chain(parking.as_ref()) {
        if let Some(why) = kind_mismatch(&dlq, q) {
            report.failed(Entry::new(&dlq.name).action("redrive").reason(why));
            return Ok(());
        }
    }
    info!(target = %target.name, dry_run = report.dry_run, "redrive starting");

    let cap = opts.max_messages.min(config.max_per_invocation);
    let mut run = Run {
        deps,
        dlq: &dlq,
        held: Vec::new(),
        blocked: HashSet::new(),
        started: Instant::now(),
        sent: 0,
        tally: Tally::default(),
    };
    let mut processed = 0;
    let mut stopped = None;
    while processed < cap {
        if opts.stop_at.is_some_and(|t| Instant::now() >= t) {
            stopped = Some(format!(
                "stopped before the Lambda deadline after {processed} messages: invoke again to continue"
            ));
            break;
        }
        let hidden = visibility::hidden_for(
            opts.stop_at
                .map(|t| t.saturating_duration_since(Instant::now())),
            cap - processed,
            config.rate_per_second,
        );
        let batch = match sqs::receive_more(
            &deps.sqs,
            &dlq.url,
            (cap - processed).min(10) as i32,
            hidden,
        )
        .await
        {
            Ok(b) if b.is_empty() => break,
            Ok(b) => b,
            Err(why) => {
                report.failed(Entry::new(&dlq.name).action("receive").reason(why));
                break;
            }
        };
        processed += batch.len();
        let mut to_target = Vec::new();
        let mut to_parking = Vec::new();
        for r in batch {
            let group = config.grouping.group_of(&r.message, &config.redact);
            let blocked = dlq.fifo
                && r.message
                    .group_id
                    .as_ref()
                    .is_some_and(|g| run.blocked.contains(g));
            let decided = fate(
                &r.message,
                &group,
                &opts.filter,
                config.max_redrives,
                parking.is_some(),
                blocked,
                opts.automatic,
            );
            let entry = Entry::new(&r.message.id)
                .detail(json!({"group": group, "message_group": r.message.group_id}));
            match decided {
                Fate::Move => to_target.push((r, entry)),
                Fate::Park { .. } => to_parking.push((r, entry)),
                Fate::Uncounted { parking: true } => {
                    to_parking.push((r, entry.reason(UNCOUNTED)));
                }
                Fate::Uncounted { parking: false } => {
                    run.tally.poison += 1;
                    run.hold(&r);
                    report.skipped(
                        &r.message.id,
                        format!("{UNCOUNTED}; left in the DLQ for a person to redrive by hand (or set PARKING_QUEUE)"),
                    );
                }
                Fate::Poison { redrives } => {
                    run.tally.poison += 1;
                    run.hold(&r);
                    // In a FIFO queue the rest of its group waits behind it
                    // for as long as it stays: say so, or the group looks stuck.
                    let waits = if run.order_group(&r).is_some() {
                        "; the rest of its FIFO group waits behind it until it is parked \
                         (set PARKING_QUEUE) or removed"
                    } else {
                        ""
                    };
                    report.skipped(
                        &r.message.id,
                        format!(
                            "poison: redriven {redrives} times (MAX_REDRIVES {}); left in the DLQ{waits}",
                            config.max_redrives
                        ),
                    );
                }
                Fate::Filtered => {
                    run.hold(&r);
                    report.skipped(
                        &r.message.id,
                        format!("not selected by the filter (group {group})"),
                    );
                }
                Fate::Blocked => {
                    run.hold(&r);
                    report.skipped(&r.message.id, "an earlier message of its FIFO group stays in the DLQ: moving this one would overtake it");
                }
            }
        }
        if report.dry_run {
            for (r, entry) in to_target {
                report.planned(entry.action(format!("move to {}", target.name)));
                run.hold(&r);
            }
            for (r, entry) in to_parking {
                let name = parking
                    .as_ref()
                    .map(|p| p.name.as_str())
                    .unwrap_or_default();
                report.planned(entry.action(format!(
                    "park in {name} (redriven {} times)",
                    r.message.redrive_count()
                )));
                run.hold(&r);
            }
            continue;
        }
        run.deliver(
            to_target,
            &target,
            "moved to",
            config.rate_per_second,
            report,
        )
        .await;
        if let Some(parking) = &parking {
            run.deliver(
                to_parking,
                parking,
                "parked in",
                config.rate_per_second,
                report,
            )
            .await;
        }
    }
    let Run { held, tally, .. } = run;
    for problem in sqs::release(&deps.sqs, &dlq.url, &held).await {
        warn!(%problem, "could not release a held message; it reappears when its visibility timeout ends");
    }
    if let Some(why) = &stopped {
        report.skipped(&dlq.name, why.clone());
    }
    metrics.count("MessagesMoved", tally.moved);
    metrics.count("MessagesParked", tally.parked);
    metrics.count("PoisonMessages", tally.poison);
    metrics.count("MoveFailures", tally.failed);
    if !report.dry_run && (tally.moved + tally.parked + tally.poison + tally.failed > 0) {
        let severity = if tally.failed > 0 {
            Severity::Error
        } else if tally.poison + tally.parked > 0 {
            Severity::Warning
        } else {
            Severity::Info
        };
        let n = Notification::new(
            severity,
            FUNCTION,
            &config.common.environment,
            format!(
                "DLQ {}: {} redriven to {}",
                dlq.name, tally.moved, target.name
            ),
        )
        .summary(format!(
            "{} moved, {} parked, {} poison left in the DLQ, {} failed{}.",
            tally.moved,
            tally.parked,
            tally.poison,
            tally.failed,
            stopped
                .as_ref()
                .map(|s| format!("; {s}"))
                .unwrap_or_default()
        ))
        .field("Dead-letter queue", &dlq.name)
        .field("Target", &target.name)
        .field(
            "Parking queue",
            parking.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        )
        .resource(dlq.arn.clone());
        deps.publisher.publish(&n).await?;
    }
    Ok(())
}

/// State of one redrive while it runs.
struct Run<'a> {
    deps: &'a Deps,
    dlq: &'a Queue,
    /// Receipts to make visible again at the end (not moved, or failed).
    held: Vec<String>,
    /// FIFO groups with a message left behind in this run.
    blocked: HashSet<String>,
    started: Instant,
    sent: u64,
    tally: Tally,
}

impl Run<'_> {
    fn hold(&mut self, r: &Received) {
        self.held.push(r.receipt.clone());
        if let Some(g) = self.order_group(r) {
            self.blocked.insert(g);
        }
    }

    /// The FIFO group whose order a message keeps. None on a standard queue:
    /// there a MessageGroupId only names a fair queue's tenant, which is sent
    /// on but orders nothing.
    fn order_group(&self, r: &Received) -> Option<String> {
        if self.dlq.fifo {
            r.message.group_id.clone()
        } else {
            None
        }
    }

    /// Sends to `dest`, then deletes what was confirmed sent. FIFO: at most
    /// one message per group per call, and a group stops at its first failure,
    /// so no message overtakes an earlier one of its group.
    async fn deliver(
        &mut self,
        messages: Vec<(Received, Entry)>,
        dest: &Queue,
        verb: &str,
        rate: u32,
        report: &mut Report,
    ) {
        // FIFO groups with a message that failed in these sends: the rest of
        // the group waits behind it. (A message held back when it was
        // classified stops only the messages after it, which were
        // classified as blocked then; never one before it, here.)
        let mut stopped: HashSet<String> = HashSet::new();
        let mut remaining = messages;
        while !remaining.is_empty() {
            let mut round: Vec<(Received, Entry)> = Vec::new();
            let mut round_bytes = 0;
            let mut rest = Vec::new();
            let mut groups_in_round = HashSet::new();
            for (r, entry) in remaining {
                let bytes = sent_bytes(&r);
                if !rounds::sendable(bytes) {
                    self.tally.failed += 1;
                    self.hold(&r);
                    report.failed(entry.action(format!("send to {}", dest.name)).reason(format!(
                        "with its attributes it is {bytes} bytes, over SQS's {} per message, so it \
                         cannot be sent; it stays in the DLQ",
                        rounds::MAX_BYTES
                    )));
                    continue;
                }
                let group = self.order_group(&r);
                if let Some(g) = &group
                    && stopped.contains(g)
                {
                    self.hold(&r);
                    report.skipped(
                        &r.message.id,
                        "an earlier message of its FIFO group failed to move: kept behind it",
                    );
                    continue;
                }
                let busy = group.as_ref().is_some_and(|g| groups_in_round.contains(g));
                if busy || !rounds::fits(round.len(), round_bytes, bytes) {
                    rest.push((r, entry));
                } else {
                    if let Some(g) = group {
                        groups_in_round.insert(g);
                    }
                    round_bytes += bytes;
                    round.push((r, entry));
                }
            }
            remaining = rest;
            if round.is_empty() {
                continue;
            }
            // Rate limit: never ahead of `rate` messages per second since the start.
            let due = self.started
                + Duration::from_secs_f64((self.sent + round.len() as u64) as f64 / rate as f64);
            let now = Instant::now();
            if due > now {
                tokio::time::sleep(due - now).await;
            }
            let messages: Vec<&Received> = round.iter().map(|(r, _)| r).collect();
            let sent = sqs::send(&self.deps.sqs, dest, &messages).await;
            let mut confirmed = Vec::new();
            for ((r, entry), result) in round.into_iter().zip(sent) {
                match result {
                    Ok(()) => confirmed.push((r, entry)),
                    Err(why) => {
                        self.tally.failed += 1;
                        self.hold(&r);
                        stopped.extend(self.order_group(&r));
                        report.failed(
                            entry
                                .action(format!("send to {}", dest.name))
                                .reason(format!("{why}; it stays in the DLQ")),
                        );
                    }
                }
            }
            self.sent += confirmed.len() as u64;
            let receipts: Vec<&str> = confirmed.iter().map(|(r, _)| r.receipt.as_str()).collect();
            let deleted = sqs::delete(&self.deps.sqs, &self.dlq.url, &receipts).await;
            for ((r, entry), result) in confirmed.into_iter().zip(deleted) {
                match result {
                    Ok(()) => {
                        if verb == "parked in" {
                            self.tally.parked += 1;
                        } else {
                            self.tally.moved += 1;
                        }
                        let mut entry = entry.action(format!("{verb} {}", dest.name));
                        if !count_recordable(&r.message) {
                            entry = entry.reason(format!(
                                "its redrive count could not be recorded: it already has {} \
                                 message attributes, SQS's maximum, so MAX_REDRIVES cannot stop \
                                 it if it fails again",
                                classify::MAX_ATTRIBUTES
                            ));
                        }
                        report.did(entry);
                    }
                    Err(why) => {
                        self.tally.failed += 1;
                        // Visible again at the end of the run, so the next run
                        // settles it soon rather than after the visibility timeout.
                        self.hold(&r);
                        stopped.extend(self.order_group(&r));
                        report.failed(entry.action(format!("delete after sending to {}", dest.name)).reason(format!(
                            "{why}; the copy was sent, so the original will be sent again later: a duplicate, never a loss"
                        )));
                    }
                }
            }
        }
    }
}

/// What a message counts for against SendMessageBatch's limits as it will be
/// sent: its body and the attributes `sqs::send` sends it with.
fn sent_bytes(r: &Received) -> usize {
    let attributes = sqs::outgoing_attributes(r);
    rounds::message_bytes(
        &r.message.body,
        attributes.iter().map(|(name, v)| {
            let value = v
                .string_value()
                .map(str::len)
                .or_else(|| v.binary_value().map(|b| b.as_ref().len()))
                .unwrap_or(0);
            (name.as_str(), v.data_type(), value)
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(human_age(42), "42 s");
        assert_eq!(human_age(600), "10 min");
        assert_eq!(human_age(3 * 3600), "3 h");
        assert_eq!(human_age(3 * 86_400), "3 days");
    }
}
