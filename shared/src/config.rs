//! Typed configuration from environment variables.
//!
//! Each function reads its `Config` once, at start-up, through an [`Env`]. A
//! missing or malformed variable fails start-up with a [`ConfigError`] naming
//! the variable and what was expected, so a bad deployment is visible in the
//! first log line instead of at the first event.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::str::FromStr;

/// Variables every function reads.
pub mod vars {
    /// ARN of the SNS topic notifications are published to.
    pub const TOPIC_ARN: &str = "NOTIFY_TOPIC_ARN";
    /// Name of the deployment environment (`staging`, `production`, ...), sent with every notification.
    pub const ENVIRONMENT: &str = "ENVIRONMENT";
    /// `true` makes every mutating action return its plan instead of running it.
    pub const DRY_RUN: &str = "DRY_RUN";
    /// Namespace of the CloudWatch metrics emitted as EMF.
    pub const METRICS_NAMESPACE: &str = "METRICS_NAMESPACE";
}

/// Namespace used for EMF metrics when `METRICS_NAMESPACE` is not set.
pub const DEFAULT_METRICS_NAMESPACE: &str = "OpsAutomation";

/// A configuration problem found at start-up.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {variable} is not set: expected {expected}")]
    Missing {
        variable: String,
        expected: &'static str,
    },
    #[error("environment variable {variable} is invalid: expected {expected}, found {found:?}")]
    Invalid {
        variable: String,
        expected: &'static str,
        found: String,
    },
}

/// A read-only view of the environment. Tests build one from pairs instead of
/// touching the process environment.
#[derive(Debug, Clone)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    /// The process environment, as it is now.
    pub fn process() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    /// An environment holding exactly these variables.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The variable's value; unset and empty are the same (Terraform renders
    /// optional variables as empty strings).
    pub fn optional(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// A comma-separated list (`a, b,c`): each item trimmed, empty items
    /// dropped; empty when the variable is unset or empty.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.optional(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The variable's value, or an error naming it and what was expected.
    pub fn required(&self, name: &str, expected: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or_else(|| ConfigError::Missing {
            variable: name.to_owned(),
            expected,
        })
    }

    /// The variable parsed as `T`, if set.
    pub fn parse<T: FromStr>(
        &self,
        name: &str,
        expected: &'static str,
    ) -> Result<Option<T>, ConfigError> {
        self.optional(name)
            .map(|raw| raw.parse::<T>().map_err(|_| invalid(name, expected, &raw)))
            .transpose()
    }

    /// The variable parsed as `T` and within `range`, if set; a value
    /// outside it is refused with `expected` (which should name the range).
    pub fn in_range<T: FromStr + PartialOrd + std::fmt::Display>(
        &self,
        name: &str,
        range: RangeInclusive<T>,
        expected: &'static str,
    ) -> Result<Option<T>, ConfigError> {
        match self.parse::<T>(name, expected)? {
            Some(value) if !range.contains(&value) => {
                Err(invalid(name, expected, &value.to_string()))
            }
            value => Ok(value),
        }
    }

    /// A boolean flag: `true/false`, `1/0`, `yes/no`, `on/off`, any case.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => match raw.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(invalid(name, "true or false", &raw)),
            },
        }
    }

    /// A required ARN (`arn:partition:service:region:account:resource`).
    pub fn arn(&self, name: &str, service: &'static str) -> Result<String, ConfigError> {
        let raw = self.required(name, "an ARN")?;
        if is_arn_of(&raw, service) {
            Ok(raw)
        } else if raw.starts_with("arn:") {
            Err(invalid(name, "an ARN of the right service", &raw))
        } else {
            // Not an ARN at all: it may be the very secret the ARN should
            // point to (a pasted webhook URL, a password), so it is not shown.
            Err(ConfigError::Invalid {
                variable: name.to_owned(),
                expected: "an ARN",
                found: "a value that is not an ARN (not shown)".to_owned(),
            })
        }
    }
}

/// Whether `value` is shaped like an ARN of `service` (`arn:aws:sns:...`).
pub fn is_arn_of(value: &str, service: &str) -> bool {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && parts[2] == service
        && !parts[5].is_empty()
}

fn invalid(name: &str, expected: &'static str, raw: &str) -> ConfigError {
    // Config values are not secrets, but a pasted value can be huge: keep the
    // error one readable line.
    let mut found: String = raw.chars().take(80).collect();
    if raw.chars().count() > 80 {
        found.push('…');
    }
    ConfigError::Invalid {
        variable: name.to_owned(),
        expected,
        found,
    }
}

/// The settings every function has: where notifications go and how they are labelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    pub topic_arn: String,
    pub environment: String,
    pub dry_run: bool,
    pub metrics_namespace: String,
}

impl Common {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            topic_arn: env.arn(vars::TOPIC_ARN, "sns")?,
            environment: env
                .optional(vars::ENVIRONMENT)
                .unwrap_or_else(|| "default".to_owned()),
            dry_run: env.flag(vars::DRY_RUN, false)?,
            metrics_namespace: env
                .optional(vars::METRICS_NAMESPACE)
                .unwrap_or_else(|| DEFAULT_METRICS_NAMESPACE.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_outside_its_range_is_refused_naming_the_range() {
        let env = Env::from_pairs([("N", "0"), ("M", "7"), ("X", "seven")]);
        let err = env
            .in_range::<u32>("N", 1..=100, "1 to 100")
            .expect_err("0");
        assert!(
            err.to_string().contains("N") && err.to_string().contains("1 to 100"),
            "{err}"
        );
        assert_eq!(
            env.in_range::<u32>("M", 1..=100, "1 to 100").ok(),
            Some(Some(7))
        );
        assert!(env.in_range::<u32>("X", 1..=100, "1 to 100").is_err());
        assert_eq!(
            env.in_range::<u32>("UNSET", 1..=100, "1 to 100").ok(),
            Some(None)
        );
    }

    #[test]
    fn a_list_is_trimmed_and_drops_empty_items() {
        let env = Env::from_pairs([("L", " a, b ,,c, "), ("E", "  ")]);
        assert_eq!(env.list("L"), ["a", "b", "c"]);
        assert!(env.list("E").is_empty());
        assert!(env.list("UNSET").is_empty());
    }

    const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:ops";

    #[test]
    fn missing_variable_names_it_and_what_was_expected() {
        let err = Common::from_env(&Env::from_pairs([("ENVIRONMENT", "dev")]))
            .expect_err("topic is required");
        assert_eq!(
            err.to_string(),
            "environment variable NOTIFY_TOPIC_ARN is not set: expected an ARN"
        );
    }

    #[test]
    fn empty_variable_counts_as_unset() {
        let env = Env::from_pairs([("NOTIFY_TOPIC_ARN", "  ")]);
        assert!(matches!(
            Common::from_env(&env),
            Err(ConfigError::Missing { .. })
        ));
    }

    #[test]
    fn arn_of_another_service_is_rejected() {
        let env = Env::from_pairs([("NOTIFY_TOPIC_ARN", "arn:aws:sqs:eu-west-1:123456789012:q")]);
        let err = Common::from_env(&env).expect_err("sqs arn is not a topic");
        assert!(
            err.to_string().contains("NOTIFY_TOPIC_ARN is invalid"),
            "{err}"
        );
    }

    #[test]
    fn common_config_reads_defaults() {
        let cfg = Common::from_env(&Env::from_pairs([("NOTIFY_TOPIC_ARN", TOPIC)])).expect("valid");
        assert_eq!(
            cfg,
            Common {
                topic_arn: TOPIC.into(),
                environment: "default".into(),
                dry_run: false,
                metrics_namespace: DEFAULT_METRICS_NAMESPACE.into(),
            }
        );
    }

    #[test]
    fn flags_accept_common_spellings_and_reject_others() {
        for (raw, want) in [
            ("TRUE", true),
            ("1", true),
            ("on", true),
            ("No", false),
            ("0", false),
        ] {
            let env = Env::from_pairs([("DRY_RUN", raw)]);
            assert_eq!(env.flag("DRY_RUN", !want), Ok(want), "{raw}");
        }
        let env = Env::from_pairs([("DRY_RUN", "maybe")]);
        assert_eq!(
            env.flag("DRY_RUN", false),
            Err(ConfigError::Invalid {
                variable: "DRY_RUN".into(),
                expected: "true or false",
                found: "maybe".into()
            })
        );
    }

    #[test]
    fn parse_reports_the_bad_value_shortened() {
        let long = "x".repeat(200);
        let env = Env::from_pairs([("MAX", long.as_str())]);
        let err = env
            .parse::<u32>("MAX", "a whole number")
            .expect_err("not a number");
        let ConfigError::Invalid { found, .. } = err else {
            panic!("expected invalid");
        };
        assert_eq!(found.chars().count(), 81);
        assert_eq!(env.parse::<u32>("UNSET", "n"), Ok(None));
    }

    #[test]
    fn arn_shape_is_checked() {
        assert!(is_arn_of(TOPIC, "sns"));
        assert!(is_arn_of("arn:aws-cn:sns:cn-north-1:123456789012:t", "sns"));
        assert!(!is_arn_of("arn:aws:sns:eu-west-1:123456789012", "sns"));
        assert!(!is_arn_of("ops-topic", "sns"));
    }
}
