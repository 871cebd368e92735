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
pub mod secret;
mod sm;
pub mod step;

pub use config::{Config, vars};
pub use error::Error;
pub use input::{Rotation, Trigger};
pub use step::Step;

use aws_sdk_secretsmanager::Client;
use serde_json::json;
use shared::metrics::Metrics;
use shared::report::Entry;
use shared::{Notification, Publisher, Report, Severity};
use tracing::{Instrument, info, info_span, warn};

use crate::secret::{Engine, SecretValue, Tls, original_user, other_user};
use shared::db::{self as dbconn, Dialect, Server};

/// The name this function goes by: crate, binary, Terraform resources.
pub const FUNCTION: &str = "secret-rotator";

use crate::master::{master_for, master_login};
use crate::sm::{Sm, random};
use crate::step::{CURRENT, Move, PENDING, PREVIOUS, Precheck, Versions};

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

async fn run_step(event: &Rotation, deps: &Deps, report: &mut Report) -> Result<(), Error> {
    let step = event.step;
    let sm = Sm::new(&deps.secrets, step, &event.secret_id);
    let token = event.token.as_str();
    let versions = sm.versions_checked().await?;
    match step::precheck(step, &versions, token) {
        Precheck::AlreadyCurrent => {
            info!("the version is already AWSCURRENT: nothing to do");
            report.skipped(token, "already AWSCURRENT: this rotation is complete");
            return Ok(());
        }
        Precheck::Refuse(problem) => {
            return Err(Error::Rotation {
                step: step.as_str(),
                problem,
            });
        }
        Precheck::Proceed => {}
    }
    if report.dry_run {
        report.planned(Entry::new(token).action(format!("{step}: {}", step.plan())));
        return Ok(());
    }
    match step {
        Step::Create => create(&sm, token, deps, report).await,
        Step::Set => set(&sm, token, &versions, deps, report).await,
        Step::Test => test(&sm, token, deps, report).await,
        Step::Finish => finish(&sm, token, &versions, report).await,
    }
}

/// createSecret: a new value staged AWSPENDING under the token, unless one is there.
async fn create(sm: &Sm<'_>, token: &str, deps: &Deps, report: &mut Report) -> Result<(), Error> {
    let current = sm.required(CURRENT, None).await?;
    if sm.value(PENDING, Some(token)).await?.is_some() {
        report.skipped(token, "the pending value exists already");
        return Ok(());
    }
    let engine = current.engine().map_err(|p| sm.bad(p))?;
    let secret = random(sm, deps).await?;
    let pending = match engine {
        Engine::Token => current.with_token(&secret),
        Engine::Postgres | Engine::MySql => {
            let user = current.username().map_err(|p| sm.bad(p))?;
            let next_user = match current.master_arn() {
                Some(_) => other_user(user, engine).map_err(|p| sm.bad(p))?,
                None => user.to_owned(),
            };
            current.with_credentials(&next_user, &secret)
        }
    };
    sm.client
        .put_secret_value()
        .secret_id(sm.id)
        .client_request_token(token)
        .secret_string(pending.to_json())
        .version_stages(PENDING)
        .send()
        .await
        .map_err(|e| sm.fail("PutSecretValue", &e))?;
    info!("new value staged AWSPENDING");
    report.did(Entry::new(token).action("created the pending value"));
    Ok(())
}

fn server<'a>(secret: &'a SecretValue, sm: &Sm<'_>, deps: &'a Deps) -> Result<Server<'a>, Error> {
    let engine = secret.engine().map_err(|p| sm.bad(p))?;
    let tls = secret.tls().map_err(|p| sm.bad(p))?;
    if tls == Tls::Disabled {
        warn!("the secret opts out of TLS: this connection is plaintext");
    }
    Ok(Server {
        dialect: if engine == Engine::Postgres {
            Dialect::Postgres
        } else {
            Dialect::MySql
        },
        host: secret.host().map_err(|p| sm.bad(p))?,
        port: secret.port(engine).map_err(|p| sm.bad(p))?,
        dbname: secret.dbname(),
        tls,
        ca_bundle: &deps.config.ca_bundle,
    })
}

fn db_error(step: &'static str, problem: impl std::fmt::Display) -> Error {
    Error::Database {
        step,
        problem: problem.to_string(),
    }
}

/// setSecret: the database gets the pending password.
async fn set(
    sm: &Sm<'_>,
    token: &str,
    versions: &Versions,
    deps: &Deps,
    report: &mut Report,
) -> Result<(), Error> {
    let pending = sm.required(PENDING, Some(token)).await?;
    let engine = pending.engine().map_err(|p| sm.bad(p))?;
    if engine == Engine::Token {
        report.skipped(token, "a token has no database to set");
        return Ok(());
    }
    let target = server(&pending, sm, deps)?;
    let user = pending.username().map_err(|p| sm.bad(p))?;
    let password = pending.password().map_err(|p| sm.bad(p))?;

    // Checked against the server before anything is sent to it: not even the
    // pending login below goes to a server the master secret does not name.
    let master = master_for(sm, &pending, engine).await?;

    // Alternating users: the master makes the user whole every time, so a
    // step retried after a crash between the statements that make a clone
    // finishes the clone; a working login proves only the first of them.
    if let Some((master_arn, master)) = master {
        let mut conn = master_login(&target, sm, master_arn, &master).await?;
        let encrypted = conn.encrypted().await;
        db::set_user_password(&mut conn, original_user(user), user, password)
            .await
            .map_err(|p| db_error(sm.step, format!("setting the password of {user}: {p}")))?;
        conn.close().await;
        report.did(
            Entry::new(token)
                .action(format!("set the password of {user} as the master user"))
                .detail(json!({"tls": encrypted})),
        );
        return Ok(());
    }

    // Single user: one statement sets the password, so a login that works
    // means this step is done (a repeated or resumed step).
    if let Ok(conn) = dbconn::connect(&target, user, password).await {
        conn.close().await;
        report.skipped(token, "the database already accepts the pending password");
        return Ok(());
    }

    // Otherwise log in with any password the secret has held, newest first,
    // so a rotation resumed after a crash still gets in.
    let mut candidates: Vec<SecretValue> = Vec::new();
    for stage in [CURRENT, PREVIOUS] {
        if let Some(v) = sm.value(stage, None).await? {
            candidates.push(v);
        }
    }
    for version in step::older_versions(versions, token) {
        let fetched = sm
            .client
            .get_secret_value()
            .secret_id(sm.id)
            .version_id(&version)
            .send()
            .await;
        if let Ok(out) = fetched
            && let Ok(v) = SecretValue::parse(out.secret_string.as_deref().unwrap_or_default())
        {
            candidates.push(v);
        }
    }
    let mut last = String::from("the secret holds no earlier password");
    for candidate in &candidates {
        let Ok(old) = candidate.password() else {
            continue;
        };
        match dbconn::connect(&target, user, old).await {
            Ok(mut conn) => {
                let encrypted = conn.encrypted().await;
                db::set_own_password(&mut conn, password)
                    .await
                    .map_err(|p| {
                        db_error(
                            sm.step,
                            format!("{user} changing its own password: {}", p.masked(&[old])),
                        )
                    })?;
                conn.close().await;
                report.did(
                    Entry::new(token)
                        .action(format!("{user} set its own password"))
                        .detail(json!({"tls": encrypted})),
                );
                return Ok(());
            }
            Err(p) => last = p.masked(&[old, password]).to_string(),
        }
    }
    Err(db_error(
        sm.step,
        format!("cannot log in as {user} with any password the secret has held: {last}"),
    ))
}

/// testSecret: the pending credentials work.
async fn test(sm: &Sm<'_>, token: &str, deps: &Deps, report: &mut Report) -> Result<(), Error> {
    let pending = sm.required(PENDING, Some(token)).await?;
    let engine = pending.engine().map_err(|p| sm.bad(p))?;
    if engine == Engine::Token {
        if pending.token().is_none() {
            return Err(sm.bad("the pending token is empty"));
        }
        report.did(Entry::new(token).action("checked the pending token"));
        return Ok(());
    }
    let target = server(&pending, sm, deps)?;
    let user = pending.username().map_err(|p| sm.bad(p))?;
    let password = pending.password().map_err(|p| sm.bad(p))?;
    let mut conn = dbconn::connect(&target, user, password)
        .await
        .map_err(|p| {
            db_error(
                sm.step,
                format!("logging in as {user} with the pending password: {p}"),
            )
        })?;
    conn.ping().await.map_err(|p| db_error(sm.step, p))?;
    let encrypted = conn.encrypted().await;
    conn.close().await;
    // A clone must be whole before finishSecret makes it current: checked
    // as the master, not assumed from a login that works.
    let original = original_user(user);
    if user != original
        && let Some((master_arn, master)) = master_for(sm, &pending, engine).await?
    {
        let mut as_master = master_login(&target, sm, master_arn, &master).await?;
        let gaps = db::clone_gaps(&mut as_master, original, user)
            .await
            .map_err(|p| db_error(sm.step, format!("checking {user} against {original}: {p}")));
        as_master.close().await;
        let gaps = gaps?;
        if !gaps.is_empty() {
            return Err(Error::Rotation {
                step: sm.step,
                problem: format!(
                    "{user} cannot stand in for {original} yet, so AWSCURRENT stays where it is \
                     (setSecret makes it whole when it runs again): {}",
                    gaps.join("; ")
                ),
            });
        }
    }
    report.did(
        Entry::new(token)
            .action(format!("logged in as {user} with the pending password"))
            .detail(json!({"tls": encrypted})),
    );
    Ok(())
}

/// finishSecret: AWSCURRENT moves to the new version; the old one becomes AWSPREVIOUS.
async fn finish(
    sm: &Sm<'_>,
    token: &str,
    versions: &Versions,
    report: &mut Report,
) -> Result<(), Error> {
    let current = step::holder(versions, CURRENT);
    sm.move_stage(&Move {
        stage: CURRENT,
        to: Some(token.to_owned()),
        from: current.clone(),
    })
    .await?;
    // Secrets Manager moves AWSPREVIOUS itself; say it explicitly where it did not.
    if current.is_some() {
        let after = sm.versions().await?;
        for m in step::after_current_moved(&after, token, current.as_deref()) {
            sm.move_stage(&m).await?;
        }
    }
    info!(previous = ?current, "AWSCURRENT moved to the new version");
    report.did(Entry::new(token).action("AWSCURRENT moved here; the old version is AWSPREVIOUS"));
    Ok(())
}
