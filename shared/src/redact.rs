//! Making data safe to show: what a summary, report or notification may say
//! about a message body or an event it did not write.
//!
//! A [`Redactor`] masks, as [`REDACTED`]:
//! - the values of keys that name secrets or personal data, at any depth of
//!   JSON, in `key=value` / `key: value` text and in header lines
//!   (`Authorization: Bearer …` hides the whole line's value);
//! - JSON carried inside a string (the SNS-to-SQS envelope's `"Message"`),
//!   which is parsed and masked by the same rules;
//! - `Bearer` and `Basic` credentials wherever they appear;
//! - card numbers (13 to 19 digits, spaces or dashes allowed between them,
//!   that pass the Luhn check) and e-mail addresses anywhere in text;
//! - the values of fields the user names (`REDACT_FIELDS`).
//!
//! Masking errs towards hiding: a 13-digit number that happens to pass the
//! Luhn check is hidden too.

use std::sync::LazyLock;

use regex_lite::{Captures, Regex};
use serde_json::{Map, Value};

use crate::config::{ConfigError, Env};

/// What every redacted value is shown as.
pub const REDACTED: &str = "[redacted]";

/// Environment variable: extra field names (comma-separated) whose values are
/// always masked, on top of the built-in ones.
pub const REDACT_FIELDS: &str = "REDACT_FIELDS";

/// Key fragments (compared lowercase, ignoring `-`, `_`, `.` and spaces)
/// that mark a key as secret wherever they appear in it.
pub const SENSITIVE_KEY_PARTS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "authorization",
    "apikey",
    "privatekey",
    "credential",
    "cookie",
    "signature",
    "sessionkey",
    "accesskey",
    "cardnumber",
    "creditcard",
    "accountnumber",
    "socialsecurity",
];

/// Words that mark a key as sensitive only as a whole word of it
/// (`cardNumber`, `card_cvv`, `SSN`; not `discard` or `className`).
pub const SENSITIVE_KEY_WORDS: &[&str] = &[
    "card", "cvv", "cvv2", "cvc", "ssn", "iban", "pin", "otp", "pan",
];

/// Masks secrets and personal data in JSON and text; see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// User-named fields, folded like keys are.
    extra: Vec<String>,
}

impl Redactor {
    /// The built-in rules plus these field names.
    pub fn with_fields<S: AsRef<str>>(fields: impl IntoIterator<Item = S>) -> Self {
        Self {
            extra: fields
                .into_iter()
                .map(|f| fold(f.as_ref()))
                .filter(|f| !f.is_empty())
                .collect(),
        }
    }

    /// The built-in rules plus the fields named in `REDACT_FIELDS`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let Some(raw) = env.optional(REDACT_FIELDS) else {
            return Ok(Self::default());
        };
        let fields: Vec<&str> = raw.split(',').map(str::trim).collect();
        if fields.iter().any(|f| {
            f.is_empty()
                || !f
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
        }) {
            return Err(ConfigError::Invalid {
                variable: REDACT_FIELDS.to_owned(),
                expected: "field names separated by commas (letters, digits, _ - .)",
                found: raw,
            });
        }
        Ok(Self::with_fields(fields))
    }

    /// Whether a key names a value that must not be shown.
    pub fn is_sensitive_key(&self, key: &str) -> bool {
        let folded = fold(key);
        if folded.is_empty() {
            return false;
        }
        SENSITIVE_KEY_PARTS.iter().any(|part| folded.contains(part))
            || self.extra.iter().any(|f| folded.contains(f.as_str()))
            || words(key).any(|w| SENSITIVE_KEY_WORDS.contains(&w.as_str()))
    }

    /// Masks `value` in place, at any depth. Returns how many values were masked.
    pub fn json(&self, value: &mut Value) -> usize {
        match value {
            Value::Object(map) => {
                let mut masked = 0;
                let old = std::mem::take(map);
                let mut new = Map::with_capacity(old.len());
                for (key, mut v) in old {
                    if self.is_sensitive_key(&key) && !v.is_null() {
                        v = Value::String(REDACTED.to_owned());
                        masked += 1;
                    } else {
                        masked += self.json(&mut v);
                    }
                    // Keys can be data too (an address book keyed by e-mail).
                    let (key, n) = self.text(&key);
                    masked += n;
                    new.insert(key, v);
                }
                *map = new;
                masked
            }
            Value::Array(items) => items.iter_mut().map(|v| self.json(v)).sum(),
            Value::String(s) => {
                let (text, n) = self.text(s);
                *s = text;
                n
            }
            Value::Number(n) => {
                let digits = n.to_string();
                if is_card_number(&digits) {
                    *value = Value::String(REDACTED.to_owned());
                    1
                } else {
                    0
                }
            }
            Value::Bool(_) | Value::Null => 0,
        }
    }

    /// `text` with every rule applied, and how many values were masked. Text
    /// that is a JSON object or array is masked as JSON and written back compact.
    pub fn text(&self, text: &str) -> (String, usize) {
        let trimmed = text.trim_start();
        if (trimmed.starts_with('{') || trimmed.starts_with('['))
            && let Ok(mut json) = serde_json::from_str::<Value>(text)
        {
            let n = self.json(&mut json);
            return (json.to_string(), n);
        }
        let mut masked = 0;
        let mut out = HEADER
            .replace_all(text, |c: &Captures| {
                if self.is_sensitive_key(&c[2]) {
                    masked += 1;
                    format!("{}{REDACTED}", &c[1])
                } else {
                    c[0].to_owned()
                }
            })
            .into_owned();
        out = self.key_values(&out, &mut masked);
        for (rule, keep) in [(&*AUTH_SCHEME, true), (&*EMAIL, false)] {
            out = rule
                .replace_all(&out, |c: &Captures| {
                    masked += 1;
                    if keep {
                        format!("{} {REDACTED}", &c[1])
                    } else {
                        REDACTED.to_owned()
                    }
                })
                .into_owned();
        }
        out = CARD
            .replace_all(&out, |c: &Captures| {
                if is_card_number(&c[0]) {
                    masked += 1;
                    REDACTED.to_owned()
                } else {
                    c[0].to_owned()
                }
            })
            .into_owned();
        (out, masked)
    }

    /// `text` with the value after every sensitive `key=` / `key:` masked.
    /// Only sensitive keys consume their value, so `url: https://h/?token=x`
    /// still finds `token`.
    fn key_values(&self, text: &str, masked: &mut usize) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for c in KEY_SEP.captures_iter(text) {
            let Some(whole) = c.get(0) else { continue };
            if whole.start() < last || !self.is_sensitive_key(&c[1]) {
                continue;
            }
            let rest = &text[whole.end()..];
            let mut len = value_len(rest);
            // `Authorization: Bearer abc`: the credential after the scheme too.
            if ["bearer", "basic", "digest", "token"]
                .iter()
                .any(|scheme| rest[..len].eq_ignore_ascii_case(scheme))
            {
                let gap = rest[len..].len() - rest[len..].trim_start_matches([' ', '\t']).len();
                if gap > 0 {
                    len += gap + value_len(&rest[len + gap..]);
                }
            }
            let value = &rest[..len];
            if len == 0 || value.trim_matches(['"', '\'', '\\']) == REDACTED {
                continue;
            }
            let quote = ["\\\"", "\"", "'"]
                .into_iter()
                .find(|q| value.starts_with(q) && value.len() >= 2 * q.len())
                .unwrap_or("");
            out.push_str(&text[last..whole.end()]);
            out.push_str(quote);
            out.push_str(REDACTED);
            out.push_str(quote);
            last = whole.end() + len;
            *masked += 1;
        }
        out.push_str(&text[last..]);
        out
    }

    /// [`Redactor::text`] without the count.
    pub fn show(&self, text: &str) -> String {
        self.text(text).0
    }
}

/// Compiles one of the constant patterns below. A unit test compiles each,
/// so a mistake fails `make test`, never an invocation.
#[expect(
    clippy::expect_used,
    reason = "constant patterns, each compiled by a unit test"
)]
fn pattern(re: &str) -> Regex {
    Regex::new(re).expect("constant pattern compiles")
}

/// A header line, `Name: value`: a sensitive name hides the rest of the line.
static HEADER: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?m)^([ \t]*([A-Za-z][A-Za-z0-9_-]*):[ \t]*)[^ \t\r\n].*$"));

/// The start of `key=value`, `key: value`, `"key": value` (also with the
/// quotes escaped, as in JSON cut short): the key in group 1.
static KEY_SEP: LazyLock<Regex> =
    LazyLock::new(|| pattern(r#"\\?["']?([A-Za-z][A-Za-z0-9_.-]*)\\?["']?[ \t]*[=:][ \t]*"#));

/// The length of the value at the start of `rest`: a quoted string (quotes
/// included, `\"` or `'` or `"`), else everything up to a separator.
fn value_len(rest: &str) -> usize {
    for quote in ["\\\"", "\"", "'"] {
        if let Some(inner) = rest.strip_prefix(quote) {
            let mut i = 0;
            while i < inner.len() {
                if inner[i..].starts_with(quote) {
                    return quote.len() + i + quote.len();
                }
                // Skip an escaped character, whole.
                let step = if quote == "\"" && inner[i..].starts_with('\\') {
                    2
                } else {
                    1
                };
                i += step;
                while i < inner.len() && !inner.is_char_boundary(i) {
                    i += 1;
                }
            }
            return rest.len();
        }
    }
    rest.find(|c: char| c.is_whitespace() || "&,;\"'<>".contains(c))
        .unwrap_or(rest.len())
}

/// `Bearer <token>` / `Basic <credentials>`: the scheme kept in group 1.
static AUTH_SCHEME: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"\b([Bb]earer|Basic)\s+[A-Za-z0-9._~+/-]+=*"));

/// An e-mail address (the common shapes; quoted local parts are rare in data).
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"));

/// A run of 13 to 19 digits, single spaces or dashes allowed between them,
/// not part of a longer run.
static CARD: LazyLock<Regex> = LazyLock::new(|| pattern(r"\b\d(?:[ -]?\d){12,18}\b"));

/// Whether `text` (digits, spaces and dashes) is 13 to 19 digits passing the
/// Luhn check, as every payment card number does.
pub fn is_card_number(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len())
        || text
            .chars()
            .any(|c| !c.is_ascii_digit() && c != ' ' && c != '-')
    {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A key lowercased without separators: `X-Api_Key` → `xapikey`.
fn fold(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A key's words, lowercase: split at separators and at lower-to-upper case
/// changes (`creditCard_CVV` → `credit`, `card`, `cvv`).
fn words(key: &str) -> impl Iterator<Item = String> + '_ {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            out.push(std::mem::take(&mut word));
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower {
            out.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    out.push(word);
    out.into_iter().filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests;
