//! Pure decisions about messages: which group a message belongs to, what a
//! redacted sample looks like, whether a filter selects it, and what to do
//! with it. No AWS here.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::Redactor;

/// Message attribute counting how often a message was redriven.
pub const REDRIVE_COUNT_ATTRIBUTE: &str = "DlqRedriveCount";
/// SQS allows at most ten message attributes.
pub const MAX_ATTRIBUTES: usize = 10;
/// Longest body kept in a sample.
pub const MAX_SAMPLE_CHARS: usize = 500;

/// What a message looks like to the decisions: the parts of an SQS message
/// they need, without the SDK types.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub id: String,
    pub body: String,
    /// String and Number attributes, as text.
    pub attributes: BTreeMap<String, String>,
    /// Attributes that are not text (Binary): they count against SQS's
    /// limit of 10 as much as the others.
    pub binary_attributes: usize,
    /// `MessageGroupId`: a FIFO queue's ordering group, or on a standard
    /// queue the tenant of a fair queue (which orders nothing).
    pub group_id: Option<String>,
    pub sent_timestamp_ms: Option<i64>,
}

impl Message {
    pub fn redrive_count(&self) -> u32 {
        self.attributes
            .get(REDRIVE_COUNT_ATTRIBUTE)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

/// How messages are grouped in summaries and filters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grouping {
    /// A message attribute naming the group (e.g. `errorType`).
    pub attribute: Option<String>,
    /// A dotted path into a JSON body naming the group (e.g. `error.type`).
    pub field: Option<String>,
}

impl Grouping {
    /// The group a message belongs to: the configured attribute, else the
    /// configured JSON field, else a fingerprint of the body's shape. Group
    /// names are shown, so values are masked as samples are.
    pub fn group_of(&self, m: &Message, redact: &Redactor) -> String {
        if let Some(name) = &self.attribute
            && let Some(value) = m.attributes.get(name)
        {
            return format!("{name}={}", shown_value(name, value, redact));
        }
        let json = serde_json::from_str::<Value>(&m.body).ok();
        if let (Some(path), Some(json)) = (&self.field, &json)
            && let Some(value) = lookup(json, path)
        {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            return format!("{path}={}", shown_value(path, &text, redact));
        }
        match json {
            Some(json) => format!("shape:{}", redact.show(&shape(&json))),
            None => format!("text:{}", text_shape(&redact.show(&m.body))),
        }
    }
}

/// A grouping value as a summary may show it.
fn shown_value(name: &str, value: &str, redact: &Redactor) -> String {
    if redact.is_sensitive_key(name) {
        shared::redact::REDACTED.to_owned()
    } else {
        redact.show(value)
    }
}

fn lookup<'a>(json: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted
        .split('.')
        .try_fold(json, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

/// The sorted key paths of a JSON document with their value kinds, so that
/// messages with the same structure but other values share a fingerprint.
fn shape(json: &Value) -> String {
    fn walk(v: &Value, prefix: &str, out: &mut BTreeSet<String>, depth: usize) {
        match v {
            Value::Object(map) if depth < 4 => {
                for (k, child) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(child, &path, out, depth + 1);
                }
            }
            other => {
                let kind = match other {
                    Value::Null => "null",
                    Value::Bool(_) => "bool",
                    Value::Number(_) => "number",
                    Value::String(_) => "string",
                    Value::Array(_) => "array",
                    Value::Object(_) => "object",
                };
                out.insert(format!("{prefix}:{kind}"));
            }
        }
    }
    let mut paths = BTreeSet::new();
    walk(json, "", &mut paths, 0);
    let joined = paths.into_iter().collect::<Vec<_>>().join(",");
    if joined.chars().count() > 120 {
        format!(
            "{}…#{:08x}",
            joined.chars().take(100).collect::<String>(),
            fnv(&joined)
        )
    } else {
        joined
    }
}

/// Plain text: its first word and rough length, enough to tell kinds apart.
fn text_shape(body: &str) -> String {
    let first: String = body
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_alphabetic())
        .take(24)
        .collect();
    let size = match body.len() {
        0..=64 => "short",
        65..=1024 => "medium",
        _ => "long",
    };
    format!("{first}({size})")
}

fn fnv(text: &str) -> u32 {
    text.bytes().fold(0x811c9dc5u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x01000193)
    })
}

/// A body safe to show (see `shared::redact`), cut to length.
pub fn redacted_sample(body: &str, redact: &Redactor) -> String {
    let shown = redact.show(body);
    if shown.chars().count() > MAX_SAMPLE_CHARS {
        let mut cut: String = shown.chars().take(MAX_SAMPLE_CHARS).collect();
        cut.push_str("… (cut)");
        cut
    } else {
        shown
    }
}

/// Which messages a redrive moves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Only these groups (as summaries name them).
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    /// Only messages whose attributes have these values.
    #[serde(default)]
    pub attributes: Option<BTreeMap<String, String>>,
    /// Only messages whose body contains this text.
    #[serde(default)]
    pub body_contains: Option<String>,
}

impl Filter {
    pub fn selects(&self, m: &Message, group: &str) -> bool {
        self.groups
            .as_ref()
            .is_none_or(|g| g.iter().any(|x| x == group))
            && self
                .attributes
                .as_ref()
                .is_none_or(|want| want.iter().all(|(k, v)| m.attributes.get(k) == Some(v)))
            && self
                .body_contains
                .as_ref()
                .is_none_or(|t| m.body.contains(t.as_str()))
    }
}

/// What happens to one received message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "fate", rename_all = "kebab-case")]
pub enum Fate {
    /// Sent to the target, then deleted from the DLQ.
    Move,
    /// Redriven too often: sent to the parking queue, then deleted.
    Park { redrives: u32 },
    /// Redriven too often and no parking queue: left in the DLQ.
    Poison { redrives: u32 },
    /// Not selected by the filter: left in the DLQ.
    Filtered,
    /// An earlier message of its FIFO group stays behind: moving this one
    /// would overtake it.
    Blocked,
    /// Its redrive count cannot be recorded (it has SQS's 10 attributes), on
    /// an automatic redrive: parked, or left for a person, never cycled
    /// between the DLQ and its source with nothing to stop it.
    Uncounted { parking: bool },
}

/// Decides a message's fate. `blocked` says whether an earlier message of
/// its FIFO group stays behind in this run; `automatic`, whether a schedule
/// (not a person) asked for the redrive.
pub fn fate(
    m: &Message,
    group: &str,
    filter: &Filter,
    max_redrives: u32,
    parking: bool,
    blocked: bool,
    automatic: bool,
) -> Fate {
    if blocked {
        return Fate::Blocked;
    }
    if !filter.selects(m, group) {
        return Fate::Filtered;
    }
    let redrives = m.redrive_count();
    if redrives >= max_redrives {
        return if parking {
            Fate::Park { redrives }
        } else {
            Fate::Poison { redrives }
        };
    }
    if automatic && !count_recordable(m) {
        return Fate::Uncounted { parking };
    }
    Fate::Move
}

/// Whether a move can record the message's redrive count: it has one
/// already, or SQS's ten-attribute limit leaves room for it.
pub fn count_recordable(m: &Message) -> bool {
    m.attributes.contains_key(REDRIVE_COUNT_ATTRIBUTE)
        || m.attributes.len() + m.binary_attributes < MAX_ATTRIBUTES
}

/// The attributes a moved message carries: the original ones with the
/// redrive count raised by one, when SQS's ten-attribute limit allows it.
pub fn next_attributes(m: &Message) -> (BTreeMap<String, String>, bool) {
    let mut attrs = m.attributes.clone();
    if count_recordable(m) {
        attrs.insert(
            REDRIVE_COUNT_ATTRIBUTE.to_owned(),
            (m.redrive_count() + 1).to_string(),
        );
        (attrs, true)
    } else {
        (attrs, false)
    }
}

/// A FIFO deduplication id that lets a retry of the same send be dropped by
/// SQS, while a later redrive of the same message (higher count) is not.
pub fn dedup_id(m: &Message) -> String {
    format!("redrive-{}-{}", m.redrive_count() + 1, m.id)
}

#[cfg(test)]
mod tests;
