//! backup-verifier: RDS and EBS snapshots from the emulator; AWS Backup
//! recovery points, backup jobs, restore jobs and PutRestoreValidationResult
//! through `aws-smithy-mocks`, because the emulator does not implement those
//! APIs (they answer 404/500); a real PostgreSQL stands in for a restored
//! instance, whose endpoint comes from a mocked DescribeDBInstances (the
//! emulator's endpoints lead nowhere).

use std::time::Duration;

use aws_sdk_backup::operation::describe_recovery_point::DescribeRecoveryPointOutput;
use aws_sdk_backup::operation::describe_restore_job::DescribeRestoreJobOutput;
use aws_sdk_backup::operation::list_backup_jobs::ListBackupJobsOutput;
use aws_sdk_backup::operation::list_recovery_points_by_resource::{
    ListRecoveryPointsByResourceError, ListRecoveryPointsByResourceOutput,
};
use aws_sdk_backup::operation::put_restore_validation_result::PutRestoreValidationResultOutput;
use aws_sdk_backup::primitives::DateTime;
use aws_sdk_backup::types::{
    BackupJob, BackupJobState, Lifecycle, RecoveryPointByResource, RecoveryPointStatus,
    RestoreJobStatus, RestoreValidationStatus,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use backup_verifier::{Clients, Config, Deps, invoke};
use harness::emulator::Emulator;
use harness::fixtures::TopicWithQueue;
use harness::names::unique;
use harness::postgres::Postgres;
use serde_json::{Value, json};
use shared::config::{Common, DEFAULT_METRICS_NAMESPACE};
use shared::report::Report;
use shared::{Invocation, Publisher};

const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";
const FLAKY: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/payments";
const BROKEN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/sessions";
/// Its newest recovery point is AVAILABLE: created and ready, as COMPLETED.
const CARTS: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/carts";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-4bbb-8ccc-3333dddd4444";
/// The backup vault's key: what AWS Backup encrypts the types it fully
/// manages with, never an RDS or EBS backup.
const VAULT_KEY: &str =
    "arn:aws:kms:us-east-1:123456789012:key/5555eeee-6666-4fff-8aaa-7777bbbb8888";

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// One fresh recovery point of `resource`, listed only as AWS Backup's own
/// (`ManagedByAWSBackupOnly`), in a vault.
fn recovery_point(resource: &'static str, id: &'static str, status: RecoveryPointStatus) -> Rule {
    point_of(resource.into(), id.into(), now_secs() - 3600, status, "")
}

/// The one recovery point `id` of `resource`, created at `created`.
fn point_of(
    resource: String,
    id: String,
    created: i64,
    status: RecoveryPointStatus,
    message: &'static str,
) -> Rule {
    mock!(aws_sdk_backup::Client::list_recovery_points_by_resource)
        .match_requests(move |r| {
            r.resource_arn() == Some(resource.as_str())
                && r.managed_by_aws_backup_only() == Some(true)
        })
        .then_output(move || {
            ListRecoveryPointsByResourceOutput::builder()
                .recovery_points(
                    RecoveryPointByResource::builder()
                        .recovery_point_arn(format!(
                            "arn:aws:backup:us-east-1:123456789012:recovery-point:{id}"
                        ))
                        .creation_date(DateTime::from_secs(created))
                        .status(status.clone())
                        .status_message(message)
                        .encryption_key_arn(KEY)
                        .backup_vault_name("prod-vault")
                        .build(),
                )
                .build()
        })
}

/// AWS Backup as the tests need it (mocked: the emulator lacks it).
fn backup_rules() -> Vec<Rule> {
    vec![
        recovery_point(CARTS, "rp-carts-1", RecoveryPointStatus::Available),
        recovery_point(TABLE, "rp-orders-1", RecoveryPointStatus::Completed),
        mock!(aws_sdk_backup::Client::describe_recovery_point).then_output(|| {
            DescribeRecoveryPointOutput::builder()
                .is_encrypted(true)
                .encryption_key_arn(KEY)
                .lifecycle(Lifecycle::builder().delete_after_days(35).build())
                .build()
        }),
        mock!(aws_sdk_backup::Client::list_recovery_points_by_resource)
            .match_requests(|r| r.resource_arn() == Some(BROKEN))
            .then_error(|| {
                ListRecoveryPointsByResourceError::generic(
                    aws_sdk_backup::error::ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("not allowed")
                        .build(),
                )
            }),
        mock!(aws_sdk_backup::Client::list_recovery_points_by_resource)
            .then_output(|| ListRecoveryPointsByResourceOutput::builder().build()),
        mock!(aws_sdk_backup::Client::list_backup_jobs)
            .match_requests(|r| r.by_resource_arn() == Some(FLAKY))
            .then_output(move || {
                ListBackupJobsOutput::builder()
                    .backup_jobs(
                        BackupJob::builder()
                            .backup_job_id("job-payments-1")
                            .state(BackupJobState::Failed)
                            .creation_date(DateTime::from_secs(now_secs() - 7200))
                            .status_message("Insufficient privileges")
                            .build(),
                    )
                    .build()
            }),
        mock!(aws_sdk_backup::Client::list_backup_jobs)
            .then_output(|| ListBackupJobsOutput::builder().build()),
    ]
}

struct Setup {
    deps: Deps,
    /// The function's ARN names the account of tagged EBS volumes.
    invocation: Invocation,
    sink: TopicWithQueue,
    rds: aws_sdk_rds::Client,
    ec2: aws_sdk_ec2::Client,
    tag: String,
}

async fn setup(
    prefix: &str,
    backup: aws_sdk_backup::Client,
    rds: Option<aws_sdk_rds::Client>,
) -> Setup {
    let sdk = Emulator::shared().sdk_config().await;
    let sink = TopicWithQueue::create(&sdk, prefix, None)
        .await
        .expect("topic");
    let mut config = Config::new(Common {
        topic_arn: sink.topic_arn.clone(),
        environment: "test".into(),
        dry_run: false,
        metrics_namespace: DEFAULT_METRICS_NAMESPACE.into(),
    });
    // A tag key of its own: resources of other tests are not this test's.
    let tag = unique("backup-rpo");
    config.tag_key = tag.clone();
    let moto_rds = aws_sdk_rds::Client::new(&sdk);
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let deps = Deps {
        config,
        clients: Clients {
            backup,
            rds: rds.unwrap_or_else(|| moto_rds.clone()),
            ec2: ec2.clone(),
            secrets: aws_sdk_secretsmanager::Client::new(&sdk),
        },
        publisher: Publisher::new(aws_sdk_sns::Client::new(&sdk), &sink.topic_arn),
        region: "us-east-1".into(),
    };
    Setup {
        deps,
        invocation: Invocation::unbounded(
            "arn:aws:lambda:us-east-1:123456789012:function:backup-verifier",
        ),
        sink,
        rds: moto_rds,
        ec2,
        tag,
    }
}

/// A verify run thirty hours from now (the command's `time`).
async fn verify_in_30_hours(s: &Setup) -> Report {
    let later = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(30))
        .expect("time");
    invoke(
        json!({"action": "verify", "time": later.to_string()}),
        &s.invocation,
        &s.deps,
    )
    .await
    .expect("verified")
}

/// The verdict and detail of the resource named `name`, empty when absent.
fn status_of(v: &[(String, String, String)], name: &str) -> (String, String) {
    v.iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, s, d)| (s.clone(), d.clone()))
        .unwrap_or_default()
}

fn verdicts(report: &Report) -> Vec<(String, String, String)> {
    report
        .seen
        .iter()
        .map(|e| {
            (
                e.target
                    .rsplit([':', '/'])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                e.action.clone().unwrap_or_default(),
                e.detail.as_ref().map(|d| d.to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

async fn rds_instance(s: &Setup, encrypted: bool, snapshot: bool) -> String {
    let id = unique("db");
    rds_instance_named(s, &id, encrypted, snapshot).await;
    id
}

async fn rds_instance_named(s: &Setup, id: &str, encrypted: bool, snapshot: bool) {
    let mut create = s
        .rds
        .create_db_instance()
        .db_instance_identifier(id)
        .db_instance_class("db.t4g.micro")
        .engine("postgres")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("not-a-real-password-1")
        .tags(
            aws_sdk_rds::types::Tag::builder()
                .key(&s.tag)
                .value("24")
                .build(),
        );
    if encrypted {
        create = create.storage_encrypted(true).kms_key_id(KEY);
    }
    create.send().await.expect("instance");
    if snapshot {
        s.rds
            .create_db_snapshot()
            .db_instance_identifier(id)
            .db_snapshot_identifier(unique("snap"))
            .send()
            .await
            .expect("snapshot");
    }
}

async fn ebs_volume(s: &Setup) -> String {
    let volume = s
        .ec2
        .create_volume()
        .availability_zone("us-east-1a")
        .size(8)
        .encrypted(true)
        .kms_key_id(KEY)
        .tag_specifications(
            aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::Volume)
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key(&s.tag)
                        .value("")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("volume")
        .volume_id
        .expect("id");
    // The emulator's CreateSnapshot leaves out the volume's key, which AWS
    // always reports for an encrypted snapshot; its CopySnapshot keeps the
    // key it is given. So the snapshot judged is a copy under the volume's
    // key, as AWS would describe the original.
    let original = s
        .ec2
        .create_snapshot()
        .volume_id(&volume)
        .send()
        .await
        .expect("snapshot")
        .snapshot_id
        .expect("id");
    s.ec2
        .copy_snapshot()
        .source_snapshot_id(&original)
        .source_region("us-east-1")
        .encrypted(true)
        .kms_key_id(KEY)
        .send()
        .await
        .expect("copy");
    s.ec2
        .delete_snapshot()
        .snapshot_id(&original)
        .send()
        .await
        .expect("delete");
    volume
}

#[tokio::test]
async fn daily_verification_finds_ok_violations_and_unknowns() {
    let rules = backup_rules();
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &rules.iter().collect::<Vec<_>>()
    );
    let mut s = setup("verify", backup, None).await;
    s.deps.config.resource_arns = vec![TABLE.into(), FLAKY.into(), BROKEN.into(), CARTS.into()];
    // RDS and EBS backups are held to their resource's own key (KEY).
    let good = rds_instance(&s, true, true).await;
    let plain = rds_instance(&s, false, true).await;
    let short = rds_instance(&s, true, false).await;
    let volume = ebs_volume(&s).await;

    let report = invoke(json!({"action": "verify"}), &s.invocation, &s.deps)
        .await
        .expect("verified");
    let v = verdicts(&report);
    let status = |name: &str| status_of(&v, name);
    assert_eq!(status(&good).0, "OK", "{v:#?}");
    assert_eq!(status(&volume).0, "OK", "EBS snapshot found: {v:#?}");
    assert_eq!(
        status("orders").0,
        "OK",
        "AWS Backup recovery point: {v:#?}"
    );
    assert_eq!(
        status("carts").0,
        "OK",
        "an AVAILABLE recovery point is a finished backup: {v:#?}"
    );
    let (plain_status, plain_detail) = status(&plain);
    assert_eq!(plain_status, "VIOLATION");
    assert!(plain_detail.contains("not encrypted"), "{plain_detail}");
    // Only the automated snapshot RDS takes at creation, kept 1 day (the
    // default retention): short of the 7 days required.
    let (short_status, short_detail) = status(&short);
    assert_eq!(short_status, "VIOLATION", "{short_detail}");
    assert!(
        short_detail.contains("kept 1 days: at least 7 are required"),
        "{short_detail}"
    );
    let (flaky_status, flaky_detail) = status("payments");
    assert_eq!(flaky_status, "VIOLATION");
    assert!(
        flaky_detail.contains("job-payments-1 FAILED"),
        "{flaky_detail}"
    );
    let (broken_status, broken_detail) = status("sessions");
    assert_eq!(broken_status, "UNKNOWN", "a lookup that fails is never OK");
    assert!(
        broken_detail.contains("AccessDeniedException"),
        "{broken_detail}"
    );

    let summary = s.sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].attribute("severity"), Some("ERROR"));
    assert_eq!(
        summary[0].subject.as_deref(),
        Some("[ERROR] Backups: 4 OK, 3 violations, 1 unknown")
    );

    // Thirty hours later nothing new was taken: every snapshot is stale.
    let report = verify_in_30_hours(&s).await;
    let v = verdicts(&report);
    let stale = status_of(&v, &good);
    assert_eq!(stale.0, "VIOLATION");
    assert!(stale.1.contains("the RPO is 24 h"), "{}", stale.1);
}

/// RDS and EBS backups keep their resource's key (AWS Backup encrypts only
/// the types it fully manages with the vault's key): each is held to its
/// own key, the vault key to the rest, and a key named for a resource wins.
/// Held to the vault key, every RDS and EBS backup was a daily VIOLATION.
#[tokio::test]
async fn each_backup_is_held_to_its_resource_s_own_key_and_the_vault_key_where_it_applies() {
    let rules = backup_rules();
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &rules.iter().collect::<Vec<_>>()
    );
    let mut s = setup("keys", backup, None).await;
    s.deps.config.resource_arns = vec![TABLE.into()];
    s.deps.config.kms_key = Some(VAULT_KEY.into());
    let db = rds_instance(&s, true, true).await;
    let pinned = rds_instance(&s, true, true).await;
    let volume = ebs_volume(&s).await;
    s.deps.config.kms_keys.insert(
        format!("arn:aws:rds:us-east-1:123456789012:db:{pinned}"),
        VAULT_KEY.into(),
    );

    let report = invoke(json!({"action": "verify"}), &s.invocation, &s.deps)
        .await
        .expect("verified");
    let v = verdicts(&report);
    let status = |name: &str| status_of(&v, name);
    assert_eq!(status(&db).0, "OK", "its own key: {v:#?}");
    assert_eq!(status(&volume).0, "OK", "its own key: {v:#?}");
    let (pinned_status, pinned_detail) = status(&pinned);
    assert_eq!(pinned_status, "VIOLATION", "{v:#?}");
    assert!(
        pinned_detail.contains(&format!("not the expected key {VAULT_KEY}")),
        "{pinned_detail}"
    );
    let (table_status, table_detail) = status("orders");
    assert_eq!(table_status, "VIOLATION", "the vault key applies: {v:#?}");
    assert!(
        table_detail.contains(&format!("encrypted with {KEY}")),
        "{table_detail}"
    );
}

/// A continuous backup started days ago is as fresh as the resource's
/// latest restorable time (it was aged by when it started: a daily false
/// VIOLATION), and one AWS Backup has STOPPED is called out.
#[tokio::test]
async fn a_continuous_backup_is_aged_by_its_latest_restorable_time_and_a_stopped_one_called_out() {
    let (pitr, stopped) = (unique("pitr"), unique("stopped"));
    let arn = |id: &str| format!("arn:aws:rds:us-east-1:123456789012:db:{id}");
    let ten_days_ago = now_secs() - 10 * 86_400;
    let mut rules = vec![
        point_of(
            arn(&pitr),
            format!("continuous:db-{pitr}-1a2b3c4d"),
            ten_days_ago,
            RecoveryPointStatus::Completed,
            "",
        ),
        point_of(
            arn(&stopped),
            format!("continuous:db-{stopped}-1a2b3c4d"),
            ten_days_ago,
            RecoveryPointStatus::Stopped,
            "The backup rule's retention period was changed.",
        ),
    ];
    rules.extend(backup_rules());
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &rules.iter().collect::<Vec<_>>()
    );
    let s = setup("pitr", backup, None).await;
    rds_instance_named(&s, &pitr, true, false).await;
    rds_instance_named(&s, &stopped, true, false).await;

    let report = invoke(json!({"action": "verify"}), &s.invocation, &s.deps)
        .await
        .expect("verified");
    let v = verdicts(&report);
    assert_eq!(status_of(&v, &pitr).0, "OK", "{v:#?}");
    let (stopped_status, stopped_detail) = status_of(&v, &stopped);
    assert_eq!(stopped_status, "VIOLATION", "{v:#?}");
    assert!(
        stopped_detail.contains("is STOPPED: point-in-time restore no longer advances (The backup rule's retention period was changed.)"),
        "{stopped_detail}"
    );

    // Thirty hours on, the latest restorable time the emulator gave (now)
    // is past the RPO: the continuous backup is judged by it.
    let report = verify_in_30_hours(&s).await;
    let (late_status, late_detail) = status_of(&verdicts(&report), &pitr);
    assert_eq!(late_status, "VIOLATION");
    assert!(
        late_detail.contains("the latest restorable time of the continuous backup"),
        "{late_detail}"
    );
}

/// An Aurora cluster with the tag of its own, and a member instance
/// carrying the tag of an untagged cluster.
async fn aurora_cluster(s: &Setup, tagged: bool, member_tagged: bool) -> String {
    let id = unique("aurora");
    let tag = aws_sdk_rds::types::Tag::builder()
        .key(&s.tag)
        .value("24")
        .build();
    let mut create = s
        .rds
        .create_db_cluster()
        .db_cluster_identifier(&id)
        .engine("aurora-postgresql")
        .master_username("app")
        .master_user_password("not-a-real-password-1")
        .storage_encrypted(true)
        .kms_key_id(KEY);
    if tagged {
        create = create.tags(tag.clone());
    }
    create.send().await.expect("cluster");
    let mut member = s
        .rds
        .create_db_instance()
        .db_instance_identifier(format!("{id}-1"))
        .db_cluster_identifier(&id)
        .db_instance_class("db.t4g.medium")
        .engine("aurora-postgresql");
    if member_tagged {
        member = member.tags(tag);
    }
    member.send().await.expect("member");
    s.rds
        .create_db_cluster_snapshot()
        .db_cluster_identifier(&id)
        .db_cluster_snapshot_identifier(unique("cluster-snap"))
        .send()
        .await
        .expect("cluster snapshot");
    id
}

/// Clusters are backed up as a whole: a tagged cluster is found and judged
/// by its cluster snapshots, and a tagged member instance (which has no
/// backups of its own: it was "no backup found") stands for its cluster.
#[tokio::test]
async fn clusters_are_verified_as_a_whole_and_a_tagged_member_stands_for_its_cluster() {
    let rules = backup_rules();
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &rules.iter().collect::<Vec<_>>()
    );
    let s = setup("clusters", backup, None).await;
    let tagged = aurora_cluster(&s, true, false).await;
    let by_member = aurora_cluster(&s, false, true).await;

    let report = invoke(json!({"action": "verify"}), &s.invocation, &s.deps)
        .await
        .expect("verified");
    let v = verdicts(&report);
    assert_eq!(v.len(), 2, "the clusters, not their members: {v:#?}");
    let (status, detail) = status_of(&v, &tagged);
    assert_eq!(status, "OK", "{v:#?}");
    assert!(detail.contains("rds-cluster-snapshot"), "{detail}");
    let (status, detail) = status_of(&v, &by_member);
    assert_eq!(status, "OK", "{v:#?}");
    assert!(
        detail.contains(&format!("tagged member instance {by_member}-1")),
        "{detail}"
    );
}

#[tokio::test]
async fn failed_backup_and_copy_jobs_alert_at_once_and_a_completed_one_does_not() {
    let rules = backup_rules();
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &rules.iter().collect::<Vec<_>>()
    );
    let s = setup("jobs", backup, None).await;
    let failed =
        harness::sample_event("backup-verifier", "backup_job-failed.json").expect("sample");
    let report = invoke(failed, &s.invocation, &s.deps).await.expect("alert");
    assert_eq!(report.done.len(), 1);
    let completed =
        harness::sample_event("backup-verifier", "backup_job-completed.json").expect("sample");
    let quiet = invoke(completed, &s.invocation, &s.deps)
        .await
        .expect("quiet");
    assert_eq!(quiet.skipped.len(), 1);
    let alerts = s.sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0].subject.as_deref(),
        Some("[ERROR] Backup job FAILED: orders-prod")
    );
    assert!(alerts[0].message.contains("Insufficient privileges"));

    // A copy to another account's vault that failed: refused as an unknown
    // event before, so a broken DR copy went unheard.
    let copy =
        harness::sample_event("backup-verifier", "backup_copy-job-failed.json").expect("sample");
    let report = invoke(copy, &s.invocation, &s.deps).await.expect("alert");
    assert_eq!(report.done.len(), 1, "{report:#?}");
    let alerts = s.sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0].subject.as_deref(),
        Some("[ERROR] Copy job FAILED: orders-prod")
    );
    assert!(
        alerts[0].message.contains("CopyIntoBackupVault")
            && alerts[0]
                .message
                .contains("arn:aws:backup:eu-west-1:210987654321:backup-vault:dr-vault"),
        "{}",
        alerts[0].message
    );
}

/// Mocked restore job and restored instance; a real PostgreSQL answers.
async fn restore_setup(prefix: &str, checks: Value, timeout_seconds: u64) -> (Setup, Rule, Rule) {
    let pg = Postgres::shared();
    let mut admin = pg.connect_superuser().await.expect("admin");
    let table = unique("orders").replace('-', "_");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE {table} (id int); INSERT INTO {table} VALUES (1), (2), (3)"
    )))
    .execute(&mut admin)
    .await
    .expect("table");
    let checks =
        serde_json::from_str::<Value>(&checks.to_string().replace("TABLE", &table)).expect("json");

    let restore_job = mock!(aws_sdk_backup::Client::describe_restore_job).then_output(|| {
        DescribeRestoreJobOutput::builder()
            .restore_job_id("9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a")
            .status(RestoreJobStatus::Completed)
            .source_resource_arn("arn:aws:rds:us-east-1:123456789012:db:orders-prod")
            .created_resource_arn(
                "arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-9d8c7b6a",
            )
            .build()
    });
    let recorded = mock!(aws_sdk_backup::Client::put_restore_validation_result)
        .then_output(|| PutRestoreValidationResultOutput::builder().build());
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &[&restore_job, &recorded]
    );
    let port = pg.port as i32;
    let endpoint = mock!(aws_sdk_rds::Client::describe_db_instances).then_output(move || {
        aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput::builder()
            .db_instances(
                aws_sdk_rds::types::DbInstance::builder()
                    .db_instance_identifier("awsbackup-restore-test-9d8c7b6a")
                    .endpoint(
                        aws_sdk_rds::types::Endpoint::builder()
                            .address("localhost")
                            .port(port)
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, &[&endpoint]);
    let mut s = setup(prefix, backup, Some(rds)).await;
    let secret = master_secret(&s, pg, "orders-master").await;
    s.deps.config.ca_bundle = pg.ca_file.clone();
    s.deps.config.validation_timeout_seconds = timeout_seconds;
    s.deps.config.validations = serde_json::from_value(json!({
        "orders-prod": {"secret_arn": secret, "dbname": "postgres", "checks": checks}
    }))
    .expect("validations");
    (s, recorded, restore_job)
}

/// A master secret holding the real PostgreSQL's superuser login.
async fn master_secret(s: &Setup, pg: &Postgres, name: &str) -> String {
    s.deps
        .clients
        .secrets
        .create_secret()
        .name(unique(name))
        .secret_string(
            json!({"username": pg.superuser, "password": pg.superuser_password()}).to_string(),
        )
        .send()
        .await
        .expect("secret")
        .arn
        .expect("arn")
}

fn restore_event() -> Value {
    harness::sample_event("backup-verifier", "restore_job-completed.json").expect("sample")
}

#[tokio::test]
async fn restore_validation_passes_when_the_checks_hold_and_records_it() {
    let checks = json!([
        {"name": "orders restored", "sql": "SELECT id FROM TABLE", "min_rows": 3},
        {"sql": "SELECT count(*)::text FROM TABLE", "equals": "3"}
    ]);
    let (s, recorded, _) = restore_setup("restore-ok", checks, 30).await;
    let report = invoke(restore_event(), &s.invocation, &s.deps)
        .await
        .expect("validated");
    assert_eq!(report.done.len(), 1, "{report:#?}");
    assert_eq!(
        report.done[0].action.as_deref(),
        Some("validation SUCCESSFUL")
    );
    assert_eq!(
        recorded.num_calls(),
        1,
        "the result was recorded with PutRestoreValidationResult"
    );
}

/// The restored instance keeps the password of its snapshot's time: the
/// master secret rotated since (a wrong AWSCURRENT now) still validates,
/// with the AWSPREVIOUS version.
#[tokio::test]
async fn a_restore_from_before_a_rotation_logs_in_with_the_previous_password() {
    let checks = json!([{"sql": "SELECT count(*)::text FROM TABLE", "equals": "3"}]);
    let (s, recorded, _) = restore_setup("restore-rotated", checks, 30).await;
    let secret = s.deps.config.validations["orders-prod"].secret_arn.clone();
    let pg = Postgres::shared();
    s.deps
        .clients
        .secrets
        .put_secret_value()
        .secret_id(&secret)
        .secret_string(
            json!({"username": pg.superuser, "password": "rotated-since-the-snapshot-1"})
                .to_string(),
        )
        .send()
        .await
        .expect("rotated");
    let report = invoke(restore_event(), &s.invocation, &s.deps)
        .await
        .expect("validated");
    assert_eq!(
        report.done.first().and_then(|e| e.action.as_deref()),
        Some("validation SUCCESSFUL"),
        "{report:#?}"
    );
    assert_eq!(recorded.num_calls(), 1);
}

#[tokio::test]
async fn restore_validation_fails_with_the_reason_and_alerts() {
    let checks =
        json!([{"name": "orders restored", "sql": "SELECT id FROM TABLE", "min_rows": 10}]);
    let (s, recorded, _) = restore_setup("restore-bad", checks, 30).await;
    let report = invoke(restore_event(), &s.invocation, &s.deps)
        .await
        .expect("validated");
    assert_eq!(report.failed.len(), 1);
    assert_eq!(
        report.failed[0].action.as_deref(),
        Some("validation FAILED")
    );
    assert_eq!(
        report.failed[0].reason.as_deref(),
        Some("orders restored: 3 rows, at least 10 expected")
    );
    assert_eq!(recorded.num_calls(), 1);
    let alert = s.sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(alert[0].attribute("severity"), Some("ERROR"));
    let _ = RestoreValidationStatus::Failed;
}

/// Checks run read-only: one that would change the restored data fails and
/// changes nothing, and the next check starts clean and sees all the data.
#[tokio::test]
async fn a_check_that_would_write_fails_and_changes_nothing() {
    let checks = json!([
        {"name": "tamper", "sql": "DELETE FROM TABLE", "min_rows": 0},
        {"name": "still there", "sql": "SELECT count(*)::text FROM TABLE", "equals": "3"}
    ]);
    let (s, _, _) = restore_setup("restore-readonly", checks, 30).await;
    let report = invoke(restore_event(), &s.invocation, &s.deps)
        .await
        .expect("validated");
    let reason = report
        .failed
        .first()
        .and_then(|e| e.reason.clone())
        .unwrap_or_default();
    assert!(
        reason.starts_with("tamper: ") && reason.contains("read-only transaction"),
        "{report:#?}"
    );
    assert!(
        !reason.contains("still there"),
        "the data is intact: {reason}"
    );
}

#[tokio::test]
async fn restore_validation_times_out_cleanly() {
    let checks = json!([{"name": "slow", "sql": "SELECT pg_sleep(5)::text", "min_rows": 1}]);
    let (s, recorded, _) = restore_setup("restore-slow", checks, 1).await;
    let report = invoke(restore_event(), &s.invocation, &s.deps)
        .await
        .expect("validated");
    assert_eq!(
        report.failed[0].action.as_deref(),
        Some("validation TIMED_OUT")
    );
    assert_eq!(recorded.num_calls(), 1);
}

#[tokio::test]
async fn a_dry_run_validation_checks_but_records_nothing() {
    let checks = json!([{"sql": "SELECT id FROM TABLE", "min_rows": 1}]);
    let (s, recorded, _) = restore_setup("restore-dry", checks, 30).await;
    let report = invoke(
        json!({"action": "validate", "restore_job_id": "9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a", "dry_run": true}),
        &s.invocation, &s.deps,
    )
    .await
    .expect("planned");
    assert_eq!(report.planned.len(), 1);
    assert_eq!(
        report.planned[0].action.as_deref(),
        Some("validation SUCCESSFUL")
    );
    assert_eq!(recorded.num_calls(), 0, "a dry run records nothing");
}

#[tokio::test]
async fn bad_input_names_what_is_wrong() {
    let rules = backup_rules();
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &rules.iter().collect::<Vec<_>>()
    );
    let s = setup("bad", backup, None).await;
    for (payload, says) in [
        (json!({"action": "validate"}), "restore_job_id"),
        (json!({"action": "audit"}), "unknown action"),
        (
            json!({"detail-type": "EC2 Instance State-change Notification", "detail": {}}),
            "not for this function",
        ),
        (json!([1]), "expected a JSON object"),
        (
            json!({"action": "verify", "time": "yesterday"}),
            "not RFC 3339",
        ),
    ] {
        // Refused without retry: nothing checked, the reason reported, and
        // a person told once.
        let report = invoke(payload, &s.invocation, &s.deps).await.expect(says);
        assert!(report.seen.is_empty(), "{report:#?}");
        s.sink
            .assert_refused(&report, "backup-verifier", says)
            .await;
    }
}

/// A restore test that cannot be validated always reaches a person: a
/// restore job that cannot be read for good (denied) alerts at once; one
/// throttled fails the invocation so Lambda retries it (then the failures
/// queue and its alarm); one with no checks configured warns.
#[tokio::test]
async fn a_restore_test_that_cannot_be_validated_reaches_a_person() {
    use aws_sdk_backup::operation::describe_restore_job::DescribeRestoreJobError;
    let error = |code: &'static str| {
        move || {
            DescribeRestoreJobError::generic(
                aws_sdk_backup::error::ErrorMetadata::builder()
                    .code(code)
                    .message("injected")
                    .build(),
            )
        }
    };
    let denied = mock!(aws_sdk_backup::Client::describe_restore_job)
        .match_requests(|r| r.restore_job_id() == Some("denied-job"))
        .then_error(error("AccessDeniedException"));
    let throttled = mock!(aws_sdk_backup::Client::describe_restore_job)
        .match_requests(|r| r.restore_job_id() == Some("throttled-job"))
        .then_error(error("ThrottlingException"));
    let backup = mock_client!(aws_sdk_backup, RuleMode::MatchAny, &[&denied, &throttled]);
    let s = setup("unvalidated", backup, None).await;

    let report = invoke(
        json!({"action": "validate", "restore_job_id": "denied-job"}),
        &s.invocation,
        &s.deps,
    )
    .await
    .expect("reported");
    assert_eq!(report.failed.len(), 1, "{report:#?}");
    let told = s.sink.drain(Duration::from_secs(2)).await.expect("drain");
    assert_eq!(told.len(), 1);
    assert_eq!(
        told[0].subject.as_deref(),
        Some("[ERROR] Restore test denied-job cannot be validated")
    );
    assert!(
        told[0]
            .message
            .contains("backup:DescribeRestoreJob failed: AccessDeniedException: injected"),
        "{}",
        told[0].message
    );

    let err = invoke(
        json!({"action": "validate", "restore_job_id": "throttled-job"}),
        &s.invocation,
        &s.deps,
    )
    .await
    .expect_err("retried by Lambda");
    assert_eq!(
        shared::aws::error_type(err.kind(), err.class()),
        "RestoreJobUnreadable.Throttled",
        "{err}"
    );

    let (mut unconfigured, _, _) = restore_setup("no-checks", json!([]), 10).await;
    unconfigured.deps.config.validations = Default::default();
    let report = invoke(
        restore_event(),
        &unconfigured.invocation,
        &unconfigured.deps,
    )
    .await
    .expect("reported");
    assert_eq!(report.skipped.len(), 1, "{report:#?}");
    let told = unconfigured
        .sink
        .drain(Duration::from_secs(2))
        .await
        .expect("drain");
    assert_eq!(told.len(), 1);
    assert!(
        told[0]
            .subject
            .as_deref()
            .is_some_and(|s| s.starts_with("[WARNING] Restore test")),
        "{:?}",
        told[0].subject
    );
}

/// A repeated delivery of a restore already validated, and a manual
/// `validate` of a restore still running, run nothing and record nothing.
#[tokio::test]
async fn a_restore_already_validated_or_not_completed_is_left_alone() {
    let job =
        |id: &'static str, status: RestoreJobStatus, validated: Option<RestoreValidationStatus>| {
            mock!(aws_sdk_backup::Client::describe_restore_job)
                .match_requests(move |r| r.restore_job_id() == Some(id))
                .then_output(move || {
                    DescribeRestoreJobOutput::builder()
                        .restore_job_id(id)
                        .status(status.clone())
                        .set_validation_status(validated.clone())
                        .source_resource_arn("arn:aws:rds:us-east-1:123456789012:db:orders-prod")
                        .created_resource_arn("arn:aws:rds:us-east-1:123456789012:db:restored")
                        .build()
                })
        };
    let validated = job(
        "validated-job",
        RestoreJobStatus::Completed,
        Some(RestoreValidationStatus::Successful),
    );
    let running = job("running-job", RestoreJobStatus::Running, None);
    let recorded = mock!(aws_sdk_backup::Client::put_restore_validation_result)
        .then_output(|| PutRestoreValidationResultOutput::builder().build());
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &[&validated, &running, &recorded]
    );
    let s = setup("idempotent", backup, None).await;
    for (id, why) in [
        ("validated-job", "already validated (SUCCESSFUL)"),
        ("running-job", "restore job is RUNNING"),
    ] {
        let report = invoke(
            json!({"action": "validate", "restore_job_id": id}),
            &s.invocation,
            &s.deps,
        )
        .await
        .expect("handled");
        assert!(
            report
                .skipped
                .iter()
                .any(|e| e.reason.as_deref().is_some_and(|r| r.contains(why))),
            "{report:#?}"
        );
    }
    assert_eq!(recorded.num_calls(), 0, "nothing recorded over a result");
    assert!(
        s.sink
            .drain(Duration::from_secs(1))
            .await
            .expect("drain")
            .is_empty()
    );
}

/// AWS Backup restores an Aurora cluster without any instance, so its
/// checks could never run (a cluster's restore test was always FAILED):
/// the verifier adds an instance tagged with the restore job and marks the
/// job VALIDATING; RDS's "DB instance created" event (the sample, which
/// carries the tag) runs the checks at the cluster's endpoint, records the
/// result and deletes the instance. RDS and AWS Backup are mocked (the
/// emulator's cluster endpoints lead nowhere); PostgreSQL is real.
#[tokio::test]
async fn a_restored_cluster_gets_an_instance_its_checks_run_on_then_loses_it() {
    use aws_sdk_rds::operation::create_db_instance::CreateDbInstanceOutput;
    use aws_sdk_rds::operation::delete_db_instance::DeleteDbInstanceOutput;
    use aws_sdk_rds::operation::describe_db_clusters::DescribeDbClustersOutput;
    use aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    const CLUSTER: &str = "awsbackup-restore-test-5e6f7a8b";
    const JOB: &str = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
    let pg = Postgres::shared();
    let port = pg.port as i32;
    let restore_job = mock!(aws_sdk_backup::Client::describe_restore_job).then_output(|| {
        DescribeRestoreJobOutput::builder()
            .restore_job_id(JOB)
            .status(RestoreJobStatus::Completed)
            .source_resource_arn("arn:aws:rds:us-east-1:123456789012:cluster:orders-aurora")
            .created_resource_arn(format!(
                "arn:aws:rds:us-east-1:123456789012:cluster:{CLUSTER}"
            ))
            .build()
    });
    let recorded = |status: RestoreValidationStatus| {
        mock!(aws_sdk_backup::Client::put_restore_validation_result)
            .match_requests(move |r| r.validation_status() == Some(&status))
            .then_output(|| PutRestoreValidationResultOutput::builder().build())
    };
    let (validating, successful) = (
        recorded(RestoreValidationStatus::Validating),
        recorded(RestoreValidationStatus::Successful),
    );
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &[&restore_job, &validating, &successful]
    );

    let created = Arc::new(AtomicBool::new(false));
    let cluster = mock!(aws_sdk_rds::Client::describe_db_clusters).then_output(move || {
        DescribeDbClustersOutput::builder()
            .db_clusters(
                aws_sdk_rds::types::DbCluster::builder()
                    .db_cluster_identifier(CLUSTER)
                    .engine("aurora-postgresql")
                    .endpoint("localhost")
                    .port(port)
                    .build(),
            )
            .build()
    });
    let seen = created.clone();
    let instances = mock!(aws_sdk_rds::Client::describe_db_instances).then_output(move || {
        let mut out = DescribeDbInstancesOutput::builder();
        if seen.load(Ordering::SeqCst) {
            out = out.db_instances(
                aws_sdk_rds::types::DbInstance::builder()
                    .db_instance_identifier(format!("{CLUSTER}-verify"))
                    .db_cluster_identifier(CLUSTER)
                    .db_instance_status("available")
                    .tag_list(
                        aws_sdk_rds::types::Tag::builder()
                            .key("backup-verifier:restore-job")
                            .value(JOB)
                            .build(),
                    )
                    .build(),
            );
        }
        out.build()
    });
    let flag = created.clone();
    let create = mock!(aws_sdk_rds::Client::create_db_instance)
        .match_requests(move |r| {
            let ours = r.db_cluster_identifier() == Some(CLUSTER)
                && r.db_instance_identifier() == Some(&format!("{CLUSTER}-verify"))
                && r.engine() == Some("aurora-postgresql")
                && r.db_instance_class() == Some("db.t4g.medium")
                && r.tags().iter().any(|t| {
                    t.key() == Some("backup-verifier:restore-job") && t.value() == Some(JOB)
                });
            flag.store(ours, Ordering::SeqCst);
            ours
        })
        .then_output(|| CreateDbInstanceOutput::builder().build());
    let delete = mock!(aws_sdk_rds::Client::delete_db_instance)
        .match_requests(|r| {
            r.db_instance_identifier() == Some(&format!("{CLUSTER}-verify"))
                && r.skip_final_snapshot() == Some(true)
        })
        .then_output(|| DeleteDbInstanceOutput::builder().build());
    let rds = mock_client!(
        aws_sdk_rds,
        RuleMode::MatchAny,
        &[&cluster, &instances, &create, &delete]
    );
    let mut s = setup("restore-cluster", backup, Some(rds)).await;
    let secret = master_secret(&s, pg, "aurora-master").await;
    s.deps.config.ca_bundle = pg.ca_file.clone();
    s.deps.config.validations = serde_json::from_value(json!({
        "orders-aurora": {"secret_arn": secret, "dbname": "postgres",
                          "checks": [{"sql": "SELECT 1", "min_rows": 1}]}
    }))
    .expect("validations");

    let first = invoke(
        json!({"action": "validate", "restore_job_id": JOB}),
        &s.invocation,
        &s.deps,
    )
    .await
    .expect("instance added");
    assert_eq!(create.num_calls(), 1, "{first:#?}");
    assert_eq!(validating.num_calls(), 1, "marked VALIDATING");
    assert_eq!(successful.num_calls(), 0, "no checks yet");

    let event =
        harness::sample_event("backup-verifier", "rds_db-instance-created.json").expect("sample");
    let second = invoke(event, &s.invocation, &s.deps)
        .await
        .expect("validated");
    assert_eq!(successful.num_calls(), 1, "{second:#?}");
    assert_eq!(delete.num_calls(), 1, "the added instance is deleted");
    let actions: Vec<&str> = second
        .done
        .iter()
        .filter_map(|e| e.action.as_deref())
        .collect();
    assert_eq!(
        actions,
        [
            "validation SUCCESSFUL",
            "delete the instance added for the checks"
        ],
        "{second:#?}"
    );

    // Anyone else's new instance is none of its business.
    let other = harness::sample_event("backup-verifier", "rds_db-instance-created-untagged.json")
        .expect("sample");
    let third = invoke(other, &s.invocation, &s.deps)
        .await
        .expect("skipped");
    assert_eq!(third.skipped.len(), 1, "{third:#?}");
    assert_eq!(
        (
            create.num_calls(),
            successful.num_calls(),
            delete.num_calls()
        ),
        (1, 1, 1)
    );
}

/// A backup rule that copies to other vaults (another region, another
/// account) is met only when the copies arrive: each destination needs a
/// completed copy within the RPO plus COPY_GRACE_HOURS, failed copies are
/// violations, and each destination's newest copy age is reported.
/// Copies were never looked at before. AWS Backup is mocked.
#[tokio::test]
async fn copies_a_backup_rule_asks_for_are_verified_per_destination() {
    use aws_sdk_backup::operation::get_backup_plan::GetBackupPlanOutput;
    use aws_sdk_backup::operation::list_copy_jobs::ListCopyJobsOutput;
    use aws_sdk_backup::types::{
        BackupPlan, BackupRule, CopyAction, CopyJob, CopyJobState, RecoveryPointCreator,
    };

    const LEDGER: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/ledger";
    const INVOICES: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/invoices";
    const DR: &str = "arn:aws:backup:eu-west-1:210987654321:backup-vault:dr-vault";
    const WEST: &str = "arn:aws:backup:us-west-2:123456789012:backup-vault:west-vault";
    let described = mock!(aws_sdk_backup::Client::describe_recovery_point)
        .match_requests(|r| {
            r.recovery_point_arn()
                .is_some_and(|a| a.ends_with("rp-ledger-1") || a.ends_with("rp-invoices-1"))
        })
        .then_output(|| {
            DescribeRecoveryPointOutput::builder()
                .is_encrypted(true)
                .encryption_key_arn(KEY)
                .lifecycle(Lifecycle::builder().delete_after_days(35).build())
                .created_by(
                    RecoveryPointCreator::builder()
                        .backup_plan_id("plan-daily")
                        .backup_rule_id("rule-daily")
                        .build(),
                )
                .build()
        });
    let plan = mock!(aws_sdk_backup::Client::get_backup_plan)
        .match_requests(|r| r.backup_plan_id() == Some("plan-daily"))
        .then_output(|| {
            let copy = |vault: &str| {
                CopyAction::builder()
                    .destination_backup_vault_arn(vault)
                    .build()
                    .expect("copy action")
            };
            GetBackupPlanOutput::builder()
                .backup_plan(
                    BackupPlan::builder()
                        .backup_plan_name("daily")
                        .rules(
                            BackupRule::builder()
                                .rule_name("daily")
                                .rule_id("rule-daily")
                                .target_backup_vault_name("prod-vault")
                                .copy_actions(copy(DR))
                                .copy_actions(copy(WEST))
                                .build()
                                .expect("rule"),
                        )
                        .build()
                        .expect("plan"),
                )
                .build()
        });
    let job = |id: &str, state: CopyJobState, hours_ago: i64, message: &str| {
        CopyJob::builder()
            .copy_job_id(id)
            .state(state)
            .creation_date(DateTime::from_secs(now_secs() - hours_ago * 3600 - 600))
            .completion_date(DateTime::from_secs(now_secs() - hours_ago * 3600))
            .status_message(message)
            .build()
    };
    let ledger_copies = mock!(aws_sdk_backup::Client::list_copy_jobs)
        .match_requests(|r| r.by_resource_arn() == Some(LEDGER))
        .then_output(move || {
            ListCopyJobsOutput::builder()
                .copy_jobs(job("c-ledger-1", CopyJobState::Completed, 5, ""))
                .build()
        });
    let invoices_west = mock!(aws_sdk_backup::Client::list_copy_jobs)
        .match_requests(|r| {
            r.by_resource_arn() == Some(INVOICES) && r.by_destination_vault_arn() == Some(WEST)
        })
        .then_output(move || {
            ListCopyJobsOutput::builder()
                .copy_jobs(job(
                    "c-invoices-2",
                    CopyJobState::Failed,
                    3,
                    "Access denied to the destination vault",
                ))
                .build()
        });
    let no_copies = mock!(aws_sdk_backup::Client::list_copy_jobs)
        .then_output(|| ListCopyJobsOutput::builder().build());
    let mut rules = vec![
        recovery_point(LEDGER, "rp-ledger-1", RecoveryPointStatus::Completed),
        recovery_point(INVOICES, "rp-invoices-1", RecoveryPointStatus::Completed),
        described,
        plan,
        ledger_copies,
        invoices_west,
        no_copies,
    ];
    rules.extend(backup_rules());
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &rules.iter().collect::<Vec<_>>()
    );
    let mut s = setup("copies", backup, None).await;
    s.deps.config.resource_arns = vec![LEDGER.into(), INVOICES.into(), TABLE.into()];

    let report = invoke(json!({"action": "verify"}), &s.invocation, &s.deps)
        .await
        .expect("verified");
    let v = verdicts(&report);
    let (ledger, ledger_detail) = status_of(&v, "ledger");
    assert_eq!(ledger, "OK", "{v:#?}");
    let detail: Value = serde_json::from_str(&ledger_detail).expect("json");
    let ages: Vec<(String, i64)> = detail["copies"]
        .as_array()
        .expect("copies")
        .iter()
        .map(|c| {
            (
                c["destination"].as_str().unwrap_or_default().to_owned(),
                c["newest_age_hours"].as_f64().unwrap_or(-1.0).round() as i64,
            )
        })
        .collect();
    assert_eq!(ages, [(DR.to_owned(), 5), (WEST.to_owned(), 5)]);

    let (invoices, invoices_detail) = status_of(&v, "invoices");
    assert_eq!(invoices, "VIOLATION", "{v:#?}");
    for says in [
        format!("no completed copy to {DR} in the last 36 h"),
        format!("no completed copy to {WEST} in the last 36 h"),
        "copy job c-invoices-2 FAILED".to_owned(),
        "Access denied to the destination vault".to_owned(),
    ] {
        assert!(invoices_detail.contains(&says), "{says}: {invoices_detail}");
    }
    assert_eq!(status_of(&v, "orders").0, "OK", "no copies asked: {v:#?}");
}

/// An instance the verifier added to a restored cluster that is still
/// there hours later is a restore test whose checks never ran (RDS's event
/// lost, the instance never came up) or whose instance was not deleted:
/// the daily verification alerts on it instead of staying silent.
#[tokio::test]
async fn an_added_instance_that_outlived_its_checks_is_a_restore_test_not_validated() {
    let rules = backup_rules();
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &rules.iter().collect::<Vec<_>>()
    );
    let s = setup("lingering", backup, None).await;
    let cluster = unique("awsbackup-restore-test");
    let job = unique("job");
    s.rds
        .create_db_cluster()
        .db_cluster_identifier(&cluster)
        .engine("aurora-postgresql")
        .master_username("app")
        .master_user_password("not-a-real-password-1")
        .send()
        .await
        .expect("cluster");
    let instance = format!("{cluster}-verify");
    s.rds
        .create_db_instance()
        .db_instance_identifier(&instance)
        .db_cluster_identifier(&cluster)
        .db_instance_class("db.t4g.medium")
        .engine("aurora-postgresql")
        .tags(
            aws_sdk_rds::types::Tag::builder()
                .key("backup-verifier:restore-job")
                .value(&job)
                .build(),
        )
        .send()
        .await
        .expect("instance");

    let fresh = invoke(json!({"action": "verify"}), &s.invocation, &s.deps)
        .await
        .expect("verified");
    assert!(
        about_job(&fresh, &job).is_none(),
        "minutes old: its checks may still run"
    );
    s.sink.drain(Duration::from_secs(1)).await.expect("drain");

    let later = verify_in_30_hours(&s).await;
    let why = about_job(&later, &job).expect("not validated");
    assert!(
        why.contains(&format!(
            "instance {instance}, added for its checks, is still there"
        )),
        "{why}"
    );
    let told = s.sink.drain(Duration::from_secs(2)).await.expect("drain");
    let summary = told.last().expect("summary");
    assert_eq!(summary.attribute("severity"), Some("ERROR"));
    assert!(
        summary
            .message
            .contains(&format!("NOT VALIDATED restore test {job}")),
        "{}",
        summary.message
    );
    s.rds
        .delete_db_instance()
        .db_instance_identifier(&instance)
        .skip_final_snapshot(true)
        .send()
        .await
        .expect("clean up");
}

/// Why the report failed restore job `job`, if it did.
fn about_job(report: &Report, job: &str) -> Option<String> {
    report
        .failed
        .iter()
        .find(|e| e.target == job)
        .map(|e| e.reason.clone().unwrap_or_default())
}

/// In aws-cn (or aws-us-gov) a tagged EBS volume is named in its own
/// partition: a hard-coded `arn:aws:` missed its recovery points and jobs
/// (a false VIOLATION or UNKNOWN). The partition comes from the function's
/// own ARN.
#[tokio::test]
async fn an_ebs_volume_is_named_in_the_function_s_partition() {
    let rules = backup_rules();
    let backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        &rules.iter().collect::<Vec<_>>()
    );
    let mut s = setup("partition", backup, None).await;
    s.invocation =
        Invocation::unbounded("arn:aws-cn:lambda:us-east-1:123456789012:function:backup-verifier");
    let volume = ebs_volume(&s).await;
    let report = invoke(json!({"action": "verify"}), &s.invocation, &s.deps)
        .await
        .expect("verified");
    let named: Vec<&str> = report
        .seen
        .iter()
        .map(|e| e.target.as_str())
        .filter(|t| t.ends_with(&volume))
        .collect();
    assert_eq!(
        named,
        [format!(
            "arn:aws-cn:ec2:us-east-1:123456789012:volume/{volume}"
        )],
        "{report:#?}"
    );
}
