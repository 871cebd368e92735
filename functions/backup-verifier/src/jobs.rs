//! An AWS Backup backup or copy job that ended badly, told at once (the
//! scheduled verify finds the gap it leaves later).

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use shared::report::Entry;
use shared::{Notification, Report, Severity};

use crate::input::{BackupJob, CopyJob};
use crate::{Deps, Error, FUNCTION};

/// A backup or copy job that ended, as its alert needs it.
pub(crate) struct EndedJob<'a> {
    /// `Backup job`, `Copy job`.
    what: &'static str,
    /// The states worth an alert; any other is skipped.
    alerting: &'static [&'static str],
    id: &'a str,
    state: &'a str,
    resource: &'a str,
    resource_type: &'a str,
    message: &'a str,
    /// Vaults and dates, in the order shown.
    fields: Vec<(&'static str, &'a str)>,
}

impl<'a> From<&'a BackupJob> for EndedJob<'a> {
    fn from(j: &'a BackupJob) -> Self {
        EndedJob {
            what: "Backup job",
            alerting: &["FAILED", "ABORTED", "EXPIRED"],
            id: &j.backup_job_id,
            state: &j.state,
            resource: &j.resource_arn,
            resource_type: &j.resource_type,
            message: shared::events::backup::message(&j.status_message),
            fields: vec![
                ("Vault", &j.backup_vault_name),
                ("Started", &j.creation_date),
            ],
        }
    }
}

impl<'a> From<&'a CopyJob> for EndedJob<'a> {
    fn from(j: &'a CopyJob) -> Self {
        EndedJob {
            what: "Copy job",
            // PARTIAL: some nested copies of a composite point failed.
            alerting: &["FAILED", "PARTIAL"],
            id: &j.copy_job_id,
            state: &j.state,
            resource: &j.resource_arn,
            resource_type: &j.resource_type,
            message: shared::events::backup::message(&j.status_message),
            fields: vec![
                ("From vault", &j.source_backup_vault_arn),
                ("To vault", &j.destination_backup_vault_arn),
                ("Started", &j.creation_date),
            ],
        }
    }
}

/// An immediate alert for a backup or copy job that ended badly.
pub(crate) async fn job_alert<D>(deps: &Deps, event: &EventBridgeEvent<D>) -> Result<Report, Error>
where
    D: serde::Serialize + serde::de::DeserializeOwned,
    for<'a> &'a D: Into<EndedJob<'a>>,
{
    let job: EndedJob = (&event.detail).into();
    let mut report = Report::new(FUNCTION, deps.config.common.dry_run);
    let (what, state, id) = (job.what, job.state, job.id);
    if !job.alerting.contains(&state) {
        report.skipped(
            id,
            format!(
                "{} is {state}: only {} are alerts",
                what.to_lowercase(),
                job.alerting.join(", ")
            ),
        );
        return Ok(report);
    }
    let resource = job.resource;
    let mut n = Notification::new(
        Severity::Error,
        FUNCTION,
        &deps.config.common.environment,
        format!(
            "{what} {state}: {}",
            resource.rsplit([':', '/']).next().unwrap_or(resource)
        ),
    )
    .summary(if job.message.is_empty() {
        format!("{what} {id} ended {state}.")
    } else {
        job.message.to_owned()
    })
    .field("Resource", resource)
    .field("Resource type", job.resource_type)
    .field(what, id);
    for (name, value) in job.fields {
        n = n.field(name, value);
    }
    let n = n
        .field("Account", event.account.clone().unwrap_or_default())
        .field("Region", event.region.clone().unwrap_or_default())
        .resource(resource.to_owned());
    let plan = Entry::new(id).action("publish alert");
    if deps
        .publisher
        .publish_or_plan(&mut report, plan, &n)
        .await?
        .is_some()
    {
        report.did(Entry::new(id).action(format!("alerted: {} {state}", what.to_lowercase())));
    }
    Ok(report)
}
