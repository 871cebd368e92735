//! How long a redrive hides the messages it receives.
//!
//! A received message is either moved (then deleted) or held until the run
//! ends, when it is made visible again at once. It must stay hidden that
//! long: if it reappeared mid-run, this run or a concurrent one would take
//! it again and a held FIFO message could be overtaken. So the timeout
//! covers the rest of the run and its wrap-up, not a fixed guess; a run
//! that crashes leaves its messages hidden only until then.

use std::time::Duration;

/// Time after the run's last send for its wrap-up: releasing held messages
/// and publishing the summary.
pub const WRAP_UP: Duration = Duration::from_secs(60);
/// SQS's longest visibility timeout (12 hours).
pub const MAX_SECONDS: u64 = 43_200;

/// Seconds to hide what is received now. `left` is the time until the run
/// must stop (its deadline less the margin); with no deadline (a local
/// run), the time `remaining` messages take at `rate` per second, twice
/// over for the calls around them.
pub fn hidden_for(left: Option<Duration>, remaining: usize, rate: u32) -> i32 {
    let run = left.unwrap_or_else(|| {
        Duration::from_secs_f64(2.0 * remaining as f64 / f64::from(rate.max(1)))
    });
    let seconds = (run + WRAP_UP).as_secs_f64().ceil() as u64;
    i32::try_from(seconds.min(MAX_SECONDS)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lambda_run_hides_its_messages_until_it_has_stopped_and_wrapped_up() {
        // A 15-minute function: the old fixed 120 s let held messages
        // reappear 2 minutes into the run.
        assert_eq!(hidden_for(Some(Duration::from_secs(890)), 500, 20), 950);
        assert_eq!(hidden_for(Some(Duration::from_millis(1_500)), 500, 20), 62);
    }

    #[test]
    fn a_run_without_deadline_hides_for_its_expected_length() {
        // 500 messages at 1 per second: about 1000 s of run.
        assert_eq!(hidden_for(None, 500, 1), 1_060);
        assert_eq!(hidden_for(None, 10, 1000), 61);
        assert_eq!(hidden_for(None, 100_000, 1), 43_200, "SQS's maximum");
        assert_eq!(hidden_for(None, 10, 0), 80, "a zero rate is read as 1");
    }
}
