//! Restore validation: connect to the database a restore test created, run
//! the configured checks, and say SUCCESSFUL, FAILED or TIMED_OUT.

use std::time::Duration;

use shared::aws::{AwsFailure, failure};
use shared::db::{self, Dialect, Server, Tls};

use crate::check::{Answer, evaluate};
use crate::config::{Config, Validation};
use crate::gather::Clients;

/// What a validation concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `SUCCESSFUL`, `FAILED` or `TIMED_OUT`.
    pub status: &'static str,
    pub message: String,
}

impl Outcome {
    pub fn failed(message: impl Into<String>) -> Self {
        let message = message.into();
        Outcome {
            status: "FAILED",
            message,
        }
    }
}

/// The restore job, as far as validation needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoredResource {
    pub source_arn: String,
    pub created_arn: String,
    /// `COMPLETED`, `RUNNING`, ... (`Status`).
    pub status: String,
    /// A result already recorded (`ValidationStatus`), if any.
    pub validation: Option<String>,
    /// The restored resource's deletion (`DeletionStatus`), if it started.
    pub deletion: Option<String>,
}

/// Whether a restore job can be validated now, decided from the job
/// itself, so a duplicate or late delivery, or a manual command on the
/// wrong job, runs nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Nothing to do, and nothing anyone needs to hear (already validated,
    /// not a completed restore).
    Skip(String),
    /// Cannot be validated any more: someone must hear of it.
    Lost(String),
}

impl RestoredResource {
    pub fn readiness(&self) -> Readiness {
        if self.status != "COMPLETED" {
            return Readiness::Skip(format!(
                "restore job is {}: only COMPLETED restores are validated",
                if self.status.is_empty() {
                    "of no status"
                } else {
                    &self.status
                }
            ));
        }
        // VALIDATING is a run that may have stopped half way: run again.
        if let Some(v) = self
            .validation
            .as_deref()
            .filter(|v| matches!(*v, "SUCCESSFUL" | "FAILED" | "TIMED_OUT"))
        {
            return Readiness::Skip(format!(
                "already validated ({v}): a repeated delivery runs nothing again"
            ));
        }
        if let Some(d) = self
            .deletion
            .as_deref()
            .filter(|d| matches!(*d, "DELETING" | "SUCCESSFUL"))
        {
            return Readiness::Lost(format!(
                "the restored resource is {} ({d}) before it was validated: the restore test \
                 is not validated",
                if d == "DELETING" {
                    "being deleted"
                } else {
                    "deleted"
                }
            ));
        }
        Readiness::Ready
    }
}

pub async fn restore_job(
    clients: &Clients,
    restore_job_id: &str,
) -> Result<RestoredResource, AwsFailure> {
    let job = clients
        .backup
        .describe_restore_job()
        .restore_job_id(restore_job_id)
        .send()
        .await
        .map_err(|e| failure("backup:DescribeRestoreJob", &e))?;
    Ok(RestoredResource {
        source_arn: job.source_resource_arn.unwrap_or_default(),
        created_arn: job.created_resource_arn.unwrap_or_default(),
        status: job
            .status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        validation: job.validation_status.map(|v| v.as_str().to_owned()),
        deletion: job.deletion_status.map(|d| d.as_str().to_owned()),
    })
}

/// The checks configured for a source resource: by ARN, else by its name.
pub fn checks_for<'a>(config: &'a Config, source_arn: &str) -> Option<&'a Validation> {
    config.validations.get(source_arn).or_else(|| {
        let name = source_arn.rsplit([':', '/']).next().unwrap_or(source_arn);
        config.validations.get(name)
    })
}

/// Secret versions tried at most for the restored database's login.
const MAX_LOGINS: usize = 5;

/// `(username, password)` of the master secret's AWSCURRENT, AWSPREVIOUS,
/// then older versions, newest first, without repeats.
async fn logins(clients: &Clients, secret_arn: &str) -> Result<Vec<(String, String)>, String> {
    let mut versions: Vec<_> = clients
        .secrets
        .list_secret_version_ids()
        .secret_id(secret_arn)
        .include_deprecated(true)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| failure("secretsmanager:ListSecretVersionIds", &e).to_string())?
        .into_iter()
        .flat_map(|page| page.versions.unwrap_or_default())
        .collect();
    let rank = |v: &aws_sdk_secretsmanager::types::SecretVersionsListEntry| {
        let stages = v.version_stages();
        if stages.iter().any(|s| s == "AWSCURRENT") {
            0
        } else if stages.iter().any(|s| s == "AWSPREVIOUS") {
            1
        } else {
            2
        }
    };
    versions.sort_by_key(|v| {
        (
            rank(v),
            std::cmp::Reverse(v.created_date().map(|d| d.secs()).unwrap_or_default()),
        )
    });
    let mut found: Vec<(String, String)> = Vec::new();
    for v in versions.iter().take(MAX_LOGINS) {
        let Some(id) = v.version_id() else { continue };
        let value = clients
            .secrets
            .get_secret_value()
            .secret_id(secret_arn)
            .version_id(id)
            .send()
            .await
            .map_err(|e| failure("secretsmanager:GetSecretValue", &e).to_string())?;
        let creds: serde_json::Value =
            serde_json::from_str(value.secret_string().unwrap_or_default()).unwrap_or_default();
        if let (Some(u), Some(p)) = (creds["username"].as_str(), creds["password"].as_str())
            && !found.iter().any(|(_, known)| known == p)
        {
            found.push((u.to_owned(), p.to_owned()));
        }
    }
    Ok(found)
}

/// Connects to the restored database at `host:port` and runs every check,
/// within the time limit.
pub async fn run(
    clients: &Clients,
    config: &Config,
    validation: &Validation,
    host: &str,
    port: u16,
) -> Outcome {
    let limit = Duration::from_secs(config.validation_timeout_seconds);
    match tokio::time::timeout(limit, run_checks(clients, config, validation, host, port)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome {
            status: "TIMED_OUT",
            message: format!(
                "the checks did not finish within {} s",
                config.validation_timeout_seconds
            ),
        },
    }
}

async fn run_checks(
    clients: &Clients,
    config: &Config,
    validation: &Validation,
    host: &str,
    port: u16,
) -> Outcome {
    let logins = match logins(clients, &validation.secret_arn).await {
        Ok(l) => l,
        Err(why) => return Outcome::failed(why),
    };
    let Some(user) = logins.first().map(|l| l.0.clone()) else {
        return Outcome::failed(format!(
            "secret {} holds no username and password",
            validation.secret_arn
        ));
    };
    // The restored instance has the password of its snapshot's time: any
    // rotation since made it an older version of the secret.
    let passwords: Vec<&str> = logins
        .iter()
        .filter(|l| l.0 == user)
        .map(|l| l.1.as_str())
        .collect();
    let dialect = match validation.engine.as_deref() {
        Some("mysql" | "mariadb") => Dialect::MySql,
        _ => Dialect::Postgres,
    };
    let server = Server {
        dialect,
        host,
        port,
        dbname: validation.dbname.as_deref(),
        tls: Tls::VerifyFull,
        ca_bundle: &config.ca_bundle,
    };
    let (mut conn, used) = match db::connect_first(&server, &user, &passwords).await {
        Ok(c) => c,
        Err(why) => return Outcome::failed(format!("cannot connect to {host}:{port}: {why}")),
    };
    let password = passwords[used];
    let limit = Duration::from_secs(config.validation_timeout_seconds);
    let mariadb = validation.engine.as_deref() == Some("mariadb");
    let mut failures = Vec::new();
    // Each check in a read-only transaction of its own, rolled back: one
    // failing leaves the next a clean start, and none can change the data.
    for check in &validation.checks {
        let result = match conn.begin_read_only(limit, mariadb).await {
            Ok(()) => conn.query_first(&check.sql).await,
            Err(why) => Err(why.context("cannot open a read-only transaction")),
        };
        conn.rollback().await;
        match result {
            Ok((rows, first)) => {
                if let Err(why) = evaluate(check, &Answer { rows, first }) {
                    failures.push(why);
                }
            }
            Err(why) => failures.push(format!("{}: {}", check.label(), why.masked(&[password]))),
        }
    }
    conn.close().await;
    if failures.is_empty() {
        Outcome {
            status: "SUCCESSFUL",
            message: format!("{} checks passed", validation.checks.len()),
        }
    } else {
        Outcome::failed(failures.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: &str, validation: Option<&str>, deletion: Option<&str>) -> RestoredResource {
        RestoredResource {
            source_arn: "arn:aws:rds:us-east-1:123456789012:db:orders-prod".into(),
            created_arn: "arn:aws:rds:us-east-1:123456789012:db:restored".into(),
            status: status.into(),
            validation: validation.map(str::to_owned),
            deletion: deletion.map(str::to_owned),
        }
    }

    #[test]
    fn only_a_completed_unvalidated_restore_that_still_exists_is_validated() {
        assert_eq!(job("COMPLETED", None, None).readiness(), Readiness::Ready);
        assert_eq!(
            job("COMPLETED", Some("VALIDATING"), None).readiness(),
            Readiness::Ready
        );
        assert!(
            matches!(job("RUNNING", None, None).readiness(), Readiness::Skip(r) if r.contains("is RUNNING"))
        );
        assert!(matches!(
            job("FAILED", None, None).readiness(),
            Readiness::Skip(_)
        ));
        assert!(matches!(
            job("COMPLETED", Some("SUCCESSFUL"), Some("DELETING")).readiness(),
            Readiness::Skip(r) if r.contains("already validated (SUCCESSFUL)")
        ));
        assert!(matches!(
            job("COMPLETED", None, Some("DELETING")).readiness(),
            Readiness::Lost(r) if r.contains("being deleted")
        ));
    }
}
