//! Deciding what to do with each target: pure functions over what was
//! observed, unit-tested without AWS.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::schedule::{Schedule, State};

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
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::EcsService => "ecs-service",
            Kind::AutoscalingGroup => "autoscaling-group",
            Kind::RdsInstance => "rds-instance",
            Kind::RdsCluster => "rds-cluster",
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
    /// RDS instances and clusters: their status (`available`, `stopped`, ...).
    Database { status: String },
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
            Observed::Database { status } => f.write_str(status),
        }
    }
}

/// A target with everything needed to decide about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    /// `ecs/<cluster>/<service>`, `asg/<name>`, `rds/<id>`, `rds-cluster/<id>`.
    pub id: String,
    /// The schedule it follows (its tag's value, or the explicit target list).
    pub schedule: String,
    /// The raw value of its override tag, if any.
    pub override_tag: Option<String>,
    pub observed: Observed,
    /// A reason this target can never be acted on (read replica, cluster member).
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

/// The decision for one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub desired: Option<State>,
    /// Why that state: `schedule office-hours`, `override on-until=...`.
    pub because: String,
    pub action: Option<Action>,
    /// Why nothing is done, when nothing is done for a reason worth saying.
    pub skip: Option<String>,
    /// What the action will leave undone (instances protected from scale-in).
    pub caveat: Option<String>,
    /// What a person must fix (an unknown schedule name, a malformed
    /// override): reported as failed, so the run's summary alerts.
    pub problems: Vec<String>,
}

/// What an override tag says at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideTag {
    Active(State, String),
    Expired(String),
    Invalid(String),
}

pub fn parse_override(raw: &str, now: Timestamp) -> OverrideTag {
    let value = raw.trim().to_ascii_lowercase();
    let (state_text, until) = match value.split_once("-until=") {
        Some((state, until)) => (state.to_owned(), Some(until.to_owned())),
        None => (value.clone(), None),
    };
    let state = match state_text.as_str() {
        "on" => State::Running,
        "off" => State::Stopped,
        _ => {
            return OverrideTag::Invalid(format!(
                "override {raw:?} ignored: expected on, off, on-until=<time> or off-until=<time>"
            ));
        }
    };
    match until {
        None => OverrideTag::Active(state, format!("override {raw}")),
        Some(until) => match until.to_ascii_uppercase().parse::<Timestamp>() {
            Ok(t) if t > now => OverrideTag::Active(state, format!("override {raw}")),
            Ok(_) => OverrideTag::Expired(format!("override {raw} has expired")),
            Err(_) => OverrideTag::Invalid(format!(
                "override {raw:?} ignored: the time is not RFC 3339 (2026-11-23T18:00Z)"
            )),
        },
    }
}

/// Decides what to do with one target at `now`. `forced` (an `apply`
/// command) replaces the schedule's state; an override tag wins over both.
pub fn decide(
    target: &Target,
    schedules: &BTreeMap<String, Schedule>,
    now: Timestamp,
    forced: Option<State>,
    fallback: &Fallback,
) -> Decision {
    let mut notes = Vec::new();
    let scheduled = match (forced, schedules.get(&target.schedule)) {
        (Some(state), _) => Some((state, format!("apply command ({state})"))),
        (None, Some(schedule)) => Some((
            schedule.state_at(now),
            format!("schedule {}", schedule.name),
        )),
        (None, None) => None,
    };
    let overridden = target
        .override_tag
        .as_deref()
        .map(|raw| parse_override(raw, now));
    let mut problems = Vec::new();
    if scheduled.is_none() {
        let known: Vec<&str> = schedules.keys().map(String::as_str).collect();
        problems.push(format!(
            "unknown schedule {:?}: no schedule of that name is configured (configured: {}), \
             so the schedule cannot act on it; fix its tag or the schedules document",
            target.schedule,
            known.join(", ")
        ));
    }
    let chosen = match overridden {
        Some(OverrideTag::Active(state, why)) => Some((state, why)),
        Some(OverrideTag::Expired(note)) => {
            notes.push(note);
            scheduled
        }
        Some(OverrideTag::Invalid(problem)) => {
            notes.push(problem.clone());
            problems.push(problem);
            scheduled
        }
        None => scheduled,
    };
    let Some((desired, because)) = chosen else {
        return Decision {
            desired: None,
            because: String::new(),
            action: None,
            skip: None,
            caveat: None,
            problems,
        };
    };
    let because = if notes.is_empty() {
        because
    } else {
        format!("{because}; {}", notes.join("; "))
    };
    if let Some(reason) = &target.ineligible {
        return Decision {
            desired: Some(desired),
            because,
            action: None,
            skip: Some(reason.clone()),
            caveat: None,
            problems,
        };
    }
    let (action, skip) = match &target.observed {
        Observed::Scalable { current, saved } => {
            scalable(target.kind, desired, current, saved.as_ref(), fallback)
        }
        Observed::Database { status } => database(desired, status),
    };
    let limits = &target.limits;
    let blocked = match &action {
        Some(Action::ScaleDown { .. }) => limits.down_blocked.clone(),
        Some(Action::ScaleUp { .. }) => limits.up_blocked.clone(),
        _ => None,
    };
    if let Some(reason) = blocked {
        return Decision {
            desired: Some(desired),
            because,
            action: None,
            skip: Some(reason),
            caveat: None,
            problems,
        };
    }
    let caveat = match &action {
        Some(Action::ScaleDown { .. }) => limits.down_partial.clone(),
        _ => None,
    };
    Decision {
        desired: Some(desired),
        because,
        action,
        skip,
        caveat,
        problems,
    }
}

fn scalable(
    kind: Kind,
    desired: State,
    current: &Capacity,
    saved: Option<&Capacity>,
    fallback: &Fallback,
) -> (Option<Action>, Option<String>) {
    match desired {
        State::Stopped if current.is_zero() => (None, None),
        State::Stopped => {
            // A saved capacity is only ever written by our scale-down and
            // removed once it is restored: while it is there, it is the
            // capacity to come back to. What runs now (a scale-down cut
            // short, someone's night-time count) never replaces it.
            let save = saved.copied().unwrap_or(*current);
            (
                Some(Action::ScaleDown {
                    save,
                    to: current.zeroed(),
                }),
                None,
            )
        }
        State::Running => match saved {
            Some(saved) if restored(current, saved) => (Some(Action::ForgetSaved), None),
            Some(saved) => (
                Some(Action::ScaleUp {
                    to: *saved,
                    from_fallback: false,
                }),
                None,
            ),
            None if !current.is_zero() => (None, None),
            None => {
                let fallback = match kind {
                    Kind::EcsService => fallback.ecs_service,
                    Kind::AutoscalingGroup => fallback.autoscaling_group,
                    Kind::RdsInstance | Kind::RdsCluster => None,
                };
                match fallback {
                    Some(to) => (Some(Action::ScaleUp { to, from_fallback: true }), None),
                    None => (
                        None,
                        Some("at zero with no saved capacity and no fallback configured for this kind: left as it is".into()),
                    ),
                }
            }
        },
    }
}

/// Back at the saved bounds with something running: an autoscaler may
/// already have moved the count within them, which is not ours to undo.
fn restored(current: &Capacity, saved: &Capacity) -> bool {
    current.min == saved.min
        && current.max == saved.max
        && (current.desired > 0 || saved.desired == 0)
}

fn database(desired: State, status: &str) -> (Option<Action>, Option<String>) {
    match (desired, status) {
        (State::Stopped, "stopped") | (State::Running, "available") => (None, None),
        (State::Stopped, "available") => (Some(Action::Stop), None),
        (State::Running, "stopped") => (Some(Action::Start), None),
        (_, other) => (
            None,
            Some(format!(
                "in state {other}: cannot be {desired} now; the next reconcile acts"
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::ScheduleSpec;
    use serde_json::json;

    fn schedules() -> BTreeMap<String, Schedule> {
        let spec: ScheduleSpec = serde_json::from_value(json!({
            "timezone": "UTC",
            "periods": [{"days": "mon-fri", "start": "08:00", "stop": "18:00"}]
        }))
        .expect("spec");
        BTreeMap::from([(
            "office".to_owned(),
            Schedule::parse("office", &spec).expect("valid"),
        )])
    }

    const WORK: &str = "2026-11-23T10:00:00Z";
    const NIGHT: &str = "2026-11-23T22:00:00Z";

    fn at(s: &str) -> Timestamp {
        s.parse().expect("ts")
    }

    fn cap(desired: i32, min: i32, max: i32) -> Capacity {
        Capacity {
            desired,
            min: Some(min),
            max: Some(max),
        }
    }

    fn target(observed: Observed) -> Target {
        Target {
            kind: Kind::EcsService,
            id: "ecs/c/web".into(),
            schedule: "office".into(),
            override_tag: None,
            observed,
            ineligible: None,
            limits: Limits::default(),
        }
    }

    fn scalable(current: Capacity, saved: Option<Capacity>) -> Target {
        target(Observed::Scalable { current, saved })
    }

    fn decide_at(t: &Target, when: &str) -> Decision {
        decide(t, &schedules(), at(when), None, &Fallback::default())
    }

    #[test]
    fn off_hours_scale_down_saves_the_current_capacity() {
        let d = decide_at(&scalable(cap(3, 2, 6), None), NIGHT);
        assert_eq!(d.desired, Some(State::Stopped));
        assert_eq!(
            d.action,
            Some(Action::ScaleDown {
                save: cap(3, 2, 6),
                to: cap(0, 0, 0)
            })
        );
        assert_eq!(d.because, "schedule office");
    }

    #[test]
    fn on_hours_restore_exactly_what_was_saved() {
        let d = decide_at(&scalable(cap(0, 0, 0), Some(cap(3, 2, 6))), WORK);
        assert_eq!(
            d.action,
            Some(Action::ScaleUp {
                to: cap(3, 2, 6),
                from_fallback: false
            })
        );
    }

    #[test]
    fn nothing_to_do_when_already_in_the_desired_state() {
        assert_eq!(
            decide_at(&scalable(cap(0, 0, 0), Some(cap(3, 2, 6))), NIGHT).action,
            None
        );
        assert_eq!(decide_at(&scalable(cap(3, 2, 6), None), WORK).action, None);
        // An autoscaler moved the count within the restored bounds: not ours to undo.
        assert_eq!(
            decide_at(&scalable(cap(5, 2, 6), Some(cap(3, 2, 6))), WORK).action,
            Some(Action::ForgetSaved)
        );
    }

    #[test]
    fn an_interrupted_scale_down_keeps_the_first_saved_capacity() {
        // Bounds already at zero, count not yet: the saved values are the truth.
        let d = decide_at(&scalable(cap(3, 0, 0), Some(cap(3, 2, 6))), NIGHT);
        assert_eq!(
            d.action,
            Some(Action::ScaleDown {
                save: cap(3, 2, 6),
                to: cap(0, 0, 0)
            })
        );
    }

    #[test]
    fn a_second_scale_down_keeps_what_the_first_saved() {
        // Someone set a stopped service without scalable target to 1 at night.
        let one = Capacity {
            desired: 1,
            min: None,
            max: None,
        };
        let three = Capacity { desired: 3, ..one };
        let d = decide_at(&scalable(one, Some(three)), NIGHT);
        assert_eq!(
            d.action,
            Some(Action::ScaleDown {
                save: three,
                to: one.zeroed()
            })
        );
        // The same with bounds that are not (yet) zero.
        let d = decide_at(&scalable(cap(1, 1, 2), Some(cap(3, 2, 6))), NIGHT);
        assert_eq!(
            d.action,
            Some(Action::ScaleDown {
                save: cap(3, 2, 6),
                to: cap(0, 0, 0)
            })
        );
    }

    #[test]
    fn a_direction_that_cannot_take_effect_is_skipped_and_a_partial_one_says_so() {
        let mut t = scalable(cap(2, 1, 4), None);
        t.kind = Kind::AutoscalingGroup;
        t.limits.down_blocked = Some("its Terminate process is suspended".into());
        let d = decide_at(&t, NIGHT);
        assert_eq!(d.action, None, "nothing is saved or lowered");
        assert_eq!(
            d.skip.as_deref(),
            Some("its Terminate process is suspended")
        );
        // Blocked down does not block up.
        let mut down = scalable(cap(0, 0, 0), Some(cap(2, 1, 4)));
        down.limits = t.limits.clone();
        assert!(matches!(
            decide_at(&down, WORK).action,
            Some(Action::ScaleUp { .. })
        ));
        let mut protected = scalable(cap(2, 1, 4), None);
        protected.limits.down_partial = Some("1 of 2 instances is protected".into());
        let d = decide_at(&protected, NIGHT);
        assert!(matches!(d.action, Some(Action::ScaleDown { .. })));
        assert_eq!(d.caveat.as_deref(), Some("1 of 2 instances is protected"));
    }

    #[test]
    fn an_interrupted_scale_up_is_finished() {
        let d = decide_at(&scalable(cap(0, 2, 6), Some(cap(3, 2, 6))), WORK);
        assert_eq!(
            d.action,
            Some(Action::ScaleUp {
                to: cap(3, 2, 6),
                from_fallback: false
            })
        );
    }

    #[test]
    fn zero_with_nothing_saved_uses_the_fallback_and_says_so() {
        let t = scalable(
            Capacity {
                desired: 0,
                min: None,
                max: None,
            },
            None,
        );
        let none = decide_at(&t, WORK);
        assert_eq!(none.action, None);
        assert!(
            none.skip
                .as_deref()
                .is_some_and(|s| s.contains("no fallback"))
        );
        let fallback = Fallback {
            ecs_service: Some(Capacity {
                desired: 1,
                min: None,
                max: None,
            }),
            autoscaling_group: None,
        };
        let d = decide(&t, &schedules(), at(WORK), None, &fallback);
        assert_eq!(
            d.action,
            Some(Action::ScaleUp {
                to: Capacity {
                    desired: 1,
                    min: None,
                    max: None
                },
                from_fallback: true
            })
        );
        assert!(
            d.action
                .as_ref()
                .is_some_and(|a| a.to_string().contains("fallback"))
        );
    }

    #[test]
    fn overrides_win_until_they_expire() {
        let mut t = scalable(cap(3, 2, 6), None);
        t.override_tag = Some("on-until=2026-11-23T23:00Z".into());
        let d = decide_at(&t, NIGHT);
        assert_eq!((d.desired, d.action), (Some(State::Running), None));
        assert!(d.because.starts_with("override"));

        t.override_tag = Some("on-until=2026-11-23T21:00Z".into());
        let d = decide_at(&t, NIGHT);
        assert_eq!(d.desired, Some(State::Stopped));
        assert!(d.because.contains("has expired"), "{}", d.because);

        t.override_tag = Some("off".into());
        assert_eq!(decide_at(&t, WORK).desired, Some(State::Stopped));

        t.override_tag = Some("sometimes".into());
        let d = decide_at(&t, WORK);
        assert_eq!(d.desired, Some(State::Running));
        assert!(d.because.contains("ignored"), "{}", d.because);
    }

    #[test]
    fn apply_command_replaces_the_schedule_but_not_an_override() {
        let t = scalable(cap(3, 2, 6), None);
        let d = decide(
            &t,
            &schedules(),
            at(WORK),
            Some(State::Stopped),
            &Fallback::default(),
        );
        assert_eq!(d.desired, Some(State::Stopped));
        let mut pinned = t.clone();
        pinned.override_tag = Some("on".into());
        let d = decide(
            &pinned,
            &schedules(),
            at(WORK),
            Some(State::Stopped),
            &Fallback::default(),
        );
        assert_eq!(d.desired, Some(State::Running));
    }

    #[test]
    fn databases_stop_and_start_only_from_steady_states() {
        let db = |status: &str| {
            let mut t = target(Observed::Database {
                status: status.into(),
            });
            t.kind = Kind::RdsInstance;
            t
        };
        assert_eq!(
            decide_at(&db("available"), NIGHT).action,
            Some(Action::Stop)
        );
        assert_eq!(decide_at(&db("stopped"), WORK).action, Some(Action::Start));
        assert_eq!(decide_at(&db("stopped"), NIGHT).action, None);
        let busy = decide_at(&db("backing-up"), NIGHT);
        assert_eq!(busy.action, None);
        assert!(
            busy.skip
                .as_deref()
                .is_some_and(|s| s.contains("backing-up"))
        );
    }

    #[test]
    fn ineligible_targets_are_skipped_with_the_reason() {
        let mut t = target(Observed::Database {
            status: "available".into(),
        });
        t.ineligible = Some("read replica: stop its source instead".into());
        assert_eq!(
            decide_at(&t, NIGHT).skip.as_deref(),
            Some("read replica: stop its source instead")
        );
    }

    #[test]
    fn an_unknown_schedule_or_a_malformed_override_is_a_problem_to_fix() {
        let mut t = scalable(cap(0, 0, 0), Some(cap(3, 2, 6)));
        t.schedule = "office-hours-v1".into();
        let d = decide_at(&t, WORK);
        assert_eq!(d.action, None);
        assert_eq!(
            d.problems,
            [
                "unknown schedule \"office-hours-v1\": no schedule of that name is configured \
              (configured: office), so the schedule cannot act on it; fix its tag or the \
              schedules document"
            ]
        );
        let mut t = scalable(cap(3, 2, 6), None);
        t.override_tag = Some("of-until=2026-11-24T08:00Z".into());
        let d = decide_at(&t, NIGHT);
        assert!(
            matches!(d.action, Some(Action::ScaleDown { .. })),
            "the schedule still acts"
        );
        assert_eq!(d.problems.len(), 1);
        assert!(
            d.problems[0].contains("override \"of-until="),
            "{:?}",
            d.problems
        );
        t.override_tag = Some("off-until=2026-11-01T00:00Z".into());
        assert!(
            decide_at(&t, NIGHT).problems.is_empty(),
            "expired is not a problem"
        );
    }

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
