//! `make demo`: the suite's main job run locally, end to end, as a user would
//! run it: the AWS emulator on loopback, the resources the function needs,
//! the function under `cargo lambda watch`, the sample event sent with
//! `cargo lambda invoke`, and what arrived on SNS printed as a person reads it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use harness::emulator::{ACCOUNT, Emulator, REGION};
use harness::fixtures::TopicWithQueue;
use harness::process::{Guarded, Spec, free_port, wait_for_port};
use harness::repo_root;

const FUNCTION: &str = "scaling-notifier";
const TOPIC_NAME: &str = "ops-notifications";
const EVENT: &str = "events/scaling-notifier/autoscaling_launch-unsuccessful.json";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let root = repo_root();
    let path = venv_path(&root);

    step("Starting the AWS emulator (moto) on 127.0.0.1");
    let emulator = Emulator::start()?;
    println!("   emulator at {}", emulator.endpoint());

    step("Creating the notification topic and a queue subscribed to it");
    let config = emulator.sdk_config().await;
    // The name `[package.metadata.lambda.env]` gives `cargo lambda watch`.
    let sink = TopicWithQueue::create_named(&config, TOPIC_NAME, "demo-subscriber", None).await?;
    println!("   topic {}", sink.topic_arn);
    println!("   queue {}", sink.queue_url);

    step(&format!(
        "Starting {FUNCTION} under `cargo lambda watch` (the first start compiles it)"
    ));
    let port = free_port()?;
    let logs = std::env::temp_dir().join(format!("{FUNCTION}-demo.log"));
    let env_vars = [
        format!("AWS_ENDPOINT_URL={}", emulator.endpoint()),
        format!("AWS_REGION={REGION}"),
        "AWS_ACCESS_KEY_ID=testing".to_owned(),
        "AWS_SECRET_ACCESS_KEY=testing".to_owned(),
        format!("NOTIFY_TOPIC_ARN={}", sink.topic_arn),
    ];
    let mut args: Vec<String> = [
        "lambda",
        "watch",
        "--ignore-changes",
        "-A",
        "127.0.0.1",
        "-P",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(port.to_string());
    for var in &env_vars {
        args.push("--env-var".into());
        args.push(var.clone());
    }
    let cargo = which_cargo();
    let mut watch = Guarded::spawn(Spec {
        program: &cargo,
        args,
        run_as: None,
        stop_signal: "TERM",
        cleanup: None,
        log: &logs,
        cwd: Some(&root),
    })?;
    wait_for_port(port, Duration::from_secs(300), &mut watch)?;
    println!("   function logs: {}", logs.display());

    step(&format!(
        "Invoking it: cargo lambda invoke {FUNCTION} --data-file {EVENT}"
    ));
    let output = Command::new(&cargo)
        .current_dir(&root)
        .env("PATH", &path)
        .args(["lambda", "invoke", FUNCTION, "-A", "127.0.0.1", "-P"])
        .arg(port.to_string())
        .args(["--data-file", EVENT, "--output-format", "json"])
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo lambda invoke")?;
    if !output.status.success() {
        anyhow::bail!(
            "the invocation failed:\n{}\n--- function logs ---\n{}",
            String::from_utf8_lossy(&output.stdout),
            harness::process::tail(&logs)
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "report is not JSON: {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })?;
    println!(
        "   the function reports: {} seen, {} done, {} failed",
        count(&report, "seen"),
        count(&report, "done"),
        count(&report, "failed")
    );

    step("What the subscribers received");
    let delivered = sink.drain(Duration::from_secs(3)).await?;
    if delivered.is_empty() {
        anyhow::bail!("no notification arrived on the subscribed queue");
    }
    for n in &delivered {
        println!();
        println!("   Subject:   {}", n.subject.as_deref().unwrap_or("(none)"));
        let attrs: Vec<String> = n
            .message_attributes
            .iter()
            .map(|(k, v)| format!("{k}={}", v.value))
            .collect();
        println!("   Routing:   {}", attrs.join("  "));
        println!("   ----------------------------------------------------------------");
        for line in n.message.lines() {
            println!("   {line}");
        }
        println!("   ----------------------------------------------------------------");
    }
    println!(
        "\nDone: one Auto Scaling launch failure in account {ACCOUNT} became {} ERROR notification(s) on SNS.",
        delivered.len()
    );
    step("Stopping the function and the emulator");
    drop(watch);
    drop(emulator);
    Ok(())
}

fn step(text: &str) {
    println!("\n==> {text}");
}

fn count(report: &serde_json::Value, key: &str) -> usize {
    report[key].as_array().map(Vec::len).unwrap_or(0)
}

/// PATH with the project venv first: cargo-lambda lives there.
fn venv_path(root: &Path) -> String {
    let venv_bin = root.join(".venv/bin");
    let current = std::env::var("PATH").unwrap_or_default();
    format!("{}:{current}", venv_bin.display())
}

fn which_cargo() -> String {
    std::env::var("CARGO")
        .ok()
        .filter(|c| PathBuf::from(c).exists())
        .unwrap_or_else(|| "cargo".to_owned())
}
