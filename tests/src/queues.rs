//! SQS queues with a dead-letter queue, and messages that failed their way
//! into it through the real redrive policy.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName};

use crate::names::unique;

/// A source queue whose redrive policy sends failures to `dlq` after one receive.
#[derive(Debug, Clone)]
pub struct QueuePair {
    pub sqs: aws_sdk_sqs::Client,
    pub fifo: bool,
    pub source_url: String,
    pub source_name: String,
    pub dlq_url: String,
    pub dlq_name: String,
}

/// A message as a test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub body: String,
    pub attributes: HashMap<String, String>,
    pub group: Option<String>,
}

impl QueuePair {
    /// A pair with unique names starting with `prefix`.
    pub async fn create(config: &SdkConfig, prefix: &str, fifo: bool) -> anyhow::Result<QueuePair> {
        let suffix = if fifo { ".fifo" } else { "" };
        let dlq_name = format!("{}-dlq{suffix}", unique(prefix));
        let source_name = format!("{}{suffix}", unique(prefix));
        Self::create_named(config, &source_name, &dlq_name, fifo).await
    }

    /// A pair with exactly these names.
    pub async fn create_named(
        config: &SdkConfig,
        source_name: &str,
        dlq_name: &str,
        fifo: bool,
    ) -> anyhow::Result<QueuePair> {
        let sqs = aws_sdk_sqs::Client::new(config);
        let (source_name, dlq_name) = (source_name.to_owned(), dlq_name.to_owned());
        let dlq_url = create(&sqs, &dlq_name, fifo, None).await?;
        let dlq_arn = queue_arn(&sqs, &dlq_url).await?;
        let policy =
            serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"}).to_string();
        let source_url = create(&sqs, &source_name, fifo, Some(policy)).await?;
        Ok(QueuePair {
            sqs,
            fifo,
            source_url,
            source_name,
            dlq_url,
            dlq_name,
        })
    }

    /// Sends `bodies` to the source, then receives without deleting until
    /// the redrive policy has moved every one to the DLQ.
    pub async fn fail_into_dlq(
        &self,
        bodies: &[&str],
        attribute: Option<(&str, &str)>,
    ) -> anyhow::Result<()> {
        for (i, body) in bodies.iter().enumerate() {
            self.send(&self.source_url, body, attribute, "g1", i)
                .await?;
        }
        for _ in 0..20 {
            let got = self
                .sqs
                .receive_message()
                .queue_url(&self.source_url)
                .max_number_of_messages(10)
                .visibility_timeout(0)
                .send()
                .await?;
            if got.messages.unwrap_or_default().is_empty()
                && self.depth(&self.source_url).await? == 0
            {
                break;
            }
        }
        anyhow::ensure!(
            self.depth(&self.dlq_url).await? == bodies.len() as i64,
            "the redrive policy did not move every message to the DLQ"
        );
        Ok(())
    }

    /// Sends straight into the DLQ (to control order, groups or attributes).
    pub async fn seed_dlq(
        &self,
        messages: &[(&str, &str)],
        attribute: Option<(&str, &str)>,
    ) -> anyhow::Result<()> {
        for (i, (group, body)) in messages.iter().enumerate() {
            self.send(&self.dlq_url, body, attribute, group, i).await?;
        }
        Ok(())
    }

    async fn send(
        &self,
        url: &str,
        body: &str,
        attribute: Option<(&str, &str)>,
        group: &str,
        i: usize,
    ) -> anyhow::Result<()> {
        let mut send = self.sqs.send_message().queue_url(url).message_body(body);
        if let Some((name, value)) = attribute {
            let data_type = if value.parse::<f64>().is_ok() {
                "Number"
            } else {
                "String"
            };
            send = send.message_attributes(
                name,
                MessageAttributeValue::builder()
                    .data_type(data_type)
                    .string_value(value)
                    .build()?,
            );
        }
        if self.fifo {
            send = send
                .message_group_id(group)
                .message_deduplication_id(format!("seed-{i}-{}", unique("d")));
        }
        send.send().await?;
        Ok(())
    }

    /// Visible plus in-flight messages.
    pub async fn depth(&self, url: &str) -> anyhow::Result<i64> {
        approximate_depth(&self.sqs, url).await
    }

    /// Receives and deletes everything visible, in the order SQS gives it.
    pub async fn drain(&self, url: &str) -> anyhow::Result<Vec<Seen>> {
        let mut out = Vec::new();
        loop {
            let got = self
                .sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .message_attribute_names("All")
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await?
                .messages
                .unwrap_or_default();
            if got.is_empty() {
                return Ok(out);
            }
            for m in got {
                out.push(Seen {
                    body: m.body.unwrap_or_default(),
                    attributes: m
                        .message_attributes
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|(k, v)| v.string_value.map(|s| (k, s)))
                        .collect(),
                    group: m
                        .attributes
                        .unwrap_or_default()
                        .get(&MessageSystemAttributeName::MessageGroupId)
                        .cloned(),
                });
                if let Some(handle) = m.receipt_handle {
                    self.sqs
                        .delete_message()
                        .queue_url(url)
                        .receipt_handle(handle)
                        .send()
                        .await?;
                }
            }
        }
    }

    /// A plain queue (no redrive policy), e.g. a parking queue.
    pub async fn extra_queue(&self, prefix: &str) -> anyhow::Result<(String, String)> {
        let name = format!("{}{}", unique(prefix), if self.fifo { ".fifo" } else { "" });
        let url = create(&self.sqs, &name, self.fifo, None).await?;
        Ok((name, url))
    }
}

/// Creates a queue (FIFO, and with a redrive policy, when asked) and returns its URL.
pub async fn create(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    fifo: bool,
    redrive: Option<String>,
) -> anyhow::Result<String> {
    let mut create = sqs.create_queue().queue_name(name);
    if fifo {
        create = create.attributes(QueueAttributeName::FifoQueue, "true");
    }
    if let Some(policy) = redrive {
        create = create.attributes(QueueAttributeName::RedrivePolicy, policy);
    }
    create
        .send()
        .await?
        .queue_url
        .ok_or_else(|| anyhow::anyhow!("no queue url"))
}

/// A queue's ARN.
pub async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> anyhow::Result<String> {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| anyhow::anyhow!("no queue arn"))
}

/// Visible plus in-flight messages of any queue.
pub async fn approximate_depth(sqs: &aws_sdk_sqs::Client, url: &str) -> anyhow::Result<i64> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await?
        .attributes
        .unwrap_or_default();
    let n = |k: A| {
        attrs
            .get(&k)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    Ok(n(A::ApproximateNumberOfMessages) + n(A::ApproximateNumberOfMessagesNotVisible))
}
