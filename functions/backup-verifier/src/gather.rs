//! Finding the protected resources, with what each must meet (RPO, key);
//! their backups are found by `backups`. Any lookup that fails makes the
//! resource UNKNOWN, never OK.

use std::collections::HashMap;

use aws_sdk_ec2::types::Filter;
use jiff::Timestamp;
use shared::aws::{AwsFailure, failure};

use shared::Invocation;

use crate::config::Config;

/// The SDK clients the verifier uses, built once at start-up.
#[derive(Debug, Clone)]
pub struct Clients {
    pub backup: aws_sdk_backup::Client,
    pub rds: aws_sdk_rds::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

/// What kind of resource, for the native snapshots to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    RdsInstance {
        id: String,
        retention_days: Option<u32>,
    },
    /// An Aurora, DocumentDB or Neptune cluster (or a Multi-AZ DB
    /// cluster): backed up as a whole, never per member instance.
    RdsCluster {
        id: String,
        retention_days: Option<u32>,
    },
    EbsVolume {
        id: String,
    },
    /// Anything else AWS Backup protects: only its recovery points are read.
    Other,
}

/// A resource to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    pub arn: String,
    pub kind: Kind,
    pub rpo_hours: u32,
    /// A note about its policy (an RPO tag that could not be read).
    pub note: Option<String>,
    /// The KMS key the resource itself is encrypted with (RDS, EBS), which
    /// its backups keep.
    pub own_key: Option<String>,
    /// The latest instant it can be restored to (RDS): how fresh its
    /// continuous backup is.
    pub latest_restorable: Option<Timestamp>,
}

impl Protected {
    /// The key its backups must be encrypted with: the one configured for
    /// it by name, else its own (RDS and EBS backups keep their source's
    /// key), else for the types AWS Backup encrypts with the vault's key,
    /// the vault key expected of all.
    pub fn expected_key(&self, config: &Config) -> Option<String> {
        if let Some(key) = config.kms_keys.get(&self.arn) {
            return Some(key.clone());
        }
        match self.kind {
            Kind::RdsInstance { .. } | Kind::RdsCluster { .. } | Kind::EbsVolume { .. } => {
                self.own_key.clone()
            }
            Kind::Other => config.kms_key.clone(),
        }
    }
}

/// An SDK time (every AWS SDK crate's `DateTime` is the same type).
pub(crate) fn ts(dt: Option<&aws_sdk_backup::primitives::DateTime>) -> Option<Timestamp> {
    dt.and_then(|d| Timestamp::from_second(d.secs()).ok())
}

/// The value of an RDS resource's tag `key` (empty when it has none), if
/// the resource carries that tag.
pub(crate) fn rds_tag<'a>(
    tags: Option<&'a [aws_sdk_rds::types::Tag]>,
    key: &str,
) -> Option<&'a str> {
    tags.unwrap_or_default()
        .iter()
        .find(|t| t.key.as_deref() == Some(key))
        .map(|t| t.value.as_deref().unwrap_or_default())
}

/// The KMS key an RDS instance or cluster is encrypted with, if it is.
fn own_key(encrypted: Option<bool>, key: &Option<String>) -> Option<String> {
    encrypted.unwrap_or(false).then(|| key.clone()).flatten()
}

/// The RPO a tag value asks for; empty means the default.
fn rpo_from_tag(value: &str, default: u32) -> (u32, Option<String>) {
    let v = value.trim();
    if v.is_empty() || v.eq_ignore_ascii_case("default") {
        return (default, None);
    }
    match v.trim_end_matches(['h', 'H']).parse::<u32>() {
        Ok(h) if h > 0 => (h, None),
        _ => (
            default,
            Some(format!(
                "RPO tag value {value:?} is not a number of hours: the default {default} h applies"
            )),
        ),
    }
}

/// `arn:aws:rds:...:db:<id>` -> `<id>`; `...:cluster:<id>`; `arn:aws:ec2:...:volume/<id>` -> `<id>`.
fn kind_of(arn: &str) -> Kind {
    if let Some((_, id)) = arn.split_once(":db:") {
        Kind::RdsInstance {
            id: id.to_owned(),
            retention_days: None,
        }
    } else if let Some((_, id)) = arn.split_once(":cluster:") {
        Kind::RdsCluster {
            id: id.to_owned(),
            retention_days: None,
        }
    } else if let Some((_, id)) = arn.split_once(":volume/") {
        Kind::EbsVolume { id: id.to_owned() }
    } else {
        Kind::Other
    }
}

/// Every RDS DB instance of the account and region.
pub async fn db_instances(
    clients: &Clients,
) -> Result<Vec<aws_sdk_rds::types::DbInstance>, AwsFailure> {
    clients
        .rds
        .describe_db_instances()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| failure("rds:DescribeDBInstances", &e))
}

/// Tagged RDS instances and EBS volumes, and the explicitly listed ARNs.
pub async fn protected(
    clients: &Clients,
    config: &Config,
    invocation: &Invocation,
    region: &str,
) -> Result<Vec<Protected>, AwsFailure> {
    let mut found: HashMap<String, Protected> = HashMap::new();
    let instances = db_instances(clients).await?;
    // Tagged members of a cluster: the cluster is what has backups.
    let mut members: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for db in instances {
        if let Some(cluster) = db.db_cluster_identifier.clone() {
            if let Some(value) = rds_tag(db.tag_list.as_deref(), &config.tag_key) {
                members.entry(cluster).or_default().push((
                    db.db_instance_identifier.clone().unwrap_or_default(),
                    value.to_owned(),
                ));
            }
            continue;
        }
        let Some(value) = rds_tag(db.tag_list.as_deref(), &config.tag_key) else {
            continue;
        };
        let (rpo_hours, note) = rpo_from_tag(value, config.default_rpo_hours);
        let arn = db.db_instance_arn.clone().unwrap_or_default();
        let latest_restorable = ts(db.latest_restorable_time.as_ref());
        let own_key = own_key(db.storage_encrypted, &db.kms_key_id);
        found.insert(
            arn.clone(),
            Protected {
                arn,
                own_key,
                latest_restorable,
                kind: Kind::RdsInstance {
                    id: db.db_instance_identifier.unwrap_or_default(),
                    retention_days: db
                        .backup_retention_period
                        .and_then(|d| u32::try_from(d).ok()),
                },
                rpo_hours,
                note,
            },
        );
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
        let own = rds_tag(c.tag_list.as_deref(), &config.tag_key).map(str::to_owned);
        let tagged_members = members.remove(&id).unwrap_or_default();
        // The cluster's own tag, else the first tagged member's.
        let Some(value) = own
            .clone()
            .or_else(|| tagged_members.first().map(|m| m.1.clone()))
        else {
            continue;
        };
        let (rpo_hours, mut note) = rpo_from_tag(&value, config.default_rpo_hours);
        if !tagged_members.is_empty() {
            let names: Vec<&str> = tagged_members.iter().map(|m| m.0.as_str()).collect();
            let said = format!(
                "tagged member instance{} {}: a cluster is backed up as a whole, so the \
                 cluster is verified{}",
                if names.len() == 1 { "" } else { "s" },
                names.join(", "),
                if own.is_some() {
                    ""
                } else {
                    " with the member's RPO"
                }
            );
            note = Some(match note {
                Some(n) => format!("{n}; {said}"),
                None => said,
            });
        }
        let arn = c.db_cluster_arn.clone().unwrap_or_default();
        found.insert(
            arn.clone(),
            Protected {
                arn,
                kind: Kind::RdsCluster {
                    id,
                    retention_days: c
                        .backup_retention_period
                        .and_then(|d| u32::try_from(d).ok()),
                },
                rpo_hours,
                note,
                own_key: own_key(c.storage_encrypted, &c.kms_key_id),
                latest_restorable: ts(c.latest_restorable_time.as_ref()),
            },
        );
    }
    let volumes: Vec<_> = clients
        .ec2
        .describe_volumes()
        .filters(
            Filter::builder()
                .name("tag-key")
                .values(&config.tag_key)
                .build(),
        )
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(|e| failure("ec2:DescribeVolumes", &e))?;
    let account = match (volumes.is_empty(), invocation.account()) {
        (true, _) => "",
        (false, Some(account)) => account,
        (false, None) => {
            return Err(AwsFailure::refused(
                "ec2:DescribeVolumes",
                "the function's account is unknown (the invocation carries no function ARN), \
                 so the tagged EBS volumes cannot be named by ARN",
            ));
        }
    };
    let partition = invocation.partition();
    for v in volumes {
        let id = v.volume_id.unwrap_or_default();
        let own_key = v
            .encrypted
            .unwrap_or(false)
            .then_some(v.kms_key_id)
            .flatten();
        let value = v
            .tags
            .unwrap_or_default()
            .into_iter()
            .find(|t| t.key.as_deref() == Some(config.tag_key.as_str()))
            .and_then(|t| t.value)
            .unwrap_or_default();
        let (rpo_hours, note) = rpo_from_tag(&value, config.default_rpo_hours);
        let arn = format!("arn:{partition}:ec2:{region}:{account}:volume/{id}");
        found.insert(
            arn.clone(),
            Protected {
                arn,
                kind: Kind::EbsVolume { id },
                rpo_hours,
                note,
                own_key,
                latest_restorable: None,
            },
        );
    }
    for arn in &config.resource_arns {
        found.entry(arn.clone()).or_insert_with(|| Protected {
            arn: arn.clone(),
            kind: kind_of(arn),
            rpo_hours: config.default_rpo_hours,
            note: None,
            own_key: None,
            latest_restorable: None,
        });
    }
    let mut list: Vec<Protected> = found.into_values().collect();
    list.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpo_tags_read_hours_or_fall_back_with_a_note() {
        assert_eq!(rpo_from_tag("12", 24), (12, None));
        assert_eq!(rpo_from_tag("6h", 24), (6, None));
        assert_eq!(rpo_from_tag("", 24), (24, None));
        let (h, note) = rpo_from_tag("daily", 24);
        assert_eq!(h, 24);
        assert!(note.is_some_and(|n| n.contains("not a number of hours")));
    }

    #[test]
    fn backups_are_held_to_the_resource_s_own_key_unless_one_is_named() {
        let common = shared::config::Common::from_env(&shared::Env::from_pairs([(
            "NOTIFY_TOPIC_ARN",
            "arn:aws:sns:us-east-1:1:t",
        )]))
        .expect("common");
        let mut config = Config::new(common);
        config.kms_key = Some("vault-key".into());
        let resource = |arn: &str, own: Option<&str>| Protected {
            arn: arn.into(),
            kind: kind_of(arn),
            rpo_hours: 24,
            note: None,
            own_key: own.map(str::to_owned),
            latest_restorable: None,
        };
        let db = resource("arn:aws:rds:us-east-1:1:db:orders", Some("db-key"));
        let volume = resource("arn:aws:ec2:us-east-1:1:volume/vol-1", Some("ebs-key"));
        let table = resource("arn:aws:dynamodb:us-east-1:1:table/t", None);
        assert_eq!(db.expected_key(&config).as_deref(), Some("db-key"));
        assert_eq!(volume.expected_key(&config).as_deref(), Some("ebs-key"));
        assert_eq!(table.expected_key(&config).as_deref(), Some("vault-key"));
        config.kms_keys.insert(db.arn.clone(), "copy-key".into());
        assert_eq!(db.expected_key(&config).as_deref(), Some("copy-key"));
    }

    #[test]
    fn arns_tell_the_kind() {
        assert_eq!(
            kind_of("arn:aws:rds:us-east-1:1:db:orders"),
            Kind::RdsInstance {
                id: "orders".into(),
                retention_days: None
            }
        );
        assert_eq!(
            kind_of("arn:aws:ec2:us-east-1:1:volume/vol-1"),
            Kind::EbsVolume { id: "vol-1".into() }
        );
        assert_eq!(
            kind_of("arn:aws:rds:us-east-1:1:cluster:ledger"),
            Kind::RdsCluster {
                id: "ledger".into(),
                retention_days: None
            }
        );
        assert_eq!(kind_of("arn:aws:dynamodb:us-east-1:1:table/t"), Kind::Other);
    }
}
