//! The dry-run convention and the report every handler returns.
//!
//! A handler gathers facts, asks its pure core for a plan, then executes the
//! plan or, in dry-run, returns it untouched. The [`Report`] says, in words a
//! person reads, what was seen, planned, done, skipped (and why) and what
//! failed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Dry-run is on when the deployment says so (`DRY_RUN=true`) or the event
/// asks for it (`"dry_run": true`). An event can never turn a dry-run
/// deployment live.
pub fn dry_run(configured: bool, requested: Option<bool>) -> bool {
    configured || requested.unwrap_or(false)
}

/// One line of a report: which target, what about it, and any detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<Value>,
}

impl Entry {
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            action: None,
            reason: None,
            detail: None,
        }
    }

    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<Value>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// What a handler saw and did, returned as the invocation's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub function: String,
    pub dry_run: bool,
    pub seen: Vec<Entry>,
    pub planned: Vec<Entry>,
    pub done: Vec<Entry>,
    pub skipped: Vec<Entry>,
    pub failed: Vec<Entry>,
}

impl Report {
    pub fn new(function: impl Into<String>, dry_run: bool) -> Self {
        Self {
            function: function.into(),
            dry_run,
            seen: Vec::new(),
            planned: Vec::new(),
            done: Vec::new(),
            skipped: Vec::new(),
            failed: Vec::new(),
        }
    }

    pub fn saw(&mut self, entry: Entry) {
        self.seen.push(entry);
    }

    pub fn planned(&mut self, entry: Entry) {
        self.planned.push(entry);
    }

    pub fn did(&mut self, entry: Entry) {
        self.done.push(entry);
    }

    pub fn skipped(&mut self, target: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Entry::new(target).reason(reason));
    }

    pub fn failed(&mut self, entry: Entry) {
        self.failed.push(entry);
    }

    pub fn has_failures(&self) -> bool {
        !self.failed.is_empty()
    }

    /// One line: `3 seen, 2 planned, 1 done, 1 skipped, 0 failed (dry run)`.
    pub fn summary(&self) -> String {
        format!(
            "{} seen, {} planned, {} done, {} skipped, {} failed{}",
            self.seen.len(),
            self.planned.len(),
            self.done.len(),
            self.skipped.len(),
            self.failed.len(),
            if self.dry_run { " (dry run)" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_can_ask_for_dry_run_but_never_turn_it_off() {
        assert!(!dry_run(false, None));
        assert!(!dry_run(false, Some(false)));
        assert!(dry_run(false, Some(true)));
        assert!(dry_run(true, Some(false)));
        assert!(dry_run(true, None));
    }

    #[test]
    fn report_serialises_readably() {
        let mut r = Report::new("scaling-scheduler", true);
        r.saw(Entry::new("ecs/web").detail(json!({"desired": 2})));
        r.planned(Entry::new("ecs/web").action("scale to 0"));
        r.skipped("rds/replica", "read replicas cannot be stopped");
        assert_eq!(
            r.summary(),
            "1 seen, 1 planned, 0 done, 1 skipped, 0 failed (dry run)"
        );
        assert!(!r.has_failures());
        let v = serde_json::to_value(&r).expect("serialises");
        assert_eq!(
            v["skipped"][0],
            json!({"target": "rds/replica", "reason": "read replicas cannot be stopped"})
        );
        assert_eq!(
            v["planned"][0],
            json!({"target": "ecs/web", "action": "scale to 0"})
        );
    }
}
