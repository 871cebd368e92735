//! Sending what a redrive decided to move: in rounds (`rounds::pick`), at
//! the configured rate, each message deleted from the DLQ only after SQS
//! confirmed its copy, and FIFO groups kept in order.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use shared::Report;
use shared::report::Entry;

use crate::Deps;
use crate::classify::{self, count_recordable};
use crate::redrive::Tally;
use crate::rounds::{self, Pick};
use crate::sqs::{self, Queue, Received};

/// Where a redrive sends a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Destination {
    /// The queue it failed from (or the command's `target`).
    Target,
    /// `PARKING_QUEUE`, for poison.
    Parking,
}

impl Destination {
    /// How a report says a message got there.
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Destination::Target => "moved to",
            Destination::Parking => "parked in",
        }
    }
}

/// State of one redrive while it runs.
pub(crate) struct Run<'a> {
    pub(crate) deps: &'a Deps,
    pub(crate) dlq: &'a Queue,
    /// Receipts to make visible again at the end (not moved, or failed).
    pub(crate) held: Vec<String>,
    /// FIFO groups with a message left behind in this run.
    pub(crate) blocked: HashSet<String>,
    pub(crate) started: Instant,
    pub(crate) sent: u64,
    pub(crate) tally: Tally,
}

impl Run<'_> {
    pub(crate) fn hold(&mut self, r: &Received) {
        self.held.push(r.receipt.clone());
        if let Some(g) = self.order_group(r) {
            self.blocked.insert(g);
        }
    }

    /// The FIFO group whose order a message keeps. None on a standard queue:
    /// there a MessageGroupId only names a fair queue's tenant, which is sent
    /// on but orders nothing.
    pub(crate) fn order_group(&self, r: &Received) -> Option<String> {
        if self.dlq.fifo {
            r.message.group_id.clone()
        } else {
            None
        }
    }

    /// Sends to `dest`, then deletes what was confirmed sent. FIFO: at most
    /// one message per group per call, and a group stops at its first failure,
    /// so no message overtakes an earlier one of its group.
    pub(crate) async fn deliver(
        &mut self,
        messages: Vec<(Received, Entry)>,
        dest: &Queue,
        role: Destination,
        rate: u32,
        report: &mut Report,
    ) {
        // FIFO groups with a message that failed in these sends: the rest of
        // the group waits behind it. (A message held back when it was
        // classified stops only the messages after it, which were
        // classified as blocked then; never one before it, here.)
        let mut stopped: HashSet<String> = HashSet::new();
        // Each message measured once, with the FIFO group it keeps in order.
        let mut remaining: Vec<(Received, Entry, usize, Option<String>)> = messages
            .into_iter()
            .map(|(r, entry)| {
                let (bytes, group) = (sent_bytes(&r), self.order_group(&r));
                (r, entry, bytes, group)
            })
            .collect();
        while !remaining.is_empty() {
            let waiting: Vec<(usize, Option<&str>)> = remaining
                .iter()
                .map(|(_, _, bytes, group)| (*bytes, group.as_deref()))
                .collect();
            let picks = rounds::pick(&waiting, &stopped);
            let mut round: Vec<(Received, Entry)> = Vec::new();
            let mut rest = Vec::new();
            for ((r, entry, bytes, group), pick) in remaining.into_iter().zip(picks) {
                match pick {
                    Pick::Send => round.push((r, entry)),
                    Pick::Later => rest.push((r, entry, bytes, group)),
                    Pick::TooLarge => {
                        self.tally.failed += 1;
                        self.hold(&r);
                        report.failed(entry.action(format!("send to {}", dest.name)).reason(format!(
                            "with its attributes it is {bytes} bytes, over SQS's {} per message, so it \
                             cannot be sent; it stays in the DLQ",
                            rounds::MAX_BYTES
                        )));
                    }
                    Pick::Behind => {
                        self.hold(&r);
                        report.skipped(
                            &r.message.id,
                            "an earlier message of its FIFO group failed to move: kept behind it",
                        );
                    }
                }
            }
            remaining = rest;
            if round.is_empty() {
                continue;
            }
            // Rate limit: never ahead of `rate` messages per second since the start.
            let due = self.started
                + Duration::from_secs_f64((self.sent + round.len() as u64) as f64 / rate as f64);
            let now = Instant::now();
            if due > now {
                tokio::time::sleep(due - now).await;
            }
            let messages: Vec<&Received> = round.iter().map(|(r, _)| r).collect();
            let sent = sqs::send(&self.deps.sqs, dest, &messages).await;
            let mut confirmed = Vec::new();
            for ((r, entry), result) in round.into_iter().zip(sent) {
                match result {
                    Ok(()) => confirmed.push((r, entry)),
                    Err(why) => {
                        self.tally.failed += 1;
                        self.hold(&r);
                        stopped.extend(self.order_group(&r));
                        report.failed(
                            entry
                                .action(format!("send to {}", dest.name))
                                .reason(format!("{why}; it stays in the DLQ")),
                        );
                    }
                }
            }
            self.sent += confirmed.len() as u64;
            let receipts: Vec<&str> = confirmed.iter().map(|(r, _)| r.receipt.as_str()).collect();
            let deleted = sqs::delete(&self.deps.sqs, &self.dlq.url, &receipts).await;
            for ((r, entry), result) in confirmed.into_iter().zip(deleted) {
                match result {
                    Ok(()) => {
                        match role {
                            Destination::Target => self.tally.moved += 1,
                            Destination::Parking => self.tally.parked += 1,
                        }
                        let mut entry = entry.action(format!("{} {}", role.verb(), dest.name));
                        if !count_recordable(&r.message) {
                            entry = entry.reason(format!(
                                "its redrive count could not be recorded: it already has {} \
                                 message attributes, SQS's maximum, so MAX_REDRIVES cannot stop \
                                 it if it fails again",
                                classify::MAX_ATTRIBUTES
                            ));
                        }
                        report.did(entry);
                    }
                    Err(why) => {
                        self.tally.failed += 1;
                        // Visible again at the end of the run, so the next run
                        // settles it soon rather than after the visibility timeout.
                        self.hold(&r);
                        stopped.extend(self.order_group(&r));
                        report.failed(entry.action(format!("delete after sending to {}", dest.name)).reason(format!(
                            "{why}; the copy was sent, so the original will be sent again later: a duplicate, never a loss"
                        )));
                    }
                }
            }
        }
    }
}

/// What a message counts for against SendMessageBatch's limits as it will be
/// sent: its body and the attributes `sqs::send` sends it with.
fn sent_bytes(r: &Received) -> usize {
    let attributes = sqs::outgoing_attributes(r);
    rounds::message_bytes(
        &r.message.body,
        attributes.iter().map(|(name, v)| {
            let value = v
                .string_value()
                .map(str::len)
                .or_else(|| v.binary_value().map(|b| b.as_ref().len()))
                .unwrap_or(0);
            (name.as_str(), v.data_type(), value)
        }),
    )
}
