//! Reading an invocation's payload, the same way in every function.
//!
//! Each function's `input.rs` turns the payload into its own `Trigger` once;
//! these are the pieces they share, so a malformed payload is refused with
//! the same kind of sentence everywhere (see the README's "Bad input").

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::config::Common;
use crate::notification::{Notification, PublishError, Publisher, Severity};
use crate::report::{Entry, Report};

/// Why a payload could not be read as anything the function takes. Nothing
/// is done for it: the invocation is refused with this sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

impl InputError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// The payload as a JSON object, or what it was instead.
pub fn object(payload: &Value) -> Result<&Map<String, Value>, InputError> {
    match payload {
        Value::Object(map) => Ok(map),
        other => Err(InputError(format!(
            "expected a JSON object, got {}",
            kind_of(other)
        ))),
    }
}

/// A JSON value's kind, in words (never the value: it may be a secret).
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An optional RFC 3339 instant from a payload field (`time`).
pub fn instant(field: &str, v: Option<&Value>) -> Result<Option<Timestamp>, InputError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(t)) => t
            .parse()
            .map(Some)
            .map_err(|e| InputError(format!("the {field} {t:?} is not RFC 3339: {e}"))),
        Some(other) => Err(InputError(format!(
            "the {field} is {}, not an RFC 3339 string",
            kind_of(other)
        ))),
    }
}

/// For command fields: `#[serde(default, deserialize_with = "shared::input::rfc3339")]`.
pub fn rfc3339<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    instant("time", v.as_ref()).map_err(serde::de::Error::custom)
}

/// A command of our own (`{"action": ...}`): an action the function does not
/// know is named as such, and a malformed one says what it expects.
pub fn command<T: DeserializeOwned>(
    payload: Value,
    actions: &[&str],
    expected: &str,
) -> Result<T, InputError> {
    let action = object(&payload)?.get("action").cloned();
    match &action {
        Some(Value::String(a)) if actions.contains(&a.as_str()) => {}
        Some(Value::String(a)) => {
            return Err(InputError(format!(
                "unknown action {a:?}: expected {}; {expected}",
                actions.join(" or ")
            )));
        }
        _ => {
            return Err(InputError(format!(
                "\"action\" must be one of {}; {expected}",
                actions.join(", ")
            )));
        }
    }
    serde_json::from_value(payload).map_err(|e| InputError(format!("{e}; {expected}")))
}

/// An AWS event's own type (aws_lambda_events), with the event named in the error.
pub fn typed<T: DeserializeOwned>(what: &str, payload: Value) -> Result<T, InputError> {
    serde_json::from_value(payload).map_err(|e| InputError(format!("the {what} is malformed: {e}")))
}

/// Up to eight keys of an object, for saying what a payload of no known
/// shape had.
pub fn keys(map: &Map<String, Value>) -> String {
    let keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
    format!("an object with keys [{}]", keys.join(", "))
}

/// The one bad-input policy (README "Bad input"): a payload no trigger of
/// the function has is refused. Nothing is done; the report names what is
/// wrong under `failed`; a person hears once, by a WARNING notification
/// (planned, not sent, in a dry-run deployment); and the invocation
/// succeeds, because an asynchronous source (EventBridge, SNS, Scheduler)
/// would otherwise deliver the same unreadable payload twice more, for
/// nothing. Only failing to tell the person fails the invocation: that is
/// AWS's failure, and a retry can help.
pub async fn refuse(
    function: &str,
    common: &Common,
    publisher: &Publisher,
    why: &impl std::fmt::Display,
) -> Result<Report, PublishError> {
    tracing::warn!(reason = %why, "input refused: nothing done");
    let mut report = Report::new(function, common.dry_run);
    report.failed(
        Entry::new("input")
            .action("refuse")
            .reason(format!("{why}; nothing was done")),
    );
    let notification = refusal(function, &common.environment, why);
    publisher
        .publish_or_plan(
            &mut report,
            Entry::new("input").action("notify"),
            &notification,
        )
        .await?;
    Ok(report)
}

/// The WARNING a refusal sends.
fn refusal(function: &str, environment: &str, why: &impl std::fmt::Display) -> Notification {
    Notification::new(
        Severity::Warning,
        function,
        environment,
        format!("{function} refused a payload it cannot read"),
    )
    .summary(
        "Nothing was done for it, and it will not be retried. Fix what sends it \
         (a rule's input, a schedule's payload, a manual invoke).",
    )
    .field("Why", why.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "action", rename_all = "lowercase")]
    enum Cmd {
        Go {
            #[serde(default, deserialize_with = "rfc3339")]
            time: Option<Timestamp>,
        },
    }

    #[test]
    fn commands_name_an_unknown_action_and_a_bad_time() {
        let ok: Cmd = command(json!({"action": "go"}), &["go"], "try go").expect("go");
        assert_eq!(ok, Cmd::Go { time: None });
        let err = command::<Cmd>(json!({"action": "stop"}), &["go"], "try go").expect_err("stop");
        assert!(err.0.starts_with("unknown action \"stop\""), "{err}");
        let err = command::<Cmd>(
            json!({"action": "go", "time": "yesterday"}),
            &["go"],
            "try go",
        )
        .expect_err("time");
        assert!(err.0.contains("not RFC 3339"), "{err}");
        let err = command::<Cmd>(json!([1]), &["go"], "try go").expect_err("array");
        assert_eq!(err.0, "expected a JSON object, got an array");
    }

    #[test]
    fn instants_are_rfc3339_or_absent() {
        assert_eq!(instant("time", None), Ok(None));
        assert!(
            instant("time", Some(&json!("2026-12-03T10:00:00Z")))
                .expect("ok")
                .is_some()
        );
        assert!(
            instant("time", Some(&json!(5)))
                .expect_err("number")
                .0
                .contains("a number")
        );
    }
}
