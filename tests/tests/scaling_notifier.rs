//! scaling-notifier against the emulator: the event becomes a notification
//! on SNS, delivered to a subscribed SQS queue with its routing attributes.

use std::time::Duration;

use harness::emulator::Emulator;
use harness::fixtures::TopicWithQueue;
use harness::proxy::{Fault, FaultProxy};
use harness::sample_event;
use scaling_notifier::{Config, Deps, Error, Event, handle};
use shared::config::{Common, DEFAULT_METRICS_NAMESPACE};
use shared::{PublishError, Publisher};

fn deps(config: &aws_config::SdkConfig, topic_arn: &str, dry_run: bool) -> Deps {
    Deps {
        config: Config {
            common: Common {
                topic_arn: topic_arn.to_owned(),
                environment: "test".into(),
                dry_run,
                metrics_namespace: DEFAULT_METRICS_NAMESPACE.into(),
            },
        },
        publisher: Publisher::new(aws_sdk_sns::Client::new(config), topic_arn),
    }
}

fn launch_unsuccessful() -> Event {
    let raw =
        sample_event("scaling-notifier", "autoscaling_launch-unsuccessful.json").expect("sample");
    serde_json::from_value(raw).expect("sample is an EventBridge event")
}

#[tokio::test]
async fn launch_failure_arrives_as_an_error_notification_with_routing_attributes() {
    let config = Emulator::shared().sdk_config().await;
    let sink = TopicWithQueue::create(&config, "notifier", None)
        .await
        .expect("topic");

    let report = handle(
        launch_unsuccessful(),
        &deps(&config, &sink.topic_arn, false),
    )
    .await
    .expect("handled");
    assert_eq!(report.done.len(), 1, "{report:?}");

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
async fn error_only_subscription_gets_errors_and_not_warnings() {
    let config = Emulator::shared().sdk_config().await;
    let everything = TopicWithQueue::create(&config, "all", None)
        .await
        .expect("topic");
    let errors_only = everything
        .add_queue(
            &config,
            "errors",
            Some(r#"{"severity":["ERROR","CRITICAL"]}"#),
        )
        .await
        .expect("queue");
    let deps = deps(&config, &everything.topic_arn, false);

    handle(launch_unsuccessful(), &deps)
        .await
        .expect("error event");
    let unknown: Event = serde_json::from_value(serde_json::json!({
        "version": "0", "id": "9", "detail-type": "Brand New Thing", "source": "aws.future",
        "account": "123456789012", "time": "2026-11-23T10:00:00Z", "region": "us-east-1",
        "resources": [], "detail": {"x": 1}
    }))
    .expect("event");
    handle(unknown, &deps)
        .await
        .expect("unknown event is still sent");

    let all = everything
        .drain(Duration::from_secs(2))
        .await
        .expect("drain");
    let mut severities: Vec<_> = all.iter().filter_map(|d| d.attribute("severity")).collect();
    severities.sort();
    assert_eq!(severities, ["ERROR", "WARNING"]);
    let errors = errors_only
        .drain(Duration::from_secs(1))
        .await
        .expect("drain");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].attribute("severity"), Some("ERROR"));
}

#[tokio::test]
async fn dry_run_returns_the_notification_and_publishes_nothing() {
    let config = Emulator::shared().sdk_config().await;
    let sink = TopicWithQueue::create(&config, "dry", None)
        .await
        .expect("topic");

    let report = handle(launch_unsuccessful(), &deps(&config, &sink.topic_arn, true))
        .await
        .expect("handled");
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
async fn throttled_publish_is_retried_and_delivered_once() {
    let emulator = Emulator::shared();
    let proxy = FaultProxy::start(emulator.endpoint()).await.expect("proxy");
    let config = proxy.sdk_config().await;
    let sink = TopicWithQueue::create(&config, "throttle", None)
        .await
        .expect("topic");
    proxy.fail_next("Publish", 2, Fault::Throttle);

    handle(
        launch_unsuccessful(),
        &deps(&config, &sink.topic_arn, false),
    )
    .await
    .expect("third attempt publishes");
    assert_eq!(proxy.calls("Publish"), 3);
    assert_eq!(
        sink.drain(Duration::from_secs(2))
            .await
            .expect("drain")
            .len(),
        1
    );
}

#[tokio::test]
async fn publish_that_keeps_failing_fails_the_invocation_so_eventbridge_retries() {
    let emulator = Emulator::shared();
    let proxy = FaultProxy::start(emulator.endpoint()).await.expect("proxy");
    let config = proxy.sdk_config().await;
    let sink = TopicWithQueue::create(&config, "down", None)
        .await
        .expect("topic");
    proxy.fail_next("Publish", 3, Fault::ServerError);

    let err = handle(
        launch_unsuccessful(),
        &deps(&config, &sink.topic_arn, false),
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
    let config = Emulator::shared().sdk_config().await;
    let missing = "arn:aws:sns:us-east-1:123456789012:does-not-exist";
    let err = handle(launch_unsuccessful(), &deps(&config, missing, false))
        .await
        .expect_err("no such topic");
    assert!(
        matches!(&err, Error::Publish(PublishError::TopicNotFound { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("does-not-exist"), "{err}");
}
