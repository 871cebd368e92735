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
use aws_sdk_sns::config::http::HttpResponse;
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

/// What kind of failure an AWS call met: it decides whether trying again
/// can help, and it is the `errorType` Lambda reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureClass {
    /// The resource named does not exist (or is not visible to this account).
    NotFound,
    /// The role lacks a permission, a key policy refuses, or the credentials are bad.
    Denied,
    /// AWS asked to slow down.
    Throttled,
    /// The request itself is wrong for this resource or its state: sending it
    /// again unchanged fails the same way.
    Invalid,
    /// AWS could not be reached or failed on its side.
    Unavailable,
}

impl FailureClass {
    /// Whether the same call may succeed later, so the invocation should fail
    /// and the platform retry it.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Throttled | Self::Unavailable)
    }

    /// A stable name, shown as Lambda's `errorType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "NotFound",
            Self::Denied => "AccessDenied",
            Self::Throttled => "Throttled",
            Self::Invalid => "InvalidRequest",
            Self::Unavailable => "ServiceUnavailable",
        }
    }

    /// The class of a service's error code, and of its HTTP status where the
    /// code says nothing. The throttling and transient codes are the SDK's own
    /// retry lists, so a call the SDK retried is classed as the SDK saw it.
    pub fn of(code: Option<&str>, status: Option<u16>) -> Self {
        use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
        if let Some(code) = code {
            // Query-protocol codes carry a prefix (AWS.SimpleQueueService.NonExistentQueue).
            let bare = code.rsplit('.').next().unwrap_or(code);
            if THROTTLING_ERRORS.contains(&bare) || bare.contains("Throttl") {
                return Self::Throttled;
            }
            if TRANSIENT_ERRORS.contains(&bare)
                || bare.starts_with("Internal")
                || bare.starts_with("ServiceUnavailable")
                || bare == "ServiceException"
            {
                return Self::Unavailable;
            }
            // A key that is missing, disabled or refusing is a configuration
            // problem of the caller's, not a missing resource of the call.
            if bare.starts_with("KMS") {
                return Self::Denied;
            }
            if bare.contains("NotFound")
                || bare.starts_with("NoSuch")
                || bare.contains("NonExistent")
                || bare.contains("DoesNotExist")
            {
                return Self::NotFound;
            }
            if bare.contains("AccessDenied")
                || bare.contains("Unauthorized")
                || bare.starts_with("Authorization")
                || matches!(
                    bare,
                    "AuthFailure"
                        | "UnrecognizedClientException"
                        | "InvalidClientTokenId"
                        | "ExpiredToken"
                        | "ExpiredTokenException"
                        | "SignatureDoesNotMatch"
                        | "InvalidSignatureException"
                        | "MissingAuthenticationToken"
                        | "OptInRequired"
                )
            {
                return Self::Denied;
            }
        }
        match status {
            Some(404) => Self::NotFound,
            Some(401 | 403) => Self::Denied,
            Some(429) => Self::Throttled,
            Some(s) if s >= 500 => Self::Unavailable,
            Some(_) => Self::Invalid,
            // No answer from AWS at all.
            None if code.is_none() => Self::Unavailable,
            None => Self::Invalid,
        }
    }
}

impl std::fmt::Display for FailureClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failed AWS call: which operation, its class, and the service's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {detail}")]
pub struct AwsFailure {
    /// `service:Action`, as IAM names it.
    pub operation: String,
    pub class: FailureClass,
    /// The service's error code, when it sent one.
    pub code: Option<String>,
    detail: String,
}

impl AwsFailure {
    /// A failure reported by a service inside a successful answer (a batch
    /// entry's code and message).
    pub fn from_code(operation: impl Into<String>, code: &str, message: Option<&str>) -> Self {
        Self {
            operation: operation.into(),
            class: FailureClass::of(Some(code), None),
            code: Some(code.to_owned()),
            detail: match message {
                Some(m) if !m.is_empty() => format!("{code}: {m}"),
                _ => code.to_owned(),
            },
        }
    }

    /// A call refused before it was sent: the request cannot be right for
    /// this resource.
    pub fn refused(operation: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            operation: operation.into(),
            class: FailureClass::Invalid,
            code: None,
            detail: detail.into(),
        }
    }

    /// The same failure in words of the caller's, for a case it knows better
    /// than the service says it (a missing queue named as the user wrote it).
    pub fn explained(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn is_retryable(&self) -> bool {
        self.class.is_retryable()
    }
}

/// Reports and notifications carry failures as the sentence they read as.
impl From<AwsFailure> for String {
    fn from(f: AwsFailure) -> Self {
        f.to_string()
    }
}

/// An SDK failure, classified: `<operation> failed: <code>: <message>`, or
/// the error's context in one line when the service sent no code (a timeout,
/// a connection refused).
pub fn failure<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> AwsFailure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let class = match err {
        SdkError::ConstructionFailure(_) => FailureClass::Invalid,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            FailureClass::Unavailable
        }
        _ => FailureClass::of(err.code(), status),
    };
    let detail = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(err).to_string(),
    };
    AwsFailure {
        operation: operation.to_owned(),
        class,
        code: err.code().map(str::to_owned),
        detail,
    }
}

/// The `errorType` Lambda reports for a failed invocation: the function's
/// own kind of failure and, when an AWS call's failure caused it, that
/// failure's class (`PublishFailed.Throttled`). The class is what the
/// on-failure destination and the logs need to tell a failure worth
/// retrying (`Throttled`, `ServiceUnavailable`) from one that is not.
pub fn error_type(kind: &str, class: Option<FailureClass>) -> String {
    match class {
        Some(class) => format!("{kind}.{}", class.as_str()),
        None => kind.to_owned(),
    }
}

/// Implements `From<$error> for lambda_runtime::Diagnostic` for an error
/// type with `kind()` and `class()` methods, so Lambda reports a stable
/// `errorType` that carries the failure's class ([`error_type`]).
#[macro_export]
macro_rules! lambda_diagnostic {
    ($error:ty) => {
        impl From<$error> for lambda_runtime::Diagnostic {
            fn from(err: $error) -> Self {
                lambda_runtime::Diagnostic {
                    error_type: $crate::aws::error_type(err.kind(), err.class()),
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
    fn the_error_type_carries_the_class_when_aws_caused_the_failure() {
        assert_eq!(
            error_type("PublishFailed", Some(FailureClass::Throttled)),
            "PublishFailed.Throttled"
        );
        assert_eq!(error_type("InvalidInput", None), "InvalidInput");
    }

    #[test]
    fn no_endpoint_means_aws_itself() {
        let settings =
            AwsSettings::from_env(&Env::from_pairs([(REGION, "us-east-1")])).expect("valid");
        assert_eq!(settings.endpoint_url, None);
    }

    #[test]
    fn failures_are_classed_by_code_then_status() {
        use FailureClass::*;
        for (code, status, want) in [
            (Some("ThrottlingException"), Some(400), Throttled),
            (
                Some("AWS.SimpleQueueService.RequestThrottled"),
                Some(403),
                Throttled,
            ),
            (Some("RequestLimitExceeded"), Some(503), Throttled),
            (
                Some("AWS.SimpleQueueService.NonExistentQueue"),
                Some(400),
                NotFound,
            ),
            (Some("DBInstanceNotFound"), Some(404), NotFound),
            (Some("ClusterNotFoundException"), Some(400), NotFound),
            (Some("AccessDeniedException"), Some(400), Denied),
            (Some("UnauthorizedOperation"), Some(403), Denied),
            (Some("AuthorizationError"), Some(403), Denied),
            (Some("InternalFailure"), Some(500), Unavailable),
            (Some("ServiceUnavailable"), Some(503), Unavailable),
            (Some("ValidationError"), Some(400), Invalid),
            (Some("KMSNotFoundException"), Some(400), Denied),
            (Some("KMSThrottlingException"), Some(400), Throttled),
            (Some("InvalidDBInstanceState"), Some(400), Invalid),
            (Some("SomethingNew"), Some(502), Unavailable),
            (None, Some(404), NotFound),
            (None, None, Unavailable),
        ] {
            assert_eq!(FailureClass::of(code, status), want, "{code:?} {status:?}");
        }
        assert!(Throttled.is_retryable() && Unavailable.is_retryable());
        assert!(!NotFound.is_retryable() && !Denied.is_retryable() && !Invalid.is_retryable());
    }

    #[test]
    fn a_batch_entry_failure_reads_as_a_sentence() {
        let f = AwsFailure::from_code(
            "sqs:SendMessageBatch",
            "InvalidParameterValue",
            Some("too long"),
        );
        assert_eq!(
            f.to_string(),
            "sqs:SendMessageBatch failed: InvalidParameterValue: too long"
        );
        assert_eq!(f.class, FailureClass::Invalid);
    }

    #[test]
    fn endpoint_without_scheme_is_rejected_by_name() {
        let env = Env::from_pairs([(ENDPOINT_URL, "127.0.0.1:5000")]);
        let err = AwsSettings::from_env(&env).expect_err("no scheme");
        assert!(err.to_string().contains("AWS_ENDPOINT_URL"), "{err}");
    }
}
