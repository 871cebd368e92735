//! backup-verifier: proves backups exist, are fresh within the RPO,
//! encrypted and retained long enough, and validates restore tests.
//!
//! **Triggers:** a daily EventBridge schedule (verify every protected
//! resource), `Backup Job State Change` events (FAILED, ABORTED, EXPIRED:
//! alert at once), `Copy Job State Change` events (FAILED, PARTIAL: alert
//! at once), `Restore Job State Change` COMPLETED from a restore
//! testing plan (run the configured checks on the restored database and
//! record the result with PutRestoreValidationResult; a restored cluster
//! first gets an instance), `RDS DB Instance Event` RDS-EVENT-0005 for
//! that instance (run its checks). Commands:
//! `{"action":"verify","time":"..."}`,
//! `{"action":"validate","restore_job_id":"...","dry_run":true}`.
//!
//! **Protected resources:** RDS instances, DB clusters (a tagged member
//! instance stands for its cluster) and EBS volumes tagged
//! `BACKUP_TAG_KEY` (value: the RPO in hours, or empty for the default), and
//! any ARN in `RESOURCE_ARNS`. For each: AWS Backup recovery points and, for
//! RDS and EBS, native snapshots; the newest completed one (a continuous
//! backup by its latest restorable time; a STOPPED one is a violation) must
//! be younger than the RPO, encrypted with the key expected of it (`EXPECTED_KMS_KEYS`
//! for the resource, else an RDS or EBS resource's own key, which its
//! backups keep, else `EXPECTED_KMS_KEY_ARN`, the vault key) and kept at
//! least `MIN_RETENTION_DAYS`; no backup job of the resource may have failed
//! within the RPO window. Verdict per resource: OK, VIOLATION (reasons) or
//! UNKNOWN (why): a lookup that fails is never a false OK.
//!
//! **IAM:** `backup:ListRecoveryPointsByResource`, `backup:DescribeRecoveryPoint`,
//! `backup:ListBackupJobs`, `backup:ListCopyJobs`, `backup:GetBackupPlan`
//! (the copies a rule asks for, see `copies`), `backup:DescribeRestoreJob`,
//! `backup:PutRestoreValidationResult`, `rds:DescribeDBInstances`,
//! `rds:DescribeDBSnapshots`, `rds:DescribeDBClusters`,
//! `rds:DescribeDBClusterSnapshots`, `rds:CreateDBInstance`,
//! `rds:AddTagsToResource`, `rds:DeleteDBInstance` (the instance a restored
//! cluster needs for its checks, see `restored`), `ec2:DescribeVolumes`, `ec2:DescribeSnapshots`,
//! `secretsmanager:GetSecretValue`, `secretsmanager:ListSecretVersionIds`
//! (validation secrets), `sns:Publish`.
//!
//! **Try it:** `cargo lambda invoke backup-verifier --data-file
//! events/backup-verifier/command_verify.json`

mod backups;
pub mod check;
mod config;
mod copies;
mod error;
pub mod gather;
pub mod input;
mod jobs;
mod restore;
mod restored;
mod validate;

pub use config::{Config, Validation, vars};
pub use error::Error;
pub use gather::Clients;
pub use input::{Command, Trigger};

use crate::jobs::job_alert;

use jiff::Timestamp;
use serde_json::{Value, json};
use shared::metrics::Metrics;
use shared::report::{Entry, dry_run};
use shared::{Invocation, Notification, Publisher, Report, Severity};
use tracing::info;

use crate::check::{Policy, Verdict, judge};

/// The name this function goes by: crate, binary, Terraform resources.
pub const FUNCTION: &str = "backup-verifier";

/// What the handler needs, built once at start-up.
#[derive(Debug, Clone)]
pub struct Deps {
    pub config: Config,
    pub clients: Clients,
    pub publisher: Publisher,
    /// The function's region, for EBS volume ARNs.
    pub region: String,
}

/// One invocation: a payload read into its trigger, then handled.
pub async fn invoke(payload: Value, invocation: &Invocation, deps: &Deps) -> Result<Report, Error> {
    let trigger = match Trigger::parse(payload) {
        Ok(trigger) => trigger,
        Err(why) => {
            return Ok(
                shared::input::refuse(FUNCTION, &deps.config.common, &deps.publisher, &why).await?,
            );
        }
    };
    handle(trigger, invocation, deps).await.map(Report::fitted)
}

/// One invocation; its function ARN names the account of tagged EBS volumes.
pub async fn handle(
    trigger: Trigger,
    invocation: &Invocation,
    deps: &Deps,
) -> Result<Report, Error> {
    let span = tracing::info_span!("invocation", trigger = trigger.name());
    // Boxed: the future of every check inlined is too deep for rustc to lay
    // out inside the runtime's own (a recursion-limit error in main).
    Box::pin(tracing::Instrument::instrument(
        dispatch(trigger, invocation, deps),
        span,
    ))
    .await
}

async fn dispatch(trigger: Trigger, invocation: &Invocation, deps: &Deps) -> Result<Report, Error> {
    let configured = deps.config.common.dry_run;
    match trigger {
        Trigger::Command(Command::Verify {
            time,
            dry_run: requested,
        }) => {
            verify(
                deps,
                invocation,
                time.unwrap_or_else(Timestamp::now),
                dry_run(configured, requested),
            )
            .await
        }
        Trigger::Command(Command::Validate {
            restore_job_id,
            dry_run: requested,
        }) => restore::validate(deps, &restore_job_id, dry_run(configured, requested)).await,
        Trigger::Scheduled { time } => {
            verify(
                deps,
                invocation,
                time.unwrap_or_else(Timestamp::now),
                configured,
            )
            .await
        }
        Trigger::BackupJob(event) => job_alert(deps, &event).await,
        Trigger::CopyJob(event) => job_alert(deps, &event).await,
        Trigger::RestoreJob(event) => {
            let job = &event.detail;
            if job.status() != "COMPLETED" {
                let mut report = Report::new(FUNCTION, configured);
                report.skipped(
                    &job.restore_job_id,
                    format!(
                        "restore job is {}: only COMPLETED restores are validated",
                        job.status()
                    ),
                );
                return Ok(report);
            }
            restore::validate(deps, &job.restore_job_id, configured).await
        }
        Trigger::RdsInstance(event) => restore::instance_event(deps, &event).await,
    }
}

impl Trigger {
    fn name(&self) -> &'static str {
        match self {
            Trigger::Scheduled { .. } => "scheduled",
            Trigger::BackupJob(_) => "backup job",
            Trigger::CopyJob(_) => "copy job",
            Trigger::RestoreJob(_) => "restore job",
            Trigger::RdsInstance(_) => "RDS instance event",
            Trigger::Command(Command::Verify { .. }) => "verify",
            Trigger::Command(Command::Validate { .. }) => "validate",
        }
    }
}

/// Verifies every protected resource at `now`.
async fn verify(
    deps: &Deps,
    invocation: &Invocation,
    now: Timestamp,
    dry: bool,
) -> Result<Report, Error> {
    let config = &deps.config;
    let mut report = Report::new(FUNCTION, dry);
    let resources = match gather::protected(&deps.clients, config, invocation, &deps.region).await {
        Ok(r) => r,
        Err(why) => {
            // Cannot even list: every resource is unknown; say so loudly.
            report.failed(Entry::new("discover protected resources").reason(why.clone()));
            let n = Notification::new(
                Severity::Error,
                FUNCTION,
                &config.common.environment,
                "Backups: cannot list the protected resources",
            )
            .summary(why);
            let plan = Entry::new(deps.publisher.topic_arn()).action("publish alert");
            deps.publisher
                .publish_or_plan(&mut report, plan, &n)
                .await?;
            return Ok(report);
        }
    };
    let mut counts = (0, 0, 0);
    let mut lines = Vec::new();
    for r in &resources {
        let policy = Policy {
            rpo_hours: r.rpo_hours,
            min_retention_days: config.min_retention_days,
            kms_key: r.expected_key(config),
        };
        let since =
            Timestamp::from_second(now.as_second() - r.rpo_hours as i64 * 3600).unwrap_or(now);
        let use_backup = config.use_aws_backup;
        let (verdict, copied) = match tokio::try_join!(
            async {
                if use_backup {
                    backups::recovery_points(&deps.clients, r, now).await
                } else {
                    Ok((Vec::new(), None))
                }
            },
            async {
                if config.use_snapshots {
                    backups::snapshots(&deps.clients, &r.kind).await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                if use_backup {
                    backups::failed_jobs(&deps.clients, &r.arn, since).await
                } else {
                    Ok(Vec::new())
                }
            },
        ) {
            Ok(((mut backups, rule), snapshots, jobs)) => {
                backups.extend(snapshots);
                let verdict = judge(&policy, now, &backups, &jobs);
                let window = r.rpo_hours + config.copy_grace_hours;
                copies::judged(&deps.clients, &r.arn, rule, window, now, verdict).await
            }
            Err(why) => (Verdict::Unknown { why: why.into() }, vec![]),
        };
        let mut m = Metrics::new(&config.common.metrics_namespace)
            .dimension("Function", FUNCTION)
            .dimension("Resource", &r.arn);
        m.put(
            "Compliant",
            shared::metrics::Unit::None,
            if matches!(verdict, Verdict::Ok { .. }) {
                1.0
            } else {
                0.0
            },
        );
        match &verdict {
            Verdict::Ok { age_hours, .. }
            | Verdict::Violation {
                age_hours: Some(age_hours),
                ..
            } => {
                m.put("BackupAgeHours", shared::metrics::Unit::None, *age_hours);
            }
            _ => {}
        }
        m.emit();
        let mut detail = serde_json::to_value(&verdict).unwrap_or_default();
        detail["rpo_hours"] = json!(r.rpo_hours);
        if !copied.is_empty() {
            detail["copies"] = json!(copied);
        }
        if let Some(note) = &r.note {
            detail["note"] = json!(note);
        }
        report.saw(Entry::new(&r.arn).action(verdict.label()).detail(detail));
        match &verdict {
            Verdict::Ok { .. } => counts.0 += 1,
            Verdict::Violation { reasons, .. } => {
                counts.1 += 1;
                lines.push((format!("VIOLATION {}", r.arn), reasons.join("; ")));
            }
            Verdict::Unknown { why } => {
                counts.2 += 1;
                lines.push((format!("UNKNOWN {}", r.arn), why.clone()));
            }
        }
    }
    // Restore tests whose added instance outlived its checks: never validated.
    let mut unvalidated = 0;
    match restored::lingering(&deps.clients, now).await {
        Ok(found) => {
            for (job, why) in found {
                unvalidated += 1;
                report.failed(
                    Entry::new(&job)
                        .action("validate restore test")
                        .reason(why.clone()),
                );
                lines.push((format!("NOT VALIDATED restore test {job}"), why));
            }
        }
        Err(why) => {
            counts.2 += 1;
            lines.push((
                "UNKNOWN restore tests".to_owned(),
                format!("{why}: instances added to restored clusters were not looked for"),
            ));
        }
    }
    info!(
        ok = counts.0,
        violations = counts.1,
        unknown = counts.2,
        unvalidated,
        "verification done"
    );
    let severity = if counts.1 > 0 || unvalidated > 0 {
        Severity::Error
    } else if counts.2 > 0 {
        Severity::Warning
    } else {
        Severity::Info
    };
    let mut n = Notification::new(
        severity,
        FUNCTION,
        &config.common.environment,
        format!(
            "Backups: {} OK, {} violation{}, {} unknown{}",
            counts.0,
            counts.1,
            if counts.1 == 1 { "" } else { "s" },
            counts.2,
            if unvalidated > 0 {
                format!(", {unvalidated} restore test(s) not validated")
            } else {
                String::new()
            }
        ),
    )
    .summary(format!(
        "{} protected resources verified at {now}.",
        resources.len()
    ));
    for (name, why) in lines {
        n = n.field(name, why);
    }
    let plan = Entry::new(deps.publisher.topic_arn()).action("publish summary");
    deps.publisher
        .publish_or_plan(&mut report, plan, &n)
        .await?;
    Ok(report)
}
