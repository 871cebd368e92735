//! The local AWS emulator (moto server), one per test binary.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::Credentials;

use crate::contract;
use crate::process::{Guarded, Spec, free_port, wait_for_port};
use crate::proxy::FaultProxy;
use crate::repo_root;

/// The region every emulator resource lives in.
pub const REGION: &str = "us-east-1";
/// The account id moto reports.
pub const ACCOUNT: &str = "123456789012";

/// A running moto server on 127.0.0.1, reached through a proxy that holds
/// every request to AWS's API contract ([`crate::contract`]).
#[derive(Debug)]
pub struct Emulator {
    front: FaultProxy,
    upstream: String,
    _server: Guarded,
    _dir: PathBuf,
}

static SHARED: OnceLock<Result<Emulator, String>> = OnceLock::new();

/// Path of the `moto_server` that `scripts/setup` installs (or `$MOTO_SERVER`).
pub fn moto_server_path() -> PathBuf {
    std::env::var_os("MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/moto_server"))
}

impl Emulator {
    /// The emulator shared by every test of this binary, started on first use.
    ///
    /// # Panics
    /// When moto cannot start: the tests cannot run without it, and saying so
    /// loudly is better than skipping.
    pub fn shared() -> &'static Emulator {
        match SHARED.get_or_init(|| Emulator::start().map_err(|e| e.to_string())) {
            Ok(emulator) => emulator,
            Err(why) => panic!("the AWS emulator did not start: {why}"),
        }
    }

    /// Starts a new moto server on a free loopback port.
    pub fn start() -> anyhow::Result<Emulator> {
        Emulator::start_with(&[])
    }

    /// Starts a new moto server with these variables in its environment
    /// (moto's own settings, e.g. `MOTO_IAM_LOAD_MANAGED_POLICIES`).
    pub fn start_with(env: &[(&str, &str)]) -> anyhow::Result<Emulator> {
        let moto = moto_server_path();
        if !moto.exists() {
            anyhow::bail!(
                "{} is missing: run scripts/setup (or `make setup`) first",
                moto.display()
            );
        }
        // A free port can be taken by another server of the same test binary
        // before moto binds it; then moto exits and something else answers.
        // So the server must answer HTTP as moto, or it starts again elsewhere.
        let mut last = String::new();
        for _ in 0..3 {
            let dir = tempfile::Builder::new().prefix("moto-").tempdir()?.keep();
            let port = free_port()?;
            let log = dir.join("moto.log");
            let program = moto.display().to_string();
            let mut server = Guarded::spawn(Spec {
                program: &program,
                args: vec![
                    "-H".into(),
                    "127.0.0.1".into(),
                    "-p".into(),
                    port.to_string(),
                ],
                run_as: None,
                stop_signal: "TERM",
                cleanup: Some(&dir),
                log: &log,
                cwd: None,
                env,
            })?;
            match wait_for_port(port, Duration::from_secs(60), &mut server) {
                Ok(()) if bound_by_this_moto(&log, port, &mut server) && answers_as_moto(port) => {
                    let upstream = format!("http://127.0.0.1:{port}");
                    let ledger = contract::process_ledger();
                    contract::fail_process_on_violations();
                    let front = FaultProxy::start_checking(&upstream, ledger)?;
                    return Ok(Emulator {
                        front,
                        upstream,
                        _server: server,
                        _dir: dir,
                    });
                }
                Ok(()) => {
                    last = format!(
                        "port {port} answered, but not as moto:\n{}",
                        server.log_tail()
                    );
                }
                Err(e) => last = e.to_string(),
            }
        }
        anyhow::bail!("the emulator did not start: {last}")
    }

    /// `http://127.0.0.1:PORT` of the contract-checking front: what every
    /// SDK client, function and demo step is given.
    pub fn endpoint(&self) -> &str {
        self.front.endpoint()
    }

    /// moto itself, unchecked: for moto's own API (reset) and for readers
    /// that are not AWS clients.
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// An SDK config for this emulator: test credentials, fast retries.
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config_for(self.endpoint()).await
    }

    /// Clears every resource in the emulator (tests that need an empty
    /// account call this; most use unique names instead).
    pub async fn reset(&self) -> anyhow::Result<()> {
        let url = format!("{}/moto-api/reset", self.upstream);
        crate::proxy::post_empty(&url).await
    }
}

/// Whether this moto process itself listens on `port`: its log says so.
/// An answer on the port is not enough: another emulator's proxy can take
/// the port while this moto is still starting, and it answers as moto does.
fn bound_by_this_moto(log: &std::path::Path, port: u16, server: &mut Guarded) -> bool {
    let running = format!("Running on http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if std::fs::read_to_string(log).is_ok_and(|text| text.contains(&running)) {
            return !server.has_exited();
        }
        if server.has_exited() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Whether `GET /moto-api/` on the port gets moto's HTTP answer.
fn answers_as_moto(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    if stream
        .write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}

/// An SDK config for any endpoint on loopback (the emulator or a proxy in
/// front of it): static test credentials, standard retries with a short
/// backoff so fault-injection tests stay fast.
pub async fn sdk_config_for(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            "testing", "testing", None, None, "harness",
        ))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5))
                .with_max_backoff(Duration::from_millis(50)),
        )
        .load()
        .await
}
