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
}

/// A validated running window; minutes since local midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub weekdays: Option<BTreeSet<i8>>,
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
            weekdays: spec
                .days
                .as_ref()
                .map(|l| parse_list(l, 0, 6, weekday_number))
                .transpose()?,
            monthdays: spec
                .monthdays
                .as_ref()
                .map(|l| parse_list(l, 1, 31, |s| s.parse().ok()))
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
        let weekday = date.weekday().to_monday_zero_offset();
        self.weekdays.as_ref().is_none_or(|w| w.contains(&weekday))
            && self
                .monthdays
                .as_ref()
                .is_none_or(|d| d.contains(&date.day()))
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

fn weekday_number(s: &str) -> Option<i8> {
    let w = match s.to_ascii_lowercase().get(..3)? {
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
mod tests {
    use super::*;
    use serde_json::json;

    fn schedule(spec: serde_json::Value) -> Schedule {
        let spec: ScheduleSpec = serde_json::from_value(spec).expect("spec");
        Schedule::parse("test", &spec).expect("valid")
    }

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn office_hours() -> Schedule {
        schedule(json!({
            "timezone": "Europe/Berlin",
            "periods": [{"days": "mon-fri", "start": "08:00", "stop": "19:00"}],
            "exclude_dates": ["2026-12-24", "2026-12-25"]
        }))
    }

    #[test]
    fn weekday_hours_in_the_schedules_own_zone() {
        let s = office_hours();
        // Monday 2026-11-23: Berlin is UTC+1.
        assert_eq!(s.state_at(at("2026-11-23T06:59:00Z")), State::Stopped); // 07:59 local
        assert_eq!(s.state_at(at("2026-11-23T07:00:00Z")), State::Running); // 08:00 local
        assert_eq!(s.state_at(at("2026-11-23T17:59:00Z")), State::Running); // 18:59 local
        assert_eq!(s.state_at(at("2026-11-23T18:00:00Z")), State::Stopped); // 19:00 local
        // Saturday.
        assert_eq!(s.state_at(at("2026-11-28T10:00:00Z")), State::Stopped);
    }

    #[test]
    fn excluded_dates_are_off_all_day() {
        let s = office_hours();
        assert_eq!(s.state_at(at("2026-12-24T10:00:00Z")), State::Stopped); // Thursday, holiday
        assert_eq!(s.state_at(at("2026-12-23T10:00:00Z")), State::Running);
    }

    #[test]
    fn a_period_across_midnight_belongs_to_its_start_day() {
        let s = schedule(json!({
            "timezone": "UTC",
            "periods": [{"days": "fri", "start": "22:00", "stop": "02:00"}]
        }));
        assert_eq!(s.state_at(at("2026-11-27T21:59:00Z")), State::Stopped); // Fri 21:59
        assert_eq!(s.state_at(at("2026-11-27T22:00:00Z")), State::Running); // Fri 22:00
        assert_eq!(s.state_at(at("2026-11-28T01:59:00Z")), State::Running); // Sat 01:59
        assert_eq!(s.state_at(at("2026-11-28T02:00:00Z")), State::Stopped); // Sat 02:00
        assert_eq!(s.state_at(at("2026-11-28T23:00:00Z")), State::Stopped); // Sat 23:00
    }

    #[test]
    fn weekday_ranges_may_wrap_and_mix() {
        let s = schedule(json!({
            "timezone": "UTC",
            "periods": [{"days": "fri-mon, wed", "start": "00:00", "stop": "24:00"}]
        }));
        let running: Vec<bool> = (23..=29)
            .map(|d| s.state_at(at(&format!("2026-11-{d}T12:00:00Z"))) == State::Running)
            .collect();
        // Mon Tue Wed Thu Fri Sat Sun
        assert_eq!(running, [true, false, true, false, true, true, true]);
    }

    #[test]
    fn months_and_monthdays_narrow_a_period() {
        let s = schedule(json!({
            "timezone": "UTC",
            "periods": [{"monthdays": "1-7", "months": ["dec", 1], "start": "09:00", "stop": "17:00"}]
        }));
        assert_eq!(s.state_at(at("2026-12-03T10:00:00Z")), State::Running);
        assert_eq!(s.state_at(at("2026-12-08T10:00:00Z")), State::Stopped);
        assert_eq!(s.state_at(at("2027-01-05T10:00:00Z")), State::Running);
        assert_eq!(s.state_at(at("2026-11-03T10:00:00Z")), State::Stopped);
    }

    #[test]
    fn outside_running_inverts_the_periods_into_maintenance_windows() {
        let s = schedule(json!({
            "timezone": "UTC", "outside": "running",
            "periods": [{"days": "sun", "start": "02:00", "stop": "04:00"}]
        }));
        assert_eq!(s.state_at(at("2026-11-29T03:00:00Z")), State::Stopped);
        assert_eq!(s.state_at(at("2026-11-29T05:00:00Z")), State::Running);
    }

    #[test]
    fn spring_forward_in_berlin() {
        // 2026-03-29: 02:00 local jumps to 03:00 (UTC+1 -> UTC+2).
        let s = schedule(json!({
            "timezone": "Europe/Berlin",
            "periods": [{"start": "02:30", "stop": "06:00"}]
        }));
        assert_eq!(s.state_at(at("2026-03-29T00:59:00Z")), State::Stopped); // 01:59 CET
        assert_eq!(s.state_at(at("2026-03-29T01:00:00Z")), State::Running); // 03:00 CEST: 02:30 never happened
        assert_eq!(s.state_at(at("2026-03-29T03:59:00Z")), State::Running); // 05:59 CEST
        assert_eq!(s.state_at(at("2026-03-29T04:00:00Z")), State::Stopped); // 06:00 CEST
    }

    #[test]
    fn fall_back_in_berlin_keeps_wall_clock_hours() {
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET.
        let s = schedule(
            json!({"timezone": "Europe/Berlin", "periods": [{"start": "08:00", "stop": "19:00"}]}),
        );
        assert_eq!(s.state_at(at("2026-10-25T06:59:00Z")), State::Stopped); // 07:59 CET
        assert_eq!(s.state_at(at("2026-10-25T07:00:00Z")), State::Running); // 08:00 CET
        let before = s.state_at(at("2026-10-24T06:00:00Z")); // 08:00 CEST the day before
        assert_eq!(before, State::Running);
    }

    fn states(s: &Schedule, instants: &[&str]) -> Vec<State> {
        instants.iter().map(|t| s.state_at(at(t))).collect()
    }

    #[test]
    fn a_period_ending_in_the_repeated_hour_stops_once() {
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET, so 02:30 comes twice.
        let s = schedule(json!({
            "timezone": "Europe/Berlin",
            "periods": [{"start": "20:00", "stop": "02:30"}]
        }));
        use State::{Running, Stopped};
        assert_eq!(
            states(
                &s,
                &[
                    "2026-10-25T00:00:00Z", // 02:00 CEST
                    "2026-10-25T00:29:00Z", // 02:29 CEST
                    "2026-10-25T00:30:00Z", // 02:30 CEST: the stop
                    "2026-10-25T01:00:00Z", // 02:00 CET, again
                    "2026-10-25T01:29:00Z", // 02:29 CET
                    "2026-10-25T01:30:00Z", // 02:30 CET
                    "2026-10-25T18:59:00Z", // 19:59 CET
                    "2026-10-25T19:00:00Z", // 20:00 CET
                ]
            ),
            [
                Running, Running, Stopped, Stopped, Stopped, Stopped, Stopped, Running
            ]
        );
    }

    #[test]
    fn a_period_starting_in_the_repeated_hour_starts_once() {
        let s = schedule(json!({
            "timezone": "Europe/Berlin",
            "periods": [{"start": "02:30", "stop": "06:00"}]
        }));
        use State::{Running, Stopped};
        assert_eq!(
            states(
                &s,
                &[
                    "2026-10-25T00:29:00Z", // 02:29 CEST
                    "2026-10-25T00:30:00Z", // 02:30 CEST: the start
                    "2026-10-25T01:00:00Z", // 02:00 CET, again
                    "2026-10-25T04:59:00Z", // 05:59 CET
                    "2026-10-25T05:00:00Z", // 06:00 CET
                ]
            ),
            [Stopped, Running, Running, Running, Stopped]
        );
    }

    #[test]
    fn a_period_across_midnight_from_an_excluded_day_does_not_run() {
        let s = schedule(json!({
            "timezone": "UTC",
            "periods": [{"start": "22:00", "stop": "04:00"}],
            "exclude_dates": ["2026-12-24"]
        }));
        use State::{Running, Stopped};
        assert_eq!(
            states(
                &s,
                &[
                    "2026-12-23T23:00:00Z", // started on the 23rd
                    "2026-12-24T01:00:00Z", // ... but the 24th is off all day
                    "2026-12-24T23:00:00Z", // starts on the 24th: off
                    "2026-12-25T01:00:00Z", // ... after midnight too
                    "2026-12-25T22:00:00Z", // the 25th's own period
                    "2026-12-26T01:00:00Z",
                ]
            ),
            [Running, Stopped, Stopped, Stopped, Running, Running]
        );
    }

    #[test]
    fn the_next_change_is_the_next_boundary_of_a_period() {
        let s = office_hours();
        // Monday 2026-11-23 22:00 Berlin: stopped until Tuesday 08:00 (07:00Z).
        assert_eq!(
            s.next_change(at("2026-11-23T21:00:00Z")),
            Some(at("2026-11-24T07:00:00Z"))
        );
        // Friday 12:00: running until 19:00 (18:00Z).
        assert_eq!(
            s.next_change(at("2026-11-27T11:00:30Z")),
            Some(at("2026-11-27T18:00:00Z"))
        );
        let always = schedule(json!({
            "timezone": "UTC",
            "periods": [{"start": "00:00", "stop": "24:00"}]
        }));
        assert_eq!(always.next_change(at("2026-11-27T11:00:00Z")), None);
    }

    #[test]
    fn dst_in_new_york_both_ways() {
        let s = schedule(
            json!({"timezone": "America/New_York", "periods": [{"days": "sun", "start": "01:30", "stop": "03:30"}]}),
        );
        // Spring forward 2026-03-08: 02:00 EST -> 03:00 EDT.
        assert_eq!(s.state_at(at("2026-03-08T06:29:00Z")), State::Stopped); // 01:29 EST
        assert_eq!(s.state_at(at("2026-03-08T06:30:00Z")), State::Running); // 01:30 EST
        assert_eq!(s.state_at(at("2026-03-08T07:00:00Z")), State::Running); // 03:00 EDT
        assert_eq!(s.state_at(at("2026-03-08T07:30:00Z")), State::Stopped); // 03:30 EDT
        // Fall back 2026-11-01: 02:00 EDT -> 01:00 EST; 01:30 happens twice.
        assert_eq!(s.state_at(at("2026-11-01T05:30:00Z")), State::Running); // 01:30 EDT
        assert_eq!(s.state_at(at("2026-11-01T06:30:00Z")), State::Running); // 01:30 EST
        assert_eq!(s.state_at(at("2026-11-01T08:29:00Z")), State::Running); // 03:29 EST
        assert_eq!(s.state_at(at("2026-11-01T08:30:00Z")), State::Stopped); // 03:30 EST
    }

    #[test]
    fn invalid_schedules_say_what_is_wrong() {
        let cases = [
            (
                json!({"timezone": "Mars/Olympus", "periods": [{"start": "08:00", "stop": "09:00"}]}),
                "unknown time zone",
            ),
            (json!({"timezone": "UTC", "periods": []}), "no periods"),
            (
                json!({"timezone": "UTC", "periods": [{"start": "8:00", "stop": "09:00"}]}),
                "period 1: time \"8:00\" is not HH:MM",
            ),
            (
                json!({"timezone": "UTC", "periods": [{"start": "08:00", "stop": "25:00"}]}),
                "\"25:00\" is not HH:MM",
            ),
            (
                json!({"timezone": "UTC", "periods": [{"start": "08:00", "stop": "08:00"}]}),
                "for all day",
            ),
            (
                json!({"timezone": "UTC", "periods": [{"days": "mon-fry", "start": "08:00", "stop": "09:00"}]}),
                "\"fry\" is not a valid value",
            ),
            (
                json!({"timezone": "UTC", "periods": [{"monthdays": "0-3", "start": "08:00", "stop": "09:00"}]}),
                "\"0\" is not a valid value",
            ),
            (
                json!({"timezone": "UTC", "periods": [{"start": "08:00", "stop": "09:00"}], "exclude_dates": ["25.12.2026"]}),
                "not YYYY-MM-DD",
            ),
        ];
        for (spec, expected) in cases {
            let spec: ScheduleSpec = serde_json::from_value(spec).expect("shape");
            let err = Schedule::parse("office", &spec).expect_err(expected);
            assert!(
                err.to_string().starts_with("schedule \"office\": "),
                "{err}"
            );
            assert!(
                err.to_string().contains(expected),
                "{err} should say {expected}"
            );
        }
        let unknown_key = serde_json::from_value::<ScheduleSpec>(
            json!({"timezone": "UTC", "periods": [], "timzone": "x"}),
        );
        assert!(unknown_key.is_err(), "typos in keys are refused");
    }
}
