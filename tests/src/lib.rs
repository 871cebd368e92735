//! The local test environment: everything the integration tests,
//! `make demo` and `make bench` run against, on 127.0.0.1 only.
//!
//! - [`emulator`]: one moto server per test binary, and SDK configs for it.
//! - [`proxy`]: a fault-injecting HTTP proxy in front of the emulator.
//! - [`contract`]: every request held to AWS's API models and documented
//!   limits, by the proxy the emulator is reached through.
//! - [`postgres`] and [`mariadb`]: throwaway database servers with password
//!   authentication and TLS signed by a CA made for the test ([`tls`]).
//! - [`webhook`]: a local stand-in for a chat webhook.
//! - [`scaling`]: ECS services, Auto Scaling groups and RDS instances to schedule.
//! - [`queues`]: SQS queues with a dead-letter queue, filled the way failures fill them.
//! - [`rotation`]: secrets rotated step by step, as Secrets Manager does.
//! - [`names`]: unique resource names, so tests sharing an emulator never collide.
//! - [`runtime_api`]: a local Lambda Runtime API, to run a release bootstrap
//!   as Lambda does (`make bench`); [`http`]: the accept loop of the servers.
//! - [`terraform`]: offline validation of `terraform/` (provider schema,
//!   code-vs-IAM, EventBridge patterns).
//!
//! Nothing here skips quietly: a missing tool is a failure that says to run
//! `scripts/setup`.

pub mod contract;
pub mod emulator;
pub mod fixtures;
pub mod http;
pub mod mariadb;
pub mod names;
pub mod postgres;
pub mod process;
pub mod proxy;
pub mod queues;
pub mod raw_aws;
pub mod rotation;
pub mod runtime_api;
pub mod scaling;
pub mod terraform;
pub mod tls;
pub mod webhook;

use std::path::PathBuf;

/// The repository root (the workspace this crate belongs to).
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// A sample event from `events/<function>/<file>`.
pub fn sample_event(function: &str, file: &str) -> anyhow::Result<serde_json::Value> {
    let path = repo_root().join("events").join(function).join(file);
    let raw = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&raw).map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", path.display()))
}
