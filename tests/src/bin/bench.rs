//! `make bench`: size, cold start, memory and warm latency of every function,
//! side by side with the Python way (awslambdaric + boto3 making the same
//! first call), and dlq-processor's redrive throughput against what the
//! emulator sustains for the same calls made back to back by boto3.
//!
//! Each function runs as Lambda runs it: its release `bootstrap` (built by
//! `make bench` with cargo-lambda) is spawned against a local Runtime API
//! (`harness::runtime_api`) with its real sample event, and talks to the
//! AWS emulator on loopback. Cold start is process spawn to response posted.
//! Results go to stdout and `bench/RESULTS.md`. Never a test: timings depend
//! on the machine and its load, which the results record.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use harness::emulator::{ACCOUNT, Emulator, REGION};
use harness::fixtures::TopicWithQueue;
use harness::repo_root;
use harness::rotation::RotatedSecret;
use harness::runtime_api::RuntimeApi;

const COLD_RUNS: usize = 20;
const WARM_RUNS: usize = 200;
const REDRIVE_DEPTH: usize = 1000;
const FUNCTIONS: [&str; 5] = [
    "scaling-scheduler",
    "dlq-processor",
    "secret-rotator",
    "backup-verifier",
    "scaling-notifier",
];

/// One function's setup: its event and environment.
struct Case {
    function: &'static str,
    event: String,
    env: Vec<(String, String)>,
}

#[derive(Default)]
struct Row {
    sizes: BTreeMap<&'static str, (u64, u64)>,
    init: Vec<f64>,
    cold: Vec<f64>,
    rss_kib: Vec<u64>,
    warm: Vec<f64>,
    py_init: Vec<f64>,
    py_cold: Vec<f64>,
    py_rss_kib: Vec<u64>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The emulator's endpoint, region and test credentials, for any client.
fn aws_env(emulator: &Emulator) -> Vec<(String, String)> {
    [
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_REGION", REGION),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// What Lambda gives a function process: the emulator, and the Runtime API.
fn base_env(emulator: &Emulator, api: &str, function: &str) -> Vec<(String, String)> {
    let mut env = aws_env(emulator);
    env.extend(
        [
            ("AWS_LAMBDA_RUNTIME_API", api),
            ("AWS_LAMBDA_FUNCTION_NAME", function),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
            ("BENCH_FUNCTION", function),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    env
}

fn arn(function: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}")
}

/// One invocation in a new process: milliseconds from spawn to the first
/// `/next` (initialisation) and to the response, and the peak RSS.
async fn cold(
    mut command: Command,
    api: &RuntimeApi,
    event: &str,
) -> anyhow::Result<(f64, f64, u64)> {
    api.push(event.to_owned());
    let start = Instant::now();
    let child = Killed(
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("spawn")?,
    );
    let outcome = api.outcome(Duration::from_secs(60)).await?;
    if outcome.kind != "response" {
        bail!("{}", String::from_utf8_lossy(&outcome.body));
    }
    let rss = peak_rss_kib(child.0.id());
    let init = outcome.served_at.map(|t| ms(t - start)).unwrap_or(f64::NAN);
    Ok((init, ms(outcome.at - start), rss))
}

/// `runs` invocations of one warm process; milliseconds each.
async fn warm(
    mut command: Command,
    api: &RuntimeApi,
    event: &str,
    runs: usize,
) -> anyhow::Result<Vec<f64>> {
    let _child = Killed(
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    api.push(event.to_owned());
    api.outcome(Duration::from_secs(60)).await?;
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        api.push(event.to_owned());
        let outcome = api.outcome(Duration::from_secs(60)).await?;
        if outcome.kind != "response" {
            bail!("{}", String::from_utf8_lossy(&outcome.body));
        }
        out.push(ms(outcome.at - start));
    }
    Ok(out)
}

fn rust_command(bin: &Path, env: &[(String, String)], root: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env_clear().envs(env.iter().cloned()).current_dir(root);
    c
}

fn python_command(py: &Path, root: &Path, function: &str, env: &[(String, String)]) -> Command {
    let mut c = Command::new(py);
    c.args([
        "-m",
        "awslambdaric",
        &format!("handler.{}", function.replace('-', "_")),
    ])
    .env_clear()
    .envs(env.iter().cloned())
    .env("PATH", "/usr/bin:/bin")
    .current_dir(root.join("bench/python"));
    c
}

async fn setup(emulator: &Emulator, root: &Path) -> anyhow::Result<Vec<Case>> {
    let config = emulator.sdk_config().await;
    let topic =
        TopicWithQueue::create_named(&config, "bench-notifications", "bench-sink", None).await?;
    let common = |extra: &[(&str, String)]| -> Vec<(String, String)> {
        let mut env = vec![
            ("NOTIFY_TOPIC_ARN".to_owned(), topic.topic_arn.clone()),
            ("ENVIRONMENT".to_owned(), "bench".to_owned()),
        ];
        env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        env
    };
    let read = |p: &str| std::fs::read_to_string(root.join(p)).with_context(|| p.to_owned());

    // dlq-processor: the queues its sample events name, with a few messages.
    let sqs = aws_sdk_sqs::Client::new(&config);
    let dlq = sqs.create_queue().queue_name("orders-dlq").send().await?;
    let dlq_url = dlq.queue_url.unwrap_or_default();
    let dlq_arn = harness::queues::queue_arn(&sqs, &dlq_url).await?;
    sqs.create_queue()
        .queue_name("orders")
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
            serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}).to_string(),
        )
        .send()
        .await?;
    for i in 0..5 {
        sqs.send_message()
            .queue_url(&dlq_url)
            .message_body(format!(r#"{{"errorType":"Timeout","orderId":"o-{i}"}}"#))
            .send()
            .await?;
    }

    // secret-rotator: an application token with rotation on.
    let sm = aws_sdk_secretsmanager::Client::new(&config);
    let secret =
        RotatedSecret::create(&sm, "bench-token", r#"{"engine":"token","token":"t0"}"#).await?;
    let rotation_event = secret
        .event("createSecret", &secret.start_rotation().await?)
        .to_string();

    let cases = vec![
        Case {
            function: "scaling-scheduler",
            event: read("events/scaling-scheduler/command_plan.json")?,
            env: common(&[(
                "SCHEDULES_FILE",
                root.join("functions/scaling-scheduler/schedules.example.json")
                    .display()
                    .to_string(),
            )]),
        },
        Case {
            function: "dlq-processor",
            event: read("events/dlq-processor/command_inspect.json")?,
            env: common(&[]),
        },
        Case {
            function: "secret-rotator",
            event: rotation_event,
            env: common(&[]),
        },
        Case {
            function: "backup-verifier",
            event: read("events/backup-verifier/command_verify.json")?,
            env: common(&[("BACKUP_SOURCES", "snapshots".to_owned())]),
        },
        Case {
            function: "scaling-notifier",
            event: read("events/scaling-notifier/autoscaling_launch-unsuccessful.json")?,
            env: common(&[]),
        },
    ];
    Ok(cases)
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Redrive throughput: `REDRIVE_DEPTH` messages through dlq-processor's
/// release bootstrap, and through boto3 calls back to back.
async fn redrive(
    emulator: &Emulator,
    root: &Path,
    bin: &Path,
    py: &Path,
    topic_env: &[(String, String)],
) -> anyhow::Result<(f64, f64)> {
    let config = emulator.sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let mut results = Vec::new();
    for who in ["rust", "python"] {
        let dlq_name = format!("redrive-{who}-dlq");
        let dlq_url = sqs
            .create_queue()
            .queue_name(&dlq_name)
            .send()
            .await?
            .queue_url
            .unwrap_or_default();
        let dlq_arn = harness::queues::queue_arn(&sqs, &dlq_url).await?;
        let target_url = sqs
            .create_queue()
            .queue_name(format!("redrive-{who}"))
            .attributes(
                aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
                serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
                    .to_string(),
            )
            .send()
            .await?
            .queue_url
            .unwrap_or_default();
        for chunk in 0..REDRIVE_DEPTH / 10 {
            let entries = (0..10)
                .map(|i| {
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(format!(
                            r#"{{"errorType":"Timeout","n":{}}}"#,
                            chunk * 10 + i
                        ))
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()?;
            sqs.send_message_batch()
                .queue_url(&dlq_url)
                .set_entries(Some(entries))
                .send()
                .await?;
        }
        let seconds = if who == "rust" {
            let api = RuntimeApi::start(&arn("dlq-processor")).await?;
            let mut env = base_env(emulator, api.address(), "dlq-processor");
            env.extend(topic_env.iter().cloned());
            env.push(("REDRIVE_RATE".into(), "3000".into()));
            env.push(("MAX_PER_INVOCATION".into(), REDRIVE_DEPTH.to_string()));
            let _child = Killed(
                rust_command(bin, &env, root)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()?,
            );
            // Started and warm first: the throughput is the redrive's, not the start's.
            api.push(serde_json::json!({"action":"inspect","queue": dlq_name}).to_string());
            api.outcome(Duration::from_secs(60)).await?;
            let event = serde_json::json!({"action":"redrive","queue": dlq_name,"max_messages": REDRIVE_DEPTH});
            api.push(event.to_string());
            let start = Instant::now();
            let outcome = api.outcome(Duration::from_secs(600)).await?;
            if outcome.kind != "response" {
                bail!("redrive failed: {}", String::from_utf8_lossy(&outcome.body));
            }
            (outcome.at - start).as_secs_f64()
        } else {
            let out = Command::new(py)
                .arg(root.join("bench/python/redrive.py"))
                .arg(&dlq_url)
                .arg(&target_url)
                .env_clear()
                .envs(aws_env(emulator))
                .output()?;
            let text = String::from_utf8_lossy(&out.stdout);
            let mut parts = text.split_whitespace();
            let moved: usize = parts.next().unwrap_or("0").parse().unwrap_or(0);
            if moved != REDRIVE_DEPTH {
                bail!(
                    "boto3 moved {moved}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            parts.next().unwrap_or("nan").parse().unwrap_or(f64::NAN)
        };
        let depth = harness::queues::approximate_depth(&sqs, &target_url).await?;
        if depth != REDRIVE_DEPTH as i64 {
            bail!("{who}: the target holds {depth} messages, not {REDRIVE_DEPTH}");
        }
        results.push(REDRIVE_DEPTH as f64 / seconds);
    }
    Ok((results[0], results[1]))
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!("{cpu}, {cores} cores")
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Sections of RESULTS.md measured by hand (their heading says so), which
/// a bench run cannot measure again and so keeps as they are.
const BY_HAND: &str = "(measured by hand)";

/// The sections of `text` whose heading ends with [`BY_HAND`], each from its
/// heading to the next section.
fn kept_sections(text: &str) -> String {
    let mut kept = String::new();
    let mut keeping = false;
    for line in text.lines() {
        if line.starts_with("## ") {
            keeping = line.trim_end().ends_with(BY_HAND);
            if keeping {
                kept.push('\n');
            }
        }
        if keeping {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

fn mb(bytes: u64) -> String {
    format!("{:.2}", bytes as f64 / 1_000_000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let root = repo_root();
    // Overridable to compare builds (e.g. another opt-level in its own target dir).
    let target = std::env::var_os("BENCH_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let results = std::env::var_os("BENCH_OUT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("bench/RESULTS.md"));
    let bench_dir = target.join("bench");
    let py = root.join(".tools/bench-python/bin/python");
    anyhow::ensure!(py.exists(), "{} is missing: run `make bench`", py.display());
    let load_before = load();
    let emulator = Emulator::start()?;
    let cases = setup(&emulator, &root).await?;
    let mut rows: BTreeMap<&str, Row> = BTreeMap::new();

    for case in &cases {
        let f = case.function;
        eprintln!("[bench] {f}");
        let row = rows.entry(f).or_default();
        for (arch, triple) in [
            ("arm64", "aarch64-unknown-linux-gnu"),
            ("x86_64", "x86_64-unknown-linux-gnu"),
        ] {
            let bin = file_size(&target.join(format!("{triple}/release/{f}")));
            let zip = file_size(&bench_dir.join(format!("{arch}/{f}/bootstrap.zip")));
            row.sizes.insert(arch, (bin, zip));
        }
        let bin = target.join(format!("x86_64-unknown-linux-gnu/release/{f}"));
        anyhow::ensure!(
            bin.exists(),
            "{} is missing: run `make bench`",
            bin.display()
        );

        for python in [false, true] {
            let api = RuntimeApi::start(&arn(f)).await?;
            let mut env = base_env(&emulator, api.address(), f);
            env.extend(case.env.iter().cloned());
            let command = || {
                if python {
                    python_command(&py, &root, f, &env)
                } else {
                    rust_command(&bin, &env, &root)
                }
            };
            // Warm-up: page cache, the emulator's first-request costs.
            cold(command(), &api, &case.event).await?;
            for _ in 0..COLD_RUNS {
                let (i, t, r) = cold(command(), &api, &case.event).await?;
                if python {
                    row.py_init.push(i);
                    row.py_cold.push(t);
                    row.py_rss_kib.push(r);
                } else {
                    row.init.push(i);
                    row.cold.push(t);
                    row.rss_kib.push(r);
                }
            }
            // The Python handler makes only the first call: its warm
            // latency would not compare with the whole job's.
            if !python {
                row.warm = warm(command(), &api, &case.event, WARM_RUNS).await?;
            }
        }
    }

    let redrive_rates = if std::env::var("BENCH_REDRIVE").as_deref() == Ok("0") {
        None
    } else {
        eprintln!("[bench] redrive throughput");
        let dlq_bin = target.join("x86_64-unknown-linux-gnu/release/dlq-processor");
        let topic_env: Vec<(String, String)> = cases
            .iter()
            .find(|c| c.function == "dlq-processor")
            .map(|c| c.env.clone())
            .unwrap_or_default();
        Some(redrive(&emulator, &root, &dlq_bin, &py, &topic_env).await?)
    };
    let load_after = load();

    let mut out = String::new();
    out.push_str("# Benchmark results\n\n");
    out.push_str(&format!(
        "Written by `make bench` on {} ({}). Load average before: {load_before}; after: {load_after}.\n\
         Cold start: spawn to response posted, against the emulator (moto) on loopback with the function's\n\
         sample event, {COLD_RUNS} runs after one warm-up. Warm: {WARM_RUNS} invocations of one process.\n\
         Python: 3.11 with awslambdaric and boto3, the same SDK clients and the same first call\n\
         (`bench/python/handler.py`). Rust: the x86_64 release bootstrap (`cargo lambda build --release`).\n\
         Sizes in MB (10^6 bytes); RSS is the peak (VmHWM) in MiB.\n\n",
        jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC"),
        machine(),
    ));
    out.push_str(
        "## Size\n\n| function | bootstrap arm64 | zip arm64 | bootstrap x86_64 | zip x86_64 |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for f in FUNCTIONS {
        let Some(r) = rows.get(f) else { continue };
        let (ab, az) = r.sizes.get("arm64").copied().unwrap_or_default();
        let (xb, xz) = r.sizes.get("x86_64").copied().unwrap_or_default();
        out.push_str(&format!(
            "| {f} | {} | {} | {} | {} |\n",
            mb(ab),
            mb(az),
            mb(xb),
            mb(xz)
        ));
    }
    out.push_str(
        "\n## Start, memory, latency\n\n\
         *init*: spawn to the runtime's first `/next` (Lambda's Init Duration: runtime, \
         configuration, SDK clients). *cold*: spawn to the response posted, the handler's \
         whole job included (several emulator calls for most functions; one for Python).\n\n\
         | function | Rust init min / median / max ms | Python init median ms | init Python / Rust | \
         Rust cold min / median / max ms | Python cold median ms | cold Python / Rust | \
         Rust peak RSS MiB | Python peak RSS MiB | Rust warm p50 / p99 ms |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let med =
        |v: &[u64]| percentile(&v.iter().map(|k| *k as f64).collect::<Vec<_>>(), 0.5) / 1024.0;
    for f in FUNCTIONS {
        let Some(r) = rows.get(f) else { continue };
        let (init, py_init) = (percentile(&r.init, 0.5), percentile(&r.py_init, 0.5));
        let (cold, py_cold) = (percentile(&r.cold, 0.5), percentile(&r.py_cold, 0.5));
        out.push_str(&format!(
            "| {f} | {:.1} / {init:.1} / {:.1} | {py_init:.1} | {:.1}x | {:.1} / {cold:.1} / {:.1} | {py_cold:.1} | {:.1}x | {:.1} | {:.1} | {:.2} / {:.2} |\n",
            percentile(&r.init, 0.0),
            percentile(&r.init, 1.0),
            py_init / init,
            percentile(&r.cold, 0.0),
            percentile(&r.cold, 1.0),
            py_cold / cold,
            med(&r.rss_kib),
            med(&r.py_rss_kib),
            percentile(&r.warm, 0.5),
            percentile(&r.warm, 0.99),
        ));
    }
    if let Some((rust_rate, python_rate)) = redrive_rates {
        out.push_str(&format!(
            "\n## Redrive throughput\n\nAt a DLQ depth of {REDRIVE_DEPTH} (standard queues): dlq-processor \
             {rust_rate:.0} messages/s; boto3 making the same calls back to back (receive 10, send \
             batch, delete batch) {python_rate:.0} messages/s; ratio {:.0} %.\n",
            100.0 * rust_rate / python_rate
        ));
    }
    print!("{out}");
    if let Some(dir) = results.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let before = std::fs::read_to_string(&results).unwrap_or_default();
    out.push_str(&kept_sections(&before));
    std::fs::write(&results, &out)?;
    eprintln!("[bench] written to {}", results.display());
    Ok(())
}
