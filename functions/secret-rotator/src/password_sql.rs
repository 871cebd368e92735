//! The forms in which a new password reaches each server, so that it is in
//! no statement the server may log (see `db.rs`): pure, unit-tested here.

use sha1::{Digest, Sha1};

/// The SCRAM-SHA-256 verifier PostgreSQL stores for `password`, with a fresh
/// random salt: what `ALTER ROLE … PASSWORD` may carry instead of the password.
pub fn scram_verifier(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

/// Which server a MySQL-protocol connection reached: their logs differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MyServer {
    MariaDb,
    MySql,
}

/// `mysql_native_password`'s stored form: `*` and the upper-case hex of
/// SHA1(SHA1(password)), what MariaDB's `PASSWORD()` returns.
pub fn native_hash(password: &str) -> String {
    let twice = Sha1::digest(Sha1::digest(password.as_bytes()));
    let hex: String = twice.iter().map(|b| format!("{b:02X}")).collect();
    format!("*{hex}")
}

/// A password that cannot be sent as a MySQL literal (the password itself
/// is never in the words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the pending password holds a quote, a backslash or a control character, which cannot \
     be sent safely: start a new rotation so a new one is generated"
)]
pub struct UnsafePassword;

/// A password as a MySQL string literal, for the statements MySQL rewrites
/// in its logs. Generated passwords never hold a quote or a backslash
/// (`sm::random` excludes them); one that does is refused rather than
/// escaped, because what a backslash means depends on the session's sql_mode.
fn my_literal(password: &str) -> Result<String, UnsafePassword> {
    if password.contains(['\'', '\\']) || password.chars().any(char::is_control) {
        return Err(UnsafePassword);
    }
    Ok(format!("'{password}'"))
}

/// The statement by which the connected user sets its own password.
/// MariaDB wants CREATE USER for ALTER USER, even on oneself, but lets anyone
/// SET PASSWORD; MySQL lets anyone ALTER USER USER().
pub fn own_password_sql(server: MyServer, password: &str) -> Result<String, UnsafePassword> {
    Ok(match server {
        MyServer::MariaDb => format!("SET PASSWORD = '{}'", native_hash(password)),
        MyServer::MySql => format!("ALTER USER USER() IDENTIFIED BY {}", my_literal(password)?),
    })
}

/// The clause by which CREATE USER and ALTER USER give an account `password`.
pub fn identified_by(server: MyServer, password: &str) -> Result<String, UnsafePassword> {
    Ok(match server {
        MyServer::MariaDb => format!("IDENTIFIED BY PASSWORD '{}'", native_hash(password)),
        MyServer::MySql => format!("IDENTIFIED BY {}", my_literal(password)?),
    })
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
            assert!(
                !err.to_string().contains(bad),
                "the refusal never shows the password"
            );
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
