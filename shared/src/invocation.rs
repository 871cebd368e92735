//! What the Lambda runtime says about one invocation: when it will be
//! stopped, and which function (so which partition and account) it is.
//!
//! Built per invocation from the runtime's context; the dependencies a
//! function builds at start-up stay untouched.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds that no wall-clock deadline is below (2001-09-09): a smaller
/// value is a duration. `cargo lambda watch` sends the timeout itself
/// (600000) where Lambda sends an epoch instant.
const EPOCH_MS_FLOOR: u64 = 1_000_000_000_000;

/// One invocation's deadline and function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    /// When the runtime stops the function; `None` runs unbounded (tests, demos).
    pub deadline: Option<Instant>,
    /// The ARN the function was invoked by; empty when unknown.
    pub function_arn: String,
}

impl Invocation {
    /// From the runtime context's `deadline` (epoch milliseconds) and
    /// `invoked_function_arn`, read at `now` (monotonic and wall clock).
    pub fn from_runtime(
        deadline_ms: u64,
        function_arn: &str,
        now: Instant,
        wall: SystemTime,
    ) -> Self {
        let left_ms = if deadline_ms < EPOCH_MS_FLOOR {
            deadline_ms
        } else {
            let wall_ms = wall
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            deadline_ms.saturating_sub(wall_ms)
        };
        Self {
            deadline: Some(now + Duration::from_millis(left_ms)),
            function_arn: function_arn.to_owned(),
        }
    }

    /// [`Invocation::from_runtime`] read now: what a handler's `main.rs` calls
    /// as an event arrives.
    pub fn starting(deadline_ms: u64, function_arn: &str) -> Self {
        Self::from_runtime(deadline_ms, function_arn, Instant::now(), SystemTime::now())
    }

    /// An invocation of `function_arn` with no deadline.
    pub fn unbounded(function_arn: &str) -> Self {
        Self {
            deadline: None,
            function_arn: function_arn.to_owned(),
        }
    }

    /// When work should stop so the function can still answer: `margin`
    /// before the deadline, but never more than a quarter of the time left at
    /// `now`, so a short timeout (Lambda's default is 3 s) still leaves time
    /// to work.
    pub fn stop_at(&self, margin: Duration, now: Instant) -> Option<Instant> {
        let deadline = self.deadline?;
        let margin = margin.min(deadline.saturating_duration_since(now) / 4);
        Some(deadline.checked_sub(margin).unwrap_or(deadline))
    }

    /// The function's partition (`aws`, `aws-cn`, `aws-us-gov`); `aws` when
    /// the ARN is unknown.
    pub fn partition(&self) -> &str {
        self.arn_part(1).unwrap_or("aws")
    }

    /// The function's account, when the ARN is known.
    pub fn account(&self) -> Option<&str> {
        self.arn_part(4)
    }

    fn arn_part(&self, index: usize) -> Option<&str> {
        let mut parts = self.function_arn.split(':');
        if parts.next() != Some("arn") {
            return None;
        }
        parts.nth(index - 1).filter(|p| !p.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws-cn:lambda:cn-north-1:123456789012:function:backup-verifier:live";

    #[test]
    fn the_runtime_deadline_is_read_as_an_instant_or_as_time_left() {
        let now = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_millis(1_800_000_000_000);
        let lambda = Invocation::from_runtime(1_800_000_003_000, ARN, now, wall);
        assert_eq!(lambda.deadline, Some(now + Duration::from_secs(3)));
        let watch = Invocation::from_runtime(600_000, ARN, now, wall);
        assert_eq!(watch.deadline, Some(now + Duration::from_secs(600)));
        let past = Invocation::from_runtime(1_799_999_999_000, ARN, now, wall);
        assert_eq!(past.deadline, Some(now));
    }

    #[test]
    fn short_timeouts_still_leave_time_to_work() {
        let now = Instant::now();
        let margin = Duration::from_secs(10);
        let at = |left: Duration| Invocation {
            deadline: Some(now + left),
            function_arn: String::new(),
        };
        let three_s = at(Duration::from_secs(3));
        assert_eq!(
            three_s.stop_at(margin, now),
            Some(now + Duration::from_millis(2_250))
        );
        let fifteen_min = at(Duration::from_secs(900));
        assert_eq!(
            fifteen_min.stop_at(margin, now),
            Some(now + Duration::from_secs(890))
        );
        assert_eq!(at(Duration::ZERO).stop_at(margin, now), Some(now));
        // Asked after the deadline passed: stop at once, never panic.
        let late = now + Duration::from_secs(5);
        assert_eq!(three_s.stop_at(margin, late), three_s.deadline);
        assert_eq!(Invocation::default().stop_at(margin, now), None);
    }

    #[test]
    fn the_function_arn_names_partition_and_account() {
        let known = Invocation::unbounded(ARN);
        assert_eq!(known.partition(), "aws-cn");
        assert_eq!(known.account(), Some("123456789012"));
        for unknown in [
            "",
            "not-an-arn",
            "arn:aws:lambda",
            "arn::lambda:r::function:f",
        ] {
            let unknown = Invocation::unbounded(unknown);
            assert_eq!(unknown.partition(), "aws", "{unknown:?}");
            assert_eq!(unknown.account(), None, "{unknown:?}");
        }
    }
}
