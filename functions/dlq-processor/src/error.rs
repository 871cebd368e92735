use shared::PublishError;
use shared::aws::FailureClass;

/// Why an invocation failed as a whole. Problems with one queue or one
/// message are in the report instead, and nothing is moved for them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the summary could not be published: {0}")]
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
