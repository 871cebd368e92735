use shared::PublishError;

/// Why an invocation failed as a whole. Problems with one queue or one
/// message are in the report instead, and nothing is moved for them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0}")]
    InvalidInput(#[from] shared::input::InputError),
    #[error("the summary could not be published: {0}")]
    Publish(#[from] PublishError),
}

impl Error {
    /// A stable name for the kind of failure, shown as Lambda's `errorType`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) => "InvalidInput",
            Error::Publish(_) => "PublishFailed",
        }
    }
}

shared::lambda_diagnostic!(Error);
