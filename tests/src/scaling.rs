//! Scalable resources in the emulator: an ECS service with an Application
//! Auto Scaling target, an Auto Scaling group, an RDS instance; and reading
//! back their capacity and tags.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};

use crate::names::unique;

/// Clients for the services the scheduler drives.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub ecs: aws_sdk_ecs::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub app_autoscaling: aws_sdk_applicationautoscaling::Client,
    pub rds: aws_sdk_rds::Client,
    pub ec2: aws_sdk_ec2::Client,
}

/// An ECS service created for a test.
#[derive(Debug, Clone)]
pub struct Service {
    pub cluster: String,
    pub name: String,
    pub arn: String,
}

impl Service {
    /// The scheduler's id for it.
    pub fn target_id(&self) -> String {
        format!("ecs/{}/{}", self.cluster, self.name)
    }
}

impl Fleet {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            ecs: aws_sdk_ecs::Client::new(config),
            autoscaling: aws_sdk_autoscaling::Client::new(config),
            app_autoscaling: aws_sdk_applicationautoscaling::Client::new(config),
            rds: aws_sdk_rds::Client::new(config),
            ec2: aws_sdk_ec2::Client::new(config),
        }
    }

    /// A cluster with one service at `desired` tasks, tagged with `tags`,
    /// and (when `bounds` is given) an Application Auto Scaling target.
    pub async fn ecs_service(
        &self,
        desired: i32,
        bounds: Option<(i32, i32)>,
        tags: &[(&str, &str)],
    ) -> anyhow::Result<Service> {
        self.ecs_service_with(Some(desired), bounds, tags).await
    }

    /// A task definition `family` of one small container.
    pub async fn task_definition(&self, family: &str) -> anyhow::Result<()> {
        self.ecs
            .register_task_definition()
            .family(family)
            .container_definitions(
                aws_sdk_ecs::types::ContainerDefinition::builder()
                    .name("app")
                    .image("public.ecr.aws/nginx/nginx:stable")
                    .memory(256)
                    .build(),
            )
            .send()
            .await?;
        Ok(())
    }

    /// A cluster with one DAEMON service (one task per instance, no count).
    pub async fn ecs_daemon(&self, tags: &[(&str, &str)]) -> anyhow::Result<Service> {
        self.ecs_service_with(None, None, tags).await
    }

    /// A REPLICA service at `desired`, or a DAEMON service for `None`.
    async fn ecs_service_with(
        &self,
        desired: Option<i32>,
        bounds: Option<(i32, i32)>,
        tags: &[(&str, &str)],
    ) -> anyhow::Result<Service> {
        let cluster = unique("cluster");
        self.ecs
            .create_cluster()
            .cluster_name(&cluster)
            .send()
            .await?;
        let family = unique("task");
        self.task_definition(&family).await?;
        let name = unique("svc");
        let mut create = self
            .ecs
            .create_service()
            .cluster(&cluster)
            .service_name(&name)
            .task_definition(&family)
            .set_desired_count(desired)
            .scheduling_strategy(if desired.is_some() {
                aws_sdk_ecs::types::SchedulingStrategy::Replica
            } else {
                aws_sdk_ecs::types::SchedulingStrategy::Daemon
            });
        for (k, v) in tags {
            create = create.tags(aws_sdk_ecs::types::Tag::builder().key(*k).value(*v).build());
        }
        let arn = create
            .send()
            .await?
            .service
            .and_then(|s| s.service_arn)
            .ok_or_else(|| anyhow::anyhow!("no service arn"))?;
        if let Some((min, max)) = bounds {
            self.app_autoscaling
                .register_scalable_target()
                .service_namespace(ServiceNamespace::Ecs)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .resource_id(format!("service/{cluster}/{name}"))
                .min_capacity(min)
                .max_capacity(max)
                .send()
                .await?;
        }
        Ok(Service { cluster, name, arn })
    }

    /// `(desired, scalable min, scalable max)` and the service's tags.
    pub async fn ecs_state(
        &self,
        s: &Service,
    ) -> anyhow::Result<((i32, Option<i32>, Option<i32>), HashMap<String, String>)> {
        let out = self
            .ecs
            .describe_services()
            .cluster(&s.cluster)
            .services(&s.name)
            .send()
            .await?;
        let service = out
            .services
            .and_then(|v| v.into_iter().next())
            .ok_or_else(|| anyhow::anyhow!("service {} not found", s.name))?;
        let tags = self
            .ecs
            .list_tags_for_resource()
            .resource_arn(&s.arn)
            .send()
            .await?
            .tags
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
            .collect();
        let target = self
            .app_autoscaling
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_ids(format!("service/{}/{}", s.cluster, s.name))
            .send()
            .await?
            .scalable_targets
            .and_then(|v| v.into_iter().next());
        Ok((
            (
                service.desired_count,
                target.as_ref().map(|t| t.min_capacity),
                target.as_ref().map(|t| t.max_capacity),
            ),
            tags,
        ))
    }

    /// An Auto Scaling group (min, max, desired) tagged with `tags`.
    pub async fn asg(
        &self,
        min: i32,
        max: i32,
        desired: i32,
        tags: &[(&str, &str)],
    ) -> anyhow::Result<String> {
        self.asg_with(min, max, desired, tags, false).await
    }

    /// An Auto Scaling group whose `tags` are also put on the instances it
    /// launches when `propagate`.
    pub async fn asg_with(
        &self,
        min: i32,
        max: i32,
        desired: i32,
        tags: &[(&str, &str)],
        propagate: bool,
    ) -> anyhow::Result<String> {
        let lc = unique("lc");
        self.autoscaling
            .create_launch_configuration()
            .launch_configuration_name(&lc)
            .image_id("ami-12c6146b")
            .instance_type("t3.micro")
            .send()
            .await?;
        let name = unique("asg");
        let mut create = self
            .autoscaling
            .create_auto_scaling_group()
            .auto_scaling_group_name(&name)
            .launch_configuration_name(&lc)
            .min_size(min)
            .max_size(max)
            .desired_capacity(desired)
            .availability_zones("us-east-1a");
        for (k, v) in tags {
            create = create.tags(
                aws_sdk_autoscaling::types::Tag::builder()
                    .resource_id(&name)
                    .resource_type("auto-scaling-group")
                    .key(*k)
                    .value(*v)
                    .propagate_at_launch(propagate)
                    .build(),
            );
        }
        create.send().await?;
        Ok(name)
    }

    /// A running EC2 instance tagged with `tags`, with hibernation enabled
    /// at launch when `hibernation`; its id.
    pub async fn ec2_instance(
        &self,
        tags: &[(&str, &str)],
        hibernation: bool,
    ) -> anyhow::Result<String> {
        let mut spec = aws_sdk_ec2::types::TagSpecification::builder()
            .resource_type(aws_sdk_ec2::types::ResourceType::Instance);
        for (k, v) in tags {
            spec = spec.tags(aws_sdk_ec2::types::Tag::builder().key(*k).value(*v).build());
        }
        let mut run = self
            .ec2
            .run_instances()
            .image_id("ami-12c6146b")
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .min_count(1)
            .max_count(1)
            .hibernation_options(
                aws_sdk_ec2::types::HibernationOptionsRequest::builder()
                    .configured(hibernation)
                    .build(),
            );
        if !tags.is_empty() {
            run = run.tag_specifications(spec.build());
        }
        let out = run.send().await?;
        out.instances()
            .first()
            .and_then(|i| i.instance_id())
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("RunInstances returned no instance"))
    }

    /// An instance's state (`running`, `stopped`, ...) and its tags.
    pub async fn ec2_state(&self, id: &str) -> anyhow::Result<(String, HashMap<String, String>)> {
        let out = self
            .ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await?;
        let i = out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .next()
            .ok_or_else(|| anyhow::anyhow!("instance {id} not found"))?;
        let state = i
            .state()
            .and_then(|s| s.name())
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default();
        let tags = i
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                ))
            })
            .collect();
        Ok((state, tags))
    }

    /// The instances an Auto Scaling group launched.
    pub async fn asg_instances(&self, name: &str) -> anyhow::Result<Vec<String>> {
        let g = self
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(name)
            .send()
            .await?;
        Ok(g.auto_scaling_groups()
            .iter()
            .flat_map(|g| g.instances())
            .filter_map(|i| i.instance_id().map(str::to_owned))
            .collect())
    }

    /// `(min, max, desired)` and the group's tags.
    pub async fn asg_state(
        &self,
        name: &str,
    ) -> anyhow::Result<((i32, i32, i32), HashMap<String, String>)> {
        let g = self
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(name)
            .send()
            .await?
            .auto_scaling_groups
            .and_then(|v| v.into_iter().next())
            .ok_or_else(|| anyhow::anyhow!("group {name} not found"))?;
        let tags = g
            .tags
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
            .collect();
        Ok((
            (
                g.min_size.unwrap_or_default(),
                g.max_size.unwrap_or_default(),
                g.desired_capacity.unwrap_or_default(),
            ),
            tags,
        ))
    }

    /// A small PostgreSQL RDS instance tagged with `tags`.
    pub async fn rds_instance(&self, tags: &[(&str, &str)]) -> anyhow::Result<String> {
        let id = unique("db");
        let create = self
            .rds
            .create_db_instance()
            .db_instance_identifier(&id)
            .db_instance_class("db.t4g.micro")
            .engine("postgres")
            .allocated_storage(20)
            .master_username("app")
            .master_user_password("not-a-real-password-1");
        create.set_tags(Some(rds_tags(tags))).send().await?;
        Ok(id)
    }

    pub async fn rds_status(&self, id: &str) -> anyhow::Result<String> {
        Ok(self
            .rds
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await?
            .db_instances
            .and_then(|v| v.into_iter().next())
            .and_then(|d| d.db_instance_status)
            .unwrap_or_default())
    }

    /// A read replica of `source`, tagged with `tags`.
    pub async fn rds_replica(&self, source: &str, tags: &[(&str, &str)]) -> anyhow::Result<String> {
        let id = unique("replica");
        let create = self
            .rds
            .create_db_instance_read_replica()
            .db_instance_identifier(&id)
            .source_db_instance_identifier(source)
            .db_instance_class("db.t4g.micro");
        create.set_tags(Some(rds_tags(tags))).send().await?;
        Ok(id)
    }

    /// An Aurora PostgreSQL cluster tagged with `tags`.
    pub async fn aurora_cluster(&self, tags: &[(&str, &str)]) -> anyhow::Result<String> {
        let id = unique("aurora");
        let create = self
            .rds
            .create_db_cluster()
            .db_cluster_identifier(&id)
            .engine("aurora-postgresql")
            .master_username("app")
            .master_user_password("not-a-real-password-1");
        create.set_tags(Some(rds_tags(tags))).send().await?;
        Ok(id)
    }

    pub async fn cluster_status(&self, id: &str) -> anyhow::Result<String> {
        Ok(self
            .rds
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await?
            .db_clusters
            .and_then(|v| v.into_iter().next())
            .and_then(|c| c.status)
            .unwrap_or_default())
    }
}

fn rds_tags(tags: &[(&str, &str)]) -> Vec<aws_sdk_rds::types::Tag> {
    tags.iter()
        .map(|(k, v)| aws_sdk_rds::types::Tag::builder().key(*k).value(*v).build())
        .collect()
}
