//! Resources most tests need: an SNS topic with an SQS queue subscribed, and
//! reading what arrived on that queue.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::SdkConfig;
use serde::Deserialize;

use crate::names::unique;

/// An SNS topic with one SQS queue subscribed to it (raw delivery off, so
/// the queue receives SNS's JSON envelope with Subject and MessageAttributes).
#[derive(Debug, Clone)]
pub struct TopicWithQueue {
    pub topic_arn: String,
    pub queue_url: String,
    pub queue_arn: String,
    sqs: aws_sdk_sqs::Client,
}

/// One notification as a subscriber receives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Delivered {
    #[serde(default)]
    pub subject: Option<String>,
    pub message: String,
    #[serde(default)]
    pub message_attributes: BTreeMap<String, DeliveredAttribute>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeliveredAttribute {
    pub value: String,
}

impl Delivered {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.message_attributes.get(name).map(|a| a.value.as_str())
    }
}

impl TopicWithQueue {
    /// Creates a topic and a queue with unique names, subscribed with an
    /// optional filter policy (JSON) on message attributes.
    pub async fn create(
        config: &SdkConfig,
        prefix: &str,
        filter_policy: Option<&str>,
    ) -> anyhow::Result<TopicWithQueue> {
        Self::create_named(config, &unique(prefix), prefix, filter_policy).await
    }

    /// Like [`create`](Self::create), with the topic named exactly `topic_name`.
    pub async fn create_named(
        config: &SdkConfig,
        topic_name: &str,
        prefix: &str,
        filter_policy: Option<&str>,
    ) -> anyhow::Result<TopicWithQueue> {
        let topic_arn = aws_sdk_sns::Client::new(config)
            .create_topic()
            .name(topic_name)
            .send()
            .await?
            .topic_arn
            .ok_or_else(|| anyhow::anyhow!("no topic arn"))?;
        Self::subscribe_new_queue(config, topic_arn, prefix, filter_policy).await
    }

    /// Subscribes one more queue to the same topic, with an optional filter policy.
    pub async fn add_queue(
        &self,
        config: &SdkConfig,
        prefix: &str,
        filter_policy: Option<&str>,
    ) -> anyhow::Result<TopicWithQueue> {
        Self::subscribe_new_queue(config, self.topic_arn.clone(), prefix, filter_policy).await
    }

    async fn subscribe_new_queue(
        config: &SdkConfig,
        topic_arn: String,
        prefix: &str,
        filter_policy: Option<&str>,
    ) -> anyhow::Result<TopicWithQueue> {
        let sqs = aws_sdk_sqs::Client::new(config);
        let queue_url = crate::queues::create(&sqs, &unique(prefix), false, None).await?;
        let queue_arn = crate::queues::queue_arn(&sqs, &queue_url).await?;
        aws_sdk_sns::Client::new(config)
            .subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(&queue_arn)
            .set_attributes(
                filter_policy.map(|p| [("FilterPolicy".to_owned(), p.to_owned())].into()),
            )
            .send()
            .await?;
        Ok(TopicWithQueue {
            topic_arn,
            queue_url,
            queue_arn,
            sqs,
        })
    }

    /// Everything that arrived on the queue within `wait`, removed from it.
    /// The bad-input policy, as every function's tests check it: the report
    /// lists the refusal, naming `says`, with nothing done, and exactly one
    /// WARNING arrived saying the same.
    pub async fn assert_refused(&self, report: &shared::Report, function: &str, says: &str) {
        let reason = report
            .failed
            .first()
            .and_then(|e| e.reason.clone())
            .unwrap_or_default();
        assert!(reason.contains(says), "{reason:?} should say {says}");
        assert!(report.done.is_empty(), "nothing is done: {report:#?}");
        let told = self.drain(Duration::from_secs(1)).await.expect("drain");
        assert_eq!(told.len(), 1, "one notification: {told:?}");
        assert_eq!(
            told[0].subject.as_deref(),
            Some(format!("[WARNING] {function} refused a payload it cannot read").as_str())
        );
        assert!(told[0].message.contains(says), "{}", told[0].message);
    }

    pub async fn drain(&self, wait: Duration) -> anyhow::Result<Vec<Delivered>> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut out = Vec::new();
        loop {
            let resp = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await?;
            let messages = resp.messages.unwrap_or_default();
            if messages.is_empty() {
                if tokio::time::Instant::now() >= deadline {
                    return Ok(out);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            for m in messages {
                let body = m.body.unwrap_or_default();
                out.push(
                    serde_json::from_str(&body)
                        .map_err(|e| anyhow::anyhow!("not an SNS envelope ({e}): {body}"))?,
                );
                if let Some(handle) = m.receipt_handle {
                    self.sqs
                        .delete_message()
                        .queue_url(&self.queue_url)
                        .receipt_handle(handle)
                        .send()
                        .await?;
                }
            }
        }
    }
}
