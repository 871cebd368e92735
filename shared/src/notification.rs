//! The one notification type of the suite, and its publication to SNS.
//!
//! Every function says what happened through a [`Notification`]. It is sent
//! as a plain-text message (readable in e-mail and chat) with the
//! MessageAttributes `severity`, `source`, `environment` and, when known,
//! `resource`, so SNS subscription filter policies can route it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::publish::{MAX_BATCH, MAX_BATCH_BYTES, PublishError, Publisher};

/// SNS refuses subjects of 100 characters or more.
pub const MAX_SUBJECT_CHARS: usize = 99;
/// SNS's limit for message plus attributes is 256 KiB; the rest of this
/// budget is left for the attributes and subject.
pub const MAX_BODY_BYTES: usize = 256 * 1024 - 4 * 1024;

/// How loud a notification is. Ordered: `Info < Warning < Error < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Info,
    Warning,
    Error,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "INFO" => Ok(Severity::Info),
            "WARNING" | "WARN" => Ok(Severity::Warning),
            "ERROR" => Ok(Severity::Error),
            "CRITICAL" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity {other:?}: expected INFO, WARNING, ERROR or CRITICAL"
            )),
        }
    }
}

/// One line of a notification's body: a name and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// Something a person should know, ready to be sent to SNS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub severity: Severity,
    /// Short and specific: becomes the subject.
    pub title: String,
    /// One or two sentences: what happened and what it means.
    pub summary: String,
    /// The facts a person needs, in the order they read best.
    pub fields: Vec<Field>,
    /// The function that sent it (`scaling-notifier`, ...).
    pub source: String,
    /// The deployment environment (`staging`, `production`, ...).
    pub environment: String,
    /// The resource it is about, for filter policies (`asg/web-prod`).
    pub resource: Option<String>,
    pub console_link: Option<String>,
}

impl Notification {
    pub fn new(
        severity: Severity,
        source: impl Into<String>,
        environment: impl Into<String>,
        title: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            title: title.into(),
            summary: String::new(),
            fields: Vec::new(),
            source: source.into(),
            environment: environment.into(),
            resource: None,
            console_link: None,
        }
    }

    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    /// Adds a field; empty values are left out rather than shown blank.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.trim().is_empty() {
            self.fields.push(Field {
                name: name.into(),
                value,
            });
        }
        self
    }

    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    pub fn console_link(mut self, link: impl Into<String>) -> Self {
        self.console_link = Some(link.into());
        self
    }

    /// The SNS subject: `[SEVERITY] title`, printable ASCII on one line,
    /// within SNS's limit.
    pub fn subject(&self) -> String {
        let raw = format!("[{}] {}", self.severity, self.title);
        let mut ascii = String::with_capacity(raw.len());
        for c in raw.chars() {
            match c {
                ' '..='~' => ascii.push(c),
                '\n' | '\r' | '\t' => ascii.push(' '),
                '–' | '—' => ascii.push('-'),
                '‘' | '’' => ascii.push('\''),
                '“' | '”' => ascii.push('"'),
                '…' => ascii.push_str("..."),
                '→' => ascii.push_str("->"),
                _ => ascii.push('?'),
            }
        }
        let collapsed = ascii.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.len() <= MAX_SUBJECT_CHARS {
            return collapsed;
        }
        let mut cut = collapsed[..MAX_SUBJECT_CHARS - 3].trim_end().to_owned();
        cut.push_str("...");
        cut
    }

    /// The plain-text message body, within SNS's size limit.
    pub fn body(&self) -> String {
        let mut body = String::new();
        body.push_str(&self.title);
        body.push('\n');
        if !self.summary.is_empty() {
            body.push('\n');
            body.push_str(&self.summary);
            body.push('\n');
        }
        if !self.fields.is_empty() {
            body.push('\n');
            for f in &self.fields {
                body.push_str(&f.name);
                body.push_str(": ");
                body.push_str(&f.value);
                body.push('\n');
            }
        }
        if let Some(link) = &self.console_link {
            body.push_str("\nConsole: ");
            body.push_str(link);
            body.push('\n');
        }
        body.push_str(&format!(
            "\n-- {} · {} · {}\n",
            self.severity, self.source, self.environment
        ));
        truncate_utf8(body, MAX_BODY_BYTES)
    }

    /// The MessageAttributes subscription filter policies match on.
    pub fn attributes(&self) -> BTreeMap<&'static str, String> {
        let mut attrs = BTreeMap::from([
            ("severity", self.severity.as_str().to_owned()),
            ("source", self.source.clone()),
            ("environment", self.environment.clone()),
        ]);
        if let Some(resource) = &self.resource {
            attrs.insert("resource", resource.clone());
        }
        attrs
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary, saying how much was cut.
fn truncate_utf8(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let original = text.len();
    let marker_room = 64;
    let mut end = max.saturating_sub(marker_room);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(&format!("\n[truncated {} bytes]\n", original - end));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Notification {
        Notification::new(
            Severity::Error,
            "scaling-notifier",
            "staging",
            "ASG web: launch failed",
        )
        .summary("No capacity in eu-west-1b.")
        .field("Group", "web")
        .field("Empty", "  ")
        .resource("asg/web")
        .console_link("https://console.aws.amazon.com/ec2/")
    }

    #[test]
    fn subject_carries_severity_and_title() {
        assert_eq!(sample().subject(), "[ERROR] ASG web: launch failed");
    }

    #[test]
    fn subject_is_printable_ascii_on_one_line_and_short() {
        let n = Notification::new(
            Severity::Warning,
            "s",
            "e",
            format!("Ünïcode – “quoted”\nnext line {}", "x".repeat(300)),
        );
        let subject = n.subject();
        assert!(
            subject.chars().count() <= MAX_SUBJECT_CHARS,
            "{}",
            subject.len()
        );
        assert!(
            subject.chars().all(|c| (' '..='~').contains(&c)),
            "{subject}"
        );
        assert!(
            subject.starts_with("[WARNING] ?n?code - \"quoted\" next line x"),
            "{subject}"
        );
        assert!(subject.ends_with("..."));
    }

    #[test]
    fn body_lists_fields_and_skips_empty_ones() {
        let body = sample().body();
        assert!(body.starts_with("ASG web: launch failed\n\nNo capacity in eu-west-1b.\n"));
        assert!(body.contains("\nGroup: web\n"));
        assert!(!body.contains("Empty"));
        assert!(body.contains("Console: https://console.aws.amazon.com/ec2/"));
        assert!(body.ends_with("-- ERROR · scaling-notifier · staging\n"));
    }

    #[test]
    fn oversized_body_is_cut_on_a_char_boundary_and_says_so() {
        let n = Notification::new(Severity::Info, "s", "e", "t").summary("é".repeat(200_000));
        let body = n.body();
        assert!(body.len() <= MAX_BODY_BYTES, "{}", body.len());
        assert!(body.contains("[truncated "));
    }

    #[test]
    fn attributes_route_by_severity_source_environment_and_resource() {
        let attrs = sample().attributes();
        assert_eq!(attrs["severity"], "ERROR");
        assert_eq!(attrs["source"], "scaling-notifier");
        assert_eq!(attrs["environment"], "staging");
        assert_eq!(attrs["resource"], "asg/web");
        let bare = Notification::new(Severity::Info, "s", "e", "t");
        assert!(!bare.attributes().contains_key("resource"));
    }

    #[test]
    fn severities_are_ordered_and_parse() {
        assert!(Severity::Info < Severity::Warning && Severity::Error < Severity::Critical);
        assert_eq!("warn".parse::<Severity>(), Ok(Severity::Warning));
        assert!("loud".parse::<Severity>().is_err());
    }
}
