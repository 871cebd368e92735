//! A throwaway PostgreSQL server: scram-sha-256 password authentication,
//! TLS only (plaintext connections are refused by pg_hba.conf), on a random
//! loopback port, in a temporary directory removed when it stops.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};

use crate::names::random_alnum;
use crate::process::{Guarded, Spec, chown_tree, free_port, is_root, wait_for_port};
use crate::tls::TestCa;

/// The user PostgreSQL runs as when the tests run as root.
const SERVER_USER: &str = "postgres";

/// A running PostgreSQL server.
#[derive(Debug)]
pub struct Postgres {
    pub port: u16,
    pub superuser: String,
    superuser_password: String,
    /// The CA that signed the server certificate.
    pub ca_file: PathBuf,
    server: Guarded,
}

/// Directory of `initdb` and `postgres`: `$PG_BIN`, else the newest under
/// /usr/lib/postgresql (Debian's layout), else whatever is on PATH.
pub fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

static SHARED: std::sync::OnceLock<Result<Postgres, String>> = std::sync::OnceLock::new();

impl Postgres {
    /// The server shared by every test of this binary, started on first use.
    ///
    /// # Panics
    /// When it cannot start: the tests need it, and saying so beats skipping.
    pub fn shared() -> &'static Postgres {
        match SHARED.get_or_init(|| Postgres::start().map_err(|e| e.to_string())) {
            Ok(pg) => pg,
            Err(why) => panic!("PostgreSQL did not start: {why}"),
        }
    }

    /// Initialises and starts a new server. Blocking (a few seconds).
    pub fn start() -> anyhow::Result<Postgres> {
        let bin = bin_dir().ok_or_else(|| {
            anyhow::anyhow!("no PostgreSQL server binaries found: run scripts/setup")
        })?;
        let dir = tempfile::Builder::new().prefix("pg-").tempdir()?.keep();
        let data = dir.join("data");
        let superuser = "postgres".to_owned();
        let password = random_alnum(24);
        std::fs::write(dir.join("pwfile"), &password)?;
        let tls = TestCa::new("harness PostgreSQL CA")?.issue_server(&dir)?;
        if is_root() {
            chown_tree(&dir, SERVER_USER)?;
        }

        run_blocking(
            &bin.join("initdb"),
            &[
                "-D",
                &path(&data),
                "-U",
                &superuser,
                "--auth=scram-sha-256",
                &format!("--pwfile={}", path(&dir.join("pwfile"))),
                "-E",
                "UTF8",
                "--no-instructions",
                "--no-sync",
            ],
            &dir.join("initdb.log"),
            Some(SERVER_USER),
        )?;
        std::fs::write(
            data.join("pg_hba.conf"),
            "# TLS only: there is no `host` line, so plaintext TCP is refused.\n\
             hostssl all all 127.0.0.1/32 scram-sha-256\n\
             hostssl all all ::1/128 scram-sha-256\n",
        )?;
        std::fs::remove_file(dir.join("pwfile"))?;
        if is_root() {
            chown_tree(&dir, SERVER_USER)?;
        }

        let port = free_port()?;
        let postgres = path(&bin.join("postgres"));
        let mut server = Guarded::spawn(Spec {
            program: &postgres,
            args: [
                "-D".to_owned(),
                path(&data),
                "-p".into(),
                port.to_string(),
                "-c".into(),
                "listen_addresses=127.0.0.1".into(),
                "-c".into(),
                format!("unix_socket_directories={}", path(&dir)),
                "-c".into(),
                "ssl=on".into(),
                "-c".into(),
                format!("ssl_cert_file={}", path(&tls.cert)),
                "-c".into(),
                format!("ssl_key_file={}", path(&tls.key)),
                "-c".into(),
                "password_encryption=scram-sha-256".into(),
                "-c".into(),
                "fsync=off".into(),
                // Every statement, with its bound parameters, as a database
                // whose users audit DDL would: the tests read it for secrets.
                "-c".into(),
                "log_statement=all".into(),
                "-c".into(),
                "max_connections=50".into(),
            ]
            .to_vec(),
            run_as: Some(SERVER_USER),
            // SIGINT is PostgreSQL's "fast" shutdown.
            stop_signal: "INT",
            cleanup: Some(&dir),
            log: &dir.join("server.log"),
            cwd: None,
            env: &[],
        })?;
        wait_for_port(port, Duration::from_secs(60), &mut server)?;
        Ok(Postgres {
            port,
            superuser,
            superuser_password: password,
            ca_file: tls.ca,
            server,
        })
    }

    /// Everything the server logged so far (every statement: see `start`).
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.server.log_path()).unwrap_or_default()
    }

    pub fn superuser_password(&self) -> &str {
        &self.superuser_password
    }

    /// Options that verify the server against our CA (`verify-full`).
    pub fn options(&self, user: &str, password: &str, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username(user)
            .password(password)
            .database(database)
            .ssl_mode(PgSslMode::VerifyFull)
            .ssl_root_cert(&self.ca_file)
            .disable_statement_logging()
    }

    /// A superuser connection over verified TLS, retried while the server
    /// finishes starting.
    pub async fn connect_superuser(&self) -> anyhow::Result<PgConnection> {
        let options = self.options(&self.superuser, &self.superuser_password, "postgres");
        connect_with_retry(
            &options,
            &format!("PostgreSQL on port {} (superuser)", self.port),
        )
        .await
    }
}

/// Connects, retrying for up to ten seconds while a server finishes starting.
pub async fn connect_with_retry<O>(options: &O, what: &str) -> anyhow::Result<O::Connection>
where
    O: ConnectOptions,
    O::Connection: Sized,
{
    let mut last = None;
    for _ in 0..100 {
        match options.connect().await {
            Ok(conn) => return Ok(conn),
            Err(e) => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    Err(anyhow::anyhow!("{what} refused every connection: {last:?}"))
}

pub(crate) fn path(p: &Path) -> String {
    p.display().to_string()
}

/// Runs a setup command to completion, as `run_as` when the tests run as root.
pub(crate) fn run_blocking(
    program: &Path,
    args: &[&str],
    log: &Path,
    run_as: Option<&str>,
) -> anyhow::Result<()> {
    let mut cmd = match run_as {
        Some(user) if is_root() => {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        _ => std::process::Command::new(program),
    };
    let out = cmd.args(args).output()?;
    std::fs::write(log, [out.stdout.as_slice(), out.stderr.as_slice()].concat())?;
    anyhow::ensure!(
        out.status.success(),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}
