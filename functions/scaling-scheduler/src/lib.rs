//! scaling-scheduler: scales ECS services and EC2 Auto Scaling groups to
//! zero off-hours and back to exactly what they had, and stops and starts
//! RDS instances, Aurora clusters and standalone EC2 instances (hibernating
//! them where the schedule asks and they can), by time-zone-aware schedules
//! chosen with a tag.
//!
//! **Trigger:** an EventBridge Scheduler (or rule) rate schedule, e.g. every
//! 5 minutes. Each run reconciles: it computes the state every target should
//! be in now and acts only where the actual state differs, so a missed,
//! late or repeated run is harmless (a delivery's own `time` only says how
//! late it came). Other EventBridge events are refused. Manual commands for
//! `cargo lambda invoke`: `{"action":"plan"}`, `{"action":"reconcile"}`,
//! `{"action":"apply","schedule":"office-hours","state":"stopped"}`; plan and
//! reconcile take `"simulate_time"` (RFC 3339) to decide for another instant,
//! reconcile and apply `"dry_run": true`.
//!
//! **Targets:** resources tagged `Schedule=<schedule name>` (the key is the
//! document's `tag_key`), or listed in the document's `targets`. A
//! `schedule:override` tag (`on`, `off`, `on-until=2026-11-23T18:00Z`,
//! `off-until=...`) wins over the schedule until it expires. Before scaling
//! to zero the capacity (desired, min, max; for ECS also the Application
//! Auto Scaling bounds) is saved in a `schedule:saved` tag on the resource,
//! and restored from it exactly.
//!
//! **Environment:**
//! - `SCHEDULES` (the document as JSON) or `SCHEDULES_FILE` (its path): required.
//! - `STATE_PARAMETER`: the Parameter Store parameter that keeps which
//!   standing problems were told (see `summary`); unset, every run tells them.
//! - `NOTIFY_TOPIC_ARN` (required), `ENVIRONMENT`, `DRY_RUN`, `METRICS_NAMESPACE`.
//!
//! **IAM:** `ecs:ListClusters`, `ecs:ListServices`, `ecs:DescribeServices`,
//! `ecs:UpdateService`, `ecs:TagResource`, `ecs:UntagResource`,
//! `application-autoscaling:DescribeScalableTargets`,
//! `application-autoscaling:RegisterScalableTarget`,
//! `autoscaling:DescribeAutoScalingGroups`, `autoscaling:UpdateAutoScalingGroup`,
//! `autoscaling:CreateOrUpdateTags`, `autoscaling:DeleteTags`,
//! `rds:DescribeDBInstances`, `rds:DescribeDBClusters`, `rds:StopDBInstance`,
//! `rds:StartDBInstance`, `rds:StopDBCluster`, `rds:StartDBCluster`,
//! `rds:AddTagsToResource` (the override tag `apply` holds with),
//! `ec2:DescribeInstances`, `ec2:DescribeSpotInstanceRequests`,
//! `ec2:StopInstances`, `ec2:StartInstances`, `ec2:CreateTags`,
//! `kms:CreateGrant` (EC2 starting an instance with encrypted volumes),
//! `events:PutEvents` (one `Scheduled Scaling Action` event per action, on
//! `EVENT_BUS`, default `default`), `ssm:GetParameter` and
//! `ssm:PutParameter` (on `STATE_PARAMETER`), `sns:Publish`.
//!
//! **Try it:** `cargo lambda invoke scaling-scheduler --data-file
//! events/scaling-scheduler/command_plan.json`

mod apply;
mod aws;
mod bounded;
mod config;
mod discover;
mod eligibility;
mod error;
mod events;
pub mod input;
mod instances;
mod maintenance;
pub mod plan;
pub mod schedule;
mod summary;
mod target;

pub use aws::Clients;
pub use config::{Config, ConfigError, Document, ExplicitTarget, vars};
pub use error::Error;
pub use input::{Command, Trigger};

use jiff::Timestamp;
use serde_json::{Value, json};
use shared::events::scheduler::Outcome;
use shared::metrics::Metrics;
use shared::report::{Entry, dry_run};
use shared::{Invocation, Publisher, Report};
use std::time::{Duration, Instant};
use tracing::{Instrument, error, info, info_span, warn};

use crate::apply::{Forced, hold};
use crate::aws::Located;
use crate::bounded::Ran;
use crate::plan::{Kind, decide};
use crate::summary::{Memory, Standing, summary};

/// The name this function goes by: crate, binary, Terraform resources.
pub const FUNCTION: &str = "scaling-scheduler";

/// What the handler needs, built once at start-up.
#[derive(Debug, Clone)]
pub struct Deps {
    pub config: Config,
    pub clients: Clients,
    pub publisher: Publisher,
}

/// One invocation: a payload read into its trigger, then handled.
pub async fn invoke(payload: Value, invocation: &Invocation, deps: &Deps) -> Result<Report, Error> {
    let trigger = match Trigger::parse(payload) {
        Ok(trigger) => trigger,
        Err(why) => return refuse(&why, deps).await,
    };
    // A well-formed command naming what cannot be done (an unknown
    // schedule, a past `until`) is bad input too: refused, not retried.
    match handle(trigger, invocation, deps).await {
        Err(Error::InvalidCommand(why)) => refuse(&why, deps).await,
        other => other.map(Report::fitted),
    }
}

async fn refuse(why: &impl std::fmt::Display, deps: &Deps) -> Result<Report, Error> {
    Ok(shared::input::refuse(FUNCTION, &deps.config.common, &deps.publisher, why).await?)
}

/// How long before the Lambda deadline a run starts no more actions (at
/// most a quarter of the time left): the ones in flight then finish, and
/// the next run does the rest.
const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// Runs one invocation: reconcile, plan or apply, deciding for now (or for
/// a command's `simulate_time`), never for a delivery's own past time.
pub async fn handle(
    trigger: Trigger,
    invocation: &Invocation,
    deps: &Deps,
) -> Result<Report, Error> {
    let stop_at = invocation.stop_at(DEADLINE_MARGIN, Instant::now());
    let when = trigger.decision_time(Timestamp::now());
    let (forced, requested_dry_run) = match trigger {
        Trigger::Scheduled { .. } => (None, None),
        Trigger::Command(Command::Reconcile { dry_run, .. }) => (None, dry_run),
        Trigger::Command(Command::Plan { .. }) => (None, Some(true)),
        Trigger::Command(Command::Apply {
            schedule,
            state,
            until,
            dry_run,
        }) => (
            Some(Forced::new(&deps.config, schedule, state, until, when.at)?),
            dry_run,
        ),
    };
    let dry = dry_run(deps.config.common.dry_run, requested_dry_run);
    let span = info_span!("reconcile", at = %when.at, dry_run = dry);
    let mut report = Report::new(FUNCTION, dry);
    info!(note = %when.note, "deciding");
    report.note(when.note);
    reconcile(deps, report, when.at, forced, stop_at)
        .instrument(span)
        .await
}

async fn reconcile(
    deps: &Deps,
    mut report: Report,
    now: Timestamp,
    forced: Option<Forced>,
    stop_at: Option<Instant>,
) -> Result<Report, Error> {
    let config = &deps.config;
    let dry = report.dry_run;
    let (ecs, asgs, rds, ec2) = tokio::join!(
        discover::discover_ecs(&deps.clients, config),
        discover::discover_asgs(&deps.clients, config),
        discover::discover_rds(&deps.clients, config),
        instances::discover(&deps.clients, config),
    );
    let mut located: Vec<Located> = Vec::new();
    let mut discovery_failures = Vec::new();
    // What could not be read: its explicit targets are not "not found",
    // only unseen, and the one failed read says so once.
    let mut unread_kinds = Vec::new();
    let mut unread_clusters = Vec::new();
    let mut standing = Standing::default();
    let ecs = ecs.map(|found| {
        for (cluster, why) in found.failed_clusters {
            warn!(cluster, error = %why, "ECS cluster discovery failed");
            let what = format!("discover ECS services in cluster {cluster}");
            standing.failed(
                &mut report,
                &what,
                Entry::new(&what)
                    .reason(format!("{why}; its services are left as they are this run")),
            );
            unread_clusters.push(cluster);
        }
        found.found
    });
    for (name, kinds, result) in [
        ("ECS services", &[Kind::EcsService][..], ecs),
        ("Auto Scaling groups", &[Kind::AutoscalingGroup][..], asgs),
        ("RDS", &[Kind::RdsInstance, Kind::RdsCluster][..], rds),
        ("EC2 instances", &[Kind::Ec2Instance][..], ec2),
    ] {
        match result {
            Ok(found) => located.extend(found),
            Err(why) => {
                warn!(kind = name, error = %why, "discovery failed");
                let what = format!("discover {name}");
                standing.failed(
                    &mut report,
                    &what,
                    Entry::new(&what)
                        .reason(format!("{why}; its targets are left as they are this run")),
                );
                discovery_failures.push((format!("{name}: {why}"), why.class));
                unread_kinds.extend_from_slice(kinds);
            }
        }
    }
    if discovery_failures.len() == 4 {
        // One retryable failure is enough for the platform's retry to help.
        let class = discovery_failures
            .iter()
            .map(|(_, class)| *class)
            .find(|class| class.is_retryable())
            .unwrap_or(discovery_failures[0].1);
        let failures: Vec<String> = discovery_failures.into_iter().map(|(f, _)| f).collect();
        return Err(Error::NothingEvaluated {
            failures: failures.join("; "),
            class,
        });
    }
    for explicit in &config.explicit {
        let unread = unread_kinds.contains(&explicit.kind)
            || (explicit.kind == Kind::EcsService
                && explicit
                    .id
                    .split_once('/')
                    .is_some_and(|(cluster, _)| unread_clusters.iter().any(|c| c == cluster)));
        let id = explicit.kind.target_id(&explicit.id);
        if !unread && !located.iter().any(|l| l.target.id == id) {
            standing.failed(
                &mut report,
                &format!("{id} not found"),
                Entry::new(&id).reason("listed in the schedules document but not found"),
            );
        }
    }
    if let Some(f) = &forced {
        located.retain(|l| l.target.schedule == f.schedule);
    }
    located.sort_by(|a, b| a.target.id.cmp(&b.target.id));

    let mut metrics =
        Metrics::new(&config.common.metrics_namespace).dimension("Function", FUNCTION);
    metrics.count("TargetsSeen", located.len());
    let mut emitted = Vec::new();
    let mut work = Vec::new();
    for l in &mut located {
        if let Some(f) = &forced
            && !hold(deps, l, f, &mut report).await
        {
            continue;
        }
        let t = &l.target;
        let decision = decide(
            t,
            &config.schedules,
            now,
            forced.as_ref().map(|f| f.state),
            &config.fallback,
            config.maintenance_lead,
        );
        let desired = decision
            .desired
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unknown".into());
        report.saw(Entry::new(&t.id).detail(json!({
            "type": t.kind.to_string(),
            "schedule": t.schedule,
            "observed": t.observed.to_string(),
            "desired": desired,
            "because": decision.because,
        })));
        for problem in &decision.problems {
            standing.failed(
                &mut report,
                &format!("{}: {problem}", t.id),
                Entry::new(&t.id)
                    .action("read its schedule tags")
                    .reason(problem.clone()),
            );
        }
        if let Some(reason) = decision.skip {
            report.skipped(&t.id, reason);
            continue;
        }
        let Some(action) = decision.action else {
            continue;
        };
        let mut entry = Entry::new(&t.id)
            .action(action.to_string())
            .detail(json!({"because": decision.because, "plan": action}));
        if let Some(caveat) = decision.caveat {
            entry = entry.reason(caveat);
        }
        if dry {
            report.planned(entry);
            continue;
        }
        work.push(Work {
            located: l.clone(),
            action,
            entry,
        });
    }
    for (w, result) in execute_all(&deps.clients, work, stop_at).await {
        let Work {
            located: l,
            action,
            entry,
        } = w;
        let t = &l.target;
        let result = match result {
            Ran::Finished(r) => r,
            Ran::Panicked(e) => Err(format!("the action stopped unexpectedly: {e}")),
            Ran::NotStarted => {
                report.skipped(
                    &t.id,
                    format!(
                        "{action}: not started, the run stopped before the Lambda deadline; \
                         the next run does it"
                    ),
                );
                continue;
            }
        };
        let (outcome, reason) = match result {
            Ok(instead) => {
                info!(target = %t.id, action = %action, "done");
                // What was done instead of what was asked (a stop where
                // EC2 could not hibernate) is said with the action.
                let entry = match instead {
                    Some(instead) => {
                        let reason = match entry.reason.clone() {
                            Some(caveat) => format!("{caveat}; {instead}"),
                            None => instead,
                        };
                        entry.reason(reason)
                    }
                    None => entry,
                };
                let reason = entry.reason.clone();
                report.did(entry);
                (Outcome::Done, reason)
            }
            Err(why) => {
                warn!(target = %t.id, action = %action, error = %why, "failed");
                report.failed(entry.reason(why.clone()));
                (Outcome::Failed, Some(why))
            }
        };
        emitted.extend(
            events::event_for(t, &action, outcome, reason).map(|detail| events::ActionEvent {
                detail,
                resource_arn: l.handle.arn().to_owned(),
            }),
        );
    }
    if !emitted.is_empty()
        && let Err(why) = events::emit(&deps.clients.events, &config.event_bus, &emitted).await
    {
        warn!(error = %why, "events not sent");
        report.failed(Entry::new("Scheduled Scaling Action events").reason(why.to_string()));
    }
    metrics.count("ActionsTaken", report.done.len());
    metrics.count("ActionsFailed", report.failed.len());
    metrics.count("TargetsSkipped", report.skipped.len());
    metrics.emit();

    if dry {
        return Ok(report);
    }
    tell(deps, report, &standing, now).await
}

/// Publishes the run's summary when it changed something or found a
/// failure not told before, then remembers the standing problems told.
async fn tell(
    deps: &Deps,
    mut report: Report,
    standing: &Standing,
    now: Timestamp,
) -> Result<Report, Error> {
    let memory = deps
        .config
        .state_parameter
        .as_ref()
        .map(|parameter| Memory {
            ssm: deps.clients.ssm.clone(),
            parameter: parameter.clone(),
        });
    let before = match &memory {
        Some(m) => m.recall().await.unwrap_or_else(|why| {
            warn!(error = %why, "standing problems told before are unknown: all are told again");
            report.note(format!(
                "which problems were told before is unknown ({why}), so all are told"
            ));
            Default::default()
        }),
        None => Default::default(),
    };
    let told = standing.told_before(&before);
    let now_standing = standing.digests();
    let resolved = before.difference(&now_standing).count();
    if resolved > 0 {
        report.note(format!(
            "{resolved} standing problem{} told before no longer occur{}",
            if resolved == 1 { "" } else { "s" },
            if resolved == 1 { "s" } else { "" }
        ));
    }
    if !report.done.is_empty() || report.failed.len() > told.len() {
        let notification = summary(&report, &deps.config.common.environment, now, &told);
        if let Err(source) = deps.publisher.publish(&notification).await {
            let summary = format!("{}: {}", notification.subject(), notification.body());
            error!(error = %source, %summary, "the run's summary could not be published");
            // Nothing is remembered: the next run tells it again.
            return Err(Error::SummaryNotPublished { summary, source });
        }
    }
    if let Some(m) = &memory
        && now_standing != before
        && let Err(why) = m.keep(&now_standing).await
    {
        warn!(error = %why, "standing problems told could not be remembered: the next run tells them again");
    }
    Ok(report)
}

/// Actions in flight at once. Each target's own steps stay in order; the
/// SDK retries throttling with backoff, so a burst beyond an API's rate
/// slows down rather than fails.
const IN_FLIGHT: usize = 10;

/// How an action ended: done (with what was done instead of what was
/// asked, if anything), or why not.
type Ended = Result<Option<String>, String>;

/// One action to take, decided before any is taken.
struct Work {
    located: Located,
    action: plan::Action,
    entry: Entry,
}

/// Runs every action, `IN_FLIGHT` calls at a time, starting none after
/// `stop_at`, and returns each with how it ended, in the order given. EC2
/// instances taking the same action go together, up to
/// [`instances::BATCH`] a call; every other target is acted on alone.
async fn execute_all(
    clients: &Clients,
    work: Vec<Work>,
    stop_at: Option<Instant>,
) -> Vec<(Work, Ran<Ended>)> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut batches: Vec<(plan::Action, Vec<usize>)> = Vec::new();
    for (i, w) in work.iter().enumerate() {
        if w.located.target.kind != Kind::Ec2Instance {
            groups.push(vec![i]);
            continue;
        }
        match batches.iter_mut().find(|(a, _)| *a == w.action) {
            Some((_, members)) => members.push(i),
            None => batches.push((w.action.clone(), vec![i])),
        }
    }
    for (_, members) in batches {
        groups.extend(members.chunks(instances::BATCH).map(<[usize]>::to_vec));
    }
    let jobs = groups
        .iter()
        .map(|group| {
            let handles: Vec<_> = group
                .iter()
                .map(|i| work[*i].located.handle.clone())
                .collect();
            let (clients, action) = (clients.clone(), work[group[0]].action.clone());
            async move {
                aws::execute(&clients, &handles, &action)
                    .await
                    .into_iter()
                    .map(|outcome| outcome.map_err(|e| e.to_string()))
                    .collect::<Vec<_>>()
            }
        })
        .collect();
    let mut ran: Vec<Option<Ran<Ended>>> = work.iter().map(|_| None).collect();
    for (group, result) in groups
        .iter()
        .zip(bounded::run(jobs, IN_FLIGHT, stop_at).await)
    {
        for (n, i) in group.iter().enumerate() {
            ran[*i] = Some(match &result {
                Ran::Finished(outcomes) => Ran::Finished(
                    outcomes
                        .get(n)
                        .cloned()
                        .unwrap_or_else(|| Err("no outcome was given for it".into())),
                ),
                Ran::Panicked(e) => Ran::Panicked(e.clone()),
                Ran::NotStarted => Ran::NotStarted,
            });
        }
    }
    work.into_iter()
        .zip(ran)
        .map(|(w, r)| (w, r.unwrap_or(Ran::NotStarted)))
        .collect()
}
