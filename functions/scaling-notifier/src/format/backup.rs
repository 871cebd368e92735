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
mod tests {
    use super::super::tests::{field, read};
    use super::*;

    const JOBS: &str =
        "https://eu-west-1.console.aws.amazon.com/backup/home?region=eu-west-1#/jobs";

    #[test]
    fn a_failed_backup_job_is_an_error_with_aws_message_unquoted() {
        let (n, routine) = read("backup_job-failed.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(n.title, "AWS Backup: backup of orders-prod (RDS) failed");
        assert!(
            n.summary.ends_with(
                "AWS Backup says: Backup job failed because backup vault \
                 arn:aws:backup:eu-west-1:123456789012:backup-vault:prod-vault does not exist."
            ),
            "{}",
            n.summary
        );
        assert_eq!(field(&n, "Vault"), Some("prod-vault"));
        assert_eq!(
            field(&n, "Backup plan"),
            Some("5e1c7a2d-9b3f-4c8e-a1d6-7f0b2e4c9a31")
        );
        assert_eq!(
            n.console_link.as_deref(),
            Some(format!("{JOBS}/backup/details/4f8a2c1e-7b3d-4e6f-9a0b-1c2d3e4f5a6b").as_str())
        );
        assert_eq!(
            n.resource.as_deref(),
            Some("arn:aws:rds:eu-west-1:123456789012:db:orders-prod")
        );
    }

    #[test]
    fn a_completed_backup_job_is_information_with_its_size() {
        let (n, routine) = read("backup_job-completed.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Info);
        assert_eq!(n.title, "AWS Backup: backup of orders-prod (RDS) completed");
        assert_eq!(field(&n, "Size"), Some("20.0 GiB"));
        assert_eq!(field(&n, "Completed"), Some("2026-11-30T02:31:07.503Z"));
    }

    #[test]
    fn a_backup_completed_with_a_message_is_completed_with_issues() {
        let (n, _) = read("backup_job-completed-with-issues.json");
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!(
            n.title,
            "AWS Backup: backup of orders-prod (RDS) completed with issues"
        );
        assert!(
            n.summary
                .contains("tags of the resource could not be copied")
        );
    }

    #[test]
    fn an_expired_backup_job_is_an_error_no_backup_was_taken() {
        let (n, _) = read("backup_job-expired.json");
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(n.title, "AWS Backup: backup of orders-prod (RDS) expired");
        assert!(n.summary.contains("no backup was taken"), "{}", n.summary);
        assert!(n.summary.contains("running job for the same resource."));
    }

    #[test]
    fn an_aborted_backup_job_is_a_warning() {
        let (n, _) = read("backup_job-aborted.json");
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!(
            n.title,
            "AWS Backup: backup of orders-prod (RDS) was aborted"
        );
        assert!(n.summary.ends_with("Backup job was stopped by user."));
    }

    #[test]
    fn a_running_backup_job_is_routine() {
        let (n, routine) = read("backup_job-running.json");
        assert!(routine);
        assert_eq!(
            n.title,
            "AWS Backup: backup of vol-0a1b2c3d4e5f67890 (EBS) in progress"
        );
    }

    #[test]
    fn a_pending_backup_job_is_routine() {
        let (n, routine) = read("backup_job-pending.json");
        assert!(routine);
        assert_eq!(field(&n, "State"), Some("PENDING"));
    }

    #[test]
    fn a_created_backup_job_names_only_what_it_carries_and_is_routine() {
        let (n, routine) = read("backup_job-created.json");
        assert!(routine);
        assert_eq!(n.title, "AWS Backup: backup of a resource in progress");
        assert_eq!(
            field(&n, "Job"),
            Some("4f8a2c1e-7b3d-4e6f-9a0b-1c2d3e4f5a6b")
        );
    }

    #[test]
    fn a_failed_copy_job_names_the_destination_vault_and_region() {
        let (n, routine) = read("backup_copy-job-failed.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(
            n.title,
            "AWS Backup: copy of vol-0a1b2c3d4e5f67890 (EBS) to dr-vault (eu-central-1) failed"
        );
        assert!(
            n.summary
                .ends_with("Access denied exception while trying to list tags")
        );
        // AWS sends `{}` for a copy that has no recovery point.
        assert_eq!(field(&n, "Copy"), None);
        assert_eq!(field(&n, "Size"), Some("8.0 GiB"));
        assert!(n.console_link.as_deref().is_some_and(|l| {
            l.ends_with("#/jobs/copy/details/9E2B7C41-3D5A-4F6B-8C9D-0A1B2C3D4E5F")
        }));
    }

    #[test]
    fn a_completed_copy_job_names_the_copy() {
        let (n, routine) = read("backup_copy-job-completed.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Info);
        assert_eq!(
            field(&n, "Copy"),
            Some("arn:aws:ec2:eu-central-1::snapshot/snap-0a9b8c7d6e5f43210")
        );
    }

    #[test]
    fn a_running_copy_job_is_routine() {
        let (_, routine) = read("backup_copy-job-running.json");
        assert!(routine);
    }

    #[test]
    fn a_created_copy_job_without_an_id_links_to_the_copy_jobs() {
        let (n, routine) = read("backup_copy-job-created.json");
        assert!(routine);
        assert_eq!(
            n.console_link.as_deref(),
            Some(format!("{JOBS}/copy").as_str())
        );
    }

    #[test]
    fn a_failed_restore_job_is_an_error_with_aws_reason() {
        let (n, routine) = read("backup_restore-job-failed.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(
            n.title,
            "AWS Backup: restore of a resource of type RDS failed"
        );
        assert!(
            n.summary
                .ends_with("does not exist: db-subnets-restore-test.")
        );
    }

    #[test]
    fn a_completed_restore_job_names_what_it_created() {
        let (n, routine) = read("backup_restore-job-completed.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Info);
        assert_eq!(
            n.title,
            "AWS Backup: restore of orders-prod (RDS) completed"
        );
        assert_eq!(
            field(&n, "Created"),
            Some("arn:aws:rds:eu-west-1:123456789012:db:orders-prod-restore-3c8d2e6f")
        );
    }

    #[test]
    fn a_running_restore_job_is_routine() {
        assert!(read("backup_restore-job-running.json").1);
    }

    #[test]
    fn a_pending_restore_job_is_routine() {
        assert!(read("backup_restore-job-pending.json").1);
    }

    #[test]
    fn a_created_restore_job_reads_its_state_field() {
        let (n, routine) = read("backup_restore-job-created.json");
        assert!(routine);
        assert_eq!(field(&n, "State"), Some("CREATED"));
    }

    #[test]
    fn an_unknown_state_is_a_warning_not_silence() {
        let (severity, words, _) = verdict("backup", "SOMETHING_NEW", false);
        assert_eq!(severity, Some(Severity::Warning));
        assert!(words.contains("does not know"));
    }
}
