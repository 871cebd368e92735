use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use shared::config::Common;
use shared::{ConfigError, Env};

use crate::check::SqlCheck;

/// Variable names read by this function (besides the common ones).
pub mod vars {
    /// Tag that marks a resource as protected; its value is the RPO in hours
    /// (or empty for the default). RDS instances and EBS volumes are found by it.
    pub const TAG_KEY: &str = "BACKUP_TAG_KEY";
    /// Comma-separated ARNs verified whether tagged or not (any resource AWS Backup protects).
    pub const RESOURCE_ARNS: &str = "RESOURCE_ARNS";
    pub const DEFAULT_RPO_HOURS: &str = "DEFAULT_RPO_HOURS";
    pub const MIN_RETENTION_DAYS: &str = "MIN_RETENTION_DAYS";
    /// Hours a copy may take beyond the RPO (it starts after its backup).
    pub const COPY_GRACE_HOURS: &str = "COPY_GRACE_HOURS";
    /// When set, backups that AWS Backup encrypts with its vault's key (the
    /// resource types it fully manages: DynamoDB with advanced backup, EFS,
    /// S3, ...) must use exactly this key. RDS and EBS backups keep their
    /// source's key, which is what they are held to.
    pub const EXPECTED_KMS_KEY_ARN: &str = "EXPECTED_KMS_KEY_ARN";
    /// The key each named resource's backups must use, as JSON
    /// `{"<resource ARN>": "<key ARN or id>"}`: wins over the defaults.
    pub const EXPECTED_KMS_KEYS: &str = "EXPECTED_KMS_KEYS";
    /// Restore checks as JSON (see `Validation`), or a file holding them.
    pub const VALIDATIONS: &str = "RESTORE_VALIDATIONS";
    pub const VALIDATIONS_FILE: &str = "RESTORE_VALIDATIONS_FILE";
    pub const VALIDATION_TIMEOUT_SECONDS: &str = "VALIDATION_TIMEOUT_SECONDS";
    /// Instance class of the instance added to a restored cluster for its
    /// checks (AWS Backup restores a cluster without any).
    pub const VALIDATION_INSTANCE_CLASS: &str = "VALIDATION_INSTANCE_CLASS";
    /// CA bundle the restored database's certificate must chain to.
    pub const CA_BUNDLE: &str = "DB_CA_BUNDLE";
    /// Where backups are looked for: `aws-backup`, `snapshots` or both
    /// (default), comma-separated. Accounts without AWS Backup say `snapshots`.
    pub const SOURCES: &str = "BACKUP_SOURCES";
}

/// How the checks of a restored database run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    /// Secret with `username` and `password` (a restored instance keeps the
    /// source's master credentials).
    pub secret_arn: String,
    #[serde(default)]
    pub dbname: Option<String>,
    /// `postgres` (default) or `mysql`.
    #[serde(default)]
    pub engine: Option<String>,
    pub checks: Vec<SqlCheck>,
}

/// The verifier's configuration, read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub common: Common,
    pub tag_key: String,
    pub resource_arns: Vec<String>,
    pub default_rpo_hours: u32,
    pub min_retention_days: u32,
    pub copy_grace_hours: u32,
    /// The vault key of fully managed resource types.
    pub kms_key: Option<String>,
    /// A key for each resource ARN, whatever its type.
    pub kms_keys: BTreeMap<String, String>,
    /// Keyed by the source resource's ARN or its name (DB identifier).
    pub validations: BTreeMap<String, Validation>,
    pub validation_timeout_seconds: u64,
    pub validation_instance_class: String,
    pub ca_bundle: PathBuf,
    /// Look at AWS Backup recovery points and jobs.
    pub use_aws_backup: bool,
    /// Look at native RDS and EBS snapshots.
    pub use_snapshots: bool,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let mut c = Config::new(Common::from_env(env)?);
        if let Some(key) = env.optional(vars::TAG_KEY) {
            c.tag_key = key;
        }
        c.resource_arns = env.list(vars::RESOURCE_ARNS);
        for arn in &c.resource_arns {
            if !arn.starts_with("arn:") {
                return Err(ConfigError::Invalid {
                    variable: vars::RESOURCE_ARNS.into(),
                    expected: "comma-separated ARNs",
                    found: arn.clone(),
                });
            }
        }
        if let Some(h) = env.parse::<u32>(vars::DEFAULT_RPO_HOURS, "hours, a whole number")? {
            c.default_rpo_hours = h;
        }
        if let Some(d) = env.parse::<u32>(vars::MIN_RETENTION_DAYS, "days, a whole number")? {
            c.min_retention_days = d;
        }
        if let Some(h) = env.parse::<u32>(vars::COPY_GRACE_HOURS, "hours, a whole number")? {
            c.copy_grace_hours = h;
        }
        c.kms_key = env.optional(vars::EXPECTED_KMS_KEY_ARN);
        if let Some(text) = env.optional(vars::EXPECTED_KMS_KEYS) {
            c.kms_keys = serde_json::from_str(&text).map_err(|e| ConfigError::Invalid {
                variable: vars::EXPECTED_KMS_KEYS.into(),
                expected: "{\"<resource ARN>\": \"<KMS key ARN or id>\"}",
                found: e.to_string(),
            })?;
        }
        let text = match (
            env.optional(vars::VALIDATIONS),
            env.optional(vars::VALIDATIONS_FILE),
        ) {
            (Some(t), _) => Some(t),
            (None, Some(path)) => {
                Some(
                    std::fs::read_to_string(&path).map_err(|e| ConfigError::Invalid {
                        variable: vars::VALIDATIONS_FILE.into(),
                        expected: "a readable JSON file",
                        found: format!("{path}: {e}"),
                    })?,
                )
            }
            (None, None) => None,
        };
        if let Some(text) = text {
            c.validations = serde_json::from_str(&text).map_err(|e| ConfigError::Invalid {
                variable: vars::VALIDATIONS.into(),
                expected: "{\"<resource ARN or name>\": {\"secret_arn\", \"checks\": [{\"sql\", \"min_rows\" or \"equals\"}]}}",
                found: e.to_string(),
            })?;
        }
        if let Some(s) = env.parse::<u64>(vars::VALIDATION_TIMEOUT_SECONDS, "seconds")? {
            c.validation_timeout_seconds = s;
        }
        if let Some(class) = env.optional(vars::VALIDATION_INSTANCE_CLASS) {
            c.validation_instance_class = class;
        }
        if let Some(ca) = env.optional(vars::CA_BUNDLE) {
            c.ca_bundle = PathBuf::from(ca);
        }
        let sources = env.list(vars::SOURCES);
        if !sources.is_empty() {
            c.use_aws_backup = false;
            c.use_snapshots = false;
            for source in &sources {
                match source.as_str() {
                    "aws-backup" => c.use_aws_backup = true,
                    "snapshots" => c.use_snapshots = true,
                    other => {
                        return Err(ConfigError::Invalid {
                            variable: vars::SOURCES.into(),
                            expected: "aws-backup, snapshots or both, comma-separated",
                            found: other.to_owned(),
                        });
                    }
                }
            }
        }
        Ok(c)
    }

    pub fn new(common: Common) -> Self {
        Config {
            common,
            tag_key: "backup:rpo-hours".into(),
            resource_arns: Vec::new(),
            default_rpo_hours: 24,
            min_retention_days: 7,
            copy_grace_hours: 12,
            kms_key: None,
            kms_keys: BTreeMap::new(),
            validations: BTreeMap::new(),
            validation_timeout_seconds: 60,
            // Burstable and the smallest class Aurora PostgreSQL and MySQL
            // both offer: a check copy needs no more.
            validation_instance_class: "db.t4g.medium".into(),
            ca_bundle: PathBuf::from("/var/task/rds-global-bundle.pem"),
            use_aws_backup: true,
            use_snapshots: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validations_and_arns_are_read_and_checked() {
        let env = Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t"),
            (
                "RESOURCE_ARNS",
                "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
            ),
            (
                "RESTORE_VALIDATIONS",
                r#"{"orders-db": {"secret_arn": "arn:aws:secretsmanager:us-east-1:1:secret:x", "checks": [{"sql": "SELECT 1", "min_rows": 1}]}}"#,
            ),
        ]);
        let c = Config::from_env(&env).expect("valid");
        assert_eq!(c.validations["orders-db"].checks.len(), 1);
        assert_eq!(c.default_rpo_hours, 24);
        let bad = Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t"),
            ("RESTORE_VALIDATIONS", r#"{"x": {"checks": []}}"#),
        ]);
        let only = Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t"),
            ("BACKUP_SOURCES", "snapshots"),
        ]);
        let c = Config::from_env(&only).expect("valid");
        assert!(c.use_snapshots && !c.use_aws_backup);
        let err = Config::from_env(&bad).expect_err("no secret");
        assert!(
            err.to_string().contains("RESTORE_VALIDATIONS")
                && err.to_string().contains("secret_arn"),
            "{err}"
        );
    }

    #[test]
    fn keys_per_resource_are_read_and_checked() {
        let arn = "arn:aws:rds:us-east-1:1:db:orders";
        let keys = format!(r#"{{"{arn}": "key-1"}}"#);
        let env = Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t"),
            ("EXPECTED_KMS_KEYS", keys.as_str()),
        ]);
        let c = Config::from_env(&env).expect("valid");
        assert_eq!(c.kms_keys[arn], "key-1");
        let bad = Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t"),
            ("EXPECTED_KMS_KEYS", r#"["key-1"]"#),
        ]);
        let err = Config::from_env(&bad).expect_err("not a map");
        assert!(err.to_string().contains("EXPECTED_KMS_KEYS"), "{err}");
    }
}
