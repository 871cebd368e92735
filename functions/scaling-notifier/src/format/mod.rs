//! Pure formatting: one event in, one notification out. No AWS calls here:
//! what the handler looked up for an event (a stopped task's essential
//! containers) comes in as [`Lookups`].
//!
//! Each known event type has its own formatter choosing severity, subject
//! and fields. Anything else, or a known type whose detail is not shaped as
//! AWS documents, becomes a generic WARNING so nothing is lost.

mod alarm;
mod appscaling;
mod autoscaling;
mod backup;
mod ecs;
mod ecs_task;
mod findings;
mod health;
mod scheduler;
mod securityhub;

use shared::Redactor;
use shared::events::alarm::AlarmChange;
use shared::{Notification, Severity};

use crate::{Event, FUNCTION};

/// Longest rendering of an unrecognised event's detail kept in its notification.
const MAX_GENERIC_DETAIL_CHARS: usize = 2_000;

/// The notification for an event, and what routing needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formatted {
    /// `detail-type`, or `detail-type/eventName` where the detail names a
    /// finer event (ECS): what `MUTED_EVENTS` matches.
    pub kind: String,
    /// Whether a formatter of its own made it (else: the generic one).
    pub recognised: bool,
    /// Why this event is routine and not worth a notification, if it is.
    pub routine: Option<String>,
    pub notification: Notification,
}

impl Formatted {
    fn known(kind: impl Into<String>, notification: Notification) -> Self {
        Self {
            kind: kind.into(),
            recognised: true,
            routine: None,
            notification,
        }
    }

    fn routine(mut self, reason: impl Into<String>) -> Self {
        self.routine = Some(reason.into());
        self
    }
}

/// What the handler looked up for an event, beyond what the event says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookups {
    /// A stopped task's essential containers, or why they are not known;
    /// `None` when not looked up.
    pub essential: Option<Result<Vec<String>, String>>,
}

/// The task definition whose essential containers an event needs to be
/// told right: a task stopped because an essential container exited, with
/// more than one container (ECS's event does not say which is essential).
pub fn task_definition_to_read(event: &Event) -> Option<String> {
    if (event.source.as_str(), event.detail_type.as_str()) != ("aws.ecs", "ECS Task State Change") {
        return None;
    }
    ecs_task::task_definition_to_read(&event.detail)
}

/// Formats one EventBridge event. Never fails.
pub fn format(event: &Event, environment: &str, redact: &Redactor) -> Formatted {
    format_with(event, environment, redact, &Lookups::default())
}

/// [`format`], with what was looked up for the event.
pub fn format_with(
    event: &Event,
    environment: &str,
    redact: &Redactor,
    lookups: &Lookups,
) -> Formatted {
    let ctx = Ctx {
        event,
        environment,
        lookups,
        redact,
    };
    let known = match (event.source.as_str(), event.detail_type.as_str()) {
        ("aws.autoscaling", dt) => autoscaling::format(&ctx, dt),
        ("aws.ecs", "ECS Service Action") => ecs::service_action(&ctx),
        ("aws.ecs", "ECS Deployment State Change") => ecs::deployment(&ctx),
        ("aws.ecs", "ECS Task State Change") => ecs_task::task_state(&ctx),
        (
            "aws.application-autoscaling",
            "Application Auto Scaling Scaling Activity State Change",
        ) => appscaling::format(&ctx),
        ("aws.cloudwatch", "CloudWatch Alarm State Change") => alarm::state_change(&ctx),
        ("aws.backup", "Backup Job State Change") => backup::backup_job(&ctx),
        ("aws.backup", "Copy Job State Change") => backup::copy_job(&ctx),
        ("aws.backup", "Restore Job State Change") => backup::restore_job(&ctx),
        ("aws.guardduty", "GuardDuty Finding") => findings::guardduty(&ctx),
        ("aws.health", "AWS Health Event") => health::format(&ctx, "AWS Health Event"),
        ("aws.health", "AWS Health Abuse Event") => health::format(&ctx, "AWS Health Abuse Event"),
        ("aws.securityhub", "Security Hub Findings - Imported") => securityhub::security_hub(&ctx),
        (shared::events::scheduler::SOURCE, shared::events::scheduler::ACTION_DETAIL_TYPE) => {
            scheduler::format(&ctx)
        }
        _ => None,
    };
    known.unwrap_or_else(|| generic(event, environment, redact))
}

/// Formats an alarm change that arrived through SNS or a Lambda alarm action.
pub fn format_alarm(alarm: &AlarmChange, environment: &str) -> Formatted {
    alarm::formatted(alarm, environment)
}

/// Formats an SNS message that is not an event this function knows.
pub fn format_sns_text(
    subject: Option<&str>,
    message: &str,
    topic: &str,
    environment: &str,
    redact: &Redactor,
) -> Formatted {
    let text = redact.show(message);
    let title = subject
        .filter(|s| !s.trim().is_empty())
        .map(|s| format!("SNS message: {}", redact.show(s)))
        .unwrap_or_else(|| "SNS message of unknown shape".to_owned());
    let notification = Notification::new(Severity::Warning, FUNCTION, environment, title)
        .summary(
            "No formatter knows this message, so it is forwarded as received \
             (secrets, card numbers and e-mail addresses redacted).",
        )
        .field("Topic", topic)
        .field("Message", cut(&text, MAX_GENERIC_DETAIL_CHARS));
    Formatted {
        kind: "SNS message".into(),
        recognised: false,
        routine: None,
        notification,
    }
}

/// What every formatter reads about the event around its detail.
struct Ctx<'a> {
    event: &'a Event,
    environment: &'a str,
    lookups: &'a Lookups,
    /// For free text a finding carries (descriptions written by any
    /// product that reports to Security Hub).
    redact: &'a Redactor,
}

impl Ctx<'_> {
    fn region(&self) -> &str {
        self.event.region.as_deref().unwrap_or_default()
    }

    fn detail<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_value(self.event.detail.clone()).ok()
    }

    fn notification(&self, severity: Severity, title: impl Into<String>) -> Notification {
        Notification::new(severity, FUNCTION, self.environment, title)
    }

    /// The fields every notification ends with.
    fn finish(&self, n: Notification) -> Notification {
        n.field(
            "Time",
            self.event.time.map(|t| t.to_rfc3339()).unwrap_or_default(),
        )
        .field("Account", self.event.account.as_deref().unwrap_or_default())
        .field("Region", self.region())
    }

    /// `n` with a console link in the event's region (`{region}` in the
    /// path is filled in too); unchanged when the event names no region.
    fn with_console(&self, n: Notification, path_and_fragment: &str) -> Notification {
        let region = self.region();
        if region.is_empty() {
            return n;
        }
        n.console_link(
            format!("https://{region}.console.aws.amazon.com/{path_and_fragment}")
                .replace("{region}", region),
        )
    }
}

fn generic(event: &Event, environment: &str, redact: &Redactor) -> Formatted {
    let mut detail = event.detail.clone();
    redact.json(&mut detail);
    let resources = event.resources.as_deref().unwrap_or_default().join(", ");
    let mut n = Notification::new(
        Severity::Warning,
        FUNCTION,
        environment,
        format!("{} from {}", event.detail_type, event.source),
    )
    .summary(
        "No formatter knows this event, so it is forwarded as received \
         (secrets, card numbers and e-mail addresses redacted).",
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
    .field("Detail", cut(&detail.to_string(), MAX_GENERIC_DETAIL_CHARS));
    if let Some(resource) = event.resources.as_ref().and_then(|r| r.first()) {
        n = n.resource(resource.clone());
    }
    Formatted {
        kind: event.detail_type.clone(),
        recognised: false,
        routine: None,
        notification: n,
    }
}

/// At most `max` characters of `text`, saying when it was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push_str("… (cut)");
    out
}

/// `SERVICE_TASK_PLACEMENT_FAILURE` -> `service task placement failure`.
fn humanize(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The last `/`-separated part of an ARN or id (`.../service/prod/web` -> `web`).
fn last_segment(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;
    use shared::Redactor;

    pub(crate) fn sample(file: &str) -> Event {
        let path = format!(
            "{}/../../events/scaling-notifier/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A sample's notification, with whether it is routine; it must be
    /// one a formatter of its own recognised.
    pub(crate) fn read(file: &str) -> (Notification, bool) {
        let f = format(&sample(file), "p", &Redactor::default());
        assert!(f.recognised, "{file} fell to the generic formatter");
        (f.notification, f.routine.is_some())
    }

    pub(crate) fn field<'a>(n: &'a Notification, name: &str) -> Option<&'a str> {
        n.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    fn event(value: serde_json::Value) -> Event {
        serde_json::from_value(value).expect("valid EventBridge event")
    }

    #[test]
    fn unknown_event_becomes_a_warning_with_its_type_and_source() {
        let e = event(json!({
            "version": "0", "id": "1", "detail-type": "Something New", "source": "aws.future",
            "account": "123456789012", "time": "2026-11-23T10:00:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:future:eu-west-1:123456789012:thing/a"],
            "detail": {"state": "odd", "token": "abc123"}
        }));
        let f = format(&e, "prod", &Redactor::default());
        assert!(!f.recognised);
        assert_eq!(f.kind, "Something New");
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
        let f = format(&e, "prod", &Redactor::default());
        assert!(!f.recognised);
        assert_eq!(f.notification.severity, Severity::Warning);
    }

    #[test]
    fn huge_unknown_detail_is_cut() {
        let e = event(json!({
            "detail-type": "Big", "source": "custom.app", "detail": {"blob": "x".repeat(10_000)}
        }));
        let n = format(&e, "prod", &Redactor::default()).notification;
        let detail = field(&n, "Detail").unwrap_or_default();
        assert!(detail.chars().count() < MAX_GENERIC_DETAIL_CHARS + 20);
    }

    #[test]
    fn unknown_sns_text_is_forwarded_redacted() {
        let f = format_sns_text(
            Some("hello"),
            r#"{"password":"p","x":1}"#,
            "arn:t",
            "prod",
            &Redactor::default(),
        );
        assert_eq!(f.notification.severity, Severity::Warning);
        assert_eq!(f.notification.title, "SNS message: hello");
        let msg = field(&f.notification, "Message").unwrap_or_default();
        assert!(
            !msg.contains("\"p\"") && msg.contains("[redacted]"),
            "{msg}"
        );
        // Plain text and JSON inside the message: the same rules.
        let text = format_sns_text(
            Some("to ann@example.com"),
            "card 4111-1111-1111-1111, Authorization: Bearer s3cr3t",
            "arn:t",
            "prod",
            &Redactor::default(),
        )
        .notification;
        let shown = serde_json::to_string(&text).unwrap_or_default();
        for leak in ["ann@", "4111", "s3cr3t"] {
            assert!(!shown.contains(leak), "{leak} in {shown}");
        }
    }

    #[test]
    fn unknown_event_detail_masks_nested_json_cards_and_emails() {
        let e = event(json!({
            "detail-type": "Order Failed", "source": "custom.shop",
            "detail": {"payload": "{\"email\":\"bo@example.org\",\"pan\":\"x\"}", "n": 4111111111111111u64}
        }));
        let n = format(&e, "prod", &Redactor::with_fields(["order_ref"])).notification;
        let detail = field(&n, "Detail").unwrap_or_default();
        for leak in ["bo@", "4111", "\"x\""] {
            assert!(!detail.contains(leak), "{leak} in {detail}");
        }
    }

    #[test]
    fn names_read_as_words() {
        assert_eq!(
            humanize("SERVICE_TASK_START_IMPAIRED"),
            "service task start impaired"
        );
        assert_eq!(
            last_segment("arn:aws:ecs:us-east-1:1:service/prod/web"),
            "web"
        );
    }
}
