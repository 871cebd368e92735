//! Security findings: GuardDuty's `GuardDuty Finding` (the detail is one
//! finding as GetFindings returns it) here, and the scale Security Hub's
//! `Security Hub Findings - Imported` (`securityhub`) shares with it.
//! Severity comes from each service's own scale:
//!
//! - GuardDuty's number: 9.0-10.0 Critical, 7.0-8.9 High, 4.0-6.9 Medium,
//!   below that Low;
//! - Security Hub's `Severity.Label` (else `Normalized`, 0-100, as Security
//!   Hub maps it): CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL;
//!
//! each onto ours as CRITICAL, ERROR, WARNING, and INFO for the rest. A
//! finding someone archived or suppressed is routine; one that is resolved
//! or whose control passed is INFO, so the page it replaced can be closed.

use serde::Deserialize;
use serde_json::Value;
use shared::Severity;

use super::{Ctx, Formatted, cut};

/// Longest finding description kept in a notification.
pub(super) const MAX_DESCRIPTION_CHARS: usize = 600;

/// The level of a finding, on the services' common five steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub(super) fn word(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    pub(super) fn severity(self) -> Severity {
        match self {
            Level::Critical => Severity::Critical,
            Level::High => Severity::Error,
            Level::Medium => Severity::Warning,
            Level::Low | Level::Informational => Severity::Info,
        }
    }

    /// GuardDuty's scale.
    fn guardduty(score: f64) -> Self {
        if score >= 9.0 {
            Level::Critical
        } else if score >= 7.0 {
            Level::High
        } else if score >= 4.0 {
            Level::Medium
        } else {
            Level::Low
        }
    }

    /// Security Hub's label, else its normalized score.
    pub(super) fn security_hub(label: &str, normalized: Option<f64>) -> Self {
        match label {
            "CRITICAL" => Level::Critical,
            "HIGH" => Level::High,
            "MEDIUM" => Level::Medium,
            "LOW" => Level::Low,
            "INFORMATIONAL" => Level::Informational,
            _ => match normalized {
                Some(n) if n >= 90.0 => Level::Critical,
                Some(n) if n >= 70.0 => Level::High,
                Some(n) if n >= 40.0 => Level::Medium,
                Some(n) if n >= 1.0 => Level::Low,
                Some(_) => Level::Informational,
                // Neither: Security Hub calls such a finding invalid; say it
                // rather than hide it.
                None => Level::Medium,
            },
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct GuardDutyFinding {
    id: String,
    #[serde(rename = "type")]
    finding_type: String,
    title: String,
    description: String,
    severity: Option<f64>,
    account_id: String,
    resource: GuardDutyResource,
    service: GuardDutyService,
    created_at: String,
    updated_at: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct GuardDutyResource {
    resource_type: String,
    instance_details: Value,
    access_key_details: Value,
    s3_bucket_details: Value,
    eks_cluster_details: Value,
    ecs_cluster_details: Value,
    rds_db_instance_details: Value,
    lambda_details: Value,
}

impl GuardDutyResource {
    /// The resource by its name or id, as far as the finding says.
    fn name(&self) -> String {
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        text(&self.instance_details, "instanceId")
            .or_else(|| text(&self.access_key_details, "userName"))
            .or_else(|| self.s3_bucket_details.get(0).and_then(|b| text(b, "name")))
            .or_else(|| text(&self.eks_cluster_details, "name"))
            .or_else(|| text(&self.ecs_cluster_details, "name"))
            .or_else(|| text(&self.rds_db_instance_details, "dbInstanceIdentifier"))
            .or_else(|| text(&self.lambda_details, "functionName"))
            .unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct GuardDutyService {
    count: Option<u64>,
    archived: bool,
    event_first_seen: String,
    event_last_seen: String,
    additional_info: Value,
}

pub(super) fn guardduty(ctx: &Ctx<'_>) -> Option<Formatted> {
    let f: GuardDutyFinding = ctx.detail()?;
    let score = f.severity?;
    if f.finding_type.is_empty() {
        return None;
    }
    let level = Level::guardduty(score);
    let sample = f.service.additional_info.get("sample") == Some(&Value::Bool(true));
    let name = f.resource.name();
    let target = match (name.as_str(), f.resource.resource_type.as_str()) {
        ("", "") => String::new(),
        ("", t) => format!(" on a {t}"),
        (n, _) => format!(" on {n}"),
    };
    let title = format!(
        "GuardDuty {}{}: {}{target}",
        level.word(),
        if sample { " (sample)" } else { "" },
        f.finding_type
    );
    let mut n = ctx
        .notification(level.severity(), title)
        .summary(format!(
            "{} {}",
            ctx.redact.show(&f.title),
            cut(&ctx.redact.show(&f.description), MAX_DESCRIPTION_CHARS)
        ))
        .field("Finding type", &f.finding_type)
        .field("Severity", format!("{score} ({})", level.word()))
        .field("Resource type", &f.resource.resource_type)
        .field("Resource", &name)
        .field(
            "Occurrences",
            f.service.count.map(|c| c.to_string()).unwrap_or_default(),
        )
        .field("First seen", &f.service.event_first_seen)
        .field("Last seen", &f.service.event_last_seen)
        .field("Finding", &f.id)
        .field("Created", &f.created_at)
        .field("Updated", &f.updated_at);
    if f.account_id != ctx.event.account.as_deref().unwrap_or_default() {
        n = n.field("Finding account", &f.account_id);
    }
    if !name.is_empty() {
        n = n.resource(name);
    }
    let n = ctx.with_console(
        ctx.finish(n),
        &format!(
            "guardduty/home?region={{region}}#/findings?macros=current&fId={}",
            f.id
        ),
    );
    let formatted = Formatted::known("GuardDuty Finding", n);
    Some(if f.service.archived {
        formatted.routine("the finding is archived in GuardDuty: someone has dealt with it")
    } else {
        formatted
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{field, read};
    use super::*;

    #[test]
    fn guardduty_scale_maps_onto_ours() {
        assert_eq!(Level::guardduty(9.2), Level::Critical);
        assert_eq!(Level::guardduty(8.9), Level::High);
        assert_eq!(Level::guardduty(7.0), Level::High);
        assert_eq!(Level::guardduty(6.9), Level::Medium);
        assert_eq!(Level::guardduty(4.0), Level::Medium);
        assert_eq!(Level::guardduty(3.9), Level::Low);
        assert_eq!(Level::Critical.severity(), Severity::Critical);
    }

    #[test]
    fn a_high_guardduty_finding_is_an_error_naming_type_and_instance() {
        let (n, routine) = read("guardduty_finding-high.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(
            n.title,
            "GuardDuty high: CryptoCurrency:EC2/BitcoinTool.B!DNS on i-0c4f8e2a9b1d37065"
        );
        assert!(n.summary.starts_with("Bitcoin-related domain name queried"));
        assert_eq!(field(&n, "Severity"), Some("8 (high)"));
        assert_eq!(field(&n, "Occurrences"), Some("3"));
        assert_eq!(n.resource.as_deref(), Some("i-0c4f8e2a9b1d37065"));
        assert_eq!(
            n.console_link.as_deref(),
            Some(
                "https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1\
                 #/findings?macros=current&fId=9ec6b2f1d4a37e5c8b0d1f2a3c4e5b6d"
            )
        );
    }

    #[test]
    fn a_medium_guardduty_finding_is_a_warning_naming_the_user() {
        let (n, _) = read("guardduty_finding-medium.json");
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!(
            n.title,
            "GuardDuty medium: UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B on deploy-bot"
        );
        assert_eq!(field(&n, "Resource type"), Some("AccessKey"));
    }

    #[test]
    fn a_low_guardduty_finding_is_information() {
        let (n, routine) = read("guardduty_finding-low.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Info);
        assert_eq!(
            n.title,
            "GuardDuty low: Recon:EC2/PortProbeUnprotectedPort on i-0c4f8e2a9b1d37065"
        );
        assert_eq!(field(&n, "Occurrences"), Some("14"));
    }

    #[test]
    fn an_archived_sample_guardduty_finding_says_sample_and_is_routine() {
        let (n, routine) = read("guardduty_finding-sample-archived.json");
        assert!(routine);
        assert!(
            n.title.starts_with("GuardDuty low (sample): "),
            "{}",
            n.title
        );
    }
}
