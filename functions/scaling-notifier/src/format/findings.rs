//! Security findings: GuardDuty's `GuardDuty Finding` (the detail is one
//! finding as GetFindings returns it) and Security Hub's `Security Hub
//! Findings - Imported` (the detail holds `findings`, one ASFF finding per
//! event). Severity comes from each service's own scale:
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
const MAX_DESCRIPTION_CHARS: usize = 600;

/// The level of a finding, on the services' common five steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    fn severity(self) -> Severity {
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
    fn security_hub(label: &str, normalized: Option<f64>) -> Self {
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

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct AsffFinding {
    id: String,
    product_name: String,
    generator_id: String,
    aws_account_id: String,
    title: String,
    description: String,
    severity: AsffSeverity,
    compliance: AsffCompliance,
    workflow: AsffWorkflow,
    record_state: String,
    resources: Vec<AsffResource>,
    remediation: AsffRemediation,
    updated_at: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct AsffSeverity {
    label: String,
    normalized: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct AsffCompliance {
    status: String,
    security_control_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct AsffWorkflow {
    status: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct AsffResource {
    #[serde(rename = "Type")]
    kind: String,
    id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct AsffRemediation {
    recommendation: AsffRecommendation,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct AsffRecommendation {
    text: String,
    url: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Imported {
    findings: Vec<AsffFinding>,
}

pub(super) fn security_hub(ctx: &Ctx<'_>) -> Option<Formatted> {
    let imported: Imported = ctx.detail()?;
    let more = imported.findings.len().saturating_sub(1);
    let f = imported.findings.into_iter().next()?;
    if f.id.is_empty() {
        return None;
    }
    let level = Level::security_hub(&f.severity.label, f.severity.normalized);
    let closed = f.record_state == "ARCHIVED"
        || f.workflow.status == "RESOLVED"
        || f.compliance.status == "PASSED";
    let suppressed = f.workflow.status == "SUPPRESSED";
    let control = if f.compliance.security_control_id.is_empty() {
        String::new()
    } else {
        format!("{} ", f.compliance.security_control_id)
    };
    let resource = f.resources.first();
    let on = resource
        .map(|r| format!(" on {}", short(&r.id)))
        .unwrap_or_default();
    let (severity, title) = if closed {
        let how = if f.compliance.status == "PASSED" {
            "passed"
        } else {
            "resolved"
        };
        (Severity::Info, format!("Security Hub: {control}{how}{on}"))
    } else {
        (
            level.severity(),
            format!(
                "Security Hub {}: {control}{}{on}",
                level.word(),
                ctx.redact.show(f.title.trim_end_matches('.'))
            ),
        )
    };
    let mut n = ctx
        .notification(severity, title)
        .summary(cut(&ctx.redact.show(&f.description), MAX_DESCRIPTION_CHARS))
        .field("Finding", ctx.redact.show(&f.title))
        .field("Product", &f.product_name)
        .field(
            "Severity",
            if f.severity.label.is_empty() {
                level.word().to_owned()
            } else {
                f.severity.label.clone()
            },
        )
        .field("Control", &f.compliance.security_control_id)
        .field("Compliance", &f.compliance.status)
        .field("Workflow", &f.workflow.status)
        .field("Record", &f.record_state)
        .field(
            "Resource",
            resource
                .map(|r| format!("{} ({})", r.id, r.kind))
                .unwrap_or_default(),
        )
        .field("Remediation", &f.remediation.recommendation.text)
        .field("Remediation guide", &f.remediation.recommendation.url)
        .field("Generator", &f.generator_id)
        .field("Updated", &f.updated_at);
    if more > 0 {
        n = n.field("Further findings", format!("{more} more in this event"));
    }
    if f.aws_account_id != ctx.event.account.as_deref().unwrap_or_default() {
        n = n.field("Finding account", &f.aws_account_id);
    }
    if let Some(r) = resource {
        n = n.resource(r.id.clone());
    }
    let page = if f.compliance.security_control_id.is_empty() {
        "findings".to_owned()
    } else {
        format!("controls/{}", f.compliance.security_control_id)
    };
    let n = ctx.with_console(
        ctx.finish(n),
        &format!("securityhub/home?region={{region}}#/{page}"),
    );
    let formatted = Formatted::known("Security Hub Findings - Imported", n);
    Some(if suppressed {
        formatted.routine("the finding is suppressed in Security Hub: someone has dealt with it")
    } else {
        formatted
    })
}

/// A resource id short enough for a subject: an ARN's last part.
fn short(id: &str) -> &str {
    if id.starts_with("arn:") {
        super::last_segment(id)
    } else {
        id
    }
}

#[cfg(test)]
mod tests {
    use super::super::format;
    use super::super::tests::{field, read, sample};
    use super::*;
    use shared::Redactor;

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
    fn security_hub_normalized_scores_map_as_security_hub_maps_them() {
        assert_eq!(Level::security_hub("", Some(95.0)), Level::Critical);
        assert_eq!(Level::security_hub("", Some(70.0)), Level::High);
        assert_eq!(Level::security_hub("", Some(40.0)), Level::Medium);
        assert_eq!(Level::security_hub("", Some(1.0)), Level::Low);
        assert_eq!(Level::security_hub("", Some(0.0)), Level::Informational);
        // The label wins over the number.
        assert_eq!(Level::security_hub("LOW", Some(95.0)), Level::Low);
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

    #[test]
    fn a_failed_critical_control_is_critical_with_its_control_and_remediation() {
        let (n, routine) = read("securityhub_findings-imported-failed.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Critical);
        assert_eq!(
            n.title,
            "Security Hub critical: EC2.19 Security groups should not allow unrestricted \
             access to ports with high risk on sg-0e1f2a3b4c5d60789"
        );
        assert_eq!(field(&n, "Compliance"), Some("FAILED"));
        assert_eq!(
            field(&n, "Remediation guide"),
            Some("https://docs.aws.amazon.com/console/securityhub/EC2.19/remediation")
        );
        assert_eq!(
            n.console_link.as_deref(),
            Some(
                "https://eu-west-1.console.aws.amazon.com/securityhub/home?region=eu-west-1\
                 #/controls/EC2.19"
            )
        );
    }

    #[test]
    fn a_passed_control_is_information_so_its_page_can_be_closed() {
        let (n, routine) = read("securityhub_findings-imported-passed.json");
        assert!(!routine);
        assert_eq!(n.severity, Severity::Info);
        assert_eq!(
            n.title,
            "Security Hub: EC2.19 passed on sg-0e1f2a3b4c5d60789"
        );
    }

    #[test]
    fn a_guardduty_finding_through_security_hub_keeps_its_label() {
        let (n, _) = read("securityhub_findings-imported-guardduty.json");
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!(
            n.title,
            "Security Hub medium: Unusual console login seen for principal deploy-bot \
             on AWS::IAM::AccessKey:ASIAEXAMPLEKEYID0001"
        );
        assert_eq!(field(&n, "Product"), Some("GuardDuty"));
        assert_eq!(field(&n, "Control"), None);
    }

    #[test]
    fn secrets_in_a_partner_finding_description_are_masked() {
        let mut e = sample("securityhub_findings-imported-guardduty.json");
        e.detail["findings"][0]["Description"] =
            "Leaked in a commit by ops@example.com: password=hunter2secret".into();
        let n = format(&e, "p", &Redactor::default()).notification;
        assert!(
            !n.summary.contains("hunter2secret") && !n.summary.contains("ops@example.com"),
            "{}",
            n.summary
        );
    }

    #[test]
    fn a_suppressed_finding_is_routine() {
        let mut e = sample("securityhub_findings-imported-failed.json");
        e.detail["findings"][0]["Workflow"]["Status"] = "SUPPRESSED".into();
        let f = format(&e, "p", &Redactor::default());
        assert!(f.routine.is_some());
    }
}
