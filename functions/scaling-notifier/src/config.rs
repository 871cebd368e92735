use shared::config::Common;
use shared::{ConfigError, Env};

/// The notifier's configuration, read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Topic, environment name, dry-run and metrics namespace.
    pub common: Common,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            common: Common::from_env(env)?,
        })
    }
}
