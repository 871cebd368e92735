//! Pure decisions: is this resource protected as its policy asks, and do a
//! restored database's answers meet their checks. No AWS here.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What one resource must meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub rpo_hours: u32,
    pub min_retention_days: u32,
    /// When set, backups must be encrypted with exactly this key.
    pub kms_key: Option<String>,
}

/// The key id a KMS key ARN or id names (`arn:...:key/<id>` -> `<id>`), so
/// an ARN and a bare id of one key compare equal. Aliases are not resolved.
fn key_id(key: &str) -> &str {
    key.rsplit_once(":key/").map_or(key, |(_, id)| id)
}

/// Where a backup was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    AwsBackup,
    RdsSnapshot,
    RdsClusterSnapshot,
    EbsSnapshot,
}

/// One backup of a resource, whatever made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub source: Source,
    pub id: String,
    pub created: Timestamp,
    /// Finished and usable (`COMPLETED`, `available`, `completed`).
    pub completed: bool,
    pub encrypted: bool,
    pub kms_key: Option<String>,
    /// Days it is kept; `None`: until someone deletes it.
    pub retention_days: Option<u32>,
    /// A continuous (point-in-time) backup, whose `created` is when it
    /// started, not what it can restore.
    pub continuous: Option<Continuous>,
}

/// The state of a continuous backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Continuous {
    /// Restorable up to `until`, the resource's latest restorable time
    /// (RDS says it); where the service does not say, a running continuous
    /// backup is restorable to within minutes of now (AWS Backup marks one
    /// that falls behind STOPPED).
    Running { until: Option<Timestamp> },
    /// Disabled by a change (a permission removed, versioning or its
    /// EventBridge rule turned off, a retention changed): it restores
    /// nothing after it stopped.
    Stopped { message: String },
}

impl Backup {
    /// The latest instant it can restore: a continuous backup's latest
    /// restorable time, otherwise when it was taken.
    pub fn as_of(&self, now: Timestamp) -> Timestamp {
        match &self.continuous {
            Some(Continuous::Running { until }) => until.unwrap_or(now),
            _ => self.created,
        }
    }
}

/// A backup job that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedJob {
    pub id: String,
    pub state: String,
    pub created: Timestamp,
    pub message: String,
}

/// The verdict on one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "UPPERCASE")]
pub enum Verdict {
    Ok {
        latest: String,
        source: Source,
        age_hours: f64,
    },
    Violation {
        reasons: Vec<String>,
        age_hours: Option<f64>,
    },
    Unknown {
        why: String,
    },
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Ok { .. } => "OK",
            Verdict::Violation { .. } => "VIOLATION",
            Verdict::Unknown { .. } => "UNKNOWN",
        }
    }
}

/// An EBS recovery point of AWS Backup is an EBS snapshot, which the native
/// listing finds again without its retention: the recovery point, which has
/// it, is the one judged (a tie on time would otherwise pick either).
fn is_backup_copy_seen_natively(b: &Backup, all: &[Backup]) -> bool {
    b.source == Source::EbsSnapshot
        && all.iter().any(|other| {
            other.source == Source::AwsBackup && other.id.ends_with(&format!(":snapshot/{}", b.id))
        })
}

/// The newest completed backup, by what it can restore; on a tie, AWS
/// Backup's point, which carries its lifecycle.
pub fn newest(backups: &[Backup], now: Timestamp) -> Option<&Backup> {
    backups
        .iter()
        .filter(|b| b.completed && !is_backup_copy_seen_natively(b, backups))
        .max_by_key(|b| (b.as_of(now), b.source == Source::AwsBackup))
}

/// Judges a resource from its backups and the failed jobs of its window.
pub fn judge(
    policy: &Policy,
    now: Timestamp,
    backups: &[Backup],
    failed_jobs: &[FailedJob],
) -> Verdict {
    let mut reasons = Vec::new();
    let latest = newest(backups, now);
    let age_hours =
        latest.map(|b| (now.as_second() - b.as_of(now).as_second()).max(0) as f64 / 3600.0);
    match latest {
        None => reasons.push(if backups.is_empty() {
            "no backup found".to_owned()
        } else {
            format!("none of its {} backups is completed", backups.len())
        }),
        Some(b) => {
            let age = age_hours.unwrap_or_default();
            if age > policy.rpo_hours as f64 {
                let what = if b.continuous.is_some() {
                    "the latest restorable time of the continuous backup"
                } else {
                    "the latest completed backup"
                };
                reasons.push(format!(
                    "{what} ({}) is {age:.1} h old: the RPO is {} h",
                    b.id, policy.rpo_hours
                ));
            }
            if !b.encrypted {
                reasons.push(format!("the latest backup ({}) is not encrypted", b.id));
            } else if let Some(expected) = &policy.kms_key
                && b.kms_key.as_deref().map(key_id) != Some(key_id(expected))
            {
                reasons.push(format!(
                    "the latest backup ({}) is encrypted with {}, not the expected key {expected}",
                    b.id,
                    b.kms_key.as_deref().unwrap_or("an unknown key")
                ));
            }
            if let Some(days) = b.retention_days
                && days < policy.min_retention_days
            {
                reasons.push(format!(
                    "the latest backup ({}) is kept {days} days: at least {} are required",
                    b.id, policy.min_retention_days
                ));
            }
        }
    }
    for b in backups {
        if let Some(Continuous::Stopped { message }) = &b.continuous {
            reasons.push(format!(
                "the continuous backup {} is STOPPED: point-in-time restore no longer \
                 advances{}",
                b.id,
                if message.is_empty() {
                    String::new()
                } else {
                    format!(" ({message})")
                }
            ));
        }
    }
    let window_start = now.as_second() - policy.rpo_hours as i64 * 3600;
    for job in failed_jobs
        .iter()
        .filter(|j| j.created.as_second() >= window_start)
    {
        reasons.push(format!(
            "backup job {} {} at {}{}",
            job.id,
            job.state,
            job.created,
            if job.message.is_empty() {
                String::new()
            } else {
                format!(": {}", job.message)
            }
        ));
    }
    match (reasons.is_empty(), latest) {
        (true, Some(b)) => Verdict::Ok {
            latest: b.id.clone(),
            source: b.source,
            age_hours: age_hours.unwrap_or_default(),
        },
        _ => Verdict::Violation { reasons, age_hours },
    }
}

/// One query a restored database must answer well.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlCheck {
    /// A name for reports; defaults to the query.
    #[serde(default)]
    pub name: Option<String>,
    pub sql: String,
    /// At least this many rows.
    #[serde(default)]
    pub min_rows: Option<u64>,
    /// The first column of the first row, as text, equals this.
    #[serde(default)]
    pub equals: Option<String>,
}

impl SqlCheck {
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.sql)
    }
}

/// What a check query returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub rows: u64,
    pub first: Option<String>,
}

/// Whether an answer meets its check; the reason when it does not.
pub fn evaluate(check: &SqlCheck, answer: &Answer) -> Result<(), String> {
    if let Some(min) = check.min_rows
        && answer.rows < min
    {
        return Err(format!(
            "{}: {} rows, at least {min} expected",
            check.label(),
            answer.rows
        ));
    }
    if let Some(expected) = &check.equals
        && answer.first.as_deref() != Some(expected.as_str())
    {
        // What the database holds is never repeated: the message goes to
        // AWS Backup and to chat.
        return Err(format!(
            "{}: returned {}, not the {expected:?} expected",
            check.label(),
            if answer.first.is_some() {
                "another value"
            } else {
                "nothing"
            }
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
