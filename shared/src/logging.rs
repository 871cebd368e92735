//! Structured JSON logs, and keeping secrets out of them.
//!
//! The level comes from `AWS_LAMBDA_LOG_LEVEL` (set by Lambda's advanced
//! logging controls), else `RUST_LOG`, else `info`. Secret-bearing values are
//! wrapped in [`Redacted`] or masked by a [`crate::Redactor`] before they reach
//! a log line, an error, a notification or a report.

use std::fmt;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

pub use crate::redact::REDACTED;

/// The filter directive in force: `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else `info`.
pub fn level_directive(lambda_level: Option<&str>, rust_log: Option<&str>) -> String {
    match (lambda_level, rust_log) {
        (Some(level), _) if !level.trim().is_empty() => level.trim().to_ascii_lowercase(),
        (_, Some(directive)) if !directive.trim().is_empty() => directive.trim().to_owned(),
        _ => "info".to_owned(),
    }
}

/// Installs the JSON subscriber writing to stdout. Call once, first thing in `main`.
pub fn init() {
    init_with_writer(std::io::stdout);
}

/// Installs the JSON subscriber writing to `writer` (tests capture logs this way).
/// A second call is ignored rather than failing.
pub fn init_with_writer<W>(writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let directive = level_directive(
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
        std::env::var("RUST_LOG").ok().as_deref(),
    );
    init_with(writer, &directive);
}

/// Installs the JSON subscriber with an explicit filter directive (`trace`,
/// `info,sqlx=debug`, ...). A second call is ignored rather than failing.
pub fn init_with<W>(writer: W, directive: &str)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(directive).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
        .try_init();
}

/// A value that must never be shown: formats as `[redacted]` with `{}` and `{:?}`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Redacted<T>(pub T);

impl<T> Redacted<T> {
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_log_level_wins_over_rust_log() {
        assert_eq!(level_directive(Some("DEBUG"), Some("warn")), "debug");
        assert_eq!(level_directive(None, Some("shared=trace")), "shared=trace");
        assert_eq!(level_directive(Some(" "), None), "info");
    }

    #[test]
    fn redacted_never_formats_its_value() {
        let secret = Redacted("hunter2".to_owned());
        assert_eq!(format!("{secret} {secret:?}"), "[redacted] [redacted]");
        assert_eq!(secret.expose(), "hunter2");
    }
}
