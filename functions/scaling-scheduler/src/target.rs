//! What the scheduler acts on and with: the kinds of target, a capacity
//! (and its `schedule:saved` tag form), what was observed of a target, and
//! the actions a plan can choose.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Tag holding the capacity saved before scaling to zero.
pub const SAVED_TAG: &str = "schedule:saved";
/// Tag overriding the schedule: `on`, `off`, `on-until=<RFC 3339>`, `off-until=<RFC 3339>`.
pub const OVERRIDE_TAG: &str = "schedule:override";

/// The kinds of target the scheduler drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    EcsService,
    AutoscalingGroup,
    RdsInstance,
    RdsCluster,
    Ec2Instance,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::EcsService => "ecs-service",
            Kind::AutoscalingGroup => "autoscaling-group",
            Kind::RdsInstance => "rds-instance",
            Kind::RdsCluster => "rds-cluster",
            Kind::Ec2Instance => "ec2-instance",
        })
    }
}

impl Kind {
    /// The id reports and discovery give a target of this kind named
    /// `name` (`cluster/service` for ECS): `ecs/prod/web`, `asg/api`.
    pub fn target_id(self, name: &str) -> String {
        let prefix = match self {
            Kind::EcsService => "ecs",
            Kind::AutoscalingGroup => "asg",
            Kind::RdsInstance => "rds",
            Kind::RdsCluster => "rds-cluster",
            Kind::Ec2Instance => "ec2",
        };
        format!("{prefix}/{name}")
    }
}

/// Desired count with, where they exist, the minimum and maximum that an
/// autoscaler keeps it within (ASG min/max; for ECS the Application Auto
/// Scaling scalable target's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    pub desired: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i32>,
}

impl Capacity {
    pub fn is_zero(&self) -> bool {
        self.desired == 0 && self.min.unwrap_or(0) == 0 && self.max.unwrap_or(0) == 0
    }

    /// What the saved tag holds: `desired=3 min=2 max=6`. Letters, digits,
    /// `=` and spaces only, because ECS and RDS accept no other characters
    /// in tag values than `[\p{L}\p{Z}\p{N}_.:/=+\-@]` (a JSON form was
    /// refused by ECS's TagResource).
    pub fn to_tag(&self) -> String {
        let mut tag = format!("desired={}", self.desired);
        if let Some(min) = self.min {
            tag.push_str(&format!(" min={min}"));
        }
        if let Some(max) = self.max {
            tag.push_str(&format!(" max={max}"));
        }
        tag
    }

    /// Reads a saved tag; the JSON form earlier versions wrote
    /// (`{"desired":3,"min":2,"max":6}`) too, so what they saved restores.
    pub fn from_tag(value: &str) -> Option<Capacity> {
        let value = value.trim();
        if value.starts_with('{') {
            return serde_json::from_str(value).ok();
        }
        let mut capacity = Capacity {
            desired: -1,
            min: None,
            max: None,
        };
        for field in value.split_whitespace() {
            let (name, number) = field.split_once('=')?;
            let number: i32 = number.parse().ok().filter(|n: &i32| *n >= 0)?;
            let slot = match name {
                "desired" => {
                    capacity.desired = number;
                    continue;
                }
                "min" => &mut capacity.min,
                "max" => &mut capacity.max,
                _ => return None,
            };
            *slot = Some(number);
        }
        (capacity.desired >= 0).then_some(capacity)
    }

    /// The same capacity with zero bounds where bounds exist.
    pub fn zeroed(&self) -> Capacity {
        Capacity {
            desired: 0,
            min: self.min.map(|_| 0),
            max: self.max.map(|_| 0),
        }
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "desired {}", self.desired)?;
        if let Some(min) = self.min {
            write!(f, ", min {min}")?;
        }
        if let Some(max) = self.max {
            write!(f, ", max {max}")?;
        }
        Ok(())
    }
}

/// What was observed of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// ECS services and Auto Scaling groups.
    Scalable {
        current: Capacity,
        saved: Option<Capacity>,
    },
    /// RDS instances and clusters: their status (`available`, `stopped`,
    /// ...) and `PreferredMaintenanceWindow` (`sun:05:00-sun:05:30`, UTC).
    Database {
        status: String,
        maintenance_window: Option<String>,
    },
    /// EC2 instances: their state (`running`, `stopped`, `pending`, ...)
    /// and whether hibernation was enabled at launch
    /// (`HibernationOptions.Configured`).
    Instance { state: String, hibernation: bool },
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Observed::Scalable {
                current,
                saved: Some(saved),
            } => write!(f, "{current} (saved: {saved})"),
            Observed::Scalable {
                current,
                saved: None,
            } => write!(f, "{current}"),
            Observed::Database { status, .. } => f.write_str(status),
            Observed::Instance { state, .. } => f.write_str(state),
        }
    }
}

/// A target with everything needed to decide about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    /// `ecs/<cluster>/<service>`, `asg/<name>`, `rds/<id>`, `rds-cluster/<id>`,
    /// `ec2/<instance id>`.
    pub id: String,
    /// The schedule it follows (its tag's value, or the explicit target list).
    pub schedule: String,
    /// The raw value of its override tag, if any.
    pub override_tag: Option<String>,
    pub observed: Observed,
    /// A reason this target can never be acted on (read replica, cluster
    /// member, an instance its Auto Scaling group owns).
    pub ineligible: Option<String>,
    /// What keeps one direction from taking effect, or makes it partial.
    pub limits: Limits,
}

/// Why scaling a target down or up would not do what it says (an Auto
/// Scaling group whose Terminate process is suspended), or would do it only
/// in part (instances protected from scale-in keep running).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// Scaling down would change nothing: skip it, with this reason.
    pub down_blocked: Option<String>,
    /// Scaling up would change nothing: skip it, with this reason.
    pub up_blocked: Option<String>,
    /// Scaling down leaves something running: said with the action.
    pub down_partial: Option<String>,
}

/// What to do to a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Save `save` on the target, then scale it to zero (bounds first).
    ScaleDown {
        save: Capacity,
        to: Capacity,
    },
    /// Restore `to` (bounds first), then remove the saved tag.
    ScaleUp {
        to: Capacity,
        from_fallback: bool,
    },
    /// The target is back at its saved capacity: only the saved tag is left to remove.
    ForgetSaved,
    Stop,
    /// Stop an EC2 instance with its memory saved to its root volume (a
    /// plain stop where EC2 cannot hibernate it).
    Hibernate,
    Start,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::ScaleDown { save, to } => write!(f, "scale down from {save} to {to}"),
            Action::ScaleUp {
                to,
                from_fallback: false,
            } => write!(f, "scale up to saved {to}"),
            Action::ScaleUp {
                to,
                from_fallback: true,
            } => {
                write!(f, "scale up to fallback {to} (nothing was saved)")
            }
            Action::ForgetSaved => f.write_str("remove the saved-capacity tag (already restored)"),
            Action::Stop => f.write_str("stop"),
            Action::Hibernate => f.write_str("hibernate"),
            Action::Start => f.write_str("start"),
        }
    }
}

/// Capacities used to start a target that has nothing saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fallback {
    #[serde(default)]
    pub ecs_service: Option<Capacity>,
    #[serde(default)]
    pub autoscaling_group: Option<Capacity>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_saved_tag_is_readable_and_within_every_tag_pattern() {
        let saved = Capacity {
            desired: 3,
            min: Some(2),
            max: Some(6),
        };
        let tag = saved.to_tag();
        assert_eq!(tag, "desired=3 min=2 max=6");
        // ECS and RDS: [\p{L}\p{Z}\p{N}_.:/=+\-@]* only.
        assert!(
            tag.chars()
                .all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)),
            "{tag}"
        );
        assert_eq!(Capacity::from_tag(&tag), Some(saved));
        let bare = Capacity {
            desired: 2,
            min: None,
            max: None,
        };
        assert_eq!(bare.to_tag(), "desired=2");
        assert_eq!(Capacity::from_tag("desired=2"), Some(bare));
    }

    #[test]
    fn a_saved_tag_in_the_old_json_form_still_restores() {
        assert_eq!(
            Capacity::from_tag(r#"{"desired":3,"min":2,"max":6}"#),
            Some(Capacity {
                desired: 3,
                min: Some(2),
                max: Some(6),
            })
        );
    }

    #[test]
    fn a_malformed_saved_tag_is_not_read_as_a_capacity() {
        for bad in [
            "",
            "min=1",
            "desired=x",
            "desired=-1",
            "desired=3 size=4",
            "3",
            "{",
        ] {
            assert_eq!(Capacity::from_tag(bad), None, "{bad:?}");
        }
    }
}
