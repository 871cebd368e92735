//! Every sample event under `events/` is valid JSON of the shape its function
//! takes, so `cargo lambda invoke --data-file` and the tests agree.

use harness::repo_root;

#[test]
fn every_sample_event_parses_for_its_function() {
    let root = repo_root().join("events");
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).expect("events/") {
        let dir = dir.expect("entry").path();
        let function = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        for file in std::fs::read_dir(&dir).expect("function dir") {
            let path = file.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let raw = std::fs::read_to_string(&path).expect("read");
            let name = path.display().to_string();
            match function.as_str() {
                "scaling-notifier" => {
                    let value =
                        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
                    let items = scaling_notifier::input::parse(value)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert!(!items.is_empty(), "{name}: no items");
                }
                "scaling-scheduler" => {
                    let value =
                        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
                    scaling_scheduler::Trigger::parse(value)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                }
                "dlq-processor" => {
                    let value =
                        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
                    dlq_processor::input::parse(value).unwrap_or_else(|e| panic!("{name}: {e}"));
                }
                "secret-rotator" => {
                    let value =
                        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
                    secret_rotator::Trigger::parse(value).unwrap_or_else(|e| panic!("{name}: {e}"));
                }
                "backup-verifier" => {
                    let value =
                        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
                    backup_verifier::Trigger::parse(value)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                }
                other => {
                    serde_json::from_str::<serde_json::Value>(&raw)
                        .unwrap_or_else(|e| panic!("{name} ({other}): {e}"));
                }
            }
            let file_name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            assert!(
                file_name.contains('_'),
                "{name}: sample events are named <source>_<case>.json"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 0,
        "no sample events found under {}",
        root.display()
    );
}

const REFRESH_EVENTS: &str = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-eventbridge-events.html";
const AUTOSCALING_EVENTS: &str =
    "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-event-reference.html";
/// The detail of every instance refresh event but Checkpoint Reached.
const REFRESH: &[&str] = &["InstanceRefreshId", "AutoScalingGroupName"];
/// Lifecycle actions, launch and terminate alike.
const LIFECYCLE: &[&str] = &[
    "LifecycleActionToken",
    "AutoScalingGroupName",
    "LifecycleHookName",
    "EC2InstanceId",
    "LifecycleTransition",
    "Origin",
    "Destination",
];
/// Successful launch and terminate activities.
const ACTIVITY: &[&str] = &[
    "StatusCode",
    "AutoScalingGroupName",
    "ActivityId",
    "Details",
    "RequestId",
    "EndTime",
    "EC2InstanceId",
    "StartTime",
    "Cause",
    "Origin",
    "Destination",
];
/// Unsuccessful ones add the status message.
const ACTIVITY_FAILED: &[&str] = &[
    "StatusCode",
    "AutoScalingGroupName",
    "ActivityId",
    "Details",
    "RequestId",
    "EndTime",
    "EC2InstanceId",
    "StartTime",
    "Cause",
    "StatusMessage",
    "Origin",
    "Destination",
];

/// What AWS's example event of each detail-type carries, and where it is
/// documented: every sample of that type has the example's envelope and
/// at least these detail fields.
const DOCUMENTED: &[(&str, &[&str], &str)] = &[
    (
        "EC2 Auto Scaling Instance Refresh Checkpoint Reached",
        &[
            "InstanceRefreshId",
            "AutoScalingGroupName",
            "CheckpointPercentage",
            "CheckpointDelay",
        ],
        REFRESH_EVENTS,
    ),
    (
        "EC2 Auto Scaling Instance Refresh Started",
        REFRESH,
        REFRESH_EVENTS,
    ),
    // Listed in EventBridge's event reference; the Auto Scaling guide gives
    // no example, so the sample carries what every refresh event does.
    (
        "EC2 Auto Scaling Instance Refresh Started Baking",
        REFRESH,
        "https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-autoscaling.html",
    ),
    (
        "EC2 Auto Scaling Instance Refresh Succeeded",
        REFRESH,
        REFRESH_EVENTS,
    ),
    (
        "EC2 Auto Scaling Instance Refresh Failed",
        REFRESH,
        REFRESH_EVENTS,
    ),
    (
        "EC2 Auto Scaling Instance Refresh Cancelled",
        REFRESH,
        REFRESH_EVENTS,
    ),
    (
        "EC2 Auto Scaling Instance Refresh Rollback Started",
        REFRESH,
        REFRESH_EVENTS,
    ),
    (
        "EC2 Auto Scaling Instance Refresh Rollback Succeeded",
        REFRESH,
        REFRESH_EVENTS,
    ),
    (
        "EC2 Auto Scaling Instance Refresh Rollback Failed",
        REFRESH,
        REFRESH_EVENTS,
    ),
    (
        "EC2 Instance-launch Lifecycle Action",
        LIFECYCLE,
        AUTOSCALING_EVENTS,
    ),
    (
        "EC2 Instance-terminate Lifecycle Action",
        LIFECYCLE,
        AUTOSCALING_EVENTS,
    ),
    (
        "EC2 Instance Launch Successful",
        ACTIVITY,
        AUTOSCALING_EVENTS,
    ),
    (
        "EC2 Instance Launch Unsuccessful",
        ACTIVITY_FAILED,
        AUTOSCALING_EVENTS,
    ),
    (
        "EC2 Instance Terminate Successful",
        ACTIVITY,
        AUTOSCALING_EVENTS,
    ),
    (
        "EC2 Instance Terminate Unsuccessful",
        ACTIVITY_FAILED,
        AUTOSCALING_EVENTS,
    ),
    (
        "CloudWatch Alarm State Change",
        &["alarmName", "state", "previousState", "configuration"],
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html",
    ),
    (
        "ECS Deployment State Change",
        &[
            "eventType",
            "eventName",
            "deploymentId",
            "updatedAt",
            "reason",
        ],
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html",
    ),
    (
        "ECS Service Action",
        &["eventType", "eventName", "clusterArn", "createdAt"],
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_events.html",
    ),
    (
        "ECS Task State Change",
        &[
            "clusterArn",
            "taskArn",
            "taskDefinitionArn",
            "lastStatus",
            "desiredStatus",
            "containers",
            "createdAt",
            "updatedAt",
            "version",
            "group",
            "launchType",
        ],
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html",
    ),
    (
        "Application Auto Scaling Scaling Activity State Change",
        &[
            "startTime",
            "endTime",
            "newDesiredCapacity",
            "oldDesiredCapacity",
            "minCapacity",
            "maxCapacity",
            "resourceId",
            "scalableDimension",
            "serviceNamespace",
            "statusCode",
            "scaledToMax",
            "direction",
        ],
        "https://docs.aws.amazon.com/autoscaling/application/userguide/monitor-eventbridge.html",
    ),
    (
        "Backup Job State Change",
        &[
            "backupJobId",
            "backupVaultArn",
            "backupVaultName",
            "resourceArn",
            "resourceType",
            "state",
            "creationDate",
            "iamRoleArn",
            "percentDone",
            "createdBy",
        ],
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html",
    ),
    (
        "Copy Job State Change",
        &[
            "copyJobId",
            "creationDate",
            "iamRoleArn",
            "resourceArn",
            "resourceType",
            "sourceBackupVaultArn",
            "destinationBackupVaultArn",
            "state",
        ],
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html",
    ),
    (
        "Restore Job State Change",
        &[
            "restoreJobId",
            "status",
            "creationDate",
            "resourceType",
            "iamRoleArn",
            "percentDone",
        ],
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html",
    ),
    (
        "AWS Health Event",
        &[
            "eventArn",
            "service",
            "eventTypeCode",
            "eventTypeCategory",
            "eventScopeCode",
            "communicationId",
            "startTime",
            "statusCode",
            "eventRegion",
            "eventDescription",
            "page",
            "totalPages",
            "backupEvent",
            "affectedAccount",
        ],
        "https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html",
    ),
    // The detail is one finding as GetFindings returns it.
    (
        "GuardDuty Finding",
        &[
            "schemaVersion",
            "accountId",
            "region",
            "id",
            "arn",
            "type",
            "resource",
            "service",
            "severity",
            "createdAt",
            "updatedAt",
            "title",
            "description",
        ],
        "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html",
    ),
    // One ASFF finding in `findings`.
    (
        "Security Hub Findings - Imported",
        &["findings"],
        "https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html",
    ),
    (
        "RDS DB Instance Event",
        &[
            "EventCategories",
            "SourceType",
            "SourceArn",
            "Date",
            "Message",
            "SourceIdentifier",
            "EventID",
        ],
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-cloudwatch-events.sample.html",
    ),
    (
        "Scheduled Event",
        &[],
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html",
    ),
];

/// AWS Backup's example events for a job just CREATED carry far less than
/// the others: a sample in that state needs only these.
const DOCUMENTED_CREATED: &[(&str, &[&str])] = &[
    (
        "Backup Job State Change",
        &["backupJobId", "state", "creationDate"],
    ),
    (
        "Copy Job State Change",
        &[
            "creationDate",
            "state",
            "sourceBackupVaultArn",
            "destinationBackupVaultArn",
        ],
    ),
    (
        "Restore Job State Change",
        &["restoreJobId", "creationDate", "state"],
    ),
];

/// The envelope of every EventBridge event (AWS's and ours).
const ENVELOPE: &[&str] = &[
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
];

#[test]
fn every_eventbridge_sample_follows_the_example_aws_documents_or_is_our_own() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for dir in std::fs::read_dir(repo_root().join("events")).expect("events/") {
        for file in std::fs::read_dir(dir.expect("entry").path()).expect("dir") {
            let path = file.expect("entry").path();
            let Ok(raw) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(event) = serde_json::from_str::<serde_json::Value>(&raw) else {
                continue;
            };
            let Some(detail_type) = event["detail-type"].as_str() else {
                continue;
            };
            let name = path.display().to_string();
            let keys: Vec<&str> = event
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let mut envelope: Vec<&str> = ENVELOPE.to_vec();
            envelope.sort_unstable();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            if sorted != envelope {
                problems.push(format!(
                    "{name}: envelope {sorted:?}, AWS's is {envelope:?}"
                ));
            }
            let source = event["source"].as_str().unwrap_or_default();
            if source.starts_with("ops-automation.") {
                // Our own events (the scheduler's), documented in the README.
                continue;
            }
            let Some((_, fields, url)) = DOCUMENTED.iter().find(|(t, _, _)| *t == detail_type)
            else {
                problems.push(format!(
                    "{name}: `{detail_type}` is in no documented example this test knows"
                ));
                continue;
            };
            let created = DOCUMENTED_CREATED
                .iter()
                .find(|(t, _)| *t == detail_type)
                .filter(|_| event["detail"]["state"] == "CREATED");
            let fields = created.map_or(*fields, |(_, f)| *f);
            for field in fields {
                if event["detail"].get(field).is_none() {
                    problems.push(format!(
                        "{name}: detail lacks `{field}`, which AWS's example carries ({url})"
                    ));
                }
            }
            if !source.starts_with("aws.") {
                problems.push(format!("{name}: source `{source}` is not AWS's"));
            }
            checked += 1;
        }
    }
    assert!(checked >= 35, "only {checked} documented samples found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
