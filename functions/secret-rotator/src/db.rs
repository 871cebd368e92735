//! Changing passwords with SQL whose identifiers and literals are quoted by
//! the server itself (PostgreSQL `format(%I, %L)`, MySQL `QUOTE()`), so no
//! user name or password can inject SQL.

use shared::db::{Conn, describe, scrub};
use sqlx::mysql::MySqlConnection;
use sqlx::postgres::PgConnection;

/// The connected user changes its own password.
pub async fn set_own_password(conn: &mut Conn, password: &str) -> Result<(), String> {
    let result = match conn {
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
