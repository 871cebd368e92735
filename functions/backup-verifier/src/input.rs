//! What the verifier is invoked with, read once into a [`Trigger`].

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use shared::input::{self, InputError};

/// Why the verifier runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// The daily schedule: verify every protected resource at `time` (now when absent).
    Scheduled {
        time: Option<Timestamp>,
    },
    /// `Backup Job State Change`: FAILED, ABORTED and EXPIRED are alerted at once.
    BackupJob(Box<EventBridgeEvent<BackupJob>>),
    /// `Copy Job State Change`: FAILED and PARTIAL are alerted at once.
    CopyJob(Box<EventBridgeEvent<CopyJob>>),
    /// `Restore Job State Change`: a COMPLETED restore is validated.
    RestoreJob(Box<EventBridgeEvent<RestoreJob>>),
    /// `RDS DB Instance Event`: the instance added to a restored cluster
    /// is created, so its restore test is validated.
    RdsInstance(Box<EventBridgeEvent<RdsInstanceEvent>>),
    Command(Command),
}

/// A manual command (`cargo lambda invoke`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Command {
    /// Verify every protected resource (at `time`, for a replay).
    Verify {
        #[serde(default, deserialize_with = "shared::input::rfc3339")]
        time: Option<Timestamp>,
        #[serde(default)]
        dry_run: Option<bool>,
    },
    /// Validate one completed restore job.
    Validate {
        restore_job_id: String,
        #[serde(default)]
        dry_run: Option<bool>,
    },
}

/// The details of AWS Backup's job events, read as the notifier reads them.
pub use shared::events::backup::{BackupJob, CopyJob, RestoreJob};

/// The detail of an `RDS DB Instance Event` (the fields read). RDS puts the
/// instance's tags in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RdsInstanceEvent {
    #[serde(rename = "EventID")]
    pub event_id: String,
    pub source_identifier: String,
    pub source_arn: String,
    pub message: String,
    pub tags: std::collections::BTreeMap<String, String>,
}

const COMMANDS: &str =
    r#"expected {"action":"verify"} or {"action":"validate","restore_job_id":"<id>"}"#;

impl Trigger {
    /// Reads the payload; one of no shape the verifier takes is refused.
    pub fn parse(payload: Value) -> Result<Trigger, InputError> {
        let map = input::object(&payload)?;
        if map.contains_key("action") {
            let command = input::command(payload, &["verify", "validate"], COMMANDS)?;
            if let Command::Validate { restore_job_id, .. } = &command
                && restore_job_id.trim().is_empty()
            {
                return Err(InputError::new("validate needs \"restore_job_id\""));
            }
            return Ok(Trigger::Command(command));
        }
        match map.get("detail-type").and_then(Value::as_str) {
            Some("Scheduled Event") => Ok(Trigger::Scheduled {
                time: input::instant("event's time", map.get("time"))?,
            }),
            Some("Backup Job State Change") => Ok(Trigger::BackupJob(Box::new(input::typed(
                "Backup Job State Change event",
                payload,
            )?))),
            Some("Copy Job State Change") => Ok(Trigger::CopyJob(Box::new(input::typed(
                "Copy Job State Change event",
                payload,
            )?))),
            Some("Restore Job State Change") => Ok(Trigger::RestoreJob(Box::new(input::typed(
                "Restore Job State Change event",
                payload,
            )?))),
            Some("RDS DB Instance Event") => Ok(Trigger::RdsInstance(Box::new(input::typed(
                "RDS DB Instance Event",
                payload,
            )?))),
            Some(other) => Err(InputError(format!(
                "events of type {other:?} are not for this function"
            ))),
            None => Err(InputError::new(
                "not an EventBridge event nor a command: expected \"detail-type\" or \"action\"",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(file: &str) -> Value {
        let path = format!(
            "{}/../../events/backup-verifier/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("sample")).expect("json")
    }

    #[test]
    fn every_sample_reads_as_its_trigger() {
        assert!(matches!(
            Trigger::parse(sample("eventbridge_scheduled-daily.json")),
            Ok(Trigger::Scheduled { time: Some(_) })
        ));
        let Ok(Trigger::BackupJob(job)) = Trigger::parse(sample("backup_job-failed.json")) else {
            panic!("a backup job")
        };
        assert_eq!(job.detail.state, "FAILED");
        assert!(!job.detail.backup_job_id.is_empty());
        let Ok(Trigger::RestoreJob(job)) = Trigger::parse(sample("restore_job-completed.json"))
        else {
            panic!("a restore job")
        };
        assert_eq!(job.detail.status, "COMPLETED");
        assert!(matches!(
            Trigger::parse(sample("command_validate-dry-run.json")),
            Ok(Trigger::Command(Command::Validate {
                dry_run: Some(true),
                ..
            }))
        ));
    }

    #[test]
    fn a_copy_job_event_names_both_vaults() {
        let Ok(Trigger::CopyJob(job)) = Trigger::parse(sample("backup_copy-job-failed.json"))
        else {
            panic!("not a copy job event")
        };
        assert_eq!(job.detail.state, "FAILED");
        assert!(
            job.detail
                .destination_backup_vault_arn
                .ends_with(":dr-vault")
        );
        assert!(job.detail.source_backup_vault_arn.ends_with(":prod-vault"));
    }

    #[test]
    fn an_rds_instance_event_carries_its_tags() {
        let Ok(Trigger::RdsInstance(event)) =
            Trigger::parse(sample("rds_db-instance-created.json"))
        else {
            panic!("not an RDS instance event")
        };
        assert_eq!(event.detail.event_id, "RDS-EVENT-0005");
        assert_eq!(
            event
                .detail
                .tags
                .get("backup-verifier:restore-job")
                .map(String::as_str),
            Some("5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9")
        );
    }

    #[test]
    fn bad_payloads_say_what_is_wrong() {
        for (payload, says) in [
            (json!({"action": "validate"}), "restore_job_id"),
            (
                json!({"action": "validate", "restore_job_id": " "}),
                "restore_job_id",
            ),
            (json!({"action": "audit"}), "unknown action"),
            (
                json!({"detail-type": "EC2 Instance State-change Notification"}),
                "not for this function",
            ),
            (json!("verify"), "expected a JSON object"),
            (
                json!({"action": "verify", "time": "yesterday"}),
                "not RFC 3339",
            ),
            (
                json!({"detail-type": "Scheduled Event", "time": 3}),
                "not an RFC 3339 string",
            ),
            (json!({}), "expected \"detail-type\" or \"action\""),
        ] {
            let err = Trigger::parse(payload).expect_err(says);
            assert!(err.to_string().contains(says), "{err} should say {says}");
        }
    }
}
