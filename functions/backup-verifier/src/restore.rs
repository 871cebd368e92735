//! A restore test, validated: the restore job read and checked for
//! readiness, the restored database located (an instance added to a
//! restored cluster first), the checks run, the result recorded with
//! PutRestoreValidationResult, and anything that stops it told to a person.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_sdk_backup::types::RestoreValidationStatus;
use serde_json::json;
use shared::aws::failure;
use shared::report::Entry;
use shared::{Notification, Report, Severity};
use tracing::warn;

use crate::input::RdsInstanceEvent;
use crate::restored::{self, Located};
use crate::validate::{self, Outcome};
use crate::{Deps, Error, FUNCTION};

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

/// Validates a completed restore job and records the result.
pub async fn validate(deps: &Deps, restore_job_id: &str, dry: bool) -> Result<Report, Error> {
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
    let (outcome, added) = match restored::locate(&deps.clients, &restored.created_arn).await {
        Ok(Located::Ready { host, port, added }) => (
            validate::run(&deps.clients, &deps.config, validation, &host, port).await,
            added,
        ),
        Ok(Located::Unfit(why)) => (Outcome::failed(why), None),
        Ok(Located::NotYet(why)) => {
            report.skipped(restore_job_id, why);
            return Ok(report);
        }
        Ok(Located::NeedsInstance { cluster, engine }) => {
            return add_instance(deps, report, restore_job_id, &cluster, &engine).await;
        }
        Err(why) if why.is_retryable() => return Err(Error::RestoredUnreadable(why)),
        Err(why) => {
            let why = format!("{why}; the restore test is not validated");
            let step = "find the restored database";
            return not_validated(deps, report, restore_job_id, step, Severity::Error, why).await;
        }
    };
    let message: String = outcome.message.chars().take(1000).collect();
    let entry = Entry::new(restore_job_id)
        .action(format!("validation {}", outcome.status))
        .reason(message.clone())
        .detail(json!({"source": restored.source_arn, "restored": restored.created_arn, "checks": validation.checks.len()}));
    if dry {
        report.planned(entry);
        return Ok(report);
    }
    record(deps, restore_job_id, outcome.status, &message).await?;
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
    if let Some(id) = added {
        remove_added(deps, &mut report, &id).await;
    }
    Ok(report)
}

/// Adds an instance to a restored cluster that has none, and marks the
/// restore job VALIDATING: RDS's "DB instance created" event for it runs
/// the checks.
async fn add_instance(
    deps: &Deps,
    mut report: Report,
    restore_job_id: &str,
    cluster: &str,
    engine: &str,
) -> Result<Report, Error> {
    let class = &deps.config.validation_instance_class;
    let id = restored::instance_id(cluster);
    let entry = Entry::new(restore_job_id).action(format!(
        "add instance {id} ({class}) to the restored cluster {cluster}, which has none; the \
         checks run when RDS says it is created"
    ));
    if report.dry_run {
        report.planned(entry);
        return Ok(report);
    }
    match restored::add_instance(&deps.clients, cluster, engine, class, restore_job_id).await {
        Ok(_) => {}
        // A repeated delivery: the first one's instance is on its way.
        Err(why) if why.code.as_deref() == Some("DBInstanceAlreadyExists") => {
            report.skipped(
                restore_job_id,
                format!("instance {id} is already being added"),
            );
            return Ok(report);
        }
        Err(why) if why.is_retryable() => return Err(Error::RestoredUnreadable(why)),
        Err(why) => {
            let why = format!("{why}; the restore test is not validated");
            let step = "add an instance to the restored cluster";
            return not_validated(deps, report, restore_job_id, step, Severity::Error, why).await;
        }
    }
    record(
        deps,
        restore_job_id,
        "VALIDATING",
        &format!("instance {id} is being added to the restored cluster for the checks"),
    )
    .await?;
    report.did(entry);
    Ok(report)
}

/// Deletes the instance added to a restored cluster, so the restore
/// test's clean-up can delete the cluster. A failure is in the report; the
/// result is recorded either way.
async fn remove_added(deps: &Deps, report: &mut Report, id: &str) {
    let entry = Entry::new(id).action("delete the instance added for the checks");
    if report.dry_run {
        report.planned(entry);
        return;
    }
    match restored::remove_instance(&deps.clients, id).await {
        Ok(()) => report.did(entry),
        Err(why) => {
            warn!(instance = id, error = %why, "the added instance could not be deleted");
            report.failed(entry.reason(format!(
                "{why}; delete it by hand, or the restored cluster cannot be deleted"
            )));
        }
    }
}

/// Records a validation status for a restore job.
async fn record(
    deps: &Deps,
    restore_job_id: &str,
    status: &str,
    message: &str,
) -> Result<(), Error> {
    deps.clients
        .backup
        .put_restore_validation_result()
        .restore_job_id(restore_job_id)
        .validation_status(RestoreValidationStatus::from(status))
        .validation_status_message(message)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| Error::RecordValidation(failure("backup:PutRestoreValidationResult", &e)))
}

/// RDS says an instance was created: one this function added to a
/// restored cluster (its tag names the restore job) is validated now.
pub async fn instance_event(
    deps: &Deps,
    event: &EventBridgeEvent<RdsInstanceEvent>,
) -> Result<Report, Error> {
    let detail = &event.detail;
    let mut report = Report::new(FUNCTION, deps.config.common.dry_run);
    if detail.event_id != CREATED {
        report.skipped(
            &detail.source_identifier,
            format!(
                "RDS event {} is not \"DB instance created\" ({CREATED})",
                detail.event_id
            ),
        );
        return Ok(report);
    }
    let Some(job) = detail.tags.get(restored::RESTORE_JOB_TAG) else {
        report.skipped(
            &detail.source_identifier,
            "not an instance this function added to a restored cluster",
        );
        return Ok(report);
    };
    validate(deps, job, report.dry_run).await
}

/// RDS's "DB instance created" event.
const CREATED: &str = "RDS-EVENT-0005";
