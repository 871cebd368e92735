//! EC2 instances: finding the scheduled ones, and stopping, hibernating
//! and starting them in batches, one call for many instances, split when a
//! call fails so that one instance EC2 refuses never keeps the others from
//! their schedule.

use std::collections::{HashMap, HashSet};

use aws_sdk_ec2::types::{Filter, Instance, SpotInstanceType};
use shared::aws::{AwsFailure, failure};
use tracing::warn;

use crate::aws::{Clients, Handle, Located};
use crate::config::Config;
use crate::eligibility;
use crate::plan::{Action, Kind, Limits, OVERRIDE_TAG, Observed, Target};

/// Most instances one StopInstances or StartInstances call names.
pub const BATCH: usize = 50;

/// Values given to one filter of a Describe call (EC2 takes up to 200).
const FILTER_VALUES: usize = 100;

/// What EC2 answers a hibernation it cannot do (not enabled at launch, or
/// the instance is not ready to hibernate yet).
const CANNOT_HIBERNATE: &str = "UnsupportedHibernationConfiguration";

/// The scheduled instances: tagged with the document's tag key, or listed
/// in its targets. Terminated (and terminating) instances are not read:
/// nothing can be done with them.
pub async fn discover(clients: &Clients, config: &Config) -> Result<Vec<Located>, AwsFailure> {
    let mut instances = Vec::new();
    let tagged = Filter::builder()
        .name("tag-key")
        .values(&config.tag_key)
        .build();
    read(clients, tagged, &mut instances).await?;
    let listed: Vec<String> = config
        .explicit
        .iter()
        .filter(|t| t.kind == Kind::Ec2Instance)
        .map(|t| t.id.clone())
        .collect();
    for chunk in listed.chunks(FILTER_VALUES) {
        let ids = Filter::builder()
            .name("instance-id")
            .set_values(Some(chunk.to_vec()))
            .build();
        read(clients, ids, &mut instances).await?;
    }
    let mut seen = HashSet::new();
    instances.retain(|(i, _)| seen.insert(i.instance_id().unwrap_or_default().to_owned()));
    let spot = spot_requests(clients, &instances).await;
    let region = clients
        .ec2
        .config()
        .region()
        .map(|r| r.as_ref().to_owned())
        .unwrap_or_default();
    let mut found = Vec::new();
    for (i, owner) in instances {
        let id = i.instance_id().unwrap_or_default().to_owned();
        let tags: HashMap<&str, &str> = i
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())))
            .collect();
        let Some(schedule) = tags
            .get(config.tag_key.as_str())
            .map(|s| (*s).to_owned())
            .or_else(|| {
                config
                    .explicit_schedule(Kind::Ec2Instance, &id)
                    .map(str::to_owned)
            })
        else {
            continue;
        };
        let request = i
            .spot_instance_request_id()
            .and_then(|r| spot.get(r))
            .cloned();
        let ineligible = eligibility::ec2_instance(&i, request.as_ref());
        found.push(Located {
            target: Target {
                kind: Kind::Ec2Instance,
                id: Kind::Ec2Instance.target_id(&id),
                schedule,
                override_tag: tags.get(OVERRIDE_TAG).map(|s| (*s).to_owned()),
                observed: Observed::Instance {
                    state: i
                        .state()
                        .and_then(|s| s.name())
                        .map(|n| n.as_str().to_owned())
                        .unwrap_or_default(),
                    hibernation: i
                        .hibernation_options()
                        .and_then(|h| h.configured())
                        .unwrap_or(false),
                },
                ineligible,
                limits: Limits::default(),
            },
            handle: Handle::Ec2 {
                arn: format!(
                    "arn:{}:ec2:{region}:{owner}:instance/{id}",
                    partition(&region)
                ),
                id,
            },
        });
    }
    Ok(found)
}

/// The live instances `filter` selects, each with its owner's account.
async fn read(
    clients: &Clients,
    filter: Filter,
    into: &mut Vec<(Instance, String)>,
) -> Result<(), AwsFailure> {
    let live = Filter::builder()
        .name("instance-state-name")
        .values("pending")
        .values("running")
        .values("stopping")
        .values("stopped")
        .build();
    let reservations: Vec<_> = clients
        .ec2
        .describe_instances()
        .filters(filter)
        .filters(live)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| failure("ec2:DescribeInstances", &e))?;
    for r in reservations {
        let owner = r.owner_id().unwrap_or_default().to_owned();
        for i in r.instances.unwrap_or_default() {
            into.push((i, owner.clone()));
        }
    }
    Ok(())
}

/// The type (one-time or persistent) of each Spot request the Spot
/// Instances among `instances` came from. A request that cannot be read is
/// missing, and its instance is left alone with that reason.
async fn spot_requests(
    clients: &Clients,
    instances: &[(Instance, String)],
) -> HashMap<String, SpotInstanceType> {
    let ids: Vec<String> = instances
        .iter()
        .filter_map(|(i, _)| i.spot_instance_request_id().map(str::to_owned))
        .collect();
    let mut types = HashMap::new();
    for chunk in ids.chunks(FILTER_VALUES) {
        let requests: Result<Vec<_>, _> = clients
            .ec2
            .describe_spot_instance_requests()
            .filters(
                Filter::builder()
                    .name("spot-instance-request-id")
                    .set_values(Some(chunk.to_vec()))
                    .build(),
            )
            .into_paginator()
            .items()
            .send()
            .collect()
            .await;
        match requests {
            Ok(requests) => types.extend(
                requests
                    .into_iter()
                    .filter_map(|r| Some((r.spot_instance_request_id?, r.r#type?))),
            ),
            Err(e) => {
                let why = failure("ec2:DescribeSpotInstanceRequests", &e);
                warn!(error = %why, "Spot requests not read: their instances are left alone");
            }
        }
    }
    types
}

/// `aws`, or the partition a China or GovCloud region is in.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// How acting on one instance ended: done (with what was done instead of
/// what was asked, if anything), or why not.
pub type Outcome = Result<Option<String>, AwsFailure>;

/// Runs `action` on the instances `ids`, one call for all of them. A call
/// EC2 refuses is split in halves and each half tried again, down to single
/// instances, so that only the instance at fault fails; a failure that
/// retrying may cure (throttling, an outage) fails them all for the next
/// run. An instance EC2 cannot hibernate is stopped instead, and said so.
/// Stopping a stopped instance and starting a running one change nothing,
/// so a half that already took effect before the failure is safe to repeat.
pub async fn act(ec2: &aws_sdk_ec2::Client, action: &Action, ids: &[String]) -> Vec<Outcome> {
    match call(ec2, action, ids).await {
        Ok(()) => ids.iter().map(|_| Ok(None)).collect(),
        Err(why) if ids.len() > 1 && !why.is_retryable() => {
            let (left, right) = ids.split_at(ids.len() / 2);
            let mut outcomes = Box::pin(act(ec2, action, left)).await;
            outcomes.extend(Box::pin(act(ec2, action, right)).await);
            outcomes
        }
        Err(why)
            if *action == Action::Hibernate && why.code.as_deref() == Some(CANNOT_HIBERNATE) =>
        {
            let stopped = call(ec2, &Action::Stop, ids).await;
            vec![stopped.map(|()| Some(format!("could not hibernate ({why}): stopped instead")))]
        }
        Err(why) => ids.iter().map(|_| Err(why.clone())).collect(),
    }
}

async fn call(
    ec2: &aws_sdk_ec2::Client,
    action: &Action,
    ids: &[String],
) -> Result<(), AwsFailure> {
    let ids = Some(ids.to_vec());
    match action {
        Action::Start => ec2
            .start_instances()
            .set_instance_ids(ids)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("ec2:StartInstances", &e)),
        Action::Stop | Action::Hibernate => ec2
            .stop_instances()
            .set_instance_ids(ids)
            .set_hibernate((*action == Action::Hibernate).then_some(true))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("ec2:StopInstances", &e)),
        other => Err(AwsFailure::refused(
            "ec2",
            format!("{other} does not apply to an EC2 instance"),
        )),
    }
}

/// Writes a tag on an instance (the override an `apply` holds with).
pub async fn tag(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    key: &str,
    value: &str,
) -> Result<(), AwsFailure> {
    ec2.create_tags()
        .resources(id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key(key)
                .value(value)
                .build(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| failure("ec2:CreateTags", &e))
}
