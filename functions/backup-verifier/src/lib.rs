//! backup-verifier: proves backups exist, are fresh within the RPO,
//! encrypted and retained long enough, and validates restore tests.
//!
//! **Triggers:** a daily EventBridge schedule (verify every protected
//! resource), `Backup Job State Change` events (FAILED, ABORTED, EXPIRED:
//! alert at once), `Restore Job State Change` COMPLETED from a restore
//! testing plan (run the configured checks on the restored database and
//! record the result with PutRestoreValidationResult). Commands:
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
//! `backup:ListBackupJobs`, `backup:DescribeRestoreJob`,
//! `backup:PutRestoreValidationResult`, `rds:DescribeDBInstances`,
//! `rds:DescribeDBSnapshots`, `rds:DescribeDBClusters`,
//! `rds:DescribeDBClusterSnapshots`, `ec2:DescribeVolumes`, `ec2:DescribeSnapshots`,
//! `secretsmanager:GetSecretValue`, `secretsmanager:ListSecretVersionIds`
//! (validation secrets), `sns:Publish`.
//!
//! **Try it:** `cargo lambda invoke backup-verifier --data-file
//! events/backup-verifier/command_verify.json`

pub mod check;
mod config;
mod error;
pub mod gather;
pub mod input;
mod validate;

pub use config::{Config, Validation, vars};
pub use error::Error;
pub use gather::Clients;
pub use input::{Command, Trigger};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use input::BackupJob;

use jiff::Timestamp;
use serde_json::{Value, json};
use shared::metrics::Metrics;
use shared::report::{Entry, dry_run};
use shared::{Invocation, Notification, Publisher, Report, Severity};
use tracing::{info, warn};

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
    handle(Trigger::parse(payload)?, invocation, deps)
        .await
        .map(Report::fitted)
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
        }) => validate(deps, &restore_job_id, dry_run(configured, requested)).await,
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
        Trigger::RestoreJob(event) => {
            let job = &event.detail;
            if job.status != "COMPLETED" {
                let mut report = Report::new(FUNCTION, configured);
                report.skipped(
                    &job.restore_job_id,
                    format!(
                        "restore job is {}: only COMPLETED restores are validated",
                        job.status
                    ),
                );
                return Ok(report);
            }
            validate(deps, &job.restore_job_id, configured).await
        }
    }
}

impl Trigger {
    fn name(&self) -> &'static str {
        match self {
            Trigger::Scheduled { .. } => "scheduled",
            Trigger::BackupJob(_) => "backup job",
            Trigger::RestoreJob(_) => "restore job",
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
        let verdict = match tokio::try_join!(
            async {
                if use_backup {
                    gather::recovery_points(&deps.clients, r, now).await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                if config.use_snapshots {
                    gather::snapshots(&deps.clients, &r.kind).await
                } else {
                    Ok(Vec::new())
                }
            },
            async {
                if use_backup {
                    gather::failed_jobs(&deps.clients, &r.arn, since).await
                } else {
                    Ok(Vec::new())
                }
            },
        ) {
            Ok((mut backups, snapshots, jobs)) => {
                backups.extend(snapshots);
                judge(&policy, now, &backups, &jobs)
            }
            Err(why) => Verdict::Unknown { why: why.into() },
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
    info!(
        ok = counts.0,
        violations = counts.1,
        unknown = counts.2,
        "verification done"
    );
    let severity = if counts.1 > 0 {
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
            "Backups: {} OK, {} violation{}, {} unknown",
            counts.0,
            counts.1,
            if counts.1 == 1 { "" } else { "s" },
            counts.2
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

/// An immediate alert for a backup job that failed, was aborted or expired.
async fn job_alert(deps: &Deps, event: &EventBridgeEvent<BackupJob>) -> Result<Report, Error> {
    let detail = &event.detail;
    let mut report = Report::new(FUNCTION, deps.config.common.dry_run);
    let state = &detail.state;
    let job = &detail.backup_job_id;
    if !matches!(state.as_str(), "FAILED" | "ABORTED" | "EXPIRED") {
        report.skipped(
            job,
            format!("backup job is {state}: only FAILED, ABORTED and EXPIRED are alerts"),
        );
        return Ok(report);
    }
    let resource = &detail.resource_arn;
    let n = Notification::new(
        Severity::Error,
        FUNCTION,
        &deps.config.common.environment,
        format!(
            "Backup job {state}: {}",
            resource.rsplit([':', '/']).next().unwrap_or(resource)
        ),
    )
    .summary(if detail.status_message.is_empty() {
        format!("Backup job {job} ended {state}.")
    } else {
        detail.status_message.clone()
    })
    .field("Resource", resource)
    .field("Resource type", &detail.resource_type)
    .field("Backup job", job)
    .field("Vault", &detail.backup_vault_name)
    .field("Started", &detail.creation_date)
    .field("Account", event.account.clone().unwrap_or_default())
    .field("Region", event.region.clone().unwrap_or_default())
    .resource(resource.clone());
    let plan = Entry::new(job).action("publish alert");
    if deps
        .publisher
        .publish_or_plan(&mut report, plan, &n)
        .await?
        .is_some()
    {
        report.did(Entry::new(job).action(format!("alerted: job {state}")));
    }
    Ok(report)
}

/// Validates a completed restore job and records the result.
/// A restore test the function cannot validate: in the report (failed for
/// an ERROR, skipped for a WARNING), and someone must hear of it.
async fn not_validated(
    deps: &Deps,
    mut report: Report,
    restore_job_id: &str,
    step: &str,
    severity: Severity,
    why: String,
) -> Result<Report, Error> {
    if severity == Severity::Warning {
        report.skipped(restore_job_id, why.clone());
    } else {
        report.failed(Entry::new(restore_job_id).action(step).reason(why.clone()));
    }
    let n = Notification::new(
        severity,
        FUNCTION,
        &deps.config.common.environment,
        format!("Restore test {restore_job_id} cannot be validated"),
    )
    .summary(why)
    .field("Restore job", restore_job_id);
    let plan = Entry::new(restore_job_id).action("publish alert");
    deps.publisher
        .publish_or_plan(&mut report, plan, &n)
        .await?;
    Ok(report)
}

async fn validate(deps: &Deps, restore_job_id: &str, dry: bool) -> Result<Report, Error> {
    let mut report = Report::new(FUNCTION, dry);
    let restored = match validate::restore_job(&deps.clients, restore_job_id).await {
        Ok(r) => r,
        // Throttled or unavailable: fail the invocation, so Lambda retries
        // it, and after its retries the event lands in the failures queue,
        // whose alarm reaches a person.
        Err(why) if why.is_retryable() => return Err(Error::RestoreJobUnreadable(why)),
        Err(why) => {
            let why = format!("{why}; the restore test is not validated");
            let step = "describe restore job";
            return not_validated(deps, report, restore_job_id, step, Severity::Error, why).await;
        }
    };
    match restored.readiness() {
        validate::Readiness::Ready => {}
        validate::Readiness::Skip(why) => {
            report.skipped(restore_job_id, why);
            return Ok(report);
        }
        validate::Readiness::Lost(why) => {
            let step = "validate";
            return not_validated(deps, report, restore_job_id, step, Severity::Error, why).await;
        }
    }
    let Some(validation) = validate::checks_for(&deps.config, &restored.source_arn) else {
        let why = format!(
            "no checks are configured for {} (RESTORE_VALIDATIONS): the restore test is not \
             validated",
            restored.source_arn
        );
        let step = "find the checks";
        return not_validated(deps, report, restore_job_id, step, Severity::Warning, why).await;
    };
    let outcome = validate::run(
        &deps.clients,
        &deps.config,
        validation,
        &restored.created_arn,
    )
    .await;
    let message: String = outcome.message.chars().take(1000).collect();
    let entry = Entry::new(restore_job_id)
        .action(format!("validation {}", outcome.status))
        .reason(message.clone())
        .detail(json!({"source": restored.source_arn, "restored": restored.created_arn, "checks": validation.checks.len()}));
    if dry {
        report.planned(entry);
        return Ok(report);
    }
    let status = aws_sdk_backup::types::RestoreValidationStatus::from(outcome.status);
    deps.clients
        .backup
        .put_restore_validation_result()
        .restore_job_id(restore_job_id)
        .validation_status(status)
        .validation_status_message(&message)
        .send()
        .await
        .map_err(|e| {
            Error::RecordValidation(shared::aws::failure(
                "backup:PutRestoreValidationResult",
                &e,
            ))
        })?;
    if outcome.status == "SUCCESSFUL" {
        report.did(entry);
    } else {
        warn!(status = outcome.status, "restore validation did not pass");
        report.failed(entry);
        let n = Notification::new(
            Severity::Error,
            FUNCTION,
            &deps.config.common.environment,
            format!(
                "Restore test {}: {}",
                outcome.status,
                restored
                    .source_arn
                    .rsplit([':', '/'])
                    .next()
                    .unwrap_or_default()
            ),
        )
        .summary(message)
        .field("Restore job", restore_job_id)
        .field("Source", &restored.source_arn)
        .field("Restored", &restored.created_arn)
        .resource(restored.source_arn.clone());
        deps.publisher.publish(&n).await?;
    }
    Ok(report)
}
