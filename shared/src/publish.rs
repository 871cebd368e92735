//! Publishing notifications to SNS: one at a time or in as few PublishBatch
//! calls as SNS allows, with failures classified (`PublishError`), and the
//! dry-run gate every notification passes.

use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};

use crate::aws::{AwsFailure, FailureClass, failure};
use crate::notification::Notification;
use crate::report::{Entry, Report};

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

    #[test]
    fn batches_stay_within_ten_entries_and_256_kib() {
        assert_eq!(batches(&[1; 23]), [0..10, 10..20, 20..23]);
        // Ten 30 KiB entries are 300 KiB: two batches.
        assert_eq!(batches(&[30 * 1024; 10]), [0..8, 8..10]);
        // One as large as a whole batch goes alone.
        assert_eq!(batches(&[10, MAX_BATCH_BYTES - 5, 10]), [0..1, 1..2, 2..3]);
        assert!(batches(&[]).is_empty());
    }
}
