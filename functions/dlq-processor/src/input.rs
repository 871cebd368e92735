//! What the processor is invoked with.

use aws_lambda_events::event::sns::{SnsEvent, SnsRecord};
use serde::Deserialize;
use serde_json::Value;
use shared::events::alarm::AlarmChange;
use shared::input::{self, InputError};

use crate::classify::Filter;

/// A manual command (`cargo lambda invoke`, chat buttons).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Command {
    /// Summarise a DLQ without consuming anything.
    Inspect { queue: String },
    /// Move messages back to their source queue (or `target`).
    Redrive {
        queue: String,
        #[serde(default)]
        max_messages: Option<usize>,
        #[serde(default)]
        filter: Option<Filter>,
        #[serde(default)]
        target: Option<String>,
        #[serde(default)]
        dry_run: Option<bool>,
        /// Hand the whole move to SQS (`StartMessageMoveTask`): every
        /// message, up to 500 a second, without this function's filter,
        /// redrive count or parking.
        #[serde(default)]
        native: bool,
    },
    /// Follow the queue's native message move tasks (`ListMessageMoveTasks`).
    Status { queue: String },
}

/// Why the processor was invoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A CloudWatch alarm state change (SNS, EventBridge or alarm action).
    Alarm(Box<AlarmChange>),
    /// An SNS message that is not an alarm notification: reported, not acted on.
    NotAnAlarm {
        message_id: String,
        why: String,
    },
    Command(Command),
    /// A scheduled event: redrive the configured queues.
    Scheduled,
}

const COMMANDS: &str = r#"expected {"action":"inspect","queue":"<name or URL>"}, {"action":"redrive","queue":"<name or URL>"} or {"action":"status","queue":"<name or URL>"}"#;

/// Reads the payload into what to do; a payload of no known shape is refused.
pub fn parse(payload: Value) -> Result<Vec<Trigger>, InputError> {
    let map = input::object(&payload)?;
    if map.contains_key("action") {
        let command = input::command(payload, &["inspect", "redrive", "status"], COMMANDS)?;
        return Ok(vec![Trigger::Command(checked(command)?)]);
    }
    if map.contains_key("alarmData") {
        return AlarmChange::from_lambda_action(&payload)
            .map(|a| vec![Trigger::Alarm(Box::new(a))])
            .ok_or_else(|| InputError::new("an alarm action payload without alarm name or state"));
    }
    if let Some(detail_type) = map.get("detail-type").and_then(Value::as_str) {
        return match detail_type {
            "CloudWatch Alarm State Change" => AlarmChange::from_eventbridge(&payload)
                .map(|a| vec![Trigger::Alarm(Box::new(a))])
                .ok_or_else(|| {
                    InputError::new(
                        "a CloudWatch Alarm State Change event without alarm name or state",
                    )
                }),
            "Scheduled Event" => Ok(vec![Trigger::Scheduled]),
            other => Err(InputError(format!(
                "EventBridge events of type {other:?} are not for this function"
            ))),
        };
    }
    if map.contains_key("Records") {
        let event: SnsEvent = input::typed("SNS event", payload)?;
        return Ok(event.records.into_iter().map(sns_trigger).collect());
    }
    Err(InputError(format!(
        "not an alarm (SNS, EventBridge or alarm action), a scheduled event or a command: {}",
        input::keys(map)
    )))
}

/// A native move takes every message: a filter or a cap cannot go with it.
fn checked(command: Command) -> Result<Command, InputError> {
    if let Command::Redrive {
        native: true,
        filter,
        max_messages,
        ..
    } = &command
    {
        let mut with = Vec::new();
        if filter.is_some() {
            with.push("\"filter\"");
        }
        if max_messages.is_some() {
            with.push("\"max_messages\"");
        }
        if !with.is_empty() {
            return Err(InputError(format!(
                "a native redrive (\"native\": true) moves every message of the queue, so it \
                 cannot take {}: drop {} or \"native\"",
                with.join(" or "),
                if with.len() == 1 { "it" } else { "them" }
            )));
        }
    }
    Ok(command)
}

/// An SNS message: an alarm notification, or reported as not one.
fn sns_trigger(record: SnsRecord) -> Trigger {
    let message_id = record.sns.message_id;
    match serde_json::from_str::<Value>(&record.sns.message) {
        Ok(json) => match AlarmChange::from_sns_message(&json) {
            Some(alarm) => Trigger::Alarm(Box::new(alarm)),
            None => Trigger::NotAnAlarm {
                message_id,
                why: "the SNS message is JSON but not a CloudWatch alarm notification".into(),
            },
        },
        Err(_) => Trigger::NotAnAlarm {
            message_id,
            why: "the SNS message is not JSON, so not a CloudWatch alarm notification".into(),
        },
    }
}

/// The DLQ an alarm is about: the `QueueName` dimension of an `AWS/SQS` metric.
pub fn queue_of(alarm: &AlarmChange) -> Result<String, String> {
    alarm
        .metrics
        .iter()
        .find(|m| m.namespace == "AWS/SQS")
        .and_then(|m| m.dimensions.get("QueueName").cloned())
        .ok_or_else(|| {
            format!(
                "alarm {} watches no SQS queue (metrics: {}): nothing to inspect",
                alarm.name,
                if alarm.metrics.is_empty() {
                    "none".into()
                } else {
                    alarm.metric_text()
                }
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(file: &str) -> Value {
        let path = format!(
            "{}/../../events/dlq-processor/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("sample")).expect("json")
    }

    #[test]
    fn the_alarm_through_sns_names_the_dlq() {
        let triggers = parse(sample("sns_alarm-dlq-not-empty.json")).expect("parses");
        let Trigger::Alarm(alarm) = &triggers[0] else {
            panic!("an alarm")
        };
        assert_eq!(alarm.state, "ALARM");
        assert_eq!(queue_of(alarm), Ok("orders-dlq".into()));
    }

    #[test]
    fn commands_parse() {
        let t = parse(sample("command_redrive-filtered.json")).expect("parses");
        let Trigger::Command(Command::Redrive {
            queue,
            filter,
            max_messages,
            ..
        }) = &t[0]
        else {
            panic!("redrive")
        };
        assert_eq!(queue, "orders-dlq");
        assert_eq!(*max_messages, Some(100));
        assert!(filter.as_ref().is_some_and(|f| f.groups.is_some()));
        let err = parse(json!({"action": "purge", "queue": "x"})).expect_err("unknown action");
        assert!(err.0.contains("expected {\"action\":\"inspect\""), "{err}");
    }

    #[test]
    fn a_native_redrive_takes_no_filter_or_cap_and_status_parses() {
        let t = parse(json!({"action": "redrive", "queue": "orders-dlq", "native": true}))
            .expect("parses");
        assert!(matches!(
            &t[0],
            Trigger::Command(Command::Redrive { native: true, .. })
        ));
        let err = parse(json!({"action": "redrive", "queue": "q", "native": true,
            "filter": {"groups": ["a"]}, "max_messages": 5}))
        .expect_err("native with a filter");
        assert!(
            err.0
                .contains("cannot take \"filter\" or \"max_messages\": drop them"),
            "{err}"
        );
        let t = parse(sample("command_status.json")).expect("parses");
        assert_eq!(
            t,
            vec![Trigger::Command(Command::Status {
                queue: "orders-dlq".into()
            })]
        );
    }

    #[test]
    fn an_alarm_on_another_metric_names_what_it_watches() {
        let t = parse(sample("eventbridge_alarm-not-sqs.json")).expect("parses");
        let Trigger::Alarm(alarm) = &t[0] else {
            panic!("an alarm")
        };
        let err = queue_of(alarm).expect_err("not sqs");
        assert!(
            err.contains("watches no SQS queue") && err.contains("AWS/EC2 CPUUtilization"),
            "{err}"
        );
    }

    #[test]
    fn other_payloads_are_refused_or_reported() {
        assert!(
            parse(json!({"hello": 1}))
                .expect_err("unknown")
                .0
                .contains("keys [hello]")
        );
        let t = parse(sample("sns_not-an-alarm.json")).expect("parses");
        assert!(matches!(&t[0], Trigger::NotAnAlarm { why, .. } if why.contains("not JSON")));
    }
}
