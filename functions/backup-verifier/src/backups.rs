//! The backups a protected resource has: AWS Backup recovery points, the
//! service's own snapshots, and the backup jobs that failed. Any lookup that
//! fails makes the resource UNKNOWN, never OK.

use aws_sdk_backup::types::{BackupJobState, RecoveryPointStatus};
use aws_sdk_ec2::types::Filter;
use jiff::Timestamp;
use shared::aws::{AwsFailure, failure};

use crate::check::{Backup, Continuous, FailedJob, Source, newest};
use crate::copies::RuleRef;
use crate::gather::{Clients, Kind, Protected, ts};

/// A continuous backup's recovery point: `...:recovery-point:continuous:...`
/// (AWS Backup names them so; a snapshot's point has an id or a snapshot ARN).
fn is_continuous(recovery_point_arn: &str) -> bool {
    recovery_point_arn.contains(":recovery-point:continuous")
}

/// AWS Backup recovery points of `resource`; the newest completed one at
/// `now` is described for its encryption and retention, and the backup
/// rule that made it (whose copies are then checked).
pub async fn recovery_points(
    clients: &Clients,
    resource: &Protected,
    now: Timestamp,
) -> Result<(Vec<Backup>, Option<RuleRef>), AwsFailure> {
    let arn = resource.arn.as_str();
    let mut points = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = clients
            .backup
            .list_recovery_points_by_resource()
            .resource_arn(arn)
            // Points AWS Backup manages, each in a vault that
            // DescribeRecoveryPoint needs; not a service's own snapshots.
            .managed_by_aws_backup_only(true)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| failure("backup:ListRecoveryPointsByResource", &e))?;
        points.extend(out.recovery_points.unwrap_or_default());
        match out.next_token {
            Some(t) if !t.is_empty() => next = Some(t),
            _ => break,
        }
    }
    let mut backups: Vec<Backup> = points
        .iter()
        .filter_map(|p| {
            let id = p.recovery_point_arn.clone()?;
            let continuous = is_continuous(&id).then(|| {
                if p.status == Some(RecoveryPointStatus::Stopped) {
                    Continuous::Stopped {
                        message: p.status_message.clone().unwrap_or_default(),
                    }
                } else {
                    Continuous::Running {
                        until: resource.latest_restorable,
                    }
                }
            });
            Some(Backup {
                source: Source::AwsBackup,
                id,
                created: ts(p.creation_date.as_ref())?,
                // AVAILABLE is a backup made and ready for use, as COMPLETED
                // (AWS Backup Developer Guide, "Recovery point status").
                completed: matches!(
                    p.status,
                    Some(RecoveryPointStatus::Completed | RecoveryPointStatus::Available)
                ),
                encrypted: p.encryption_key_arn.is_some(),
                kms_key: p.encryption_key_arn.clone(),
                retention_days: None,
                continuous,
            })
        })
        .collect();
    let newest = newest(&backups, now).and_then(|n| backups.iter().position(|b| b == n));
    let mut rule = None;
    if let Some(i) = newest {
        let vault = points
            .iter()
            .find(|p| p.recovery_point_arn.as_deref() == Some(backups[i].id.as_str()))
            .and_then(|p| p.backup_vault_name.clone())
            .unwrap_or_default();
        let d = clients
            .backup
            .describe_recovery_point()
            .backup_vault_name(vault)
            .recovery_point_arn(&backups[i].id)
            .send()
            .await
            .map_err(|e| failure("backup:DescribeRecoveryPoint", &e))?;
        backups[i].encrypted = d.is_encrypted;
        backups[i].kms_key = d.encryption_key_arn;
        backups[i].retention_days = d
            .lifecycle
            .and_then(|l| l.delete_after_days)
            .and_then(|d| u32::try_from(d).ok());
        rule = d.created_by.and_then(|c| {
            Some(RuleRef {
                plan_id: c.backup_plan_id?,
                rule_id: c.backup_rule_id?,
            })
        });
    }
    Ok((backups, rule))
}

/// Backup jobs of a resource since `since` that did not succeed.
pub async fn failed_jobs(
    clients: &Clients,
    arn: &str,
    since: Timestamp,
) -> Result<Vec<FailedJob>, AwsFailure> {
    let mut jobs = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = clients
            .backup
            .list_backup_jobs()
            .by_resource_arn(arn)
            .by_created_after(aws_sdk_backup::primitives::DateTime::from_secs(
                since.as_second(),
            ))
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| failure("backup:ListBackupJobs", &e))?;
        for j in out.backup_jobs.unwrap_or_default() {
            let bad = matches!(
                j.state,
                Some(BackupJobState::Failed | BackupJobState::Aborted | BackupJobState::Expired)
            );
            if let (true, Some(created)) = (bad, ts(j.creation_date.as_ref())) {
                jobs.push(FailedJob {
                    id: j.backup_job_id.unwrap_or_default(),
                    state: j.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    created,
                    message: j.status_message.unwrap_or_default(),
                });
            }
        }
        match out.next_token {
            Some(t) if !t.is_empty() => next = Some(t),
            _ => break,
        }
    }
    Ok(jobs)
}

/// A DB or DB cluster snapshot as a backup. Automated snapshots live as
/// long as the instance's or cluster's retention period; manual ones until
/// deleted.
fn rds_snapshot(
    source: Source,
    id: String,
    created: Option<&aws_sdk_rds::primitives::DateTime>,
    status: Option<&str>,
    (encrypted, kms_key): (bool, Option<String>),
    snapshot_type: Option<&str>,
    retention_days: Option<u32>,
) -> Option<Backup> {
    Some(Backup {
        source,
        id,
        created: ts(created)?,
        completed: status == Some("available"),
        encrypted,
        kms_key,
        retention_days: (snapshot_type == Some("automated"))
            .then_some(retention_days)
            .flatten(),
        continuous: None,
    })
}

/// Native snapshots: RDS snapshots of an instance or a cluster, EBS snapshots of a volume.
pub async fn snapshots(clients: &Clients, kind: &Kind) -> Result<Vec<Backup>, AwsFailure> {
    match kind {
        Kind::RdsInstance { id, retention_days } => {
            let out: Vec<_> = clients
                .rds
                .describe_db_snapshots()
                .db_instance_identifier(id)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<_, _>>()
                .await
                .map_err(|e| failure("rds:DescribeDBSnapshots", &e))?;
            Ok(out
                .into_iter()
                .filter_map(|s| {
                    rds_snapshot(
                        Source::RdsSnapshot,
                        s.db_snapshot_identifier?,
                        s.snapshot_create_time.as_ref(),
                        s.status.as_deref(),
                        (s.encrypted.unwrap_or(false), s.kms_key_id),
                        s.snapshot_type.as_deref(),
                        *retention_days,
                    )
                })
                .collect())
        }
        Kind::RdsCluster { id, retention_days } => {
            let out: Vec<_> = clients
                .rds
                .describe_db_cluster_snapshots()
                .db_cluster_identifier(id)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<_, _>>()
                .await
                .map_err(|e| failure("rds:DescribeDBClusterSnapshots", &e))?;
            Ok(out
                .into_iter()
                .filter_map(|s| {
                    rds_snapshot(
                        Source::RdsClusterSnapshot,
                        s.db_cluster_snapshot_identifier?,
                        s.snapshot_create_time.as_ref(),
                        s.status.as_deref(),
                        (s.storage_encrypted.unwrap_or(false), s.kms_key_id),
                        s.snapshot_type.as_deref(),
                        *retention_days,
                    )
                })
                .collect())
        }
        Kind::EbsVolume { id } => {
            let out: Vec<_> = clients
                .ec2
                .describe_snapshots()
                .owner_ids("self")
                .filters(Filter::builder().name("volume-id").values(id).build())
                .into_paginator()
                .items()
                .send()
                .collect::<Result<_, _>>()
                .await
                .map_err(|e| failure("ec2:DescribeSnapshots", &e))?;
            Ok(out
                .into_iter()
                .filter_map(|s| {
                    Some(Backup {
                        source: Source::EbsSnapshot,
                        id: s.snapshot_id.clone()?,
                        created: ts(s.start_time.as_ref())?,
                        completed: s.state == Some(aws_sdk_ec2::types::SnapshotState::Completed),
                        encrypted: s.encrypted.unwrap_or(false),
                        kms_key: s.kms_key_id.clone(),
                        retention_days: None,
                        continuous: None,
                    })
                })
                .collect())
        }
        Kind::Other => Ok(Vec::new()),
    }
}
