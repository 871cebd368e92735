use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use shared::Env;
use shared::config::Common;

use crate::plan::{Fallback, Kind};
use crate::schedule::{Schedule, ScheduleSpec, parse_all};

/// Variable names read by this function (besides the common ones).
pub mod vars {
    /// The schedules document itself, as JSON.
    pub const SCHEDULES: &str = "SCHEDULES";
    /// Path of the schedules document (relative paths are resolved against
    /// the function's package, `LAMBDA_TASK_ROOT`). Used when `SCHEDULES` is unset.
    pub const SCHEDULES_FILE: &str = "SCHEDULES_FILE";
    /// EventBridge bus (name or ARN) the per-action events go to (default `default`).
    pub const EVENT_BUS: &str = "EVENT_BUS";
    /// Parameter Store parameter (name) that keeps which standing problems
    /// were already told; unset, every run alerts on them.
    pub const STATE_PARAMETER: &str = "STATE_PARAMETER";
}

/// The tag key resources opt in with, unless the document names another.
pub const DEFAULT_TAG_KEY: &str = "Schedule";

/// A configuration problem found at start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Env(#[from] shared::ConfigError),
    #[error("neither SCHEDULES nor SCHEDULES_FILE is set: one must hold the schedules document")]
    NoDocument,
    #[error("cannot read the schedules document {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the schedules document from {origin} is invalid: {problem}")]
    Invalid { origin: String, problem: String },
}

/// The schedules document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    #[serde(default = "default_tag_key")]
    pub tag_key: String,
    pub schedules: BTreeMap<String, ScheduleSpec>,
    /// Targets that follow a schedule without carrying the tag.
    #[serde(default)]
    pub targets: Vec<ExplicitTarget>,
    #[serde(default)]
    pub fallback: Fallback,
    /// Minutes before an RDS maintenance window a database the schedule
    /// keeps stopped is started (kept running until the window ends);
    /// unset: maintenance windows are not looked at.
    #[serde(default)]
    pub rds_maintenance_lead_minutes: Option<u32>,
}

fn default_tag_key() -> String {
    DEFAULT_TAG_KEY.to_owned()
}

/// A target named in the document: `ecs-service` `cluster/service`,
/// `autoscaling-group` `name`, `rds-instance` `id`, `rds-cluster` `id`,
/// `ec2-instance` `i-...`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplicitTarget {
    #[serde(rename = "type")]
    pub kind: Kind,
    pub id: String,
    pub schedule: String,
}

/// The scheduler's configuration, read once at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    pub common: Common,
    pub tag_key: String,
    pub schedules: BTreeMap<String, Schedule>,
    pub explicit: Vec<ExplicitTarget>,
    pub fallback: Fallback,
    /// Where each action's `Scheduled Scaling Action` event goes.
    pub event_bus: String,
    /// Where the standing problems already told are kept.
    pub state_parameter: Option<String>,
    /// See [`Document::rds_maintenance_lead_minutes`].
    pub maintenance_lead: Option<u32>,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let common = Common::from_env(env)?;
        let (text, origin) = match (
            env.optional(vars::SCHEDULES),
            env.optional(vars::SCHEDULES_FILE),
        ) {
            (Some(text), _) => (text, vars::SCHEDULES.to_owned()),
            (None, Some(path)) => {
                let mut full = PathBuf::from(&path);
                if full.is_relative()
                    && let Some(root) = env.optional("LAMBDA_TASK_ROOT")
                {
                    full = PathBuf::from(root).join(full);
                }
                let text = std::fs::read_to_string(&full).map_err(|e| ConfigError::Unreadable {
                    path: full.display().to_string(),
                    reason: e.to_string(),
                })?;
                (text, full.display().to_string())
            }
            (None, None) => return Err(ConfigError::NoDocument),
        };
        let mut config = Self::from_document(common, &text, &origin)?;
        if let Some(bus) = env.optional(vars::EVENT_BUS) {
            config.event_bus = bus;
        }
        config.state_parameter = env.optional(vars::STATE_PARAMETER);
        Ok(config)
    }

    /// Validates a schedules document: its shape, every schedule, and that
    /// explicit targets name schedules that exist.
    pub fn from_document(common: Common, text: &str, origin: &str) -> Result<Self, ConfigError> {
        let invalid = |problem: String| ConfigError::Invalid {
            origin: origin.to_owned(),
            problem,
        };
        let document: Document = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let schedules = parse_all(&document.schedules).map_err(|e| invalid(e.to_string()))?;
        if document.tag_key.trim().is_empty() {
            return Err(invalid("tag_key is empty".into()));
        }
        for t in &document.targets {
            if !schedules.contains_key(&t.schedule) {
                return Err(invalid(format!(
                    "target {} {} names schedule {:?}, which is not defined",
                    t.kind, t.id, t.schedule
                )));
            }
            if t.kind == Kind::EcsService && t.id.split('/').count() != 2 {
                return Err(invalid(format!(
                    "target ecs-service {:?} must be written cluster/service",
                    t.id
                )));
            }
        }
        check_fallback(&document.fallback).map_err(invalid)?;
        if let Some(lead) = document.rds_maintenance_lead_minutes
            && lead > crate::maintenance::MAX_LEAD_MINUTES
        {
            return Err(invalid(format!(
                "rds_maintenance_lead_minutes {lead} is more than a day ({})",
                crate::maintenance::MAX_LEAD_MINUTES
            )));
        }
        Ok(Config {
            common,
            tag_key: document.tag_key,
            schedules,
            explicit: document.targets,
            fallback: document.fallback,
            event_bus: crate::events::DEFAULT_BUS.to_owned(),
            state_parameter: None,
            maintenance_lead: document.rds_maintenance_lead_minutes,
        })
    }

    /// The schedule an explicitly listed target follows.
    pub fn explicit_schedule(&self, kind: Kind, id: &str) -> Option<&str> {
        self.explicit
            .iter()
            .find(|t| t.kind == kind && t.id == id)
            .map(|t| t.schedule.as_str())
    }
}

/// A fallback starts a target from zero, so it must name the bounds too:
/// without them an ECS service's scalable target keeps the 0/0 the
/// scale-down set (Application Auto Scaling pulls it back to zero and the
/// next run scales it up again) and an Auto Scaling group gets a desired
/// count above its max of 0, which AWS refuses on every run. A service
/// without a scalable target ignores the bounds.
fn check_fallback(fallback: &Fallback) -> Result<(), String> {
    for (key, capacity) in [
        ("ecs_service", fallback.ecs_service),
        ("autoscaling_group", fallback.autoscaling_group),
    ] {
        let Some(c) = capacity else { continue };
        let (Some(min), Some(max)) = (c.min, c.max) else {
            return Err(format!(
                "fallback.{key} needs min and max as well as desired: a target started from zero \
                 keeps the bounds of 0 its scale-down set otherwise"
            ));
        };
        if c.desired < 1 || min < 0 || !(min <= c.desired && c.desired <= max) {
            return Err(format!(
                "fallback.{key} must have 0 <= min <= desired <= max and desired of at least 1 \
                 (it has desired {}, min {min}, max {max})",
                c.desired
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common() -> Common {
        Common::from_env(&Env::from_pairs([(
            "NOTIFY_TOPIC_ARN",
            "arn:aws:sns:us-east-1:123456789012:t",
        )]))
        .expect("common")
    }

    const DOC: &str = r#"{
        "schedules": {"office": {"timezone": "Europe/Paris", "periods": [{"days": "mon-fri", "start": "08:00", "stop": "19:00"}]}},
        "targets": [{"type": "ecs-service", "id": "prod/web", "schedule": "office"}],
        "fallback": {"autoscaling_group": {"desired": 1, "min": 1, "max": 2}}
    }"#;

    #[test]
    fn a_document_is_read_with_defaults() {
        let cfg = Config::from_document(common(), DOC, "test").expect("valid");
        assert_eq!(cfg.tag_key, "Schedule");
        assert_eq!(
            cfg.explicit_schedule(Kind::EcsService, "prod/web"),
            Some("office")
        );
        assert_eq!(cfg.fallback.autoscaling_group.map(|c| c.desired), Some(1));
    }

    #[test]
    fn the_example_document_is_valid() {
        let example = include_str!("../schedules.example.json");
        Config::from_document(common(), example, "schedules.example.json").expect("valid example");
    }

    #[test]
    fn the_file_comes_from_the_task_root() {
        let dir = std::env::temp_dir().join(format!("sched-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("schedules.json"), DOC).expect("write");
        let env = Env::from_pairs([
            ("NOTIFY_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t"),
            ("SCHEDULES_FILE", "schedules.json"),
            ("LAMBDA_TASK_ROOT", dir.to_str().unwrap_or_default()),
        ]);
        assert!(Config::from_env(&env).is_ok());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn bad_documents_name_their_problem() {
        let env = Env::from_pairs([("NOTIFY_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t")]);
        assert!(matches!(
            Config::from_env(&env),
            Err(ConfigError::NoDocument)
        ));
        for (doc, says) in [
            ("{", "EOF"),
            (r#"{"schedules": {}, "tags": "x"}"#, "unknown field `tags`"),
            (
                r#"{"schedules": {"a": {"timezone": "Nowhere/City", "periods": [{"start": "08:00", "stop": "09:00"}]}}}"#,
                "schedule \"a\": unknown time zone",
            ),
            (
                r#"{"schedules": {}, "targets": [{"type": "ecs-service", "id": "c/s", "schedule": "ghost"}]}"#,
                "names schedule \"ghost\"",
            ),
            (
                r#"{"schedules": {"a": {"timezone": "UTC", "periods": [{"start": "08:00", "stop": "09:00"}]}}, "targets": [{"type": "ecs-service", "id": "web", "schedule": "a"}]}"#,
                "cluster/service",
            ),
            (
                r#"{"schedules": {}, "targets": [{"type": "lambda", "id": "f", "schedule": "a"}]}"#,
                "unknown variant `lambda`",
            ),
            (
                r#"{"schedules": {}, "fallback": {"ecs_service": {"desired": 1}}}"#,
                "fallback.ecs_service needs min and max",
            ),
            (
                r#"{"schedules": {}, "fallback": {"autoscaling_group": {"desired": 2, "min": 1}}}"#,
                "fallback.autoscaling_group needs min and max",
            ),
            (
                r#"{"schedules": {}, "fallback": {"autoscaling_group": {"desired": 3, "min": 1, "max": 2}}}"#,
                "(it has desired 3, min 1, max 2)",
            ),
            (
                r#"{"schedules": {}, "fallback": {"ecs_service": {"desired": 0, "min": 0, "max": 0}}}"#,
                "desired of at least 1",
            ),
            (
                r#"{"schedules": {}, "rds_maintenance_lead_minutes": 1500}"#,
                "rds_maintenance_lead_minutes 1500 is more than a day (1440)",
            ),
        ] {
            let err = Config::from_document(common(), doc, "SCHEDULES").expect_err(says);
            let text = err.to_string();
            assert!(
                text.starts_with("the schedules document from SCHEDULES is invalid"),
                "{text}"
            );
            assert!(text.contains(says), "{text} should say {says}");
        }
    }
}
