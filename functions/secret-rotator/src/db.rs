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

use crate::grants::{self, Grants};
use crate::password_sql::{MyServer, identified_by, own_password_sql, scram_verifier};
use shared::db::{Conn, DbError, describe};
use sqlx::mysql::MySqlConnection;
use sqlx::postgres::PgConnection;

/// The connected user changes its own password.
pub async fn set_own_password(conn: &mut Conn, password: &str) -> Result<(), DbError> {
    let result = match conn {
        // A login role may act as another by default (`ALTER ROLE … SET
        // role`, as the alternating strategy's clone does): current_user is
        // then that other role, and PostgreSQL lets a role change only its
        // own password. SET ROLE NONE (not RESET ROLE, which returns to that
        // default) makes the session act as the role that logged in.
        Conn::Pg(c) => {
            async {
                sqlx::raw_sql("SET ROLE NONE")
                    .execute(&mut *c)
                    .await
                    .map_err(|e| describe(&e, &[]))?;
                let verifier = scram_verifier(password);
                pg_exec(
                    c,
                    "SELECT pg_catalog.format('ALTER ROLE %I WITH PASSWORD %L', session_user, $1)",
                    &[&verifier],
                    &[&verifier],
                )
                .await
            }
            .await
        }
        Conn::My(c) => {
            async {
                let statement =
                    own_password_sql(my_server(c).await?, password).map_err(DbError::said)?;
                my_exec(c, statement, &[password]).await
            }
            .await
        }
    };
    result.map_err(|e| e.masked(&[password]))
}

/// As the master user: make sure `user` exists (created like `original`
/// when missing) and give it `password`.
pub async fn set_user_password(
    conn: &mut Conn,
    original: &str,
    user: &str,
    password: &str,
) -> Result<(), DbError> {
    let result = match conn {
        Conn::Pg(c) => pg_set_user_password(c, original, user, password).await,
        Conn::My(c) => my_set_user_password(c, original, user, password).await,
    };
    result.map_err(|e| e.masked(&[password]))
}

async fn my_server(c: &mut MySqlConnection) -> Result<MyServer, DbError> {
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
) -> Result<(), DbError> {
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
) -> Result<(), DbError> {
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

/// `user@host` as an account name, each part quoted by the server.
async fn my_account(c: &mut MySqlConnection, user: &str, host: &str) -> Result<String, DbError> {
    let user = my_quote(c, user).await?;
    Ok(format!("{user}@{}", my_quote(c, host).await?))
}

/// A name or host quoted by the server (never a password: see the module).
async fn my_quote(c: &mut MySqlConnection, value: &str) -> Result<String, DbError> {
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
) -> Result<(), DbError> {
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
) -> Result<(), DbError> {
    let server = my_server(c).await?;
    let identified = identified_by(server, password).map_err(DbError::said)?;
    let hosts = my_hosts(c, original).await?;
    if hosts.is_empty() {
        return Err(DbError::said(format!(
            "user {original:?} does not exist on the server"
        )));
    }
    for host in hosts {
        let account = my_account(c, user, &host).await?;
        let verb = if my_exists(c, user, &host).await? {
            "ALTER"
        } else {
            "CREATE"
        };
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
            for statement in my_clone_plan(c, server, original, user, &host).await? {
                my_exec(c, statement, &[password]).await?;
            }
        }
    }
    Ok(())
}

/// The statements that give `user@host` the privileges and TLS requirement
/// `original@host` has: empty when the clone is whole.
async fn my_clone_plan(
    c: &mut MySqlConnection,
    server: MyServer,
    original: &str,
    user: &str,
    host: &str,
) -> Result<Vec<String>, DbError> {
    let source = my_account(c, original, host).await?;
    let account = my_account(c, user, host).await?;
    let mut wanted = Grants::parse(&my_show_grants(c, &source).await?);
    let mut have = Grants::parse(&my_show_grants(c, &account).await?);
    if server == MyServer::MySql {
        wanted = wanted.with_default_roles(my_default_roles(c, original, host).await?);
        have = have.with_default_roles(my_default_roles(c, user, host).await?);
    }
    let mut plan = grants::sync(&wanted, &have, &account, server);
    plan.extend(my_tls_plan(c, original, user, host, &account).await?);
    Ok(plan)
}

/// What `user` lacks to stand in for `original` (alternating users), in
/// words; empty when it is whole. Read as the master, so testSecret checks
/// what setSecret did rather than assume it.
pub async fn clone_gaps(
    conn: &mut Conn,
    original: &str,
    user: &str,
) -> Result<Vec<String>, DbError> {
    match conn {
        Conn::Pg(c) => pg_clone_gaps(c, original, user).await,
        Conn::My(c) => {
            let server = my_server(c).await?;
            let mut gaps = Vec::new();
            for host in my_hosts(c, original).await? {
                if !my_exists(c, user, &host).await? {
                    gaps.push(format!("{user}@{host} does not exist"));
                    continue;
                }
                gaps.extend(
                    my_clone_plan(c, server, original, user, &host)
                        .await?
                        .into_iter()
                        .map(|statement| format!("{user}@{host} still needs: {statement}")),
                );
            }
            Ok(gaps)
        }
    }
}

async fn pg_clone_gaps(
    c: &mut PgConnection,
    original: &str,
    user: &str,
) -> Result<Vec<String>, DbError> {
    let (member, acting): (bool, bool) = sqlx::query_as(
        "SELECT pg_catalog.pg_has_role($1, $2, 'MEMBER'), \
         EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s \
                 JOIN pg_catalog.pg_roles r ON r.oid = s.setrole \
                 WHERE r.rolname = $1 AND s.setdatabase = 0 \
                 AND ('role=' || $2) = ANY (s.setconfig))",
    )
    .bind(user)
    .bind(original)
    .fetch_one(&mut *c)
    .await
    .map_err(|e| describe(&e, &[]))?;
    let mut gaps = Vec::new();
    if !member {
        gaps.push(format!("{user} is not a member of {original}"));
    }
    if !acting {
        gaps.push(format!(
            "{user} does not act as {original} by default (ALTER ROLE ... SET role)"
        ));
    }
    Ok(gaps)
}

/// MySQL 8's default roles of `user@host` (`'role'@'host'`); MariaDB lists
/// its one in SHOW GRANTS instead.
async fn my_default_roles(
    c: &mut MySqlConnection,
    user: &str,
    host: &str,
) -> Result<Vec<String>, DbError> {
    sqlx::query_scalar(
        "SELECT CAST(CONCAT(QUOTE(DEFAULT_ROLE_USER), '@', QUOTE(DEFAULT_ROLE_HOST)) AS CHAR) \
         FROM mysql.default_roles WHERE USER = ? AND HOST = ?",
    )
    .bind(user)
    .bind(host)
    .fetch_all(&mut *c)
    .await
    .map_err(|e| describe(&e, &[]))
}

/// The hosts `user` has an account on.
async fn my_hosts(c: &mut MySqlConnection, user: &str) -> Result<Vec<String>, DbError> {
    sqlx::query_scalar("SELECT CAST(Host AS CHAR) FROM mysql.user WHERE User = ?")
        .bind(user)
        .fetch_all(&mut *c)
        .await
        .map_err(|e| describe(&e, &[]))
}

async fn my_exists(c: &mut MySqlConnection, user: &str, host: &str) -> Result<bool, DbError> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?")
            .bind(user)
            .bind(host)
            .fetch_one(&mut *c)
            .await
            .map_err(|e| describe(&e, &[]))?;
    Ok(count > 0)
}

async fn my_show_grants(c: &mut MySqlConnection, account: &str) -> Result<Vec<String>, DbError> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW GRANTS FOR {account}")))
        .fetch_all(&mut *c)
        .await
        .map_err(|e| describe(&e, &[]))
}

/// How `user@host` must connect: `mysql.user`'s `ssl_type`.
async fn my_ssl_type(c: &mut MySqlConnection, user: &str, host: &str) -> Result<String, DbError> {
    sqlx::query_scalar("SELECT CAST(ssl_type AS CHAR) FROM mysql.user WHERE User = ? AND Host = ?")
        .bind(user)
        .bind(host)
        .fetch_one(&mut *c)
        .await
        .map_err(|e| describe(&e, &[]))
}

/// The statement that gives `user@host` (quoted as `account`) the TLS
/// requirement `original` has on the same host (REQUIRE NONE, SSL or X509),
/// if it differs.
async fn my_tls_plan(
    c: &mut MySqlConnection,
    original: &str,
    user: &str,
    host: &str,
    account: &str,
) -> Result<Option<String>, DbError> {
    let wanted = my_ssl_type(c, original, host).await?;
    if wanted == my_ssl_type(c, user, host).await? {
        return Ok(None);
    }
    match grants::require_clause(&wanted) {
        Some(clause) => Ok(Some(format!("ALTER USER {account} {clause}"))),
        None => Err(DbError::said(format!(
            "{original}@{host} requires a particular certificate issuer, subject or cipher \
             (REQUIRE ISSUER/SUBJECT/CIPHER), which is not copied: give {user}@{host} the same \
             requirement, then rotate again"
        ))),
    }
}
