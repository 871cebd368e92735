use shared::PublishError;

/// Why an invocation failed. Every variant fails the invocation, so
/// EventBridge retries it and, after its retries, sends it to the rule's
/// dead-letter queue: a notification is never dropped silently.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not publish the notification: {0}")]
    Publish(#[from] PublishError),
}
