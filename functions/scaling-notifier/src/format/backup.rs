//! AWS Backup's job events: backup, copy and restore jobs, as AWS's example
//! events show them (shapes read in `shared::events::backup`).
//!
//! A job's state is its severity: FAILED and EXPIRED (no recovery point was
//! made) are errors; ABORTED, PARTIAL and a completion with a status message
//! (the console's "Completed with issues") are warnings; a clean completion
//! is information. CREATED, PENDING, RUNNING and ABORTING are progress, not an
//! outcome, so they are routine and never sent.

use shared::Severity;
use shared::events::backup::{self, BackupJob, CopyJob, RestoreJob};

use super::{Ctx, Formatted, last_segment};

/// What the three job events have in common, as a person reads it.
struct Job<'a> {
    /// `backup`, `copy` or `restore`: also the console's path for the job.
    kind: &'static str,
    detail_type: &'static str,
    id: &'a str,
    state: &'a str,
    /// What the job is about, for the title (`orders-prod (RDS)`).
    subject: String,
    message: &'a str,
    /// Facts after Job and State, in the order shown.
    fields: Vec<(&'static str, String)>,
    resource: &'a str,
}

pub(super) fn backup_job(ctx: &Ctx<'_>) -> Option<Formatted> {
    let d: BackupJob = ctx.detail()?;
    let mut fields = vec![
        ("Resource", d.resource_arn.clone()),
        ("Vault", d.backup_vault_name.clone()),
        ("Started", d.creation_date.clone()),
        ("Completed", d.completion_date.clone()),
        ("Start by", d.start_by.clone()),
        ("Size", size(&d.backup_size_in_bytes)),
    ];
    fields.push(("Backup plan", d.created_by.backup_plan_id.clone()));
    described(
        ctx,
        Job {
            kind: "backup",
            detail_type: "Backup Job State Change",
            id: &d.backup_job_id,
            state: &d.state,
            subject: subject(&d.resource_arn, &d.resource_type),
            message: backup::message(&d.status_message),
            fields,
            resource: &d.resource_arn,
        },
    )
}

pub(super) fn copy_job(ctx: &Ctx<'_>) -> Option<Formatted> {
    let d: CopyJob = ctx.detail()?;
    let to = vault_and_region(&d.destination_backup_vault_arn);
    let subject = if to.is_empty() {
        subject(&d.resource_arn, &d.resource_type)
    } else {
        format!("{} to {to}", subject(&d.resource_arn, &d.resource_type))
    };
    described(
        ctx,
        Job {
            kind: "copy",
            detail_type: "Copy Job State Change",
            id: &d.copy_job_id,
            state: &d.state,
            subject,
            message: backup::message(&d.status_message),
            fields: vec![
                ("Resource", d.resource_arn.clone()),
                ("From vault", d.source_backup_vault_arn.clone()),
                ("To vault", d.destination_backup_vault_arn.clone()),
                ("Copy", d.destination_recovery_point_arn.clone()),
                ("Started", d.creation_date.clone()),
                ("Completed", d.completion_date.clone()),
                ("Size", size(&d.backup_size_in_bytes)),
                ("Backup plan", d.created_by.backup_plan_id.clone()),
            ],
            resource: &d.resource_arn,
        },
    )
}

pub(super) fn restore_job(ctx: &Ctx<'_>) -> Option<Formatted> {
    let d: RestoreJob = ctx.detail()?;
    described(
        ctx,
        Job {
            kind: "restore",
            detail_type: "Restore Job State Change",
            id: &d.restore_job_id,
            state: d.status(),
            subject: subject(&d.source_resource_arn, &d.resource_type),
            message: backup::message(&d.status_message),
            fields: vec![
                ("Source", d.source_resource_arn.clone()),
                ("Recovery point", d.recovery_point_arn.clone()),
                ("Created", d.created_resource_arn.clone()),
                ("Restore testing plan", d.restore_testing_plan_arn.clone()),
                ("Started", d.creation_date.clone()),
                ("Completed", d.completion_date.clone()),
                ("Size", size(&d.backup_size_in_bytes)),
            ],
            resource: &d.source_resource_arn,
        },
    )
}

fn described(ctx: &Ctx<'_>, job: Job<'_>) -> Option<Formatted> {
    if job.state.is_empty() {
        return None;
    }
    let (severity, words, meaning) = verdict(job.kind, job.state, !job.message.is_empty());
    let title = format!("AWS Backup: {} of {} {words}", job.kind, job.subject);
    let summary = if job.message.is_empty() {
        meaning.to_owned()
    } else {
        format!("{meaning} AWS Backup says: {}", job.message)
    };
    let mut n = ctx
        .notification(severity.unwrap_or(Severity::Info), title)
        .summary(summary)
        .field("Job", job.id)
        .field("State", job.state);
    for (name, value) in job.fields {
        n = n.field(name, value);
    }
    if !job.resource.is_empty() {
        n = n.resource(job.resource.to_owned());
    }
    let fragment = if job.id.is_empty() {
        format!("jobs/{}", job.kind)
    } else {
        format!("jobs/{}/details/{}", job.kind, job.id)
    };
    let n = ctx.with_console(
        ctx.finish(n),
        &format!("backup/home?region={{region}}#/{fragment}"),
    );
    let formatted = Formatted::known(job.detail_type, n);
    Some(match severity {
        Some(_) => formatted,
        None => formatted.routine(format!(
            "a {} job that is {} has not ended: its outcome is what is reported",
            job.kind, job.state
        )),
    })
}

/// Severity (`None`: routine progress), the words after the subject, and
/// what the state means for the person reading.
fn verdict(
    kind: &str,
    state: &str,
    has_message: bool,
) -> (Option<Severity>, &'static str, &'static str) {
    match (kind, state) {
        (_, "FAILED") => (
            Some(Severity::Error),
            "failed",
            "The job failed: no recovery point was made by it.",
        ),
        ("backup", "EXPIRED") => (
            Some(Severity::Error),
            "expired",
            "The job did not run within its window: no backup was taken.",
        ),
        (_, "ABORTED") => (
            Some(Severity::Warning),
            "was aborted",
            "The job was stopped before it finished.",
        ),
        (_, "PARTIAL") => (
            Some(Severity::Warning),
            "completed only in part",
            "Some of what the job covers was not done.",
        ),
        (_, "COMPLETED") if has_message => (
            Some(Severity::Warning),
            "completed with issues",
            "The job completed, with a message from AWS Backup worth reading.",
        ),
        (_, "COMPLETED") => (Some(Severity::Info), "completed", "The job completed."),
        (_, "CREATED" | "PENDING" | "RUNNING" | "ABORTING") => {
            (None, "in progress", "The job has not ended yet.")
        }
        _ => (
            Some(Severity::Warning),
            "is in a state this notifier does not know",
            "AWS Backup reported a job state this notifier does not know.",
        ),
    }
}

/// `orders-prod (RDS)`; the type alone when the event names no resource.
fn subject(arn: &str, resource_type: &str) -> String {
    match (last_segment(arn), resource_type) {
        ("", "") => "a resource".to_owned(),
        ("", t) => format!("a resource of type {t}"),
        (name, "") => name.to_owned(),
        (name, t) => format!("{name} ({t})"),
    }
}

/// `dr-vault (eu-central-1)` from a vault's ARN.
fn vault_and_region(arn: &str) -> String {
    let region = arn.split(':').nth(3).unwrap_or_default();
    match (last_segment(arn), region) {
        ("", _) => String::new(),
        (name, "") => name.to_owned(),
        (name, region) => format!("{name} ({region})"),
    }
}

/// `21474836480` -> `20.0 GiB`; empty for zero or unreadable sizes.
fn size(bytes: &str) -> String {
    let Ok(n) = bytes.parse::<u64>() else {
        return String::new();
    };
    if n == 0 {
        return String::new();
    }
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

#[cfg(test)]
mod tests;
