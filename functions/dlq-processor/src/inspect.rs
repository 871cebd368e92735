//! `inspect` (and an alarm's ALARM): what waits in a DLQ, sampled and
//! grouped, its samples redacted, told in one summary.

use std::collections::BTreeMap;

use serde_json::json;
use shared::report::Entry;
use shared::{Notification, Report, Severity};

use crate::classify::redacted_sample;
use crate::sqs::{self, Received};
use crate::words::{human_age, not_a_dlq};
use crate::{Deps, Error, FUNCTION};

/// Summarises a DLQ from a sample it puts back, and publishes the summary.
pub(crate) async fn inspect(queue: &str, deps: &Deps, report: &mut Report) -> Result<(), Error> {
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
