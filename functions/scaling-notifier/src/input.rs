//! What the notifier can be invoked with, as AWS delivers it:
//! - an EventBridge event (rule target = this function);
//! - a CloudWatch alarm action invoking the function directly;
//! - SNS records (a topic subscribed to this function): each message an
//!   EventBridge event, a CloudWatch alarm notification, or anything else;
//! - SQS records (an EventBridge rule buffered through a queue): each body
//!   an EventBridge event, an SNS envelope, or anything else.

use serde_json::Value;

use crate::Event;
use shared::events::alarm::AlarmChange;

/// One thing to notify about.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Event(Box<Event>),
    Alarm(Box<AlarmChange>),
    /// A message of no shape this function knows; still forwarded.
    Text {
        subject: Option<String>,
        message: String,
        origin: String,
    },
}

/// One item, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// A label for reports and logs: the event id or record's message id.
    pub label: String,
    /// For SQS records: the message id to name in `batchItemFailures`.
    pub sqs_message_id: Option<String>,
    pub item: Item,
}

/// Why the payload could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("the payload is not an EventBridge event, nor SNS or SQS records: {0}")]
    Unrecognised(String),
    #[error("the EventBridge event is malformed: {0}")]
    MalformedEvent(String),
}

/// Reads the payload into the items it carries.
pub fn parse(payload: Value) -> Result<Vec<Incoming>, InputError> {
    let Value::Object(map) = &payload else {
        return Err(InputError::Unrecognised(format!(
            "expected a JSON object, got {}",
            shared::input::kind_of(&payload)
        )));
    };
    if map.contains_key("alarmData") {
        let alarm = AlarmChange::from_lambda_action(&payload).ok_or_else(|| {
            InputError::MalformedEvent("an alarm action payload without alarm name or state".into())
        })?;
        return Ok(vec![Incoming {
            label: alarm.name.clone(),
            sqs_message_id: None,
            item: Item::Alarm(Box::new(alarm)),
        }]);
    }
    if map.contains_key("detail-type") {
        let event: Event = serde_json::from_value(payload)
            .map_err(|e| InputError::MalformedEvent(e.to_string()))?;
        return Ok(vec![Incoming {
            label: event.id.clone().unwrap_or_else(|| "event".into()),
            sqs_message_id: None,
            item: Item::Event(Box::new(event)),
        }]);
    }
    let Some(Value::Array(records)) = map.get("Records") else {
        let keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
        return Err(InputError::Unrecognised(format!(
            "an object with keys [{}]",
            keys.join(", ")
        )));
    };
    records
        .iter()
        .enumerate()
        .map(|(i, record)| record_item(i, record))
        .collect()
}

fn record_item(index: usize, record: &Value) -> Result<Incoming, InputError> {
    if let Some(sns) = record.get("Sns") {
        let message = str_of(sns, "Message");
        let topic = str_of(sns, "TopicArn");
        return Ok(Incoming {
            label: non_empty(str_of(sns, "MessageId"), index),
            sqs_message_id: None,
            item: classify(
                message,
                Some(str_of(sns, "Subject")).filter(|s| !s.is_empty()),
                if topic.is_empty() { "SNS" } else { topic },
            ),
        });
    }
    if str_of(record, "eventSource") == "aws:sqs" {
        let id = str_of(record, "messageId").to_owned();
        let body = str_of(record, "body");
        let queue = str_of(record, "eventSourceARN");
        // A topic delivering to a queue without raw delivery wraps the message.
        let item = match serde_json::from_str::<Value>(body) {
            Ok(envelope)
                if envelope.get("Type").and_then(Value::as_str) == Some("Notification") =>
            {
                classify(
                    str_of(&envelope, "Message"),
                    Some(str_of(&envelope, "Subject")).filter(|s| !s.is_empty()),
                    str_of(&envelope, "TopicArn"),
                )
            }
            _ => classify(body, None, if queue.is_empty() { "SQS" } else { queue }),
        };
        return Ok(Incoming {
            label: non_empty(&id, index),
            sqs_message_id: (!id.is_empty()).then_some(id),
            item,
        });
    }
    Err(InputError::Unrecognised(format!(
        "record {index} is neither an SNS nor an SQS record"
    )))
}

/// What a message carried in a record is.
fn classify(message: &str, subject: Option<&str>, origin: &str) -> Item {
    if let Ok(json) = serde_json::from_str::<Value>(message) {
        if json.get("detail-type").is_some()
            && let Ok(event) = serde_json::from_value::<Event>(json.clone())
        {
            return Item::Event(Box::new(event));
        }
        if let Some(alarm) = AlarmChange::from_sns_message(&json) {
            return Item::Alarm(Box::new(alarm));
        }
    }
    Item::Text {
        subject: subject.map(str::to_owned),
        message: message.to_owned(),
        origin: origin.to_owned(),
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn non_empty(id: &str, index: usize) -> String {
    if id.is_empty() {
        format!("record {index}")
    } else {
        id.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(file: &str) -> Value {
        let path = format!(
            "{}/../../events/scaling-notifier/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("sample")).expect("json")
    }

    #[test]
    fn a_bare_eventbridge_event_is_one_item() {
        let items = parse(sample("ecs_service-steady-state.json")).expect("parses");
        assert_eq!(items.len(), 1);
        assert!(matches!(&items[0].item, Item::Event(e) if e.detail_type == "ECS Service Action"));
        assert_eq!(items[0].sqs_message_id, None);
    }

    #[test]
    fn sns_alarm_message_is_an_alarm() {
        let items = parse(sample("sns_alarm-classic.json")).expect("parses");
        assert!(matches!(&items[0].item, Item::Alarm(a) if a.name == "orders-dlq-not-empty"));
        assert_eq!(items[0].label, "95df01b4-ee98-5cb9-9903-4c221d41eb5e");
    }

    #[test]
    fn a_lambda_alarm_action_is_an_alarm() {
        let items = parse(sample("cloudwatch_alarm-lambda-action.json")).expect("parses");
        assert!(
            matches!(&items[0].item, Item::Alarm(a) if a.name == "checkout-p99-latency" && a.state == "ALARM")
        );
    }

    #[test]
    fn sqs_batch_carries_each_event_with_its_message_id() {
        let items = parse(sample("sqs_eventbridge-batch.json")).expect("parses");
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[1].sqs_message_id.as_deref(),
            Some("2e1424d4-f796-459a-8184-9c92662be6da")
        );
        assert!(items.iter().all(|i| matches!(i.item, Item::Event(_))));
    }

    #[test]
    fn sns_envelope_inside_sqs_is_unwrapped() {
        let inner = sample("ecs_service-steady-state.json").to_string();
        let envelope = json!({"Type": "Notification", "TopicArn": "arn:aws:sns:eu-west-1:1:t", "Message": inner});
        let payload = json!({"Records": [{"eventSource": "aws:sqs", "messageId": "m1", "body": envelope.to_string()}]});
        let items = parse(payload).expect("parses");
        assert!(matches!(&items[0].item, Item::Event(_)));
    }

    #[test]
    fn plain_text_messages_are_kept_as_text() {
        let payload = json!({"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "x", "TopicArn": "arn:t", "Subject": "hi", "Message": "disk almost full"}}]});
        let items = parse(payload).expect("parses");
        assert_eq!(
            items[0].item,
            Item::Text {
                subject: Some("hi".into()),
                message: "disk almost full".into(),
                origin: "arn:t".into()
            }
        );
    }

    #[test]
    fn payloads_that_are_no_event_are_refused_by_name() {
        let err = parse(json!({"action": "plan"})).expect_err("not an event");
        assert_eq!(
            err.to_string(),
            "the payload is not an EventBridge event, nor SNS or SQS records: an object with keys [action]"
        );
        let err = parse(json!([1, 2])).expect_err("array");
        assert!(err.to_string().contains("an array"));
        let err =
            parse(json!({"detail-type": 5, "source": "x", "detail": {}})).expect_err("malformed");
        assert!(matches!(err, InputError::MalformedEvent(_)));
    }
}
