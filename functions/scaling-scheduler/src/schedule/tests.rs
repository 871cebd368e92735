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
        (
            json!({"timezone": "UTC", "periods": [{"days": "mon#6", "start": "08:00", "stop": "09:00"}]}),
            "\"mon#6\" is not a valid value: after # comes 1 to 5, or L for the last",
        ),
        (
            json!({"timezone": "UTC", "periods": [{"days": "fry#L", "start": "08:00", "stop": "09:00"}]}),
            "\"fry#L\" is not a valid value: \"fry\" is no weekday",
        ),
        (
            json!({"timezone": "UTC", "periods": [{"days": "mon#1-fri#1", "start": "08:00", "stop": "09:00"}]}),
            "\"mon#1-fri#1\" is not a valid value",
        ),
        (
            // Once read as Monday, by its first three letters.
            json!({"timezone": "UTC", "periods": [{"days": "monkey", "start": "08:00", "stop": "09:00"}]}),
            "\"monkey\" is not a valid value",
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

/// The days a period of `days` / `monthdays` runs on in one month.
fn days_run(days: Option<&str>, monthdays: Option<&str>, year: i16, month: i8) -> Vec<Date> {
    let mut spec = json!({"start": "08:00", "stop": "09:00"});
    if let Some(d) = days {
        spec["days"] = json!(d);
    }
    if let Some(d) = monthdays {
        spec["monthdays"] = json!(d);
    }
    let period = Period::parse(&serde_json::from_value(spec).expect("shape")).expect("valid");
    let first = Date::new(year, month, 1).expect("date");
    (0..first.days_in_month())
        .filter_map(|i| first.checked_add(jiff::Span::new().days(i)).ok())
        .filter(|d| period.day_matches(*d))
        .collect()
}

#[test]
fn nth_and_last_weekdays_and_the_last_day_hold_in_every_month_2026_to_2030() {
    for year in 2026..=2030 {
        for month in 1..=12 {
            let first_monday = days_run(Some("mon#1"), None, year, month);
            assert_eq!(first_monday.len(), 1, "{year}-{month}");
            assert_eq!(first_monday[0].weekday(), jiff::civil::Weekday::Monday);
            assert!(first_monday[0].day() <= 7);

            for last_friday in [
                days_run(Some("fri#L"), None, year, month),
                days_run(Some("FriL"), None, year, month),
            ] {
                assert_eq!(last_friday.len(), 1, "{year}-{month}");
                assert_eq!(last_friday[0].weekday(), jiff::civil::Weekday::Friday);
                assert!(last_friday[0].day() + 7 > last_friday[0].days_in_month());
            }

            let fifth_wednesday = days_run(Some("wed#5"), None, year, month);
            assert!(
                fifth_wednesday.iter().all(|d| d.day() >= 29),
                "{fifth_wednesday:?}"
            );

            let last_day = days_run(None, Some("L"), year, month);
            assert_eq!(last_day.len(), 1);
            assert_eq!(last_day[0].day(), last_day[0].days_in_month());

            // Mixed: every Saturday and the second Tuesday.
            let mixed = days_run(Some("sat,tue#2"), None, year, month);
            let saturdays = days_run(Some("sat"), None, year, month);
            assert_eq!(mixed.len(), saturdays.len() + 1, "{year}-{month}");
        }
    }
    // Every day named in full or shortened still reads as before.
    assert_eq!(
        days_run(Some("Monday-Wednesday"), None, 2026, 11),
        days_run(Some("mon-wed"), None, 2026, 11)
    );
}
