//! The `apply` command: a schedule's targets put in a state now and held
//! there by an override tag, written before anything is changed.

use jiff::Timestamp;
use shared::Report;
use shared::report::Entry;

use crate::aws::{self, Located};
use crate::config::Config;
use crate::plan::OVERRIDE_TAG;
use crate::schedule::State;
use crate::{Deps, Error};

/// An `apply` command: a schedule's targets put in `state` now, and held
/// there by an override tag until `until`.
pub(crate) struct Forced {
    pub(crate) schedule: String,
    pub(crate) state: State,
    pub(crate) until: Timestamp,
}

impl Forced {
    pub(crate) fn new(
        config: &Config,
        schedule: String,
        state: State,
        until: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Forced, Error> {
        let Some(s) = config.schedules.get(&schedule) else {
            let known: Vec<&str> = config.schedules.keys().map(String::as_str).collect();
            return Err(Error::InvalidCommand(format!(
                "unknown schedule {schedule:?}; configured: {}",
                known.join(", ")
            )));
        };
        let until = match until {
            Some(t) if t <= now => {
                return Err(Error::InvalidCommand(format!(
                    "\"until\" {t} is not in the future (now {now})"
                )));
            }
            Some(t) => t,
            None => s.next_change(now).ok_or_else(|| {
                Error::InvalidCommand(format!(
                    "schedule {schedule:?} does not change state in the next eight days: say \
                     how long to hold with \"until\""
                ))
            })?,
        };
        Ok(Forced {
            schedule,
            state,
            until,
        })
    }

    /// The override tag's value: `off-until=2026-11-24T07:00:00Z`.
    fn tag(&self) -> String {
        let state = match self.state {
            State::Running => "on",
            State::Stopped => "off",
        };
        format!("{state}-until={}", self.until)
    }
}

/// Writes the override tag that holds an applied state (planned in a dry
/// run) before anything is changed, so a crash in between leaves the next
/// reconcile to finish it. False when the tag could not be written: then
/// nothing is changed on that target.
pub(crate) async fn hold(deps: &Deps, l: &mut Located, f: &Forced, report: &mut Report) -> bool {
    let tag = f.tag();
    let entry = Entry::new(&l.target.id).action(format!(
        "hold {} until {} ({OVERRIDE_TAG}={tag})",
        f.state, f.until
    ));
    if report.dry_run {
        report.planned(entry);
    } else if let Err(why) = aws::set_override(&deps.clients, &l.handle, &tag).await {
        report.failed(entry.reason(format!("{why}; nothing was changed")));
        return false;
    } else {
        report.did(entry);
    }
    l.target.override_tag = Some(tag);
    true
}
