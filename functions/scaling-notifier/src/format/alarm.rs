//! CloudWatch alarms: the EventBridge "CloudWatch Alarm State Change" event,
//! and the classic message alarm actions publish to SNS.

use serde::Deserialize;
use serde_json::Value;
use shared::{Notification, Severity};

use super::{Ctx, Formatted, str_field};
use crate::FUNCTION;

/// What an alarm action publishes to SNS (the message, parsed).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassicAlarm {
    pub alarm_name: String,
    pub alarm_description: Option<String>,
    #[serde(rename = "AWSAccountId")]
    pub aws_account_id: String,
    pub new_state_value: String,
    pub new_state_reason: String,
    pub state_change_time: String,
    pub region: String,
    pub alarm_arn: String,
    pub old_state_value: String,
    pub trigger: Value,
}

impl ClassicAlarm {
    /// Whether a parsed SNS message really is an alarm notification.
    pub fn is_alarm(&self) -> bool {
        !self.alarm_name.is_empty() && !self.new_state_value.is_empty()
    }
}

/// One alarm transition, whichever way it arrived.
struct Transition<'a> {
    name: &'a str,
    description: &'a str,
    state: &'a str,
    previous: &'a str,
    reason: &'a str,
    metric: String,
    changed_at: &'a str,
    account: &'a str,
    region: &'a str,
    arn: &'a str,
}

fn severity(state: &str) -> Severity {
    match state {
        "ALARM" => Severity::Error,
        "INSUFFICIENT_DATA" => Severity::Warning,
        _ => Severity::Info,
    }
}

fn notification(t: &Transition<'_>, environment: &str) -> Notification {
    let title = if t.previous.is_empty() {
        format!("Alarm {}: {}", t.name, t.state)
    } else {
        format!("Alarm {}: {} -> {}", t.name, t.previous, t.state)
    };
    let mut n = Notification::new(severity(t.state), FUNCTION, environment, title)
        .summary(t.reason)
        .field("Alarm", t.name)
        .field("State", t.state)
        .field("Previous state", t.previous)
        .field("Metric", &t.metric)
        .field("Description", t.description)
        .field("Changed at", t.changed_at)
        .field("Account", t.account)
        .field("Region", t.region)
        .resource(if t.arn.is_empty() {
            format!("alarm/{}", t.name)
        } else {
            t.arn.to_owned()
        });
    if !t.region.is_empty() && !t.region.contains(' ') {
        n = n.console_link(format!(
            "https://{r}.console.aws.amazon.com/cloudwatch/home?region={r}#alarmsV2:alarm/{}",
            url_path(t.name),
            r = t.region
        ));
    }
    n
}

/// The EventBridge event.
pub(super) fn state_change(ctx: &Ctx<'_>) -> Option<Formatted> {
    let d = &ctx.event.detail;
    let name = str_field(d, "alarmName");
    let state = d
        .get("state")
        .map(|s| str_field(s, "value"))
        .unwrap_or_default();
    if name.is_empty() || state.is_empty() {
        return None;
    }
    let metric = d
        .pointer("/configuration/metrics")
        .and_then(Value::as_array)
        .map(|metrics| {
            metrics
                .iter()
                .filter_map(|m| m.pointer("/metricStat/metric"))
                .map(|m| {
                    let dims = m
                        .get("dimensions")
                        .and_then(Value::as_object)
                        .map(|o| {
                            o.iter()
                                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .unwrap_or_default();
                    format!(
                        "{} {} {dims}",
                        str_field(m, "namespace"),
                        str_field(m, "name")
                    )
                    .trim()
                    .to_owned()
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    let t = Transition {
        name,
        description: d
            .pointer("/configuration/description")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        state,
        previous: d
            .get("previousState")
            .map(|s| str_field(s, "value"))
            .unwrap_or_default(),
        reason: d
            .get("state")
            .map(|s| str_field(s, "reason"))
            .unwrap_or_default(),
        metric,
        changed_at: d
            .get("state")
            .map(|s| str_field(s, "timestamp"))
            .unwrap_or_default(),
        account: ctx.event.account.as_deref().unwrap_or_default(),
        region: ctx.region(),
        arn: ctx
            .event
            .resources
            .as_deref()
            .and_then(|r| r.first())
            .map(String::as_str)
            .unwrap_or_default(),
    };
    Some(Formatted::known(
        format!("CloudWatch Alarm State Change/{state}"),
        notification(&t, ctx.environment),
    ))
}

/// The classic SNS alarm message.
pub(super) fn classic(alarm: &ClassicAlarm, environment: &str) -> Formatted {
    let trigger = &alarm.trigger;
    let dims = trigger
        .get("Dimensions")
        .and_then(Value::as_array)
        .map(|ds| {
            ds.iter()
                .map(|d| {
                    let name = d.get("name").or_else(|| d.get("Name"));
                    let value = d.get("value").or_else(|| d.get("Value"));
                    format!(
                        "{}={}",
                        name.and_then(Value::as_str).unwrap_or_default(),
                        value.and_then(Value::as_str).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let metric = format!(
        "{} {} {dims}",
        str_field(trigger, "Namespace"),
        str_field(trigger, "MetricName")
    )
    .trim()
    .to_owned();
    // The classic message names the region in words ("EU (Ireland)"); the
    // ARN carries the code a console link needs.
    let region = alarm
        .alarm_arn
        .split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .unwrap_or(&alarm.region);
    let t = Transition {
        name: &alarm.alarm_name,
        description: alarm.alarm_description.as_deref().unwrap_or_default(),
        state: &alarm.new_state_value,
        previous: &alarm.old_state_value,
        reason: &alarm.new_state_reason,
        metric,
        changed_at: &alarm.state_change_time,
        account: &alarm.aws_account_id,
        region,
        arn: &alarm.alarm_arn,
    };
    Formatted::known(
        format!("CloudWatch Alarm State Change/{}", alarm.new_state_value),
        notification(&t, environment),
    )
}

/// Percent-encodes what a URL path segment cannot hold.
fn url_path(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{field, sample};
    use super::super::{format, format_classic_alarm};
    use super::*;

    #[test]
    fn alarm_entering_alarm_is_an_error_with_metric_and_reason() {
        let f = format(&sample("cloudwatch_alarm-state-alarm.json"), "prod");
        assert_eq!(f.kind, "CloudWatch Alarm State Change/ALARM");
        let n = f.notification;
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(n.title, "Alarm checkout-5xx-high: OK -> ALARM");
        assert_eq!(
            field(&n, "Metric"),
            Some(
                "AWS/ApplicationELB HTTPCode_Target_5XX_Count LoadBalancer=app/prod-alb/50dc6c495c0c9188"
            )
        );
        assert!(n.summary.starts_with("Threshold Crossed"), "{}", n.summary);
        assert!(
            n.console_link
                .as_deref()
                .is_some_and(|l| l.ends_with("alarm/checkout-5xx-high"))
        );
    }

    #[test]
    fn alarm_back_to_ok_is_info() {
        let n = format(&sample("cloudwatch_alarm-state-ok.json"), "prod").notification;
        assert_eq!(n.severity, Severity::Info);
        assert_eq!(n.title, "Alarm checkout-5xx-high: ALARM -> OK");
    }

    #[test]
    fn classic_sns_alarm_message_reads_the_same() {
        let raw = std::fs::read_to_string(format!(
            "{}/../../events/scaling-notifier/sns_alarm-classic.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("sample");
        let event: aws_lambda_events::event::sns::SnsEvent =
            serde_json::from_str(&raw).expect("sns");
        let alarm: ClassicAlarm =
            serde_json::from_str(&event.records[0].sns.message).expect("alarm message");
        assert!(alarm.is_alarm());
        let n = format_classic_alarm(&alarm, "prod").notification;
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(n.title, "Alarm orders-dlq-not-empty: OK -> ALARM");
        assert_eq!(
            field(&n, "Metric"),
            Some("AWS/SQS ApproximateNumberOfMessagesVisible QueueName=orders-dlq")
        );
        assert_eq!(field(&n, "Region"), Some("eu-west-1"));
    }

    #[test]
    fn names_are_encoded_for_links() {
        assert_eq!(url_path("a b/c"), "a%20b%2Fc");
    }
}
