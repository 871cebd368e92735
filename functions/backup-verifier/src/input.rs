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
    /// `Restore Job State Change`: a COMPLETED restore is validated.
    RestoreJob(Box<EventBridgeEvent<RestoreJob>>),
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

/// The detail of a `Backup Job State Change` event (the fields read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BackupJob {
    pub backup_job_id: String,
    pub state: String,
    pub resource_arn: String,
    pub resource_type: String,
    pub status_message: String,
    pub backup_vault_name: String,
    pub creation_date: String,
}

/// The detail of a `Restore Job State Change` event (the fields read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RestoreJob {
    pub restore_job_id: String,
    pub status: String,
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
            Some("Restore Job State Change") => Ok(Trigger::RestoreJob(Box::new(input::typed(
                "Restore Job State Change event",
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
