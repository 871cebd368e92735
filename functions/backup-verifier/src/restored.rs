//! Where a restored database answers, and the instance a restored cluster
//! needs before it can.
//!
//! A restored DB instance answers at its own endpoint. A restored cluster
//! (Aurora) has none: AWS Backup restores the cluster without any instance
//! (AWS Backup Developer Guide, "Restoring an Amazon Aurora cluster"). So
//! the verifier adds one, tagged with the restore job, and returns; RDS
//! says when it is ready (`RDS-EVENT-0005`, "DB instance created", whose
//! event carries the instance's tags), the checks run at the cluster's
//! endpoint, and the instance is deleted once the result is recorded, so
//! the restore test's own clean-up can delete the cluster.

use aws_sdk_rds::types::{Filter, Tag};
use shared::aws::{AwsFailure, failure};

use crate::gather::{Clients, rds_tag};

/// The tag naming the restore job an added instance validates.
pub const RESTORE_JOB_TAG: &str = "backup-verifier:restore-job";

/// What a restore created, as far as the checks are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// Answers at `host:port`; `added` is the instance this function added
    /// to a restored cluster, to delete once the result is recorded.
    Ready {
        host: String,
        port: u16,
        added: Option<String>,
    },
    /// A restored cluster with no instance: one must be added.
    NeedsInstance { cluster: String, engine: String },
    /// Not answering yet (an instance still being created): nothing to do
    /// until RDS says it is ready.
    NotYet(String),
    /// Cannot be checked with SQL at all: a FAILED result, with why.
    Unfit(String),
}

/// The engines whose clusters the SQL checks can run on.
const SQL_CLUSTER_ENGINES: &[&str] = &["aurora-postgresql", "aurora-mysql", "postgres", "mysql"];

/// Finds where the resource a restore created (`created_arn`) answers.
pub async fn locate(clients: &Clients, created_arn: &str) -> Result<Located, AwsFailure> {
    if let Some((_, id)) = created_arn.split_once(":db:") {
        let instance = clients
            .rds
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .map_err(|e| failure("rds:DescribeDBInstances", &e))?
            .db_instances
            .and_then(|v| v.into_iter().next());
        return Ok(match instance.and_then(|i| i.endpoint) {
            Some(e) => Located::Ready {
                host: e.address.unwrap_or_default(),
                port: port(e.port),
                added: None,
            },
            None => Located::Unfit(format!("the restored instance {id} has no endpoint yet")),
        });
    }
    let Some((_, id)) = created_arn.split_once(":cluster:") else {
        return Ok(Located::Unfit(format!(
            "{created_arn} is not an RDS DB instance or cluster: only those can be checked"
        )));
    };
    let cluster = clients
        .rds
        .describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await
        .map_err(|e| failure("rds:DescribeDBClusters", &e))?
        .db_clusters
        .and_then(|v| v.into_iter().next());
    let Some(cluster) = cluster else {
        return Ok(Located::Unfit(format!(
            "the restored cluster {id} does not exist"
        )));
    };
    let engine = cluster.engine.clone().unwrap_or_default();
    if !SQL_CLUSTER_ENGINES.contains(&engine.as_str()) {
        return Ok(Located::Unfit(format!(
            "the restored cluster {id} runs {engine}: the SQL checks run on Aurora PostgreSQL \
             and MySQL clusters only"
        )));
    }
    let instances = clients
        .rds
        .describe_db_instances()
        .filters(Filter::builder().name("db-cluster-id").values(id).build())
        .send()
        .await
        .map_err(|e| failure("rds:DescribeDBInstances", &e))?
        .db_instances
        .unwrap_or_default();
    if instances.is_empty() {
        return Ok(Located::NeedsInstance {
            cluster: id.to_owned(),
            engine,
        });
    }
    let added = instances
        .iter()
        .find(|i| rds_tag(i.tag_list.as_deref(), RESTORE_JOB_TAG).is_some())
        .and_then(|i| i.db_instance_identifier.clone());
    if !instances
        .iter()
        .any(|i| i.db_instance_status.as_deref() == Some("available"))
    {
        return Ok(Located::NotYet(format!(
            "the restored cluster {id} has no available instance yet: the checks run when \
             RDS says its instance is created"
        )));
    }
    Ok(Located::Ready {
        host: cluster.endpoint.unwrap_or_default(),
        port: port(cluster.port),
        added,
    })
}

fn port(p: Option<i32>) -> u16 {
    p.and_then(|p| u16::try_from(p).ok()).unwrap_or(5432)
}

/// The added instance's identifier: the cluster's, cut to leave room for
/// `-verify` within RDS's 63 characters (and no hyphen left at the cut).
pub fn instance_id(cluster: &str) -> String {
    let stem: String = cluster.chars().take(63 - "-verify".len()).collect();
    format!("{}-verify", stem.trim_end_matches('-'))
}

/// Adds an instance of `class` to the restored `cluster`, tagged with the
/// restore job it is for.
pub async fn add_instance(
    clients: &Clients,
    cluster: &str,
    engine: &str,
    class: &str,
    restore_job_id: &str,
) -> Result<String, AwsFailure> {
    let id = instance_id(cluster);
    clients
        .rds
        .create_db_instance()
        .db_instance_identifier(&id)
        .db_cluster_identifier(cluster)
        .engine(engine)
        .db_instance_class(class)
        .publicly_accessible(false)
        .tags(
            Tag::builder()
                .key(RESTORE_JOB_TAG)
                .value(restore_job_id)
                .build(),
        )
        .send()
        .await
        .map_err(|e| failure("rds:CreateDBInstance", &e))?;
    Ok(id)
}

/// Deletes the instance this function added, without a final snapshot (the
/// restored cluster is a test copy).
pub async fn remove_instance(clients: &Clients, id: &str) -> Result<(), AwsFailure> {
    clients
        .rds
        .delete_db_instance()
        .db_instance_identifier(id)
        .skip_final_snapshot(true)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| failure("rds:DeleteDBInstance", &e))
}

/// How long an added instance may live: creating one takes minutes and
/// the checks seconds, then it is deleted.
const LINGER_HOURS: i64 = 2;

/// Instances this function added that are still there hours later, or
/// failed: a restore test whose checks never ran (RDS's event lost, the
/// instance never came up) or whose instance could not be deleted. The
/// daily verification says so, as a restore test that was not validated.
/// `(restore job, what is wrong)`.
pub async fn lingering(
    clients: &Clients,
    now: jiff::Timestamp,
) -> Result<Vec<(String, String)>, AwsFailure> {
    Ok(crate::gather::db_instances(clients)
        .await?
        .into_iter()
        .filter_map(|i| {
            let job = rds_tag(i.tag_list.as_deref(), RESTORE_JOB_TAG)?.to_owned();
            let id = i.db_instance_identifier.clone().unwrap_or_default();
            let status = i.db_instance_status.clone().unwrap_or_default();
            let hours = i
                .instance_create_time
                .map(|t| (now.as_second() - t.secs()) / 3600);
            let failed = status == "failed" || status.starts_with("incompatible");
            (failed || hours.is_some_and(|h| h >= LINGER_HOURS)).then(|| {
                (
                    job.clone(),
                    format!(
                        "instance {id}, added for its checks, is still there ({status}{}): its \
                         checks did not run or it could not be deleted; when it is available, \
                         run {{\"action\":\"validate\",\"restore_job_id\":\"{job}\"}}",
                        hours
                            .map(|h| format!(", created {h} h ago"))
                            .unwrap_or_default()
                    ),
                )
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_added_instance_is_named_after_its_cluster_within_rds_limits() {
        assert_eq!(
            instance_id("awsbackup-restore-test-1a2b"),
            "awsbackup-restore-test-1a2b-verify"
        );
        // Cut right after a hyphen: the hyphen goes too.
        let long = format!("{}-tail", "a".repeat(55));
        let id = instance_id(&long);
        assert_eq!(id.len(), 62, "{id}");
        assert!(!id.contains("--"), "{id}");
    }
}
