use shared::PublishError;
use shared::aws::FailureClass;

/// Why an invocation failed as a whole. One target failing is not here: it
/// is reported, and the other targets are still done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command naming what cannot be done; `invoke` refuses it (README
    /// "Bad input"), so only a caller of `handle` sees it.
    #[error("invalid command: {0}")]
    InvalidCommand(String),
    /// A refusal of bad input could not be told to anyone.
    #[error("the payload was refused, and the refusal could not be published: {0}")]
    RefusalNotPublished(#[from] PublishError),
    #[error("no target could be evaluated: {failures}")]
    NothingEvaluated {
        failures: String,
        /// A class worth retrying when any discovery met one.
        class: FailureClass,
    },
    /// The run acted, and its summary could not be published. The summary
    /// rides in the error, so it is in the function's log (and the failures
    /// queue) rather than lost: a retry finds nothing left to do.
    #[error(
        "the actions ran but their summary could not be published ({source}); the summary was: {summary}"
    )]
    SummaryNotPublished {
        summary: String,
        source: PublishError,
    },
}

impl Error {
    /// A stable name for the kind of failure, shown as Lambda's `errorType`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidCommand(_) => "InvalidCommand",
            Error::RefusalNotPublished(_) => "PublishFailed",
            Error::NothingEvaluated { .. } => "NothingEvaluated",
            Error::SummaryNotPublished { .. } => "PublishFailed",
        }
    }

    /// The class of the AWS failure behind it, if one is.
    pub fn class(&self) -> Option<FailureClass> {
        match self {
            Error::InvalidCommand(_) => None,
            Error::RefusalNotPublished(e) => Some(e.class()),
            Error::NothingEvaluated { class, .. } => Some(*class),
            Error::SummaryNotPublished { source, .. } => Some(source.class()),
        }
    }
}

shared::lambda_diagnostic!(Error);
