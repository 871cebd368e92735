//! Which targets the scheduler can never act on, and why: decided once from
//! what discovery read, so such a target is skipped with its reason instead
//! of failing (and alerting) on every run. Pure functions over the SDK's
//! own types.

use aws_sdk_autoscaling::types::{AutoScalingGroup, WarmPoolState};
use aws_sdk_ec2::types::{DeviceType, Instance, InstanceLifecycleType, SpotInstanceType};
use aws_sdk_ecs::types::{SchedulingStrategy, Service};
use aws_sdk_rds::types::{DbCluster, DbInstance};

use crate::plan::Limits;

/// Why an ECS service has no count the scheduler can set.
pub fn ecs_service(s: &Service) -> Option<String> {
    (s.scheduling_strategy() == Some(&SchedulingStrategy::Daemon)).then(|| {
        "a DAEMON service runs one task on each container instance and has no desired count: \
         schedule the Auto Scaling group of its cluster's instances instead"
            .to_owned()
    })
}

/// The tag ECS puts on the Auto Scaling group of a capacity provider.
const ECS_MANAGED_TAG: &str = "AmazonECSManaged";

/// Why an Auto Scaling group is not the scheduler's to scale: a capacity
/// provider's group follows what ECS asks of it (managed scaling), and ECS
/// would undo any capacity set on it; its services are the targets.
pub fn asg(g: &AutoScalingGroup) -> Option<String> {
    g.tags()
        .iter()
        .any(|t| t.key() == Some(ECS_MANAGED_TAG))
        .then(|| {
            "the Auto Scaling group of an ECS capacity provider (AmazonECSManaged): ECS sizes it \
             to the tasks its services run, so schedule the services and it follows them"
                .to_owned()
        })
}

/// What keeps an Auto Scaling group's capacity change from taking effect
/// (Amazon EC2 Auto Scaling User Guide: suspended processes, instance
/// scale-in protection, warm pools).
pub fn asg_limits(g: &AutoScalingGroup) -> Limits {
    let suspended = |process: &str| {
        g.suspended_processes()
            .iter()
            .any(|p| p.process_name() == Some(process))
    };
    let down_blocked = suspended("Terminate").then(|| {
        "its Terminate process is suspended, so a lower capacity would terminate nothing: \
         resume it for the schedule to act"
            .to_owned()
    });
    let up_blocked = suspended("Launch").then(|| {
        "its Launch process is suspended, so a higher capacity would launch nothing: resume it \
         for the schedule to act"
            .to_owned()
    });
    let mut partial = Vec::new();
    let protected = g
        .instances()
        .iter()
        .filter(|i| i.protected_from_scale_in() == Some(true))
        .count();
    if protected > 0 {
        partial.push(format!(
            "{protected} of its {} instances {} protected from scale-in and {} running",
            g.instances().len(),
            if protected == 1 { "is" } else { "are" },
            if protected == 1 { "keeps" } else { "keep" }
        ));
    }
    if g.warm_pool_configuration()
        .and_then(|w| w.pool_state())
        .is_some_and(|state| *state == WarmPoolState::Running)
    {
        partial.push("its warm pool keeps its instances in the Running state".to_owned());
    }
    Limits {
        down_blocked,
        up_blocked,
        down_partial: (!partial.is_empty()).then(|| partial.join("; ")),
    }
}

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

/// The tag EC2 Auto Scaling puts on every instance it launches.
const GROUP_TAG: &str = "aws:autoscaling:groupName";

/// Why an EC2 instance cannot be stopped and started by the scheduler
/// (Amazon EC2 User Guide, "Stop and start Amazon EC2 instances" and
/// "Stop a Spot Instance"). `spot_request` is the type of the Spot request
/// a Spot Instance came from, `None` when it could not be read.
pub fn ec2_instance(i: &Instance, spot_request: Option<&SpotInstanceType>) -> Option<String> {
    if let Some(group) = i
        .tags()
        .iter()
        .find(|t| t.key() == Some(GROUP_TAG))
        .and_then(|t| t.value())
    {
        return Some(format!(
            "launched by Auto Scaling group {group}, which would replace it if stopped: \
             schedule the group (autoscaling-group) instead"
        ));
    }
    // The root device's type, not its name: an EBS root is named like an
    // instance store's on some AMIs.
    if i.root_device_type() == Some(&DeviceType::InstanceStore) {
        return Some(
            "its root device is an instance store: EC2 can terminate such an instance but \
             never stop it"
                .to_owned(),
        );
    }
    if i.instance_lifecycle() == Some(&InstanceLifecycleType::Spot) {
        return match spot_request {
            Some(SpotInstanceType::Persistent) => None,
            Some(SpotInstanceType::OneTime) => Some(
                "a Spot Instance of a one-time Spot request: EC2 stops only Spot Instances of \
                 persistent requests"
                    .to_owned(),
            ),
            _ => Some(
                "a Spot Instance whose Spot request could not be read, so whether EC2 can stop \
                 it is unknown: left as it is"
                    .to_owned(),
            ),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_autoscaling::types::{Instance, SuspendedProcess, WarmPoolConfiguration};

    #[test]
    fn daemon_services_have_no_count_to_schedule() {
        let daemon = Service::builder()
            .scheduling_strategy(SchedulingStrategy::Daemon)
            .build();
        assert!(ecs_service(&daemon).is_some_and(|r| r.contains("DAEMON")));
        let replica = Service::builder()
            .scheduling_strategy(SchedulingStrategy::Replica)
            .build();
        assert_eq!(ecs_service(&replica), None);
    }

    #[test]
    fn suspended_processes_protection_and_warm_pools_are_read_from_the_group() {
        let instance = |protected: bool| {
            Instance::builder()
                .instance_id("i-1")
                .protected_from_scale_in(protected)
                .build()
        };
        let g = AutoScalingGroup::builder()
            .suspended_processes(
                SuspendedProcess::builder()
                    .process_name("Terminate")
                    .build(),
            )
            .instances(instance(true))
            .instances(instance(false))
            .warm_pool_configuration(
                WarmPoolConfiguration::builder()
                    .pool_state(WarmPoolState::Running)
                    .build(),
            )
            .build();
        let limits = asg_limits(&g);
        assert!(
            limits
                .down_blocked
                .is_some_and(|r| r.contains("Terminate process is suspended"))
        );
        assert_eq!(limits.up_blocked, None);
        assert_eq!(
            limits.down_partial.as_deref(),
            Some(
                "1 of its 2 instances is protected from scale-in and keeps running; its warm pool \
                 keeps its instances in the Running state"
            )
        );
        let provider = AutoScalingGroup::builder()
            .tags(
                aws_sdk_autoscaling::types::TagDescription::builder()
                    .key("AmazonECSManaged")
                    .value("true")
                    .build(),
            )
            .build();
        assert!(asg(&provider).is_some_and(|r| r.contains("ECS capacity provider")));
        assert_eq!(asg(&AutoScalingGroup::builder().build()), None);
        let launch = AutoScalingGroup::builder()
            .suspended_processes(SuspendedProcess::builder().process_name("Launch").build())
            .build();
        assert!(asg_limits(&launch).up_blocked.is_some());
        assert_eq!(
            asg_limits(&AutoScalingGroup::builder().build()),
            Limits::default()
        );
    }

    #[test]
    fn ec2_instances_are_classified_by_group_root_device_and_spot_request() {
        use aws_sdk_ec2::types::{Instance, Tag};
        let plain = Instance::builder()
            .instance_id("i-1")
            .root_device_type(DeviceType::Ebs)
            // An EBS root with a name an instance store could have.
            .root_device_name("/dev/sda1")
            .build();
        assert_eq!(ec2_instance(&plain, None), None);
        let member = Instance::builder()
            .root_device_type(DeviceType::Ebs)
            .tags(Tag::builder().key(GROUP_TAG).value("web").build())
            .build();
        assert!(
            ec2_instance(&member, None)
                .is_some_and(|r| r.starts_with("launched by Auto Scaling group web"))
        );
        let store = Instance::builder()
            .root_device_type(DeviceType::InstanceStore)
            .build();
        assert!(ec2_instance(&store, None).is_some_and(|r| r.contains("instance store")));
        let spot = Instance::builder()
            .root_device_type(DeviceType::Ebs)
            .instance_lifecycle(InstanceLifecycleType::Spot)
            .spot_instance_request_id("sir-1")
            .build();
        assert_eq!(
            ec2_instance(&spot, Some(&SpotInstanceType::Persistent)),
            None
        );
        assert!(
            ec2_instance(&spot, Some(&SpotInstanceType::OneTime))
                .is_some_and(|r| r.contains("one-time Spot request"))
        );
        assert!(ec2_instance(&spot, None).is_some_and(|r| r.contains("could not be read")));
    }

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
