//! secret-rotator: the Secrets Manager four-step rotation (createSecret,
//! setSecret, testSecret, finishSecret) for PostgreSQL and MySQL/MariaDB
//! credentials, single-user or alternating users, and for application tokens.
//!
//! **Trigger:** Secrets Manager rotation, `{"SecretId", "ClientRequestToken",
//! "Step"}`. Every step checks that rotation is enabled and the token is a
//! version of the secret staged AWSPENDING (or already AWSCURRENT: then it
//! does nothing), and is safe to repeat or resume after a crash at any point.
//!
//! **Strategies:** without `masterarn` the user changes its own password;
//! with `masterarn` the master secret's user sets the password of whichever
//! of `user` / `user_clone` is not current, creating the clone on first use
//! with the original's privileges (PostgreSQL: a member of the original role
//! that acts as it, so objects created by either stay usable by both).
//! `engine: token` secrets get a new random `token`; the previous value stays
//! readable as AWSPREVIOUS for overlap.
//!
//! **TLS:** certificates are verified against `DB_CA_BUNDLE` with the host
//! name checked; plaintext only when the secret says `"tls": "disable"`, and
//! the step's log says so.
//!
//! **Dry run:** with `DRY_RUN=true` every step checks the secret and the
//! version, says what it would do, and changes nothing.
//!
//! **Try it:** `cargo lambda invoke secret-rotator --data-file
//! events/secret-rotator/secretsmanager_create-secret.json` (after creating
//! the secret the event names).
//!
//! **Environment:** `NOTIFY_TOPIC_ARN` (required), `DB_CA_BUNDLE`, `DRY_RUN`,
//! `PASSWORD_LENGTH` (32), `PASSWORD_EXCLUDE_CHARACTERS`,
//! `PASSWORD_EXCLUDE_PUNCTUATION` (true), `NOTIFY_ON_SUCCESS` (false),
//! `ENVIRONMENT`, `METRICS_NAMESPACE`.
//!
//! **IAM:** `secretsmanager:DescribeSecret`, `secretsmanager:GetSecretValue`,
//! `secretsmanager:PutSecretValue`, `secretsmanager:UpdateSecretVersionStage`
//! on the rotated secrets,
//! `secretsmanager:GetSecretValue` on master secrets,
//! `secretsmanager:GetRandomPassword`, `sns:Publish`.
//!
//! Passwords and tokens never appear in logs, errors, notifications or the
//! returned report, nor in the database server's statement logs: see `db`.

mod config;
mod db;
mod error;
mod grants;
pub mod input;
mod master;
pub mod password_sql;
mod rotate;
pub mod secret;
mod sm;
pub mod step;

pub use config::{Config, vars};
pub use error::Error;
pub use input::{Rotation, Trigger};
pub use step::Step;

use aws_sdk_secretsmanager::Client;
use shared::metrics::Metrics;
use shared::{Notification, Publisher, Report, Severity};
use tracing::{Instrument, info_span, warn};

use crate::rotate::run_step;

/// The name this function goes by: crate, binary, Terraform resources.
pub const FUNCTION: &str = "secret-rotator";

/// What the handler needs, built once at start-up.
#[derive(Debug, Clone)]
pub struct Deps {
    pub config: Config,
    pub secrets: Client,
    pub publisher: Publisher,
}

/// One invocation: a payload read into its trigger, then handled.
pub async fn invoke(payload: serde_json::Value, deps: &Deps) -> Result<Report, Error> {
    let from_secrets_manager = Trigger::is_rotation_shaped(&payload);
    match Trigger::parse(payload) {
        Ok(trigger) => handle(trigger, deps).await,
        // The one exception to the bad-input policy: success would tell
        // Secrets Manager the step was done, and it would go on to the next
        // (finishSecret after an unread testSecret). The step fails, and a
        // person is told.
        Err(why) if from_secrets_manager => {
            warn!(reason = %why, "rotation event refused: the step fails");
            let n = Notification::new(
                Severity::Error,
                FUNCTION,
                &deps.config.common.environment,
                "a rotation event could not be read",
            )
            .summary(
                "The step was failed, so the rotation goes no further and AWSCURRENT is \
                 unchanged. Secrets Manager sends well-formed events: look for a hand-made \
                 invoke.",
            )
            .field("Why", why.to_string());
            if let Err(publish) = deps.publisher.publish(&n).await {
                warn!(error = %publish, "the refusal could not be published");
            }
            Err(Error::InvalidInput(why))
        }
        Err(why) => {
            Ok(shared::input::refuse(FUNCTION, &deps.config.common, &deps.publisher, &why).await?)
        }
    }
}

/// One rotation step. On failure a notification is published (naming the
/// secret, the step and the cause) and the error fails the invocation, so
/// Secrets Manager retries; AWSCURRENT is never moved by a failed step.
pub async fn handle(trigger: Trigger, deps: &Deps) -> Result<Report, Error> {
    let Trigger::Rotation(event) = trigger;
    let span =
        info_span!("rotation", secret = %event.secret_id, step = %event.step, token = %event.token);
    async move {
        let mut report = Report::new(FUNCTION, deps.config.common.dry_run);
        let mut metrics =
            Metrics::new(&deps.config.common.metrics_namespace).dimension("Function", FUNCTION);
        let outcome = run_step(&event, deps, &mut report).await;
        match &outcome {
            Ok(()) => {
                metrics.count("StepsSucceeded", 1);
                if event.step == Step::Finish
                    && deps.config.notify_on_success
                    && !report.done.is_empty()
                {
                    let n = notification(
                        Severity::Info,
                        &event,
                        "rotation finished",
                        "The new version is now AWSCURRENT; the old one is AWSPREVIOUS.",
                        deps,
                    );
                    deps.publisher.publish(&n).await?;
                }
            }
            Err(e) => {
                metrics.count("StepsFailed", 1);
                warn!(error = %e, "rotation step failed");
                let n = notification(
                    Severity::Error,
                    &event,
                    "rotation step failed",
                    &e.to_string(),
                    deps,
                );
                if let Err(publish) = deps.publisher.publish(&n).await {
                    warn!(error = %publish, "the failure notification could not be published");
                }
            }
        }
        metrics.emit();
        outcome.map(|()| report)
    }
    .instrument(span)
    .await
}

fn notification(
    severity: Severity,
    event: &Rotation,
    what: &str,
    summary: &str,
    deps: &Deps,
) -> Notification {
    let name = event
        .secret_id
        .rsplit(':')
        .next()
        .unwrap_or(&event.secret_id);
    Notification::new(
        severity,
        FUNCTION,
        &deps.config.common.environment,
        format!("Secret {name}: {what}"),
    )
    .summary(summary)
    .field("Secret", &event.secret_id)
    .field("Step", event.step.as_str())
    .field("Version", &event.token)
    .resource(event.secret_id.clone())
}
