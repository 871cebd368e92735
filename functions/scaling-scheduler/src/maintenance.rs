//! RDS maintenance windows. A database the schedule keeps stopped misses
//! the maintenance RDS would apply in its weekly window (RDS starts a
//! database stopped for seven days so it does not fall behind). With
//! `rds_maintenance_lead_minutes` in the schedules document, the scheduler
//! starts such a database that many minutes before its
//! `PreferredMaintenanceWindow` and does not stop it until the window ends,
//! as AWS Instance Scheduler does. Pure: no AWS here.

use jiff::Timestamp;
use jiff::tz::TimeZone;

const DAY: i64 = 24 * 60;
const WEEK: i64 = 7 * DAY;

/// The longest lead the document may ask for: a day.
pub const MAX_LEAD_MINUTES: u32 = 24 * 60;

/// A weekly window, `ddd:hh24:mi-ddd:hh24:mi` in UTC as RDS writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Minutes since Monday 00:00 UTC.
    start: i64,
    end: i64,
}

impl Window {
    pub fn parse(text: &str) -> Result<Window, String> {
        let bad = || format!("maintenance window {text:?} is not ddd:hh24:mi-ddd:hh24:mi");
        let (start, end) = text.trim().split_once('-').ok_or_else(bad)?;
        let point = |p: &str| -> Option<i64> {
            let mut parts = p.split(':');
            let day = match parts.next()?.to_ascii_lowercase().as_str() {
                "mon" => 0,
                "tue" => 1,
                "wed" => 2,
                "thu" => 3,
                "fri" => 4,
                "sat" => 5,
                "sun" => 6,
                _ => return None,
            };
            let hour: i64 = parts.next()?.parse().ok().filter(|h| (0..24).contains(h))?;
            let minute: i64 = parts.next()?.parse().ok().filter(|m| (0..60).contains(m))?;
            parts
                .next()
                .is_none()
                .then_some(day * DAY + hour * 60 + minute)
        };
        let (start, end) = (point(start).ok_or_else(bad)?, point(end).ok_or_else(bad)?);
        if start == end {
            return Err(bad());
        }
        Ok(Window { start, end })
    }

    /// Whether `now` is in the window or in the `lead` minutes before it.
    pub fn holds(&self, now: Timestamp, lead_minutes: u32) -> bool {
        let zoned = now.to_zoned(TimeZone::UTC);
        let minute = i64::from(zoned.weekday().to_monday_zero_offset()) * DAY
            + i64::from(zoned.hour()) * 60
            + i64::from(zoned.minute());
        let from = (self.start - i64::from(lead_minutes)).rem_euclid(WEEK);
        let length = (self.end - from).rem_euclid(WEEK);
        (minute - from).rem_euclid(WEEK) < length
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn a_window_holds_from_its_lead_until_it_ends() {
        // 2026-11-29 is a Sunday.
        let w = Window::parse("sun:05:00-sun:05:30").expect("valid");
        assert!(!w.holds(at("2026-11-29T03:59:00Z"), 60));
        assert!(w.holds(at("2026-11-29T04:00:00Z"), 60));
        assert!(w.holds(at("2026-11-29T05:29:00Z"), 60));
        assert!(!w.holds(at("2026-11-29T05:30:00Z"), 60));
        assert!(!w.holds(at("2026-11-29T04:30:00Z"), 0));
    }

    #[test]
    fn a_window_and_its_lead_may_cross_midnight_and_the_week() {
        // Monday 00:10 to 00:40; a lead of 30 min starts on Sunday 23:40.
        let w = Window::parse("Mon:00:10-Mon:00:40").expect("valid");
        assert!(w.holds(at("2026-11-29T23:45:00Z"), 30)); // Sunday
        assert!(!w.holds(at("2026-11-29T23:30:00Z"), 30));
        let across = Window::parse("sun:23:30-mon:00:30").expect("valid");
        assert!(across.holds(at("2026-11-30T00:10:00Z"), 0)); // Monday
        assert!(!across.holds(at("2026-11-30T00:30:00Z"), 0));
    }

    #[test]
    fn a_malformed_window_says_so() {
        for bad in [
            "",
            "sun:05:00",
            "sun:25:00-sun:05:30",
            "xyz:05:00-sun:05:30",
            "sun:05:00-sun:05:00",
            "sun:05:00:00-sun:06:00",
        ] {
            let err = Window::parse(bad).expect_err(bad);
            assert!(err.contains("ddd:hh24:mi-ddd:hh24:mi"), "{err}");
        }
    }
}
