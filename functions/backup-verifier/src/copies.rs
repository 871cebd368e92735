//! Copies a backup rule asks for: to another region, another account.
//!
//! A rule's copy actions name the vaults its backups must also reach. The
//! rule that made a resource's newest recovery point (`CreatedBy` of
//! DescribeRecoveryPoint) is read with GetBackupPlan; for each destination
//! the resource's copy jobs (ListCopyJobs, by resource and destination
//! vault) must hold a COMPLETED copy younger than the RPO plus
//! `COPY_GRACE_HOURS` (a copy starts only after its backup ends and can take
//! hours across regions), and none may have FAILED or copied only PARTIAL
//! within that window. Each destination's newest copy age is reported.

use aws_sdk_backup::types::CopyJobState;
use jiff::Timestamp;
use serde::Serialize;
use shared::aws::{AwsFailure, failure};

use crate::check::Verdict;
use crate::gather::{Clients, ts};

/// The backup plan rule that made a recovery point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub plan_id: String,
    pub rule_id: String,
}

/// What one destination vault holds of a resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Copied {
    pub destination: String,
    /// Hours since the newest COMPLETED copy finished, if any in the window.
    pub newest_age_hours: Option<f64>,
    /// Copy jobs of the window that failed: `id STATE at time: message`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

/// The vaults `rule` copies to.
pub async fn destinations(clients: &Clients, rule: &RuleRef) -> Result<Vec<String>, AwsFailure> {
    let plan = clients
        .backup
        .get_backup_plan()
        .backup_plan_id(&rule.plan_id)
        .send()
        .await
        .map_err(|e| failure("backup:GetBackupPlan", &e))?;
    Ok(plan
        .backup_plan
        .iter()
        .flat_map(|p| p.rules())
        .filter(|r| r.rule_id() == Some(rule.rule_id.as_str()))
        .flat_map(|r| r.copy_actions())
        .map(|a| a.destination_backup_vault_arn().to_owned())
        .collect())
}

/// The resource's copies to `destination` created since `since`.
pub async fn copied(
    clients: &Clients,
    resource_arn: &str,
    destination: &str,
    since: Timestamp,
    now: Timestamp,
) -> Result<Copied, AwsFailure> {
    let jobs: Vec<_> = clients
        .backup
        .list_copy_jobs()
        .by_resource_arn(resource_arn)
        .by_destination_vault_arn(destination)
        .by_created_after(aws_sdk_backup::primitives::DateTime::from_secs(
            since.as_second(),
        ))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| failure("backup:ListCopyJobs", &e))?;
    let newest = jobs
        .iter()
        .filter(|j| j.state == Some(CopyJobState::Completed))
        .filter_map(|j| ts(j.completion_date.as_ref()).or(ts(j.creation_date.as_ref())))
        .max();
    let failed = jobs
        .iter()
        .filter(|j| matches!(j.state, Some(CopyJobState::Failed | CopyJobState::Partial)))
        .map(|j| {
            format!(
                "copy job {} {} at {}{}",
                j.copy_job_id.as_deref().unwrap_or_default(),
                j.state.as_ref().map(|s| s.as_str()).unwrap_or_default(),
                ts(j.creation_date.as_ref())
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                j.status_message
                    .as_deref()
                    .filter(|m| !m.is_empty())
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    Ok(Copied {
        destination: destination.to_owned(),
        newest_age_hours: newest.map(|t| (now.as_second() - t.as_second()).max(0) as f64 / 3600.0),
        failed,
    })
}

/// Every destination `rule` copies to, with the resource's copies there
/// over the last `window_hours`.
pub async fn check(
    clients: &Clients,
    resource_arn: &str,
    rule: &RuleRef,
    window_hours: u32,
    now: Timestamp,
) -> Result<Vec<Copied>, AwsFailure> {
    let since =
        Timestamp::from_second(now.as_second() - i64::from(window_hours) * 3600).unwrap_or(now);
    let mut all = Vec::new();
    for destination in destinations(clients, rule).await? {
        all.push(copied(clients, resource_arn, &destination, since, now).await?);
    }
    Ok(all)
}

/// `verdict` with the copies `rule` asks for (none without a rule), and
/// what each destination holds.
pub async fn judged(
    clients: &Clients,
    resource_arn: &str,
    rule: Option<RuleRef>,
    window_hours: u32,
    now: Timestamp,
    verdict: Verdict,
) -> (Verdict, Vec<Copied>) {
    let Some(rule) = rule else {
        return (verdict, vec![]);
    };
    match check(clients, resource_arn, &rule, window_hours, now).await {
        Ok(copied) => (
            with_copies(verdict, Ok(shortfalls(&copied, window_hours))),
            copied,
        ),
        Err(why) => (with_copies(verdict, Err(why.into())), vec![]),
    }
}

/// Why the copies fall short, given how old the newest may be.
pub fn shortfalls(copies: &[Copied], window_hours: u32) -> Vec<String> {
    let mut reasons = Vec::new();
    for c in copies {
        if c.newest_age_hours.is_none() {
            reasons.push(format!(
                "no completed copy to {} in the last {window_hours} h, which its backup rule asks for",
                c.destination
            ));
        }
        reasons.extend(
            c.failed
                .iter()
                .map(|f| format!("{f} (to {})", c.destination)),
        );
    }
    reasons
}

/// The verdict with what the copies add: a shortfall makes it a violation,
/// and copies that could not be looked up never leave it OK.
pub fn with_copies(verdict: Verdict, copies: Result<Vec<String>, String>) -> Verdict {
    match (verdict, copies) {
        (v, Ok(more)) if more.is_empty() => v,
        (Verdict::Ok { age_hours, .. }, Ok(more)) => Verdict::Violation {
            reasons: more,
            age_hours: Some(age_hours),
        },
        (
            Verdict::Violation {
                mut reasons,
                age_hours,
            },
            Ok(more),
        ) => {
            reasons.extend(more);
            Verdict::Violation { reasons, age_hours }
        }
        (Verdict::Ok { .. }, Err(why)) => Verdict::Unknown {
            why: format!("its copies could not be checked: {why}"),
        },
        (
            Verdict::Violation {
                mut reasons,
                age_hours,
            },
            Err(why),
        ) => {
            reasons.push(format!("its copies could not be checked: {why}"));
            Verdict::Violation { reasons, age_hours }
        }
        (unknown, _) => unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Source;

    fn ok() -> Verdict {
        Verdict::Ok {
            latest: "rp-1".into(),
            source: Source::AwsBackup,
            age_hours: 3.0,
        }
    }

    #[test]
    fn a_missing_or_failed_copy_is_a_shortfall_and_a_fresh_one_is_not() {
        let copies = [
            Copied {
                destination: "arn:aws:backup:eu-west-1:2:backup-vault:dr".into(),
                newest_age_hours: Some(20.0),
                failed: vec![],
            },
            Copied {
                destination: "arn:aws:backup:us-west-2:1:backup-vault:west".into(),
                newest_age_hours: None,
                failed: vec!["copy job c-1 FAILED at 2026-11-23T02:31:12Z: denied".into()],
            },
        ];
        let reasons = shortfalls(&copies, 36);
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].starts_with("no completed copy to arn:aws:backup:us-west-2"));
        assert!(reasons[1].ends_with("(to arn:aws:backup:us-west-2:1:backup-vault:west)"));
        assert_eq!(shortfalls(&copies[..1], 36), Vec::<String>::new());
    }

    #[test]
    fn copies_make_an_ok_a_violation_and_an_unreadable_copy_never_leaves_it_ok() {
        assert_eq!(with_copies(ok(), Ok(vec![])), ok());
        assert!(matches!(
            with_copies(ok(), Ok(vec!["no copy".into()])),
            Verdict::Violation { reasons, age_hours: Some(_) } if reasons == ["no copy"]
        ));
        assert!(matches!(
            with_copies(ok(), Err("denied".into())),
            Verdict::Unknown { why } if why.contains("denied")
        ));
    }
}
