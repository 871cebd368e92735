//! dlq-processor against the emulator: dead-letter queues filled through
//! real redrive policies are summarised and redriven; FIFO group order is
//! kept; faults on sending and deleting never lose a message; poison
//! messages stop; filters and dry-run move exactly what they say.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sqs::operation::list_message_move_tasks::ListMessageMoveTasksOutput;
use aws_sdk_sqs::operation::start_message_move_task::{
    StartMessageMoveTaskInput, StartMessageMoveTaskOutput,
};
use aws_sdk_sqs::types::ListMessageMoveTasksResultEntry;
use aws_smithy_mocks::{MockResponseInterceptor, RuleMode, mock};

use dlq_processor::{Config, Deps, invoke};
use harness::emulator::Emulator;
use harness::fixtures::TopicWithQueue;
use harness::proxy::{Fault, FaultProxy};
use harness::queues::QueuePair;
use harness::sample_event;
use serde_json::{Value, json};
use shared::config::{Common, DEFAULT_METRICS_NAMESPACE};
use shared::{Invocation, Publisher};

struct Setup {
    pair: QueuePair,
    sink: TopicWithQueue,
    deps: Deps,
}

async fn setup(sdk: aws_config::SdkConfig, prefix: &str, fifo: bool) -> Setup {
    let pair = QueuePair::create(&sdk, prefix, fifo).await.expect("queues");
    let sink = TopicWithQueue::create(&sdk, prefix, None)
        .await
        .expect("topic");
    let mut config = Config::new(Common {
        topic_arn: sink.topic_arn.clone(),
        environment: "test".into(),
        dry_run: false,
        metrics_namespace: DEFAULT_METRICS_NAMESPACE.into(),
    });
    config.grouping.field = Some("errorType".into());
    config.rate_per_second = 1000;
    let deps = Deps {
        config,
        sqs: aws_sdk_sqs::Client::new(&sdk),
        publisher: Publisher::new(aws_sdk_sns::Client::new(&sdk), &sink.topic_arn),
    };
    Setup { pair, sink, deps }
}

async fn direct(prefix: &str, fifo: bool) -> Setup {
    setup(Emulator::shared().sdk_config().await, prefix, fifo).await
}

/// A setup whose SDK calls pass through a fault proxy (to fail or record them).
async fn proxied(prefix: &str, fifo: bool) -> (FaultProxy, Setup) {
    let proxy = FaultProxy::start(Emulator::shared().endpoint())
        .await
        .expect("proxy");
    let s = setup(proxy.sdk_config().await, prefix, fifo).await;
    (proxy, s)
}

fn redrive(queue: &str) -> Value {
    json!({"action": "redrive", "queue": queue})
}

/// The sample alarm, about this test's DLQ.
fn alarm_for(file: &str, dlq: &str) -> Value {
    let text = sample_event("dlq-processor", file)
        .expect("sample")
        .to_string();
    serde_json::from_str(&text.replace("orders-dlq", dlq)).expect("json")
}

const TIMEOUT: &str = r#"{"errorType":"Timeout","orderId":"o-1","password":"hunter2"}"#;
const DECLINED: &str =
    r#"{"errorType":"Declined","orderId":"o-2","card":{"token":"tok_live_123"}}"#;

#[tokio::test]
async fn the_alarm_brings_a_summary_by_group_and_consumes_nothing() {
    let s = direct("summary", false).await;
    s.pair
        .fail_into_dlq(
            &[TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT, DECLINED, DECLINED],
            Some(("tenant", "acme")),
        )
        .await
        .expect("into the DLQ");

    let report = invoke(
        alarm_for("sns_alarm-dlq-not-empty.json", &s.pair.dlq_name),
        &Invocation::default(),
        &s.deps,
    )
    .await
    .expect("handled");
    assert!(report.failed.is_empty(), "{report:#?}");
    let summary = s.sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(summary.len(), 1);
    let n = &summary[0];
    assert_eq!(
        n.subject.as_deref(),
        Some(format!("[WARNING] DLQ {}: 6 messages waiting", s.pair.dlq_name).as_str())
    );
    assert!(
        n.message.contains("4 x errorType=Timeout: "),
        "{}",
        n.message
    );
    assert!(
        n.message.contains("2 x errorType=Declined: "),
        "{}",
        n.message
    );
    assert!(
        n.message
            .contains(&format!("Source queues: {}", s.pair.source_name)),
        "{}",
        n.message
    );
    assert!(
        !n.message.contains("hunter2") && !n.message.contains("tok_live_123"),
        "secrets in: {}",
        n.message
    );
    assert_eq!(
        s.pair.depth(&s.pair.dlq_url).await.expect("depth"),
        6,
        "inspection consumes nothing"
    );
    assert_eq!(
        s.pair
            .drain(&s.pair.dlq_url)
            .await
            .expect("visible again")
            .len(),
        6,
        "and puts every message back in sight"
    );
}

/// What real dead-letter queues hold: an SNS envelope whose `Message` is
/// JSON in a string, an HTTP request dump, and plain text.
fn leaky_bodies() -> Vec<String> {
    let inner = json!({
        "errorType": "PaymentFailed",
        "customer": {"email": "ann.lee@example.com", "password": "hunter2"},
        "payment": {"number": "4111 1111 1111 1111", "cvv": "123"},
        "note": "refund to 5555-5555-5555-4444"
    });
    let envelope = json!({
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:orders",
        "Message": inner.to_string(),
        "Timestamp": "2026-12-04T10:00:00.000Z"
    });
    vec![
        envelope.to_string(),
        "POST /charge HTTP/1.1\nHost: api.example.com\nAuthorization: Bearer eyJhbGciOi.sig\n\nuser=bo@example.org&pass=x".into(),
        "callback failed: password: hunter2, token=tok_live_9 for ann.lee@example.com".into(),
    ]
}

#[tokio::test]
async fn no_card_email_password_or_bearer_token_reaches_a_summary_or_report() {
    let s = direct("leaks", false).await;
    let bodies = leaky_bodies();
    let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
    s.pair
        .fail_into_dlq(&refs, None)
        .await
        .expect("into the DLQ");
    // Grouped by the envelope's `Message`: the group name shows its text.
    let mut deps = s.deps;
    deps.config.grouping.field = Some("Message".into());

    let report = invoke(
        alarm_for("sns_alarm-dlq-not-empty.json", &s.pair.dlq_name),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("handled");
    let shown = serde_json::to_string(&report).expect("report")
        + &s.sink
            .drain(Duration::from_secs(2))
            .await
            .expect("drain")
            .iter()
            .map(|n| format!("{:?} {}", n.subject, n.message))
            .collect::<String>();
    for leak in [
        "ann.lee@",
        "bo@example",
        "4111",
        "5555",
        "hunter2",
        "eyJhbGciOi",
        "tok_live_9",
        "\"123\"",
    ] {
        assert!(!shown.contains(leak), "{leak} shown in: {shown}");
    }
    assert!(
        shown.contains("PaymentFailed"),
        "the summary still explains: {shown}"
    );
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 3);
}

#[tokio::test]
async fn every_alarm_shape_is_understood_and_ok_does_nothing() {
    let s = direct("shapes", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT], None)
        .await
        .expect("into the DLQ");
    for file in ["eventbridge_alarm-dlq.json", "cloudwatch_alarm-action.json"] {
        let report = invoke(
            alarm_for(file, &s.pair.dlq_name),
            &Invocation::default(),
            &s.deps,
        )
        .await
        .expect("handled");
        assert_eq!(report.done.len(), 1, "{file}: {report:#?}");
    }
    let ok = invoke(
        alarm_for("sns_alarm-dlq-ok.json", &s.pair.dlq_name),
        &Invocation::default(),
        &s.deps,
    )
    .await
    .expect("handled");
    assert!(
        ok.skipped[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("alarm is OK"))
    );
    assert_eq!(
        s.sink
            .drain(Duration::from_secs(2))
            .await
            .expect("drain")
            .len(),
        2
    );
}

#[tokio::test]
async fn redrive_moves_every_message_back_with_body_and_attributes() {
    let s = direct("redrive", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT, TIMEOUT, DECLINED], Some(("tenant", "acme")))
        .await
        .expect("into the DLQ");

    let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert_eq!(report.done.len(), 3, "{report:#?}");
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 0);
    let back = s.pair.drain(&s.pair.source_url).await.expect("source");
    let bodies: Vec<&str> = back
        .iter()
        .map(|m| m.body.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(bodies, [DECLINED, TIMEOUT]);
    assert_eq!(back.len(), 3);
    for m in &back {
        assert_eq!(
            m.attributes.get("tenant").map(String::as_str),
            Some("acme"),
            "attributes kept"
        );
        assert_eq!(
            m.attributes.get("DlqRedriveCount").map(String::as_str),
            Some("1"),
            "redrive counted"
        );
    }
    let summary = s.sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(summary[0].attribute("severity"), Some("INFO"));
}

#[tokio::test]
async fn fifo_redrive_keeps_the_order_of_every_group() {
    let s = direct("fifo", true).await;
    let sent = [
        ("g1", "a1"),
        ("g2", "b1"),
        ("g1", "a2"),
        ("g1", "a3"),
        ("g2", "b2"),
        ("g1", "a4"),
        ("g2", "b3"),
        ("g1", "a5"),
    ];
    s.pair.seed_dlq(&sent, None).await.expect("seed");

    let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert_eq!(report.done.len(), sent.len(), "{report:#?}");
    let back = s.pair.drain(&s.pair.source_url).await.expect("source");
    for group in ["g1", "g2"] {
        let expected: Vec<&str> = sent
            .iter()
            .filter(|(g, _)| *g == group)
            .map(|(_, b)| *b)
            .collect();
        let got: Vec<&str> = back
            .iter()
            .filter(|m| m.group.as_deref() == Some(group))
            .map(|m| m.body.as_str())
            .collect();
        assert_eq!(got, expected, "group {group} in order");
    }
}

/// The number of messages across the source, the DLQ and the parking
/// queue never goes down, whatever fails on the way.
#[tokio::test]
async fn faults_on_send_and_delete_never_lose_a_message() {
    let (proxy, s) = proxied("faults", false).await;
    let bodies: Vec<String> = (0..25)
        .map(|i| format!(r#"{{"errorType":"Timeout","n":{i}}}"#))
        .collect();
    let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
    s.pair
        .fail_into_dlq(&refs, None)
        .await
        .expect("into the DLQ");

    // Throttling is retried by the SDK; three 500s in a row exhaust its
    // attempts, so a whole send (or delete) fails; a lost response means
    // the send happened although the caller saw it fail.
    proxy.fail_next("SendMessageBatch", 2, Fault::Throttle);
    proxy.fail_next("SendMessageBatch", 3, Fault::ServerError);
    proxy.fail_next("SendMessageBatch", 1, Fault::LoseResponse);
    proxy.fail_next("DeleteMessageBatch", 3, Fault::ServerError);
    proxy.fail_next("DeleteMessageBatch", 1, Fault::Throttle);
    let total = |pair: QueuePair| async move {
        pair.depth(&pair.source_url).await.expect("source")
            + pair.depth(&pair.dlq_url).await.expect("dlq")
    };
    let mut runs = 0;
    let mut failures = 0;
    while s.pair.depth(&s.pair.dlq_url).await.expect("dlq") > 0 {
        runs += 1;
        assert!(runs <= 6, "the DLQ should drain within a few runs");
        let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
            .await
            .expect("a run never fails as a whole");
        failures += report.failed.len();
        assert!(
            total(s.pair.clone()).await >= 25,
            "a message was lost after run {runs}"
        );
        if runs < 3 {
            proxy.fail_next("SendMessageBatch", 3, Fault::ServerError);
        }
    }
    assert!(
        failures >= 10,
        "whole sends and deletes failed and were reported ({failures})"
    );
    assert!(
        proxy.faults_served() >= 12,
        "the faults were really injected"
    );
    let back = s.pair.drain(&s.pair.source_url).await.expect("source");
    let distinct: BTreeSet<&str> = back.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        distinct.len(),
        25,
        "every message is back at least once ({} copies)",
        back.len()
    );
}

#[tokio::test]
async fn poison_messages_stop_at_the_maximum_and_go_to_the_parking_queue_when_there_is_one() {
    let mut s = direct("poison", false).await;
    s.pair
        .seed_dlq(
            &[("g", TIMEOUT), ("g", TIMEOUT)],
            Some(("DlqRedriveCount", "3")),
        )
        .await
        .expect("poison");
    s.pair
        .seed_dlq(&[("g", DECLINED)], Some(("DlqRedriveCount", "1")))
        .await
        .expect("healthy");

    let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert_eq!(report.done.len(), 1);
    let poison: Vec<_> = report
        .skipped
        .iter()
        .filter(|e| e.reason.as_deref().is_some_and(|r| r.starts_with("poison")))
        .collect();
    assert_eq!(poison.len(), 2, "{report:#?}");
    assert_eq!(
        s.pair.depth(&s.pair.dlq_url).await.expect("depth"),
        2,
        "poison stays in the DLQ"
    );
    let back = s.pair.drain(&s.pair.source_url).await.expect("source");
    assert_eq!(
        back[0]
            .attributes
            .get("DlqRedriveCount")
            .map(String::as_str),
        Some("2")
    );

    let (parking_name, parking_url) = s.pair.extra_queue("parking").await.expect("parking");
    s.deps.config.parking_queue = Some(parking_name);
    let parked = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert_eq!(parked.done.len(), 2, "{parked:#?}");
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 0);
    assert_eq!(s.pair.drain(&parking_url).await.expect("parking").len(), 2);
    let notes = s.sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert!(
        notes
            .iter()
            .all(|n| n.attribute("severity") == Some("WARNING")),
        "poison is worth a warning"
    );
}

#[tokio::test]
async fn filters_and_dry_run_move_exactly_what_they_say() {
    let s = direct("filter", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT, DECLINED, TIMEOUT], None)
        .await
        .expect("into the DLQ");

    let dry = invoke(
        json!({"action": "redrive", "queue": s.pair.dlq_name, "dry_run": true}),
        &Invocation::default(),
        &s.deps,
    )
    .await
    .expect("dry run");
    assert!(dry.dry_run);
    assert_eq!(dry.planned.len(), 3, "{dry:#?}");
    assert!(
        dry.planned.iter().all(
            |e| e.action.as_deref() == Some(format!("move to {}", s.pair.source_name).as_str())
        )
    );
    assert_eq!(
        s.pair.depth(&s.pair.dlq_url).await.expect("depth"),
        3,
        "a dry run moves nothing"
    );

    let only = json!({"action": "redrive", "queue": s.pair.dlq_name, "filter": {"groups": ["errorType=Timeout"]}});
    let report = invoke(only, &Invocation::default(), &s.deps)
        .await
        .expect("filtered");
    assert_eq!(report.done.len(), 2);
    assert_eq!(report.skipped.len(), 1);
    let left = s.pair.drain(&s.pair.dlq_url).await.expect("dlq");
    assert_eq!(
        left.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        [DECLINED]
    );
    let moved = s.pair.drain(&s.pair.source_url).await.expect("source");
    assert!(moved.iter().all(|m| m.body == TIMEOUT) && moved.len() == 2);
}

#[tokio::test]
async fn bad_input_is_reported_and_moves_nothing() {
    let s = direct("bad", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT], None)
        .await
        .expect("into the DLQ");
    let cases = [
        (redrive("no-such-queue"), "does not exist"),
        (redrive(&s.pair.source_name), "is not a dead-letter queue"),
        (
            json!({"action": "inspect", "queue": s.pair.source_name}),
            "is not a dead-letter queue",
        ),
        (
            sample_event("dlq-processor", "eventbridge_alarm-not-sqs.json").expect("sample"),
            "watches no SQS queue",
        ),
        (
            sample_event("dlq-processor", "sns_not-an-alarm.json").expect("sample"),
            "not a CloudWatch alarm",
        ),
    ];
    for (payload, says) in cases {
        let report = invoke(payload, &Invocation::default(), &s.deps)
            .await
            .expect("reported, not raised");
        let reason = report
            .failed
            .first()
            .and_then(|e| e.reason.clone())
            .unwrap_or_default();
        assert!(reason.contains(says), "{reason} should say {says}");
        assert!(report.done.is_empty());
    }
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 1);
    assert_eq!(s.pair.depth(&s.pair.source_url).await.expect("depth"), 0);
    assert!(
        s.sink
            .drain(Duration::from_secs(1))
            .await
            .expect("drain")
            .is_empty()
    );
}

/// The bad-input policy: a payload of no known shape moves nothing, a
/// person hears once (WARNING), and the invocation succeeds, so no
/// asynchronous source delivers it again.
#[tokio::test]
async fn a_payload_of_no_known_shape_is_refused_once_without_retry() {
    let s = direct("refused", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT], None)
        .await
        .expect("into the DLQ");
    let report = invoke(json!({"queue": "x"}), &Invocation::default(), &s.deps)
        .await
        .expect("refused, not raised");
    s.sink
        .assert_refused(&report, "dlq-processor", "keys [queue]")
        .await;
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 1);
    assert_eq!(s.pair.depth(&s.pair.source_url).await.expect("depth"), 0);
}

/// A failure of AWS fails the invocation, so the platform retries it, and
/// its errorType says the class.
#[tokio::test]
async fn a_throttled_publish_fails_the_invocation_with_its_class() {
    let (proxy, s) = proxied("throttled", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT], None)
        .await
        .expect("into the DLQ");
    proxy.fail_next("Publish", 10, Fault::Throttle);
    let err = invoke(
        alarm_for("eventbridge_alarm-dlq.json", &s.pair.dlq_name),
        &Invocation::default(),
        &s.deps,
    )
    .await
    .expect_err("throttled");
    assert_eq!(
        shared::aws::error_type(err.kind(), err.class()),
        "PublishFailed.Throttled",
        "{err}"
    );
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 1);
}

#[tokio::test]
async fn a_run_near_its_deadline_stops_cleanly_and_the_next_continues() {
    let s = direct("deadline", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT, TIMEOUT, DECLINED], None)
        .await
        .expect("into the DLQ");

    let report = invoke(
        redrive(&s.pair.dlq_name),
        &Invocation {
            deadline: Some(Instant::now()),
            ..Invocation::default()
        },
        &s.deps,
    )
    .await
    .expect("stopped");
    assert!(report.done.is_empty());
    let why = report
        .skipped
        .last()
        .and_then(|e| e.reason.clone())
        .unwrap_or_default();
    assert!(
        why.contains("stopped before the Lambda deadline") && why.contains("invoke again"),
        "{why}"
    );
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 3);

    let next = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("continues");
    assert_eq!(next.done.len(), 3);
}

#[tokio::test]
async fn a_failed_fifo_send_holds_the_rest_of_its_group_so_nothing_overtakes() {
    let (proxy, s) = proxied("fifofault", true).await;
    let sent = [
        ("g1", "a1"),
        ("g2", "b1"),
        ("g1", "a2"),
        ("g2", "b2"),
        ("g1", "a3"),
        ("g1", "a4"),
        ("g2", "b3"),
    ];
    s.pair.seed_dlq(&sent, None).await.expect("seed");

    // The first call (a1, b1) goes through; every attempt of the second (a2, b2) fails.
    proxy.fail_after("SendMessageBatch", 1, 3, Fault::ServerError);
    let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("the run completes");
    assert_eq!(report.done.len(), 2, "{report:#?}");
    assert!(!report.failed.is_empty());
    let blocked = report
        .skipped
        .iter()
        .filter(|e| {
            e.reason
                .as_deref()
                .is_some_and(|r| r.contains("FIFO group"))
        })
        .count();
    assert_eq!(
        blocked, 3,
        "a3, a4 and b3 wait behind a2 and b2: {report:#?}"
    );

    invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("the next run finishes");
    let back = s.pair.drain(&s.pair.source_url).await.expect("source");
    for group in ["g1", "g2"] {
        let expected: Vec<&str> = sent
            .iter()
            .filter(|(g, _)| *g == group)
            .map(|(_, b)| *b)
            .collect();
        let got: Vec<&str> = back
            .iter()
            .filter(|m| m.group.as_deref() == Some(group))
            .map(|m| m.body.as_str())
            .collect();
        assert_eq!(got, expected, "group {group} in order");
    }
}

#[tokio::test]
async fn a_scheduled_event_redrives_the_configured_queues() {
    let mut s = direct("auto", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT, DECLINED], None)
        .await
        .expect("into the DLQ");
    let scheduled =
        sample_event("dlq-processor", "eventbridge_scheduled-auto-redrive.json").expect("sample");

    let idle = invoke(scheduled.clone(), &Invocation::default(), &s.deps)
        .await
        .expect("nothing configured");
    assert!(
        idle.skipped[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("AUTO_REDRIVE_QUEUES is empty"))
    );
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 2);

    s.deps.config.auto_redrive = vec![s.pair.dlq_name.clone()];
    let report = invoke(scheduled, &Invocation::default(), &s.deps)
        .await
        .expect("auto redrive");
    assert_eq!(report.done.len(), 2, "{report:#?}");
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 0);
    assert_eq!(s.pair.depth(&s.pair.source_url).await.expect("depth"), 2);
}

/// Ten 200 KiB messages: one batch of ten is 2 MB, over SQS's 1 MiB per
/// SendMessageBatch, so the redrive must cut its batches by bytes too.
#[tokio::test]
async fn a_redrive_of_ten_200_kib_messages_moves_all_ten() {
    let s = direct("large", false).await;
    let bodies: Vec<String> = (0..10)
        .map(|i| {
            format!(
                "{{\"errorType\":\"Timeout\",\"n\":{i},\"pad\":\"{}\"}}",
                "x".repeat(200 * 1024)
            )
        })
        .collect();
    let messages: Vec<(&str, &str)> = bodies.iter().map(|b| ("g", b.as_str())).collect();
    s.pair
        .seed_dlq(&messages, None)
        .await
        .expect("into the DLQ");

    let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    assert_eq!(report.done.len(), 10);
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 0);
    let back = s.pair.drain(&s.pair.source_url).await.expect("source");
    let mut got: Vec<&str> = back.iter().map(|m| m.body.as_str()).collect();
    got.sort_unstable();
    let mut want: Vec<&str> = bodies.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert!(got == want, "every body arrives whole");
}

/// FIFO: a message the filter leaves behind holds back only the messages of
/// its group that come after it, never one that comes before.
#[tokio::test]
async fn fifo_a_message_left_behind_holds_back_only_the_ones_after_it() {
    let s = direct("fifo-after", true).await;
    let sent = [("g", TIMEOUT), ("g", DECLINED), ("g", TIMEOUT)];
    s.pair.seed_dlq(&sent, None).await.expect("seed");

    let only = json!({"action": "redrive", "queue": s.pair.dlq_name,
                      "filter": {"groups": ["errorType=Timeout"]}});
    let report = invoke(only, &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    assert_eq!(report.done.len(), 1, "the first one moves: {report:#?}");
    let reasons: Vec<&str> = report
        .skipped
        .iter()
        .filter_map(|e| e.reason.as_deref())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].starts_with("not selected by the filter"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("would overtake"), "{reasons:?}");
    assert!(
        !reasons.iter().any(|r| r.contains("failed to move")),
        "nothing failed: {reasons:?}"
    );
    let back = s.pair.drain(&s.pair.source_url).await.expect("source");
    assert_eq!(back.len(), 1);
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 2);
}

/// FIFO without a parking queue: a poison message stays, and the rest of
/// its group waits behind it; the report says so.
#[tokio::test]
async fn fifo_a_poison_message_without_a_parking_queue_says_its_group_waits() {
    let s = direct("fifo-poison", true).await;
    s.pair
        .seed_dlq(&[("g", TIMEOUT)], Some(("DlqRedriveCount", "3")))
        .await
        .expect("poison");
    s.pair
        .seed_dlq(&[("g", DECLINED)], None)
        .await
        .expect("behind it");

    let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert!(report.done.is_empty(), "{report:#?}");
    let reasons: Vec<&str> = report
        .skipped
        .iter()
        .filter_map(|e| e.reason.as_deref())
        .collect();
    assert!(
        reasons[0].starts_with("poison")
            && reasons[0].contains("the rest of its FIFO group waits behind it"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("would overtake"), "{reasons:?}");
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 2);
}

/// Into the DLQ: one message with 9 String and 1 Binary attribute (no room
/// for a redrive count) and one with 9 String attributes.
async fn full_and_nearly_full(s: &Setup) {
    use aws_sdk_sqs::primitives::Blob;
    use aws_sdk_sqs::types::MessageAttributeValue;
    for (body, binary) in [(TIMEOUT, true), (DECLINED, false)] {
        let mut send = s
            .pair
            .sqs
            .send_message()
            .queue_url(&s.pair.dlq_url)
            .message_body(body);
        for i in 0..9 {
            send = send.message_attributes(
                format!("a{i}"),
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(format!("v{i}"))
                    .build()
                    .expect("attribute"),
            );
        }
        if binary {
            send = send.message_attributes(
                "trace",
                MessageAttributeValue::builder()
                    .data_type("Binary")
                    .binary_value(Blob::new(b"\x01\x02".to_vec()))
                    .build()
                    .expect("attribute"),
            );
        }
        send.send().await.expect("into the DLQ");
    }
}

/// SQS allows 10 message attributes of any type. A message with 9 String
/// and 1 Binary attribute cannot take a redrive count: a person's redrive
/// still moves it, whole, and the report says its count could not be
/// recorded; one with 9 String attributes gets its count as the tenth.
#[tokio::test]
async fn the_redrive_count_never_makes_an_eleventh_attribute() {
    let s = direct("attrs", false).await;
    full_and_nearly_full(&s).await;

    let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    assert_eq!(report.done.len(), 2, "{report:#?}");
    let uncounted: Vec<_> = report
        .done
        .iter()
        .filter(|e| {
            e.reason
                .as_deref()
                .is_some_and(|r| r.contains("redrive count could not be recorded"))
        })
        .collect();
    assert_eq!(uncounted.len(), 1, "{report:#?}");
    let back = s.pair.drain(&s.pair.source_url).await.expect("source");
    assert_eq!(back.len(), 2);
    for m in &back {
        let counted = m.attributes.contains_key("DlqRedriveCount");
        assert_eq!(
            counted,
            m.body == DECLINED,
            "{}: {:?}",
            m.body,
            m.attributes.keys()
        );
    }
}

/// SQS may answer a receive with no message while the queue has some (a
/// short poll samples only some servers). The first answer of each run here
/// is such an empty one: neither the redrive nor the alarm's inspection may
/// take it for an empty queue.
#[tokio::test]
async fn an_empty_answer_from_a_queue_that_is_not_empty_does_not_end_the_run() {
    let (proxy, s) = proxied("emptyanswer", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT, TIMEOUT, DECLINED], None)
        .await
        .expect("into the DLQ");

    proxy.fail_next("ReceiveMessage", 1, Fault::Answer("{}".into()));
    let report = invoke(
        alarm_for("sns_alarm-dlq-not-empty.json", &s.pair.dlq_name),
        &Invocation::default(),
        &s.deps,
    )
    .await
    .expect("inspect");
    let sampled = report.seen[0]
        .detail
        .as_ref()
        .and_then(|d| d["sampled"].as_u64());
    assert_eq!(
        sampled,
        Some(3),
        "the summary samples all three: {report:#?}"
    );

    proxy.fail_next("ReceiveMessage", 1, Fault::Answer("{}".into()));
    let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert_eq!(proxy.faults_served(), 2, "both empty answers were served");
    assert_eq!(report.done.len(), 3, "{report:#?}");
    assert_eq!(s.pair.depth(&s.pair.dlq_url).await.expect("depth"), 0);
}

/// The X-Ray trace a message carries (`AWSTraceHeader`, a system
/// attribute) goes back with it, so the retried work joins its trace.
#[tokio::test]
async fn a_redriven_message_keeps_its_trace_header() {
    use aws_sdk_sqs::types::{MessageSystemAttributeNameForSends, MessageSystemAttributeValue};
    const TRACE: &str =
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    // moto 5.2.5 keeps AWSTraceHeader from SendMessage but drops it from
    // SendMessageBatch (its send_message_batch never passes the system
    // attributes on), so the send is read as AWS would receive it.
    let (proxy, s) = proxied("trace", false).await;
    proxy.record("SendMessageBatch");
    s.pair
        .sqs
        .send_message()
        .queue_url(&s.pair.dlq_url)
        .message_body(TIMEOUT)
        .message_system_attributes(
            MessageSystemAttributeNameForSends::AwsTraceHeader,
            MessageSystemAttributeValue::builder()
                .data_type("String")
                .string_value(TRACE)
                .build()
                .expect("trace"),
        )
        .send()
        .await
        .expect("into the DLQ");

    let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert_eq!(report.done.len(), 1, "{report:#?}");
    let sent = proxy.recorded("SendMessageBatch");
    assert_eq!(sent.len(), 1, "one send");
    assert_eq!(
        sent[0]["Entries"][0]["MessageSystemAttributes"]["AWSTraceHeader"],
        json!({"DataType": "String", "StringValue": TRACE}),
        "{}",
        sent[0]
    );
}

/// A standard queue with fair queues: each message's MessageGroupId names
/// its tenant. A moved message stays its tenant's, and since nothing is
/// ordered, messages of one tenant go in the same send.
#[tokio::test]
async fn fair_queue_tenants_are_kept_and_do_not_slow_a_standard_redrive() {
    let (proxy, s) = proxied("fair", false).await;
    for (body, tenant) in [
        (TIMEOUT, "tenant-a"),
        (TIMEOUT, "tenant-a"),
        (DECLINED, "tenant-b"),
    ] {
        s.pair
            .sqs
            .send_message()
            .queue_url(&s.pair.dlq_url)
            .message_body(body)
            .message_group_id(tenant)
            .send()
            .await
            .expect("into the DLQ");
    }
    proxy.record("SendMessageBatch");
    proxy.record("ReceiveMessage");

    let report = invoke(redrive(&s.pair.dlq_name), &Invocation::default(), &s.deps)
        .await
        .expect("redrive");
    assert_eq!(report.done.len(), 3, "{report:#?}");
    assert_eq!(
        proxy.recorded("SendMessageBatch").len(),
        1,
        "one send: a tenant is not a FIFO group"
    );
    let mut tenants: Vec<(String, Option<String>)> = s
        .pair
        .drain(&s.pair.source_url)
        .await
        .expect("source")
        .into_iter()
        .map(|m| (m.body, m.group))
        .collect();
    tenants.sort();
    assert_eq!(
        tenants,
        [
            (DECLINED.to_owned(), Some("tenant-b".to_owned())),
            (TIMEOUT.to_owned(), Some("tenant-a".to_owned())),
            (TIMEOUT.to_owned(), Some("tenant-a".to_owned())),
        ]
    );
}

/// Held messages are released only when the run ends, so what a run
/// receives stays hidden until then: a 15-minute run asks for more than
/// 15 minutes, not a fixed 2.
#[tokio::test]
async fn what_a_long_run_receives_stays_hidden_until_it_ends() {
    let (proxy, s) = proxied("hidden", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT, DECLINED], None)
        .await
        .expect("into the DLQ");
    proxy.record("ReceiveMessage");
    let fifteen_minutes = Invocation {
        deadline: Some(Instant::now() + Duration::from_secs(900)),
        function_arn: String::new(),
    };
    let filtered = json!({"action": "redrive", "queue": s.pair.dlq_name,
        "filter": {"groups": ["errorType=Timeout"]}});
    let report = invoke(filtered, &fifteen_minutes, &s.deps)
        .await
        .expect("redrive");
    assert_eq!(
        (report.done.len(), report.skipped.len()),
        (1, 1),
        "{report:#?}"
    );
    let asked: Vec<i64> = proxy
        .recorded("ReceiveMessage")
        .iter()
        .filter_map(|r| r["VisibilityTimeout"].as_i64())
        .collect();
    assert!(!asked.is_empty());
    assert!(
        asked.iter().all(|&v| (880..=43_200).contains(&v)),
        "visibility timeouts asked: {asked:?}"
    );
    // The held (filtered-out) message was released at the end, not left hidden.
    assert_eq!(s.pair.drain(&s.pair.dlq_url).await.expect("dlq").len(), 1);
}

/// SQS's message move tasks, which the emulator lacks (it answers 500), are
/// answered by aws-smithy-mocks for those two calls only: every other call of
/// the same client is served by the emulator.
#[tokio::test]
async fn a_native_redrive_hands_the_queue_to_sqs_once_and_status_follows_it() {
    let mut s = direct("native", false).await;
    s.pair
        .fail_into_dlq(&[TIMEOUT, DECLINED], None)
        .await
        .expect("into the DLQ");
    let started: Arc<Mutex<Vec<StartMessageMoveTaskInput>>> = Arc::default();
    let start = mock!(aws_sdk_sqs::Client::start_message_move_task).then_compute_output({
        let started = started.clone();
        move |input| {
            started.lock().expect("lock").push(input.clone());
            StartMessageMoveTaskOutput::builder()
                .task_handle("task-1")
                .build()
        }
    });
    let list = mock!(aws_sdk_sqs::Client::list_message_move_tasks).then_compute_output({
        let started = started.clone();
        move |input| {
            let calls = started.lock().expect("lock");
            let running = calls.iter().map(|t| {
                ListMessageMoveTasksResultEntry::builder()
                    .task_handle("task-1")
                    .status("RUNNING")
                    .set_source_arn(input.source_arn().map(str::to_owned))
                    .set_max_number_of_messages_per_second(t.max_number_of_messages_per_second())
                    .approximate_number_of_messages_moved(1)
                    .approximate_number_of_messages_to_move(2)
                    .started_timestamp(1_796_454_000_000)
                    .build()
            });
            ListMessageMoveTasksOutput::builder()
                .set_results(Some(running.collect()))
                .build()
        }
    });
    let sdk = Emulator::shared().sdk_config().await;
    // One attempt: the mocked calls still reach the emulator, whose 500 would
    // otherwise be retried after the mock has answered.
    let config = aws_sdk_sqs::config::Builder::from(&sdk)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .interceptor(
            MockResponseInterceptor::new()
                .rule_mode(RuleMode::MatchAny)
                .with_rule(&start)
                .with_rule(&list)
                .allow_passthrough(),
        )
        .build();
    s.deps.sqs = aws_sdk_sqs::Client::from_conf(config);
    let dlq = s.pair.dlq_name.clone();
    let native = |dry_run: bool| json!({"action": "redrive", "queue": dlq, "native": true, "dry_run": dry_run});

    let plan = invoke(native(true), &Invocation::default(), &s.deps)
        .await
        .expect("dry run");
    assert_eq!(plan.planned.len(), 1, "{plan:#?}");
    assert_eq!(
        plan.planned[0].action.as_deref(),
        Some("start a message move task to the queues they came from at 500 messages a second"),
        "REDRIVE_RATE 1000 is capped at SQS's 500"
    );
    assert_eq!(start.num_calls(), 0, "a dry run starts nothing");

    let report = invoke(native(false), &Invocation::default(), &s.deps)
        .await
        .expect("started");
    assert!(report.failed.is_empty(), "{report:#?}");
    assert_eq!(report.done.len(), 1, "{report:#?}");
    assert_eq!(
        report.done[0].detail.as_ref().expect("detail")["task_handle"],
        "task-1"
    );
    {
        let calls = started.lock().expect("lock");
        assert_eq!(calls.len(), 1);
        assert!(
            calls[0]
                .source_arn()
                .is_some_and(|a| a.starts_with("arn:aws:sqs:") && a.ends_with(&format!(":{dlq}"))),
            "{:?}",
            calls[0]
        );
        assert_eq!(
            calls[0].destination_arn(),
            None,
            "back to each message's source"
        );
        assert_eq!(calls[0].max_number_of_messages_per_second(), Some(500));
    }
    let told = s.sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(told.len(), 1);
    assert_eq!(
        told[0].subject.as_deref(),
        Some(
            format!("[INFO] DLQ {dlq}: SQS is moving its messages to the queues they came from")
                .as_str()
        )
    );

    // A retried command finds the running task and starts no second one.
    let again = invoke(native(false), &Invocation::default(), &s.deps)
        .await
        .expect("retried");
    assert_eq!(start.num_calls(), 1, "{again:#?}");
    assert!(
        again.skipped[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("already RUNNING since 2026-12-05T07:00:00Z, 1 of 2 moved")),
        "{again:#?}"
    );

    let status = invoke(
        json!({"action": "status", "queue": dlq}),
        &Invocation::default(),
        &s.deps,
    )
    .await
    .expect("status");
    assert_eq!(status.seen.len(), 1, "{status:#?}");
    let seen = status.seen[0].detail.as_ref().expect("detail");
    assert_eq!(seen["messages"], 2, "the depth comes from the emulator");
    assert_eq!(seen["tasks"][0]["status"], "RUNNING");
    assert_eq!(seen["tasks"][0]["moved"], 1);
    assert_eq!(seen["tasks"][0]["to_move"], 2);
    assert_eq!(
        s.pair.depth(&s.pair.dlq_url).await.expect("depth"),
        2,
        "the mocked task moved nothing: the processor itself received none"
    );
}

/// An automatic redrive never moves a message whose count it cannot record:
/// with nothing to stop it, each scheduled run would send it back to its
/// source after it failed there again, forever. It stays for a person (or
/// is parked, with PARKING_QUEUE); the countable one moves.
#[tokio::test]
async fn an_automatic_redrive_leaves_a_message_it_cannot_count_for_a_person() {
    let mut s = direct("attrs-auto", false).await;
    full_and_nearly_full(&s).await;
    s.deps.config.auto_redrive = vec![s.pair.dlq_name.clone()];
    let scheduled =
        sample_event("dlq-processor", "eventbridge_scheduled-auto-redrive.json").expect("sample");

    let report = invoke(scheduled, &Invocation::default(), &s.deps)
        .await
        .expect("auto redrive");
    assert_eq!(report.done.len(), 1, "{report:#?}");
    let left: Vec<_> = report
        .skipped
        .iter()
        .filter(|e| {
            e.reason
                .as_deref()
                .is_some_and(|r| r.contains("so an automatic redrive does not move it"))
        })
        .collect();
    assert_eq!(left.len(), 1, "{report:#?}");
    let back = s.pair.drain(&s.pair.source_url).await.expect("source");
    assert_eq!(
        back.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        [DECLINED]
    );
    let stays = s.pair.drain(&s.pair.dlq_url).await.expect("dlq");
    assert_eq!(
        stays.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        [TIMEOUT]
    );
}
