use shared::PublishError;
use shared::aws::{AwsFailure, FailureClass};

/// Why a rotation step failed. Messages name the step and the cause, never
/// a secret value. Every variant fails the invocation, so Secrets Manager
/// retries the step and leaves AWSCURRENT where it was.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{step}: {problem}")]
    Rotation { step: &'static str, problem: String },
    #[error("{step}: the secret's value is not usable: {problem}")]
    BadSecret { step: &'static str, problem: String },
    #[error("{step}: secrets manager: {problem}")]
    SecretsManager {
        step: &'static str,
        problem: AwsFailure,
    },
    #[error("{step}: database: {problem}")]
    Database { step: &'static str, problem: String },
    #[error("invalid input: {0}")]
    InvalidInput(#[from] shared::input::InputError),
    #[error("the failure notification could not be published: {0}")]
    Publish(#[from] PublishError),
}

impl Error {
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Rotation { .. } => "RotationRefused",
            Error::BadSecret { .. } => "BadSecret",
            Error::SecretsManager { .. } => "SecretsManagerFailed",
            Error::Database { .. } => "DatabaseFailed",
            Error::InvalidInput(_) => "InvalidInput",
            Error::Publish(_) => "PublishFailed",
        }
    }

    /// The class of the AWS failure behind it, if one is (a database's
    /// failures are not AWS's: their kind says enough).
    pub fn class(&self) -> Option<FailureClass> {
        match self {
            Error::SecretsManager { problem, .. } => Some(problem.class),
            Error::Publish(e) => Some(e.class()),
            Error::Rotation { .. }
            | Error::BadSecret { .. }
            | Error::Database { .. }
            | Error::InvalidInput(_) => None,
        }
    }
}

shared::lambda_diagnostic!(Error);
