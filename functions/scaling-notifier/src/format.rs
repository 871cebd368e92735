//! Pure formatting: one event in, one notification out. No AWS calls here.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use shared::logging::redact_json;
use shared::{Notification, Severity};

use crate::{Event, FUNCTION};

/// Longest rendering of an unrecognised event's detail kept in its notification.
const MAX_GENERIC_DETAIL_CHARS: usize = 2_000;

/// The notification for an event, and whether a formatter of its own made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formatted {
    pub notification: Notification,
    pub recognised: bool,
}

/// Formats one event. Never fails: an event it does not know, or one not
/// shaped as AWS documents, becomes a generic WARNING so it is not lost.
pub fn format(event: &Event, environment: &str) -> Formatted {
    let known = match (event.source.as_str(), event.detail_type.as_str()) {
        ("aws.autoscaling", "EC2 Instance Launch Unsuccessful") => {
            asg_activity(event, environment, Severity::Error, "launch failed")
        }
        _ => None,
    };
    match known {
        Some(notification) => Formatted {
            notification,
            recognised: true,
        },
        None => Formatted {
            notification: generic(event, environment),
            recognised: false,
        },
    }
}

/// The `detail` of Auto Scaling's instance launch and terminate events.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct AsgActivity {
    auto_scaling_group_name: String,
    activity_id: String,
    status_code: String,
    status_message: String,
    cause: String,
    description: String,
    start_time: String,
    end_time: String,
    #[serde(rename = "EC2InstanceId")]
    ec2_instance_id: String,
    details: BTreeMap<String, Value>,
}

fn asg_activity(
    event: &Event,
    environment: &str,
    severity: Severity,
    what: &str,
) -> Option<Notification> {
    let detail: AsgActivity = serde_json::from_value(event.detail.clone()).ok()?;
    let group = detail.auto_scaling_group_name.trim();
    if group.is_empty() {
        return None;
    }
    let zone = detail_text(&detail.details, "Availability Zone");
    let subnet = detail_text(&detail.details, "Subnet ID");
    let region = event.region.as_deref().unwrap_or_default();
    let title = match (&zone, region) {
        (Some(zone), _) => format!("ASG {group}: {what} in {zone}"),
        (None, "") => format!("ASG {group}: {what}"),
        (None, region) => format!("ASG {group}: {what} in {region}"),
    };
    let summary = first_non_empty(&[&detail.status_message, &detail.description, &detail.cause])
        .unwrap_or("Auto Scaling reported no reason.")
        .to_owned();

    // The summary already says the status message; the fields need not repeat it.
    let status_message = if summary == detail.status_message.trim() {
        ""
    } else {
        detail.status_message.as_str()
    };
    let mut n = Notification::new(severity, FUNCTION, environment, title)
        .summary(summary)
        .field("Auto Scaling group", group)
        .field("Status", &detail.status_code)
        .field("Status message", status_message)
        .field("Cause", &detail.cause)
        .field("Availability Zone", zone.unwrap_or_default())
        .field("Subnet", subnet.unwrap_or_default())
        .field("Instance", &detail.ec2_instance_id)
        .field("Activity", &detail.activity_id)
        .field("Started", &detail.start_time)
        .field("Ended", &detail.end_time)
        .field("Account", event.account.as_deref().unwrap_or_default())
        .field("Region", region)
        .resource(format!("asg/{group}"));
    if !region.is_empty() {
        n = n.console_link(format!(
            "https://{region}.console.aws.amazon.com/ec2/home?region={region}#AutoScalingGroupDetails:id={group};view=activity"
        ));
    }
    Some(n)
}

fn generic(event: &Event, environment: &str) -> Notification {
    let mut detail = event.detail.clone();
    redact_json(&mut detail);
    let mut rendered = detail.to_string();
    if rendered.chars().count() > MAX_GENERIC_DETAIL_CHARS {
        rendered = rendered.chars().take(MAX_GENERIC_DETAIL_CHARS).collect();
        rendered.push_str("… (cut)");
    }
    let resources = event.resources.as_deref().unwrap_or_default().join(", ");
    let mut n = Notification::new(
        Severity::Warning,
        FUNCTION,
        environment,
        format!("{} from {}", event.detail_type, event.source),
    )
    .summary(
        "No formatter knows this event, so it is forwarded as received \
         (values of secret-looking keys redacted).",
    )
    .field("Source", &event.source)
    .field("Detail type", &event.detail_type)
    .field("Resources", resources)
    .field(
        "Time",
        event.time.map(|t| t.to_rfc3339()).unwrap_or_default(),
    )
    .field("Account", event.account.as_deref().unwrap_or_default())
    .field("Region", event.region.as_deref().unwrap_or_default())
    .field("Event id", event.id.as_deref().unwrap_or_default())
    .field("Detail", rendered);
    if let Some(resource) = event.resources.as_ref().and_then(|r| r.first()) {
        n = n.resource(resource.clone());
    }
    n
}

fn detail_text(details: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    details
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn first_non_empty<'a>(candidates: &[&'a String]) -> Option<&'a str> {
    candidates.iter().map(|s| s.trim()).find(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(value: Value) -> Event {
        serde_json::from_value(value).expect("valid EventBridge event")
    }

    fn launch_unsuccessful() -> Event {
        let raw =
            include_str!("../../../events/scaling-notifier/autoscaling_launch-unsuccessful.json");
        serde_json::from_str(raw).expect("sample parses")
    }

    fn field<'a>(n: &'a Notification, name: &str) -> Option<&'a str> {
        n.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    #[test]
    fn launch_unsuccessful_is_an_error_naming_group_and_zone() {
        let f = format(&launch_unsuccessful(), "staging");
        assert!(f.recognised);
        let n = f.notification;
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(
            n.subject(),
            "[ERROR] ASG web-staging: launch failed in us-west-2b"
        );
        assert_eq!(field(&n, "Auto Scaling group"), Some("web-staging"));
        assert_eq!(field(&n, "Status"), Some("Failed"));
        assert_eq!(field(&n, "Subnet"), Some("subnet-0a1b2c3d"));
        assert_eq!(field(&n, "Region"), Some("us-west-2"));
        assert_eq!(field(&n, "Account"), Some("123456789012"));
        assert!(
            n.summary.contains("InsufficientInstanceCapacity"),
            "{}",
            n.summary
        );
        assert_eq!(n.resource.as_deref(), Some("asg/web-staging"));
        assert_eq!(n.environment, "staging");
        assert!(
            n.console_link
                .as_deref()
                .is_some_and(|l| l.contains("id=web-staging"))
        );
    }

    #[test]
    fn unknown_event_becomes_a_warning_with_its_type_and_source() {
        let e = event(json!({
            "version": "0", "id": "1", "detail-type": "Something New", "source": "aws.future",
            "account": "123456789012", "time": "2026-11-23T10:00:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:future:eu-west-1:123456789012:thing/a"],
            "detail": {"state": "odd", "token": "abc123"}
        }));
        let f = format(&e, "prod");
        assert!(!f.recognised);
        let n = f.notification;
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!(n.title, "Something New from aws.future");
        assert_eq!(field(&n, "Source"), Some("aws.future"));
        let detail = field(&n, "Detail").unwrap_or_default();
        assert!(
            detail.contains("odd") && !detail.contains("abc123"),
            "{detail}"
        );
        assert_eq!(
            n.resource.as_deref(),
            Some("arn:aws:future:eu-west-1:123456789012:thing/a")
        );
    }

    #[test]
    fn known_type_with_undocumented_detail_is_still_sent_as_generic() {
        let e = event(json!({
            "detail-type": "EC2 Instance Launch Unsuccessful", "source": "aws.autoscaling",
            "detail": {"StatusCode": 7}
        }));
        let f = format(&e, "prod");
        assert!(!f.recognised);
        assert_eq!(f.notification.severity, Severity::Warning);
    }

    #[test]
    fn huge_unknown_detail_is_cut() {
        let e = event(json!({
            "detail-type": "Big", "source": "custom.app", "detail": {"blob": "x".repeat(10_000)}
        }));
        let n = format(&e, "prod").notification;
        let detail = field(&n, "Detail").unwrap_or_default();
        assert!(detail.chars().count() < MAX_GENERIC_DETAIL_CHARS + 20);
    }
}
