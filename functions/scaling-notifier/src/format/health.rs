//! AWS Health events (`AWS Health Event`, `AWS Health Abuse Event`), as the
//! AWS Health EventBridge reference shows them.
//!
//! Health has no severity number; its own scale is the category (issue,
//! scheduledChange, accountNotification, investigation), the status (open,
//! upcoming, closed), the scope (an issue of your account or a public one)
//! and, where given, `actionability`. Read as:
//!
//! - closed: INFO, so the page it answered can be closed;
//! - exposed credentials (`RISK`) and abuse reports: CRITICAL;
//! - an issue of this account: ERROR; a public issue in a Region: WARNING;
//! - a scheduled change or notification that says ACTION_REQUIRED, and an
//!   investigation: WARNING; the rest: INFO.
//!
//! A multi-page communication (`page` of `totalPages`) is one notification
//! a page, each naming its page: its entities are split across them.

use serde::Deserialize;
use serde_json::Value;
use shared::Severity;

use super::{Ctx, Formatted, cut};

/// Longest Health description kept (they can run to pages of text).
const MAX_DESCRIPTION_CHARS: usize = 900;
/// Affected entities listed by name; the rest are counted.
const MAX_ENTITIES_SHOWN: usize = 10;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct HealthEvent {
    event_arn: String,
    service: String,
    event_type_code: String,
    event_type_category: String,
    event_scope_code: String,
    status_code: String,
    event_region: String,
    start_time: String,
    end_time: String,
    last_updated_time: String,
    event_description: Vec<Description>,
    affected_entities: Vec<Entity>,
    affected_account: String,
    page: Value,
    total_pages: Value,
    backup_event: Value,
    actionability: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Description {
    language: String,
    latest_description: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Entity {
    entity_value: String,
    status: String,
}

/// A value AWS Health sends as a string (`"1"`, `"true"`) or a JSON scalar.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

pub(super) fn format(ctx: &Ctx<'_>, detail_type: &'static str) -> Option<Formatted> {
    let d: HealthEvent = ctx.detail()?;
    if d.event_type_code.is_empty() {
        return None;
    }
    let abuse = detail_type == "AWS Health Abuse Event";
    let (severity, state) = judged(&d, abuse);
    let what = humanized_code(&d.event_type_code, &d.service);
    let region = if d.event_region.is_empty() {
        String::new()
    } else {
        format!(" in {}", d.event_region)
    };
    let (page, pages) = (scalar(&d.page), scalar(&d.total_pages));
    let paged = if pages.is_empty() || pages == "1" {
        String::new()
    } else {
        format!(" (page {page} of {pages})")
    };
    let title = format!("AWS Health: {} {what}{region}, {state}{paged}", d.service);
    let description = d
        .event_description
        .iter()
        .find(|x| x.language == "en_US")
        .or(d.event_description.first())
        .map(|x| {
            cut(
                &ctx.redact.show(&x.latest_description),
                MAX_DESCRIPTION_CHARS,
            )
        })
        .unwrap_or_default();
    let entities: Vec<String> = d
        .affected_entities
        .iter()
        .filter(|e| !e.entity_value.is_empty())
        .map(|e| {
            if e.status.is_empty() {
                e.entity_value.clone()
            } else {
                format!("{} ({})", e.entity_value, e.status.to_lowercase())
            }
        })
        .collect();
    let mut shown = entities
        .iter()
        .take(MAX_ENTITIES_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if entities.len() > MAX_ENTITIES_SHOWN {
        shown.push_str(&format!(
            " and {} more",
            entities.len() - MAX_ENTITIES_SHOWN
        ));
    }
    let mut n = ctx
        .notification(severity, title)
        .summary(description)
        .field("Event type", &d.event_type_code)
        .field("Category", &d.event_type_category)
        .field("Status", &d.status_code)
        .field("Scope", &d.event_scope_code)
        .field("Action", &d.actionability)
        .field("Affected", shown)
        .field("Affected account", &d.affected_account)
        .field("Starts", &d.start_time)
        .field("Ends", &d.end_time)
        .field("Updated", &d.last_updated_time)
        .field("Event", &d.event_arn);
    if scalar(&d.backup_event) == "true" {
        n = n.field(
            "Copy",
            "a backup copy AWS Health also sends from its other Region",
        );
    }
    if let Some(first) = d.affected_entities.first() {
        n = n.resource(first.entity_value.clone());
    }
    let mut n = ctx.finish(n);
    if !d.event_arn.is_empty() {
        n = n.console_link(format!(
            "https://health.aws.amazon.com/health/home#/account/event-log?eventID={}&eventTab=details",
            d.event_arn
        ));
    }
    Some(Formatted::known(detail_type, n))
}

/// Severity, and the words saying where the event stands.
fn judged(d: &HealthEvent, abuse: bool) -> (Severity, &'static str) {
    if d.status_code == "closed" {
        return (Severity::Info, "closed");
    }
    let upcoming = d.status_code == "upcoming";
    let action = d.actionability == "ACTION_REQUIRED";
    if abuse || d.service == "RISK" {
        return (Severity::Critical, "act now");
    }
    match d.event_type_category.as_str() {
        "issue" if d.event_scope_code == "PUBLIC" => (Severity::Warning, "open, public"),
        "issue" => (Severity::Error, "open"),
        "investigation" => (Severity::Warning, "under investigation"),
        "scheduledChange" | "accountNotification" if action => (
            Severity::Warning,
            if upcoming {
                "upcoming, action required"
            } else {
                "action required"
            },
        ),
        "scheduledChange" if upcoming => (Severity::Info, "upcoming"),
        _ => (Severity::Info, "open"),
    }
}

/// `AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED` (service EC2) ->
/// `instance retirement scheduled`.
fn humanized_code(code: &str, service: &str) -> String {
    let rest = code.strip_prefix("AWS_").unwrap_or(code);
    let rest = rest.strip_prefix(&format!("{service}_")).unwrap_or(rest);
    super::humanize(rest)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{field, read};
    use super::*;

    #[test]
    fn a_public_operational_issue_is_a_warning_for_its_region() {
        let (n, routine) = read("health_ec2-operational-issue-public.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!(
            n.title,
            "AWS Health: EC2 operational issue in eu-west-1, open, public"
        );
        assert!(
            n.summary.contains("increased API error rates"),
            "{}",
            n.summary
        );
        assert_eq!(field(&n, "Scope"), Some("PUBLIC"));
    }

    #[test]
    fn an_issue_of_this_account_is_an_error() {
        let (n, _) = read("health_elasticloadbalancing-api-issue.json");
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(
            n.title,
            "AWS Health: ELASTICLOADBALANCING api issue in eu-west-1, open"
        );
    }

    #[test]
    fn a_closed_issue_is_information() {
        let (n, _) = read("health_elasticloadbalancing-api-issue-closed.json");
        assert_eq!(n.severity, Severity::Info);
        assert!(n.title.ends_with(", closed"), "{}", n.title);
    }

    #[test]
    fn a_backup_copy_says_so_and_names_the_instance() {
        let (n, _) = read("health_ec2-instance-store-drive-performance-degraded-backup.json");
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(field(&n, "Affected"), Some("i-0d3e5f7a9b1c24680"));
        assert!(field(&n, "Copy").is_some());
        assert_eq!(n.resource.as_deref(), Some("i-0d3e5f7a9b1c24680"));
    }

    #[test]
    fn a_retirement_needing_action_is_a_warning_with_its_instance_and_link() {
        let (n, _) = read("health_ec2-instance-retirement-scheduled.json");
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!(
            n.title,
            "AWS Health: EC2 instance retirement scheduled in eu-west-1, upcoming, action required"
        );
        assert_eq!(
            field(&n, "Affected"),
            Some("arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f60718 (pending)")
        );
        assert_eq!(field(&n, "Starts"), Some("Thu, 17 Dec 2026 09:00:00 GMT"));
        assert!(
            n.console_link
                .as_deref()
                .is_some_and(|l| l.starts_with("https://health.aws.amazon.com/health/home#/account/event-log?eventID=arn:aws:health:eu-west-1::event/"))
        );
    }

    #[test]
    fn one_page_of_a_lifecycle_event_names_its_page_and_counts_the_rest() {
        let (n, _) = read("health_lambda-planned-lifecycle-event.json");
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!(
            n.title,
            "AWS Health: LAMBDA planned lifecycle event in eu-west-1, action required (page 1 of 2)"
        );
        let affected = field(&n, "Affected").unwrap_or_default();
        assert!(affected.ends_with(" and 2 more"), "{affected}");
        assert!(affected.contains("(resolved)") || affected.contains("(pending)"));
    }

    #[test]
    fn exposed_credentials_are_critical() {
        let (n, _) = read("health_risk-credentials-exposed.json");
        assert_eq!(n.severity, Severity::Critical);
        assert_eq!(
            n.title,
            "AWS Health: RISK credentials exposed in eu-west-1, act now"
        );
    }
}
