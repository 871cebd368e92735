//! scaling-notifier against the emulator: events become notifications on
//! SNS, delivered to subscribed SQS queues that filter on their attributes,
//! and optionally to a Slack webhook.

use std::time::{Duration, Instant};

use harness::emulator::Emulator;
use harness::fixtures::TopicWithQueue;
use harness::proxy::{Fault, FaultProxy};
use harness::webhook::{Answer, WebhookServer};
use harness::{repo_root, sample_event};
use scaling_notifier::{Config, Deps, Error, SlackSink, TaskDefinitions, invoke};
use serde_json::{Value, json};
use shared::config::{Common, DEFAULT_METRICS_NAMESPACE};
use shared::{Invocation, PublishError, Publisher, Severity};

const ERRORS_ONLY: &str = r#"{"severity":["ERROR","CRITICAL"]}"#;

fn config(topic_arn: &str, dry_run: bool) -> Config {
    Config::new(Common {
        topic_arn: topic_arn.to_owned(),
        environment: "test".into(),
        dry_run,
        metrics_namespace: DEFAULT_METRICS_NAMESPACE.into(),
    })
}

fn deps(sdk: &aws_config::SdkConfig, topic_arn: &str, dry_run: bool) -> Deps {
    Deps {
        config: config(topic_arn, dry_run),
        publisher: Publisher::new(aws_sdk_sns::Client::new(sdk), topic_arn),
        slack: None,
        task_definitions: TaskDefinitions::new(aws_sdk_ecs::Client::new(sdk)),
    }
}

/// A topic with a subscribed queue, straight on the emulator.
async fn direct(prefix: &str) -> (aws_config::SdkConfig, TopicWithQueue) {
    let sdk = Emulator::shared().sdk_config().await;
    let sink = TopicWithQueue::create(&sdk, prefix, None)
        .await
        .expect("topic");
    (sdk, sink)
}

/// The same, with every call going through a fault proxy.
async fn behind_proxy(prefix: &str) -> (FaultProxy, aws_config::SdkConfig, TopicWithQueue) {
    let proxy = FaultProxy::start(Emulator::shared().endpoint())
        .await
        .expect("proxy");
    let sdk = proxy.sdk_config().await;
    let sink = TopicWithQueue::create(&sdk, prefix, None)
        .await
        .expect("topic");
    (proxy, sdk, sink)
}

/// How many notifications arrived on the queue within `secs` seconds.
async fn arrived(sink: &TopicWithQueue, secs: u64) -> usize {
    sink.drain(Duration::from_secs(secs))
        .await
        .expect("drain")
        .len()
}

fn sample(file: &str) -> Value {
    sample_event("scaling-notifier", file).expect("sample")
}

fn launch_unsuccessful() -> Value {
    sample("autoscaling_launch-unsuccessful.json")
}

#[tokio::test]
async fn launch_failure_arrives_as_an_error_notification_with_routing_attributes() {
    let (sdk, sink) = direct("notifier").await;

    let response = invoke(
        launch_unsuccessful(),
        &Invocation::default(),
        &deps(&sdk, &sink.topic_arn, false),
    )
    .await
    .expect("handled");
    assert_eq!(response.report.done.len(), 1, "{response:?}");

    let delivered = sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(delivered.len(), 1, "exactly one notification");
    let n = &delivered[0];
    assert_eq!(
        n.subject.as_deref(),
        Some("[ERROR] ASG web-staging: launch failed in us-west-2b")
    );
    assert_eq!(n.attribute("severity"), Some("ERROR"));
    assert_eq!(n.attribute("source"), Some("scaling-notifier"));
    assert_eq!(n.attribute("environment"), Some("test"));
    assert_eq!(n.attribute("resource"), Some("asg/web-staging"));
    for line in [
        "Auto Scaling group: web-staging",
        "Availability Zone: us-west-2b",
        "Subnet: subnet-0a1b2c3d",
        "Status: Failed",
        "Capacity: 2 -> 3",
        "Account: 123456789012",
        "InsufficientInstanceCapacity",
    ] {
        assert!(
            n.message.contains(line),
            "missing {line:?} in:\n{}",
            n.message
        );
    }
}

#[tokio::test]
async fn a_stopped_task_names_the_container_its_task_definition_calls_essential() {
    let (proxy, sdk, sink) = behind_proxy("essential").await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let container = |name: &str, essential: Option<bool>| {
        aws_sdk_ecs::types::ContainerDefinition::builder()
            .name(name)
            .image("public.ecr.aws/docker/library/busybox:stable")
            .memory(256)
            .set_essential(essential)
            .build()
    };
    // `app` leaves `essential` out, which means essential.
    let registered = ecs
        .register_task_definition()
        .family(harness::names::unique("checkout-mesh"))
        .container_definitions(container("envoy", Some(false)))
        .container_definitions(container("app", None))
        .send()
        .await
        .expect("task definition");
    let arn = registered
        .task_definition
        .and_then(|t| t.task_definition_arn)
        .expect("arn");
    let mut event = sample("ecs_task-stopped-sidecar-killed.json");
    event["detail"]["taskDefinitionArn"] = json!(arn);
    let deps = deps(&sdk, &sink.topic_arn, false);

    // Twice: a revision never changes, so it is read once.
    for _ in 0..2 {
        invoke(event.clone(), &Invocation::default(), &deps)
            .await
            .expect("handled");
    }
    assert_eq!(proxy.calls("DescribeTaskDefinition"), 1);
    let delivered = sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(delivered.len(), 2);
    for n in &delivered {
        assert_eq!(
            n.subject.as_deref(),
            Some("[ERROR] ECS checkout: essential container app exited with code 1"),
            "{}",
            n.message
        );
        assert!(
            n.message
                .contains("envoy exit 137, not essential; app exit 1, essential"),
            "{}",
            n.message
        );
    }

    // A task definition that cannot be read: no container is blamed.
    event["detail"]["taskDefinitionArn"] =
        json!("arn:aws:ecs:us-east-1:123456789012:task-definition/gone:1");
    invoke(event, &Invocation::default(), &deps)
        .await
        .expect("still told");
    let delivered = sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(
        delivered[0].subject.as_deref(),
        Some("[ERROR] ECS checkout: essential container exited")
    );
    assert!(
        delivered[0].message.contains("could not be read"),
        "{}",
        delivered[0].message
    );
}

/// Every sample under events/scaling-notifier, invoked as AWS would deliver
/// it, lands on the subscription its severity routes it to.
#[tokio::test]
async fn every_sample_lands_where_its_severity_says() {
    let sdk = Emulator::shared().sdk_config().await;
    let everything = TopicWithQueue::create(&sdk, "all", None)
        .await
        .expect("topic");
    let errors_only = everything
        .add_queue(&sdk, "errors", Some(ERRORS_ONLY))
        .await
        .expect("queue");
    let deps = deps(&sdk, &everything.topic_arn, false);

    let dir = repo_root().join("events/scaling-notifier");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("events dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut published, mut errors) = (0, 0);
    let mut skipped = Vec::new();
    for path in &files {
        let payload: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
        let response = invoke(payload, &Invocation::default(), &deps)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            response.report.failed.is_empty(),
            "{}: {:?}",
            path.display(),
            response.report.failed
        );
        published += response.report.done.len();
        if !response.report.skipped.is_empty() {
            skipped.push(
                path.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        for done in &response.report.done {
            let subject = done
                .detail
                .as_ref()
                .and_then(Value::as_str)
                .unwrap_or_default();
            if subject.starts_with("[ERROR]") || subject.starts_with("[CRITICAL]") {
                errors += 1;
            }
        }
    }
    assert_eq!(
        skipped,
        [
            "backup_copy-job-created.json",
            "backup_copy-job-running.json",
            "backup_job-created.json",
            "backup_job-pending.json",
            "backup_job-running.json",
            "backup_restore-job-created.json",
            "backup_restore-job-pending.json",
            "backup_restore-job-running.json",
            "cloudwatch_alarm-composite-still-alarm.json",
            "cloudwatch_alarm-composite-suppressed.json",
            "ecs_task-stopped-scale-in.json",
            "guardduty_finding-sample-archived.json"
        ],
        "only routine events are skipped: AWS Backup jobs that have not ended, \
         a scale-in task stop, a composite alarm whose actions are suppressed, \
         the same ALARM again, an archived GuardDuty finding"
    );
    assert!(
        published >= files.len() - skipped.len(),
        "{published} notifications for {} samples",
        files.len()
    );

    let all = everything
        .drain(Duration::from_secs(3))
        .await
        .expect("drain");
    assert_eq!(
        all.len(),
        published,
        "the everything queue gets each notification once"
    );
    let severities: std::collections::BTreeSet<_> =
        all.iter().filter_map(|d| d.attribute("severity")).collect();
    assert_eq!(
        severities,
        ["CRITICAL", "ERROR", "INFO", "WARNING"]
            .into_iter()
            .collect()
    );

    let only_errors = errors_only
        .drain(Duration::from_secs(1))
        .await
        .expect("drain");
    assert_eq!(only_errors.len(), errors);
    assert!(errors >= 8, "the samples hold many errors, got {errors}");
    assert!(
        only_errors
            .iter()
            .all(|d| matches!(d.attribute("severity"), Some("ERROR" | "CRITICAL")))
    );
}

#[tokio::test]
async fn unknown_event_arrives_as_a_warning() {
    let (sdk, sink) = direct("unknown").await;
    let unknown = json!({
        "version": "0", "id": "9", "detail-type": "Brand New Thing", "source": "aws.future",
        "account": "123456789012", "time": "2026-11-23T10:00:00Z", "region": "us-east-1",
        "resources": [], "detail": {"x": 1}
    });
    invoke(
        unknown,
        &Invocation::default(),
        &deps(&sdk, &sink.topic_arn, false),
    )
    .await
    .expect("sent");
    let delivered = sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].attribute("severity"), Some("WARNING"));
    assert_eq!(
        delivered[0].subject.as_deref(),
        Some("[WARNING] Brand New Thing from aws.future")
    );
}

#[tokio::test]
async fn sqs_batch_is_published_in_one_batch_call() {
    let (proxy, sdk, sink) = behind_proxy("batch").await;
    let response = invoke(
        sample("sqs_eventbridge-batch.json"),
        &Invocation::default(),
        &deps(&sdk, &sink.topic_arn, false),
    )
    .await
    .expect("handled");
    assert_eq!(response.report.done.len(), 2);
    assert!(response.sqs.batch_item_failures.is_empty());
    assert_eq!(proxy.calls("PublishBatch"), 1);
    assert_eq!(proxy.calls("Publish"), 0);
    assert_eq!(arrived(&sink, 2).await, 2);
}

#[tokio::test]
async fn failed_sqs_batch_names_every_record_for_redelivery() {
    let (proxy, sdk, sink) = behind_proxy("batchfail").await;
    proxy.fail_next("PublishBatch", 3, Fault::ServerError);
    let response = invoke(
        sample("sqs_eventbridge-batch.json"),
        &Invocation::default(),
        &deps(&sdk, &sink.topic_arn, false),
    )
    .await
    .expect("a partial batch response, not an error");
    let ids: Vec<_> = response
        .sqs
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "059f36b4-87a3-44ab-83d2-661975830a7d",
            "2e1424d4-f796-459a-8184-9c92662be6da"
        ]
    );
    let json = serde_json::to_value(&response).expect("serialises");
    assert_eq!(
        json["batchItemFailures"][0]["itemIdentifier"],
        "059f36b4-87a3-44ab-83d2-661975830a7d"
    );
    assert!(
        sink.drain(Duration::from_secs(1))
            .await
            .expect("drain")
            .is_empty()
    );
}

#[tokio::test]
async fn routing_skips_muted_and_low_severity_events_with_reasons() {
    let (sdk, sink) = direct("routing").await;
    let mut deps = deps(&sdk, &sink.topic_arn, false);
    deps.config.min_severity = Severity::Warning;
    deps.config.muted = vec!["ECS Service Action/SERVICE_TASK_START_IMPAIRED".into()];

    let low = invoke(
        sample("autoscaling_launch-successful.json"),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("handled");
    assert!(
        low.report.skipped[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("below MIN_SEVERITY WARNING"))
    );
    let muted = invoke(
        sample("ecs_service-task-start-impaired.json"),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("handled");
    assert!(
        muted.report.skipped[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("muted"))
    );
    invoke(launch_unsuccessful(), &Invocation::default(), &deps)
        .await
        .expect("handled");

    let delivered = sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].attribute("severity"), Some("ERROR"));
}

#[tokio::test]
async fn dry_run_returns_the_notification_and_publishes_nothing() {
    let (sdk, sink) = direct("dry").await;

    let response = invoke(
        launch_unsuccessful(),
        &Invocation::default(),
        &deps(&sdk, &sink.topic_arn, true),
    )
    .await
    .expect("handled");
    let report = response.report;
    assert!(report.dry_run);
    assert!(report.done.is_empty());
    assert_eq!(report.planned.len(), 1);
    let planned = report.planned[0]
        .detail
        .as_ref()
        .expect("notification in the plan");
    assert_eq!(planned["severity"], "ERROR");
    assert!(
        sink.drain(Duration::from_secs(1))
            .await
            .expect("drain")
            .is_empty()
    );
}

#[tokio::test]
async fn slack_gets_block_kit_and_a_failing_slack_never_costs_the_sns_message() {
    let (sdk, sink) = direct("slack").await;
    let webhook = WebhookServer::start(200).await.expect("webhook");
    // The URL comes from Secrets Manager, as in production.
    let deps = with_slack(&sdk, &sink.topic_arn, &webhook).await;

    let ok = invoke(launch_unsuccessful(), &Invocation::default(), &deps)
        .await
        .expect("handled");
    assert!(ok.report.failed.is_empty(), "{:?}", ok.report.failed);
    let posted = webhook.received();
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0]["text"],
        "[ERROR] ASG web-staging: launch failed in us-west-2b"
    );
    assert_eq!(posted[0]["blocks"][0]["type"], "header");
    assert_eq!(
        posted[0]["blocks"][2]["fields"][0]["text"],
        "*Auto Scaling group*\nweb-staging"
    );

    webhook.set_status(500);
    let failed = invoke(launch_unsuccessful(), &Invocation::default(), &deps)
        .await
        .expect("the invocation still succeeds");
    assert_eq!(failed.report.failed.len(), 1);
    assert_eq!(
        failed.report.failed[0].reason.as_deref(),
        Some("slack answered HTTP 500")
    );
    assert_eq!(webhook.received().len(), 2, "slack was tried");
    let delivered = sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(delivered.len(), 2, "both SNS notifications were delivered");
    let report_text = serde_json::to_string(&failed.report).expect("json");
    assert!(
        !report_text.contains("test-webhook"),
        "the webhook URL is a secret: {report_text}"
    );
}

/// Deps posting to `webhook` too, its URL read from Secrets Manager.
async fn with_slack(sdk: &aws_config::SdkConfig, topic_arn: &str, webhook: &WebhookServer) -> Deps {
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let secret_arn = secrets
        .create_secret()
        .name(harness::names::unique("slack-webhook"))
        .secret_string(json!({"url": webhook.url()}).to_string())
        .send()
        .await
        .expect("secret")
        .arn
        .expect("arn");
    let mut deps = deps(sdk, topic_arn, false);
    deps.slack = Some(
        SlackSink::from_secret(&secrets, &secret_arn)
            .await
            .expect("sink"),
    );
    deps
}

/// What the report says of the Slack posts: (action, reason) per entry.
fn slack_outcomes(response: &scaling_notifier::Response) -> Vec<(String, Option<String>)> {
    let report = &response.report;
    report
        .done
        .iter()
        .chain(&report.failed)
        .filter(|e| e.action.as_deref().is_some_and(|a| a.contains("slack")))
        .map(|e| (e.action.clone().unwrap_or_default(), e.reason.clone()))
        .collect()
}

#[tokio::test]
async fn a_rate_limited_slack_post_is_retried_after_its_retry_after() {
    let (sdk, sink) = direct("slack429").await;
    let webhook = WebhookServer::start(200).await.expect("webhook");
    let deps = with_slack(&sdk, &sink.topic_arn, &webhook).await;

    webhook.answer_next(&[Answer {
        status: 429,
        retry_after: Some(1),
    }]);
    let response = invoke(launch_unsuccessful(), &Invocation::default(), &deps)
        .await
        .expect("handled");
    assert!(
        response.report.failed.is_empty(),
        "{:?}",
        response.report.failed
    );
    assert_eq!(
        slack_outcomes(&response),
        [("posted to slack".to_owned(), None)]
    );
    assert_eq!(webhook.received().len(), 2, "posted again after the 429");

    // A wait longer than a notification is held back for is not waited.
    webhook.answer_next(&[Answer {
        status: 429,
        retry_after: Some(60),
    }]);
    let response = invoke(launch_unsuccessful(), &Invocation::default(), &deps)
        .await
        .expect("the invocation still succeeds");
    let outcomes = slack_outcomes(&response);
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    let reason = outcomes[0].1.clone().unwrap_or_default();
    assert!(reason.contains("asked to wait 60 s"), "{reason}");
    assert_eq!(webhook.received().len(), 3, "not posted a third time");
    assert_eq!(
        arrived(&sink, 2).await,
        2,
        "both SNS notifications went out"
    );
}

#[tokio::test]
async fn a_slow_slack_costs_its_own_posts_not_the_batch() {
    let (sdk, sink) = direct("slackslow").await;
    let webhook = WebhookServer::start(200).await.expect("webhook");
    webhook.set_delay(Duration::from_secs(30));
    let deps = with_slack(&sdk, &sink.topic_arn, &webhook).await;
    let mut batch = sample("sqs_eventbridge-batch.json");
    let mut third = batch["Records"][0].clone();
    third["messageId"] = json!("0b9c5f1e-3b1a-4c8e-9d0f-5e8a7c6b4d3f");
    if let Some(records) = batch["Records"].as_array_mut() {
        records.push(third);
    }

    // Seven seconds left: before, three posts of five seconds each ran the
    // function past its deadline, and Lambda sent the whole batch again.
    let started = Instant::now();
    let invocation = Invocation {
        deadline: Some(started + Duration::from_secs(7)),
        function_arn: String::new(),
    };
    let response = invoke(batch, &invocation, &deps).await.expect("handled");
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "answered after the deadline: {:?}",
        started.elapsed()
    );
    assert!(
        response.sqs.batch_item_failures.is_empty(),
        "Slack never costs a record"
    );
    assert_eq!(
        arrived(&sink, 2).await,
        3,
        "every SNS notification went out"
    );
    let reasons: Vec<String> = slack_outcomes(&response)
        .into_iter()
        .map(|(_, reason)| reason.unwrap_or_default())
        .collect();
    assert_eq!(
        reasons,
        [
            "could not reach slack: timed out",
            "not posted: the invocation was about to reach its time limit",
            "not posted: the invocation was about to reach its time limit",
        ],
        "one failure per record"
    );
}

#[tokio::test]
async fn throttled_publish_is_retried_and_delivered_once() {
    let (proxy, sdk, sink) = behind_proxy("throttle").await;
    proxy.fail_next("Publish", 2, Fault::Throttle);

    invoke(
        launch_unsuccessful(),
        &Invocation::default(),
        &deps(&sdk, &sink.topic_arn, false),
    )
    .await
    .expect("third attempt publishes");
    assert_eq!(proxy.calls("Publish"), 3);
    assert_eq!(arrived(&sink, 2).await, 1);
}

#[tokio::test]
async fn publish_that_keeps_failing_fails_the_invocation_so_eventbridge_retries() {
    let (proxy, sdk, sink) = behind_proxy("down").await;
    proxy.fail_next("Publish", 3, Fault::ServerError);

    let err = invoke(
        launch_unsuccessful(),
        &Invocation::default(),
        &deps(&sdk, &sink.topic_arn, false),
    )
    .await
    .expect_err("publish failed");
    assert!(
        matches!(&err, Error::Publish(e) if e.is_retryable()),
        "{err}"
    );
    assert!(
        sink.drain(Duration::from_secs(1))
            .await
            .expect("drain")
            .is_empty()
    );
}

#[tokio::test]
async fn missing_topic_is_a_clear_permanent_error() {
    let sdk = Emulator::shared().sdk_config().await;
    let missing = "arn:aws:sns:us-east-1:123456789012:does-not-exist";
    let err = invoke(
        launch_unsuccessful(),
        &Invocation::default(),
        &deps(&sdk, missing, false),
    )
    .await
    .expect_err("no such topic");
    assert!(
        matches!(&err, Error::Publish(PublishError::TopicNotFound { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("does-not-exist"), "{err}");
}

#[tokio::test]
async fn a_payload_that_is_no_event_is_refused_once_without_retry() {
    let (sdk, sink) = direct("bad").await;
    let response = invoke(
        json!({"hello": "world"}),
        &Invocation::default(),
        &deps(&sdk, &sink.topic_arn, false),
    )
    .await
    .expect("refused, not raised");
    sink.assert_refused(&response.report, "scaling-notifier", "keys [hello]")
        .await;
}

#[tokio::test]
async fn a_throttled_publish_fails_the_invocation_with_its_class() {
    let (proxy, sdk, sink) = behind_proxy("throttled").await;
    proxy.fail_next("Publish", 10, Fault::Throttle);
    let err = invoke(
        launch_unsuccessful(),
        &Invocation::default(),
        &deps(&sdk, &sink.topic_arn, false),
    )
    .await
    .expect_err("throttled");
    assert_eq!(
        shared::aws::error_type(err.kind(), err.class()),
        "PublishFailed.Throttled",
        "{err}"
    );
}
