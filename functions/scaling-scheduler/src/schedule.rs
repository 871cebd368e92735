//! The schedule engine: pure functions from (schedule, instant) to the
//! state a target should be in. No AWS here; everything is unit-tested.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Serialize};

/// Whether a target should be running or stopped (scaled to zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Running,
    Stopped,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Running => "running",
            State::Stopped => "stopped",
        })
    }
}

impl std::str::FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "running" | "on" | "start" | "started" => Ok(State::Running),
            "stopped" | "off" | "stop" => Ok(State::Stopped),
            other => Err(format!(
                "unknown state {other:?}: expected running or stopped"
            )),
        }
    }
}

/// A schedule error, naming the schedule and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule {schedule:?}: {problem}")]
pub struct ScheduleError {
    pub schedule: String,
    pub problem: String,
}

/// A schedule as written in the configuration document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// When targets run.
    pub periods: Vec<PeriodSpec>,
    /// Local dates (`YYYY-MM-DD`) on which the schedule behaves as outside every period.
    #[serde(default)]
    pub exclude_dates: Vec<String>,
    /// State outside every period (default `stopped`).
    #[serde(default = "default_outside")]
    pub outside: State,
    /// Hibernate EC2 instances instead of stopping them, where hibernation
    /// was enabled at launch (default `false`).
    #[serde(default)]
    pub hibernate: bool,
}

fn default_outside() -> State {
    State::Stopped
}

/// One running window, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodSpec {
    /// Weekdays: `"mon-fri"`, `"sat,sun"`, or a list. Default: every day.
    #[serde(default)]
    pub days: Option<ListSpec>,
    /// Days of the month: `"1-15"`, `"1,15,28"`. Default: every day.
    #[serde(default)]
    pub monthdays: Option<ListSpec>,
    /// Months: `"jan-mar"`, `"12"`. Default: every month.
    #[serde(default)]
    pub months: Option<ListSpec>,
    /// `HH:MM`, local time. A start later than the stop runs across midnight.
    pub start: String,
    /// `HH:MM`, local time; `24:00` is the end of the day.
    pub stop: String,
}

/// A list written as a string (`"mon-fri,sun"`) or an array of items.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ListSpec {
    Text(String),
    Items(Vec<serde_json::Value>),
}

impl ListSpec {
    fn items(&self) -> Vec<String> {
        match self {
            ListSpec::Text(t) => t.split(',').map(|s| s.trim().to_owned()).collect(),
            ListSpec::Items(v) => v
                .iter()
                .map(|x| match x {
                    serde_json::Value::String(s) => s.trim().to_owned(),
                    other => other.to_string(),
                })
                .collect(),
        }
    }
}

/// A validated schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub name: String,
    pub timezone: TimeZone,
    pub timezone_name: String,
    pub periods: Vec<Period>,
    pub excluded: BTreeSet<Date>,
    pub outside: State,
    /// See [`ScheduleSpec::hibernate`].
    pub hibernate: bool,
}

/// A validated running window; minutes since local midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub weekdays: Option<Weekdays>,
    /// Days of the month; [`LAST_DAY`] for the month's last day.
    pub monthdays: Option<BTreeSet<i8>>,
    pub months: Option<BTreeSet<i8>>,
    pub start: u16,
    pub stop: u16,
}

impl Schedule {
    /// Validates a schedule, naming the schedule and the bad value on error.
    pub fn parse(name: &str, spec: &ScheduleSpec) -> Result<Schedule, ScheduleError> {
        let err = |problem: String| ScheduleError {
            schedule: name.to_owned(),
            problem,
        };
        let timezone = TimeZone::get(&spec.timezone).map_err(|_| {
            err(format!(
                "unknown time zone {:?} (use an IANA name such as Europe/Berlin)",
                spec.timezone
            ))
        })?;
        if spec.periods.is_empty() {
            return Err(err(
                "has no periods: add at least one {\"start\", \"stop\"}".into(),
            ));
        }
        let periods = spec
            .periods
            .iter()
            .enumerate()
            .map(|(i, p)| Period::parse(p).map_err(|e| err(format!("period {}: {e}", i + 1))))
            .collect::<Result<Vec<_>, _>>()?;
        let excluded = spec
            .exclude_dates
            .iter()
            .map(|d| {
                d.parse::<Date>()
                    .map_err(|_| err(format!("excluded date {d:?} is not YYYY-MM-DD")))
            })
            .collect::<Result<BTreeSet<_>, _>>()?;
        Ok(Schedule {
            name: name.to_owned(),
            timezone,
            timezone_name: spec.timezone.clone(),
            periods,
            excluded,
            outside: spec.outside,
            hibernate: spec.hibernate,
        })
    }

    /// The state targets should be in at `now`. A period runs over the
    /// instants from its start to its stop on the wall clock of the zone: a
    /// time the clock skips (spring forward) is reached when the clock jumps
    /// past it, and a time it passes twice (fall back) at the first pass, so
    /// a boundary inside the repeated hour is crossed once, never undone.
    pub fn state_at(&self, now: Timestamp) -> State {
        let date = now.to_zoned(self.timezone.clone()).date();
        if self.excluded.contains(&date) {
            return self.outside;
        }
        // A period belongs to the day it starts on: today's, or one that
        // started yesterday and runs across midnight.
        let inside = [Some(date), date.yesterday().ok()]
            .into_iter()
            .flatten()
            .filter(|day| !self.excluded.contains(day))
            .any(|day| {
                self.periods.iter().any(|p| {
                    p.day_matches(day)
                        && p.span(&self.timezone, day)
                            .is_some_and(|(start, stop)| start <= now && now < stop)
                })
            });
        match (inside, self.outside) {
            (true, State::Stopped) => State::Running,
            (true, State::Running) => State::Stopped,
            (false, outside) => outside,
        }
    }
}

impl Schedule {
    /// The first minute after `now` at which the state changes, looking up
    /// to eight days ahead (a week of periods, and a holiday); `None` for a
    /// schedule that stays as it is that long.
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        let current = self.state_at(now);
        let first = now.as_second().div_euclid(60) * 60 + 60;
        (0..8 * 24 * 60)
            .filter_map(|m| Timestamp::from_second(first + m * 60).ok())
            .find(|t| self.state_at(*t) != current)
    }
}

/// The instant the wall clock of `tz` first shows `minute` (minutes since
/// midnight, 1440 being the next midnight) on `date`.
fn instant(tz: &TimeZone, date: Date, minute: u16) -> Option<Timestamp> {
    let (date, minute) = if minute >= 24 * 60 {
        (date.tomorrow().ok()?, minute - 24 * 60)
    } else {
        (date, minute)
    };
    let wall = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
    let ambiguous = tz.to_ambiguous_timestamp(wall);
    match ambiguous.offset() {
        // Skipped: the clock shows a later time first at the jump itself,
        // the first transition after the wall time read with the later offset.
        AmbiguousOffset::Gap { after, .. } => {
            let before_jump = after.to_timestamp(wall).ok()?;
            tz.following(before_jump)
                .next()
                .map(|transition| transition.timestamp())
        }
        // Passed twice (or once): the first pass.
        _ => ambiguous.earlier().ok(),
    }
}

/// `monthdays` item `L`: the last day of the month, whatever its length.
pub const LAST_DAY: i8 = 0;
/// `#L` in a weekday item: the last such weekday of the month.
pub const LAST_WEEK: i8 = -1;

/// The weekdays a period runs on: every `mon`, and the nth of a month
/// (`mon#1` the first Monday, `fri#L` the last Friday).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Weekdays {
    /// Monday = 0.
    pub every: BTreeSet<i8>,
    /// `(weekday, n)`: n 1 to 5, or [`LAST_WEEK`].
    pub nth: BTreeSet<(i8, i8)>,
}

impl Weekdays {
    fn parse(list: &ListSpec) -> Result<Weekdays, String> {
        let mut out = Weekdays::default();
        let mut plain = Vec::new();
        for item in list.items() {
            match nth_weekday(&item)? {
                Some(nth) => {
                    out.nth.insert(nth);
                }
                None => plain.push(item),
            }
        }
        if !plain.iter().all(|p| p.is_empty()) {
            out.every = parse_list(&ListSpec::Text(plain.join(",")), 0, 6, weekday_number)?;
        } else if out.nth.is_empty() {
            return Err("an empty list matches nothing".into());
        }
        Ok(out)
    }

    fn matches(&self, date: Date) -> bool {
        let weekday = date.weekday().to_monday_zero_offset();
        if self.every.contains(&weekday) {
            return true;
        }
        let nth = (date.day() - 1) / 7 + 1;
        let last = date.day() + 7 > date.days_in_month();
        self.nth
            .iter()
            .any(|&(w, n)| w == weekday && (n == nth || (n == LAST_WEEK && last)))
    }
}

/// `mon#1` .. `mon#5`, `fri#L` (and Instance Scheduler's `friL`): the nth
/// or last weekday of the month; `None` for an item of another form.
fn nth_weekday(item: &str) -> Result<Option<(i8, i8)>, String> {
    let lower = item.trim().to_ascii_lowercase();
    let (day, n) = match lower.split_once('#') {
        Some((day, n)) => (day.to_owned(), n.to_owned()),
        None => match lower.strip_suffix('l') {
            Some(day) if weekday_number(day).is_some() => (day.to_owned(), "l".to_owned()),
            _ => return Ok(None),
        },
    };
    let weekday = weekday_number(&day)
        .ok_or_else(|| format!("{item:?} is not a valid value: {day:?} is no weekday"))?;
    let n = match n.as_str() {
        "l" => LAST_WEEK,
        _ => n
            .parse::<i8>()
            .ok()
            .filter(|n| (1..=5).contains(n))
            .ok_or_else(|| {
                format!("{item:?} is not a valid value: after # comes 1 to 5, or L for the last")
            })?,
    };
    Ok(Some((weekday, n)))
}

impl Period {
    fn parse(spec: &PeriodSpec) -> Result<Period, String> {
        let start = parse_time(&spec.start)?;
        let stop = parse_time(&spec.stop)?;
        if start == stop {
            return Err(format!(
                "start and stop are both {}: for all day use \"00:00\" to \"24:00\"",
                spec.start
            ));
        }
        if start == 24 * 60 {
            return Err("start 24:00 is not a time of day".into());
        }
        Ok(Period {
            weekdays: spec.days.as_ref().map(Weekdays::parse).transpose()?,
            monthdays: spec
                .monthdays
                .as_ref()
                .map(|l| parse_list(l, LAST_DAY, 31, monthday_number))
                .transpose()?,
            months: spec
                .months
                .as_ref()
                .map(|l| parse_list(l, 1, 12, month_number))
                .transpose()?,
            start,
            stop,
        })
    }

    fn day_matches(&self, date: Date) -> bool {
        let last_day = date.day() == date.days_in_month();
        self.weekdays.as_ref().is_none_or(|w| w.matches(date))
            && self
                .monthdays
                .as_ref()
                .is_none_or(|d| d.contains(&date.day()) || (last_day && d.contains(&LAST_DAY)))
            && self
                .months
                .as_ref()
                .is_none_or(|m| m.contains(&date.month()))
    }

    /// The instants a period that starts on `date` runs from and to. One
    /// whose start is later than its stop runs across midnight.
    fn span(&self, tz: &TimeZone, date: Date) -> Option<(Timestamp, Timestamp)> {
        let stop_day = if self.start < self.stop {
            date
        } else {
            date.tomorrow().ok()?
        };
        Some((
            instant(tz, date, self.start)?,
            instant(tz, stop_day, self.stop)?,
        ))
    }
}

fn parse_time(text: &str) -> Result<u16, String> {
    let bad = || format!("time {text:?} is not HH:MM (00:00 to 24:00)");
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if h > 24 || m > 59 || (h == 24 && m != 0) || text.trim().len() != 5 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// `mon`, `Monday`, `tues`: a weekday's name or an abbreviation of it of
/// three letters or more (`monkey` is not Monday, nor is `mon#1`).
fn weekday_number(s: &str) -> Option<i8> {
    let lower = s.trim().to_ascii_lowercase();
    const NAMES: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    if lower.len() < 3 || !NAMES.iter().any(|n| n.starts_with(&lower)) {
        return None;
    }
    let w = match lower.get(..3)? {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    };
    Some(w.to_monday_zero_offset())
}

/// `1` to `31`, or `L` for the last day of the month ([`LAST_DAY`]).
fn monthday_number(s: &str) -> Option<i8> {
    if s.eq_ignore_ascii_case("l") {
        return Some(LAST_DAY);
    }
    s.parse().ok().filter(|d| *d != LAST_DAY)
}

fn month_number(s: &str) -> Option<i8> {
    if let Ok(n) = s.parse::<i8>() {
        return Some(n);
    }
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = s.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| prefix.starts_with(m))
        .map(|i| i as i8 + 1)
}

/// Parses `a-b,c` lists; ranges may wrap (`fri-mon`).
fn parse_list(
    list: &ListSpec,
    min: i8,
    max: i8,
    item: impl Fn(&str) -> Option<i8>,
) -> Result<BTreeSet<i8>, String> {
    let mut out = BTreeSet::new();
    for part in list.items() {
        if part.is_empty() {
            continue;
        }
        let value = |s: &str| -> Result<i8, String> {
            item(s.trim())
                .filter(|v| (min..=max).contains(v))
                .ok_or_else(|| format!("{s:?} is not a valid value"))
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (value(a)?, value(b)?);
                let mut v = a;
                loop {
                    out.insert(v);
                    if v == b {
                        break;
                    }
                    v = if v == max { min } else { v + 1 };
                }
            }
            None => {
                out.insert(value(&part)?);
            }
        }
    }
    if out.is_empty() {
        return Err("an empty list matches nothing".into());
    }
    Ok(out)
}

/// Every schedule of a configuration, validated.
pub fn parse_all(
    specs: &BTreeMap<String, ScheduleSpec>,
) -> Result<BTreeMap<String, Schedule>, ScheduleError> {
    specs
        .iter()
        .map(|(name, spec)| Schedule::parse(name, spec).map(|s| (name.clone(), s)))
        .collect()
}

#[cfg(test)]
mod tests;
