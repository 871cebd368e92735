//! A throwaway MariaDB server: password authentication, TLS required
//! (`require_secure_transport`), on a random loopback port, in a temporary
//! directory removed when it stops.

use std::path::PathBuf;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};

use crate::names::random_alnum;
use crate::postgres::{connect_with_retry, path, run_blocking};
use crate::process::{Guarded, Spec, free_port, is_root, wait_for_port};
use crate::tls::TestCa;

/// A running MariaDB server.
#[derive(Debug)]
pub struct MariaDb {
    pub port: u16,
    pub root_user: String,
    root_password: String,
    /// The CA that signed the server certificate.
    pub ca_file: PathBuf,
    general_log: PathBuf,
    _server: Guarded,
}

fn find(program: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]
        .iter()
        .map(|d| PathBuf::from(d).join(program))
        .find(|p| p.exists())
}

static SHARED: std::sync::OnceLock<Result<MariaDb, String>> = std::sync::OnceLock::new();

impl MariaDb {
    /// The server shared by every test of this binary, started on first use.
    ///
    /// # Panics
    /// When it cannot start: the tests need it, and saying so beats skipping.
    pub fn shared() -> &'static MariaDb {
        match SHARED.get_or_init(|| MariaDb::start().map_err(|e| e.to_string())) {
            Ok(db) => db,
            Err(why) => panic!("MariaDB did not start: {why}"),
        }
    }

    /// Initialises and starts a new server. Blocking (a few seconds).
    pub fn start() -> anyhow::Result<MariaDb> {
        let server_bin = find("mariadbd")
            .or_else(|| find("mysqld"))
            .ok_or_else(|| anyhow::anyhow!("no MariaDB server found: run scripts/setup"))?;
        let install_db = find("mariadb-install-db")
            .or_else(|| find("mysql_install_db"))
            .ok_or_else(|| anyhow::anyhow!("no mariadb-install-db found: run scripts/setup"))?;
        let dir = tempfile::Builder::new()
            .prefix("mariadb-")
            .tempdir()?
            .keep();
        let data = dir.join("data");
        let password = random_alnum(24);
        let tls = TestCa::new("harness MariaDB CA")?.issue_server(&dir)?;
        let user_arg = if is_root() {
            vec!["--user=root"]
        } else {
            vec![]
        };

        let mut install_args = vec![
            "--no-defaults".to_owned(),
            format!("--datadir={}", path(&data)),
            "--auth-root-authentication-method=normal".into(),
            "--skip-test-db".into(),
            "--skip-name-resolve".into(),
        ];
        install_args.extend(user_arg.iter().map(|s| s.to_string()));
        let install_refs: Vec<&str> = install_args.iter().map(String::as_str).collect();
        run_blocking(&install_db, &install_refs, &dir.join("install.log"), None)?;

        // Runs at every start: gives root a password and a TCP account. The
        // hash, not the password, so the general log never shows it.
        let hash = secret_rotator::password_sql::native_hash(&password);
        let init = dir.join("init.sql");
        std::fs::write(
            &init,
            format!(
                "ALTER USER 'root'@'localhost' IDENTIFIED BY PASSWORD '{hash}';\n\
                 CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';\n\
                 ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY PASSWORD '{hash}';\n\
                 GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n\
                 FLUSH PRIVILEGES;\n"
            ),
        )?;

        let general_log = dir.join("general.log");
        let port = free_port()?;
        let mut args = vec![
            "--no-defaults".to_owned(),
            format!("--datadir={}", path(&data)),
            format!("--port={port}"),
            "--bind-address=127.0.0.1".into(),
            format!("--socket={}", path(&dir.join("mysqld.sock"))),
            format!("--pid-file={}", path(&dir.join("mysqld.pid"))),
            format!("--init-file={}", path(&init)),
            format!("--ssl-ca={}", path(&tls.ca)),
            format!("--ssl-cert={}", path(&tls.cert)),
            format!("--ssl-key={}", path(&tls.key)),
            "--require-secure-transport=ON".into(),
            "--skip-name-resolve".into(),
            "--skip-log-bin".into(),
            // Every statement, as the general log records it: the tests read
            // it for secrets.
            "--general-log=ON".into(),
            format!("--general-log-file={}", path(&general_log)),
            "--log-output=FILE".into(),
            "--innodb-buffer-pool-size=32M".into(),
            "--innodb-log-file-size=8M".into(),
            "--innodb-flush-log-at-trx-commit=0".into(),
        ];
        args.extend(user_arg.iter().map(|s| s.to_string()));
        let program = path(&server_bin);
        let mut server = Guarded::spawn(Spec {
            program: &program,
            args,
            run_as: None,
            stop_signal: "TERM",
            cleanup: Some(&dir),
            log: &dir.join("server.log"),
            cwd: None,
            env: &[],
        })?;
        wait_for_port(port, Duration::from_secs(60), &mut server)?;
        Ok(MariaDb {
            port,
            root_user: "root".into(),
            root_password: password,
            ca_file: tls.ca,
            general_log,
            _server: server,
        })
    }

    /// Every statement the server ran so far (its general log).
    pub fn general_log(&self) -> String {
        std::fs::read_to_string(&self.general_log).unwrap_or_default()
    }

    pub fn root_password(&self) -> &str {
        &self.root_password
    }

    /// Options that verify the server against our CA (`VERIFY_IDENTITY`).
    pub fn options(&self, user: &str, password: &str) -> MySqlConnectOptions {
        MySqlConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username(user)
            .password(password)
            .ssl_mode(MySqlSslMode::VerifyIdentity)
            .ssl_ca(&self.ca_file)
            .disable_statement_logging()
    }

    /// A root connection over verified TLS, retried while the server finishes starting.
    pub async fn connect_root(&self) -> anyhow::Result<MySqlConnection> {
        let options = self.options(&self.root_user, &self.root_password);
        connect_with_retry(&options, &format!("MariaDB on port {} (root)", self.port)).await
    }
}
