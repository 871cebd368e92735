use shared::PublishError;
use shared::aws::FailureClass;

/// Why an invocation failed. A publish failure fails the invocation so
/// EventBridge (or SNS) retries it and, after its retries, sends it to the
/// target's dead-letter queue: a notification is never dropped silently.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not publish the notification: {0}")]
    Publish(#[from] PublishError),
}

impl Error {
    /// A stable name for the kind of failure, shown as Lambda's `errorType`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Publish(_) => "PublishFailed",
        }
    }

    /// The class of the AWS failure behind it, if one is.
    pub fn class(&self) -> Option<FailureClass> {
        match self {
            Error::Publish(e) => Some(e.class()),
        }
    }
}

shared::lambda_diagnostic!(Error);
