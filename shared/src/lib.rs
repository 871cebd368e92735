//! What every function of the suite shares.
//!
//! - [`config`]: typed environment configuration, read once at start-up.
//! - [`aws`]: SDK configuration that honours `AWS_ENDPOINT_URL` and `AWS_REGION`,
//!   so one binary runs against AWS or a local emulator unchanged.
//! - [`notification`]: the one [`Notification`] type sent to SNS; [`publish`]: its
//!   publisher (single, batched, or planned in a dry run).
//! - [`logging`]: JSON logs through `tracing`, and values that never format.
//! - [`redact`]: masking secrets and personal data in what a person reads.
//! - [`metrics`]: CloudWatch Embedded Metric Format lines on stdout.
//! - `db` (feature `db`): TLS-verified database connections.
//! - [`invocation`]: one invocation's deadline and function ARN (partition, account).
//! - [`input`]: reading a payload into a function's trigger; bad input refused in one way.
//! - [`events`]: the events the suite itself emits to EventBridge.
//! - [`report`]: the dry-run convention and the common [`Report`] shape.

pub mod aws;
pub mod config;
#[cfg(feature = "db")]
pub mod db;
pub mod events;
pub mod input;
pub mod invocation;
pub mod logging;
pub mod metrics;
pub mod notification;
pub mod publish;
pub mod redact;
pub mod report;

pub use config::{ConfigError, Env};
pub use invocation::Invocation;
pub use notification::{Notification, PublishError, Publisher, Severity};
pub use redact::Redactor;
pub use report::{Report, dry_run};
