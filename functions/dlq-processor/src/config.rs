use shared::config::Common;
use shared::{ConfigError, Env, Redactor};

use crate::classify::Grouping;

/// Variable names read by this function (besides the common ones).
pub mod vars {
    /// Message attribute naming a message's group (e.g. `errorType`).
    pub const GROUP_BY_ATTRIBUTE: &str = "GROUP_BY_ATTRIBUTE";
    /// Dotted path into JSON bodies naming a message's group (e.g. `error.type`).
    pub const GROUP_BY_FIELD: &str = "GROUP_BY_FIELD";
    /// How many messages an inspection peeks at (1-100, default 20).
    pub const INSPECT_SAMPLE: &str = "INSPECT_SAMPLE";
    /// Redrives after which a message is poison (default 3).
    pub const MAX_REDRIVES: &str = "MAX_REDRIVES";
    /// Queue (name or URL) that poison messages are moved to; unset: they stay in the DLQ.
    pub const PARKING_QUEUE: &str = "PARKING_QUEUE";
    /// Messages per second a redrive sends at most (default 20).
    pub const REDRIVE_RATE: &str = "REDRIVE_RATE";
    /// Messages one invocation moves at most (default 500).
    pub const MAX_PER_INVOCATION: &str = "MAX_PER_INVOCATION";
    /// Comma-separated DLQs (names or URLs) redriven on each scheduled event.
    pub const AUTO_REDRIVE_QUEUES: &str = "AUTO_REDRIVE_QUEUES";
    /// Milliseconds before the Lambda deadline at which a redrive stops (default
    /// 10000; never more than a quarter of the time left).
    pub const DEADLINE_MARGIN_MS: &str = "DEADLINE_MARGIN_MS";
}

/// The processor's configuration, read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub common: Common,
    pub grouping: Grouping,
    /// What summaries mask in bodies and group names (`REDACT_FIELDS` adds fields).
    pub redact: Redactor,
    pub inspect_sample: usize,
    pub max_redrives: u32,
    pub parking_queue: Option<String>,
    pub rate_per_second: u32,
    pub max_per_invocation: usize,
    pub auto_redrive: Vec<String>,
    pub deadline_margin_ms: u64,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let mut config = Config::new(Common::from_env(env)?);
        config.grouping = Grouping {
            attribute: env.optional(vars::GROUP_BY_ATTRIBUTE),
            field: env.optional(vars::GROUP_BY_FIELD),
        };
        config.redact = Redactor::from_env(env)?;
        if let Some(n) = env.in_range(
            vars::INSPECT_SAMPLE,
            1..=100,
            "a whole number from 1 to 100",
        )? {
            config.inspect_sample = n;
        }
        if let Some(n) =
            env.in_range(vars::MAX_REDRIVES, 1..=100, "a whole number from 1 to 100")?
        {
            config.max_redrives = n;
        }
        config.parking_queue = env.optional(vars::PARKING_QUEUE);
        if let Some(n) = env.in_range(
            vars::REDRIVE_RATE,
            1..=3000,
            "messages per second, 1 to 3000",
        )? {
            config.rate_per_second = n;
        }
        if let Some(n) = env.in_range(
            vars::MAX_PER_INVOCATION,
            1..=100_000,
            "a whole number from 1 to 100000",
        )? {
            config.max_per_invocation = n;
        }
        config.auto_redrive = env.list(vars::AUTO_REDRIVE_QUEUES);
        if let Some(ms) = env.parse::<u64>(vars::DEADLINE_MARGIN_MS, "milliseconds")? {
            config.deadline_margin_ms = ms;
        }
        Ok(config)
    }

    /// Defaults for everything but the common settings (tests and tools).
    pub fn new(common: Common) -> Self {
        Config {
            common,
            grouping: Grouping::default(),
            redact: Redactor::default(),
            inspect_sample: 20,
            max_redrives: 3,
            parking_queue: None,
            rate_per_second: 20,
            max_per_invocation: 500,
            auto_redrive: Vec::new(),
            deadline_margin_ms: 10_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_and_bounded() {
        let env = Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t"),
            ("GROUP_BY_FIELD", "error.type"),
            ("MAX_REDRIVES", "5"),
            ("AUTO_REDRIVE_QUEUES", "a-dlq, b-dlq"),
        ]);
        let c = Config::from_env(&env).expect("valid");
        assert_eq!(c.grouping.field.as_deref(), Some("error.type"));
        assert_eq!(c.max_redrives, 5);
        assert_eq!(c.auto_redrive, ["a-dlq", "b-dlq"]);
        assert_eq!(c.rate_per_second, 20);

        let env = Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t"),
            ("REDRIVE_RATE", "0"),
        ]);
        let err = Config::from_env(&env).expect_err("zero rate");
        assert!(err.to_string().contains("REDRIVE_RATE"), "{err}");
    }
}
