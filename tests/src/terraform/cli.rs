//! The real `terraform` binary with the AWS provider from the machine's
//! filesystem mirror, through the CLI configuration `scripts/setup` writes
//! (`.tools/terraform/cli.tfrc`): nothing is downloaded, and the user's own
//! `~/.terraformrc` is never read or touched. Every run works on a copy of
//! `terraform/` in a temporary directory, so `.terraform/`, lock files and
//! state never land in the repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{FUNCTIONS, repo_root};

/// The `terraform` on PATH with the CLI configuration of `scripts/setup`.
#[derive(Debug)]
pub struct Terraform {
    config: PathBuf,
}

impl Terraform {
    /// Fails when `scripts/setup` has not found terraform and the mirror.
    pub fn new() -> Result<Terraform, String> {
        let config = repo_root().join(".tools/terraform/cli.tfrc");
        if !config.is_file() {
            return Err(format!(
                "{} is missing: run scripts/setup (or `make setup`), which finds terraform and the AWS provider mirror",
                config.display()
            ));
        }
        Ok(Terraform { config })
    }

    /// Runs `terraform args...` in `dir`, without colour or prompts.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Result<Output, String> {
        Command::new("terraform")
            .args(args)
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", &self.config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_DATA_DIR")
            .env_remove("TF_WORKSPACE")
            .output()
            .map_err(|e| format!("terraform {} (is terraform on PATH?): {e}", args.join(" ")))
    }

    /// Runs and requires success; returns stdout, or an error with both
    /// streams.
    pub fn ok(&self, dir: &Path, args: &[&str]) -> Result<String, String> {
        let out = self.run(dir, args)?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            return Ok(stdout);
        }
        // Terraform writes its errors to stderr; of stdout (a plan can run
        // to megabytes) the end is enough to see where it stopped.
        let lines: Vec<&str> = stdout.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        Err(format!(
            "terraform {} in {} failed:\n...\n{tail}\n{}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ))
    }

    /// `init -backend=false` from the mirror.
    pub fn init(&self, dir: &Path) -> Result<(), String> {
        self.ok(dir, &["init", "-backend=false", "-no-color"])
            .map(|_| ())
    }
}

/// A throwaway copy of the repository's `terraform/` beside a
/// `target/lambda/<function>/bootstrap.zip` for each function (any bytes:
/// plans only hash them), laid out as in the repository so the
/// environments' default `artifacts_dir` finds them.
#[derive(Debug)]
pub struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Result<Workspace, String> {
        let ws = Workspace::without_zips()?;
        for function in FUNCTIONS {
            let zip = ws.dir.path().join("target/lambda").join(function);
            std::fs::create_dir_all(&zip).map_err(|e| format!("{}: {e}", zip.display()))?;
            std::fs::write(zip.join("bootstrap.zip"), function.as_bytes())
                .map_err(|e| format!("{}: {e}", zip.display()))?;
        }
        Ok(ws)
    }

    /// The copy of `terraform/` alone, as in a clone where `make package`
    /// has not run.
    pub fn without_zips() -> Result<Workspace, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
        copy_dir(
            &repo_root().join("terraform"),
            &dir.path().join("terraform"),
        )?;
        Ok(Workspace { dir })
    }

    /// `terraform/<rel>` inside the copy.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join("terraform").join(rel)
    }

    /// Replaces `from` by `to` in `terraform/<file>` of the copy (to plant a
    /// defect); fails when `from` is not there.
    pub fn edit(&self, file: &str, from: &str, to: &str) -> Result<(), String> {
        let path = self.path(file);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
        if !text.contains(from) {
            return Err(format!("{file} does not contain {from:?}"));
        }
        std::fs::write(&path, text.replacen(from, to, 1)).map_err(|e| format!("{file}: {e}"))
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let name = entry.file_name();
        // A user's own init or state in the source tree stays out of the copy.
        let skip = name == ".terraform"
            || name.to_string_lossy().ends_with(".tfstate")
            || name.to_string_lossy().contains(".tfstate.")
            || name == ".terraform.lock.hcl"
            || name == "terraform.tfvars";
        if skip {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name))?;
        } else {
            std::fs::copy(&path, to.join(&name)).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}
