//! Changing passwords so that no password is ever in a statement a database
//! server can log:
//! - PostgreSQL gets a SCRAM-SHA-256 verifier made here, as `psql \password`
//!   does; the server stores it as it is and logs only the verifier.
//! - MariaDB gets the `mysql_native_password` hash made here
//!   (`IDENTIFIED BY PASSWORD '*…'`, `SET PASSWORD = '*…'`): MariaDB writes
//!   `IDENTIFIED BY 'pw'` and `PASSWORD('pw')` to its general log in clear.
//! - MySQL 8 gets `IDENTIFIED BY 'pw'`, which MySQL itself rewrites out of
//!   its general, slow and binary logs ("Passwords and Logging" in its
//!   manual); a pre-hashed form would force the deprecated native plugin.
//!
//! Identifiers are quoted by the server itself (PostgreSQL `format(%I)`,
//! MySQL `QUOTE()`), so no user name can inject SQL; a password is never
//! sent to be quoted, since that statement would be logged as it is.

use sha1::{Digest, Sha1};

use crate::grants::{self, Grants};
use shared::db::{Conn, describe, scrub};
use sqlx::mysql::MySqlConnection;
use sqlx::postgres::PgConnection;

/// The connected user changes its own password.
pub async fn set_own_password(conn: &mut Conn, password: &str) -> Result<(), String> {
    let result = match conn {
        // A login role may act as another by default (`ALTER ROLE … SET
        // role`, as the alternating strategy's clone does): current_user is
        // then that other role, and PostgreSQL lets a role change only its
        // own password. SET ROLE NONE (not RESET ROLE, which returns to that
        // default) makes the session act as the role that logged in.
        Conn::Pg(c) => match sqlx::raw_sql("SET ROLE NONE").execute(&mut *c).await {
            Ok(_) => {
                let verifier = scram_verifier(password);
                pg_exec(
                    c,
                    "SELECT pg_catalog.format('ALTER ROLE %I WITH PASSWORD %L', session_user, $1)",
                    &[&verifier],
                    &[&verifier],
                )
                .await
            }
            Err(e) => Err(describe(&e, &[])),
        },
        Conn::My(c) => match my_server(c).await {
            Ok(server) => match own_password_sql(server, password) {
                Ok(statement) => my_exec(c, statement, &[password]).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
    };
    result.map_err(|e| scrub(&e, &[password]))
}

/// As the master user: make sure `user` exists (created like `original`
/// when missing) and give it `password`.
pub async fn set_user_password(
    conn: &mut Conn,
    original: &str,
    user: &str,
    password: &str,
) -> Result<(), String> {
    let result = match conn {
        Conn::Pg(c) => pg_set_user_password(c, original, user, password).await,
        Conn::My(c) => my_set_user_password(c, original, user, password).await,
    };
    result.map_err(|e| scrub(&e, &[password]))
}

/// The SCRAM-SHA-256 verifier PostgreSQL stores for `password`, with a fresh
/// random salt: what `ALTER ROLE … PASSWORD` may carry instead of the password.
fn scram_verifier(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

/// Which server a MySQL-protocol connection reached: their logs differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MyServer {
    MariaDb,
    MySql,
}

async fn my_server(c: &mut MySqlConnection) -> Result<MyServer, String> {
    let version: String = sqlx::query_scalar("SELECT VERSION()")
        .fetch_one(&mut *c)
        .await
        .map_err(|e| describe(&e, &[]))?;
    Ok(if version.contains("MariaDB") {
        MyServer::MariaDb
    } else {
        MyServer::MySql
    })
}

/// `mysql_native_password`'s stored form: `*` and the upper-case hex of
/// SHA1(SHA1(password)), what MariaDB's `PASSWORD()` returns.
fn native_hash(password: &str) -> String {
    let twice = Sha1::digest(Sha1::digest(password.as_bytes()));
    let hex: String = twice.iter().map(|b| format!("{b:02X}")).collect();
    format!("*{hex}")
}

/// A password as a MySQL string literal, for the statements MySQL rewrites
/// in its logs. Generated passwords never hold a quote or a backslash
/// (`sm::random` excludes them); one that does is refused rather than
/// escaped, because what a backslash means depends on the session's sql_mode.
fn my_literal(password: &str) -> Result<String, String> {
    if password.contains(['\'', '\\']) || password.chars().any(char::is_control) {
        return Err(
            "the pending password holds a quote, a backslash or a control character, \
                    which cannot be sent safely: start a new rotation so a new one is generated"
                .into(),
        );
    }
    Ok(format!("'{password}'"))
}

/// The statement by which the connected user sets its own password.
/// MariaDB wants CREATE USER for ALTER USER, even on oneself, but lets anyone
/// SET PASSWORD; MySQL lets anyone ALTER USER USER().
fn own_password_sql(server: MyServer, password: &str) -> Result<String, String> {
    Ok(match server {
        MyServer::MariaDb => format!("SET PASSWORD = '{}'", native_hash(password)),
        MyServer::MySql => format!("ALTER USER USER() IDENTIFIED BY {}", my_literal(password)?),
    })
}

/// The clause by which CREATE USER and ALTER USER give an account `password`.
fn identified_by(server: MyServer, password: &str) -> Result<String, String> {
    Ok(match server {
        MyServer::MariaDb => format!("IDENTIFIED BY PASSWORD '{}'", native_hash(password)),
        MyServer::MySql => format!("IDENTIFIED BY {}", my_literal(password)?),
    })
}

/// Builds a statement with the server's own quoting, then runs it. The
/// builder names `pg_catalog.format`: PostgreSQL prefers an exact argument
/// match anywhere on the search path to the catalog's variadic `format`, so
/// an unqualified call would run a `format(text, text, text)` that any user
/// who can create in a schema on the master's path (`public`, by default
/// before PostgreSQL 15) planted there, as the master. Its
/// arguments reach the server's log (as bound parameters and in the built
/// statement): never pass a password. Errors mask `masked` (a verifier) and
/// nothing else, so they still name the user or role they are about.
async fn pg_exec(
    c: &mut PgConnection,
    builder: &str,
    args: &[&str],
    masked: &[&str],
) -> Result<(), String> {
    let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(builder.to_owned()));
    for a in args {
        query = query.bind(a.to_string());
    }
    let statement = query
        .fetch_one(&mut *c)
        .await
        .map_err(|e| describe(&e, masked))?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
        .execute(&mut *c)
        .await
        .map(|_| ())
        .map_err(|e| describe(&e, masked))
}

async fn pg_set_user_password(
    c: &mut PgConnection,
    original: &str,
    user: &str,
    password: &str,
) -> Result<(), String> {
    let verifier = scram_verifier(password);
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1)")
            .bind(user)
            .fetch_one(&mut *c)
            .await
            .map_err(|e| describe(&e, &[]))?;
    let builder = if exists {
        "SELECT pg_catalog.format('ALTER ROLE %I WITH LOGIN PASSWORD %L', $1, $2)"
    } else {
        "SELECT pg_catalog.format('CREATE ROLE %I WITH LOGIN PASSWORD %L', $1, $2)"
    };
    pg_exec(c, builder, &[user, &verifier], &[&verifier]).await?;
    if user == original {
        return Ok(());
    }
    // The clone is a member of the original role and acts as it by default,
    // so what either user creates is owned by the original and usable by
    // both. Both are said again on every rotation (each is idempotent), so a
    // clone half made by a crash is finished by the retried step.
    pg_exec(
        c,
        "SELECT pg_catalog.format('GRANT %I TO %I', $1, $2)",
        &[original, user],
        &[],
    )
    .await?;
    pg_exec(
        c,
        "SELECT pg_catalog.format('ALTER ROLE %I SET role = %L', $1, $2)",
        &[user, original],
        &[],
    )
    .await
}

/// A name or host quoted by the server (never a password: see the module).
async fn my_quote(c: &mut MySqlConnection, value: &str) -> Result<String, String> {
    sqlx::query_scalar::<_, String>("SELECT QUOTE(?)")
        .bind(value)
        .fetch_one(&mut *c)
        .await
        .map_err(|e| describe(&e, &[]))
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
    let server = my_server(c).await?;
    let identified = identified_by(server, password)?;
    let hosts: Vec<String> =
        sqlx::query_scalar("SELECT CAST(Host AS CHAR) FROM mysql.user WHERE User = ?")
            .bind(original)
            .fetch_all(&mut *c)
            .await
            .map_err(|e| describe(&e, &[]))?;
    if hosts.is_empty() {
        return Err(format!("user {original:?} does not exist on the server"));
    }
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
                .map_err(|e| describe(&e, &[]))?;
        let verb = if exists == 0 { "CREATE" } else { "ALTER" };
        my_exec(
            c,
            format!("{verb} USER {account} {identified}"),
            &[password],
        )
        .await?;
        // The clone takes the original's privileges and TLS requirement on
        // every rotation that sets it, not only when it is made, so what was
        // given to or taken from the original since reaches the clone.
        if user != original {
            let source = format!("{}@{quoted_host}", my_quote(c, original).await?);
            let wanted = Grants::parse(&my_show_grants(c, &source).await?);
            let have = Grants::parse(&my_show_grants(c, &account).await?);
            for statement in grants::sync(&wanted, &have, &account) {
                my_exec(c, statement, &[password]).await?;
            }
            my_copy_tls(c, original, user, &host, &account).await?;
        }
    }
    Ok(())
}

async fn my_show_grants(c: &mut MySqlConnection, account: &str) -> Result<Vec<String>, String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW GRANTS FOR {account}")))
        .fetch_all(&mut *c)
        .await
        .map_err(|e| describe(&e, &[]))
}

/// `user@host` (quoted as `account`) gets the TLS requirement `original`
/// has on the same host (REQUIRE NONE, SSL or X509).
async fn my_copy_tls(
    c: &mut MySqlConnection,
    original: &str,
    user: &str,
    host: &str,
    account: &str,
) -> Result<(), String> {
    let mut types = Vec::new();
    for name in [original, user] {
        let ssl_type: String = sqlx::query_scalar(
            "SELECT CAST(ssl_type AS CHAR) FROM mysql.user WHERE User = ? AND Host = ?",
        )
        .bind(name)
        .bind(host)
        .fetch_one(&mut *c)
        .await
        .map_err(|e| describe(&e, &[]))?;
        types.push(ssl_type);
    }
    if types[0] == types[1] {
        return Ok(());
    }
    let Some(clause) = grants::require_clause(&types[0]) else {
        return Err(format!(
            "{original}@{host} requires a particular certificate issuer, subject or cipher \
             (REQUIRE ISSUER/SUBJECT/CIPHER), which is not copied: give {user}@{host} the same \
             requirement, then rotate again"
        ));
    };
    my_exec(c, format!("ALTER USER {account} {clause}"), &[]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mariadb_gets_the_native_hash_never_the_password() {
        // MariaDB's and MySQL 5.7's SELECT PASSWORD('password').
        assert_eq!(
            native_hash("password"),
            "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"
        );
        let own = own_password_sql(MyServer::MariaDb, "Secret123").expect("sql");
        assert_eq!(
            own,
            format!("SET PASSWORD = '{}'", native_hash("Secret123"))
        );
        let clause = identified_by(MyServer::MariaDb, "Secret123").expect("sql");
        assert!(clause.starts_with("IDENTIFIED BY PASSWORD '*"), "{clause}");
        assert!(!own.contains("Secret123") && !clause.contains("Secret123"));
    }

    #[test]
    fn mysql_gets_the_statements_it_rewrites_in_its_logs() {
        // Covered here because no MySQL 8 server can be installed on the test
        // machines (Debian ships MariaDB only): see the README.
        assert_eq!(
            own_password_sql(MyServer::MySql, "Secret123").expect("sql"),
            "ALTER USER USER() IDENTIFIED BY 'Secret123'"
        );
        assert_eq!(
            identified_by(MyServer::MySql, "Secret123").expect("sql"),
            "IDENTIFIED BY 'Secret123'"
        );
        for bad in ["it's", "back\\slash", "line\nbreak"] {
            let err = identified_by(MyServer::MySql, bad).expect_err(bad);
            assert!(!err.contains(bad), "the refusal never shows the password");
        }
    }

    #[test]
    fn postgres_gets_a_salted_scram_verifier() {
        let a = scram_verifier("Secret123");
        let b = scram_verifier("Secret123");
        assert!(a.starts_with("SCRAM-SHA-256$4096:"), "{a}");
        assert!(!a.contains("Secret123"));
        assert_ne!(a, b, "each verifier has its own salt");
    }
}
