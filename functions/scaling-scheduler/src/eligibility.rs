//! Which targets the scheduler can never act on, and why: decided once from
//! what discovery read, so such a target is skipped with its reason instead
//! of failing (and alerting) on every run. Pure functions over the SDK's
//! own types.

use aws_sdk_rds::types::{DbCluster, DbInstance};

/// Why an RDS instance cannot be stopped and started by the scheduler
/// (Amazon RDS User Guide, "Stopping an Amazon RDS DB instance temporarily").
pub fn rds_instance(db: &DbInstance) -> Option<String> {
    if let Some(cluster) = db.db_cluster_identifier() {
        return Some(format!(
            "member of cluster {cluster}: schedule the cluster (rds-cluster) instead"
        ));
    }
    if let Some(source) = db
        .read_replica_source_db_instance_identifier()
        .or(db.read_replica_source_db_cluster_identifier())
    {
        return Some(format!(
            "read replica of {source}: RDS cannot stop a read replica"
        ));
    }
    let replicas: Vec<&str> = db
        .read_replica_db_instance_identifiers()
        .iter()
        .chain(db.read_replica_db_cluster_identifiers())
        .map(String::as_str)
        .collect();
    if !replicas.is_empty() {
        return Some(format!(
            "has read replicas ({}): RDS cannot stop an instance that has read replicas",
            replicas.join(", ")
        ));
    }
    let engine = db.engine().unwrap_or_default();
    if engine.starts_with("sqlserver") && db.multi_az() == Some(true) {
        return Some(format!(
            "{engine} in a Multi-AZ configuration: RDS cannot stop SQL Server Multi-AZ instances"
        ));
    }
    None
}

/// Why a DB cluster cannot be stopped and started by the scheduler
/// (`StopDBCluster` applies to Aurora only; Amazon Aurora User Guide,
/// "Stopping and starting an Amazon Aurora DB cluster", limitations).
pub fn rds_cluster(c: &DbCluster) -> Option<String> {
    let engine = c.engine().unwrap_or_default();
    if !engine.starts_with("aurora") {
        return Some(format!(
            "a Multi-AZ DB cluster ({engine}): StopDBCluster stops Aurora clusters only"
        ));
    }
    if let Some(global) = c.global_cluster_identifier() {
        return Some(format!(
            "member of Aurora global database {global}: its clusters cannot be stopped"
        ));
    }
    match c.engine_mode().unwrap_or_default() {
        "serverless" => {
            Some("Aurora Serverless v1 clusters cannot be stopped: they pause by themselves".into())
        }
        "multimaster" => Some("Aurora multi-master clusters cannot be stopped".into()),
        "parallelquery" => Some("Aurora clusters using parallel query cannot be stopped".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_rds_cannot_stop_are_named_with_the_reason() {
        let plain = DbInstance::builder()
            .db_instance_identifier("app")
            .engine("postgres")
            .multi_az(true)
            .build();
        assert_eq!(rds_instance(&plain), None, "Multi-AZ PostgreSQL stops");
        let source = DbInstance::builder()
            .engine("mysql")
            .read_replica_db_instance_identifiers("app-replica-1")
            .build();
        assert_eq!(
            rds_instance(&source).as_deref(),
            Some(
                "has read replicas (app-replica-1): RDS cannot stop an instance that has read replicas"
            )
        );
        let replica = DbInstance::builder()
            .engine("mysql")
            .read_replica_source_db_instance_identifier("app")
            .build();
        assert!(rds_instance(&replica).is_some_and(|r| r.starts_with("read replica of app")));
        let sql_server = DbInstance::builder()
            .engine("sqlserver-se")
            .multi_az(true)
            .build();
        assert!(
            rds_instance(&sql_server)
                .is_some_and(|r| r.contains("cannot stop SQL Server Multi-AZ")),
        );
        let single_az = DbInstance::builder()
            .engine("sqlserver-se")
            .multi_az(false)
            .build();
        assert_eq!(rds_instance(&single_az), None);
    }

    #[test]
    fn clusters_rds_cannot_stop_are_named_with_the_reason() {
        let aurora = DbCluster::builder()
            .engine("aurora-postgresql")
            .engine_mode("provisioned")
            .build();
        assert_eq!(rds_cluster(&aurora), None);
        let cases = [
            (
                DbCluster::builder().engine("postgres").build(),
                "StopDBCluster stops Aurora clusters only",
            ),
            (
                DbCluster::builder()
                    .engine("aurora-mysql")
                    .global_cluster_identifier("orders-global")
                    .build(),
                "global database orders-global",
            ),
            (
                DbCluster::builder()
                    .engine("aurora-mysql")
                    .engine_mode("multimaster")
                    .build(),
                "multi-master",
            ),
            (
                DbCluster::builder()
                    .engine("aurora-mysql")
                    .engine_mode("parallelquery")
                    .build(),
                "parallel query",
            ),
            (
                DbCluster::builder()
                    .engine("aurora-postgresql")
                    .engine_mode("serverless")
                    .build(),
                "Serverless v1",
            ),
        ];
        for (cluster, why) in cases {
            let reason = rds_cluster(&cluster);
            assert!(
                reason.as_deref().is_some_and(|r| r.contains(why)),
                "{cluster:?}: {reason:?}"
            );
        }
    }
}
