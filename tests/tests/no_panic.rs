//! No panic on any input. Every function faces events it did not write:
//! each trigger parser is fed arbitrary JSON and bytes, and mutated copies
//! (JSON and bytes) of every sample in events/, and must answer with a value or a sentence; the
//! schedule engine is run over random schedules, zones and instants from
//! 2026 to 2030; the redaction must never give back a card number, e-mail
//! address or bearer token it was given.
//!
//! `make test` runs each property with a fixed seed for `PROPTEST_CASES`
//! cases (256 unless set). `make fuzz` runs them for `FUZZ_SECONDS` each
//! with fresh seeds (`FUZZ_SECONDS` set turns this on) and prints, per
//! property, the executions, the corpus size and the findings. A finding is
//! fixed and its input kept below as a regression case.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::Value;
use shared::Redactor;

/// The words the parsers look for, so random objects reach past the first check.
const WORDS: &[&str] = &[
    "action",
    "detail-type",
    "source",
    "detail",
    "Records",
    "alarmData",
    "Step",
    "SecretId",
    "ClientRequestToken",
    "queue",
    "time",
    "schedule",
    "state",
    "until",
    "EventSource",
    "eventSource",
    "Sns",
    "Message",
    "Subject",
    "body",
    "messageId",
    "AlarmName",
    "NewStateValue",
    "restore_job_id",
    "Scheduled Event",
    "aws.events",
    "aws.cloudwatch",
    "aws.backup",
    "CloudWatch Alarm State Change",
    "Backup Job State Change",
    "Restore Job State Change",
    "createSecret",
    "setSecret",
    "testSecret",
    "finishSecret",
    "redrive",
    "inspect",
    "status",
    "reconcile",
    "apply",
    "plan",
    "verify",
    "validate",
    "ALARM",
    "OK",
    "aws:sqs",
    "aws:sns",
    "running",
    "stopped",
    "2026-11-23T10:00:00Z",
    "dry_run",
    "filter",
    "groups",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(WORDS).prop_map(str::to_owned),
        1 => ".{0,12}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(word(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every sample event of every function: the corpus mutations start from.
fn samples() -> Vec<(String, Value)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../events");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root).expect("events/").flatten() {
        for file in std::fs::read_dir(dir.path())
            .expect("a function's events")
            .flatten()
        {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).expect("sample");
                let value = serde_json::from_str(&text).expect("a sample is JSON");
                out.push((path.display().to_string(), value));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every JSON pointer in `v`, the root included.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// One mutation: at the `pick`th place, remove it, replace it, or cut a string.
fn mutate(v: &mut Value, pick: usize, kind: u8, with: &Value) {
    let mut all = Vec::new();
    pointers(v, String::new(), &mut all);
    let at = &all[pick % all.len()];
    let (parent, last) = at.rsplit_once('/').unwrap_or(("", ""));
    match kind % 3 {
        0 if !at.is_empty() => match v.pointer_mut(parent) {
            Some(Value::Object(map)) => {
                map.remove(&last.replace("~1", "/").replace("~0", "~"));
            }
            Some(Value::Array(items)) => {
                if let Ok(i) = last.parse::<usize>()
                    && i < items.len()
                {
                    items.remove(i);
                }
            }
            _ => {}
        },
        2 => {
            if let Some(Value::String(s)) = v.pointer_mut(at) {
                let cut = s
                    .char_indices()
                    .nth(s.chars().count() / 2)
                    .map_or(0, |(i, _)| i);
                s.truncate(cut);
            }
        }
        _ => {
            if let Some(slot) = v.pointer_mut(at) {
                *slot = with.clone();
            }
        }
    }
}

/// A refusal is a sentence: not empty, and no debug dump of a Rust value.
fn sentence(parser: &str, err: impl std::fmt::Display) -> Result<(), TestCaseError> {
    let text = err.to_string();
    prop_assert!(!text.trim().is_empty(), "{parser}: an empty refusal");
    prop_assert!(
        !text.contains("Error {") && !text.contains("Error(") && !text.contains("Some("),
        "{parser}: a debug dump, not a sentence: {text}"
    );
    Ok(())
}

/// Every function's trigger parser: a value or a sentence, never a panic.
fn parse_all(payload: &Value) -> Result<(), TestCaseError> {
    if let Err(e) = backup_verifier::input::Trigger::parse(payload.clone()) {
        sentence("backup-verifier", e)?;
    }
    if let Err(e) = dlq_processor::input::parse(payload.clone()) {
        sentence("dlq-processor", e)?;
    }
    if let Err(e) = scaling_notifier::input::parse(payload.clone()) {
        sentence("scaling-notifier", e)?;
    }
    if let Err(e) = scaling_scheduler::input::Trigger::parse(payload.clone()) {
        sentence("scaling-scheduler", e)?;
    }
    if let Err(e) = secret_rotator::Trigger::parse(payload.clone()) {
        sentence("secret-rotator", e)?;
    }
    Ok(())
}

const ZONES: &[&str] = &[
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/St_Johns",
    "Pacific/Apia",
    "Mars/Olympus_Mons",
];
const DAYS: &[&str] = &[
    "mon-fri",
    "sat,sun",
    "mon",
    "fri-mon",
    "tue-thu,sat",
    "sun-sun",
    "",
    "xyz",
    "mon-",
    "mon#1",
    "fri#L",
    "FriL",
    "wed#5",
    "sat,tue#2",
    "mon#6",
    "mon#1-fri#1",
    "#",
    "l",
];
const LISTS: &[&str] = &[
    "1-15", "1,15,28", "31", "29-31", "0", "jan-mar", "12", "dec-feb", "L", "28-L", "L,1", "l-3",
];

fn hhmm() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        1 => Just("24:00".to_owned()),
        1 => prop::sample::select(&["25:00", "07:60", "7:5", "", "noon"][..]).prop_map(str::to_owned),
    ]
}

fn schedule_spec() -> impl Strategy<Value = Value> {
    let period = (
        prop::option::of(prop::sample::select(DAYS)),
        prop::option::of(prop::sample::select(LISTS)),
        prop::option::of(prop::sample::select(LISTS)),
        hhmm(),
        hhmm(),
    )
        .prop_map(|(days, monthdays, months, start, stop)| {
            let mut p = serde_json::json!({"start": start, "stop": stop});
            for (k, v) in [("days", days), ("monthdays", monthdays), ("months", months)] {
                if let Some(v) = v {
                    p[k] = Value::from(v);
                }
            }
            p
        });
    (
        prop::sample::select(ZONES),
        prop::collection::vec(period, 0..4),
        prop::bool::ANY,
    )
        .prop_map(|(zone, periods, running)| {
            serde_json::json!({
                "timezone": zone,
                "periods": periods,
                "exclude_dates": ["2027-12-25", "2028-02-29"],
                "outside": if running { "running" } else { "stopped" },
            })
        })
}

/// 2026-01-01 to 2030-12-31, in seconds.
fn instant() -> impl Strategy<Value = Timestamp> {
    (1_767_225_600i64..1_924_991_999).prop_map(|s| Timestamp::from_second(s).expect("in range"))
}

fn schedules_never_panic_and_do_not_depend_on_order(
    (spec, instants): (Value, Vec<Timestamp>),
) -> Result<(), TestCaseError> {
    use scaling_scheduler::schedule::{Schedule, ScheduleSpec};
    let Ok(spec) = serde_json::from_value::<ScheduleSpec>(spec) else {
        return Ok(());
    };
    let schedule = match Schedule::parse("fuzz", &spec) {
        Ok(s) => s,
        Err(e) => return sentence("schedule", e),
    };
    let forward: Vec<_> = instants.iter().map(|t| schedule.state_at(*t)).collect();
    let mut backward: Vec<_> = instants
        .iter()
        .rev()
        .map(|t| schedule.state_at(*t))
        .collect();
    backward.reverse();
    prop_assert_eq!(
        forward,
        backward,
        "the state at an instant depends on what was asked before"
    );
    for t in &instants {
        if let Some(next) = schedule.next_change(*t) {
            prop_assert!(next > *t, "the next change {next} is not after {t}");
        }
    }
    Ok(())
}

/// A 16-digit number passing the Luhn check, grouped as people write it.
fn card() -> impl Strategy<Value = String> {
    (prop::collection::vec(0u32..10, 15), 0usize..3).prop_map(|(mut digits, style)| {
        digits[0] = 4;
        let sum: u32 = digits
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &d)| match (i % 2, d * 2) {
                // From the right, every other digit doubled, starting with
                // the one left of the check digit.
                (0, twice) if twice > 9 => twice - 9,
                (0, twice) => twice,
                _ => d,
            })
            .sum();
        digits.push((10 - sum % 10) % 10);
        let text: String = digits
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
            .collect();
        let sep = ["", " ", "-"][style];
        text.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(sep)
    })
}

fn secret() -> impl Strategy<Value = String> {
    prop_oneof![
        card(),
        (
            "[a-z][a-z0-9._+-]{0,10}[a-z0-9]",
            "[a-z][a-z0-9-]{0,8}",
            "(com|de|io|co\\.uk)"
        )
            .prop_map(|(user, host, tld)| format!("{user}@{host}.{tld}")),
        "[A-Za-z0-9._~+/-]{12,40}".prop_map(|t| format!("Bearer {t}")),
    ]
}

fn redaction_never_returns_what_it_must_hide(
    (before, hidden, after): (String, String, String),
) -> Result<(), TestCaseError> {
    // The secret stands as a word of its own: separated from the text
    // around it, so the text cannot make it a longer number or address.
    if hidden.starts_with(|c: char| c.is_ascii_digit()) {
        prop_assert!(
            shared::redact::is_card_number(&hidden),
            "{hidden} is no card number"
        );
    }
    let text = format!("{before}; {hidden} ;{after}");
    let shown = Redactor::with_fields(Vec::<String>::new()).show(&text);
    let kept = hidden.strip_prefix("Bearer ").unwrap_or(&hidden);
    prop_assert!(!shown.contains(kept), "{kept:?} survived in {shown:?}");
    Ok(())
}

/// Runs one property: a fixed seed and `PROPTEST_CASES` cases, or, with
/// `FUZZ_SECONDS`, fresh seeds until the time is up, printing what it did.
fn check<S: Strategy>(
    name: &str,
    strategy: S,
    corpus: usize,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    let fuzz = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok());
    let Some(seconds) = fuzz else {
        let config = Config {
            cases,
            rng_seed: RngSeed::Fixed(0x5eed),
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("{name}: {e}");
        }
        return;
    };
    let until = Instant::now() + Duration::from_secs(seconds);
    let (mut executions, mut findings) = (0u64, Vec::new());
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    while Instant::now() < until {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        executions += 1;
        let value = tree.current();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(value)));
        match outcome {
            Ok(Ok(())) | Ok(Err(TestCaseError::Reject(_))) => {}
            Ok(Err(TestCaseError::Fail(why))) => findings.push(why.to_string()),
            Err(_) => findings.push("a panic".to_owned()),
        }
    }
    println!(
        "fuzz {name}: {executions} executions, corpus {corpus}, {} findings",
        findings.len()
    );
    for f in findings.iter().take(5) {
        println!("  finding: {f}");
    }
    assert!(findings.is_empty(), "{name}: {} findings", findings.len());
}

#[test]
fn no_trigger_parser_panics_on_arbitrary_json() {
    check("parsers/arbitrary", json(), 0, |v| parse_all(&v));
}

#[test]
fn no_trigger_parser_panics_on_a_mutated_sample() {
    let corpus = samples();
    assert!(corpus.len() > 50, "the samples are the corpus");
    let n = corpus.len();
    let mutations = prop::collection::vec((any::<usize>(), any::<u8>(), json()), 1..4);
    check(
        "parsers/mutated-samples",
        (0..n, mutations),
        n,
        |(i, mutations)| {
            let mut v = corpus[i].1.clone();
            for (pick, kind, with) in &mutations {
                mutate(&mut v, *pick, *kind, with);
            }
            parse_all(&v)
        },
    );
}

/// Bytes as Lambda would hand them over: whatever reads as JSON goes to the
/// parsers (the runtime refuses the rest before any function code runs).
fn parse_bytes(bytes: &[u8]) -> Result<(), TestCaseError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => parse_all(&v),
        Err(_) => Ok(()),
    }
}

#[test]
fn no_trigger_parser_panics_on_arbitrary_or_mutated_bytes() {
    let corpus: Vec<Vec<u8>> = samples()
        .into_iter()
        .map(|(_, v)| v.to_string().into_bytes())
        .collect();
    let n = corpus.len();
    // Each edit: at a position, delete a byte, or insert or overwrite one.
    let edits = prop::collection::vec((any::<usize>(), 0u8..3, any::<u8>()), 1..8);
    check(
        "parsers/bytes",
        (prop::collection::vec(any::<u8>(), 0..64), 0..n, edits),
        n,
        |(random, i, edits)| {
            parse_bytes(&random)?;
            let mut bytes = corpus[i].clone();
            for (at, kind, byte) in edits {
                let at = at % (bytes.len() + 1);
                match kind {
                    0 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    1 => bytes.insert(at, byte),
                    _ if at < bytes.len() => bytes[at] = byte,
                    _ => {}
                }
            }
            parse_bytes(&bytes)
        },
    );
}

#[test]
fn every_sample_parses_for_every_function_without_a_panic() {
    for (file, v) in samples() {
        parse_all(&v).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}

#[test]
fn the_schedule_engine_never_panics_and_ignores_evaluation_order() {
    check(
        "schedule",
        (schedule_spec(), prop::collection::vec(instant(), 1..12)),
        0,
        schedules_never_panic_and_do_not_depend_on_order,
    );
}

#[test]
fn the_redaction_never_returns_a_card_number_address_or_token() {
    check(
        "redaction",
        (".{0,40}", secret(), ".{0,40}"),
        0,
        redaction_never_returns_what_it_must_hide,
    );
}
