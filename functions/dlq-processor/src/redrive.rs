//! A redrive: the queues involved checked, messages received from the DLQ
//! and each given its fate (moved, parked, left, `classify::fate`), then
//! sent by `send`, and the run summed up.

use std::collections::HashSet;
use std::time::Instant;

use serde_json::json;
use shared::Report;
use shared::metrics::Metrics;
use shared::report::Entry;
use tracing::{Instrument, info, info_span, warn};

use crate::classify::{Fate, Filter, fate};
use crate::send::{Destination, Run};
use crate::sqs;
use crate::words::{self, UNCOUNTED, kind_mismatch, not_a_dlq};
use crate::{Deps, Error, move_task, visibility};

/// How one redrive runs.
pub(crate) struct Redrive {
    pub(crate) max_messages: usize,
    pub(crate) filter: Filter,
    pub(crate) target: Option<String>,
    pub(crate) stop_at: Option<Instant>,
    /// Hand the move to SQS ([`move_task`]).
    pub(crate) native: bool,
    /// A schedule asked, not a person (`AUTO_REDRIVE_QUEUES`).
    pub(crate) automatic: bool,
}

/// What a redrive did, for its summary and metrics.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) moved: usize,
    pub(crate) parked: usize,
    pub(crate) poison: usize,
    pub(crate) failed: usize,
}

/// One redrive of `queue`, its logs in a `redrive` span.
pub(crate) async fn redrive(
    queue: &str,
    opts: &Redrive,
    deps: &Deps,
    report: &mut Report,
    metrics: &mut Metrics,
) -> Result<(), Error> {
    let span = info_span!("redrive", queue = %queue);
    run(queue, opts, deps, report, metrics)
        .instrument(span)
        .await
}

async fn run(
    queue: &str,
    opts: &Redrive,
    deps: &Deps,
    report: &mut Report,
    metrics: &mut Metrics,
) -> Result<(), Error> {
    let config = &deps.config;
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
            Destination::Target,
            config.rate_per_second,
            report,
        )
        .await;
        if let Some(parking) = &parking {
            run.deliver(
                to_parking,
                parking,
                Destination::Parking,
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
        let n = words::redrive_summary(
            &config.common.environment,
            &dlq,
            &target,
            parking.as_ref(),
            &tally,
            stopped.as_deref(),
        );
        deps.publisher.publish(&n).await?;
    }
    Ok(())
}
