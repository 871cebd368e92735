//! Offline validation of `terraform/` (no Terraform binary or provider
//! download is needed): the provider schema, checkov, code-vs-IAM, and
//! EventBridge rules against the sample events. Each validator also has a
//! test showing it fails on a broken input.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use harness::emulator::Emulator;
use harness::terraform::cli::{Terraform, Workspace};
use harness::terraform::schema::{self, Schema};
use harness::terraform::{FUNCTIONS, Module, docs, iam, module_dirs, pattern, repo_root};
use serde_json::Value;

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| schema::load(&repo_root()).expect("provider schema"))
}

fn modules() -> BTreeMap<PathBuf, Module> {
    module_dirs(&repo_root().join("terraform"))
        .into_iter()
        .map(|dir| {
            let module = Module::load(&dir).expect("parse");
            (schema::normalize(&dir), module)
        })
        .collect()
}

fn automation() -> Module {
    Module::load(&repo_root().join("terraform/modules/automation")).expect("automation module")
}

// --- 1. schema -----------------------------------------------------------

#[test]
fn every_type_argument_block_and_reference_exists_in_the_provider_schema() {
    let modules = modules();
    let expected: BTreeSet<&str> = [
        "modules/network",
        "modules/ecs",
        "modules/database",
        "modules/queue",
        "modules/backup",
        "modules/notifications",
        "modules/automation",
        "modules/kms-key",
        "environments/staging",
        "environments/production",
        "environments/local",
    ]
    .into();
    let root = repo_root().join("terraform");
    let found: BTreeSet<String> = modules
        .keys()
        .filter_map(|d| d.strip_prefix(&root).ok())
        .map(|d| d.display().to_string())
        .collect();
    for want in &expected {
        assert!(found.contains(*want), "terraform/{want} is missing");
    }
    let findings = schema::check(schema(), &modules);
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

fn schema_findings(text: &str) -> Vec<String> {
    let module = Module::from_text("t", text).expect("parse");
    let mut all = BTreeMap::new();
    all.insert(PathBuf::from("t"), module);
    schema::check(schema(), &all)
}

#[test]
fn the_schema_check_fails_on_unknown_or_missing_arguments_and_dangling_references() {
    let good = r#"
        variable "name" { type = string }
        resource "aws_sqs_queue" "q" { name = var.name }
        resource "aws_sns_topic" "t" {}
        output "arn" { value = aws_sqs_queue.q.arn }
    "#;
    assert_eq!(schema_findings(good), Vec::<String>::new());

    let cases = [
        (
            r#"resource "aws_sqs_queue" "q" { nmae = "x" }"#,
            "unknown argument `nmae`",
        ),
        (
            r#"resource "aws_sqs_queues" "q" {}"#,
            "unknown resource type `aws_sqs_queues`",
        ),
        (
            r#"resource "aws_lambda_function" "f" { function_name = "f" }"#,
            "required argument `role` is not set",
        ),
        (
            r#"resource "aws_lambda_function" "f" {
                 function_name = "f"
                 role = "r"
                 environment { varz = {} }
               }"#,
            "unknown argument `varz`",
        ),
        (
            r#"resource "aws_sqs_queue" "q" { name = var.missing }"#,
            "undeclared variable `var.missing`",
        ),
        (
            r#"resource "aws_sqs_queue" "q" {}
               output "x" { value = aws_sqs_queue.q.no_such_attr }"#,
            "has no attribute `no_such_attr`",
        ),
        (
            r#"output "x" { value = "${aws_sqs_queue.nope.arn}" }"#,
            "no resource `aws_sqs_queue.nope`",
        ),
        (
            r#"output "x" { value = local.nothing }"#,
            "undeclared local `local.nothing`",
        ),
    ];
    for (text, want) in cases {
        let findings = schema_findings(text);
        assert!(
            findings.iter().any(|f| f.contains(want)),
            "expected `{want}` for {text}, got {findings:?}"
        );
    }
}

#[test]
fn module_calls_must_match_the_module_variables_and_outputs() {
    let child = Module::from_text(
        "child",
        r#"variable "need" {}
           variable "opt" { default = 1 }
           output "out" { value = var.need }"#,
    )
    .expect("parse");
    let parent = Module::from_text(
        "parent",
        r#"module "c" {
             source = "../child"
             opt = 2
             extra = 3
           }
           output "o" { value = module.c.not_an_output }"#,
    )
    .expect("parse");
    let mut all = BTreeMap::new();
    all.insert(PathBuf::from("child"), child);
    all.insert(PathBuf::from("parent"), parent);
    let findings = schema::check(schema(), &all).join("\n");
    assert!(findings.contains("`extra` is not a variable"), "{findings}");
    assert!(findings.contains("required variable `need`"), "{findings}");
    assert!(
        findings.contains("has no output `not_an_output`"),
        "{findings}"
    );
}

// --- 2. checkov ------------------------------------------------------------

fn checkov() -> PathBuf {
    repo_root().join(".tools/checkov/bin/checkov")
}

/// Runs checkov over `dir`; returns the failed checks as `id resource file`.
fn checkov_failures(dir: &Path) -> Vec<String> {
    let out = std::process::Command::new(checkov())
        .args([
            "--quiet",
            "--compact",
            "--output",
            "json",
            "--framework",
            "terraform",
            // Examples call the modules with illustrative values (a
            // single-AZ database, say); checkov re-reads the modules through
            // them without their inline skips. The modules and environments
            // are what is deployed, and what is checked.
            "--skip-path",
            "/examples/",
        ])
        .arg("--directory")
        .arg(dir)
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .output()
        .expect("run checkov (make setup installs it in .tools/checkov)");
    let text = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "checkov output is not JSON ({e}): {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    // One report, or one per framework.
    let reports = match report {
        Value::Array(items) => items,
        one => vec![one],
    };
    let mut failures = Vec::new();
    for r in reports {
        for f in r["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            failures.push(format!(
                "{} {} {}: {}",
                f["check_id"].as_str().unwrap_or_default(),
                f["resource"].as_str().unwrap_or_default(),
                f["file_path"].as_str().unwrap_or_default(),
                f["check_name"].as_str().unwrap_or_default(),
            ));
        }
    }
    failures
}

#[test]
fn checkov_finds_no_failed_check_and_every_skip_says_why() {
    let failures = checkov_failures(&repo_root().join("terraform"));
    assert!(failures.is_empty(), "checkov:\n{}", failures.join("\n"));

    let mut unexplained = Vec::new();
    for dir in module_dirs(&repo_root().join("terraform")) {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|x| x != "tf") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            for (n, line) in text.lines().enumerate() {
                if let Some(rest) = line.split("checkov:skip=").nth(1) {
                    let reason = rest.split_once(':').map(|(_, r)| r.trim()).unwrap_or("");
                    if reason.len() < 10 {
                        unexplained.push(format!("{}:{}: {line}", path.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "skips without a reason:\n{}",
        unexplained.join("\n")
    );
}

#[test]
fn checkov_fails_an_unencrypted_public_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "aws_sqs_queue" "q" {
             name                    = "plain"
             sqs_managed_sse_enabled = false
           }"#,
    )
    .expect("write");
    let failures = checkov_failures(dir.path());
    assert!(
        failures.iter().any(|f| f.contains("aws_sqs_queue.q")),
        "checkov should fail an unencrypted queue: {failures:?}"
    );
}

// --- 3. code and IAM ---------------------------------------------------------

fn iam_findings(module: &Module, ops: &iam::Operations) -> Vec<String> {
    let root = repo_root();
    let mut findings = Vec::new();
    for function in FUNCTIONS {
        let calls = iam::code_actions(&root, function, ops).expect("scan code");
        assert!(
            !calls.is_empty(),
            "{function}: no SDK call found in its code"
        );
        let doc = iam::document_name(function);
        let code_policy = iam::policy(module, &doc).expect("code policy");
        // One `runtime` document (for_each over the functions) for all.
        let runtime = iam::policy(module, "runtime").expect("runtime policy");
        findings.extend(iam::compare(function, &calls, &code_policy, &runtime));
    }
    findings
}

fn sdk_ops() -> &'static iam::Operations {
    static OPS: OnceLock<iam::Operations> = OnceLock::new();
    OPS.get_or_init(|| iam::sdk_operations(&repo_root()).expect("SDK operations"))
}

#[test]
fn each_function_is_granted_exactly_the_operations_its_code_calls() {
    let module = automation();
    let findings = iam_findings(&module, sdk_ops());
    assert!(findings.is_empty(), "{}", findings.join("\n"));
    // Only the policies checked above reach the function roles.
    assert!(
        module.blocks("resource").all(|(_, b)| {
            b.labels.first().map(|l| l.as_str()) != Some("aws_iam_role_policy_attachment")
        }),
        "managed policy attachments would bypass the code-vs-IAM check"
    );
}

#[test]
fn the_iam_check_fails_on_a_missing_an_extra_or_a_wildcard_action() {
    let calls = vec![
        iam::Call {
            action: "sqs:SendMessage".into(),
            at: "a.rs:1".into(),
        },
        iam::Call {
            action: "sqs:DeleteMessage".into(),
            at: "a.rs:2".into(),
        },
    ];
    let st = |actions: &[&str], wildcard: bool| iam::Statement {
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        wildcard_resource: wildcard,
    };
    assert!(
        iam::compare(
            "f",
            &calls,
            &[st(&["sqs:SendMessage", "sqs:DeleteMessage"], false)],
            &[]
        )
        .is_empty()
    );
    let missing = iam::compare("f", &calls, &[st(&["sqs:SendMessage"], false)], &[]);
    assert!(
        missing.iter().any(|f| f.contains("does not grant it")),
        "{missing:?}"
    );
    let extra = iam::compare(
        "f",
        &calls,
        &[st(
            &["sqs:SendMessage", "sqs:DeleteMessage", "sqs:PurgeQueue"],
            false,
        )],
        &[],
    );
    assert!(
        extra.iter().any(|f| f.contains("never calls it")),
        "{extra:?}"
    );
    let star = iam::compare("f", &calls, &[st(&["sqs:*"], false)], &[]);
    assert!(
        star.iter().any(|f| f.contains("wildcard action")),
        "{star:?}"
    );
    let unscoped = iam::compare(
        "f",
        &calls,
        &[st(&["sqs:SendMessage", "sqs:DeleteMessage"], true)],
        &[],
    );
    assert!(
        unscoped.iter().any(|f| f.contains("can be scoped")),
        "{unscoped:?}"
    );
    let runtime = iam::compare(
        "f",
        &calls,
        &[st(&["sqs:SendMessage", "sqs:DeleteMessage"], false)],
        &[st(&["s3:GetObject"], false)],
    );
    assert!(
        runtime.iter().any(|f| f.contains("not something Lambda")),
        "{runtime:?}"
    );
}

#[test]
fn removing_a_grant_from_the_real_policy_is_caught() {
    let root = repo_root();
    let dir = root.join("terraform/modules/automation");
    let text: String = std::fs::read_dir(&dir)
        .expect("read")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "tf"))
        .map(|e| std::fs::read_to_string(e.path()).expect("read"))
        .collect::<Vec<_>>()
        .join("\n");
    let broken = text.replacen("\"sqs:ChangeMessageVisibility\",", "", 1);
    assert_ne!(
        broken, text,
        "the dlq-processor policy grants sqs:ChangeMessageVisibility"
    );
    let module = Module::from_text("automation", &broken).expect("parse");
    let findings = iam_findings(&module, sdk_ops());
    assert!(
        findings
            .iter()
            .any(|f| f.contains("dlq-processor") && f.contains("ChangeMessageVisibility")),
        "{findings:?}"
    );
}

// --- 4. EventBridge rules and sample events --------------------------------

/// Which rules (keys of `local.event_rules` in the automation module) each
/// EventBridge-shaped sample event must reach; it must reach no other.
/// Every such sample in `events/` must be listed, so a new one forces a
/// decision.
const ROUTES: &[(&str, &[&str])] = &[
    ("backup-verifier/backup_job-completed.json", &[]),
    (
        "backup-verifier/backup_job-failed.json",
        &["backup-job-failed"],
    ),
    (
        "backup-verifier/backup_copy-job-failed.json",
        &["copy-job-failed"],
    ),
    (
        "backup-verifier/restore_job-completed.json",
        &["restore-job-completed"],
    ),
    (
        "backup-verifier/rds_db-instance-created.json",
        &["restore-instance-created"],
    ),
    // Anyone's instance: not one the verifier added (no tag), no rule.
    ("backup-verifier/rds_db-instance-created-untagged.json", &[]),
    // Scheduled runs come from EventBridge Scheduler, not from rules.
    ("backup-verifier/eventbridge_scheduled-daily.json", &[]),
    (
        "scaling-scheduler/eventbridge_scheduled-off-hours.json",
        &[],
    ),
    ("scaling-scheduler/eventbridge_scheduled-on-hours.json", &[]),
    ("dlq-processor/eventbridge_scheduled-auto-redrive.json", &[]),
    // dlq-processor hears DLQ alarms through the alarm topic (SNS); the
    // notifier reports every alarm change.
    (
        "dlq-processor/eventbridge_alarm-dlq.json",
        &["alarm-state-change"],
    ),
    (
        "dlq-processor/eventbridge_alarm-not-sqs.json",
        &["alarm-state-change"],
    ),
    // AWS Backup's job events, formatted for whoever routes them to the
    // notifier; the stack sends failures to backup-verifier, which alerts.
    (
        "scaling-notifier/backup_job-failed.json",
        &["backup-job-failed"],
    ),
    (
        "scaling-notifier/backup_job-aborted.json",
        &["backup-job-failed"],
    ),
    (
        "scaling-notifier/backup_job-expired.json",
        &["backup-job-failed"],
    ),
    ("scaling-notifier/backup_job-completed.json", &[]),
    (
        "scaling-notifier/backup_job-completed-with-issues.json",
        &[],
    ),
    ("scaling-notifier/backup_job-running.json", &[]),
    ("scaling-notifier/backup_job-pending.json", &[]),
    ("scaling-notifier/backup_job-created.json", &[]),
    (
        "scaling-notifier/backup_copy-job-failed.json",
        &["copy-job-failed"],
    ),
    ("scaling-notifier/backup_copy-job-running.json", &[]),
    ("scaling-notifier/backup_copy-job-completed.json", &[]),
    ("scaling-notifier/backup_copy-job-created.json", &[]),
    ("scaling-notifier/backup_restore-job-failed.json", &[]),
    ("scaling-notifier/backup_restore-job-running.json", &[]),
    // Not of a restore testing plan: nothing for backup-verifier to validate.
    ("scaling-notifier/backup_restore-job-completed.json", &[]),
    ("scaling-notifier/backup_restore-job-pending.json", &[]),
    ("scaling-notifier/backup_restore-job-created.json", &[]),
    // AWS Health: formatted for whoever routes it to the notifier.
    (
        "scaling-notifier/health_ec2-operational-issue-public.json",
        &[],
    ),
    (
        "scaling-notifier/health_elasticloadbalancing-api-issue.json",
        &[],
    ),
    (
        "scaling-notifier/health_elasticloadbalancing-api-issue-closed.json",
        &[],
    ),
    (
        "scaling-notifier/health_ec2-instance-store-drive-performance-degraded-backup.json",
        &[],
    ),
    (
        "scaling-notifier/health_ec2-instance-retirement-scheduled.json",
        &[],
    ),
    (
        "scaling-notifier/health_lambda-planned-lifecycle-event.json",
        &[],
    ),
    ("scaling-notifier/health_risk-credentials-exposed.json", &[]),
    // Security findings: formatted for whoever routes them to the notifier.
    ("scaling-notifier/guardduty_finding-high.json", &[]),
    ("scaling-notifier/guardduty_finding-medium.json", &[]),
    ("scaling-notifier/guardduty_finding-low.json", &[]),
    (
        "scaling-notifier/guardduty_finding-sample-archived.json",
        &[],
    ),
    (
        "scaling-notifier/securityhub_findings-imported-failed.json",
        &[],
    ),
    (
        "scaling-notifier/securityhub_findings-imported-passed.json",
        &[],
    ),
    (
        "scaling-notifier/securityhub_findings-imported-guardduty.json",
        &[],
    ),
    (
        "scaling-notifier/cloudwatch_alarm-state-alarm.json",
        &["alarm-state-change"],
    ),
    (
        "scaling-notifier/cloudwatch_alarm-state-ok.json",
        &["alarm-state-change"],
    ),
    (
        "scaling-notifier/cloudwatch_alarm-composite-suppressed.json",
        &["alarm-state-change"],
    ),
    (
        "scaling-notifier/cloudwatch_alarm-composite-still-alarm.json",
        &["alarm-state-change"],
    ),
    (
        "scaling-notifier/application-autoscaling_scaled-to-max.json",
        &["application-autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_launch-successful.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_launch-unsuccessful.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_lifecycle-launch.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_lifecycle-terminate.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_refresh-cancelled.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_refresh-failed.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_refresh-checkpoint-reached.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_refresh-rollback-started.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_refresh-started-baking.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_refresh-rollback-succeeded.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_refresh-rollback-failed.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_refresh-started.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_refresh-succeeded.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_terminate-successful.json",
        &["autoscaling"],
    ),
    (
        "scaling-notifier/autoscaling_terminate-unsuccessful.json",
        &["autoscaling"],
    ),
    ("scaling-notifier/ecs_deployment-completed.json", &["ecs"]),
    ("scaling-notifier/ecs_deployment-failed.json", &["ecs"]),
    ("scaling-notifier/ecs_deployment-in-progress.json", &["ecs"]),
    (
        "scaling-notifier/ecs_deployment-rollback-in-progress.json",
        &["ecs"],
    ),
    (
        "scaling-notifier/ecs_service-placement-failure.json",
        &["ecs"],
    ),
    ("scaling-notifier/ecs_service-steady-state.json", &["ecs"]),
    (
        "scaling-notifier/ecs_service-task-start-impaired.json",
        &["ecs"],
    ),
    (
        "scaling-notifier/ecs_task-stopped-essential-exit.json",
        &["ecs"],
    ),
    (
        "scaling-notifier/ecs_task-stopped-health-check.json",
        &["ecs"],
    ),
    ("scaling-notifier/ecs_task-stopped-oom.json", &["ecs"]),
    ("scaling-notifier/ecs_task-stopped-scale-in.json", &["ecs"]),
    (
        "scaling-notifier/ecs_task-stopped-sidecar-killed.json",
        &["ecs"],
    ),
    // scaling-scheduler's own events: failed actions alert one by one, the
    // rest are in the run's summary.
    ("scaling-notifier/scheduler_scale-down-done.json", &[]),
    (
        "scaling-notifier/scheduler_start-failed.json",
        &["scheduler-actions"],
    ),
];

/// `local.event_rules` of a module, evaluated: rule key to (target, pattern).
fn event_rules(module: &Module) -> BTreeMap<String, (String, Value)> {
    let expr = module
        .locals()
        .get("event_rules")
        .copied()
        .expect("local.event_rules in the automation module");
    let value = hcl::eval::Evaluate::evaluate(expr, &hcl::eval::Context::new())
        .expect("local.event_rules is a literal (no references)");
    let json = serde_json::to_value(&value).expect("to json");
    json.as_object()
        .expect("event_rules is a map")
        .iter()
        .map(|(k, v)| {
            let target = v["function"].as_str().expect("rule.function").to_owned();
            (k.clone(), (target, v["pattern"].clone()))
        })
        .collect()
}

/// Every sample event with EventBridge's envelope.
fn eventbridge_samples() -> BTreeMap<String, Value> {
    let root = repo_root().join("events");
    let mut out = BTreeMap::new();
    for function in FUNCTIONS {
        for entry in std::fs::read_dir(root.join(function))
            .expect("events dir")
            .flatten()
        {
            let text = std::fs::read_to_string(entry.path()).expect("read");
            let event: Value = serde_json::from_str(&text).expect("json");
            if event.get("detail-type").is_some() && event.get("source").is_some() {
                let name = format!("{function}/{}", entry.file_name().to_string_lossy());
                out.insert(name, event);
            }
        }
    }
    out
}

fn routing_findings(rules: &BTreeMap<String, (String, Value)>) -> Vec<String> {
    let samples = eventbridge_samples();
    let routes: BTreeMap<&str, &[&str]> = ROUTES.iter().copied().collect();
    let mut findings = Vec::new();
    for name in samples.keys() {
        if !routes.contains_key(name.as_str()) {
            findings.push(format!("{name}: not in ROUTES: say which rules it is for"));
        }
    }
    let mut used = BTreeSet::new();
    for (name, want) in &routes {
        let Some(event) = samples.get(*name) else {
            findings.push(format!("{name}: listed in ROUTES but not in events/"));
            continue;
        };
        for (rule, (target, pattern)) in rules {
            let hit = match pattern::matches(pattern, event) {
                Ok(hit) => hit,
                Err(e) => {
                    findings.push(format!("rule {rule}: {e}"));
                    continue;
                }
            };
            let should = want.contains(&rule.as_str());
            if hit && !should {
                findings.push(format!(
                    "rule {rule} (to {target}) matches {name}, meant for {want:?}"
                ));
            }
            if !hit && should {
                findings.push(format!("rule {rule} (to {target}) misses {name}"));
            }
            // A rule is for the function it targets: it must match at least
            // one sample of that function's own.
            if hit && name.starts_with(&format!("{target}/")) {
                used.insert(rule.clone());
            }
        }
    }
    for (rule, (target, _)) in rules {
        if !used.contains(rule) {
            findings.push(format!(
                "rule {rule} matches no sample in events/{target}/: add one"
            ));
        }
    }
    findings
}

#[test]
fn each_rule_matches_the_sample_events_meant_for_it_and_no_others() {
    let rules = event_rules(&automation());
    let findings = routing_findings(&rules);
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn a_rule_that_misses_its_event_or_catches_another_is_caught() {
    let mut rules = event_rules(&automation());
    let (_, pattern) = rules
        .get_mut("backup-job-failed")
        .expect("backup-job-failed rule");
    // Too narrow: drops FAILED.
    pattern["detail"]["state"] = serde_json::json!(["ABORTED"]);
    let narrow = routing_findings(&rules);
    assert!(
        narrow
            .iter()
            .any(|f| f.contains("misses backup-verifier/backup_job-failed.json")),
        "{narrow:?}"
    );
    // Too wide: every Backup job event.
    let (_, pattern) = rules.get_mut("backup-job-failed").expect("rule");
    pattern.as_object_mut().expect("object").remove("detail");
    let wide = routing_findings(&rules);
    assert!(
        wide.iter()
            .any(|f| f.contains("matches backup-verifier/backup_job-completed.json")),
        "{wide:?}"
    );
}

// --- documentation -------------------------------------------------------------

/// The module READMEs under `root` whose tables are not what their code
/// says (between terraform-docs' markers), or that lack a file; with
/// `write`, stale tables are rewritten instead.
fn stale_readmes(root: &Path, write: bool) -> Vec<String> {
    let mut stale = Vec::new();
    for dir in module_dirs(root).into_iter().filter(|d| !is_example(d)) {
        let module = Module::load(&dir).expect("parse");
        let path = dir.join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap_or_default();
        match docs::regenerate(&readme, &docs::tables(&module)) {
            Err(e) => stale.push(format!("{}: {e}", path.display())),
            Ok(fresh) if fresh == readme => {}
            Ok(fresh) if write => std::fs::write(&path, fresh).expect("write README"),
            Ok(_) => stale.push(format!(
                "{}: the tables differ from the code; run `make docs`",
                path.display()
            )),
        }
        for file in ["main.tf", "variables.tf", "outputs.tf", "versions.tf"] {
            if !dir.join(file).exists() {
                stale.push(format!("{}: no {file}", dir.display()));
            }
        }
    }
    stale
}

/// `make docs` (TF_DOCS=write) rewrites the tables instead of failing.
#[test]
fn each_module_readme_tables_are_generated_from_its_code() {
    let write = std::env::var("TF_DOCS").is_ok_and(|v| v == "write");
    let stale = stale_readmes(&repo_root().join("terraform/modules"), write);
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

/// Under a module's `examples/`: a caller of the module, not a module.
fn is_example(dir: &Path) -> bool {
    dir.components().any(|c| c.as_os_str() == "examples")
}

/// Every module has at least one example under `examples/`, a root module
/// calling it as a user would, and every example validates with the real
/// provider: it sets every required input, no unknown one, and values its
/// validations accept.
#[test]
fn every_module_has_examples_that_validate() {
    let root = repo_root().join("terraform");
    let all = module_dirs(&root.join("modules"));
    let examples: Vec<&PathBuf> = all.iter().filter(|d| is_example(d)).collect();
    let mut findings: Vec<String> = all
        .iter()
        .filter(|d| !is_example(d))
        .filter(|m| !examples.iter().any(|e| e.starts_with(m.join("examples"))))
        .map(|m| format!("{}: no examples/", m.display()))
        .collect();
    let ws = Workspace::new().expect("workspace");
    for example in &examples {
        let rel = example.strip_prefix(&root).expect("under terraform/");
        findings.extend(validate(&ws, &rel.display().to_string()));
    }
    assert!(examples.len() >= 11, "examples: {examples:?}");
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn an_example_with_an_input_its_module_refuses_is_caught() {
    let ws = Workspace::new().expect("workspace");
    let backup = findings_after(
        &ws,
        "modules/backup/examples/basic",
        "modules/backup/examples/basic/main.tf",
        "weekly  = { schedule = \"cron(0 4 ? * SUN *)\"",
        "weekly  = { schedule = \"cron(0 4 * * 0)\"",
    );
    assert!(
        backup.contains("Each extra_rules schedule must be an AWS cron expression"),
        "{backup}"
    );
    let network = findings_after(
        &ws,
        "modules/network/examples/basic",
        "modules/network/examples/basic/main.tf",
        "flow_log_retention_days = 30",
        "flow_log_retention_days = 45",
    );
    assert!(
        network.contains("flow_log_retention_days must be one of"),
        "{network}"
    );
}

#[test]
fn a_readme_behind_its_code_is_caught() {
    let ws = Workspace::new().expect("workspace");
    ws.edit(
        "modules/queue/variables.tf",
        "default     = 5\n",
        "default     = 3\n",
    )
    .expect("plant");
    let stale = stale_readmes(&ws.path("modules"), false).join("\n");
    assert!(
        stale.contains("queue/README.md: the tables differ from the code"),
        "{stale}"
    );
}

#[test]
fn the_environments_deploy_the_zips_make_package_writes() {
    let root = repo_root();
    for env in environments() {
        let dir = root.join("terraform").join(&env);
        let module = Module::load(&dir).expect("parse");
        let block = module
            .find("variable", &["artifacts_dir"])
            .expect("variable artifacts_dir");
        let default = block
            .body
            .attributes()
            .find(|a| a.key.as_str() == "default")
            .and_then(|a| match &a.expr {
                hcl::Expression::String(s) => Some(s.clone()),
                _ => None,
            })
            .expect("a literal default");
        assert_eq!(
            schema::normalize(&dir.join(default)),
            schema::normalize(&root.join("target/lambda")),
            "{env}: artifacts_dir must be where `make package` writes"
        );
    }
    let makefile = std::fs::read_to_string(root.join("Makefile")).expect("Makefile");
    assert!(
        makefile.contains("--output-format zip")
            && makefile.contains("target/lambda/*/bootstrap.zip"),
        "make package writes target/lambda/<function>/bootstrap.zip"
    );
    let main =
        std::fs::read_to_string(root.join("terraform/modules/automation/main.tf")).expect("read");
    assert!(main.contains(r#""${var.artifacts_dir}/${k}/bootstrap.zip""#));
}

// --- the real terraform binary and provider ------------------------------------

fn terraform() -> &'static Terraform {
    static TF: OnceLock<Terraform> = OnceLock::new();
    TF.get_or_init(|| Terraform::new().expect("terraform and the provider mirror"))
}

/// Directories under `terraform/` holding `.tftest.hcl` files in `tests/`.
fn dirs_with_tests() -> Vec<String> {
    let root = repo_root().join("terraform");
    module_dirs(&root)
        .into_iter()
        .filter(|d| {
            std::fs::read_dir(d.join("tests")).is_ok_and(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with(".tftest.hcl"))
            })
        })
        .filter_map(|d| d.strip_prefix(&root).ok().map(|r| r.display().to_string()))
        .collect()
}

fn environments() -> Vec<String> {
    let root = repo_root().join("terraform/environments");
    let mut envs: Vec<String> = std::fs::read_dir(&root)
        .expect("terraform/environments")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| format!("environments/{}", e.file_name().to_string_lossy()))
        .collect();
    envs.sort();
    envs
}

#[test]
fn terraform_fmt_finds_nothing_to_rewrite() {
    let root = repo_root().join("terraform");
    let out = terraform()
        .run(
            &root,
            &["fmt", "-check", "-recursive", "-diff", "-no-color"],
        )
        .expect("terraform fmt");
    assert!(
        out.status.success(),
        "terraform fmt -recursive terraform would rewrite:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `validate -json` of one directory: its error and warning texts.
fn validate(ws: &Workspace, dir: &str) -> Vec<String> {
    let path = ws.path(dir);
    terraform().init(&path).expect("terraform init");
    let out = terraform()
        .run(&path, &["validate", "-json", "-no-color"])
        .expect("terraform validate");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "validate -json is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            format!(
                "{dir}: {} {}: {} ({}:{})",
                d["severity"].as_str().unwrap_or_default(),
                d["summary"].as_str().unwrap_or_default(),
                d["detail"].as_str().unwrap_or_default(),
                d["range"]["filename"].as_str().unwrap_or_default(),
                d["range"]["start"]["line"],
            )
        })
        .collect()
}

#[test]
fn every_environment_validates_with_the_real_provider_without_a_warning() {
    let envs = environments();
    assert!(envs.len() >= 2, "environments: {envs:?}");
    let ws = Workspace::new().expect("workspace");
    let findings: Vec<String> = envs.iter().flat_map(|e| validate(&ws, e)).collect();
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

/// Plants `to` in place of `from` in `file` of the workspace and returns
/// what `terraform validate` of `dir` then says.
fn findings_after(ws: &Workspace, dir: &str, file: &str, from: &str, to: &str) -> String {
    ws.edit(file, from, to).expect("plant");
    validate(ws, dir).join("\n")
}

#[test]
fn validate_fails_on_a_selection_the_provider_refuses() {
    let ws = Workspace::new().expect("workspace");
    // Wildcard ARNs beside the conditions: the API documents the pair, the
    // provider takes exactly one of them.
    let findings = findings_after(
        &ws,
        "environments/staging",
        "modules/backup/main.tf",
        "  validation_window_hours   = 2\n",
        "  validation_window_hours   = 2\n  protected_resource_arns   = [\"*\"]\n",
    );
    assert!(
        findings.contains("protected_resource_arns"),
        "validate should refuse the selection: {findings}"
    );
}

/// Plants each `to` in place of its `from` in the `env` environment's
/// main.tf and returns what planning it (`terraform test`, mock provider)
/// then says, on one line (nothing when it passes): a module's input
/// validations see values passed through the stack module only at plan,
/// not at validate.
fn plan_errors_after(ws: &Workspace, env: &str, edits: &[(&str, &str)]) -> String {
    let dir = format!("environments/{env}");
    for (from, to) in edits {
        ws.edit(&format!("{dir}/main.tf"), from, to).expect("plant");
    }
    let err = terraform_test(ws, &dir).err().unwrap_or_default();
    // Terraform wraps its messages at its terminal width.
    err.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn plan_refuses_a_log_retention_cloudwatch_does_not_take() {
    let ws = Workspace::new().expect("workspace");
    let staging = std::fs::read_to_string(ws.path("environments/staging/main.tf")).expect("read");
    // Staging keeps logs a week (cost first), the service's and the functions'.
    assert!(
        staging.contains("  log_retention_days = 7\n"),
        "staging's log retention is not 7 days"
    );
    // 10 days: PutRetentionPolicy would refuse it at apply.
    let findings = plan_errors_after(
        &ws,
        "staging",
        &[("  log_retention_days = 7\n", "  log_retention_days = 10\n")],
    );
    assert!(
        findings.contains("log_retention_days must be one of"),
        "plan should refuse 10 days: {findings}"
    );
}

#[test]
fn plan_refuses_an_instance_type_the_modules_cannot_take() {
    let ws = Workspace::new().expect("workspace");
    // An EC2 type for the database, and for the web tier no type at all:
    // CreateDBInstance and CreateLaunchTemplate would refuse them at apply.
    let findings = plan_errors_after(
        &ws,
        "staging",
        &[
            (
                "instance_class        = \"db.t4g.micro\"",
                "instance_class        = \"t4g.micro\"",
            ),
            ("instance_type = \"t4g.small\"", "instance_type = \"small\""),
        ],
    );
    for expected in [
        "instance_class must be an RDS instance class",
        "instance_type must be an EC2 instance type",
    ] {
        assert!(
            findings.contains(expected),
            "no `{expected}` in: {findings}"
        );
    }
}

#[test]
fn plan_refuses_a_backup_cron_or_retention_aws_backup_does_not_take() {
    let ws = Workspace::new().expect("workspace");
    // A five-field (Unix) cron, no retention, half a day: CreateBackupPlan
    // refuses each of them.
    let findings = plan_errors_after(
        &ws,
        "staging",
        &[
            (
                "    schedule       = \"cron(0 12 ? * MON-FRI *)\"\n    retention_days = 7\n",
                "    schedule       = \"cron(0 12 * * 1-5)\"\n    retention_days = 0\n",
            ),
            (
                "weekly  = { schedule = \"cron(0 12 ? * FRI *)\", retention_days = 28 }",
                "weekly  = { schedule = \"cron(0 12 * * 5)\", retention_days = 27.5 }",
            ),
        ],
    );
    for expected in [
        "schedule must be an AWS cron expression with six fields",
        "retention_days must be a whole number of days, at least 1",
        "Each extra_rules schedule must be an AWS cron expression with six fields",
        "Each extra_rules retention_days must be a whole number of days",
    ] {
        assert!(
            findings.contains(expected),
            "no `{expected}` in: {findings}"
        );
    }
}

/// `terraform test` in one directory of the workspace: Ok, or its output.
fn terraform_test(ws: &Workspace, dir: &str) -> Result<(), String> {
    let path = ws.path(dir);
    terraform().init(&path)?;
    terraform().ok(&path, &["test", "-no-color"]).map(|_| ())
}

#[test]
fn the_terraform_tests_pass_with_the_real_provider_schema() {
    let dirs = dirs_with_tests();
    assert!(
        dirs.iter().any(|d| d == "modules/automation"),
        "modules/automation/tests is missing: {dirs:?}"
    );
    let ws = Workspace::new().expect("workspace");
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| terraform_test(&ws, d).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_terraform_tests_fail_on_an_escaped_scheduler_placeholder() {
    let ws = Workspace::new().expect("workspace");
    ws.edit(
        "modules/automation/triggers.tf",
        r#"replace(replace(jsonencode(each.value.input), "\\u003c", "<"), "\\u003e", ">")"#,
        "jsonencode(each.value.input)",
    )
    .expect("plant");
    let err = terraform_test(&ws, "modules/automation").expect_err("should fail");
    assert!(
        err.contains("must pass the literal"),
        "expected the placeholder assertion: {err}"
    );
}

/// `terraform graph` of an environment: its resource-to-resource edges.
fn graph_edges(ws: &Workspace, env: &str) -> BTreeSet<(String, String)> {
    let dir = ws.path(env);
    terraform().init(&dir).expect("terraform init");
    let dot = terraform()
        .ok(&dir, &["graph", "-no-color"])
        .expect("terraform graph");
    dot.lines()
        .filter_map(|l| {
            let (from, to) = l.trim().trim_end_matches(';').split_once(" -> ")?;
            Some((
                from.trim_matches('"').to_owned(),
                to.trim_matches('"').to_owned(),
            ))
        })
        .collect()
}

/// What the database's rotation must wait for: RotateSecret starts the first
/// rotation at once, so Secrets Manager must already be allowed to invoke
/// secret-rotator, and the function must have its permissions.
const ROTATION_NEEDS: &[&str] = &[
    "module.stack.module.automation.aws_lambda_permission.rotation",
    "module.stack.module.automation.aws_iam_role_policy.code",
    "module.stack.module.automation.aws_iam_role_policy.runtime",
];

/// Everything `from` waits for, directly or through others (the graph
/// Terraform prints leaves out edges that others imply).
fn waits_for(edges: &BTreeSet<(String, String)>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(node) = todo.pop() {
        for (_, to) in edges.iter().filter(|(f, _)| *f == node) {
            if seen.insert(to.clone()) {
                todo.push(to.clone());
            }
        }
    }
    seen
}

fn rotation_findings(ws: &Workspace, env: &str) -> Vec<String> {
    let rotation = "module.stack.module.database.aws_secretsmanager_secret_rotation.master";
    let before = waits_for(&graph_edges(ws, env), rotation);
    ROTATION_NEEDS
        .iter()
        .filter(|need| !before.contains(**need))
        .map(|need| format!("{env}: {rotation} does not wait for {need}"))
        .collect()
}

#[test]
fn the_rotation_is_set_up_only_after_its_permission_and_policies() {
    let ws = Workspace::new().expect("workspace");
    let findings: Vec<String> = environments()
        .iter()
        .flat_map(|e| rotation_findings(&ws, e))
        .collect();
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn a_rotation_racing_its_permission_is_caught() {
    let ws = Workspace::new().expect("workspace");
    ws.edit(
        "modules/automation/outputs.tf",
        "    aws_lambda_permission.rotation,\n",
        "",
    )
    .expect("plant");
    let findings = rotation_findings(&ws, "environments/staging").join("\n");
    assert!(
        findings.contains(
            "does not wait for module.stack.module.automation.aws_lambda_permission.rotation"
        ),
        "{findings}"
    );
}

#[test]
fn an_environment_test_fails_when_backups_are_expected_under_the_vault_key() {
    let ws = Workspace::new().expect("workspace");
    ws.edit(
        "modules/stack/main.tf",
        "backup_kms_key_arn     = module.database.kms_key_arn",
        "backup_kms_key_arn     = module.backup.kms_key_arn",
    )
    .expect("plant");
    let err = terraform_test(&ws, "environments/staging").expect_err("should fail");
    assert!(err.contains("EXPECTED_KMS_KEY_ARN must be"), "{err}");
}

#[test]
fn a_rule_kept_less_long_than_the_vault_lock_fails_at_plan() {
    let ws = Workspace::new().expect("workspace");
    // Production's vault is locked for at least 7 days: a 5-day weekly rule
    // would fail every weekly backup job.
    let said = plan_errors_after(
        &ws,
        "production",
        &[(
            "weekly  = { schedule = \"cron(0 4 ? * SUN *)\", retention_days = 90 }",
            "weekly  = { schedule = \"cron(0 4 ? * SUN *)\", retention_days = 5 }",
        )],
    );
    assert!(
        said.contains("must be at least vault_lock_min_retention_days (7)"),
        "{said}"
    );
}

// --- the local environment, applied into the emulator ---------------------------

/// The emulator of this test binary: the modules attach AWS managed
/// policies, which moto has only when asked to load them.
fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(|| {
        Emulator::start_with(&[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")])
            .expect("the AWS emulator")
    })
}

#[test]
fn the_local_environment_applies_into_the_emulator_with_its_wiring() {
    let endpoint = emulator().endpoint().to_owned();
    // A clean checkout: no zips, so the placeholder is deployed.
    let ws = Workspace::without_zips().expect("workspace");
    let dir = ws.path("environments/local");
    terraform().init(&dir).expect("terraform init");
    let var = format!("endpoint={endpoint}");
    terraform()
        .ok(
            &dir,
            &[
                "apply",
                "-auto-approve",
                "-no-color",
                "-parallelism=10",
                "-var",
                &var,
            ],
        )
        .expect("terraform apply of environments/local");
    let state = terraform()
        .ok(&dir, &["state", "list"])
        .expect("state list");
    let outputs: Value = serde_json::from_str(
        &terraform()
            .ok(&dir, &["output", "-json"])
            .expect("terraform output"),
    )
    .expect("outputs are JSON");
    let out = |name: &str| {
        outputs[name]["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    println!(
        "applied {} resources into the emulator",
        state.lines().count()
    );

    // Lambda: the five functions, publishing to the notifications topic;
    // backup-verifier expects the key the database is encrypted with.
    let functions = harness::raw_aws::get(&endpoint, "lambda", "/2015-03-31/functions/")
        .expect("ListFunctions");
    let by_name: BTreeMap<String, &Value> = functions["Functions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f["FunctionName"].as_str()?.to_owned(), f)))
        .collect();
    let arn_of = |function: &str| {
        by_name
            .get(&format!("ops-local-{function}"))
            .and_then(|f| f["FunctionArn"].as_str())
            .unwrap_or_else(|| panic!("function ops-local-{function} was not created"))
            .to_owned()
    };
    for function in FUNCTIONS {
        let f = by_name[&format!("ops-local-{function}")];
        assert_eq!(
            f["Environment"]["Variables"]["NOTIFY_TOPIC_ARN"].as_str(),
            Some(out("notifications_topic_arn").as_str()),
            "{function} publishes to the notifications topic"
        );
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sdk = rt.block_on(harness::emulator::sdk_config_for(&endpoint));
    let db = rt
        .block_on(
            aws_sdk_rds::Client::new(&sdk)
                .describe_db_instances()
                .db_instance_identifier("ops-local-db")
                .send(),
        )
        .expect("DescribeDBInstances");
    let db_key = db.db_instances()[0]
        .kms_key_id()
        .unwrap_or_default()
        .to_owned();
    assert!(!db_key.is_empty(), "the database is encrypted with a key");
    assert_eq!(
        by_name["ops-local-backup-verifier"]["Environment"]["Variables"]["EXPECTED_KMS_KEY_ARN"]
            .as_str(),
        Some(db_key.as_str()),
        "backup-verifier expects the key the database (and so its snapshots) is encrypted with"
    );

    // AWS Backup: the plan has the daily rule and, given its retention, the
    // weekly one, each keeping recovery points as long as asked and copying
    // them, kept as long, to the stack's copy vault.
    let backup = aws_sdk_backup::Client::new(&sdk);
    let plans = rt
        .block_on(backup.list_backup_plans().send())
        .expect("ListBackupPlans");
    let plan_id = plans
        .backup_plans_list()
        .iter()
        .find(|p| p.backup_plan_name() == Some("ops-local"))
        .and_then(|p| p.backup_plan_id())
        .expect("the ops-local backup plan")
        .to_owned();
    let plan = rt
        .block_on(backup.get_backup_plan().backup_plan_id(&plan_id).send())
        .expect("GetBackupPlan");
    let copy_vault = rt
        .block_on(
            backup
                .describe_backup_vault()
                .backup_vault_name("ops-local-copy")
                .send(),
        )
        .expect("the copy vault")
        .backup_vault_arn()
        .unwrap_or_default()
        .to_owned();
    type Kept<'a> = (Option<i64>, Vec<(&'a str, Option<i64>)>);
    let kept: BTreeMap<&str, Kept> = plan
        .backup_plan()
        .map(|p| p.rules())
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let copies = r
                .copy_actions()
                .iter()
                .map(|c| {
                    (
                        c.destination_backup_vault_arn(),
                        c.lifecycle().and_then(|l| l.delete_after_days()),
                    )
                })
                .collect();
            (
                r.rule_name(),
                (r.lifecycle().and_then(|l| l.delete_after_days()), copies),
            )
        })
        .collect();
    assert_eq!(
        kept,
        BTreeMap::from([
            ("daily", (Some(1), vec![(copy_vault.as_str(), Some(1))])),
            ("weekly", (Some(7), vec![(copy_vault.as_str(), Some(7))])),
        ]),
        "rules, their retention and their copies"
    );

    // EventBridge: every rule targets its function and dead-letters.
    let listed = harness::raw_aws::json(
        &endpoint,
        "events",
        "AWSEvents.ListRules",
        &serde_json::json!({ "NamePrefix": "ops-local-" }),
    )
    .expect("ListRules");
    let rules = event_rules(&automation());
    assert_eq!(
        listed["Rules"].as_array().map(Vec::len),
        Some(rules.len()),
        "every rule of local.event_rules exists: {listed}"
    );
    for (key, (function, _)) in &rules {
        let targets = harness::raw_aws::json(
            &endpoint,
            "events",
            "AWSEvents.ListTargetsByRule",
            &serde_json::json!({ "Rule": format!("ops-local-{key}") }),
        )
        .unwrap_or_else(|e| panic!("rule ops-local-{key}: {e}"));
        let target = &targets["Targets"][0];
        assert_eq!(
            target["Arn"].as_str(),
            Some(arn_of(function).as_str()),
            "rule {key}"
        );
        assert!(
            target["DeadLetterConfig"]["Arn"]
                .as_str()
                .is_some_and(|a| a.ends_with(":ops-local-function-failures")),
            "rule {key} dead-letters to the failures queue: {target}"
        );
    }

    // Scheduler: the reconcile carries the placeholder Scheduler substitutes.
    let schedule = harness::raw_aws::get(
        &endpoint,
        "scheduler",
        "/schedules/scaling-scheduler?groupName=ops-local",
    )
    .expect("GetSchedule");
    assert_eq!(
        schedule["Target"]["Arn"].as_str(),
        Some(arn_of("scaling-scheduler").as_str())
    );
    assert!(
        schedule["Target"]["Input"]
            .as_str()
            .is_some_and(|i| i.contains("\"<aws.scheduler.scheduled-time>\"")),
        "{}",
        schedule["Target"]
    );

    // SNS: dlq-processor hears the alarm topic, SQS alarms only.
    let sns = aws_sdk_sns::Client::new(&sdk);
    let subs = rt
        .block_on(
            sns.list_subscriptions_by_topic()
                .topic_arn(out("alarms_topic_arn"))
                .send(),
        )
        .expect("ListSubscriptionsByTopic");
    let sub = subs
        .subscriptions()
        .iter()
        .find(|s| s.endpoint() == Some(arn_of("dlq-processor").as_str()))
        .expect("dlq-processor subscribes to the alarm topic");
    let attrs = rt
        .block_on(
            sns.get_subscription_attributes()
                .subscription_arn(sub.subscription_arn().unwrap_or_default())
                .send(),
        )
        .expect("GetSubscriptionAttributes");
    let attrs = attrs.attributes().cloned().unwrap_or_default();
    let policy: Value = serde_json::from_str(
        attrs
            .get("FilterPolicy")
            .map(String::as_str)
            .unwrap_or("{}"),
    )
    .expect("filter policy JSON");
    assert_eq!(
        policy,
        serde_json::json!({ "Trigger": { "Namespace": ["AWS/SQS"] } })
    );
    assert_eq!(
        attrs.get("FilterPolicyScope").map(String::as_str),
        Some("MessageBody")
    );

    // CloudWatch: the DLQ alarm's action is the alarm topic.
    let alarms = harness::raw_aws::query(
        &endpoint,
        "monitoring",
        &[
            ("Action", "DescribeAlarms"),
            ("Version", "2010-08-01"),
            ("AlarmNames.member.1", &out("orders_dlq_alarm_name")),
        ],
    )
    .expect("DescribeAlarms");
    let actions = alarms
        .split("<AlarmActions>")
        .nth(1)
        .and_then(|a| a.split("</AlarmActions>").next())
        .unwrap_or_default();
    assert!(
        actions.contains(&format!("<member>{}</member>", out("alarms_topic_arn"))),
        "the DLQ alarm notifies the alarm topic: {alarms}"
    );

    // Secrets Manager: the master secret rotates with secret-rotator.
    let secret = rt
        .block_on(
            aws_sdk_secretsmanager::Client::new(&sdk)
                .describe_secret()
                .secret_id(out("database_secret_arn"))
                .send(),
        )
        .expect("DescribeSecret");
    // moto 5.2.5 keeps the rotation function but reports neither
    // RotationEnabled (false) nor the schedule expression it was given;
    // AWS reports both.
    assert_eq!(
        secret.rotation_lambda_arn(),
        Some(arn_of("secret-rotator").as_str())
    );

    // ECS on EC2: the service runs on the cluster's capacity provider,
    // whose Auto Scaling group ECS manages.
    let cluster = out("ecs_cluster_name");
    let group = out("container_instances_asg_name");
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let clusters = rt
        .block_on(ecs.describe_clusters().clusters(&cluster).send())
        .expect("DescribeClusters");
    assert_eq!(
        clusters.clusters()[0].capacity_providers(),
        [format!("{cluster}-ec2")],
        "the cluster's one capacity provider is its EC2 group"
    );
    // moto 5.2.5 takes a service's capacity provider strategy but does not
    // keep it (DescribeServices shows none): the state holds what was sent.
    let service_state = terraform()
        .ok(
            &dir,
            &[
                "state",
                "show",
                "-no-color",
                "module.stack.module.ecs.aws_ecs_service.web",
            ],
        )
        .expect("state show");
    assert!(
        service_state.contains(&format!("capacity_provider = \"{cluster}-ec2\"")),
        "the service is placed by the capacity provider: {service_state}"
    );
    let autoscaling = aws_sdk_autoscaling::Client::new(&sdk);
    let described = rt
        .block_on(
            autoscaling
                .describe_auto_scaling_groups()
                .auto_scaling_group_names(&group)
                .send(),
        )
        .expect("DescribeAutoScalingGroups");
    let g = &described.auto_scaling_groups()[0];
    assert_eq!(g.new_instances_protected_from_scale_in(), Some(true));
    assert!(
        g.tags().iter().any(|t| t.key() == Some("AmazonECSManaged")),
        "the group carries AmazonECSManaged"
    );
    let before = (g.min_size(), g.max_size(), g.desired_capacity());

    // The scheduler, with the stack's own schedules document, scales the
    // service off-hours and leaves the group to ECS, even once someone's
    // tagging puts the schedule on the group too.
    rt.block_on(
        autoscaling
            .create_or_update_tags()
            .tags(
                aws_sdk_autoscaling::types::Tag::builder()
                    .resource_id(&group)
                    .resource_type("auto-scaling-group")
                    .key("Schedule")
                    .value("office-hours")
                    .propagate_at_launch(true)
                    .build(),
            )
            .send(),
    )
    .expect("tag the group");
    let variables = &by_name["ops-local-scaling-scheduler"]["Environment"]["Variables"];
    let common = shared::config::Common {
        topic_arn: out("notifications_topic_arn"),
        environment: "local".into(),
        dry_run: false,
        metrics_namespace: shared::config::DEFAULT_METRICS_NAMESPACE.into(),
    };
    let deps = scaling_scheduler::Deps {
        config: scaling_scheduler::Config::from_document(
            common,
            variables["SCHEDULES"].as_str().unwrap_or_default(),
            "the stack's SCHEDULES",
        )
        .expect("the stack's schedules document"),
        clients: scaling_scheduler::Clients::new(&sdk),
        publisher: shared::Publisher::new(sns.clone(), out("notifications_topic_arn")),
    };
    // The stack's web tier: its own launch template, IMDSv2 only, encrypted
    // gp3, a CPU target-tracking policy.
    let web = out("web_asg_name");
    let described = rt
        .block_on(
            autoscaling
                .describe_auto_scaling_groups()
                .auto_scaling_group_names(&web)
                .send(),
        )
        .expect("DescribeAutoScalingGroups");
    let web_group = &described.auto_scaling_groups()[0];
    let web_before = web_group.desired_capacity();
    assert!(
        web_before.is_some_and(|d| d >= 1),
        "the web tier runs: {web_group:?}"
    );
    let template = web_group
        .launch_template()
        .and_then(|t| t.launch_template_id())
        .expect("the web tier launches from a template")
        .to_owned();
    let versions = rt
        .block_on(
            aws_sdk_ec2::Client::new(&sdk)
                .describe_launch_template_versions()
                .launch_template_id(&template)
                .send(),
        )
        .expect("DescribeLaunchTemplateVersions");
    let data = versions.launch_template_versions()[0]
        .launch_template_data()
        .expect("template data");
    assert_eq!(
        data.metadata_options().and_then(|m| m.http_tokens()),
        Some(&aws_sdk_ec2::types::LaunchTemplateHttpTokensState::Required),
        "IMDSv2 only"
    );
    let root = data.block_device_mappings()[0].ebs().expect("EBS root");
    assert_eq!(
        (root.volume_type(), root.encrypted()),
        (Some(&aws_sdk_ec2::types::VolumeType::Gp3), Some(true)),
        "an encrypted gp3 root volume"
    );
    let policies = rt
        .block_on(
            autoscaling
                .describe_policies()
                .auto_scaling_group_name(&web)
                .send(),
        )
        .expect("DescribePolicies");
    assert_eq!(
        policies.scaling_policies()[0].policy_type(),
        Some("TargetTrackingScaling")
    );

    // A launch in that group, as Auto Scaling tells EventBridge (whose
    // rule the routing test checks), becomes a notification naming it.
    let mut launch =
        harness::sample_event("scaling-notifier", "autoscaling_launch-successful.json")
            .expect("sample");
    launch["detail"]["AutoScalingGroupName"] = Value::from(web.clone());
    launch["resources"][0] = Value::from(web_group.auto_scaling_group_arn().unwrap_or_default());
    let notifier = scaling_notifier::Deps {
        config: scaling_notifier::Config::new(shared::config::Common {
            topic_arn: out("notifications_topic_arn"),
            environment: "local".into(),
            dry_run: false,
            metrics_namespace: shared::config::DEFAULT_METRICS_NAMESPACE.into(),
        }),
        publisher: shared::Publisher::new(sns.clone(), out("notifications_topic_arn")),
        slack: None,
        task_definitions: scaling_notifier::TaskDefinitions::new(ecs.clone()),
    };
    let told = rt
        .block_on(scaling_notifier::invoke(
            launch,
            &shared::Invocation::default(),
            &notifier,
        ))
        .expect("notifier");
    assert!(told.report.failed.is_empty(), "{:?}", told.report.failed);
    assert_eq!(told.report.done.len(), 1, "{:#?}", told.report);
    assert!(
        serde_json::to_string(&told.report.done[0])
            .unwrap_or_default()
            .contains(&web),
        "the notification names the stack's group: {:?}",
        told.report.done[0]
    );

    // The ECS-on-EC2 service's own trouble: no container instance of the
    // capacity provider can take its tasks, as ECS tells EventBridge.
    let cluster_arn = clusters.clusters()[0]
        .cluster_arn()
        .expect("cluster ARN")
        .to_owned();
    let arn_prefix = cluster_arn
        .strip_suffix(&format!(":cluster/{cluster}"))
        .expect("a cluster ARN ends with cluster/<name>");
    let mut placement =
        harness::sample_event("scaling-notifier", "ecs_service-placement-failure.json")
            .expect("sample");
    placement["resources"][0] = Value::from(format!("{arn_prefix}:service/{cluster}/web"));
    placement["detail"]["clusterArn"] = Value::from(cluster_arn.clone());
    placement["detail"]["capacityProviderArns"][0] =
        Value::from(format!("{arn_prefix}:capacity-provider/{cluster}-ec2"));
    let told = rt
        .block_on(scaling_notifier::invoke(
            placement,
            &shared::Invocation::default(),
            &notifier,
        ))
        .expect("notifier");
    assert!(told.report.failed.is_empty(), "{:?}", told.report.failed);
    assert_eq!(told.report.done.len(), 1, "{:#?}", told.report);
    let said = serde_json::to_string(&told.report.done[0]).unwrap_or_default();
    assert!(
        said.contains("[ERROR] ECS web: tasks cannot be placed"),
        "an ERROR naming the stack's service is published: {said}"
    );

    // A Sunday: off-hours for every schedule of the stack.
    let report = rt
        .block_on(scaling_scheduler::invoke(
            serde_json::json!({"action": "reconcile", "simulate_time": "2026-11-22T12:00:00Z"}),
            &shared::Invocation::default(),
            &deps,
        ))
        .expect("reconcile");
    let web_id = format!("asg/{web}");
    assert!(
        report.done.iter().any(|e| e.target == web_id),
        "the web tier's group is scaled down: {report:#?}"
    );
    let web_after = rt
        .block_on(
            autoscaling
                .describe_auto_scaling_groups()
                .auto_scaling_group_names(&web)
                .send(),
        )
        .expect("DescribeAutoScalingGroups");
    assert_eq!(
        web_after.auto_scaling_groups()[0].desired_capacity(),
        Some(0)
    );
    let service_id = format!("ecs/{cluster}/web");
    assert!(
        report.done.iter().any(|e| e.target == service_id),
        "the ECS-on-EC2 service is scaled down: {report:#?}"
    );
    let skipped = report
        .skipped
        .iter()
        .find(|e| e.target == format!("asg/{group}"))
        .unwrap_or_else(|| panic!("the capacity provider's group is skipped: {report:#?}"));
    assert!(
        skipped
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("ECS capacity provider")),
        "{skipped:?}"
    );
    let after = rt
        .block_on(
            autoscaling
                .describe_auto_scaling_groups()
                .auto_scaling_group_names(&group)
                .send(),
        )
        .expect("DescribeAutoScalingGroups");
    let g = &after.auto_scaling_groups()[0];
    assert_eq!(
        (g.min_size(), g.max_size(), g.desired_capacity()),
        before,
        "the scheduler never sizes the capacity provider's group"
    );
}
