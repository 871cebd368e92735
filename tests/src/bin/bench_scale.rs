//! `make bench`, scheduler part: one off-hours and one on-hours run over
//! 1,000 mixed targets (ECS services in 10 clusters, Auto Scaling groups,
//! RDS instances) in the emulator, with 50 ms added to every call by the
//! harness proxy to stand in for AWS's control planes. Writes wall time and
//! the API calls by operation into bench/RESULTS.md (its own section).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use harness::emulator::Emulator;
use harness::proxy::FaultProxy;
use harness::repo_root;
use harness::scaling::Fleet;
use scaling_scheduler::{Clients, Config, Deps, invoke};
use serde_json::json;
use shared::config::{Common, DEFAULT_METRICS_NAMESPACE};
use shared::{Invocation, Publisher};

const CLUSTERS: usize = 10;
const SERVICES_PER_CLUSTER: usize = 60;
const GROUPS: usize = 300;
const DATABASES: usize = 100;
const LATENCY: Duration = Duration::from_millis(50);
const SCHEDULE: &str = "bench";
const HEADING: &str = "## Scheduler at 1,000 targets";

/// Monday 2026-11-23, 22:00 in Berlin, and the next morning at 09:00.
const NIGHT: &str = "2026-11-23T21:00:00Z";
const MORNING: &str = "2026-11-24T08:00:00Z";

async fn fleet(sdk: &aws_config::SdkConfig) -> anyhow::Result<()> {
    let ecs = aws_sdk_ecs::Client::new(sdk);
    let app = aws_sdk_applicationautoscaling::Client::new(sdk);
    let asg = aws_sdk_autoscaling::Client::new(sdk);
    let rds = aws_sdk_rds::Client::new(sdk);
    let tag = || {
        aws_sdk_ecs::types::Tag::builder()
            .key("Schedule")
            .value(SCHEDULE)
            .build()
    };
    Fleet::new(sdk).task_definition("bench").await?;
    for c in 0..CLUSTERS {
        let cluster = format!("bench-{c}");
        ecs.create_cluster().cluster_name(&cluster).send().await?;
        for s in 0..SERVICES_PER_CLUSTER {
            let name = format!("svc-{s}");
            ecs.create_service()
                .cluster(&cluster)
                .service_name(&name)
                .task_definition("bench")
                .desired_count(2)
                .tags(tag())
                .send()
                .await?;
            // A third autoscaled, as in a real fleet.
            if s % 3 == 0 {
                app.register_scalable_target()
                    .service_namespace(ServiceNamespace::Ecs)
                    .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                    .resource_id(format!("service/{cluster}/{name}"))
                    .min_capacity(1)
                    .max_capacity(4)
                    .send()
                    .await?;
            }
        }
    }
    asg.create_launch_configuration()
        .launch_configuration_name("bench")
        .image_id("ami-12c6146b")
        .instance_type("t3.micro")
        .send()
        .await?;
    for g in 0..GROUPS {
        let name = format!("bench-asg-{g}");
        asg.create_auto_scaling_group()
            .auto_scaling_group_name(&name)
            .launch_configuration_name("bench")
            .min_size(0)
            .max_size(2)
            .desired_capacity(1)
            .availability_zones("us-east-1a")
            .tags(
                aws_sdk_autoscaling::types::Tag::builder()
                    .resource_id(&name)
                    .resource_type("auto-scaling-group")
                    .key("Schedule")
                    .value(SCHEDULE)
                    .propagate_at_launch(false)
                    .build(),
            )
            .send()
            .await?;
    }
    for d in 0..DATABASES {
        rds.create_db_instance()
            .db_instance_identifier(format!("bench-db-{d}"))
            .db_instance_class("db.t3.micro")
            .engine("postgres")
            .allocated_storage(20)
            .master_username("bench")
            .master_user_password("bench-password-1")
            .tags(
                aws_sdk_rds::types::Tag::builder()
                    .key("Schedule")
                    .value(SCHEDULE)
                    .build(),
            )
            .send()
            .await?;
    }
    Ok(())
}

struct Run {
    label: &'static str,
    wall: Duration,
    done: usize,
    failed: usize,
    calls: BTreeMap<String, usize>,
}

async fn run(
    label: &'static str,
    at: &str,
    deps: &Deps,
    proxy: &FaultProxy,
) -> anyhow::Result<Run> {
    let before = proxy.calls_by_operation();
    let started = Instant::now();
    let report = invoke(
        json!({"action": "reconcile", "simulate_time": at}),
        &Invocation::default(),
        deps,
    )
    .await?;
    let wall = started.elapsed();
    let calls = proxy
        .calls_by_operation()
        .into_iter()
        .map(|(op, n)| {
            let earlier = before.get(&op).copied().unwrap_or(0);
            (op, n - earlier)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    Ok(Run {
        label,
        wall,
        done: report.done.len(),
        failed: report.failed.len(),
        calls,
    })
}

fn section(runs: &[Run]) -> String {
    let targets = CLUSTERS * SERVICES_PER_CLUSTER + GROUPS + DATABASES;
    let mut out = format!(
        "{HEADING}\n\nWritten by `make bench` on {}. {targets} targets in the emulator \
         ({} ECS services in {CLUSTERS} clusters, a third with an Application Auto Scaling \
         target; {GROUPS} Auto Scaling groups; {DATABASES} RDS instances), every call delayed \
         {} ms by the harness proxy to stand in for AWS. The library's `invoke`, in process \
         (debug build), one reconcile at off-hours and one at on-hours.\n\n",
        jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC"),
        CLUSTERS * SERVICES_PER_CLUSTER,
        LATENCY.as_millis()
    );
    out.push_str("| run | wall s | actions done | failed | API calls | calls by operation |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for r in runs {
        let total: usize = r.calls.values().sum();
        let by: Vec<String> = r.calls.iter().map(|(op, n)| format!("{op} {n}")).collect();
        out.push_str(&format!(
            "| {} | {:.1} | {} | {} | {total} | {} |\n",
            r.label,
            r.wall.as_secs_f64(),
            r.done,
            r.failed,
            by.join(", ")
        ));
    }
    out
}

/// Replaces this bench's section of RESULTS.md (or appends it).
fn write(results: &Path, section: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(results).unwrap_or_default();
    let kept = match text.find(HEADING) {
        Some(start) => {
            let rest = &text[start + HEADING.len()..];
            let end = rest.find("\n## ").map(|i| start + HEADING.len() + i + 1);
            let mut kept = text[..start].to_owned();
            if let Some(end) = end {
                kept.push_str(&text[end..]);
                kept.push('\n');
            }
            kept
        }
        None => format!("{}\n\n", text.trim_end()),
    };
    std::fs::write(results, format!("{}{section}", kept))?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let results = std::env::var_os("BENCH_OUT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("bench/RESULTS.md"));
    let emulator = Emulator::start()?;
    let direct = emulator.sdk_config().await;
    eprintln!("[bench] creating 1,000 targets");
    fleet(&direct).await?;
    let proxy = FaultProxy::start(emulator.endpoint()).await?;
    let sdk = proxy.sdk_config().await;
    let topic = aws_sdk_sns::Client::new(&direct)
        .create_topic()
        .name("bench-summaries")
        .send()
        .await?
        .topic_arn
        .unwrap_or_default();
    let document = json!({
        "schedules": {SCHEDULE: {
            "timezone": "Europe/Berlin",
            "periods": [{"days": "mon-fri", "start": "08:00", "stop": "19:00"}]
        }}
    });
    let common = Common {
        topic_arn: topic.clone(),
        environment: "bench".into(),
        dry_run: false,
        metrics_namespace: DEFAULT_METRICS_NAMESPACE.into(),
    };
    let deps = Deps {
        config: Config::from_document(common, &document.to_string(), "bench")?,
        clients: Clients::new(&sdk),
        publisher: Publisher::new(aws_sdk_sns::Client::new(&sdk), topic),
    };
    proxy.set_latency(LATENCY);
    let mut runs = Vec::new();
    for (label, at) in [("off-hours", NIGHT), ("on-hours", MORNING)] {
        eprintln!("[bench] scheduler {label} run");
        let r = run(label, at, &deps, &proxy).await?;
        eprintln!(
            "[bench] {label}: {:.1} s, {} done, {} failed",
            r.wall.as_secs_f64(),
            r.done,
            r.failed
        );
        runs.push(r);
    }
    let text = section(&runs);
    print!("{text}");
    write(&results, &text)
}
