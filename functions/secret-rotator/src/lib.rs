//! secret-rotator: not implemented yet (issue #5).
//!
//! Trigger (planned): Secrets Manager rotation steps.
//!
//! Until it is built, every invocation fails with [`Error::NotImplemented`]
//! and takes no action, so a deployment that wires it early cannot believe it
//! worked.

/// Why an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "secret-rotator is not implemented yet: the event was not processed and no action was taken"
    )]
    NotImplemented,
}

/// Handles one invocation.
pub async fn handle(_event: serde_json::Value) -> Result<shared::Report, Error> {
    Err(Error::NotImplemented)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_event_is_refused_with_a_clear_error() {
        let err = handle(serde_json::json!({}))
            .await
            .expect_err("not implemented");
        assert!(err.to_string().contains("not implemented yet"));
    }
}
