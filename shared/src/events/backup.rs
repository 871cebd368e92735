//! AWS Backup's job events (`Backup Job State Change`, `Copy Job State
//! Change`, `Restore Job State Change`), as AWS's example events show them:
//! <https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html>.
//!
//! The examples are not uniform, so every field is optional and read
//! leniently: sizes and progress come as strings in some and numbers in
//! others, a copy that has none gives `destinationRecoveryPointArn` as `{}`,
//! a restore job reports `status` except when CREATED (`state`), and a
//! status message may carry its own quotes.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The backup plan and rule that started a job (absent for on-demand jobs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreatedBy {
    pub backup_plan_id: String,
    pub backup_plan_arn: String,
    /// `backupRuleId` in some examples, `backupPlanRuleId` in others.
    #[serde(alias = "backupPlanRuleId")]
    pub backup_rule_id: String,
}

/// The detail of a `Backup Job State Change` event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BackupJob {
    pub backup_job_id: String,
    /// CREATED, PENDING, RUNNING, ABORTING, ABORTED, COMPLETED, FAILED,
    /// EXPIRED or PARTIAL.
    pub state: String,
    pub resource_arn: String,
    pub resource_type: String,
    pub status_message: String,
    pub backup_vault_name: String,
    pub backup_vault_arn: String,
    pub creation_date: String,
    pub completion_date: String,
    pub start_by: String,
    #[serde(deserialize_with = "text")]
    pub backup_size_in_bytes: String,
    #[serde(deserialize_with = "text")]
    pub percent_done: String,
    pub created_by: CreatedBy,
}

/// The detail of a `Copy Job State Change` event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CopyJob {
    pub copy_job_id: String,
    /// CREATED, RUNNING, COMPLETED, FAILED or PARTIAL.
    pub state: String,
    pub resource_arn: String,
    pub resource_type: String,
    pub status_message: String,
    pub source_backup_vault_arn: String,
    pub destination_backup_vault_arn: String,
    #[serde(deserialize_with = "text")]
    pub destination_recovery_point_arn: String,
    pub creation_date: String,
    pub completion_date: String,
    #[serde(deserialize_with = "text")]
    pub backup_size_in_bytes: String,
    pub created_by: CreatedBy,
}

/// The detail of a `Restore Job State Change` event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RestoreJob {
    pub restore_job_id: String,
    /// PENDING, RUNNING, COMPLETED, ABORTED or FAILED.
    pub status: String,
    /// Only in the CREATED event, which has no `status`.
    pub state: String,
    pub status_message: String,
    pub resource_type: String,
    pub backup_vault_arn: String,
    pub recovery_point_arn: String,
    pub source_resource_arn: String,
    pub created_resource_arn: String,
    pub restore_testing_plan_arn: String,
    pub creation_date: String,
    pub completion_date: String,
    #[serde(deserialize_with = "text")]
    pub backup_size_in_bytes: String,
    #[serde(deserialize_with = "text")]
    pub percent_done: String,
}

impl RestoreJob {
    /// The job's status, whichever of the two fields carries it.
    pub fn status(&self) -> &str {
        if self.status.is_empty() {
            &self.state
        } else {
            &self.status
        }
    }
}

/// A status message without the quotes some events wrap it in.
pub fn message(raw: &str) -> &str {
    raw.trim().trim_matches('"').trim()
}

/// A string or a number as text; anything else (`{}`, null) as empty.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_shapes_of_aws_examples_all_read() {
        let copy: CopyJob = serde_json::from_value(json!({
            "copyJobId": "C1", "state": "FAILED", "backupSizeInBytes": 22548578304u64,
            "destinationRecoveryPointArn": {}
        }))
        .expect("a copy job");
        assert_eq!(copy.backup_size_in_bytes, "22548578304");
        assert_eq!(copy.destination_recovery_point_arn, "");
        let job: BackupJob = serde_json::from_value(json!({
            "backupJobId": "B1", "state": "FAILED", "percentDone": 0,
            "backupSizeInBytes": "36048",
            "statusMessage": "\"Backup job was stopped by user.\"",
            "createdBy": {"backupPlanRuleId": "r1"}
        }))
        .expect("a backup job");
        assert_eq!(job.percent_done, "0");
        assert_eq!(job.backup_size_in_bytes, "36048");
        assert_eq!(job.created_by.backup_rule_id, "r1");
        assert_eq!(
            message(&job.status_message),
            "Backup job was stopped by user."
        );
        let created: RestoreJob =
            serde_json::from_value(json!({"restoreJobId": "R1", "state": "CREATED"}))
                .expect("a restore job");
        assert_eq!(created.status(), "CREATED");
    }
}
