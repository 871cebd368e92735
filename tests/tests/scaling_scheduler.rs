//! scaling-scheduler against the emulator: tagged ECS services, Auto Scaling
//! groups and RDS instances go to zero off-hours and come back to exactly
//! what they had; repeats change nothing; dry-run changes nothing; one
//! failing target leaves the others done and is finished by the next run.
//!
//! Every test uses its own tag key (and schedule name), as two deployments
//! in one account must: a target tagged with an unknown schedule is a
//! failure to fix, so tests must not see each other's targets.

use std::time::Duration;

use harness::emulator::Emulator;
use harness::fixtures::TopicWithQueue;
use harness::names::unique;
use harness::proxy::{Fault, FaultProxy};
use harness::scaling::Fleet;
use scaling_scheduler::{Clients, Config, Deps, Error, invoke};
use serde_json::{Value, json};
use shared::config::{Common, DEFAULT_METRICS_NAMESPACE};
use shared::report::Report;
use shared::{Invocation, Publisher};

/// Monday 2026-11-23, 22:00 in Berlin.
const NIGHT: &str = "2026-11-23T21:00:00Z";
/// Tuesday 2026-11-24, 09:00 in Berlin.
const MORNING: &str = "2026-11-24T08:00:00Z";

/// Each test's own tag key: one deployment never sees another's targets,
/// which it would report as following an unknown schedule.
fn tag_key(schedule: &str) -> String {
    format!("Schedule-{schedule}")
}

fn deps(sdk: &aws_config::SdkConfig, topic_arn: &str, schedule: &str, extra: Value) -> Deps {
    let mut document = json!({
        "tag_key": tag_key(schedule),
        "schedules": {schedule: {
            "timezone": "Europe/Berlin",
            "periods": [{"days": "mon-fri", "start": "08:00", "stop": "19:00"}]
        }}
    });
    if let (Some(doc), Some(more)) = (document.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            doc.insert(k.clone(), v.clone());
        }
    }
    let common = Common {
        topic_arn: topic_arn.to_owned(),
        environment: "test".into(),
        dry_run: false,
        metrics_namespace: DEFAULT_METRICS_NAMESPACE.into(),
    };
    Deps {
        config: Config::from_document(common, &document.to_string(), "test")
            .expect("valid document"),
        clients: Clients::new(sdk),
        publisher: Publisher::new(aws_sdk_sns::Client::new(sdk), topic_arn),
    }
}

/// A setup whose calls pass through a fault proxy.
async fn proxied(prefix: &str) -> (FaultProxy, Setup) {
    let proxy = FaultProxy::start(Emulator::shared().endpoint())
        .await
        .expect("proxy");
    let s = setup(proxy.sdk_config().await, prefix).await;
    (proxy, s)
}

/// What every test starts from: clients, a fleet, its own schedule name and
/// a topic with a queue to read the summaries from.
struct Setup {
    sdk: aws_config::SdkConfig,
    fleet: Fleet,
    schedule: String,
    sink: TopicWithQueue,
}

async fn setup(sdk: aws_config::SdkConfig, prefix: &str) -> Setup {
    let sink = TopicWithQueue::create(&sdk, prefix, None)
        .await
        .expect("topic");
    Setup {
        fleet: Fleet::new(&sdk),
        schedule: unique(prefix),
        sdk,
        sink,
    }
}

fn reconcile_at(time: &str) -> Value {
    json!({"action": "reconcile", "simulate_time": time})
}

/// The report's entries about one target.
fn about<'a>(entries: &'a [shared::report::Entry], target: &str) -> Vec<&'a shared::report::Entry> {
    entries.iter().filter(|e| e.target == target).collect()
}

/// AccessDenied as a JSON protocol (ECS) answers it.
fn denied() -> Fault {
    Fault::Error {
        status: 400,
        code: "AccessDeniedException".into(),
        message: "denied (injected)".into(),
    }
}

/// AccessDenied as a query protocol (Auto Scaling, RDS) answers it.
fn denied_query() -> Fault {
    Fault::Error {
        status: 403,
        code: "AccessDenied".into(),
        message: "denied (injected)".into(),
    }
}

/// AccessDenied as EC2 answers it.
fn denied_ec2() -> Fault {
    Fault::Error {
        status: 403,
        code: "UnauthorizedOperation".into(),
        message: "You are not authorized to perform this operation. (injected)".into(),
    }
}

fn done(report: &Report, target: &str) -> usize {
    about(&report.done, target).len()
}

#[tokio::test]
async fn off_hours_go_to_zero_and_on_hours_restore_exactly() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "office").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    let service = fleet
        .ecs_service(3, Some((2, 6)), &tag)
        .await
        .expect("service");
    let untagged = fleet
        .ecs_service(2, None, &[])
        .await
        .expect("untagged service");
    let group = fleet.asg(1, 4, 2, &tag).await.expect("asg");
    let db = fleet.rds_instance(&tag).await.expect("db");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    let night = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night run");
    assert!(night.failed.is_empty(), "{:?}", night.failed);
    for target in [
        service.target_id(),
        format!("asg/{group}"),
        format!("rds/{db}"),
    ] {
        assert_eq!(done(&night, &target), 1, "{target} acted on: {night:#?}");
    }
    let ((desired, min, max), tags) = fleet.ecs_state(&service).await.expect("state");
    assert_eq!(
        (desired, min, max),
        (0, Some(0), Some(0)),
        "count and autoscaler bounds at zero"
    );
    assert_eq!(
        tags.get("schedule:saved").map(String::as_str),
        Some("desired=3 min=2 max=6")
    );
    let ((gmin, gmax, gdesired), gtags) = fleet.asg_state(&group).await.expect("asg");
    assert_eq!((gmin, gmax, gdesired), (0, 0, 0));
    assert_eq!(
        gtags.get("schedule:saved").map(String::as_str),
        Some("desired=2 min=1 max=4")
    );
    assert_eq!(fleet.rds_status(&db).await.expect("db"), "stopped");
    let ((untouched, _, _), _) = fleet.ecs_state(&untagged).await.expect("state");
    assert_eq!(untouched, 2, "untagged resources are never touched");

    let again = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("repeat");
    for target in [
        service.target_id(),
        format!("asg/{group}"),
        format!("rds/{db}"),
    ] {
        assert_eq!(
            done(&again, &target),
            0,
            "a repeat at the same instant changes nothing ({target})"
        );
    }

    let morning = invoke(reconcile_at(MORNING), &Invocation::default(), &deps)
        .await
        .expect("morning run");
    assert!(morning.failed.is_empty(), "{:?}", morning.failed);
    let ((desired, min, max), tags) = fleet.ecs_state(&service).await.expect("state");
    assert_eq!(
        (desired, min, max),
        (3, Some(2), Some(6)),
        "restored exactly"
    );
    assert!(
        !tags.contains_key("schedule:saved"),
        "saved tag removed once restored"
    );
    let ((gmin, gmax, gdesired), gtags) = fleet.asg_state(&group).await.expect("asg");
    assert_eq!((gmin, gmax, gdesired), (1, 4, 2));
    assert!(!gtags.contains_key("schedule:saved"));
    assert_eq!(fleet.rds_status(&db).await.expect("db"), "available");

    let summaries = sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(
        summaries.len(),
        2,
        "one summary per run that changed something"
    );
    assert!(
        summaries
            .iter()
            .all(|n| n.attribute("severity") == Some("INFO"))
    );
    assert!(
        summaries[0].message.contains(&service.target_id()),
        "{}",
        summaries[0].message
    );
}

#[tokio::test]
async fn plan_and_dry_run_change_nothing_and_say_what_they_would_do() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "dry").await;
    let key = tag_key(&schedule);
    let service = fleet
        .ecs_service(2, None, &[(key.as_str(), &schedule)])
        .await
        .expect("service");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    for payload in [
        json!({"action": "plan", "simulate_time": NIGHT}),
        json!({"action": "reconcile", "simulate_time": NIGHT, "dry_run": true}),
    ] {
        let report = invoke(payload, &Invocation::default(), &deps)
            .await
            .expect("planned");
        assert!(report.dry_run);
        let planned = about(&report.planned, &service.target_id());
        assert_eq!(planned.len(), 1, "{report:#?}");
        assert_eq!(
            planned[0].action.as_deref(),
            Some("scale down from desired 2 to desired 0")
        );
        assert!(report.done.is_empty());
    }
    let ((desired, _, _), tags) = fleet.ecs_state(&service).await.expect("state");
    assert_eq!(desired, 2);
    assert!(!tags.contains_key("schedule:saved"));
    assert!(
        sink.drain(Duration::from_secs(1))
            .await
            .expect("drain")
            .is_empty(),
        "dry runs notify nobody"
    );
}

#[tokio::test]
async fn one_failing_target_leaves_the_others_done_and_the_next_run_finishes_it() {
    let (
        proxy,
        Setup {
            sdk,
            fleet,
            schedule,
            sink,
        },
    ) = proxied("faulty").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    let service = fleet
        .ecs_service(4, Some((1, 8)), &tag)
        .await
        .expect("service");
    let group = fleet.asg(2, 5, 3, &tag).await.expect("asg");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    // The service's count cannot be changed (after its tag and bounds were),
    // and Auto Scaling throttles twice (the SDK retries that).
    proxy.fail_next(
        "UpdateService",
        1,
        Fault::Error {
            status: 400,
            code: "AccessDeniedException".into(),
            message: "not allowed (injected)".into(),
        },
    );
    proxy.fail_next("UpdateAutoScalingGroup", 2, Fault::Throttle);
    let first = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("the run completes");
    let failed = about(&first.failed, &service.target_id());
    assert_eq!(failed.len(), 1, "{first:#?}");
    assert!(
        failed[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("AccessDeniedException")),
        "{failed:?}"
    );
    assert_eq!(
        done(&first, &format!("asg/{group}")),
        1,
        "the group was still scaled down"
    );
    assert_eq!(fleet.asg_state(&group).await.expect("asg").0, (0, 0, 0));

    // Interrupted half-way: bounds at zero, count not, capacity saved.
    let ((desired, min, max), tags) = fleet.ecs_state(&service).await.expect("state");
    assert_eq!((desired, min, max), (4, Some(0), Some(0)));
    assert_eq!(
        tags.get("schedule:saved").map(String::as_str),
        Some("desired=4 min=1 max=8")
    );

    let second = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("retry run");
    assert_eq!(done(&second, &service.target_id()), 1);
    let ((desired, _, _), tags) = fleet.ecs_state(&service).await.expect("state");
    assert_eq!(desired, 0);
    assert_eq!(
        tags.get("schedule:saved").map(String::as_str),
        Some("desired=4 min=1 max=8"),
        "the first saved capacity survives the interruption"
    );
    invoke(reconcile_at(MORNING), &Invocation::default(), &deps)
        .await
        .expect("morning");
    assert_eq!(
        fleet.ecs_state(&service).await.expect("state").0,
        (4, Some(1), Some(8))
    );

    let notes = sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(
        notes[0].attribute("severity"),
        Some("ERROR"),
        "the failed run says so loudly"
    );
    assert!(
        notes[0].message.contains("AccessDeniedException"),
        "{}",
        notes[0].message
    );
}

#[tokio::test]
async fn an_override_tag_wins_until_it_expires() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "override").await;
    let key = tag_key(&schedule);
    let pinned = fleet
        .ecs_service(
            2,
            None,
            &[
                (key.as_str(), &schedule),
                ("schedule:override", "on-until=2026-11-23T23:00Z"),
            ],
        )
        .await
        .expect("service");
    let expired = fleet
        .ecs_service(
            2,
            None,
            &[
                (key.as_str(), &schedule),
                ("schedule:override", "on-until=2026-11-23T20:00Z"),
            ],
        )
        .await
        .expect("service");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    let report = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("run");
    assert_eq!(
        fleet.ecs_state(&pinned).await.expect("state").0.0,
        2,
        "kept running by its override"
    );
    assert_eq!(
        fleet.ecs_state(&expired).await.expect("state").0.0,
        0,
        "expired override ignored"
    );
    let seen = about(&report.seen, &expired.target_id());
    let because = seen[0]
        .detail
        .as_ref()
        .map(|d| d["because"].to_string())
        .unwrap_or_default();
    assert!(because.contains("has expired"), "{because}");
}

#[tokio::test]
async fn apply_puts_a_whole_schedule_in_a_state_and_unknown_schedules_are_refused() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "apply").await;
    let key = tag_key(&schedule);
    let service = fleet
        .ecs_service(2, None, &[(key.as_str(), &schedule)])
        .await
        .expect("service");
    let deps = deps(
        &sdk,
        &sink.topic_arn,
        &schedule,
        json!({"fallback": {"ecs_service": {"desired": 1, "min": 1, "max": 4}}}),
    );

    invoke(
        json!({"action": "apply", "schedule": schedule, "state": "stopped"}),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("apply stopped");
    assert_eq!(fleet.ecs_state(&service).await.expect("state").0.0, 0);
    invoke(
        json!({"action": "apply", "schedule": schedule, "state": "running"}),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("apply running");
    assert_eq!(
        fleet.ecs_state(&service).await.expect("state").0.0,
        2,
        "the saved count, not the fallback"
    );

    sink.drain(Duration::from_secs(1)).await.expect("drain");
    let refused = invoke(
        json!({"action": "apply", "schedule": "nope", "state": "stopped"}),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("refused, not raised");
    let configured = format!("unknown schedule \"nope\"; configured: {schedule}");
    sink.assert_refused(&refused, "scaling-scheduler", &configured)
        .await;
    assert_eq!(fleet.ecs_state(&service).await.expect("state").0.0, 2);
}

/// The bad-input policy: a payload of no known shape acts on nothing, a
/// person hears once, and the invocation succeeds, so EventBridge or
/// Scheduler does not deliver it again.
#[tokio::test]
async fn a_payload_of_no_known_shape_is_refused_once_without_retry() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "refused").await;
    let key = tag_key(&schedule);
    let service = fleet
        .ecs_service(2, None, &[(key.as_str(), &schedule)])
        .await
        .expect("service");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));
    let report = invoke(
        json!({"action": "reconcile", "time": "tonight"}),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("refused, not raised");
    assert!(report.seen.is_empty(), "{report:#?}");
    sink.assert_refused(&report, "scaling-scheduler", "not RFC 3339")
        .await;
    assert_eq!(fleet.ecs_state(&service).await.expect("state").0.0, 2);
}

#[tokio::test]
async fn explicit_targets_follow_a_schedule_without_a_tag_and_missing_ones_are_reported() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "explicit").await;
    let group = fleet.asg(1, 3, 1, &[]).await.expect("asg");
    let deps = deps(
        &sdk,
        &sink.topic_arn,
        &schedule,
        json!({"targets": [
            {"type": "autoscaling-group", "id": group, "schedule": schedule},
            {"type": "rds-instance", "id": "no-such-db", "schedule": schedule}
        ]}),
    );
    let report = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("run");
    assert_eq!(done(&report, &format!("asg/{group}")), 1);
    assert_eq!(fleet.asg_state(&group).await.expect("asg").0, (0, 0, 0));
    let missing = about(&report.failed, "rds/no-such-db");
    assert_eq!(missing.len(), 1, "{report:#?}");
}

#[tokio::test]
async fn aurora_clusters_stop_and_start_and_read_replicas_and_their_sources_are_skipped_with_the_reason()
 {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "databases").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    let cluster = fleet.aurora_cluster(&tag).await.expect("cluster");
    let source = fleet.rds_instance(&tag).await.expect("source");
    let replica = fleet.rds_replica(&source, &tag).await.expect("replica");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    let night = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night");
    assert_eq!(
        done(&night, &format!("rds-cluster/{cluster}")),
        1,
        "{night:#?}"
    );
    assert_eq!(
        fleet.cluster_status(&cluster).await.expect("status"),
        "stopped"
    );
    let skipped = about(&night.skipped, &format!("rds/{replica}"));
    assert!(
        skipped[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("read replica")),
        "{skipped:?}"
    );
    assert_eq!(
        fleet.rds_status(&replica).await.expect("status"),
        "available"
    );
    // RDS refuses to stop an instance with read replicas: skipped, not
    // failed (and alerted) on every run.
    let skipped = about(&night.skipped, &format!("rds/{source}"));
    assert!(
        skipped
            .first()
            .and_then(|e| e.reason.as_deref())
            .is_some_and(|r| r.contains(&format!("has read replicas ({replica})"))),
        "{night:#?}"
    );
    assert!(about(&night.failed, &format!("rds/{source}")).is_empty());
    assert_eq!(
        fleet.rds_status(&source).await.expect("status"),
        "available"
    );

    invoke(reconcile_at(MORNING), &Invocation::default(), &deps)
        .await
        .expect("morning");
    assert_eq!(
        fleet.cluster_status(&cluster).await.expect("status"),
        "available"
    );
}

#[tokio::test]
async fn an_instance_aws_restarted_after_seven_days_is_stopped_again() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "sevenday").await;
    let key = tag_key(&schedule);
    let db = fleet
        .rds_instance(&[(key.as_str(), &schedule)])
        .await
        .expect("db");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));
    invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("stop");
    assert_eq!(fleet.rds_status(&db).await.expect("status"), "stopped");
    // AWS starts a stopped instance again after seven days, whatever the schedule.
    fleet
        .rds
        .start_db_instance()
        .db_instance_identifier(&db)
        .send()
        .await
        .expect("auto-start");
    let later = invoke(
        reconcile_at("2026-11-30T21:00:00Z"),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("a week later");
    assert_eq!(done(&later, &format!("rds/{db}")), 1);
    assert_eq!(fleet.rds_status(&db).await.expect("status"), "stopped");
}

/// With `rds_maintenance_lead_minutes`, a database the schedule keeps
/// stopped runs from the lead before its maintenance window to its end.
#[tokio::test]
async fn a_stopped_database_is_started_for_its_maintenance_window() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "maint").await;
    let key = tag_key(&schedule);
    let db = fleet
        .rds_instance(&[(key.as_str(), &schedule)])
        .await
        .expect("db");
    // Monday 21:30-22:00 UTC; NIGHT (Monday 21:00 UTC) is within the hour before.
    fleet
        .rds
        .modify_db_instance()
        .db_instance_identifier(&db)
        .preferred_maintenance_window("mon:21:30-mon:22:00")
        .apply_immediately(true)
        .send()
        .await
        .expect("window");
    let deps = deps(
        &sdk,
        &sink.topic_arn,
        &schedule,
        json!({"rds_maintenance_lead_minutes": 60}),
    );
    invoke(
        reconcile_at("2026-11-23T20:00:00Z"),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("evening");
    assert_eq!(fleet.rds_status(&db).await.expect("status"), "stopped");

    let lead = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("the lead");
    assert_eq!(fleet.rds_status(&db).await.expect("status"), "available");
    let entry = lead
        .done
        .iter()
        .find(|e| e.target == format!("rds/{db}"))
        .expect("started");
    let because = entry
        .detail
        .as_ref()
        .map(|d| d["because"].to_string())
        .unwrap_or_default();
    assert!(
        because.contains("maintenance window mon:21:30-mon:22:00"),
        "{because}"
    );

    invoke(
        reconcile_at("2026-11-23T22:00:00Z"),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("after the window");
    assert_eq!(fleet.rds_status(&db).await.expect("status"), "stopped");
}

#[tokio::test]
async fn the_invocation_fails_only_when_nothing_could_be_evaluated() {
    let (
        proxy,
        Setup {
            sdk,
            schedule,
            sink,
            ..
        },
    ) = proxied("blind").await;
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    // One kind unreadable: reported, the run goes on.
    proxy.fail_next("ListClusters", 1, denied());
    let partial = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("partial discovery still runs");
    let failed = about(&partial.failed, "discover ECS services");
    assert!(
        failed[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("ecs:ListClusters failed: AccessDeniedException")),
        "{failed:?}"
    );

    // Nothing readable: the invocation fails, so the platform retries it.
    proxy.fail_next("ListClusters", 1, denied());
    proxy.fail_next("DescribeAutoScalingGroups", 1, denied_query());
    proxy.fail_next("DescribeDBInstances", 1, denied_query());
    proxy.fail_next("DescribeInstances", 1, denied_ec2());
    let err = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect_err("blind");
    assert!(matches!(err, Error::NothingEvaluated { .. }), "{err}");
    assert_eq!(
        shared::aws::error_type(err.kind(), err.class()),
        "NothingEvaluated.AccessDenied"
    );

    // Throttled past the SDK's own retries: the invocation fails with the
    // class, so the platform retries it.
    for operation in [
        "ListClusters",
        "DescribeAutoScalingGroups",
        "DescribeDBInstances",
        "DescribeInstances",
    ] {
        proxy.fail_next(operation, 10, Fault::Throttle);
    }
    let err = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect_err("throttled");
    assert_eq!(
        shared::aws::error_type(err.kind(), err.class()),
        "NothingEvaluated.Throttled"
    );
}

/// RDS unreadable: its explicit targets are unseen, not "not found" one
/// by one; the one failed read says so, and the other kinds still act.
#[tokio::test]
async fn one_unreadable_kind_is_one_failure_and_the_others_still_act() {
    let (
        proxy,
        Setup {
            sdk,
            fleet,
            schedule,
            sink,
        },
    ) = proxied("unread").await;
    let group = fleet.asg(1, 3, 1, &[]).await.expect("asg");
    let deps = deps(
        &sdk,
        &sink.topic_arn,
        &schedule,
        json!({"targets": [
            {"type": "autoscaling-group", "id": group, "schedule": schedule},
            {"type": "rds-instance", "id": "orders", "schedule": schedule},
            {"type": "rds-cluster", "id": "ledger", "schedule": schedule}
        ]}),
    );
    proxy.fail_next("DescribeDBInstances", 1, denied_query());
    let report = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("run");
    assert_eq!(done(&report, &format!("asg/{group}")), 1, "{report:#?}");
    let failed: Vec<&str> = report.failed.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(failed, ["discover RDS"], "{report:#?}");
    assert!(
        report.failed[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.ends_with("its targets are left as they are this run")),
        "{report:#?}"
    );
}

#[tokio::test]
async fn a_group_saved_by_an_earlier_version_in_json_restores_to_what_it_saved() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "office-json").await;
    let key = tag_key(&schedule);
    // Earlier versions wrote JSON; Auto Scaling tag values allow it, so
    // groups scaled down by them hold it when this version starts them.
    let group = fleet
        .asg(
            0,
            0,
            0,
            &[
                (key.as_str(), schedule.as_str()),
                ("schedule:saved", r#"{"desired":2,"min":1,"max":4}"#),
            ],
        )
        .await
        .expect("group");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));
    let morning = invoke(reconcile_at(MORNING), &Invocation::default(), &deps)
        .await
        .expect("morning");
    assert_eq!(done(&morning, &format!("asg/{group}")), 1, "{morning:#?}");
    let ((min, max, desired), tags) = fleet.asg_state(&group).await.expect("asg");
    assert_eq!((min, max, desired), (1, 4, 2), "restored to the saved JSON");
    assert!(!tags.contains_key("schedule:saved"), "saved tag removed");
}

/// A Scheduled Event delivered long after its `time` (a retry, a backlog)
/// decides for now: under a schedule that ran only on the event's own day,
/// the service goes to zero, and the report says how late the event came.
#[tokio::test]
async fn a_late_scheduled_event_decides_for_now_not_for_its_own_time() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "late").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    let service = fleet.ecs_service(2, None, &tag).await.expect("service");
    let day = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(72))
        .expect("three days ago")
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let only_that_day = json!({"schedules": {schedule.as_str(): {
        "timezone": "UTC",
        "periods": [{"months": [day.month()], "monthdays": [day.day()], "start": "00:00", "stop": "24:00"}]
    }}});
    let deps = deps(&sdk, &sink.topic_arn, &schedule, only_that_day);
    let mut event =
        harness::sample_event("scaling-scheduler", "eventbridge_scheduled-on-hours.json")
            .expect("sample");
    event["time"] = json!(format!("{day}T10:00:00Z"));

    let report = invoke(event, &Invocation::default(), &deps)
        .await
        .expect("run");
    assert!(
        report.notes.iter().any(|n| n.starts_with("Decided for now")
            && n.contains(&format!("scheduled for {day}T10:00:00Z"))
            && n.contains("s late")),
        "{:?}",
        report.notes
    );
    assert_eq!(done(&report, &service.target_id()), 1, "{report:#?}");
    let ((desired, _, _), _) = fleet.ecs_state(&service).await.expect("state");
    assert_eq!(
        desired, 0,
        "decided for now: outside the schedule's only day"
    );
}

/// One cluster that cannot be read (a DescribeServices denied) is reported,
/// and the services of every other cluster are still scheduled.
#[tokio::test]
async fn one_unreadable_cluster_does_not_hide_the_others() {
    let (
        proxy,
        Setup {
            sdk,
            fleet,
            schedule,
            sink,
        },
    ) = proxied("cluster-fault").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    // Each in its own cluster.
    let one = fleet.ecs_service(2, None, &tag).await.expect("service");
    let two = fleet.ecs_service(2, None, &tag).await.expect("service");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));
    proxy.fail_next("DescribeServices", 1, denied());
    let night = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night run");
    let unreadable: Vec<_> = night
        .failed
        .iter()
        .filter(|e| e.target.starts_with("discover ECS services in cluster "))
        .collect();
    assert_eq!(unreadable.len(), 1, "{night:#?}");
    assert!(
        unreadable[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("ecs:DescribeServices failed: AccessDeniedException")),
        "{unreadable:?}"
    );
    // The denied call may have been another test's cluster: at most one of
    // ours is left, and the other went to zero.
    let acted = [&one, &two]
        .iter()
        .filter(|s| done(&night, &s.target_id()) == 1)
        .count();
    assert!(acted >= 1, "{night:#?}");
}

/// What the schedule cannot change is not reported done: a group whose
/// Terminate process is suspended and a DAEMON service are skipped with the
/// reason; a group with an instance protected from scale-in is scaled down
/// and the entry says that instance keeps running.
#[tokio::test]
async fn what_a_scale_down_cannot_change_is_skipped_or_said() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "limits").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    let suspended = fleet.asg(1, 4, 2, &tag).await.expect("asg");
    fleet
        .autoscaling
        .suspend_processes()
        .auto_scaling_group_name(&suspended)
        .scaling_processes("Terminate")
        .send()
        .await
        .expect("suspend");
    let protected = fleet.asg(1, 4, 2, &tag).await.expect("asg");
    let instances: Vec<String> = fleet
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(&protected)
        .send()
        .await
        .expect("describe")
        .auto_scaling_groups()
        .iter()
        .flat_map(|g| g.instances())
        .filter_map(|i| i.instance_id().map(str::to_owned))
        .collect();
    assert_eq!(instances.len(), 2, "the emulator launched the group");
    fleet
        .autoscaling
        .set_instance_protection()
        .auto_scaling_group_name(&protected)
        .instance_ids(&instances[0])
        .protected_from_scale_in(true)
        .send()
        .await
        .expect("protect");
    let daemon = fleet.ecs_daemon(&tag).await.expect("daemon");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    let night = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night");
    let reason = |entries: &[shared::report::Entry], target: &str| {
        about(entries, target)
            .first()
            .and_then(|e| e.reason.clone())
            .unwrap_or_default()
    };
    assert!(
        reason(&night.skipped, &format!("asg/{suspended}"))
            .contains("Terminate process is suspended"),
        "{night:#?}"
    );
    let ((min, max, desired), tags) = fleet.asg_state(&suspended).await.expect("asg");
    assert_eq!((min, max, desired), (1, 4, 2), "left as it was");
    assert!(!tags.contains_key("schedule:saved"), "nothing saved");
    assert_eq!(done(&night, &format!("asg/{protected}")), 1, "{night:#?}");
    assert!(
        reason(&night.done, &format!("asg/{protected}"))
            .contains("1 of its 2 instances is protected from scale-in and keeps running"),
        "{night:#?}"
    );
    assert!(
        reason(&night.skipped, &daemon.target_id()).contains("DAEMON service"),
        "{night:#?}"
    );
    assert!(night.failed.is_empty(), "{night:#?}");
}

/// A schedule renamed in the document leaves its targets with a name no
/// schedule has: a fleet left at zero must alert, not be skipped quietly.
/// A malformed override alerts too, while the schedule still acts.
#[tokio::test]
async fn an_unknown_schedule_and_a_malformed_override_alert() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "renamed").await;
    let key = tag_key(&schedule);
    let stranded = fleet
        .asg(
            0,
            0,
            0,
            &[
                (key.as_str(), "office-hours-v1"),
                ("schedule:saved", "desired=2 min=1 max=4"),
            ],
        )
        .await
        .expect("group");
    let typo = fleet
        .ecs_service(
            2,
            None,
            &[
                (key.as_str(), schedule.as_str()),
                ("schedule:override", "on-untill=2026-11-24T08:00Z"),
            ],
        )
        .await
        .expect("service");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    let night = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night");
    let problem = |target: &str| {
        about(&night.failed, target)
            .first()
            .and_then(|e| e.reason.clone())
            .unwrap_or_default()
    };
    assert!(
        problem(&format!("asg/{stranded}")).contains("unknown schedule \"office-hours-v1\""),
        "{night:#?}"
    );
    assert!(
        problem(&typo.target_id()).contains("override \"on-untill="),
        "{night:#?}"
    );
    assert_eq!(
        done(&night, &typo.target_id()),
        1,
        "the schedule still acts"
    );
    let told = sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(told.len(), 1);
    assert!(
        told[0]
            .subject
            .as_deref()
            .is_some_and(|s| s.starts_with("[ERROR]")),
        "{:?}",
        told[0].subject
    );
    assert!(
        told[0].message.contains(&format!("FAILED asg/{stranded}")),
        "{}",
        told[0].message
    );
}

/// SNS failing after the actions ran: the invocation fails (its Errors
/// alarm fires) with the whole summary in its error, which Lambda writes to
/// the function's log, because the retry that follows has nothing left to
/// do and would never publish it.
#[tokio::test]
async fn a_summary_that_cannot_be_published_rides_in_the_error() {
    let (
        proxy,
        Setup {
            sdk,
            fleet,
            schedule,
            sink,
        },
    ) = proxied("unpublished").await;
    let key = tag_key(&schedule);
    let service = fleet
        .ecs_service(2, None, &[(key.as_str(), schedule.as_str())])
        .await
        .expect("service");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));
    // Every attempt the SDK makes (three).
    proxy.fail_next("Publish", 3, Fault::ServerError);
    let err = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect_err("unpublished");
    let text = err.to_string();
    assert!(matches!(err, Error::SummaryNotPublished { .. }), "{text}");
    assert!(
        text.contains(&format!(
            "{}: scale down from desired 2 to desired 0",
            service.target_id()
        )),
        "{text}"
    );
    let retry = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("retry");
    assert!(retry.done.is_empty(), "the retry has nothing left to do");
}

/// `apply` holds: the override tag it writes keeps the state through the
/// reconciles that follow, until the time it names.
#[tokio::test]
async fn an_applied_state_holds_through_later_reconciles_until_its_time() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "hold").await;
    let key = tag_key(&schedule);
    let service = fleet
        .ecs_service(2, None, &[(key.as_str(), &schedule)])
        .await
        .expect("service");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));
    let until = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .expect("tomorrow")
        .round(jiff::Unit::Second)
        .expect("rounded");

    let applied = invoke(
        json!({"action": "apply", "schedule": schedule, "state": "running", "until": until.to_string()}),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("apply");
    assert!(
        applied.done.iter().any(|e| e.action.as_deref()
            == Some(
                format!("hold running until {until} (schedule:override=on-until={until})").as_str()
            )),
        "{applied:#?}"
    );
    let (_, tags) = fleet.ecs_state(&service).await.expect("state");
    assert_eq!(
        tags.get("schedule:override"),
        Some(&format!("on-until={until}"))
    );
    // A night run (the schedule says stopped) keeps it running.
    let night = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night");
    assert_eq!(done(&night, &service.target_id()), 0, "{night:#?}");
    assert_eq!(fleet.ecs_state(&service).await.expect("state").0.0, 2);

    let refused = invoke(
        json!({"action": "apply", "schedule": schedule, "state": "stopped", "until": "2026-01-01T00:00:00Z"}),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("refused, not raised");
    let reason = refused.failed[0].reason.clone().unwrap_or_default();
    assert!(reason.contains("is not in the future"), "{reason}");
    assert_eq!(fleet.ecs_state(&service).await.expect("state").0.0, 2);
}

/// Each action is also a `Scheduled Scaling Action` event on the default
/// bus, shaped as the notifier's samples (a rule here sends them to a queue).
#[tokio::test]
async fn each_action_is_an_event_on_the_bus() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "events").await;
    let key = tag_key(&schedule);
    let service = fleet
        .ecs_service(3, Some((2, 6)), &[(key.as_str(), schedule.as_str())])
        .await
        .expect("service");
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = sqs
        .create_queue()
        .queue_name(unique("scheduler-events"))
        .send()
        .await
        .expect("queue");
    let url = queue.queue_url().expect("url").to_owned();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attributes")
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .cloned()
        .expect("arn");
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let rule = unique("scheduler-actions");
    events
        .put_rule()
        .name(&rule)
        .event_pattern(
            json!({
                "source": [shared::events::scheduler::SOURCE],
                "detail-type": [shared::events::scheduler::ACTION_DETAIL_TYPE],
                "detail": {"schedule": [schedule]}
            })
            .to_string(),
        )
        .send()
        .await
        .expect("rule");
    events
        .put_targets()
        .rule(&rule)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(arn)
                .build()
                .expect("target"),
        )
        .send()
        .await
        .expect("target");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    let night = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night");
    assert!(night.failed.is_empty(), "{night:#?}");
    let received = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .wait_time_seconds(2)
        .send()
        .await
        .expect("receive");
    let bodies: Vec<Value> = received
        .messages()
        .iter()
        .filter_map(|m| serde_json::from_str(m.body()?).ok())
        .collect();
    assert_eq!(bodies.len(), 1, "{bodies:#?}");
    let event = &bodies[0];
    assert_eq!(event["resources"][0], service.arn.as_str());
    let detail = &event["detail"];
    assert_eq!(detail["resource"], service.target_id().as_str());
    assert_eq!(detail["action"], "scale-down");
    assert_eq!(detail["outcome"], "done");
    assert_eq!(detail["before"], json!({"desired": 3, "min": 2, "max": 6}));
    assert_eq!(detail["after"], json!({"desired": 0, "min": 0, "max": 0}));
    // The notifier reads it as the scheduler's own event.
    let formatted = scaling_notifier::input::parse(event.clone()).expect("the notifier reads it");
    assert_eq!(formatted.len(), 1);
}

/// A run that reaches the Lambda deadline starts no more actions: they are
/// reported as not started, nothing is half done, and the next run does them.
#[tokio::test]
async fn a_run_at_its_deadline_starts_nothing_more_and_the_next_run_finishes() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "deadline").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    let one = fleet.ecs_service(2, None, &tag).await.expect("service");
    let two = fleet.ecs_service(2, None, &tag).await.expect("service");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));
    let out_of_time = Invocation {
        deadline: Some(std::time::Instant::now()),
        function_arn: String::new(),
    };

    let late = invoke(reconcile_at(NIGHT), &out_of_time, &deps)
        .await
        .expect("late run");
    assert!(late.done.is_empty(), "{late:#?}");
    for s in [&one, &two] {
        let reason = about(&late.skipped, &s.target_id())
            .first()
            .and_then(|e| e.reason.clone())
            .unwrap_or_default();
        assert!(
            reason.contains("not started, the run stopped before the Lambda deadline"),
            "{late:#?}"
        );
        assert_eq!(fleet.ecs_state(s).await.expect("state").0.0, 2);
    }
    let next = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("next run");
    assert_eq!(
        done(&next, &one.target_id()) + done(&next, &two.target_id()),
        2
    );
}

/// A standing problem (here a listed target that does not exist) alerts
/// once: later runs keep it in their report and send nothing for it, until
/// the set of standing problems changes. It used to page every 5 minutes.
#[tokio::test]
async fn a_standing_problem_alerts_once_until_it_changes() {
    let (
        proxy,
        Setup {
            sdk,
            schedule,
            sink,
            ..
        },
    ) = proxied("standing").await;
    let with = |ids: &[&str]| {
        let targets: Vec<Value> = ids
            .iter()
            .map(|id| json!({"type": "rds-instance", "id": id, "schedule": schedule}))
            .collect();
        let mut deps = deps(
            &sdk,
            &sink.topic_arn,
            &schedule,
            json!({ "targets": targets }),
        );
        deps.config.state_parameter = Some(format!("/{schedule}/told"));
        deps
    };
    let sink = &sink;
    let run = |deps: Deps| async move {
        let report = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
            .await
            .expect("run");
        let told = sink.drain(Duration::from_secs(2)).await.expect("drain");
        (report, told)
    };

    let (first, told) = run(with(&["ghost-db"])).await;
    assert_eq!(about(&first.failed, "rds/ghost-db").len(), 1, "{first:#?}");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].attribute("severity"), Some("ERROR"));

    let (second, told) = run(with(&["ghost-db"])).await;
    assert_eq!(
        about(&second.failed, "rds/ghost-db").len(),
        1,
        "still in the report"
    );
    assert!(told.is_empty(), "told again: {told:?}");

    let (_, told) = run(with(&["ghost-db", "other-db"])).await;
    assert_eq!(told.len(), 1, "a new problem is told");
    assert!(
        told[0].message.contains("FAILED rds/other-db"),
        "{}",
        told[0].message
    );
    assert!(
        told[0].message.contains("STILL FAILING rds/ghost-db"),
        "{}",
        told[0].message
    );

    let (fixed, told) = run(with(&[])).await;
    assert!(told.is_empty(), "{told:?}");
    assert!(
        fixed
            .notes
            .iter()
            .any(|n| n == "2 standing problems told before no longer occur"),
        "{:?}",
        fixed.notes
    );

    let (_, told) = run(with(&["ghost-db"])).await;
    assert_eq!(told.len(), 1, "back again after it was fixed: told again");

    // What was told cannot be read: told again rather than kept silent.
    proxy.fail_next("GetParameter", 1, denied());
    let (unknown, told) = run(with(&["ghost-db"])).await;
    assert_eq!(told.len(), 1, "{unknown:#?}");
    assert!(
        unknown.notes.iter().any(|n| n.contains("ssm:GetParameter")),
        "{:?}",
        unknown.notes
    );
}

/// A standalone instance stops at night and starts in the morning; an
/// instance its Auto Scaling group launched, carrying the same tag, is left
/// to the group (which is scaled instead), and so is a Spot Instance EC2
/// cannot stop, each with the reason.
#[tokio::test]
async fn standalone_instances_stop_and_start_and_a_groups_own_instance_is_left_to_it() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "ec2").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    let instance = fleet.ec2_instance(&tag, false).await.expect("instance");
    let untagged = fleet.ec2_instance(&[], false).await.expect("untagged");
    let group = fleet.asg_with(1, 2, 1, &tag, true).await.expect("group");
    let members = fleet.asg_instances(&group).await.expect("members");
    assert_eq!(members.len(), 1, "the group launched its instance");
    let member = &members[0];
    let (_, member_tags) = fleet.ec2_state(member).await.expect("member");
    assert_eq!(
        member_tags.get(&key),
        Some(&schedule),
        "the group's schedule tag reached its instance"
    );
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));
    let id = format!("ec2/{instance}");

    let night = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night");
    assert!(night.failed.is_empty(), "{:?}", night.failed);
    assert_eq!(done(&night, &id), 1, "{night:#?}");
    assert_eq!(
        fleet.ec2_state(&instance).await.expect("state").0,
        "stopped"
    );
    assert_eq!(
        fleet.ec2_state(&untagged).await.expect("state").0,
        "running"
    );
    let skipped = about(&night.skipped, &format!("ec2/{member}"));
    assert_eq!(skipped.len(), 1, "{night:#?}");
    assert!(
        skipped[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with(&format!("launched by Auto Scaling group {group}"))),
        "{skipped:?}"
    );
    assert_eq!(
        done(&night, &format!("asg/{group}")),
        1,
        "the group is the target"
    );

    let again = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("repeat");
    assert_eq!(done(&again, &id), 0, "a repeat changes nothing");

    let morning = invoke(reconcile_at(MORNING), &Invocation::default(), &deps)
        .await
        .expect("morning");
    assert!(morning.failed.is_empty(), "{:?}", morning.failed);
    assert_eq!(done(&morning, &id), 1);
    assert_eq!(
        fleet.ec2_state(&instance).await.expect("state").0,
        "running"
    );
}

/// `apply` stops a schedule's instances now and holds them with the
/// override tag on the instance, which later reconciles keep.
#[tokio::test]
async fn apply_stops_an_instance_and_holds_it_with_its_override_tag() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "ec2apply").await;
    let key = tag_key(&schedule);
    let instance = fleet
        .ec2_instance(&[(key.as_str(), schedule.as_str())], false)
        .await
        .expect("instance");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));
    let until = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
    let applied = invoke(
        json!({"action": "apply", "schedule": schedule, "state": "stopped", "until": until.to_string()}),
        &Invocation::default(),
        &deps,
    )
    .await
    .expect("apply");
    assert!(applied.failed.is_empty(), "{:?}", applied.failed);
    let (state, tags) = fleet.ec2_state(&instance).await.expect("state");
    assert_eq!(state, "stopped");
    assert_eq!(
        tags.get("schedule:override"),
        Some(&format!("off-until={until}"))
    );
    let later = invoke(reconcile_at(MORNING), &Invocation::default(), &deps)
        .await
        .expect("reconcile");
    assert_eq!(done(&later, &format!("ec2/{instance}")), 0, "{later:#?}");
    assert_eq!(
        fleet.ec2_state(&instance).await.expect("state").0,
        "stopped"
    );
}

/// One StopInstances call for all; an instance EC2 refuses to stop
/// (DisableApiStop) fails the call, which is split until only that
/// instance fails and the others are stopped.
#[tokio::test]
async fn one_instance_ec2_refuses_to_stop_does_not_keep_the_others_running() {
    let (
        proxy,
        Setup {
            sdk,
            fleet,
            schedule,
            sink,
        },
    ) = proxied("ec2split").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    let mut instances = Vec::new();
    for _ in 0..4 {
        instances.push(fleet.ec2_instance(&tag, false).await.expect("instance"));
    }
    let protected = instances[2].clone();
    fleet
        .ec2
        .modify_instance_attribute()
        .instance_id(&protected)
        .disable_api_stop(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .expect("protect");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    let night = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night");
    let failed = about(&night.failed, &format!("ec2/{protected}"));
    assert_eq!(night.failed.len(), 1, "{:?}", night.failed);
    assert!(
        failed[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("ec2:StopInstances failed: OperationNotPermitted")),
        "{failed:?}"
    );
    for i in &instances {
        let expected = if *i == protected {
            "running"
        } else {
            "stopped"
        };
        assert_eq!(fleet.ec2_state(i).await.expect("state").0, expected, "{i}");
        if *i != protected {
            assert_eq!(done(&night, &format!("ec2/{i}")), 1);
        }
    }
    // All four in one call, then halves, then the refused half's two alone.
    assert_eq!(proxy.calls("StopInstances"), 5);
}

/// A schedule asking for hibernation hibernates an instance launched with
/// it enabled; where EC2 answers UnsupportedHibernationConfiguration (not
/// ready to hibernate yet), the instance is stopped instead and the report
/// says so.
#[tokio::test]
async fn hibernation_falls_back_to_a_stop_when_ec2_cannot_hibernate() {
    let (
        proxy,
        Setup {
            sdk,
            fleet,
            schedule,
            sink,
        },
    ) = proxied("ec2hib").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    let instance = fleet.ec2_instance(&tag, true).await.expect("instance");
    let document = json!({"schedules": {schedule.clone(): {
        "timezone": "Europe/Berlin",
        "hibernate": true,
        "periods": [{"days": "mon-fri", "start": "08:00", "stop": "19:00"}]
    }}});
    let deps = deps(&sdk, &sink.topic_arn, &schedule, document);
    let id = format!("ec2/{instance}");
    proxy.record("StopInstances");

    let hibernated = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night");
    let entry = about(&hibernated.done, &id);
    assert_eq!(entry.len(), 1, "{hibernated:#?}");
    assert_eq!(entry[0].action.as_deref(), Some("hibernate"));
    assert_eq!(entry[0].reason, None);
    assert_eq!(
        fleet.ec2_state(&instance).await.expect("state").0,
        "stopped"
    );
    invoke(reconcile_at(MORNING), &Invocation::default(), &deps)
        .await
        .expect("morning");
    assert_eq!(
        fleet.ec2_state(&instance).await.expect("state").0,
        "running"
    );

    proxy.fail_next(
        "StopInstances",
        1,
        Fault::Error {
            status: 400,
            code: "UnsupportedHibernationConfiguration".into(),
            message: "Instance is not ready to hibernate yet, please try again later (injected)"
                .into(),
        },
    );
    let fallback = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night again");
    assert!(fallback.failed.is_empty(), "{:?}", fallback.failed);
    let entry = about(&fallback.done, &id);
    assert!(
        entry[0].reason.as_deref().is_some_and(|r| r.starts_with(
            "could not hibernate (ec2:StopInstances failed: UnsupportedHibernationConfiguration"
        ) && r.ends_with("stopped instead")),
        "{entry:?}"
    );
    assert_eq!(
        fleet.ec2_state(&instance).await.expect("state").0,
        "stopped"
    );
    let hibernate: Vec<Option<bool>> = proxy
        .recorded("StopInstances")
        .iter()
        .map(|body| {
            body.get("Hibernate")
                .and_then(|h| h.as_str())
                .map(|h| h == "true")
        })
        .collect();
    assert_eq!(
        hibernate,
        [Some(true), Some(true), None],
        "hibernate, hibernate refused, then a plain stop"
    );
}

/// ECS on EC2: the services are scaled and the capacity provider's Auto
/// Scaling group (tagged AmazonECSManaged, as ECS and the stack tag it) is
/// left to ECS, even when the schedule tag reaches it and its instances.
#[tokio::test]
async fn a_capacity_providers_group_is_left_to_ecs_while_its_services_scale() {
    let Setup {
        sdk,
        fleet,
        schedule,
        sink,
    } = setup(Emulator::shared().sdk_config().await, "ecsec2").await;
    let key = tag_key(&schedule);
    let tag = [(key.as_str(), schedule.as_str())];
    let service = fleet
        .ecs_service(2, Some((1, 4)), &tag)
        .await
        .expect("service");
    let group = fleet
        .asg_with(
            1,
            3,
            1,
            &[
                (key.as_str(), schedule.as_str()),
                ("AmazonECSManaged", "true"),
            ],
            true,
        )
        .await
        .expect("capacity provider group");
    let deps = deps(&sdk, &sink.topic_arn, &schedule, json!({}));

    let night = invoke(reconcile_at(NIGHT), &Invocation::default(), &deps)
        .await
        .expect("night");
    assert!(night.failed.is_empty(), "{:?}", night.failed);
    assert_eq!(done(&night, &service.target_id()), 1, "{night:#?}");
    assert_eq!(fleet.ecs_state(&service).await.expect("state").0.0, 0);
    let skipped = about(&night.skipped, &format!("asg/{group}"));
    assert!(
        skipped.first().is_some_and(|e| e
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("ECS capacity provider"))),
        "{night:#?}"
    );
    let ((min, max, desired), tags) = fleet.asg_state(&group).await.expect("group");
    assert_eq!((min, max, desired), (1, 3, 1), "the group is ECS's to size");
    assert!(!tags.contains_key("schedule:saved"));
    assert_eq!(
        night.done.len(),
        1,
        "nothing else acted on, not the group's instances: {night:#?}"
    );
}
