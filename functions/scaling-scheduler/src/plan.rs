//! Deciding what to do with each target: pure functions over what was
//! observed, unit-tested without AWS.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::maintenance::Window;
use crate::schedule::{Schedule, State};

pub use crate::target::{
    Action, Capacity, Fallback, Kind, Limits, OVERRIDE_TAG, Observed, SAVED_TAG, Target,
};

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
/// With `maintenance_lead` (minutes), a database the schedule keeps stopped
/// runs from that long before its maintenance window until the window ends.
pub fn decide(
    target: &Target,
    schedules: &BTreeMap<String, Schedule>,
    now: Timestamp,
    forced: Option<State>,
    fallback: &Fallback,
    maintenance_lead: Option<u32>,
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
    let from_schedule = forced.is_none() && !matches!(overridden, Some(OverrideTag::Active(..)));
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
    let (desired, because) = match (&target.observed, maintenance_lead) {
        (
            Observed::Database {
                maintenance_window: Some(window),
                ..
            },
            Some(lead),
        ) if from_schedule && desired == State::Stopped => match Window::parse(window) {
            Ok(w) if w.holds(now, lead) => (
                State::Running,
                format!(
                    "{because}, but RDS maintenance window {window} (running from {lead} min \
                     before it until it ends)"
                ),
            ),
            Ok(_) => (desired, because),
            Err(problem) => {
                notes.push(format!("{problem}: it is not kept"));
                (desired, because)
            }
        },
        _ => (desired, because),
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
    let mut caveat = None;
    let (action, skip) = match &target.observed {
        Observed::Scalable { current, saved } => {
            scalable(target.kind, desired, current, saved.as_ref(), fallback)
        }
        Observed::Database { status, .. } => switched(desired, status, "available"),
        Observed::Instance { state, hibernation } => {
            let (action, skip) = switched(desired, state, "running");
            let asked = schedules.get(&target.schedule).is_some_and(|s| s.hibernate);
            match action {
                Some(Action::Stop) if asked && *hibernation => (Some(Action::Hibernate), skip),
                Some(Action::Stop) if asked => {
                    caveat = Some(
                        "its schedule asks for hibernation, but hibernation was not enabled \
                         when it was launched (HibernationOptions): stopped instead"
                            .to_owned(),
                    );
                    (action, skip)
                }
                _ => (action, skip),
            }
        }
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
        _ => caveat,
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
                    Kind::RdsInstance | Kind::RdsCluster | Kind::Ec2Instance => None,
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

/// A target that is stopped and started (RDS, whose running status is
/// `available`; EC2, `running`): any other status is on its way somewhere.
fn switched(desired: State, status: &str, up: &str) -> (Option<Action>, Option<String>) {
    match (desired, status) {
        (State::Stopped, "stopped") => (None, None),
        (State::Running, s) if s == up => (None, None),
        (State::Stopped, s) if s == up => (Some(Action::Stop), None),
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
mod tests;
