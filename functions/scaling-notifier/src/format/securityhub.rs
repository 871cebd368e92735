//! Security Hub's `Security Hub Findings - Imported`: the detail holds
//! `findings`, one ASFF finding per event, at the level of its own
//! `Severity.Label` (see `findings` for the scale and what is routine).

use serde::Deserialize;
use shared::Severity;

use super::findings::{Level, MAX_DESCRIPTION_CHARS};
use super::{Ctx, Formatted, cut};

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
