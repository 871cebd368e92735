use shared::config::Common;
use shared::{ConfigError, Env, Redactor, Severity};

/// Variable names read by this function (besides the common ones).
pub mod vars {
    /// Notifications below this severity are not sent (default `INFO`: all).
    pub const MIN_SEVERITY: &str = "MIN_SEVERITY";
    /// Comma-separated event kinds never sent: a detail-type
    /// (`ECS Service Action`) or a detail-type and event name
    /// (`ECS Service Action/SERVICE_STEADY_STATE`).
    pub const MUTED_EVENTS: &str = "MUTED_EVENTS";
    /// ARN of a Secrets Manager secret holding a Slack incoming-webhook URL
    /// (the plain URL, or JSON with a `url` key). Unset: no Slack sink.
    pub const SLACK_WEBHOOK_SECRET_ARN: &str = "SLACK_WEBHOOK_SECRET_ARN";
}

/// The notifier's configuration, read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Topic, environment name, dry-run and metrics namespace.
    pub common: Common,
    pub min_severity: Severity,
    pub muted: Vec<String>,
    pub slack_secret_arn: Option<String>,
    /// What events no formatter knows are masked with before they are
    /// forwarded (`REDACT_FIELDS` adds fields).
    pub redact: Redactor,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let slack_secret_arn = match env.optional(vars::SLACK_WEBHOOK_SECRET_ARN) {
            Some(_) => Some(env.arn(vars::SLACK_WEBHOOK_SECRET_ARN, "secretsmanager")?),
            None => None,
        };
        Ok(Self {
            common: Common::from_env(env)?,
            min_severity: env
                .parse(vars::MIN_SEVERITY, "INFO, WARNING, ERROR or CRITICAL")?
                .unwrap_or(Severity::Info),
            muted: env.list(vars::MUTED_EVENTS),
            slack_secret_arn,
            redact: Redactor::from_env(env)?,
        })
    }

    /// A configuration that sends everything, for tests and tools.
    pub fn new(common: Common) -> Self {
        Self {
            common,
            min_severity: Severity::Info,
            muted: Vec::new(),
            slack_secret_arn: None,
            redact: Redactor::default(),
        }
    }

    /// Whether events of `kind` are muted: the whole detail-type, or the one
    /// event name under it.
    pub fn is_muted(&self, kind: &str) -> bool {
        self.muted.iter().any(|m| {
            kind.eq_ignore_ascii_case(m)
                || kind
                    .get(..m.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(m))
                    && kind[m.len()..].starts_with('/')
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:ops";

    #[test]
    fn routing_settings_are_read_and_checked() {
        let cfg = Config::from_env(&Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", TOPIC),
            ("MIN_SEVERITY", "warning"),
            (
                "MUTED_EVENTS",
                "ECS Service Action/SERVICE_STEADY_STATE, EC2 Instance-launch Lifecycle Action",
            ),
        ]))
        .expect("valid");
        assert_eq!(cfg.min_severity, Severity::Warning);
        assert!(cfg.is_muted("ECS Service Action/SERVICE_STEADY_STATE"));
        assert!(!cfg.is_muted("ECS Service Action/SERVICE_TASK_PLACEMENT_FAILURE"));
        assert!(cfg.is_muted("ec2 instance-launch lifecycle action"));
        assert_eq!(cfg.slack_secret_arn, None);

        let err = Config::from_env(&Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", TOPIC),
            ("MIN_SEVERITY", "loud"),
        ]))
        .expect_err("bad severity");
        assert!(err.to_string().contains("MIN_SEVERITY"), "{err}");
    }

    #[test]
    fn a_whole_detail_type_can_be_muted() {
        let mut cfg = Config::new(
            Common::from_env(&Env::from_pairs([("NOTIFY_TOPIC_ARN", TOPIC)])).expect("valid"),
        );
        cfg.muted = vec!["ECS Service Action".into()];
        assert!(cfg.is_muted("ECS Service Action/SERVICE_STEADY_STATE"));
        assert!(!cfg.is_muted("ECS Service Actions/X"));
    }

    #[test]
    fn slack_secret_must_be_a_secrets_manager_arn() {
        let err = Config::from_env(&Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", TOPIC),
            (
                "SLACK_WEBHOOK_SECRET_ARN",
                "https://hooks.slack.com/services/T/B/X",
            ),
        ]))
        .expect_err("a URL is not an ARN");
        assert!(
            err.to_string().contains("SLACK_WEBHOOK_SECRET_ARN"),
            "{err}"
        );
        // The value may be the secret itself: it must not be echoed.
        assert!(!err.to_string().contains("hooks.slack.com"), "{err}");
    }
}
