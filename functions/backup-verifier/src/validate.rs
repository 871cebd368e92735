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
    fn failed(message: impl Into<String>) -> Self {
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
    })
}

/// The checks configured for a source resource: by ARN, else by its name.
pub fn checks_for<'a>(config: &'a Config, source_arn: &str) -> Option<&'a Validation> {
    config.validations.get(source_arn).or_else(|| {
        let name = source_arn.rsplit([':', '/']).next().unwrap_or(source_arn);
        config.validations.get(name)
    })
}

/// Connects to the restored instance and runs every check, within the time limit.
pub async fn run(
    clients: &Clients,
    config: &Config,
    validation: &Validation,
    created_arn: &str,
) -> Outcome {
    let limit = Duration::from_secs(config.validation_timeout_seconds);
    match tokio::time::timeout(limit, run_checks(clients, config, validation, created_arn)).await {
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
    created_arn: &str,
) -> Outcome {
    let Some((_, id)) = created_arn.split_once(":db:") else {
        return Outcome::failed(format!(
            "{created_arn} is not an RDS DB instance: only those can be checked"
        ));
    };
    let instance = match clients
        .rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
    {
        Ok(out) => out.db_instances.and_then(|v| v.into_iter().next()),
        Err(e) => return Outcome::failed(failure("rds:DescribeDBInstances", &e)),
    };
    let Some(endpoint) = instance.and_then(|i| i.endpoint) else {
        return Outcome::failed(format!("the restored instance {id} has no endpoint yet"));
    };
    let host = endpoint.address.unwrap_or_default();
    let port = endpoint
        .port
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(5432);
    let secret = match clients
        .secrets
        .get_secret_value()
        .secret_id(&validation.secret_arn)
        .version_stage("AWSCURRENT")
        .send()
        .await
    {
        Ok(out) => out.secret_string.unwrap_or_default(),
        Err(e) => return Outcome::failed(failure("secretsmanager:GetSecretValue", &e)),
    };
    let creds: serde_json::Value = serde_json::from_str(&secret).unwrap_or_default();
    let (Some(user), Some(password)) = (creds["username"].as_str(), creds["password"].as_str())
    else {
        return Outcome::failed(format!(
            "secret {} holds no username and password",
            validation.secret_arn
        ));
    };
    let dialect = match validation.engine.as_deref() {
        Some("mysql" | "mariadb") => Dialect::MySql,
        _ => Dialect::Postgres,
    };
    let server = Server {
        dialect,
        host: &host,
        port,
        dbname: validation.dbname.as_deref(),
        tls: Tls::VerifyFull,
        ca_bundle: &config.ca_bundle,
    };
    let mut conn = match db::connect(&server, user, password).await {
        Ok(c) => c,
        Err(why) => return Outcome::failed(format!("cannot connect to {host}:{port}: {why}")),
    };
    let mut failures = Vec::new();
    for check in &validation.checks {
        match conn.query_first(&check.sql).await {
            Ok((rows, first)) => {
                if let Err(why) = evaluate(check, &Answer { rows, first }) {
                    failures.push(why);
                }
            }
            Err(why) => failures.push(format!(
                "{}: {}",
                check.label(),
                db::scrub(&why, &[password])
            )),
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
