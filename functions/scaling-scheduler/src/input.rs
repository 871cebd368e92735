//! What the scheduler is invoked with, read once into a [`Trigger`].

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use shared::input::{self, InputError};

use crate::schedule::State;

/// Why the scheduler runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// An EventBridge rule or Scheduler schedule: reconcile for the event's
    /// `time` (now when it has none).
    Scheduled {
        time: Option<Timestamp>,
    },
    Command(Command),
}

/// A manual command.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Command {
    /// Reconcile every target with its schedule (what the rate schedule does).
    Reconcile {
        #[serde(default, deserialize_with = "shared::input::rfc3339")]
        time: Option<Timestamp>,
        #[serde(default)]
        dry_run: Option<bool>,
    },
    /// What a reconcile would do now (or at `time`); changes nothing.
    Plan {
        #[serde(default, deserialize_with = "shared::input::rfc3339")]
        time: Option<Timestamp>,
    },
    /// Puts every target of one schedule in `state`, whatever the time.
    Apply {
        schedule: String,
        state: State,
        #[serde(default)]
        dry_run: Option<bool>,
    },
}

const COMMANDS: &str = r#"expected {"action":"plan"}, {"action":"reconcile"} or {"action":"apply","schedule":"<name>","state":"running|stopped"}"#;

impl Trigger {
    /// Reads the payload: an EventBridge scheduled event, a command, or an
    /// empty object (reconcile now).
    pub fn parse(payload: Value) -> Result<Trigger, InputError> {
        let map = input::object(&payload)?;
        if map.contains_key("detail-type")
            || (map.contains_key("source") && !map.contains_key("action"))
        {
            return Ok(Trigger::Scheduled {
                time: input::instant("event's time", map.get("time"))?,
            });
        }
        if map.is_empty() {
            return Ok(Trigger::Command(Command::Reconcile {
                time: None,
                dry_run: None,
            }));
        }
        input::command(payload, &["plan", "reconcile", "apply"], COMMANDS).map(Trigger::Command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scheduled_events_reconcile_at_their_own_time() {
        let t = Trigger::parse(json!({
            "version": "0", "id": "x", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-11-23T22:00:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:events:eu-west-1:123456789012:rule/every-5-minutes"], "detail": {}
        }))
        .expect("parses");
        assert_eq!(
            t,
            Trigger::Scheduled {
                time: Some("2026-11-23T22:00:00Z".parse().expect("ts"))
            }
        );
        assert_eq!(
            Trigger::parse(json!({})).expect("empty"),
            Trigger::Command(Command::Reconcile {
                time: None,
                dry_run: None
            })
        );
    }

    #[test]
    fn commands_parse_and_bad_ones_say_what_is_expected() {
        assert_eq!(
            Trigger::parse(json!({"action": "plan"})).expect("plan"),
            Trigger::Command(Command::Plan { time: None })
        );
        assert_eq!(
            Trigger::parse(json!({"action": "apply", "schedule": "office", "state": "stopped"}))
                .expect("apply"),
            Trigger::Command(Command::Apply {
                schedule: "office".into(),
                state: State::Stopped,
                dry_run: None
            })
        );
        let err = Trigger::parse(json!({"action": "nuke"})).expect_err("unknown");
        assert!(
            err.to_string().contains("expected {\"action\":\"plan\"}"),
            "{err}"
        );
        let err =
            Trigger::parse(json!({"action": "apply", "schedule": "office", "state": "paused"}))
                .expect_err("state");
        assert!(
            err.to_string().contains("unknown variant `paused`"),
            "{err}"
        );
        let err = Trigger::parse(json!({"detail-type": "Scheduled Event", "time": "yesterday"}))
            .expect_err("time");
        assert!(err.to_string().contains("not RFC 3339"), "{err}");
        let err = Trigger::parse(json!({"action": "plan", "time": "soon"})).expect_err("time");
        assert!(err.to_string().contains("not RFC 3339"), "{err}");
    }
}
