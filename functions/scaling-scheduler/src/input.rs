//! What the scheduler is invoked with, read once into a [`Trigger`].

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use shared::input::{self, InputError};

use crate::schedule::State;

/// Why the scheduler runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// An EventBridge rule's `Scheduled Event`. The run decides for now;
    /// `scheduled` (the event's `time`) only tells how late it came.
    Scheduled {
        scheduled: Option<Timestamp>,
    },
    Command(Command),
}

/// A manual command, or the EventBridge Scheduler's reconcile.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Command {
    /// Reconcile every target with its schedule, now. `time` is when the run
    /// was scheduled (the Scheduler's `<aws.scheduler.scheduled-time>`): a
    /// late or retried delivery still decides for now and says how late it
    /// is. `simulate_time` decides for another instant instead (demos, tests).
    Reconcile {
        #[serde(default, deserialize_with = "shared::input::rfc3339")]
        time: Option<Timestamp>,
        #[serde(default, deserialize_with = "shared::input::rfc3339")]
        simulate_time: Option<Timestamp>,
        #[serde(default)]
        dry_run: Option<bool>,
    },
    /// What a reconcile would do now (or at `simulate_time`); changes nothing.
    Plan {
        #[serde(default, deserialize_with = "shared::input::rfc3339")]
        simulate_time: Option<Timestamp>,
    },
    /// Puts every target of one schedule in `state`, whatever the time, and
    /// holds it there until `until` (default: the schedule's next change)
    /// with an override tag on each target.
    Apply {
        schedule: String,
        state: State,
        #[serde(default, deserialize_with = "shared::input::rfc3339")]
        until: Option<Timestamp>,
        #[serde(default)]
        dry_run: Option<bool>,
    },
}

/// The instant a run decides for, and a sentence for its report saying so.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionTime {
    pub at: Timestamp,
    pub note: String,
}

/// A delivery later than this is called late in the report.
const LATE_AFTER_SECONDS: i64 = 60;

const COMMANDS: &str = r#"expected {"action":"plan"}, {"action":"reconcile"} or {"action":"apply","schedule":"<name>","state":"running|stopped"}"#;

impl Trigger {
    /// Reads the payload: an EventBridge scheduled event, a command, or an
    /// empty object (reconcile now). Any other EventBridge event is refused.
    pub fn parse(payload: Value) -> Result<Trigger, InputError> {
        let map = input::object(&payload)?;
        if let Some(detail_type) = map.get("detail-type") {
            return match detail_type.as_str() {
                Some("Scheduled Event") => Ok(Trigger::Scheduled {
                    scheduled: input::instant("event's time", map.get("time"))?,
                }),
                _ => Err(InputError(format!(
                    "EventBridge events of type {detail_type} (source {}) are not for this \
                     function: it runs on a Scheduled Event or a command; {COMMANDS}",
                    map.get("source").unwrap_or(&Value::Null)
                ))),
            };
        }
        if map.is_empty() {
            return Ok(Trigger::Command(Command::Reconcile {
                time: None,
                simulate_time: None,
                dry_run: None,
            }));
        }
        if map.get("action").and_then(Value::as_str) == Some("plan") && map.contains_key("time") {
            return Err(InputError(
                "a plan takes no \"time\": it plans for now, or for \"simulate_time\"".into(),
            ));
        }
        input::command(payload, &["plan", "reconcile", "apply"], COMMANDS).map(Trigger::Command)
    }

    /// The instant to decide for: now, unless a command asks to simulate
    /// another. A scheduled time never picks it, so a late or retried
    /// delivery acts on the present, not on a moment gone.
    pub fn decision_time(&self, now: Timestamp) -> DecisionTime {
        let (scheduled, simulated) = match self {
            Trigger::Scheduled { scheduled } => (*scheduled, None),
            Trigger::Command(Command::Reconcile {
                time,
                simulate_time,
                ..
            }) => (*time, *simulate_time),
            Trigger::Command(Command::Plan { simulate_time }) => (None, *simulate_time),
            Trigger::Command(Command::Apply { .. }) => (None, None),
        };
        if let Some(at) = simulated {
            return DecisionTime {
                at,
                note: format!("Decided for the simulated time {at}, not for now ({now})"),
            };
        }
        let late = scheduled
            .map(|s| (s, now.as_second() - s.as_second()))
            .filter(|(_, late)| *late > LATE_AFTER_SECONDS)
            .map(|(s, late)| {
                format!(
                    "; scheduled for {s}, delivered {late} s late: decided for now all the same"
                )
            })
            .unwrap_or_default();
        DecisionTime {
            at: now,
            note: format!("Decided for now ({now}){late}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("ts")
    }

    #[test]
    fn a_scheduled_event_decides_for_now_and_says_how_late_it_came() {
        let t = Trigger::parse(json!({
            "version": "0", "id": "x", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-11-23T22:00:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:events:eu-west-1:123456789012:rule/every-5-minutes"], "detail": {}
        }))
        .expect("parses");
        let now = ts("2026-11-23T22:40:00Z");
        let when = t.decision_time(now);
        assert_eq!(when.at, now, "a late delivery acts on the present");
        assert_eq!(
            when.note,
            "Decided for now (2026-11-23T22:40:00Z); scheduled for 2026-11-23T22:00:00Z, \
             delivered 2400 s late: decided for now all the same"
        );
        // The Scheduler's reconcile, retried an hour on.
        let retried =
            Trigger::parse(json!({"action": "reconcile", "time": "2026-11-23T21:40:00Z"}))
                .expect("parses");
        assert_eq!(retried.decision_time(now).at, now);
        // On time: nothing to say about lateness.
        let on_time =
            Trigger::parse(json!({"action": "reconcile", "time": "2026-11-23T22:39:30Z"}))
                .expect("parses");
        assert_eq!(
            on_time.decision_time(now).note,
            "Decided for now (2026-11-23T22:40:00Z)"
        );
        assert_eq!(
            Trigger::parse(json!({}))
                .expect("empty")
                .decision_time(now)
                .at,
            now
        );
    }

    #[test]
    fn only_simulate_time_decides_for_another_instant() {
        let now = ts("2026-11-23T22:40:00Z");
        for payload in [
            json!({"action": "reconcile", "simulate_time": "2026-11-23T10:00:00Z"}),
            json!({"action": "plan", "simulate_time": "2026-11-23T10:00:00Z"}),
        ] {
            let when = Trigger::parse(payload).expect("parses").decision_time(now);
            assert_eq!(when.at, ts("2026-11-23T10:00:00Z"));
            assert!(when.note.contains("simulated time"), "{}", when.note);
        }
        let err = Trigger::parse(json!({"action": "plan", "time": "2026-11-23T10:00:00Z"}))
            .expect_err("plan with time");
        assert!(err.to_string().contains("\"simulate_time\""), "{err}");
    }

    #[test]
    fn events_not_meant_for_the_scheduler_are_refused() {
        for (detail_type, source) in [
            ("AWS Health Event", "aws.health"),
            ("EC2 Instance State-change Notification", "aws.ec2"),
        ] {
            let err = Trigger::parse(json!({
                "version": "0", "id": "x", "detail-type": detail_type, "source": source,
                "time": "2026-11-23T22:00:00Z", "detail": {}
            }))
            .expect_err("foreign");
            assert!(
                err.to_string().contains(&format!(
                    "EventBridge events of type \"{detail_type}\" (source \"{source}\") are not for this function"
                )),
                "{err}"
            );
        }
        let err = Trigger::parse(json!({"source": "aws.events", "time": "2026-11-23T22:00:00Z"}))
            .expect_err("no detail-type, no action");
        assert!(
            err.to_string().contains("\"action\" must be one of"),
            "{err}"
        );
    }

    #[test]
    fn commands_parse_and_bad_ones_say_what_is_expected() {
        assert_eq!(
            Trigger::parse(json!({"action": "plan"})).expect("plan"),
            Trigger::Command(Command::Plan {
                simulate_time: None
            })
        );
        assert_eq!(
            Trigger::parse(json!({"action": "apply", "schedule": "office", "state": "stopped"}))
                .expect("apply"),
            Trigger::Command(Command::Apply {
                schedule: "office".into(),
                state: State::Stopped,
                until: None,
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
        let err =
            Trigger::parse(json!({"action": "plan", "simulate_time": "soon"})).expect_err("time");
        assert!(err.to_string().contains("not RFC 3339"), "{err}");
    }
}
