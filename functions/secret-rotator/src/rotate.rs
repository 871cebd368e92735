//! The four steps as they act: on Secrets Manager through [`Sm`] and on the
//! database through `db`, after the pure checks of [`crate::step`].

use serde_json::json;
use shared::Report;
use shared::db::{self as dbconn, Dialect, Server};
use shared::report::Entry;
use tracing::{info, warn};

use crate::master::{master_for, master_login};
use crate::secret::{Engine, SecretValue, Tls, original_user, other_user};
use crate::sm::{Sm, random};
use crate::step::{self, CURRENT, Move, PENDING, PREVIOUS, Precheck, Step, Versions};
use crate::{Deps, Error, Rotation, db};

/// One step of one rotation: checked, then planned (dry run) or done.
pub(crate) async fn run_step(
    event: &Rotation,
    deps: &Deps,
    report: &mut Report,
) -> Result<(), Error> {
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
