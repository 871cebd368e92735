use shared::PublishError;

/// Why an invocation failed as a whole. One target failing is not here: it
/// is reported, and the other targets are still done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid command: {0}")]
    InvalidCommand(String),
    #[error("invalid input: {0}")]
    InvalidInput(#[from] shared::input::InputError),
    #[error("no target could be evaluated: {0}")]
    NothingEvaluated(String),
    #[error("the actions ran but their summary could not be published: {0}")]
    Publish(#[from] PublishError),
}

impl Error {
    /// A stable name for the kind of failure, shown as Lambda's `errorType`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidCommand(_) => "InvalidCommand",
            Error::InvalidInput(_) => "InvalidInput",
            Error::NothingEvaluated(_) => "NothingEvaluated",
            Error::Publish(_) => "PublishFailed",
        }
    }
}

shared::lambda_diagnostic!(Error);
