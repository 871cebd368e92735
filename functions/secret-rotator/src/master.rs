//! The master user of an alternating pair: its secret, read only once it is
//! known to name the server the step works on, and a login as it.

use shared::db::{self as dbconn, Server};

use crate::error::Error;
use crate::secret::{self, Engine, SecretValue};
use crate::sm::Sm;
use crate::step::CURRENT;

/// The master secret of an alternating pair (`masterarn`), once it is known
/// to name the same server as `pending`; `None` for a single user.
pub async fn master_for<'a>(
    sm: &Sm<'_>,
    pending: &'a SecretValue,
    engine: Engine,
) -> Result<Option<(&'a str, SecretValue)>, Error> {
    let Some(master_arn) = pending.master_arn() else {
        return Ok(None);
    };
    let master_text = sm
        .client
        .get_secret_value()
        .secret_id(master_arn)
        .version_stage(CURRENT)
        .send()
        .await
        .map_err(|e| sm.fail("GetSecretValue (master secret)", &e))?
        .secret_string
        .unwrap_or_default();
    let master = SecretValue::parse(&master_text).map_err(|p| sm.bad(p.of_master()))?;
    secret::master_server_matches(pending, &master, engine).map_err(|problem| Error::Rotation {
        step: sm.step,
        problem: problem.to_string(),
    })?;
    Ok(Some((master_arn, master)))
}

/// A connection as the master user.
pub async fn master_login(
    target: &Server<'_>,
    sm: &Sm<'_>,
    master_arn: &str,
    master: &SecretValue,
) -> Result<dbconn::Conn, Error> {
    let master_user = master.username().map_err(|p| sm.bad(p.of_master()))?;
    let master_password = master.password().map_err(|p| sm.bad(p.of_master()))?;
    dbconn::connect(target, master_user, master_password)
        .await
        .map_err(|p| Error::Database {
            step: sm.step,
            problem: format!(
                "cannot connect as the master user {master_user} (secret {master_arn}): {p}"
            ),
        })
}
