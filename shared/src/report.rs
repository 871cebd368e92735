//! The dry-run convention and the report every handler returns.
//!
//! A handler gathers facts, asks its pure core for a plan, then executes the
//! plan or, in dry-run, returns it untouched. The [`Report`] says, in words a
//! person reads, what was seen, planned, done, skipped (and why) and what
//! failed.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most a report may take as an invocation's response: Lambda answers a
/// synchronous invocation with at most 6 MB, and a larger result fails the
/// invocation after the work is done. A little is kept for the runtime.
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024 - 64 * 1024;

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
    /// What a reader should know of the run as a whole (the instant it
    /// decided for, and why).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
    pub seen: Vec<Entry>,
    pub planned: Vec<Entry>,
    pub done: Vec<Entry>,
    pub skipped: Vec<Entry>,
    pub failed: Vec<Entry>,
    /// Entries left out so the report fits a response ([`Report::fit`]).
    #[serde(skip_serializing_if = "Omitted::is_empty", default)]
    pub omitted: Omitted,
}

/// How many entries of each list a report left out to fit its size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Omitted {
    pub seen: usize,
    pub planned: usize,
    pub done: usize,
    pub skipped: usize,
    pub failed: usize,
}

impl Omitted {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Report {
    pub fn new(function: impl Into<String>, dry_run: bool) -> Self {
        Self {
            function: function.into(),
            dry_run,
            notes: Vec::new(),
            seen: Vec::new(),
            planned: Vec::new(),
            done: Vec::new(),
            skipped: Vec::new(),
            failed: Vec::new(),
            omitted: Omitted::default(),
        }
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
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

    /// One line: `3 seen, 2 planned, 1 done, 1 skipped, 0 failed (dry run)`,
    /// counting entries [`Report::fit`] left out.
    pub fn summary(&self) -> String {
        let o = &self.omitted;
        format!(
            "{} seen, {} planned, {} done, {} skipped, {} failed{}",
            self.seen.len() + o.seen,
            self.planned.len() + o.planned,
            self.done.len() + o.done,
            self.skipped.len() + o.skipped,
            self.failed.len() + o.failed,
            if self.dry_run { " (dry run)" } else { "" }
        )
    }

    /// The report cut to fit an invocation's response
    /// ([`MAX_RESPONSE_BYTES`]): what every `invoke` returns.
    pub fn fitted(mut self) -> Self {
        self.fit(MAX_RESPONSE_BYTES);
        self
    }

    /// Leaves out the last entries of its lists, the least telling first,
    /// until the report as JSON takes at most `max_bytes`, and counts what it
    /// left out in `omitted`. `seen` is cut first, then `done`, `planned`,
    /// `skipped`, and `failed` only last.
    pub fn fit(&mut self, max_bytes: usize) {
        // Room for the `omitted` object itself.
        let budget = max_bytes.saturating_sub(128);
        let mut size = json_len(self);
        if size <= budget {
            return;
        }
        let o = &mut self.omitted;
        for (list, count) in [
            (&mut self.seen, &mut o.seen),
            (&mut self.done, &mut o.done),
            (&mut self.planned, &mut o.planned),
            (&mut self.skipped, &mut o.skipped),
            (&mut self.failed, &mut o.failed),
        ] {
            while size > budget {
                let Some(entry) = list.pop() else { break };
                // The entry and the comma before it.
                size = size.saturating_sub(json_len(&entry) + 1);
                *count += 1;
            }
        }
    }
}

fn json_len<T: Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(0, |v| v.len())
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
    fn a_report_too_large_for_a_response_is_cut_and_says_how_much() {
        let mut r = Report::new("dlq-processor", false);
        for i in 0..50_000 {
            r.did(Entry::new(format!("message-{i}")).action("moved to orders"));
        }
        r.failed(Entry::new("message-x").reason("send failed"));
        let full = serde_json::to_vec(&r).expect("json").len();
        assert!(full > 2_000_000, "{full}");
        r.fit(1_000_000);
        let cut = serde_json::to_vec(&r).expect("json");
        assert!(cut.len() <= 1_000_000, "{}", cut.len());
        assert_eq!(r.failed.len(), 1, "failures are kept");
        assert!(r.omitted.done > 0);
        assert_eq!(r.done.len() + r.omitted.done, 50_000);
        assert_eq!(
            r.summary(),
            "0 seen, 0 planned, 50000 done, 0 skipped, 1 failed"
        );
        let v: Value = serde_json::from_slice(&cut).expect("json");
        assert_eq!(v["omitted"]["done"], r.omitted.done);
        // A report that fits is left alone, and says nothing of omissions.
        let mut small = Report::new("x", false);
        small.did(Entry::new("a"));
        small.fit(MAX_RESPONSE_BYTES);
        assert_eq!(
            serde_json::to_value(&small).expect("json").get("omitted"),
            None
        );
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
