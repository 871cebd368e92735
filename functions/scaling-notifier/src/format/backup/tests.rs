use super::super::tests::{field, read};
use super::*;

const JOBS: &str = "https://eu-west-1.console.aws.amazon.com/backup/home?region=eu-west-1#/jobs";

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
