//! The secret's value: the JSON the AWS sample rotation functions use, so
//! users can switch (`engine`, `host`, `port`, `username`, `password`,
//! `dbname`, optional `masterarn`), plus `tls` (`verify-full`, the default,
//! or `disable`) and, for application tokens, `{"engine":"token","token":...}`.
//! Unknown keys are kept as they are.

use std::fmt;

use serde_json::{Map, Value};
pub use shared::db::Tls;

/// Why a secret's value cannot be used. The words name the key and what
/// was expected, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("it is JSON but not an object")]
    NotAnObject,
    #[error("it is not JSON (the value itself is not shown)")]
    NotJson,
    #[error("the key {0:?} is missing or empty")]
    Missing(&'static str),
    #[error("engine {0:?} is not supported: expected postgres, mysql, mariadb or token")]
    UnsupportedEngine(String),
    #[error("the key \"engine\" is missing")]
    NoEngine,
    #[error("the port is not a valid TCP port")]
    BadPort,
    #[error("the port is not a number")]
    PortNotANumber,
    #[error("tls {0:?} is not understood: expected verify-full or disable")]
    UnknownTls(String),
    #[error("tls must be \"verify-full\" or \"disable\"")]
    TlsNotText,
    /// A problem of the master secret's value.
    #[error("master secret: {0}")]
    InMaster(Box<Problem>),
    #[error(
        "the secret names the server {host}:{port} but its master secret names \
         {master_host}:{master_port}: the master's login is used only on the master's own \
         server, so nothing was sent; correct the host in the secret or in the master secret"
    )]
    OtherServer {
        host: String,
        port: u16,
        master_host: String,
        master_port: u16,
    },
    #[error("the alternate user name {name:?} is longer than {limit} characters")]
    NameTooLong { name: String, limit: usize },
}

impl Problem {
    /// The same problem, said of the master secret.
    pub fn of_master(self) -> Self {
        Problem::InMaster(Box::new(self))
    }
}

/// What kind of secret this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    MySql,
    Token,
}

/// A secret's JSON value. Its `Debug` shows the keys, never the values.
#[derive(Clone, PartialEq)]
pub struct SecretValue {
    fields: Map<String, Value>,
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretValue")
            .field("keys", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SecretValue {
    pub fn parse(text: &str) -> Result<Self, Problem> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(fields)) => Ok(Self { fields }),
            Ok(_) => Err(Problem::NotAnObject),
            Err(_) => Err(Problem::NotJson),
        }
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.fields
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    fn required(&self, key: &'static str) -> Result<&str, Problem> {
        self.text(key).ok_or(Problem::Missing(key))
    }

    pub fn engine(&self) -> Result<Engine, Problem> {
        match self.text("engine").map(str::to_ascii_lowercase).as_deref() {
            Some("postgres" | "postgresql" | "aurora-postgresql") => Ok(Engine::Postgres),
            Some("mysql" | "mariadb" | "aurora-mysql" | "aurora") => Ok(Engine::MySql),
            Some("token") => Ok(Engine::Token),
            None if self.fields.contains_key("token") => Ok(Engine::Token),
            Some(other) => Err(Problem::UnsupportedEngine(other.to_owned())),
            None => Err(Problem::NoEngine),
        }
    }

    pub fn username(&self) -> Result<&str, Problem> {
        self.required("username")
    }

    pub fn password(&self) -> Result<&str, Problem> {
        self.required("password")
    }

    pub fn host(&self) -> Result<&str, Problem> {
        self.required("host")
    }

    pub fn port(&self, engine: Engine) -> Result<u16, Problem> {
        match self.fields.get("port") {
            None | Some(Value::Null) => Ok(if engine == Engine::Postgres {
                5432
            } else {
                3306
            }),
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or(Problem::BadPort),
            Some(Value::String(s)) => s.parse().map_err(|_| Problem::BadPort),
            Some(_) => Err(Problem::PortNotANumber),
        }
    }

    pub fn dbname(&self) -> Option<&str> {
        self.text("dbname")
    }

    pub fn master_arn(&self) -> Option<&str> {
        self.text("masterarn")
    }

    pub fn tls(&self) -> Result<Tls, Problem> {
        match self.fields.get("tls") {
            None | Some(Value::Null) | Some(Value::Bool(true)) => Ok(Tls::VerifyFull),
            Some(Value::Bool(false)) => Ok(Tls::Disabled),
            Some(Value::String(s)) => match s.as_str() {
                "verify-full" | "required" | "true" => Ok(Tls::VerifyFull),
                "disable" | "disabled" | "false" => Ok(Tls::Disabled),
                other => Err(Problem::UnknownTls(other.to_owned())),
            },
            Some(_) => Err(Problem::TlsNotText),
        }
    }

    pub fn token(&self) -> Option<&str> {
        self.text("token")
    }

    /// The same secret with other credentials.
    pub fn with_credentials(&self, username: &str, password: &str) -> SecretValue {
        let mut fields = self.fields.clone();
        fields.insert("username".into(), Value::String(username.to_owned()));
        fields.insert("password".into(), Value::String(password.to_owned()));
        SecretValue { fields }
    }

    /// The same secret with another token.
    pub fn with_token(&self, token: &str) -> SecretValue {
        let mut fields = self.fields.clone();
        fields.insert("token".into(), Value::String(token.to_owned()));
        SecretValue { fields }
    }

    /// The JSON text stored in Secrets Manager.
    pub fn to_json(&self) -> String {
        Value::Object(self.fields.clone()).to_string()
    }
}

/// The master user logs in only on the server its own secret names: someone
/// who can put a value into a user's secret must not be able to send the
/// master's login to a server of their own (the AWS sample functions refuse
/// the same way). Host names are compared without case; a missing port is
/// the engine's default on both sides.
pub fn master_server_matches(
    user: &SecretValue,
    master: &SecretValue,
    engine: Engine,
) -> Result<(), Problem> {
    let host = user.host()?;
    let port = user.port(engine)?;
    let master_host = master.host().map_err(Problem::of_master)?;
    let master_port = master.port(engine).map_err(Problem::of_master)?;
    if host.eq_ignore_ascii_case(master_host) && port == master_port {
        return Ok(());
    }
    Err(Problem::OtherServer {
        host: host.to_owned(),
        port,
        master_host: master_host.to_owned(),
        master_port,
    })
}

/// The other user of an alternating pair: `app` <-> `app_clone`.
pub fn other_user(username: &str, engine: Engine) -> Result<String, Problem> {
    let other = match username.strip_suffix("_clone") {
        Some(original) => original.to_owned(),
        None => format!("{username}_clone"),
    };
    // MySQL user names hold at most 32 characters; PostgreSQL role names 63 bytes.
    let limit = if engine == Engine::MySql { 32 } else { 63 };
    if other.len() > limit {
        return Err(Problem::NameTooLong { name: other, limit });
    }
    Ok(other)
}

/// The user of an alternating pair that owns the objects: the one without `_clone`.
pub fn original_user(username: &str) -> &str {
    username.strip_suffix("_clone").unwrap_or(username)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG: &str = r#"{"engine":"postgres","host":"db.example","username":"app","password":"s3cr3t","dbname":"orders","custom":1}"#;

    #[test]
    fn the_sample_format_is_read() {
        let s = SecretValue::parse(PG).expect("json");
        assert_eq!(s.engine(), Ok(Engine::Postgres));
        assert_eq!(s.port(Engine::Postgres), Ok(5432));
        assert_eq!(s.tls(), Ok(Tls::VerifyFull));
        assert_eq!(s.master_arn(), None);
        let next = s.with_credentials("app_clone", "n3w");
        assert_eq!(next.username(), Ok("app_clone"));
        assert!(
            next.to_json().contains("\"custom\":1"),
            "unknown keys are kept"
        );
    }

    #[test]
    fn problems_name_the_key_and_whose_secret_it_is() {
        let no_host = SecretValue::parse(r#"{"engine":"postgres"}"#).expect("json");
        assert_eq!(
            no_host.host().map_err(|p| p.to_string()),
            Err("the key \"host\" is missing or empty".to_owned())
        );
        assert_eq!(
            no_host.host().map_err(|p| p.of_master().to_string()),
            Err("master secret: the key \"host\" is missing or empty".to_owned())
        );
        let odd = SecretValue::parse(r#"{"engine":"oracle","port":"x"}"#).expect("json");
        assert_eq!(
            odd.engine(),
            Err(Problem::UnsupportedEngine("oracle".into()))
        );
        assert_eq!(odd.port(Engine::Postgres), Err(Problem::BadPort));
    }

    #[test]
    fn debug_output_never_shows_values() {
        let s = SecretValue::parse(PG).expect("json");
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("s3cr3t") && shown.contains("password"),
            "{shown}"
        );
        let err = SecretValue::parse("not json s3cr3t").expect_err("bad");
        assert!(!err.to_string().contains("s3cr3t"));
    }

    #[test]
    fn engines_tls_and_ports_are_checked() {
        let s = SecretValue::parse(r#"{"engine":"mariadb","port":"3307","tls":"disable"}"#)
            .expect("json");
        assert_eq!(
            (s.engine(), s.port(Engine::MySql), s.tls()),
            (Ok(Engine::MySql), Ok(3307), Ok(Tls::Disabled))
        );
        assert!(
            SecretValue::parse(r#"{"engine":"oracle"}"#)
                .expect("json")
                .engine()
                .is_err()
        );
        assert!(
            SecretValue::parse(r#"{"engine":"mysql","port":70000}"#)
                .expect("json")
                .port(Engine::MySql)
                .is_err()
        );
        assert_eq!(
            SecretValue::parse(r#"{"token":"x"}"#)
                .expect("json")
                .engine(),
            Ok(Engine::Token)
        );
    }

    #[test]
    fn the_master_logs_in_only_where_its_own_secret_points() {
        let master = SecretValue::parse(r#"{"host":"DB.example","port":5432}"#).expect("json");
        let same = SecretValue::parse(r#"{"host":"db.example"}"#).expect("json");
        assert_eq!(
            master_server_matches(&same, &master, Engine::Postgres),
            Ok(())
        );
        for other in [
            r#"{"host":"db.example.attacker.net"}"#,
            r#"{"host":"db.example","port":6432}"#,
            r#"{"host":"10.0.0.9"}"#,
        ] {
            let other = SecretValue::parse(other).expect("json");
            let err =
                master_server_matches(&other, &master, Engine::Postgres).expect_err("refused");
            assert!(err.to_string().contains("nothing was sent"), "{err}");
        }
        let no_host = SecretValue::parse(r#"{"port":5432}"#).expect("json");
        assert!(master_server_matches(&same, &no_host, Engine::Postgres).is_err());
    }

    #[test]
    fn alternating_users_pair_up() {
        assert_eq!(other_user("app", Engine::Postgres), Ok("app_clone".into()));
        assert_eq!(other_user("app_clone", Engine::Postgres), Ok("app".into()));
        assert!(other_user(&"u".repeat(30), Engine::MySql).is_err());
        assert_eq!(original_user("app_clone"), "app");
    }
}
