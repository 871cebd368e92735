//! Finding the targets: ECS services, Auto Scaling groups, RDS instances
//! and Aurora clusters, tagged with a schedule or listed in the document,
//! with what each has now (capacity, status, saved and override tags).

use std::collections::HashMap;

use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use aws_sdk_ecs::types::ServiceField;
use shared::aws::{AwsFailure, failure};

use crate::aws::{Clients, Handle, Located};
use crate::bounded::{self, Ran};
use crate::config::Config;
use crate::eligibility;
use crate::plan::{Capacity, Kind, Limits, OVERRIDE_TAG, Observed, SAVED_TAG, Target};

/// Which schedule a resource follows: its tag, else the explicit target list.
fn schedule_of<'a>(
    config: &'a Config,
    kind: Kind,
    id: &str,
    tags: &'a HashMap<String, String>,
) -> Option<String> {
    tags.get(&config.tag_key)
        .cloned()
        .or_else(|| config.explicit_schedule(kind, id).map(str::to_owned))
}

fn saved_of(tags: &HashMap<String, String>) -> Option<Capacity> {
    tags.get(SAVED_TAG).and_then(|v| Capacity::from_tag(v))
}

/// ECS services found, and the clusters that could not be read: one
/// cluster failing to answer never hides the services of the others.
#[derive(Debug, Default)]
pub struct EcsDiscovery {
    pub found: Vec<Located>,
    /// `(cluster, why)` for each cluster that could not be read whole.
    pub failed_clusters: Vec<(String, AwsFailure)>,
}

/// ECS clusters read at once.
const CLUSTERS_IN_FLIGHT: usize = 5;

pub async fn discover_ecs(clients: &Clients, config: &Config) -> Result<EcsDiscovery, AwsFailure> {
    let clusters: Vec<String> = clients
        .ecs
        .list_clusters()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| failure("ecs:ListClusters", &e))?;
    // Clusters are read side by side, a few at a time.
    let jobs = clusters
        .iter()
        .map(|arn| {
            let (clients, config, arn) = (clients.clone(), config.clone(), arn.clone());
            async move { discover_cluster(&clients, &config, &arn).await }
        })
        .collect();
    let mut discovery = EcsDiscovery::default();
    for (arn, ran) in clusters
        .iter()
        .zip(bounded::run(jobs, CLUSTERS_IN_FLIGHT, None).await)
    {
        let result = match ran {
            Ran::Finished(r) => r,
            Ran::Panicked(e) => Err(AwsFailure::refused(
                "ecs",
                format!("the cluster's read stopped unexpectedly: {e}"),
            )),
            // Without a stop instant every job starts.
            Ran::NotStarted => continue,
        };
        match result {
            Ok(found) => discovery.found.extend(found),
            Err(why) => {
                let name = arn.rsplit('/').next().unwrap_or(arn);
                discovery.failed_clusters.push((name.to_owned(), why));
            }
        }
    }
    Ok(discovery)
}

/// The scheduled services of one cluster. Any call failing fails the
/// cluster: a service whose autoscaler bounds are unknown must not be acted
/// on (its bounds would be left up, and the autoscaler would undo the
/// scale-down).
async fn discover_cluster(
    clients: &Clients,
    config: &Config,
    cluster_arn: &str,
) -> Result<Vec<Located>, AwsFailure> {
    let mut found = Vec::new();
    let cluster = cluster_arn
        .rsplit('/')
        .next()
        .unwrap_or(cluster_arn)
        .to_owned();
    let arns: Vec<String> = clients
        .ecs
        .list_services()
        .cluster(cluster_arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| failure("ecs:ListServices", &e))?;
    let mut services = Vec::new();
    for chunk in arns.chunks(10) {
        let out = clients
            .ecs
            .describe_services()
            .cluster(cluster_arn)
            .set_services(Some(chunk.to_vec()))
            .include(ServiceField::Tags)
            .send()
            .await
            .map_err(|e| failure("ecs:DescribeServices", &e))?;
        services.extend(out.services.unwrap_or_default());
    }
    let mut candidates = Vec::new();
    for s in services {
        let ineligible = eligibility::ecs_service(&s);
        let name = s.service_name.clone().unwrap_or_default();
        let tags: HashMap<String, String> = s
            .tags
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
            .collect();
        let id = format!("{cluster}/{name}");
        let Some(schedule) = schedule_of(config, Kind::EcsService, &id, &tags) else {
            continue;
        };
        candidates.push((
            name,
            s.service_arn.unwrap_or_default(),
            s.desired_count,
            tags,
            schedule,
            ineligible,
        ));
    }
    if candidates.is_empty() {
        return Ok(found);
    }
    let resource_ids: Vec<String> = candidates
        .iter()
        .map(|c| format!("service/{cluster}/{}", c.0))
        .collect();
    let mut bounds: HashMap<String, (i32, i32)> = HashMap::new();
    for chunk in resource_ids.chunks(50) {
        let out = clients
            .app_autoscaling
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Ecs)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .set_resource_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| failure("application-autoscaling:DescribeScalableTargets", &e))?;
        for t in out.scalable_targets.unwrap_or_default() {
            bounds.insert(t.resource_id, (t.min_capacity, t.max_capacity));
        }
    }
    for (name, service_arn, desired, tags, schedule, ineligible) in candidates {
        let scalable_id = format!("service/{cluster}/{name}");
        let bound = bounds.get(&scalable_id).copied();
        found.push(Located {
            target: Target {
                kind: Kind::EcsService,
                id: Kind::EcsService.target_id(&format!("{cluster}/{name}")),
                schedule,
                override_tag: tags.get(OVERRIDE_TAG).cloned(),
                observed: Observed::Scalable {
                    current: Capacity {
                        desired,
                        min: bound.map(|b| b.0),
                        max: bound.map(|b| b.1),
                    },
                    saved: saved_of(&tags),
                },
                ineligible,
                limits: Limits::default(),
            },
            handle: Handle::Ecs {
                cluster_arn: cluster_arn.to_owned(),
                service: name,
                service_arn,
                scalable_id: bound.map(|_| scalable_id),
            },
        });
    }
    Ok(found)
}

pub async fn discover_asgs(clients: &Clients, config: &Config) -> Result<Vec<Located>, AwsFailure> {
    let groups: Vec<_> = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| failure("autoscaling:DescribeAutoScalingGroups", &e))?;
    let mut found = Vec::new();
    for g in groups {
        let limits = eligibility::asg_limits(&g);
        let ineligible = eligibility::asg(&g);
        let arn = g.auto_scaling_group_arn.clone().unwrap_or_default();
        let name = g.auto_scaling_group_name.clone().unwrap_or_default();
        let tags: HashMap<String, String> = g
            .tags
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
            .collect();
        let Some(schedule) = schedule_of(config, Kind::AutoscalingGroup, &name, &tags) else {
            continue;
        };
        found.push(Located {
            target: Target {
                kind: Kind::AutoscalingGroup,
                id: Kind::AutoscalingGroup.target_id(&name),
                schedule,
                override_tag: tags.get(OVERRIDE_TAG).cloned(),
                observed: Observed::Scalable {
                    current: Capacity {
                        desired: g.desired_capacity.unwrap_or_default(),
                        min: g.min_size,
                        max: g.max_size,
                    },
                    saved: saved_of(&tags),
                },
                ineligible,
                limits,
            },
            handle: Handle::Asg { name, arn },
        });
    }
    Ok(found)
}

fn rds_tags(list: Option<Vec<aws_sdk_rds::types::Tag>>) -> HashMap<String, String> {
    list.unwrap_or_default()
        .into_iter()
        .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
        .collect()
}

pub async fn discover_rds(clients: &Clients, config: &Config) -> Result<Vec<Located>, AwsFailure> {
    let instances: Vec<_> = clients
        .rds
        .describe_db_instances()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| failure("rds:DescribeDBInstances", &e))?;
    let mut found = Vec::new();
    for db in instances {
        let id = db.db_instance_identifier.clone().unwrap_or_default();
        let tags = rds_tags(db.tag_list.clone());
        let Some(schedule) = schedule_of(config, Kind::RdsInstance, &id, &tags) else {
            continue;
        };
        let ineligible = eligibility::rds_instance(&db);
        let arn = db.db_instance_arn.clone().unwrap_or_default();
        found.push(Located {
            target: Target {
                kind: Kind::RdsInstance,
                id: Kind::RdsInstance.target_id(&id),
                schedule,
                override_tag: tags.get(OVERRIDE_TAG).cloned(),
                observed: Observed::Database {
                    status: db.db_instance_status.unwrap_or_default(),
                    maintenance_window: db.preferred_maintenance_window,
                },
                ineligible,
                limits: Limits::default(),
            },
            handle: Handle::RdsInstance { id, arn },
        });
    }
    let clusters: Vec<_> = clients
        .rds
        .describe_db_clusters()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| failure("rds:DescribeDBClusters", &e))?;
    for c in clusters {
        let id = c.db_cluster_identifier.clone().unwrap_or_default();
        let tags = rds_tags(c.tag_list.clone());
        let Some(schedule) = schedule_of(config, Kind::RdsCluster, &id, &tags) else {
            continue;
        };
        let ineligible = eligibility::rds_cluster(&c);
        let arn = c.db_cluster_arn.clone().unwrap_or_default();
        found.push(Located {
            target: Target {
                kind: Kind::RdsCluster,
                id: Kind::RdsCluster.target_id(&id),
                schedule,
                override_tag: tags.get(OVERRIDE_TAG).cloned(),
                observed: Observed::Database {
                    status: c.status.unwrap_or_default(),
                    maintenance_window: c.preferred_maintenance_window,
                },
                ineligible,
                limits: Limits::default(),
            },
            handle: Handle::RdsCluster { id, arn },
        });
    }
    Ok(found)
}
