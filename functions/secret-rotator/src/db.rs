//! Talking to the database: connecting (TLS-verified unless the secret opts
//! out) and changing passwords with SQL whose identifiers and literals are
//! quoted by the server itself (PostgreSQL `format(%I, %L)`, MySQL `QUOTE()`),
//! so no user name or password can inject SQL. Statement logging is off:
//! these statements carry passwords.

use std::path::Path;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection, Row};

use crate::secret::{Engine, Tls};

/// Where and how to connect.
#[derive(Debug, Clone, Copy)]
pub struct Server<'a> {
    pub engine: Engine,
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

pub async fn connect(server: &Server<'_>, user: &str, password: &str) -> Result<Conn, String> {
    let attempt = async {
        match server.engine {
            Engine::Postgres => {
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
            Engine::MySql => {
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
            Engine::Token => Err(sqlx::Error::Configuration("a token has no database".into())),
        }
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(describe(&e, &[password])),
        Err(_) => Err(format!(
            "no answer from {}:{} within {CONNECT_TIMEOUT:?}",
            server.host, server.port
        )),
    }
}

/// An error in words, with any secret that could appear in it masked.
pub fn describe(e: &sqlx::Error, secrets: &[&str]) -> String {
    scrub(&e.to_string(), secrets)
}

/// Masks every occurrence of `secrets` in `text`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .fold(text.to_owned(), |t, s| {
            t.replace(s, shared::logging::REDACTED)
        })
}

impl Conn {
    pub async fn ping(&mut self) -> Result<(), String> {
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

    /// The connected user changes its own password.
    pub async fn set_own_password(&mut self, password: &str) -> Result<(), String> {
        let result = match self {
            Conn::Pg(c) => {
                pg_exec(
                    c,
                    "SELECT format('ALTER ROLE %I WITH PASSWORD %L', current_user, $1)",
                    &[password],
                )
                .await
            }
            Conn::My(c) => {
                let quoted = my_quote(c, password).await?;
                // MariaDB wants CREATE USER for ALTER USER, even on oneself,
                // but lets anyone SET PASSWORD; MySQL lets anyone ALTER USER USER().
                let version: String = sqlx::query_scalar("SELECT VERSION()")
                    .fetch_one(&mut *c)
                    .await
                    .map_err(|e| describe(&e, &[password]))?;
                let statement = if version.contains("MariaDB") {
                    format!("SET PASSWORD = PASSWORD({quoted})")
                } else {
                    format!("ALTER USER USER() IDENTIFIED BY {quoted}")
                };
                my_exec(c, statement, &[password]).await
            }
        };
        result.map_err(|e| scrub(&e, &[password]))
    }

    /// As the master user: make sure `user` exists (created like `original`
    /// when missing) and give it `password`.
    pub async fn set_user_password(
        &mut self,
        original: &str,
        user: &str,
        password: &str,
    ) -> Result<(), String> {
        let result = match self {
            Conn::Pg(c) => pg_set_user_password(c, original, user, password).await,
            Conn::My(c) => my_set_user_password(c, original, user, password).await,
        };
        result.map_err(|e| scrub(&e, &[password]))
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
}

/// Builds a statement with the server's own quoting, then runs it.
async fn pg_exec(c: &mut PgConnection, builder: &str, args: &[&str]) -> Result<(), String> {
    let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(builder.to_owned()));
    for a in args {
        query = query.bind(a.to_string());
    }
    let statement = query
        .fetch_one(&mut *c)
        .await
        .map_err(|e| describe(&e, args))?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
        .execute(&mut *c)
        .await
        .map(|_| ())
        .map_err(|e| describe(&e, args))
}

async fn pg_set_user_password(
    c: &mut PgConnection,
    original: &str,
    user: &str,
    password: &str,
) -> Result<(), String> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(user)
            .fetch_one(&mut *c)
            .await
            .map_err(|e| describe(&e, &[password]))?;
    if !exists {
        // Member of the original role, and acting as it by default, so what
        // either user creates is owned by the original and usable by both.
        pg_exec(
            c,
            "SELECT format('CREATE ROLE %I WITH LOGIN PASSWORD %L IN ROLE %I', $1, $2, $3)",
            &[user, password, original],
        )
        .await?;
        pg_exec(
            c,
            "SELECT format('ALTER ROLE %I SET role = %L', $1, $2)",
            &[user, original],
        )
        .await?;
        return Ok(());
    }
    pg_exec(
        c,
        "SELECT format('ALTER ROLE %I WITH PASSWORD %L', $1, $2)",
        &[user, password],
    )
    .await
}

async fn my_quote(c: &mut MySqlConnection, value: &str) -> Result<String, String> {
    sqlx::query_scalar::<_, String>("SELECT QUOTE(?)")
        .bind(value)
        .fetch_one(&mut *c)
        .await
        .map_err(|e| describe(&e, &[value]))
}

async fn my_exec(
    c: &mut MySqlConnection,
    statement: String,
    secrets: &[&str],
) -> Result<(), String> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
        .execute(&mut *c)
        .await
        .map(|_| ())
        .map_err(|e| describe(&e, secrets))
}

async fn my_set_user_password(
    c: &mut MySqlConnection,
    original: &str,
    user: &str,
    password: &str,
) -> Result<(), String> {
    let hosts: Vec<String> =
        sqlx::query_scalar("SELECT CAST(Host AS CHAR) FROM mysql.user WHERE User = ?")
            .bind(original)
            .fetch_all(&mut *c)
            .await
            .map_err(|e| describe(&e, &[password]))?;
    if hosts.is_empty() {
        return Err(format!("user {original:?} does not exist on the server"));
    }
    let quoted_password = my_quote(c, password).await?;
    let quoted_user = my_quote(c, user).await?;
    for host in hosts {
        let quoted_host = my_quote(c, &host).await?;
        let account = format!("{quoted_user}@{quoted_host}");
        let exists: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?")
                .bind(user)
                .bind(&host)
                .fetch_one(&mut *c)
                .await
                .map_err(|e| describe(&e, &[password]))?;
        if exists == 0 {
            my_exec(
                c,
                format!("CREATE USER {account} IDENTIFIED BY {quoted_password}"),
                &[password],
            )
            .await?;
            // Same privileges as the original: its grants, addressed to the clone.
            let quoted_original = my_quote(c, original).await?;
            let grants: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SHOW GRANTS FOR {quoted_original}@{quoted_host}"
            )))
            .fetch_all(&mut *c)
            .await
            .map_err(|e| describe(&e, &[password]))?;
            for grant in grants {
                let Some((privileges, _)) = grant.split_once(" TO ") else {
                    continue;
                };
                let with_grant = if grant.contains("WITH GRANT OPTION") {
                    " WITH GRANT OPTION"
                } else {
                    ""
                };
                my_exec(
                    c,
                    format!("{privileges} TO {account}{with_grant}"),
                    &[password],
                )
                .await?;
            }
        } else {
            my_exec(
                c,
                format!("ALTER USER {account} IDENTIFIED BY {quoted_password}"),
                &[password],
            )
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_masks_every_secret_but_not_short_noise() {
        assert_eq!(
            scrub("near 'IDENTIFIED BY 'p4ssw0rd''", &["p4ssw0rd"]),
            "near 'IDENTIFIED BY '[redacted]''"
        );
        assert_eq!(scrub("a b c", &["a"]), "a b c");
    }
}
