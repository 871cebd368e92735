//! The SQS calls: finding a queue, peeking, receiving, sending, deleting,
//! releasing. Decisions are made in `classify` and the handler.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    BatchResultErrorEntry, ChangeMessageVisibilityBatchRequestEntry,
    DeleteMessageBatchRequestEntry, MessageAttributeValue, MessageSystemAttributeName,
    MessageSystemAttributeNameForSends, MessageSystemAttributeValue, QueueAttributeName,
    SendMessageBatchRequestEntry,
};
use shared::aws::{AwsFailure, FailureClass, failure};

use crate::classify::{Message, REDRIVE_COUNT_ATTRIBUTE, next_attributes};

/// A queue and what is known of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub url: String,
    pub name: String,
    pub arn: String,
    pub fifo: bool,
    pub visible: i64,
    pub in_flight: i64,
    /// URLs of the queues whose redrive policy points here.
    pub sources: Vec<String>,
}

/// A received message: what decisions need, plus what sending it back needs.
#[derive(Debug, Clone)]
pub struct Received {
    pub message: Message,
    pub receipt: String,
    pub attributes: HashMap<String, MessageAttributeValue>,
    /// The X-Ray trace the message was sent in (`AWSTraceHeader`), sent on
    /// with it so the retried work joins that trace. A system attribute: it
    /// counts against neither the 10 attributes nor the size.
    pub trace_header: Option<String>,
}

/// Finds a queue by name or URL, with its depth and its source queues.
pub async fn resolve(sqs: &Client, name_or_url: &str) -> Result<Queue, AwsFailure> {
    let url = if name_or_url.starts_with("https://") || name_or_url.starts_with("http://") {
        name_or_url.to_owned()
    } else {
        let name = name_or_url.rsplit(':').next().unwrap_or(name_or_url);
        sqs.get_queue_url()
            .queue_name(name)
            .send()
            .await
            .map_err(|e| {
                let f = failure("sqs:GetQueueUrl", &e);
                if f.class == FailureClass::NotFound {
                    f.explained(format!(
                        "queue {name:?} does not exist in this account and region"
                    ))
                } else {
                    f
                }
            })?
            .queue_url
            .unwrap_or_default()
    };
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .map_err(|e| failure("sqs:GetQueueAttributes", &e))?
        .attributes
        .unwrap_or_default();
    let number =
        |name: QueueAttributeName| attrs.get(&name).and_then(|v| v.parse().ok()).unwrap_or(0);
    let sources = sqs
        .list_dead_letter_source_queues()
        .queue_url(&url)
        .send()
        .await
        .map_err(|e| failure("sqs:ListDeadLetterSourceQueues", &e))?
        .queue_urls;
    Ok(Queue {
        name: url.rsplit('/').next().unwrap_or(&url).to_owned(),
        arn: attrs
            .get(&QueueAttributeName::QueueArn)
            .cloned()
            .unwrap_or_default(),
        fifo: attrs
            .get(&QueueAttributeName::FifoQueue)
            .is_some_and(|v| v == "true"),
        visible: number(QueueAttributeName::ApproximateNumberOfMessages),
        in_flight: number(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        sources,
        url,
    })
}

/// Receives up to ten messages, hidden from others for `visibility` seconds.
/// Long polling: any wait makes SQS query every server for messages, where
/// a short poll samples only some and can answer empty for a queue that is
/// not. One second: an answer comes as soon as a message is there, and an
/// empty queue costs a second.
const WAIT_SECONDS: i32 = 1;

/// Empty answers in a row, each with the queue's counter still above zero,
/// after which a queue is taken as empty all the same (its visible messages
/// may be ones just released by another consumer).
const EMPTY_TRIES: usize = 3;

/// Receives up to `max` messages. An empty answer is believed only when the
/// queue's own counter of visible messages agrees, so a run never ends, and
/// an inspection never reports 0, for a queue that still has messages.
pub async fn receive_more(
    sqs: &Client,
    url: &str,
    max: i32,
    visibility: i32,
) -> Result<Vec<Received>, AwsFailure> {
    for _ in 0..EMPTY_TRIES {
        let batch = receive(sqs, url, max, visibility).await?;
        if !batch.is_empty() || visible(sqs, url).await? == 0 {
            return Ok(batch);
        }
    }
    Ok(Vec::new())
}

/// Messages visible in the queue now (`ApproximateNumberOfMessages`).
async fn visible(sqs: &Client, url: &str) -> Result<i64, AwsFailure> {
    Ok(sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .map_err(|e| failure("sqs:GetQueueAttributes", &e))?
        .attributes
        .unwrap_or_default()
        .get(&QueueAttributeName::ApproximateNumberOfMessages)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

async fn receive(
    sqs: &Client,
    url: &str,
    max: i32,
    visibility: i32,
) -> Result<Vec<Received>, AwsFailure> {
    let out = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(max.clamp(1, 10))
        .visibility_timeout(visibility)
        .wait_time_seconds(WAIT_SECONDS)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .message_attribute_names("All")
        .send()
        .await
        .map_err(|e| failure("sqs:ReceiveMessage", &e))?;
    Ok(out
        .messages
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let attributes = m.message_attributes.unwrap_or_default();
            let system = m.attributes.unwrap_or_default();
            let simple: BTreeMap<String, String> = attributes
                .iter()
                .filter_map(|(k, v)| v.string_value.clone().map(|s| (k.clone(), s)))
                .collect();
            Received {
                message: Message {
                    id: m.message_id.unwrap_or_default(),
                    body: m.body.unwrap_or_default(),
                    binary_attributes: attributes.len() - simple.len(),
                    attributes: simple,
                    group_id: system
                        .get(&MessageSystemAttributeName::MessageGroupId)
                        .cloned(),
                    sent_timestamp_ms: system
                        .get(&MessageSystemAttributeName::SentTimestamp)
                        .and_then(|v| v.parse().ok()),
                },
                receipt: m.receipt_handle.unwrap_or_default(),
                trace_header: system
                    .get(&MessageSystemAttributeName::AwsTraceHeader)
                    .cloned(),
                attributes,
            }
        })
        .collect())
}

/// Makes messages visible again at once. Returns what could not be released
/// (those reappear by themselves when their visibility timeout ends).
pub async fn release(sqs: &Client, url: &str, receipts: &[String]) -> Vec<AwsFailure> {
    let mut problems = Vec::new();
    for chunk in receipts.chunks(10) {
        let entries: Vec<_> = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(r)
                    .visibility_timeout(0)
                    .build()
                    .ok()
            })
            .collect();
        match sqs
            .change_message_visibility_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(out) => problems.extend(out.failed.into_iter().map(|f| {
                AwsFailure::from_code(
                    "sqs:ChangeMessageVisibilityBatch",
                    &f.code,
                    f.message.as_deref(),
                )
            })),
            Err(e) => problems.push(failure("sqs:ChangeMessageVisibilityBatch", &e)),
        }
    }
    problems
}

/// Sends messages to `target` (at most ten; the caller batches), keeping
/// bodies and attributes, the FIFO group, and a deduplication id derived
/// from the original message. One result per message, in order.
pub async fn send(
    sqs: &Client,
    target: &Queue,
    batch: &[&Received],
) -> Vec<Result<(), AwsFailure>> {
    if batch.is_empty() {
        return Vec::new();
    }
    let entries: Vec<_> = batch
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let attributes = outgoing_attributes(r);
            let mut entry = SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(&r.message.body)
                .set_message_attributes((!attributes.is_empty()).then_some(attributes));
            if let Some(trace) = &r.trace_header {
                let value = MessageSystemAttributeValue::builder()
                    .data_type("String")
                    .string_value(trace)
                    .build()
                    .ok()?;
                entry = entry.message_system_attributes(
                    MessageSystemAttributeNameForSends::AwsTraceHeader,
                    value,
                );
            }
            if target.fifo {
                entry = entry
                    .message_group_id(
                        r.message
                            .group_id
                            .clone()
                            .unwrap_or_else(|| "redrive".into()),
                    )
                    .message_deduplication_id(crate::classify::dedup_id(&r.message));
            } else {
                // A standard queue with fair queues: the group names the
                // tenant, and a moved message stays that tenant's.
                entry = entry.set_message_group_id(r.message.group_id.clone());
            }
            entry.build().ok()
        })
        .collect();
    let answer = sqs
        .send_message_batch()
        .queue_url(&target.url)
        .set_entries(Some(entries))
        .send()
        .await
        .map(|out| {
            (
                out.successful.into_iter().map(|ok| ok.id).collect(),
                out.failed,
            )
        })
        .map_err(|e| failure("sqs:SendMessageBatch", &e));
    per_entry("sqs:SendMessageBatch", batch.len(), answer)
}

/// The message attributes a moved message is sent with: its own, with the
/// redrive count raised where SQS's ten-attribute limit allows it. What is
/// sent and what the batch's size is counted from, both.
pub fn outgoing_attributes(r: &Received) -> HashMap<String, MessageAttributeValue> {
    let mut attributes = r.attributes.clone();
    if let Some(count) = next_attributes(&r.message).0.get(REDRIVE_COUNT_ATTRIBUTE)
        && let Ok(value) = MessageAttributeValue::builder()
            .data_type("Number")
            .string_value(count)
            .build()
    {
        attributes.insert(REDRIVE_COUNT_ATTRIBUTE.to_owned(), value);
    }
    attributes
}

/// Deletes received messages (after their copies were confirmed sent).
pub async fn delete(sqs: &Client, url: &str, receipts: &[&str]) -> Vec<Result<(), AwsFailure>> {
    // SQS refuses an empty batch (EmptyBatchRequest): nothing to delete is
    // no call at all.
    if receipts.is_empty() {
        return Vec::new();
    }
    let entries: Vec<_> = receipts
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .receipt_handle(*r)
                .build()
                .ok()
        })
        .collect();
    let answer = sqs
        .delete_message_batch()
        .queue_url(url)
        .set_entries(Some(entries))
        .send()
        .await
        .map(|out| {
            (
                out.successful.into_iter().map(|ok| ok.id).collect(),
                out.failed,
            )
        })
        .map_err(|e| failure("sqs:DeleteMessageBatch", &e));
    per_entry("sqs:DeleteMessageBatch", receipts.len(), answer)
}

/// One result per entry of a batch call, in entry order (ids are positions):
/// the call's own failure for all, or each entry's success or failure.
fn per_entry(
    operation: &str,
    len: usize,
    answer: Result<(Vec<String>, Vec<BatchResultErrorEntry>), AwsFailure>,
) -> Vec<Result<(), AwsFailure>> {
    let (successful, failed) = match answer {
        Ok(parts) => parts,
        Err(why) => return vec![Err(why); len],
    };
    let missing = AwsFailure::from_code(operation, "EntryMissing", Some("not in SQS's answer"));
    let mut results: Vec<Result<(), AwsFailure>> = vec![Err(missing); len];
    for id in successful {
        if let Some(r) = id.parse::<usize>().ok().and_then(|i| results.get_mut(i)) {
            *r = Ok(());
        }
    }
    for f in failed {
        if let Some(r) = f.id.parse::<usize>().ok().and_then(|i| results.get_mut(i)) {
            *r = Err(AwsFailure::from_code(
                operation,
                &f.code,
                f.message.as_deref(),
            ));
        }
    }
    results
}
