//! The real `terraform` binary with the AWS provider from the machine's
//! filesystem mirror: nothing is downloaded, and the user's own CLI
//! configuration (`~/.terraformrc`, `TF_CLI_CONFIG_FILE`) is never read or
//! touched. Every run works on a copy of `terraform/` in a temporary
//! directory, so `.terraform/`, lock files and state never land in the
//! repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{FUNCTIONS, repo_root};

/// Where a provider mirror may be named explicitly; otherwise it is found.
pub const MIRROR_VAR: &str = "TF_PROVIDER_MIRROR";

/// The `terraform` binary and a CLI configuration of our own.
#[derive(Debug)]
pub struct Terraform {
    bin: PathBuf,
    config: PathBuf,
    _dir: tempfile::TempDir,
}

impl Terraform {
    /// Finds `terraform` on PATH and the directory holding
    /// `registry.terraform.io/hashicorp/aws`, and writes a CLI configuration
    /// that installs the AWS provider from there only.
    pub fn new() -> Result<Terraform, String> {
        let bin = which("terraform").ok_or_else(|| {
            "terraform is not on PATH: this machine image carries it in /usr/local/bin; \
             install Terraform 1.6 or later"
                .to_owned()
        })?;
        let mirror = find_mirror()?;
        let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
        let config = dir.path().join("cli.tfrc");
        let text = format!(
            r#"provider_installation {{
  filesystem_mirror {{
    path    = "{}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }}
  direct {{
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }}
}}
"#,
            mirror.display()
        );
        std::fs::write(&config, text).map_err(|e| format!("{}: {e}", config.display()))?;
        Ok(Terraform {
            bin,
            config,
            _dir: dir,
        })
    }

    /// Runs `terraform args...` in `dir`, without colour or prompts.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Result<Output, String> {
        Command::new(&self.bin)
            .args(args)
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", &self.config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_DATA_DIR")
            .env_remove("TF_WORKSPACE")
            .output()
            .map_err(|e| format!("terraform {}: {e}", args.join(" ")))
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

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The parent of a `registry.terraform.io` directory that holds
/// `hashicorp/aws`: `TF_PROVIDER_MIRROR` if set, else the usual plugin
/// directories, else a search of the root file system five levels deep.
fn find_mirror() -> Result<PathBuf, String> {
    let holds_aws = |dir: &Path| dir.join("registry.terraform.io/hashicorp/aws").is_dir();
    if let Some(dir) = std::env::var_os(MIRROR_VAR) {
        let dir = PathBuf::from(dir);
        return if holds_aws(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "{MIRROR_VAR}={} holds no registry.terraform.io/hashicorp/aws",
                dir.display()
            ))
        };
    }
    let mut candidates = vec![
        PathBuf::from("/opt/tf-plugins"),
        PathBuf::from("/usr/local/share/terraform/plugins"),
        PathBuf::from("/usr/share/terraform/plugins"),
    ];
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".terraform.d/plugins"));
    }
    if let Some(dir) = candidates.into_iter().find(|d| holds_aws(d)) {
        return Ok(dir);
    }
    let out = Command::new("find")
        .args([
            "/",
            "-xdev",
            "-maxdepth",
            "5",
            "-type",
            "d",
            "-name",
            "registry.terraform.io",
        ])
        .output()
        .map_err(|e| format!("find: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| Path::new(l).parent().map(Path::to_path_buf))
        .find(|d| holds_aws(d))
        .ok_or_else(|| {
            format!(
                "no filesystem mirror of the hashicorp/aws provider was found (a directory \
                 registry.terraform.io/hashicorp/aws): set {MIRROR_VAR} to its parent"
            )
        })
}
