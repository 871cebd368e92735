//! Acting on targets through the AWS APIs (finding them: `discover`).
//! Decisions are not made here (see `plan`); this module executes them.

use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use shared::aws::{AwsFailure, failure};

use crate::instances;
use crate::plan::{Action, Capacity, OVERRIDE_TAG, SAVED_TAG, Target};

/// The SDK clients the scheduler uses, built once at start-up.
#[derive(Debug, Clone)]
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub app_autoscaling: aws_sdk_applicationautoscaling::Client,
    pub rds: aws_sdk_rds::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub ssm: aws_sdk_ssm::Client,
}

impl Clients {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        Self {
            ecs: aws_sdk_ecs::Client::new(sdk),
            autoscaling: aws_sdk_autoscaling::Client::new(sdk),
            app_autoscaling: aws_sdk_applicationautoscaling::Client::new(sdk),
            rds: aws_sdk_rds::Client::new(sdk),
            ec2: aws_sdk_ec2::Client::new(sdk),
            events: aws_sdk_eventbridge::Client::new(sdk),
            ssm: aws_sdk_ssm::Client::new(sdk),
        }
    }
}

/// How to reach a target to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handle {
    Ecs {
        cluster_arn: String,
        service: String,
        service_arn: String,
        /// `service/<cluster>/<service>` when an Application Auto Scaling target exists.
        scalable_id: Option<String>,
    },
    Asg {
        name: String,
        arn: String,
    },
    RdsInstance {
        id: String,
        arn: String,
    },
    RdsCluster {
        id: String,
        arn: String,
    },
    Ec2 {
        id: String,
        arn: String,
    },
}

impl Handle {
    /// The resource's ARN, for the events that name it.
    pub fn arn(&self) -> &str {
        match self {
            Handle::Ecs { service_arn, .. } => service_arn,
            Handle::Asg { arn, .. }
            | Handle::RdsInstance { arn, .. }
            | Handle::RdsCluster { arn, .. }
            | Handle::Ec2 { arn, .. } => arn,
        }
    }
}

/// A target and its handle.
#[derive(Debug, Clone)]
pub struct Located {
    pub target: Target,
    pub handle: Handle,
}

/// Runs one action on each of `handles` (EC2 instances together, in one
/// call; any other target alone) and says how each ended, in order: done
/// (with what was done instead, if anything) or why not.
pub async fn execute(
    clients: &Clients,
    handles: &[Handle],
    action: &Action,
) -> Vec<instances::Outcome> {
    let ids: Vec<String> = handles
        .iter()
        .filter_map(|h| match h {
            Handle::Ec2 { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect();
    if !ids.is_empty() && ids.len() == handles.len() {
        return instances::act(&clients.ec2, action, &ids).await;
    }
    let mut outcomes = Vec::new();
    for handle in handles {
        outcomes.push(execute_one(clients, handle, action).await.map(|()| None));
    }
    outcomes
}

/// Runs one action. Ordered so that a crash at any step leaves what is
/// needed to finish: the saved capacity is written before anything is
/// lowered, bounds are lowered before the count (or the autoscaler puts
/// the count back), and the saved tag goes only once everything is restored.
async fn execute_one(
    clients: &Clients,
    handle: &Handle,
    action: &Action,
) -> Result<(), AwsFailure> {
    match (handle, action) {
        (
            Handle::Ecs {
                cluster_arn,
                service,
                service_arn,
                scalable_id,
            },
            _,
        ) => {
            ecs(
                clients,
                cluster_arn,
                service,
                service_arn,
                scalable_id.as_deref(),
                action,
            )
            .await
        }
        (Handle::Asg { name, .. }, _) => asg(clients, name, action).await,
        (Handle::RdsInstance { id, .. }, Action::Stop) => clients
            .rds
            .stop_db_instance()
            .db_instance_identifier(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("rds:StopDBInstance", &e)),
        (Handle::RdsInstance { id, .. }, Action::Start) => clients
            .rds
            .start_db_instance()
            .db_instance_identifier(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("rds:StartDBInstance", &e)),
        (Handle::RdsCluster { id, .. }, Action::Stop) => clients
            .rds
            .stop_db_cluster()
            .db_cluster_identifier(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("rds:StopDBCluster", &e)),
        (Handle::RdsCluster { id, .. }, Action::Start) => clients
            .rds
            .start_db_cluster()
            .db_cluster_identifier(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("rds:StartDBCluster", &e)),
        (Handle::Ec2 { id, .. }, _) => {
            instances::act(&clients.ec2, action, std::slice::from_ref(id))
                .await
                .into_iter()
                .next()
                .unwrap_or(Ok(None))
                .map(|_| ())
        }
        (_, other) => Err(AwsFailure::refused(
            "rds",
            format!("{other} does not apply to a database"),
        )),
    }
}

/// Writes the override tag that holds a target in the state an `apply`
/// command put it in (`off-until=2026-11-24T07:00:00Z`).
pub async fn set_override(
    clients: &Clients,
    handle: &Handle,
    value: &str,
) -> Result<(), AwsFailure> {
    match handle {
        Handle::Ecs { service_arn, .. } => tag_ecs(clients, service_arn, OVERRIDE_TAG, value).await,
        Handle::Asg { name, .. } => tag_asg(clients, name, OVERRIDE_TAG, value).await,
        Handle::RdsInstance { arn, .. } | Handle::RdsCluster { arn, .. } => clients
            .rds
            .add_tags_to_resource()
            .resource_name(arn)
            .tags(
                aws_sdk_rds::types::Tag::builder()
                    .key(OVERRIDE_TAG)
                    .value(value)
                    .build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("rds:AddTagsToResource", &e)),
        Handle::Ec2 { id, .. } => instances::tag(&clients.ec2, id, OVERRIDE_TAG, value).await,
    }
}

async fn tag_ecs(clients: &Clients, arn: &str, key: &str, value: &str) -> Result<(), AwsFailure> {
    clients
        .ecs
        .tag_resource()
        .resource_arn(arn)
        .tags(
            aws_sdk_ecs::types::Tag::builder()
                .key(key)
                .value(value)
                .build(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| failure("ecs:TagResource", &e))
}

async fn tag_asg(clients: &Clients, name: &str, key: &str, value: &str) -> Result<(), AwsFailure> {
    clients
        .autoscaling
        .create_or_update_tags()
        .tags(asg_tag(name, key, Some(value)))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| failure("autoscaling:CreateOrUpdateTags", &e))
}

/// A group's own tag (not propagated to its instances); without a value,
/// what DeleteTags takes.
fn asg_tag(name: &str, key: &str, value: Option<&str>) -> aws_sdk_autoscaling::types::Tag {
    aws_sdk_autoscaling::types::Tag::builder()
        .resource_id(name)
        .resource_type("auto-scaling-group")
        .key(key)
        .set_value(value.map(str::to_owned))
        .propagate_at_launch(false)
        .build()
}

async fn ecs(
    clients: &Clients,
    cluster_arn: &str,
    service: &str,
    service_arn: &str,
    scalable_id: Option<&str>,
    action: &Action,
) -> Result<(), AwsFailure> {
    let set_bounds = |min: i32, max: i32| async move {
        let Some(resource_id) = scalable_id else {
            return Ok(());
        };
        clients
            .app_autoscaling
            .register_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .resource_id(resource_id)
            .min_capacity(min)
            .max_capacity(max)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("application-autoscaling:RegisterScalableTarget", &e))
    };
    let set_desired = |desired: i32| async move {
        clients
            .ecs
            .update_service()
            .cluster(cluster_arn)
            .service(service)
            .desired_count(desired)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("ecs:UpdateService", &e))
    };
    let forget = || async move {
        clients
            .ecs
            .untag_resource()
            .resource_arn(service_arn)
            .tag_keys(SAVED_TAG)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("ecs:UntagResource", &e))
    };
    match action {
        Action::ScaleDown { save, .. } => {
            tag_ecs(clients, service_arn, SAVED_TAG, &save.to_tag()).await?;
            set_bounds(0, 0).await?;
            set_desired(0).await
        }
        Action::ScaleUp { to, .. } => {
            if let (Some(min), Some(max)) = (to.min, to.max) {
                set_bounds(min, max).await?;
            }
            set_desired(to.desired).await?;
            forget().await
        }
        Action::ForgetSaved => forget().await,
        Action::Stop | Action::Hibernate | Action::Start => Err(AwsFailure::refused(
            "ecs:UpdateService",
            format!("{action} does not apply to an ECS service"),
        )),
    }
}

async fn asg(clients: &Clients, name: &str, action: &Action) -> Result<(), AwsFailure> {
    let update = |c: Capacity| async move {
        let mut request = clients
            .autoscaling
            .update_auto_scaling_group()
            .auto_scaling_group_name(name)
            .desired_capacity(c.desired);
        if let Some(min) = c.min {
            request = request.min_size(min);
        }
        if let Some(max) = c.max {
            request = request.max_size(max);
        }
        request
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("autoscaling:UpdateAutoScalingGroup", &e))
    };
    match action {
        Action::ScaleDown { save, to } => {
            tag_asg(clients, name, SAVED_TAG, &save.to_tag()).await?;
            update(*to).await
        }
        Action::ScaleUp { to, .. } => {
            update(*to).await?;
            forget_asg(clients, asg_tag(name, SAVED_TAG, None)).await
        }
        Action::ForgetSaved => forget_asg(clients, asg_tag(name, SAVED_TAG, None)).await,
        Action::Stop | Action::Hibernate | Action::Start => Err(AwsFailure::refused(
            "autoscaling:UpdateAutoScalingGroup",
            format!("{action} does not apply to an Auto Scaling group"),
        )),
    }
}

async fn forget_asg(
    clients: &Clients,
    tag: aws_sdk_autoscaling::types::Tag,
) -> Result<(), AwsFailure> {
    clients
        .autoscaling
        .delete_tags()
        .tags(tag)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| failure("autoscaling:DeleteTags", &e))
}
