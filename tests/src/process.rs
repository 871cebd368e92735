//! Server processes that cannot outlive the test binary that started them.
//!
//! Each server runs under a small `sh` guard that waits for its standard
//! input to close, then stops the server and removes its data directory.
//! The write end of that pipe belongs to this process, so the server stops
//! when the guard value is dropped *or* when the test binary exits in any
//! way, even for servers shared through a `static` (whose destructors never run).

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

const GUARD: &str = r#"
sig="$1"; cleanup="$2"; shift 2
"$@" &
pid=$!
cat >/dev/null
kill -"$sig" "$pid" 2>/dev/null
# A server that does not stop within ten seconds is killed: the guard
# must never outlive its test binary by more than that.
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
[ -n "$cleanup" ] && rm -rf "$cleanup"
exit 0
"#;

/// How to start one server.
#[derive(Debug)]
pub struct Spec<'a> {
    pub program: &'a str,
    pub args: Vec<String>,
    /// Run as this user when the tests run as root (PostgreSQL refuses root).
    pub run_as: Option<&'a str>,
    /// Signal that stops the server cleanly and fast.
    pub stop_signal: &'a str,
    /// Removed once the server has stopped.
    pub cleanup: Option<&'a Path>,
    /// stdout and stderr go here.
    pub log: &'a Path,
    /// Working directory (default: this process's).
    pub cwd: Option<&'a Path>,
    /// Variables added to the server's environment.
    pub env: &'a [(&'a str, &'a str)],
}

/// A running server; stopping it is dropping this.
#[derive(Debug)]
pub struct Guarded {
    child: Child,
    stdin: Option<ChildStdin>,
    log: PathBuf,
}

impl Guarded {
    pub fn spawn(spec: Spec<'_>) -> io::Result<Self> {
        let log = std::fs::File::create(spec.log)?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(GUARD)
            .arg("guard")
            .arg(spec.stop_signal)
            .arg(
                spec.cleanup
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            );
        match spec.run_as {
            // setpriv execs the server itself (runuser would stay as its
            // parent and not pass the stop signal on).
            Some(user) if is_root() => {
                cmd.args([
                    "setpriv",
                    "--reuid",
                    user,
                    "--regid",
                    user,
                    "--init-groups",
                    "--",
                    spec.program,
                ]);
            }
            _ => {
                cmd.arg(spec.program);
            }
        }
        if let Some(dir) = spec.cwd {
            cmd.current_dir(dir);
        }
        cmd.args(&spec.args)
            .envs(spec.env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(log.try_clone()?)
            .stderr(log);
        let mut child = cmd.spawn()?;
        let stdin = child.stdin.take();
        Ok(Self {
            child,
            stdin,
            log: spec.log.to_path_buf(),
        })
    }

    /// Where the server's output goes.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The server's output so far, for failure messages.
    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }

    /// Whether the guard (and so the server) has exited already.
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// The last lines of a log file.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

pub fn is_root() -> bool {
    std::env::var("USER").map(|u| u == "root").unwrap_or(false) || current_uid() == Some(0)
}

fn current_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Uid and gid of a local user, from `id`.
pub fn user_ids(user: &str) -> io::Result<(u32, u32)> {
    let id = |flag: &str| -> io::Result<u32> {
        let out = Command::new("id").arg(flag).arg(user).output()?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| io::Error::other(format!("no local user {user:?}")))
    };
    Ok((id("-u")?, id("-g")?))
}

/// Gives a directory tree to `user` (so a server running as that user owns its files).
pub fn chown_tree(path: &Path, user: &str) -> io::Result<()> {
    let status = Command::new("chown")
        .arg("-R")
        .arg(user)
        .arg(path)
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "chown -R {user} {} failed",
            path.display()
        )))
    }
}

/// A free TCP port on 127.0.0.1 (the OS picks it; the listener is closed at once).
pub fn free_port() -> io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
pub fn wait_for_port(port: u16, timeout: Duration, server: &mut Guarded) -> io::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if server.has_exited() {
            return Err(io::Error::other(format!(
                "server exited before listening on port {port}:\n{}",
                server.log_tail()
            )));
        }
        if Instant::now() > deadline {
            return Err(io::Error::other(format!(
                "nothing listened on port {port} within {timeout:?}:\n{}",
                server.log_tail()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
