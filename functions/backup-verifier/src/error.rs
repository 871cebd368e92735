use shared::PublishError;
use shared::aws::{AwsFailure, FailureClass};

/// Why an invocation failed as a whole. One resource that cannot be checked
/// is UNKNOWN in the report instead, never a false OK.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the report could not be published: {0}")]
    Publish(#[from] PublishError),
    #[error("the restore validation result could not be recorded: {0}")]
    RecordValidation(AwsFailure),
    /// Worth retrying (throttled, unavailable): Lambda's retries, then the
    /// failures queue and its alarm.
    #[error("the restore job could not be read, so it is not validated yet: {0}")]
    RestoreJobUnreadable(AwsFailure),
    /// The restored database could not be found or prepared for a reason
    /// worth retrying.
    #[error("the restored database could not be reached for the checks yet: {0}")]
    RestoredUnreadable(AwsFailure),
}

impl Error {
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Publish(_) => "PublishFailed",
            Error::RecordValidation(_) => "RecordValidationFailed",
            Error::RestoreJobUnreadable(_) => "RestoreJobUnreadable",
            Error::RestoredUnreadable(_) => "RestoredUnreadable",
        }
    }

    /// The class of the AWS failure behind it, if one is.
    pub fn class(&self) -> Option<FailureClass> {
        match self {
            Error::Publish(e) => Some(e.class()),
            Error::RecordValidation(f)
            | Error::RestoreJobUnreadable(f)
            | Error::RestoredUnreadable(f) => Some(f.class),
        }
    }
}

shared::lambda_diagnostic!(Error);
