use shared::PublishError;

/// Why an invocation failed. Every variant fails the invocation, so
/// EventBridge retries it and, after its retries, sends it to the rule's
/// dead-letter queue: a notification is never dropped silently.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not publish the notification: {0}")]
    Publish(#[from] PublishError),
}

impl Error {
    /// A stable name for the kind of failure, shown as Lambda's `errorType`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Publish(PublishError::TopicNotFound { .. }) => "TopicNotFound",
            Error::Publish(PublishError::Denied { .. }) => "PublishDenied",
            Error::Publish(PublishError::Throttled { .. }) => "PublishThrottled",
            Error::Publish(PublishError::Rejected { .. }) => "PublishRejected",
            Error::Publish(PublishError::Unavailable { .. }) => "PublishUnavailable",
        }
    }
}

impl From<Error> for lambda_runtime::Diagnostic {
    fn from(err: Error) -> Self {
        lambda_runtime::Diagnostic {
            error_type: err.kind().to_owned(),
            error_message: err.to_string(),
        }
    }
}
