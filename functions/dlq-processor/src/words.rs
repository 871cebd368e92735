//! The words a person reads about a DLQ: why a queue cannot be used, how
//! old a message is, and a redrive's summary.

use shared::{Notification, Severity};

use crate::FUNCTION;
use crate::redrive::Tally;
use crate::sqs::Queue;

/// Why messages of `dlq` cannot go to `q`: a FIFO queue and a standard one.
pub(crate) fn kind_mismatch(dlq: &Queue, q: &Queue) -> Option<String> {
    (q.fifo != dlq.fifo).then(|| {
        format!(
            "{} is {} but {} is {}: messages cannot keep their order or group",
            dlq.name,
            if dlq.fifo { "FIFO" } else { "standard" },
            q.name,
            if q.fifo { "FIFO" } else { "standard" }
        )
    })
}

pub(crate) fn not_a_dlq(q: &Queue) -> String {
    format!(
        "queue {} is not a dead-letter queue: no queue's redrive policy points to it",
        q.name
    )
}

/// An age as people say it: `42 s`, `10 min`, `3 h`, `3 days`.
pub(crate) fn human_age(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

/// Why an automatic redrive does not move a message whose count it cannot
/// record.
pub(crate) const UNCOUNTED: &str = "its redrive count cannot be recorded (it has SQS's maximum of 10 \
     message attributes), so an automatic redrive does not move it: MAX_REDRIVES could never \
     stop it cycling between the DLQ and its source";

/// The summary a redrive that moved, parked or left anything sends.
pub(crate) fn redrive_summary(
    environment: &str,
    dlq: &Queue,
    target: &Queue,
    parking: Option<&Queue>,
    tally: &Tally,
    stopped: Option<&str>,
) -> Notification {
    let severity = if tally.failed > 0 {
        Severity::Error
    } else if tally.poison + tally.parked > 0 {
        Severity::Warning
    } else {
        Severity::Info
    };
    Notification::new(
        severity,
        FUNCTION,
        environment,
        format!(
            "DLQ {}: {} redriven to {}",
            dlq.name, tally.moved, target.name
        ),
    )
    .summary(format!(
        "{} moved, {} parked, {} poison left in the DLQ, {} failed{}.",
        tally.moved,
        tally.parked,
        tally.poison,
        tally.failed,
        stopped.map(|s| format!("; {s}")).unwrap_or_default()
    ))
    .field("Dead-letter queue", &dlq.name)
    .field("Target", &target.name)
    .field(
        "Parking queue",
        parking.map(|p| p.name.clone()).unwrap_or_default(),
    )
    .resource(dlq.arn.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(human_age(42), "42 s");
        assert_eq!(human_age(600), "10 min");
        assert_eq!(human_age(3 * 3600), "3 h");
        assert_eq!(human_age(3 * 86_400), "3 days");
    }
}
