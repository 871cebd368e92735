//! Events the suite's own functions emit to EventBridge, so that other
//! functions (scaling-notifier) and users' rules can match them.

/// What scaling-scheduler says about each action it takes.
pub mod scheduler {
    use serde::{Deserialize, Serialize};

    /// `source` of every scaling-scheduler event.
    pub const SOURCE: &str = "ops-automation.scaling-scheduler";
    /// `detail-type` of the event sent for each scheduled action.
    pub const ACTION_DETAIL_TYPE: &str = "Scheduled Scaling Action";

    /// How an action ended.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Outcome {
        Done,
        Failed,
        Skipped,
        Planned,
    }

    /// Capacity or state of a target before or after an action.
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Capacity {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub desired: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub min: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max: Option<i32>,
        /// For targets that are stopped and started rather than scaled (RDS).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub state: Option<String>,
    }

    impl std::fmt::Display for Capacity {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let mut parts = Vec::new();
            if let Some(state) = &self.state {
                parts.push(state.clone());
            }
            if let Some(d) = self.desired {
                parts.push(format!("desired {d}"));
            }
            if let Some(m) = self.min {
                parts.push(format!("min {m}"));
            }
            if let Some(m) = self.max {
                parts.push(format!("max {m}"));
            }
            f.write_str(&parts.join(", "))
        }
    }

    /// The `detail` of a [`ACTION_DETAIL_TYPE`] event.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ScheduledAction {
        pub schedule: String,
        /// `ecs-service`, `autoscaling-group`, `rds-instance`, `rds-cluster`.
        pub resource_type: String,
        pub resource: String,
        /// `scale-down`, `scale-up`, `stop`, `start`.
        pub action: String,
        pub outcome: Outcome,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub before: Option<Capacity>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub after: Option<Capacity>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reason: Option<String>,
        #[serde(default)]
        pub dry_run: bool,
    }
}
