//! CloudWatch alarms, in whichever shape they arrive (see
//! `shared::events::alarm`).

use shared::events::alarm::AlarmChange;
use shared::{Notification, Severity};

use super::{Ctx, Formatted};
use crate::FUNCTION;

fn severity(state: &str) -> Severity {
    match state {
        "ALARM" => Severity::Error,
        "INSUFFICIENT_DATA" => Severity::Warning,
        _ => Severity::Info,
    }
}

/// The EventBridge "CloudWatch Alarm State Change" event.
pub(super) fn state_change(ctx: &Ctx<'_>) -> Option<Formatted> {
    let event = serde_json::to_value(ctx.event).ok()?;
    AlarmChange::from_eventbridge(&event).map(|a| formatted(&a, ctx.environment))
}

/// An alarm change that arrived through SNS or a Lambda alarm action.
///
/// A composite alarm whose actions a suppressor holds back
/// (`actionsSuppressedBy`: a maintenance window in ALARM, or the wait and
/// extension periods around it) pages no one: its own actions do not run
/// either. When the suppression ends while it is still in ALARM, CloudWatch
/// sends ALARM -> ALARM without `actionsSuppressedBy` (AWS's composite
/// example): that is when it pages. Any other ALARM -> ALARM is the same
/// state again, not news.
pub(super) fn formatted(a: &AlarmChange, environment: &str) -> Formatted {
    let released = a.previously_suppressed && a.suppressed_by.is_empty();
    let title = if released {
        format!(
            "Alarm {}: {} (its actions are no longer suppressed)",
            a.name, a.state
        )
    } else if a.previous.is_empty() {
        format!("Alarm {}: {}", a.name, a.state)
    } else {
        format!("Alarm {}: {} -> {}", a.name, a.previous, a.state)
    };
    let severity = if a.suppressed_by.is_empty() {
        severity(&a.state)
    } else {
        Severity::Info
    };
    let mut n = Notification::new(severity, FUNCTION, environment, title)
        .summary(&a.reason)
        .field("Alarm", &a.name)
        .field("State", &a.state)
        .field("Previous state", &a.previous)
        .field("Rule", &a.rule)
        .field("Actions suppressor", &a.suppressor)
        .field("Metric", a.metric_text())
        .field("Description", &a.description)
        .field("Changed at", &a.changed_at)
        .field("Account", &a.account)
        .field("Region", &a.region)
        .resource(if a.arn.is_empty() {
            format!("alarm/{}", a.name)
        } else {
            a.arn.clone()
        });
    if !a.region.is_empty() && !a.region.contains(' ') {
        n = n.console_link(format!(
            "https://{r}.console.aws.amazon.com/cloudwatch/home?region={r}#alarmsV2:alarm/{}",
            url_path(&a.name),
            r = a.region
        ));
    }
    let f = Formatted::known(format!("CloudWatch Alarm State Change/{}", a.state), n);
    if !a.suppressed_by.is_empty() {
        let by = match a.suppressed_by.as_str() {
            "Alarm" if !a.suppressor.is_empty() => {
                format!("its suppressor {} is in ALARM", a.suppressor)
            }
            "WaitPeriod" => "it waits for its suppressor to go into ALARM".to_owned(),
            "ExtensionPeriod" => "its suppressor left ALARM moments ago".to_owned(),
            other => format!("{other}: {}", a.suppressed_reason),
        };
        f.routine(format!(
            "{} is {} with its actions suppressed ({by}): no page until they run",
            a.name, a.state
        ))
    } else if !released && a.state == a.previous {
        f.routine(format!(
            "{} is still {}: the same state again",
            a.name, a.state
        ))
    } else {
        f
    }
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
    use super::super::{format, format_alarm};
    use super::*;
    use shared::Redactor;

    #[test]
    fn alarm_entering_alarm_is_an_error_with_metric_and_reason() {
        let f = format(
            &sample("cloudwatch_alarm-state-alarm.json"),
            "prod",
            &Redactor::default(),
        );
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
        let n = format(
            &sample("cloudwatch_alarm-state-ok.json"),
            "prod",
            &Redactor::default(),
        )
        .notification;
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
        let message: serde_json::Value =
            serde_json::from_str(&event.records[0].sns.message).expect("alarm message");
        let alarm = AlarmChange::from_sns_message(&message).expect("an alarm");
        let n = format_alarm(&alarm, "prod").notification;
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(n.title, "Alarm orders-dlq-not-empty: OK -> ALARM");
        assert_eq!(
            field(&n, "Metric"),
            Some("AWS/SQS ApproximateNumberOfMessagesVisible QueueName=orders-dlq")
        );
        assert_eq!(field(&n, "Region"), Some("eu-west-1"));
    }

    fn lambda_action(file: &str) -> Formatted {
        let raw = std::fs::read_to_string(format!(
            "{}/../../events/scaling-notifier/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("sample");
        let payload: serde_json::Value = serde_json::from_str(&raw).expect("json");
        format_alarm(
            &AlarmChange::from_lambda_action(&payload).expect("an alarm"),
            "prod",
        )
    }

    /// AWS's composite example: actions held back by the suppressor (a
    /// maintenance window in ALARM) page no one; it paged as ERROR before.
    #[test]
    fn a_composite_alarm_whose_actions_are_suppressed_pages_no_one() {
        let f = format(
            &sample("cloudwatch_alarm-composite-suppressed.json"),
            "prod",
            &Redactor::default(),
        );
        let why = f.routine.clone().expect("not sent");
        assert!(
            why.contains("its suppressor checkout-maintenance-window is in ALARM"),
            "{why}"
        );
        assert_eq!(f.notification.severity, Severity::Info);
        assert_eq!(
            field(&f.notification, "Rule"),
            Some("ALARM(checkout-5xx-high) OR ALARM(checkout-p99-latency)")
        );
    }

    /// ALARM -> ALARM once the wait period is over (AWS's Lambda-action
    /// composite example): the actions run now, so this is the page.
    #[test]
    fn a_composite_alarm_pages_when_its_suppression_ends() {
        let f = lambda_action("cloudwatch_alarm-composite-lambda-action.json");
        assert!(f.routine.is_none(), "{:?}", f.routine);
        assert_eq!(f.notification.severity, Severity::Error);
        assert_eq!(
            f.notification.title,
            "Alarm checkout-degraded: ALARM (its actions are no longer suppressed)"
        );
        assert_eq!(
            field(&f.notification, "Actions suppressor"),
            Some("checkout-maintenance-window")
        );
    }

    /// Another child alarm joins while the composite is already in ALARM:
    /// the same state again, sent a second time before.
    #[test]
    fn alarm_to_alarm_without_suppression_is_not_sent_again() {
        let f = format(
            &sample("cloudwatch_alarm-composite-still-alarm.json"),
            "prod",
            &Redactor::default(),
        );
        let why = f.routine.expect("not sent");
        assert!(why.contains("is still ALARM"), "{why}");
    }

    #[test]
    fn names_are_encoded_for_links() {
        assert_eq!(url_path("a b/c"), "a%20b%2Fc");
    }
}
