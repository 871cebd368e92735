use std::path::PathBuf;

use shared::config::Common;
use shared::{ConfigError, Env};

/// Variable names read by this function (besides the common ones).
pub mod vars {
    /// PEM bundle of the CAs database certificates must chain to (for RDS:
    /// the Amazon RDS global bundle, shipped in the function's package or a layer).
    pub const CA_BUNDLE: &str = "DB_CA_BUNDLE";
    /// Length of generated passwords and tokens (default 32).
    pub const PASSWORD_LENGTH: &str = "PASSWORD_LENGTH";
    /// Extra characters generated passwords never contain.
    pub const EXCLUDE_CHARACTERS: &str = "PASSWORD_EXCLUDE_CHARACTERS";
    /// `false` allows punctuation in generated passwords (default: letters and digits only).
    pub const EXCLUDE_PUNCTUATION: &str = "PASSWORD_EXCLUDE_PUNCTUATION";
    /// `true` also notifies when a rotation finishes (failures always notify).
    pub const NOTIFY_ON_SUCCESS: &str = "NOTIFY_ON_SUCCESS";
}

/// Where the Amazon RDS CA bundle is expected when `DB_CA_BUNDLE` is unset.
pub const DEFAULT_CA_BUNDLE: &str = "/var/task/rds-global-bundle.pem";

/// The rotator's configuration, read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub common: Common,
    pub ca_bundle: PathBuf,
    pub password_length: i64,
    pub exclude_characters: String,
    pub exclude_punctuation: bool,
    pub notify_on_success: bool,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let length = env
            .in_range::<i64>(
                vars::PASSWORD_LENGTH,
                16..=4096,
                "a whole number from 16 to 4096",
            )?
            .unwrap_or(32);
        Ok(Config {
            common: Common::from_env(env)?,
            ca_bundle: PathBuf::from(
                env.optional(vars::CA_BUNDLE)
                    .unwrap_or_else(|| DEFAULT_CA_BUNDLE.into()),
            ),
            password_length: length,
            exclude_characters: env.optional(vars::EXCLUDE_CHARACTERS).unwrap_or_default(),
            exclude_punctuation: env.flag(vars::EXCLUDE_PUNCTUATION, true)?,
            notify_on_success: env.flag(vars::NOTIFY_ON_SUCCESS, false)?,
        })
    }

    /// Defaults for everything but the common settings and the CA bundle.
    pub fn new(common: Common, ca_bundle: impl Into<PathBuf>) -> Self {
        Config {
            common,
            ca_bundle: ca_bundle.into(),
            password_length: 32,
            exclude_characters: String::new(),
            exclude_punctuation: true,
            notify_on_success: false,
        }
    }
}
