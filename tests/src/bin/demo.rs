//! `make demo`: the suite's main jobs run locally, end to end, as a user would
//! run them: the AWS emulator on loopback, the resources the functions need,
//! the functions under `cargo lambda watch`, sample events sent with
//! `cargo lambda invoke`, and what happened printed as a person reads it:
//! 1. scaling-scheduler takes tagged ECS, Auto Scaling and RDS resources to
//!    zero off-hours and back to exactly what they had;
//! 2. dlq-processor explains the alarm on a dead-letter queue that real
//!    failures filled, then redrives the messages to their source queue;
//! 3. secret-rotator rotates a PostgreSQL user's password in four steps;
//! 4. backup-verifier finds one compliant database and two violations;
//! 5. scaling-notifier turns events of three severities into notifications,
//!    routed by subscription filter policies.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;
use harness::emulator::{ACCOUNT, Emulator, REGION};
use harness::fixtures::{Delivered, TopicWithQueue};
use harness::names::random_alnum;
use harness::postgres::Postgres;
use harness::process::{Guarded, Spec, free_port, wait_for_port};
use harness::queues::QueuePair;
use harness::repo_root;
use harness::rotation::RotatedSecret;
use harness::scaling::{Fleet, Service};
use sqlx::ConnectOptions;

const FUNCTION: &str = "scaling-notifier";
const SCHEDULER: &str = "scaling-scheduler";
const DLQ: &str = "dlq-processor";
const ROTATOR: &str = "secret-rotator";
const VERIFIER: &str = "backup-verifier";
/// The schedule `functions/scaling-scheduler/schedules.example.json` defines.
const SCHEDULE: &str = "office-hours";
/// The topic name `[package.metadata.lambda.env]` gives `cargo lambda watch`.
const TOPIC_NAME: &str = "ops-notifications";
/// Three events a person meets, one per severity.
const EVENTS: [&str; 3] = [
    "events/scaling-notifier/autoscaling_launch-unsuccessful.json",
    "events/scaling-notifier/application-autoscaling_scaled-to-max.json",
    "events/scaling-notifier/ecs_deployment-completed.json",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let root = repo_root();
    let path = venv_path(&root);

    step("Starting the AWS emulator (moto) on 127.0.0.1");
    let emulator = Emulator::start()?;
    println!("   emulator at {}", emulator.endpoint());

    step("Creating the notification topic and two subscribed queues");
    let config = emulator.sdk_config().await;
    let everything = TopicWithQueue::create_named(&config, TOPIC_NAME, "demo-chat", None).await?;
    let on_call = everything
        .add_queue(
            &config,
            "demo-on-call",
            Some(r#"{"severity":["ERROR","CRITICAL"]}"#),
        )
        .await?;
    println!("   topic {}", everything.topic_arn);
    println!(
        "   queue {} (everything: a chat channel)",
        everything.queue_url
    );
    println!(
        "   queue {} (filter severity ERROR|CRITICAL: the on-call e-mail)",
        on_call.queue_url
    );

    step("Starting a PostgreSQL server (password authentication, TLS with its own CA)");
    let pg = Postgres::start()?;
    println!(
        "   postgres on 127.0.0.1:{}, CA {}",
        pg.port,
        pg.ca_file.display()
    );

    step("Starting the functions under `cargo lambda watch` (the first start compiles them)");
    let port = free_port()?;
    let logs = std::env::temp_dir().join("ops-automation-demo.log");
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
    for var in [
        format!("AWS_ENDPOINT_URL={}", emulator.endpoint()),
        format!("AWS_REGION={REGION}"),
        "AWS_ACCESS_KEY_ID=testing".to_owned(),
        "AWS_SECRET_ACCESS_KEY=testing".to_owned(),
        format!("DB_CA_BUNDLE={}", pg.ca_file.display()),
        // The emulator has no AWS Backup: the demo verifies native snapshots.
        "BACKUP_SOURCES=snapshots".to_owned(),
    ] {
        args.push("--env-var".into());
        args.push(var);
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
        env: &[],
    })?;
    wait_for_port(port, Duration::from_secs(300), &mut watch)?;
    println!("   function logs: {}", logs.display());

    // Part 1: the scheduler. Its summaries go to the same topic; they are
    // drained before part 2 so each part shows only its own.
    step(&format!(
        "Creating resources tagged Schedule={SCHEDULE} (Europe/Berlin, Mon-Fri 08:00-19:00)"
    ));
    let fleet = Fleet::new(&config);
    let tag = [("Schedule", SCHEDULE)];
    let service = fleet.ecs_service(3, Some((2, 6)), &tag).await?;
    let group = fleet.asg(1, 4, 2, &tag).await?;
    let db = fleet.rds_instance(&tag).await?;
    let untagged = fleet.ecs_service(2, None, &[]).await?;
    print_fleet(&fleet, &service, &group, &db, &untagged).await?;
    for (when, event) in [
        (
            "Monday 22:00 in Berlin",
            "events/scaling-scheduler/command_simulate-off-hours.json",
        ),
        (
            "Tuesday 09:00 in Berlin",
            "events/scaling-scheduler/command_simulate-on-hours.json",
        ),
    ] {
        step(&format!(
            "{when}: cargo lambda invoke {SCHEDULER} --data-file {event}"
        ));
        let report = invoke(&cargo, &root, &path, port, SCHEDULER, event, &logs)?;
        for done in report["done"].as_array().into_iter().flatten() {
            println!(
                "   {}: {}",
                done["target"].as_str().unwrap_or_default(),
                done["action"].as_str().unwrap_or_default()
            );
        }
        print_fleet(&fleet, &service, &group, &db, &untagged).await?;
    }
    let summaries = everything.drain(Duration::from_secs(2)).await?;
    step("The scheduler's summaries on the topic");
    for n in &summaries {
        println!("   {}", n.subject.as_deref().unwrap_or("(no subject)"));
    }
    on_call.drain(Duration::from_secs(1)).await?;

    // Part 2: the dead-letter queue.
    step("Failing six orders into the dead-letter queue orders-dlq (redrive policy: 1 receive)");
    let pair = QueuePair::create_named(&config, "orders", "orders-dlq", false).await?;
    pair.fail_into_dlq(
        &[
            r#"{"errorType":"Timeout","orderId":"o-1001","password":"hunter2"}"#,
            r#"{"errorType":"Timeout","orderId":"o-1002","password":"hunter2"}"#,
            r#"{"errorType":"Timeout","orderId":"o-1003","password":"hunter2"}"#,
            r#"{"errorType":"Timeout","orderId":"o-1004","password":"hunter2"}"#,
            r#"{"errorType":"PaymentDeclined","orderId":"o-1005","card":{"token":"tok_live_9"}}"#,
            r#"{"errorType":"PaymentDeclined","orderId":"o-1006","card":{"token":"tok_live_9"}}"#,
        ],
        Some(("tenant", "acme")),
    )
    .await?;
    print_queues(&pair).await?;
    let alarm = "events/dlq-processor/sns_alarm-dlq-not-empty.json";
    step(&format!(
        "The DLQ alarm fires: cargo lambda invoke {DLQ} --data-file {alarm}"
    ));
    invoke(&cargo, &root, &path, port, DLQ, alarm, &logs)?;
    for n in &everything.drain(Duration::from_secs(2)).await? {
        show(n);
    }
    on_call.drain(Duration::from_secs(1)).await?;
    let command = "events/dlq-processor/command_redrive.json";
    step(&format!(
        "Redriving: cargo lambda invoke {DLQ} --data-file {command}"
    ));
    let report = invoke(&cargo, &root, &path, port, DLQ, command, &logs)?;
    println!(
        "   the function reports: {} moved, {} skipped, {} failed",
        count(&report, "done"),
        count(&report, "skipped"),
        count(&report, "failed")
    );
    for skipped in report["skipped"].as_array().into_iter().flatten() {
        println!(
            "   skipped {}: {}",
            skipped["target"].as_str().unwrap_or_default(),
            skipped["reason"].as_str().unwrap_or_default()
        );
    }
    print_queues(&pair).await?;
    for n in &everything.drain(Duration::from_secs(2)).await? {
        println!("   {}", n.subject.as_deref().unwrap_or("(no subject)"));
    }
    on_call.drain(Duration::from_secs(1)).await?;

    // Part 3: a database password rotation.
    step(&format!(
        "{ROTATOR} rotates the password of PostgreSQL user app: cargo lambda invoke {ROTATOR} once per step, as Secrets Manager runs them"
    ));
    let old_password = random_alnum(24);
    let mut admin = pg.connect_superuser().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE ROLE app LOGIN PASSWORD '{}'",
        secret_rotator::password_sql::scram_verifier(&old_password)
    )))
    .execute(&mut admin)
    .await?;
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let secret = RotatedSecret::create(
        &secrets,
        "prod-orders-app-db",
        &serde_json::json!({"engine": "postgres", "host": "localhost", "port": pg.port,
            "username": "app", "password": old_password, "dbname": "postgres"})
        .to_string(),
    )
    .await?;
    // Secrets Manager starts a rotation with a new, empty version staged
    // AWSPENDING, then calls the function with its id for each step.
    let token = secret.start_rotation().await?;
    println!("   rotation started: Secrets Manager staged version {token} AWSPENDING:");
    print_stages(&secret).await?;
    for name in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
        let event = secret.event(name, &token).to_string();
        let report = invoke(&cargo, &root, &path, port, ROTATOR, &event, &logs)?;
        let did: Vec<&str> = report["done"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["action"].as_str())
            .collect();
        println!("   {ROTATOR} {name:<13} {}", did.join("; "));
    }
    println!("   after:");
    print_stages(&secret).await?;
    let new_password = secret.current().await?["password"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let old_works = pg
        .options("app", &old_password, "postgres")
        .connect()
        .await
        .is_ok();
    let new_works = pg
        .options("app", &new_password, "postgres")
        .connect()
        .await
        .is_ok();
    println!(
        "   the old password is {}; the new one (never printed) is {}",
        if old_works {
            "STILL ACCEPTED"
        } else {
            "refused"
        },
        if new_works { "accepted" } else { "REFUSED" }
    );
    if old_works || !new_works {
        anyhow::bail!("the rotation did not take effect in the database");
    }
    everything.drain(Duration::from_secs(1)).await?;

    // Part 4: backup verification.
    step(
        "Three RDS instances tagged backup:rpo-hours=24: encrypted with a fresh snapshot, unencrypted, and one with only RDS's automated snapshot",
    );
    for (name, encrypted, snapshot) in [
        ("orders-db", true, true),
        ("legacy-db", false, true),
        ("reports-db", true, false),
    ] {
        let mut create = fleet
            .rds
            .create_db_instance()
            .db_instance_identifier(name)
            .db_instance_class("db.t4g.micro")
            .engine("postgres")
            .allocated_storage(20)
            .master_username("app")
            .master_user_password("not-a-real-password-1")
            .tags(
                aws_sdk_rds::types::Tag::builder()
                    .key("backup:rpo-hours")
                    .value("24")
                    .build(),
            );
        if encrypted {
            create = create.storage_encrypted(true);
        }
        create.send().await?;
        if snapshot {
            fleet
                .rds
                .create_db_snapshot()
                .db_instance_identifier(name)
                .db_snapshot_identifier(format!("{name}-manual"))
                .send()
                .await?;
        }
    }
    let verify = "events/backup-verifier/command_verify.json";
    step(&format!(
        "cargo lambda invoke {VERIFIER} --data-file {verify}"
    ));
    let report = invoke(&cargo, &root, &path, port, VERIFIER, verify, &logs)?;
    for seen in report["seen"].as_array().into_iter().flatten() {
        let reasons: Vec<&str> = seen["detail"]["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str())
            .collect();
        println!(
            "   {:<10} {}{}",
            seen["action"].as_str().unwrap_or_default(),
            seen["target"].as_str().unwrap_or_default(),
            if reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", reasons.join("; "))
            }
        );
    }
    for n in &everything.drain(Duration::from_secs(2)).await? {
        println!(
            "   summary on the topic: {}",
            n.subject.as_deref().unwrap_or("(no subject)")
        );
    }
    on_call.drain(Duration::from_secs(1)).await?;

    // Part 5: the notifier.
    for event in EVENTS {
        step(&format!(
            "cargo lambda invoke {FUNCTION} --data-file {event}"
        ));
        let report = invoke(&cargo, &root, &path, port, FUNCTION, event, &logs)?;
        println!(
            "   the function reports: {} seen, {} done, {} skipped, {} failed",
            count(&report, "seen"),
            count(&report, "done"),
            count(&report, "skipped"),
            count(&report, "failed")
        );
    }

    step("What the chat channel (everything) received");
    let delivered = everything.drain(Duration::from_secs(3)).await?;
    for n in &delivered {
        show(n);
    }
    step("What the on-call e-mail (ERROR and CRITICAL only) received");
    let paged = on_call.drain(Duration::from_secs(1)).await?;
    for n in &paged {
        println!("   {}", n.subject.as_deref().unwrap_or("(no subject)"));
    }
    if delivered.len() != EVENTS.len() || paged.len() != 1 {
        anyhow::bail!(
            "expected {} notifications and 1 page, got {} and {}",
            EVENTS.len(),
            delivered.len(),
            paged.len()
        );
    }
    println!(
        "\nDone: {} events from account {ACCOUNT} became {} notifications (INFO, WARNING, ERROR); only the ERROR one paged on-call.",
        EVENTS.len(),
        delivered.len()
    );
    step("Stopping the functions and the emulator");
    drop(watch);
    drop(emulator);
    Ok(())
}

async fn print_fleet(
    fleet: &Fleet,
    service: &Service,
    group: &str,
    db: &str,
    untagged: &Service,
) -> anyhow::Result<()> {
    let show = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
    let ((desired, min, max), tags) = fleet.ecs_state(service).await?;
    println!(
        "   ECS service {:<28} desired {desired}, autoscaling min {} max {}{}",
        service.name,
        show(min),
        show(max),
        saved(&tags)
    );
    let ((gmin, gmax, gdesired), gtags) = fleet.asg_state(group).await?;
    println!(
        "   ASG {group:<36} desired {gdesired}, min {gmin}, max {gmax}{}",
        saved(&gtags)
    );
    println!("   RDS {db:<36} {}", fleet.rds_status(db).await?);
    let ((udesired, _, _), _) = fleet.ecs_state(untagged).await?;
    println!(
        "   ECS service {:<28} desired {udesired} (untagged: never touched)",
        untagged.name
    );
    Ok(())
}

async fn print_stages(secret: &RotatedSecret) -> anyhow::Result<()> {
    let mut stages: Vec<(String, Vec<String>)> = secret.stages().await?.into_iter().collect();
    stages.sort();
    for (version, labels) in stages.iter().filter(|(_, l)| !l.is_empty()) {
        println!("   version {version}: {}", labels.join(", "));
    }
    Ok(())
}

async fn print_queues(pair: &QueuePair) -> anyhow::Result<()> {
    println!(
        "   queue {:<12} {} message(s)   queue {:<12} {} message(s)",
        pair.source_name,
        pair.depth(&pair.source_url).await?,
        pair.dlq_name,
        pair.depth(&pair.dlq_url).await?
    );
    Ok(())
}

fn saved(tags: &std::collections::HashMap<String, String>) -> String {
    tags.get("schedule:saved")
        .map(|v| format!("   [saved {v}]"))
        .unwrap_or_default()
}

fn invoke(
    cargo: &str,
    root: &Path,
    path: &str,
    port: u16,
    function: &str,
    event: &str,
    logs: &Path,
) -> anyhow::Result<serde_json::Value> {
    let output = Command::new(cargo)
        .current_dir(root)
        .env("PATH", path)
        .args(["lambda", "invoke", function, "-A", "127.0.0.1", "-P"])
        .arg(port.to_string())
        .args([
            if event.starts_with('{') {
                "--data-ascii"
            } else {
                "--data-file"
            },
            event,
            "--output-format",
            "json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo lambda invoke")?;
    if !output.status.success() {
        anyhow::bail!(
            "the invocation failed:\n{}\n--- function logs ---\n{}",
            String::from_utf8_lossy(&output.stdout),
            harness::process::tail(logs)
        );
    }
    serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "report is not JSON: {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn show(n: &Delivered) {
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
