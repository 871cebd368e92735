//! Database connections for the functions that talk to databases
//! (secret-rotator, backup-verifier): TLS-verified unless a secret opts out,
//! bounded in time, statement logging off (statements may carry passwords),
//! and errors with any secret they could hold masked.

use std::path::Path;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection, Row};

/// Which SQL dialect a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    MySql,
}

/// How a database connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// Certificate verified against the configured CA bundle, host name checked.
    VerifyFull,
    /// Plaintext: only when a secret opts out explicitly.
    Disabled,
}

/// Where and how to connect.
#[derive(Debug, Clone, Copy)]
pub struct Server<'a> {
    pub dialect: Dialect,
    pub host: &'a str,
    pub port: u16,
    pub dbname: Option<&'a str>,
    pub tls: Tls,
    pub ca_bundle: &'a Path,
}

/// An open connection to either engine.
#[derive(Debug)]
pub enum Conn {
    Pg(PgConnection),
    My(MySqlConnection),
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn connect(server: &Server<'_>, user: &str, password: &str) -> Result<Conn, DbError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt(server, user, password)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(describe(&e, &[password])),
        Err(_) => Err(no_answer(server)),
    }
}

/// Logs in with each password in turn, going to the next only when the
/// server refused the login (a password rotated since, say): the connection
/// and the index of the password that worked. Any other failure (network,
/// TLS) ends the tries at once.
pub async fn connect_first(
    server: &Server<'_>,
    user: &str,
    passwords: &[&str],
) -> Result<(Conn, usize), DbError> {
    let mut refused = None;
    for (i, password) in passwords.iter().enumerate() {
        match tokio::time::timeout(CONNECT_TIMEOUT, attempt(server, user, password)).await {
            Ok(Ok(conn)) => return Ok((conn, i)),
            Ok(Err(e)) if login_refused(&e) => {
                refused.get_or_insert_with(|| describe(&e, passwords));
            }
            Ok(Err(e)) => return Err(describe(&e, passwords)),
            Err(_) => return Err(no_answer(server)),
        }
    }
    Err(DbError::said(format!(
        "the server refused the login with each of the {} password{} tried ({})",
        passwords.len(),
        if passwords.len() == 1 { "" } else { "s" },
        refused.map(|r| r.to_string()).unwrap_or_default()
    )))
}

/// The server said the credentials are wrong (PostgreSQL 28P01/28000,
/// MySQL/MariaDB SQLSTATE 28000, error 1045).
fn login_refused(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| matches!(c.as_ref(), "28P01" | "28000" | "1045"))
}

fn no_answer(server: &Server<'_>) -> DbError {
    DbError::said(format!(
        "no answer from {}:{} within {CONNECT_TIMEOUT:?}",
        server.host, server.port
    ))
}

async fn attempt(server: &Server<'_>, user: &str, password: &str) -> Result<Conn, sqlx::Error> {
    match server.dialect {
        Dialect::Postgres => {
            let mut options = PgConnectOptions::new()
                .host(server.host)
                .port(server.port)
                .username(user)
                .password(password)
                .database(server.dbname.unwrap_or("postgres"))
                .disable_statement_logging();
            options = match server.tls {
                Tls::VerifyFull => options
                    .ssl_mode(PgSslMode::VerifyFull)
                    .ssl_root_cert(server.ca_bundle),
                Tls::Disabled => options.ssl_mode(PgSslMode::Disable),
            };
            options.connect().await.map(Conn::Pg)
        }
        Dialect::MySql => {
            let mut options = MySqlConnectOptions::new()
                .host(server.host)
                .port(server.port)
                .username(user)
                .password(password)
                .disable_statement_logging();
            if let Some(db) = server.dbname {
                options = options.database(db);
            }
            options = match server.tls {
                Tls::VerifyFull => options
                    .ssl_mode(MySqlSslMode::VerifyIdentity)
                    .ssl_ca(server.ca_bundle),
                Tls::Disabled => options.ssl_mode(MySqlSslMode::Disabled),
            };
            options.connect().await.map(Conn::My)
        }
    }
}

/// A database failure in words, with every secret that could appear in it
/// masked. It is made from the driver's error only through [`describe`],
/// which masks, or from a sentence of our own ([`DbError::said`]), so the
/// driver's raw text (which can quote a statement, and a password in it)
/// never reaches a report, a log or a notification unmasked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct DbError {
    text: String,
}

impl DbError {
    /// A failure said in our own words (never holding a secret).
    pub fn said(text: impl std::fmt::Display) -> Self {
        Self {
            text: text.to_string(),
        }
    }

    /// The same failure with `secrets` masked too.
    pub fn masked(self, secrets: &[&str]) -> Self {
        Self {
            text: scrub(&self.text, secrets),
        }
    }

    /// The same failure, said of `what` (`what: failure`).
    pub fn context(self, what: impl std::fmt::Display) -> Self {
        Self {
            text: format!("{what}: {}", self.text),
        }
    }
}

/// An error in words, with any secret that could appear in it masked.
pub fn describe(e: &sqlx::Error, secrets: &[&str]) -> DbError {
    DbError {
        text: scrub(&e.to_string(), secrets),
    }
}

/// Masks every occurrence of `secrets` in `text`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .fold(text.to_owned(), |t, s| {
            t.replace(s, crate::logging::REDACTED)
        })
}

impl Conn {
    pub async fn ping(&mut self) -> Result<(), DbError> {
        let result = match self {
            Conn::Pg(c) => c.ping().await,
            Conn::My(c) => c.ping().await,
        };
        result.map_err(|e| describe(&e, &[]))
    }

    pub async fn close(self) {
        let _ = match self {
            Conn::Pg(c) => c.close().await,
            Conn::My(c) => c.close().await,
        };
    }

    /// Whether the connection is encrypted (for the report).
    pub async fn encrypted(&mut self) -> bool {
        match self {
            Conn::Pg(c) => sqlx::query_scalar::<_, bool>(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            )
            .fetch_one(&mut *c)
            .await
            .unwrap_or(false),
            Conn::My(c) => sqlx::query("SHOW SESSION STATUS LIKE 'Ssl_version'")
                .fetch_optional(&mut *c)
                .await
                .ok()
                .flatten()
                .and_then(|row| row.try_get::<String, _>(1).ok())
                .is_some_and(|v| !v.is_empty()),
        }
    }

    /// Opens a read-only transaction whose statements the server stops
    /// after `limit`: what runs in it can change nothing and cannot hold the
    /// server. `mariadb` picks MariaDB's `max_statement_time` over MySQL's
    /// `MAX_EXECUTION_TIME`.
    pub async fn begin_read_only(&mut self, limit: Duration, mariadb: bool) -> Result<(), DbError> {
        let ms = limit.as_millis().max(1);
        let statements = match self {
            Conn::Pg(_) => vec![
                "BEGIN READ ONLY".to_owned(),
                format!("SET LOCAL statement_timeout = {ms}"),
            ],
            Conn::My(_) if mariadb => vec![
                format!("SET SESSION max_statement_time = {}", ms as f64 / 1000.0),
                "START TRANSACTION READ ONLY".to_owned(),
            ],
            Conn::My(_) => vec![
                format!("SET SESSION MAX_EXECUTION_TIME = {ms}"),
                "START TRANSACTION READ ONLY".to_owned(),
            ],
        };
        for sql in statements {
            let done = match self {
                Conn::Pg(c) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *c)
                    .await
                    .map(|_| ()),
                Conn::My(c) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *c)
                    .await
                    .map(|_| ()),
            };
            done.map_err(|e| describe(&e, &[]))?;
        }
        Ok(())
    }

    /// Ends the open transaction, keeping nothing (errors ignored: the
    /// connection is closed after the checks anyway).
    pub async fn rollback(&mut self) {
        let _ = match self {
            Conn::Pg(c) => sqlx::raw_sql("ROLLBACK").execute(&mut *c).await.map(|_| ()),
            Conn::My(c) => sqlx::raw_sql("ROLLBACK").execute(&mut *c).await.map(|_| ()),
        };
    }

    /// Runs a read-only query: how many rows it returned, and the first
    /// column of the first row as text (strings, integers, floats, booleans).
    pub async fn query_first(&mut self, sql: &str) -> Result<(u64, Option<String>), DbError> {
        match self {
            Conn::Pg(c) => {
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .fetch_all(&mut *c)
                    .await
                    .map_err(|e| describe(&e, &[]))?;
                Ok((rows.len() as u64, rows.first().and_then(first_as_text)))
            }
            Conn::My(c) => {
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .fetch_all(&mut *c)
                    .await
                    .map_err(|e| describe(&e, &[]))?;
                Ok((rows.len() as u64, rows.first().and_then(first_as_text)))
            }
        }
    }
}

/// The first column of a row as text, whichever of the usual types it has.
fn first_as_text<R>(row: &R) -> Option<String>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i32: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    f64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    row.try_get::<String, _>(0)
        .ok()
        .or_else(|| row.try_get::<i64, _>(0).ok().map(|v| v.to_string()))
        .or_else(|| row.try_get::<i32, _>(0).ok().map(|v| v.to_string()))
        .or_else(|| row.try_get::<f64, _>(0).ok().map(|v| v.to_string()))
        .or_else(|| row.try_get::<bool, _>(0).ok().map(|v| v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_db_error_stays_masked_through_context_and_further_masking() {
        let e = DbError::said("login for app with hunter2pw refused")
            .masked(&["hunter2pw"])
            .context("logging in as app");
        assert_eq!(
            e.to_string(),
            format!(
                "logging in as app: login for app with {} refused",
                crate::logging::REDACTED
            )
        );
        let driver = sqlx::Error::Protocol("statement SET PASSWORD = 'pw-s3cr3t' failed".into());
        assert!(
            !describe(&driver, &["pw-s3cr3t"])
                .to_string()
                .contains("pw-s3cr3t")
        );
    }

    #[test]
    fn scrub_masks_every_secret_but_not_short_noise() {
        assert_eq!(
            scrub("near 'IDENTIFIED BY 'p4ssw0rd''", &["p4ssw0rd"]),
            "near 'IDENTIFIED BY '[redacted]''"
        );
        assert_eq!(scrub("a b c", &["a"]), "a b c");
    }
}
