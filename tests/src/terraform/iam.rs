//! Code and IAM agree: the AWS operations a function's code calls, found in
//! its source (and in the `shared` code it uses), against the actions its
//! Terraform policy grants.
//!
//! An SDK call is a `.operation()` method call whose name is an operation of
//! an `aws-sdk-*` crate the function depends on; the operation names come
//! from those crates' own sources (`src/operation/<name>/`). When two of the
//! function's SDKs share an operation name, the receiver (`clients.rds`,
//! `self.sns`) says which one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl::Expression;

use super::{Module, string_list};

/// IAM service prefix of each SDK crate we use.
const PREFIXES: &[(&str, &str)] = &[
    ("aws-sdk-sns", "sns"),
    ("aws-sdk-sqs", "sqs"),
    ("aws-sdk-secretsmanager", "secretsmanager"),
    ("aws-sdk-ecs", "ecs"),
    ("aws-sdk-autoscaling", "autoscaling"),
    ("aws-sdk-applicationautoscaling", "application-autoscaling"),
    ("aws-sdk-rds", "rds"),
    ("aws-sdk-backup", "backup"),
    ("aws-sdk-ec2", "ec2"),
    ("aws-sdk-cloudwatch", "cloudwatch"),
    ("aws-sdk-lambda", "lambda"),
    ("aws-sdk-eventbridge", "events"),
    ("aws-sdk-ssm", "ssm"),
];

/// Receiver names that say which SDK an ambiguous call goes to.
const RECEIVERS: &[(&str, &str)] = &[
    ("sns", "aws-sdk-sns"),
    ("sqs", "aws-sdk-sqs"),
    ("sm", "aws-sdk-secretsmanager"),
    ("secrets", "aws-sdk-secretsmanager"),
    ("secretsmanager", "aws-sdk-secretsmanager"),
    ("ecs", "aws-sdk-ecs"),
    ("autoscaling", "aws-sdk-autoscaling"),
    ("asg", "aws-sdk-autoscaling"),
    ("app_autoscaling", "aws-sdk-applicationautoscaling"),
    ("rds", "aws-sdk-rds"),
    ("backup", "aws-sdk-backup"),
    ("ec2", "aws-sdk-ec2"),
    ("events", "aws-sdk-eventbridge"),
    ("ssm", "aws-sdk-ssm"),
];

/// Batch operations authorised by the single-message action (the IAM
/// reference lists no action of their own).
const AUTHORISED_BY: &[(&str, &str)] = &[
    ("sns:publishbatch", "sns:Publish"),
    ("sqs:sendmessagebatch", "sqs:SendMessage"),
    ("sqs:deletemessagebatch", "sqs:DeleteMessage"),
    (
        "sqs:changemessagevisibilitybatch",
        "sqs:ChangeMessageVisibility",
    ),
];

/// Actions a call needs besides its own: RDS authorises the tags given to
/// CreateDBInstance as `rds:AddTagsToResource` (RDS User Guide, "Tagging
/// Amazon RDS resources"); EC2 starts an instance whose EBS volumes are
/// encrypted with a customer managed key only if the caller may create a
/// grant on that key (EC2 User Guide, "Amazon EBS encryption", required
/// KMS permissions).
const ALSO_NEEDS: &[(&str, &str)] = &[
    ("rds:CreateDBInstance", "rds:AddTagsToResource"),
    ("ec2:StartInstances", "kms:CreateGrant"),
];

/// What Lambda itself does with a function's role and that has no
/// resource-level permissions: attach to the VPC, write traces.
const LAMBDA_SERVICE_UNSCOPED: &[&str] = &[
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
];

/// Actions the functions' code calls that have no resource-level
/// permissions (the Service Authorization Reference lists no resource type
/// for them), so `"*"` is the only resource they can be granted on.
const CODE_UNSCOPED: &[&str] = &[
    "ecs:ListClusters",
    "ecs:ListServices",
    "ecs:DescribeTaskDefinition",
    "application-autoscaling:DescribeScalableTargets",
    "autoscaling:DescribeAutoScalingGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeSpotInstanceRequests",
    "ec2:DescribeVolumes",
    "ec2:DescribeSnapshots",
    "backup:ListRecoveryPointsByResource",
    "backup:ListBackupJobs",
    "backup:ListCopyJobs",
    "backup:DescribeRestoreJob",
    "backup:PutRestoreValidationResult",
    "secretsmanager:GetRandomPassword",
    "sqs:ListQueues",
];

/// Whether `"*"` is the only resource `action` can be granted on. Any other
/// action on `"*"` is a finding.
pub fn wildcard_only(action: &str) -> bool {
    CODE_UNSCOPED
        .iter()
        .chain(LAMBDA_SERVICE_UNSCOPED)
        .any(|w| w.eq_ignore_ascii_case(action))
}

/// What the Lambda service itself does with a function's role, apart from
/// the function's code: write its logs and traces, attach to the VPC, send
/// failed asynchronous events to the on-failure queue, and use the KMS keys
/// of the queues, topics and secrets the code touches. Only these may appear
/// in a function's `runtime` policy document.
pub fn runtime_action(action: &str) -> bool {
    [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sqs:SendMessage",
        "kms:Decrypt",
        "kms:GenerateDataKey",
    ]
    .iter()
    .chain(LAMBDA_SERVICE_UNSCOPED)
    .any(|r| r.eq_ignore_ascii_case(action))
}

/// One SDK call found in source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    pub action: String,
    pub at: String,
}

/// `scaling-scheduler` → `scaling_scheduler`: the policy document's name.
pub fn document_name(function: &str) -> String {
    function.replace('-', "_")
}

/// Per `aws-sdk-*` package in the workspace's dependency graph (found with
/// `cargo metadata`): its operations, method name to API name
/// (`describe_db_instances` to `DescribeDBInstances`).
pub type Operations = BTreeMap<String, BTreeMap<String, String>>;

pub fn sdk_operations(root: &Path) -> Result<Operations, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Without a platform filter, `--offline` resolves crates for every
    // target (android_system_properties, ...), which a fresh cargo home has
    // never downloaded; the build only fetched the host's.
    let host = host_triple()?;
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let mut ops = BTreeMap::new();
    for package in meta["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or_default();
        if !name.starts_with("aws-sdk-") {
            continue;
        }
        let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap_or_default());
        let dir = manifest
            .parent()
            .map(|d| d.join("src/operation"))
            .ok_or_else(|| format!("{name}: no manifest directory"))?;
        let names: BTreeMap<String, String> = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| {
                let method = e.file_name().to_string_lossy().into_owned();
                let api = api_name(&dir.join(format!("{method}.rs")))
                    .unwrap_or_else(|| method.replace('_', ""));
                (method, api)
            })
            .collect();
        ops.insert(name.to_owned(), names);
    }
    Ok(ops)
}

/// The triple rustc builds for here (`x86_64-unknown-linux-gnu`).
fn host_triple() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("rustc -vV: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_owned())
        .ok_or_else(|| "rustc -vV printed no host triple".to_owned())
}

/// The API name in the operation's `Metadata::new("DescribeDBInstances", ...)`.
fn api_name(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let after = text.split("Metadata::new(").nth(1)?;
    let quoted = after.split('"').nth(1)?;
    Some(quoted.to_owned())
}

/// `aws-sdk-*` crates named in a Cargo.toml's `[dependencies]`.
fn sdk_dependencies(manifest: &str) -> BTreeSet<String> {
    let mut in_deps = false;
    let mut deps = BTreeSet::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps
            && let Some(name) = line.split(['=', '.', ' ']).next()
            && name.starts_with("aws-sdk-")
        {
            deps.insert(name.to_owned());
        }
    }
    deps
}

/// Source without comments and without its `#[cfg(test)]` part.
fn code_only(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `(receiver, method)` for every `receiver.method()` call with no
/// arguments: how a fluent SDK call starts.
fn zero_arg_calls(code: &str) -> Vec<(String, String, usize)> {
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'.' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < bytes.len() && ident(bytes[j]) {
            j += 1;
        }
        let method = &code[start..j];
        let mut k = j;
        while k < bytes.len() && bytes[k].is_ascii_whitespace() {
            k += 1;
        }
        if !method.is_empty() && code[k..].starts_with("()") {
            let mut r = i;
            while r > 0 && bytes[r - 1].is_ascii_whitespace() {
                r -= 1;
            }
            let end = r;
            while r > 0 && ident(bytes[r - 1]) {
                r -= 1;
            }
            let line = code[..i].matches('\n').count() + 1;
            out.push((code[r..end].to_owned(), method.to_owned(), line));
        }
        i = j.max(i + 1);
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The IAM actions (case as IAM spells them where known, else the SDK's
/// name) a function's code calls, each with where. Errors name calls whose
/// service cannot be told.
pub fn code_actions(root: &Path, function: &str, ops: &Operations) -> Result<Vec<Call>, String> {
    let dir = root.join("functions").join(function);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))
        .map_err(|e| format!("{function}: Cargo.toml: {e}"))?;
    let shared_manifest = std::fs::read_to_string(root.join("shared/Cargo.toml"))
        .map_err(|e| format!("shared/Cargo.toml: {e}"))?;
    let mut sdks = sdk_dependencies(&manifest);
    sdks.extend(sdk_dependencies(&shared_manifest));

    let own: Vec<(PathBuf, String)> = rust_files(&dir.join("src"))
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, code_only(&t))))
        .collect();
    let own_text: String = own.iter().map(|(_, t)| t.as_str()).collect();
    // A shared file counts when the function names one of its public items.
    let mut files = own.clone();
    for path in rust_files(&root.join("shared/src")) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let code = code_only(&text);
        let used = public_items(&code).iter().any(|item| {
            own_text
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .any(|w| w == item)
        });
        if used {
            files.push((path, code));
        }
    }

    let mut calls = Vec::new();
    for (path, code) in &files {
        for (receiver, method, line) in zero_arg_calls(code) {
            let candidates: Vec<&String> = sdks
                .iter()
                .filter(|sdk| ops.get(*sdk).is_some_and(|o| o.contains_key(&method)))
                .collect();
            let sdk = match candidates.as_slice() {
                [] => continue,
                [one] => (*one).clone(),
                many => {
                    let hinted = RECEIVERS
                        .iter()
                        .find(|(alias, _)| *alias == receiver)
                        .map(|(_, sdk)| (*sdk).to_owned());
                    match hinted {
                        Some(s) if many.iter().any(|m| **m == s) => s,
                        _ => {
                            return Err(format!(
                                "{}:{line}: `.{method}()` on `{receiver}` exists in {} SDKs ({}): \
                                 name the receiver after its service",
                                path.display(),
                                many.len(),
                                many.iter()
                                    .map(|s| s.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                    }
                }
            };
            let prefix = PREFIXES
                .iter()
                .find(|(c, _)| *c == sdk)
                .map(|(_, p)| *p)
                .ok_or_else(|| format!("no IAM prefix known for {sdk}"))?;
            let api = ops
                .get(&sdk)
                .and_then(|o| o.get(&method))
                .cloned()
                .unwrap_or_else(|| method.replace('_', ""));
            let action = format!("{prefix}:{api}");
            let action = AUTHORISED_BY
                .iter()
                .find(|(batch, _)| batch.eq_ignore_ascii_case(&action))
                .map(|(_, single)| (*single).to_owned())
                .unwrap_or(action);
            let rel = path.strip_prefix(root).unwrap_or(path);
            let at = format!("{}:{line}", rel.display());
            for (_, needed) in ALSO_NEEDS
                .iter()
                .filter(|(call, _)| call.eq_ignore_ascii_case(&action))
            {
                calls.push(Call {
                    action: (*needed).to_owned(),
                    at: at.clone(),
                });
            }
            calls.push(Call { action, at });
        }
    }
    Ok(calls)
}

fn public_items(code: &str) -> Vec<String> {
    let mut items = Vec::new();
    for kw in [
        "pub struct ",
        "pub enum ",
        "pub fn ",
        "pub async fn ",
        "pub trait ",
    ] {
        for part in code.split(kw).skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                items.push(name);
            }
        }
    }
    items
}

/// One statement of a policy document.
#[derive(Debug, Clone)]
pub struct Statement {
    pub actions: Vec<String>,
    pub wildcard_resource: bool,
}

/// Statements of `data "aws_iam_policy_document" "<name>"` in `module`.
pub fn policy(module: &Module, name: &str) -> Result<Vec<Statement>, String> {
    let block = module
        .find("data", &["aws_iam_policy_document", name])
        .ok_or_else(|| {
            format!(
                "no data.aws_iam_policy_document.{name} in {}",
                module.dir.display()
            )
        })?;
    let mut out = Vec::new();
    for statement in block.body.blocks() {
        let body = match statement.identifier.as_str() {
            "statement" => &statement.body,
            "dynamic" => statement
                .body
                .blocks()
                .find(|b| b.identifier.as_str() == "content")
                .map(|b| &b.body)
                .ok_or_else(|| format!("{name}: dynamic statement without content"))?,
            _ => continue,
        };
        if body.attributes().any(|a| a.key.as_str() == "not_actions") {
            return Err(format!("{name}: not_actions grants everything else"));
        }
        let actions = body
            .attributes()
            .find(|a| a.key.as_str() == "actions")
            .and_then(|a| string_list(&a.expr))
            .ok_or_else(|| format!("{name}: every statement needs a literal `actions` list"))?;
        let wildcard_resource = body
            .attributes()
            .find(|a| a.key.as_str() == "resources")
            .map(|a| match &a.expr {
                Expression::Array(items) => items
                    .iter()
                    .any(|e| matches!(e, Expression::String(s) if s == "*")),
                _ => false,
            })
            .unwrap_or(true);
        out.push(Statement {
            actions,
            wildcard_resource,
        });
    }
    Ok(out)
}

/// A finding for each action a statement grants on `"*"` that could be
/// scoped to resources.
fn unscoped(function: &str, statement: &Statement, what: &str, findings: &mut Vec<String>) {
    if !statement.wildcard_resource {
        return;
    }
    for action in statement.actions.iter().filter(|a| !wildcard_only(a)) {
        findings.push(format!(
            "{function}: {what}`{action}` is granted on \"*\" but can be scoped to resources"
        ));
    }
}

/// Everything wrong with one function's grants, compared with its calls.
pub fn compare(
    function: &str,
    calls: &[Call],
    code_policy: &[Statement],
    runtime: &[Statement],
) -> Vec<String> {
    let mut findings = Vec::new();
    let called: BTreeMap<String, &Call> = calls
        .iter()
        .map(|c| (c.action.to_ascii_lowercase(), c))
        .collect();
    let mut granted: BTreeMap<String, String> = BTreeMap::new();
    for statement in code_policy {
        for action in &statement.actions {
            if action.contains('*') {
                findings.push(format!("{function}: wildcard action `{action}`"));
            }
            granted.insert(action.to_ascii_lowercase(), action.clone());
        }
        unscoped(function, statement, "", &mut findings);
    }
    for (lower, call) in &called {
        if !granted.contains_key(lower) {
            findings.push(format!(
                "{function}: the code calls `{}` ({}) but the policy does not grant it",
                call.action, call.at
            ));
        }
    }
    for (lower, action) in &granted {
        if !called.contains_key(lower) {
            findings.push(format!(
                "{function}: the policy grants `{action}` but the code never calls it"
            ));
        }
    }
    for statement in runtime {
        for action in statement.actions.iter().filter(|a| !runtime_action(a)) {
            findings.push(format!(
                "{function}: `{action}` in the runtime policy is not something Lambda itself needs"
            ));
        }
        unscoped(function, statement, "runtime ", &mut findings);
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fluent_calls_across_lines_and_skips_comments_and_tests() {
        let code = code_only(
            "let x = clients\n    .rds\n    .describe_db_instances()\n    .send();\n// sns.publish()\nfoo.bar(1);\n#[cfg(test)]\nsqs.send_message()",
        );
        let calls = zero_arg_calls(&code);
        let names: Vec<_> = calls
            .iter()
            .map(|(r, m, _)| (r.as_str(), m.as_str()))
            .collect();
        assert_eq!(names, [("rds", "describe_db_instances"), ("", "send")]);
    }

    #[test]
    fn reads_sdk_dependencies() {
        let deps = sdk_dependencies(
            "[package]\nname = \"x\"\n[dependencies]\naws-sdk-sqs.workspace = true\naws-sdk-sns = { workspace = true }\nserde = \"1\"\n[dev-dependencies]\naws-sdk-rds = \"1\"\n",
        );
        assert_eq!(
            deps.into_iter().collect::<Vec<_>>(),
            ["aws-sdk-sns", "aws-sdk-sqs"]
        );
    }
}
