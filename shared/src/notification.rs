//! The one notification type of the suite, and its publication to SNS.
//!
//! Every function says what happened through a [`Notification`]. It is sent
//! as a plain-text message (readable in e-mail and chat) with the
//! MessageAttributes `severity`, `source`, `environment` and, when known,
//! `resource`, so SNS subscription filter policies can route it.

use std::collections::BTreeMap;
use std::fmt;

use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use serde::{Deserialize, Serialize};

use crate::aws::{AwsFailure, FailureClass, failure};
use crate::report::{Entry, Report};

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

/// Why a notification could not be published.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PublishError {
    #[error("sns topic {topic} does not exist: check NOTIFY_TOPIC_ARN")]
    TopicNotFound { topic: String },
    #[error("not allowed to publish to sns topic {topic}: {message}")]
    Denied { topic: String, message: String },
    #[error("sns throttled publishing to {topic}: retry later")]
    Throttled { topic: String },
    #[error("sns rejected the notification for {topic}: {message}")]
    Rejected { topic: String, message: String },
    #[error("could not reach sns to publish to {topic}: {message}")]
    Unavailable { topic: String, message: String },
}

impl PublishError {
    /// Whether trying again later may succeed (the invocation should fail so
    /// the platform retries), as opposed to a configuration problem.
    pub fn is_retryable(&self) -> bool {
        self.class().is_retryable()
    }

    /// The class of the SNS failure behind it.
    pub fn class(&self) -> FailureClass {
        match self {
            Self::TopicNotFound { .. } => FailureClass::NotFound,
            Self::Denied { .. } => FailureClass::Denied,
            Self::Throttled { .. } => FailureClass::Throttled,
            Self::Rejected { .. } => FailureClass::Invalid,
            Self::Unavailable { .. } => FailureClass::Unavailable,
        }
    }
}

/// Publishes notifications to one SNS topic.
#[derive(Debug, Clone)]
pub struct Publisher {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl Publisher {
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> Self {
        Self {
            client,
            topic_arn: topic_arn.into(),
        }
    }

    pub fn topic_arn(&self) -> &str {
        &self.topic_arn
    }

    /// Publishes one notification and returns the SNS message id. Never
    /// gives up silently: any failure is returned for the caller to act on.
    pub async fn publish(&self, notification: &Notification) -> Result<String, PublishError> {
        let mut request = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(notification.subject())
            .message(notification.body());
        for (name, value) in notification.attributes() {
            request = request.message_attributes(
                name,
                string_attribute(value).ok_or_else(|| PublishError::Rejected {
                    topic: self.topic_arn.clone(),
                    message: format!("message attribute {name} could not be built"),
                })?,
            );
        }
        let output = request
            .send()
            .await
            .map_err(|err| self.classify(failure("sns:Publish", &err)))?;
        Ok(output.message_id.unwrap_or_default())
    }

    /// The dry-run gate every notification passes: in a dry run the
    /// notification joins the report's plan under `plan` (with its full text)
    /// and nothing is sent; otherwise it is published and its SNS message id
    /// returned.
    pub async fn publish_or_plan(
        &self,
        report: &mut Report,
        plan: Entry,
        notification: &Notification,
    ) -> Result<Option<String>, PublishError> {
        if report.dry_run {
            report.planned(plan.detail(serde_json::to_value(notification).unwrap_or_default()));
            return Ok(None);
        }
        self.publish(notification).await.map(Some)
    }

    /// Publishes many notifications with as few calls as SNS allows
    /// (PublishBatch, ten and at most 256 KiB at a time). The result for each
    /// notification is at the same position as the notification: one
    /// failing never hides another.
    pub async fn publish_batch(
        &self,
        notifications: &[Notification],
    ) -> Vec<Result<String, PublishError>> {
        let mut results = Vec::with_capacity(notifications.len());
        let sizes: Vec<usize> = notifications.iter().map(entry_bytes).collect();
        for range in batches(&sizes) {
            let chunk = &notifications[range];
            if chunk.len() == 1 {
                results.push(self.publish(&chunk[0]).await);
                continue;
            }
            results.extend(self.publish_chunk(chunk).await);
        }
        results
    }

    async fn publish_chunk(&self, chunk: &[Notification]) -> Vec<Result<String, PublishError>> {
        let entries: Vec<PublishBatchRequestEntry> = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let mut entry = PublishBatchRequestEntry::builder()
                    .id(i.to_string())
                    .subject(n.subject())
                    .message(n.body());
                for (name, value) in n.attributes() {
                    entry = entry.message_attributes(name, string_attribute(value)?);
                }
                entry.build().ok()
            })
            .collect();
        let mut results: Vec<Result<String, PublishError>> = chunk
            .iter()
            .map(|_| {
                Err(PublishError::Rejected {
                    topic: self.topic_arn.clone(),
                    message: "the entry was not in SNS's answer".into(),
                })
            })
            .collect();
        match self
            .client
            .publish_batch()
            .topic_arn(&self.topic_arn)
            .set_publish_batch_request_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) => {
                for ok in output.successful.unwrap_or_default() {
                    if let Some(r) = ok
                        .id
                        .and_then(|id| id.parse::<usize>().ok())
                        .and_then(|slot| results.get_mut(slot))
                    {
                        *r = Ok(ok.message_id.unwrap_or_default());
                    }
                }
                for failed in output.failed.unwrap_or_default() {
                    let slot = failed.id.parse::<usize>().ok();
                    if let Some(r) = slot.and_then(|slot| results.get_mut(slot)) {
                        *r = Err(self.classify(AwsFailure::from_code(
                            "sns:PublishBatch",
                            &failed.code,
                            failed.message.as_deref(),
                        )));
                    }
                }
            }
            Err(err) => {
                let error = self.classify(failure("sns:PublishBatch", &err));
                for r in &mut results {
                    *r = Err(error.clone());
                }
            }
        }
        results
    }

    fn classify(&self, failure: AwsFailure) -> PublishError {
        let topic = self.topic_arn.clone();
        let message = failure.to_string();
        match failure.class {
            FailureClass::NotFound => PublishError::TopicNotFound { topic },
            FailureClass::Denied => PublishError::Denied { topic, message },
            FailureClass::Throttled => PublishError::Throttled { topic },
            FailureClass::Invalid => PublishError::Rejected { topic, message },
            FailureClass::Unavailable => PublishError::Unavailable { topic, message },
        }
    }
}

/// SNS takes at most ten entries per PublishBatch call.
pub const MAX_BATCH: usize = 10;

/// ...and at most 256 KiB of them in all (SNS quotas: "the total aggregate
/// size of all messages in a single PublishBatch request").
pub const MAX_BATCH_BYTES: usize = 256 * 1024;

/// What an entry counts for against the batch's size: subject, message and
/// the attributes' names, types and values.
fn entry_bytes(n: &Notification) -> usize {
    n.subject().len()
        + n.body().len()
        + n.attributes()
            .iter()
            .map(|(name, value)| name.len() + "String".len() + value.len())
            .sum::<usize>()
}

/// Consecutive runs of entries, each at most [`MAX_BATCH`] long and
/// [`MAX_BATCH_BYTES`] in all (an entry larger alone goes alone: SNS then
/// refuses only that one).
fn batches(sizes: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, size) in sizes.iter().enumerate() {
        if i > start && (i - start == MAX_BATCH || bytes + size > MAX_BATCH_BYTES) {
            out.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

/// The builder only fails without a data type, which is always set here.
fn string_attribute(value: String) -> Option<MessageAttributeValue> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .ok()
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
    fn batches_stay_within_ten_entries_and_256_kib() {
        assert_eq!(batches(&[1; 23]), [0..10, 10..20, 20..23]);
        // Ten 30 KiB entries are 300 KiB: two batches.
        assert_eq!(batches(&[30 * 1024; 10]), [0..8, 8..10]);
        // One as large as a whole batch goes alone.
        assert_eq!(batches(&[10, MAX_BATCH_BYTES - 5, 10]), [0..1, 1..2, 2..3]);
        assert!(batches(&[]).is_empty());
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
