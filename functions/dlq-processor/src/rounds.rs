//! Which messages go in one SendMessageBatch. SQS takes at most 10 entries
//! and 1 MiB in all per call (the batch total equals the largest message),
//! and a message counts for its body and each attribute's name, data type
//! and value. So a round closes at 10 messages or at the byte budget,
//! whichever comes first; a message too large to be sent even alone is
//! reported by the caller and left in the DLQ. FIFO: at most one message
//! of a group per call, and none after one of its group failed.

use std::collections::HashSet;

/// Entries in one SendMessageBatch.
pub const MAX_ENTRIES: usize = 10;
/// Bytes in one SendMessageBatch, and in one message (SQS quotas, 1 MiB).
pub const MAX_BYTES: usize = 1_048_576;

/// What a message counts for against the limits: its body and, for each
/// attribute, its name, data type and value (bytes).
pub fn message_bytes<'a>(
    body: &str,
    attributes: impl IntoIterator<Item = (&'a str, &'a str, usize)>,
) -> usize {
    body.len()
        + attributes
            .into_iter()
            .map(|(name, data_type, value)| name.len() + data_type.len() + value)
            .sum::<usize>()
}

/// Whether a message of `bytes` joins a round already holding `count`
/// messages of `total` bytes.
pub fn fits(count: usize, total: usize, bytes: usize) -> bool {
    count < MAX_ENTRIES && total + bytes <= MAX_BYTES
}

/// Whether a message can be sent at all, even alone.
pub fn sendable(bytes: usize) -> bool {
    bytes <= MAX_BYTES
}

/// What one pass over the messages waiting to be sent decides for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// In this round's SendMessageBatch.
    Send,
    /// In a later round: the round is full, or already holds a message of
    /// its FIFO group (one per group per call keeps the group's order).
    Later,
    /// Over SQS's size even alone: it cannot be sent and stays in the DLQ.
    TooLarge,
    /// An earlier message of its FIFO group failed: it stays behind it.
    Behind,
}

/// One round: for each waiting message, in order, given its size and the
/// FIFO group whose order it keeps (none on a standard queue), whether it is
/// sent now. `stopped` holds the groups with a message that failed.
pub fn pick(waiting: &[(usize, Option<&str>)], stopped: &HashSet<String>) -> Vec<Pick> {
    let (mut count, mut total) = (0, 0);
    let mut groups = HashSet::new();
    waiting
        .iter()
        .map(|&(bytes, group)| {
            if !sendable(bytes) {
                return Pick::TooLarge;
            }
            if group.is_some_and(|g| stopped.contains(g)) {
                return Pick::Behind;
            }
            let busy = group.is_some_and(|g| groups.contains(g));
            if busy || !fits(count, total, bytes) {
                return Pick::Later;
            }
            groups.extend(group);
            count += 1;
            total += bytes;
            Pick::Send
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_takes_one_message_per_fifo_group_in_order() {
        let waiting = [
            (10, Some("a")),
            (10, Some("a")),
            (10, Some("b")),
            (10, None),
            (10, None),
        ];
        assert_eq!(
            pick(&waiting, &HashSet::new()),
            [Pick::Send, Pick::Later, Pick::Send, Pick::Send, Pick::Send]
        );
    }

    #[test]
    fn a_round_closes_at_ten_messages_or_at_the_byte_budget() {
        let eleven = vec![(1, None); 11];
        let picks = pick(&eleven, &HashSet::new());
        assert_eq!(picks.iter().filter(|p| **p == Pick::Send).count(), 10);
        assert_eq!(picks[10], Pick::Later);
        let big = [(MAX_BYTES / 2, None), (MAX_BYTES / 2, None), (1, None)];
        assert_eq!(
            pick(&big, &HashSet::new()),
            [Pick::Send, Pick::Send, Pick::Later]
        );
    }

    #[test]
    fn too_large_and_behind_a_failure_are_never_sent() {
        let stopped = HashSet::from(["a".to_owned()]);
        let waiting = [(MAX_BYTES + 1, None), (10, Some("a")), (10, Some("b"))];
        assert_eq!(
            pick(&waiting, &stopped),
            [Pick::TooLarge, Pick::Behind, Pick::Send]
        );
    }

    /// Greedy rounds over sizes, as `deliver` forms them.
    fn rounds(sizes: &[usize]) -> Vec<usize> {
        let mut rounds = Vec::new();
        let (mut count, mut total) = (0, 0);
        for &bytes in sizes {
            if !fits(count, total, bytes) {
                rounds.push(count);
                (count, total) = (0, 0);
            }
            count += 1;
            total += bytes;
        }
        if count > 0 {
            rounds.push(count);
        }
        rounds
    }

    #[test]
    fn rounds_close_at_ten_messages_or_one_mebibyte() {
        assert_eq!(rounds(&[100; 25]), [10, 10, 5]);
        // Ten 200 KiB messages: five fit in 1 MiB (1,024,000 bytes), six do not.
        assert_eq!(rounds(&[200 * 1024; 10]), [5, 5]);
        assert_eq!(rounds(&[MAX_BYTES, 1]), [1, 1]);
    }

    #[test]
    fn attributes_count_their_name_type_and_value() {
        let bytes = message_bytes(
            "hello",
            [("DlqRedriveCount", "Number", 1), ("trace", "String", 10)],
        );
        assert_eq!(bytes, 5 + (15 + 6 + 1) + (5 + 6 + 10));
        assert!(sendable(MAX_BYTES) && !sendable(MAX_BYTES + 1));
    }
}
