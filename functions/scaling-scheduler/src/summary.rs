//! What a run tells a person: one notification for what it changed and
//! what failed, with standing problems told once.
//!
//! A standing problem stays until someone fixes it: a target the document
//! lists that does not exist, a kind of target or an ECS cluster the role
//! cannot read, a tag naming no schedule or a malformed override. Runs come
//! every few minutes, so alerting on it each time buries every other
//! message. Its first run alerts; later runs keep it in the report (and in
//! any summary they send anyway, as still failing) but send nothing for it
//! alone, until the set of standing problems changes. Which were told is
//! kept in one Parameter Store parameter (`STATE_PARAMETER`) as short
//! digests of the problems' names, nothing a reader could learn from. When
//! it is not set or cannot be read, every run alerts, as silence would be
//! the worse failure.

use std::collections::BTreeSet;

use aws_sdk_ssm::types::ParameterType;
use jiff::Timestamp;
use sha1::{Digest, Sha1};
use shared::aws::{AwsFailure, failure};
use shared::report::Entry;
use shared::{Notification, Report, Severity};

use crate::FUNCTION;

/// A standard parameter's largest value.
const MAX_VALUE_BYTES: usize = 4096;

/// The standing problems of one run: which failed entries they are.
#[derive(Debug, Default)]
pub struct Standing {
    /// Index into `Report::failed` and the problem's digest.
    entries: Vec<(usize, String)>,
}

impl Standing {
    /// Records a standing problem: `key` names it the same way each run
    /// (what it is about, never a request id or other per-call text).
    pub fn failed(&mut self, report: &mut Report, key: &str, entry: Entry) {
        self.entries.push((report.failed.len(), digest(key)));
        report.failed(entry);
    }

    pub fn digests(&self) -> BTreeSet<String> {
        self.entries.iter().map(|(_, d)| d.clone()).collect()
    }

    /// The failed entries (by index) that earlier runs already told.
    pub fn told_before(&self, before: &BTreeSet<String>) -> BTreeSet<usize> {
        self.entries
            .iter()
            .filter(|(_, d)| before.contains(d))
            .map(|(i, _)| *i)
            .collect()
    }
}

/// 16 hex digits of the key's SHA-1: stable across builds (unlike std's
/// hasher), short enough for 200 problems in a standard parameter.
fn digest(key: &str) -> String {
    Sha1::digest(key.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The parameter's value: a JSON list of digests, as many as fit.
fn encode(digests: &BTreeSet<String>) -> String {
    let mut kept: Vec<&String> = Vec::new();
    let mut len = "[]".len();
    for d in digests {
        // The quoted digest, and a comma after the first.
        let add = d.len() + 2 + usize::from(!kept.is_empty());
        if len + add > MAX_VALUE_BYTES {
            break;
        }
        len += add;
        kept.push(d);
    }
    serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into())
}

/// A value this function did not write reads as nothing told.
fn decode(value: &str) -> BTreeSet<String> {
    serde_json::from_str(value).unwrap_or_default()
}

/// Where the told problems are kept.
#[derive(Debug, Clone)]
pub struct Memory {
    pub ssm: aws_sdk_ssm::Client,
    pub parameter: String,
}

impl Memory {
    /// The digests earlier runs told; none when the parameter does not exist yet.
    pub async fn recall(&self) -> Result<BTreeSet<String>, AwsFailure> {
        match self.ssm.get_parameter().name(&self.parameter).send().await {
            Ok(out) => Ok(out
                .parameter
                .and_then(|p| p.value)
                .map(|v| decode(&v))
                .unwrap_or_default()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found()) =>
            {
                Ok(BTreeSet::new())
            }
            Err(e) => Err(failure("ssm:GetParameter", &e)),
        }
    }

    pub async fn keep(&self, digests: &BTreeSet<String>) -> Result<(), AwsFailure> {
        self.ssm
            .put_parameter()
            .name(&self.parameter)
            .value(encode(digests))
            .r#type(ParameterType::String)
            .overwrite(true)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("ssm:PutParameter", &e))
    }
}

/// One notification for everything a run changed or failed to change;
/// `told` are the failed entries earlier runs already alerted on.
pub fn summary(
    report: &Report,
    environment: &str,
    now: Timestamp,
    told: &BTreeSet<usize>,
) -> Notification {
    let done = report.done.len();
    let still = told.len();
    let new = report.failed.len() - still;
    let mut title = if report.failed.is_empty() {
        format!(
            "Scheduler: {done} target{} changed",
            if done == 1 { "" } else { "s" }
        )
    } else {
        format!("Scheduler: {done} changed, {new} failed")
    };
    if still > 0 {
        title.push_str(&format!(", {still} still failing"));
    }
    let severity = if new > 0 {
        Severity::Error
    } else if still > 0 {
        Severity::Warning
    } else {
        Severity::Info
    };
    let mut n = Notification::new(severity, FUNCTION, environment, title).summary(format!(
        "Reconciled at {now}: {}.{}",
        report.summary(),
        report
            .notes
            .iter()
            .map(|n| format!(" {n}."))
            .collect::<String>()
    ));
    for e in &report.done {
        let caveat = e
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        n = n.field(
            &e.target,
            format!("{}{caveat}", e.action.as_deref().unwrap_or_default()),
        );
    }
    // New failures first: the fields a reader (and Slack's limit) sees first.
    let failed = report.failed.iter().enumerate();
    for (told_before, label) in [(false, "FAILED"), (true, "STILL FAILING")] {
        for (_, e) in failed
            .clone()
            .filter(|(i, _)| told.contains(i) == told_before)
        {
            n = n.field(
                format!("{label} {}", e.target),
                format!(
                    "{}{}",
                    e.action
                        .as_deref()
                        .map(|a| format!("{a}: "))
                        .unwrap_or_default(),
                    e.reason.clone().unwrap_or_default()
                ),
            );
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-23T22:00:00Z".parse().expect("ts")
    }

    #[test]
    fn summary_lists_changes_and_failures() {
        let mut r = Report::new(FUNCTION, false);
        r.did(Entry::new("ecs/c/web").action("scale down from desired 2 to desired 0"));
        r.failed(
            Entry::new("asg/api")
                .action("scale down")
                .reason("AccessDenied"),
        );
        let n = summary(&r, "staging", now(), &BTreeSet::new());
        assert_eq!(n.severity, Severity::Error);
        assert_eq!(n.title, "Scheduler: 1 changed, 1 failed");
        assert!(
            n.body()
                .contains("FAILED asg/api: scale down: AccessDenied"),
            "{}",
            n.body()
        );
    }

    #[test]
    fn problems_told_before_are_still_failing_and_do_not_page() {
        let mut r = Report::new(FUNCTION, false);
        let mut standing = Standing::default();
        r.did(Entry::new("ecs/c/web").action("scale down"));
        standing.failed(
            &mut r,
            "rds/ghost not found",
            Entry::new("rds/ghost").reason("listed but not found"),
        );
        standing.failed(
            &mut r,
            "rds/other not found",
            Entry::new("rds/other").reason("listed but not found"),
        );
        let before: BTreeSet<String> = [digest("rds/ghost not found")].into();
        let told = standing.told_before(&before);
        assert_eq!(told, [0].into());
        let n = summary(&r, "prod", now(), &told);
        assert_eq!(n.title, "Scheduler: 1 changed, 1 failed, 1 still failing");
        assert_eq!(n.severity, Severity::Error, "rds/other is new");
        let body = n.body();
        let (new, old) = (
            body.find("FAILED rds/other").expect("new"),
            body.find("STILL FAILING rds/ghost").expect("old"),
        );
        assert!(new < old, "{body}");

        let all = standing.told_before(&standing.digests());
        let n = summary(&r, "prod", now(), &all);
        assert_eq!(n.severity, Severity::Warning);
        assert_eq!(n.title, "Scheduler: 1 changed, 0 failed, 2 still failing");
    }

    #[test]
    fn the_parameter_holds_what_fits_and_reads_back() {
        let few: BTreeSet<String> = ["a", "b"].iter().map(|k| digest(k)).collect();
        assert_eq!(decode(&encode(&few)), few);
        let many: BTreeSet<String> = (0..1000).map(|i| digest(&i.to_string())).collect();
        let value = encode(&many);
        assert!(value.len() <= MAX_VALUE_BYTES, "{}", value.len());
        assert!(decode(&value).len() >= 200, "{}", decode(&value).len());
        assert!(decode("not json").is_empty());
        assert_eq!(digest("x").len(), 16);
    }
}
