//! The contract layer: every request a test or the demo sends to the
//! emulator is held to AWS's own API contract before the emulator sees it.
//!
//! moto answers 200 to much that AWS rejects (tag values ECS forbids,
//! oversize batches, unknown enum values), so passing tests proved little.
//! Here each request is read for its protocol ([`protocol`]), validated
//! against botocore's model of the service ([`validate`]: `required`, types,
//! `min`/`max`, `pattern`, `enum`) and against the documented limits the
//! models do not carry ([`limits`]). A request that breaks any of them is
//! answered as AWS would answer it, 400 with a validation error naming the
//! operation, the parameter path, the rule and the value (sensitive values
//! masked), and is recorded: a test binary or demo that sent one exits
//! non-zero and lists them, even where the code under test swallowed the error.

pub mod limits;
pub mod model;
pub mod protocol;
pub mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, Once, OnceLock};

pub use protocol::Wire;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub service: String,
    pub operation: String,
    /// Where in the input: `tags[0].value`, `Entries[3].Id`, `(input)`.
    pub path: String,
    pub rule: String,
    /// The value as sent, masked when its shape is sensitive.
    pub value: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}: {}; sent {}",
            self.service, self.operation, self.path, self.rule, self.value
        )
    }
}

/// What the layer made of a request.
#[derive(Debug)]
pub enum Verdict {
    /// Within the contract.
    Valid { service: String, operation: String },
    /// Read, and outside the contract.
    Invalid(Vec<Violation>),
    /// Not readable as any operation of the service's model.
    Unreadable(String),
}

/// Holds one request to its service's contract.
pub fn check(wire: &Wire<'_>) -> Verdict {
    let parsed = match protocol::parse(wire) {
        Ok(parsed) => parsed,
        Err(why) => return Verdict::Unreadable(why),
    };
    let mut found = validate::check(&parsed.model, &parsed.operation, &parsed.input);
    found.extend(limits::check(
        &parsed.model.name,
        &parsed.operation,
        &parsed.input,
    ));
    if found.is_empty() {
        Verdict::Valid {
            service: parsed.model.name.clone(),
            operation: parsed.operation,
        }
    } else {
        Verdict::Invalid(found)
    }
}

/// Where violations are kept, with a count of the requests checked.
#[derive(Debug, Default)]
pub struct Ledger {
    entries: Mutex<Vec<String>>,
    checked: Mutex<BTreeMap<String, usize>>,
}

impl Ledger {
    /// Counts a request to `service` that was checked.
    pub fn checked(&self, service: &str) {
        *self
            .checked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(service.to_owned())
            .or_default() += 1;
    }

    /// `sqs 120, ecs 14, ...`: the requests checked so far, by service.
    pub fn summary(&self) -> String {
        // try_lock: this runs at exit too, where a request may hold the lock.
        let Ok(checked) = self.checked.try_lock() else {
            return "requests checked: not countable now".into();
        };
        let total: usize = checked.values().sum();
        let by: Vec<String> = checked.iter().map(|(s, n)| format!("{s} {n}")).collect();
        format!("{total} requests checked ({})", by.join(", "))
    }

    pub fn record(&self, line: String) {
        eprintln!("contract: {line}");
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line);
    }

    pub fn entries(&self) -> Vec<String> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The ledger of the emulators this process started: what it holds when the
/// process exits fails the process.
pub fn process_ledger() -> Arc<Ledger> {
    static LEDGER: OnceLock<Arc<Ledger>> = OnceLock::new();
    LEDGER.get_or_init(Arc::default).clone()
}

/// Makes the process exit with status 1, listing the violations, if any
/// request to an emulator broke the contract. Test binaries end by calling
/// `exit`, which runs this.
pub fn fail_process_on_violations() {
    static ONCE: Once = Once::new();
    ONCE.call_once(register_at_exit);
}

#[allow(unsafe_code)]
fn register_at_exit() {
    extern "C" fn at_exit() {
        let ledger = process_ledger();
        let summary = ledger.summary();
        let Ok(entries) = ledger.entries.try_lock() else {
            return;
        };
        eprintln!(
            "contract: {summary}; {} broke AWS's API contract",
            entries.len()
        );
        if entries.is_empty() {
            return;
        }
        eprintln!(
            "\n{} request(s) to the emulator broke AWS's API contract (AWS would reject them):",
            entries.len()
        );
        for line in entries.iter() {
            eprintln!("  - {line}");
        }
        // SAFETY: `_exit` ends the process at once, which is what an exit
        // handler may do (calling `exit` again would not be).
        unsafe { libc::_exit(1) };
    }
    // SAFETY: registers a plain `extern "C"` function with no captured state.
    unsafe {
        libc::atexit(at_exit);
    }
}
