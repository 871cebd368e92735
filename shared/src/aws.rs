//! SDK configuration shared by every client of a function.
//!
//! `AWS_ENDPOINT_URL` (when set) sends every client to one endpoint, which is
//! how the same binary runs against the local emulator; `AWS_REGION` is set by
//! Lambda itself. `AWS_MAX_ATTEMPTS` and `AWS_RETRY_MODE` are honoured by the
//! SDK's own retry chain (default: standard mode, 3 attempts, throttling
//! retried with backoff).

use aws_config::{BehaviorVersion, Region, SdkConfig};
// The error types are smithy's, re-exported by every service crate: these
// work for any client's errors.
use aws_sdk_sns::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::config::{ConfigError, Env};

pub const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
pub const REGION: &str = "AWS_REGION";

/// Where the SDK clients connect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    /// One endpoint for every service (an emulator); `None` means AWS itself.
    pub endpoint_url: Option<String>,
    /// `None` leaves the region to the SDK's own chain (profile, IMDS).
    pub region: Option<String>,
}

impl AwsSettings {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let endpoint_url = env.optional(ENDPOINT_URL);
        if let Some(url) = &endpoint_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                variable: ENDPOINT_URL.into(),
                expected: "a URL starting with http:// or https://",
                found: url.clone(),
            });
        }
        Ok(Self {
            endpoint_url,
            region: env.optional(REGION),
        })
    }
}

/// The SDK configuration every client of one invocation environment is built from.
pub async fn sdk_config(settings: &AwsSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    loader.load().await
}

/// An SDK failure in words: `<operation> failed: <code>: <message>`, or the
/// error's full context when the service sent no code.
pub fn failure<E, R>(operation: &str, err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{operation} failed: {code}: {message}"),
        (Some(code), None) => format!("{operation} failed: {code}"),
        _ => format!("{operation} failed: {}", DisplayErrorContext(err)),
    }
}

/// Implements `From<$error> for lambda_runtime::Diagnostic` for an error
/// type with a `kind()` method, so Lambda reports a stable `errorType`.
#[macro_export]
macro_rules! lambda_diagnostic {
    ($error:ty) => {
        impl From<$error> for lambda_runtime::Diagnostic {
            fn from(err: $error) -> Self {
                lambda_runtime::Diagnostic {
                    error_type: err.kind().to_owned(),
                    error_message: err.to_string(),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn endpoint_and_region_come_from_the_environment() {
        let env = Env::from_pairs([
            (ENDPOINT_URL, "http://127.0.0.1:5000"),
            (REGION, "eu-central-1"),
        ]);
        let settings = AwsSettings::from_env(&env).expect("valid");
        let config = sdk_config(&settings).await;
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-central-1"));
    }

    #[test]
    fn no_endpoint_means_aws_itself() {
        let settings =
            AwsSettings::from_env(&Env::from_pairs([(REGION, "us-east-1")])).expect("valid");
        assert_eq!(settings.endpoint_url, None);
    }

    #[test]
    fn endpoint_without_scheme_is_rejected_by_name() {
        let env = Env::from_pairs([(ENDPOINT_URL, "127.0.0.1:5000")]);
        let err = AwsSettings::from_env(&env).expect_err("no scheme");
        assert!(err.to_string().contains("AWS_ENDPOINT_URL"), "{err}");
    }
}
