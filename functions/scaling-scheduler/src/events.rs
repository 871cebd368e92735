//! One `Scheduled Scaling Action` event per action taken, on EventBridge:
//! what the Terraform stack routes to scaling-notifier (failed actions) and
//! what anyone's own rules can follow. Built by a pure function; sent in
//! batches of ten, as PutEvents takes them.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use shared::aws::failure;
use shared::events::scheduler::{
    ACTION_DETAIL_TYPE, Capacity as EventCapacity, Outcome, SOURCE, ScheduledAction,
};

use crate::bounded::{self, Ran};
use crate::plan::{Action, Capacity, Kind, Observed, Target};

/// The bus events go to unless `EVENT_BUS` names another.
pub const DEFAULT_BUS: &str = "default";

/// PutEvents takes at most ten entries a call.
const BATCH: usize = 10;

/// An event ready to send: its detail and the resource it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionEvent {
    pub detail: ScheduledAction,
    pub resource_arn: String,
}

/// The event for `action` on `target`, ended with `outcome`; `None` for the
/// saved tag's removal, which changes nothing anyone runs.
pub fn event_for(
    target: &Target,
    action: &Action,
    outcome: Outcome,
    reason: Option<String>,
) -> Option<ScheduledAction> {
    let (name, after) = match action {
        Action::ScaleDown { to, .. } => ("scale-down", capacity(to)),
        Action::ScaleUp { to, .. } => ("scale-up", capacity(to)),
        Action::Stop => ("stop", state("stopped")),
        Action::Hibernate => ("hibernate", state("stopped")),
        Action::Start if target.kind == Kind::Ec2Instance => ("start", state("running")),
        Action::Start => ("start", state("available")),
        Action::ForgetSaved => return None,
    };
    let before = match &target.observed {
        Observed::Scalable { current, .. } => capacity(current),
        Observed::Database { status, .. } | Observed::Instance { state: status, .. } => {
            state(status)
        }
    };
    Some(ScheduledAction {
        schedule: target.schedule.clone(),
        resource_type: target.kind.to_string(),
        resource: target.id.clone(),
        action: name.to_owned(),
        outcome,
        before: Some(before),
        after: (outcome == Outcome::Done).then_some(after),
        reason,
        dry_run: false,
    })
}

fn capacity(c: &Capacity) -> EventCapacity {
    EventCapacity {
        desired: Some(c.desired),
        min: c.min,
        max: c.max,
        state: None,
    }
}

fn state(s: &str) -> EventCapacity {
    EventCapacity {
        state: Some(s.to_owned()),
        ..EventCapacity::default()
    }
}

/// Events EventBridge did not take: each refused entry (or failed call)
/// with the reason it gave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} problem{} sending {sent} events to bus {bus}: {}",
    problems.len(),
    if problems.len() == 1 { "" } else { "s" },
    problems.join("; ")
)]
pub struct NotSent {
    pub bus: String,
    /// How many events the call was to send.
    pub sent: usize,
    pub problems: Vec<String>,
}

/// Sends the events to `bus`, ten to a call and the calls side by side.
/// Every entry EventBridge refuses is named in the error, with the reason
/// it gave.
pub async fn emit(client: &Client, bus: &str, events: &[ActionEvent]) -> Result<(), NotSent> {
    let calls: Vec<_> = events
        .chunks(BATCH)
        .map(|chunk| {
            let (client, bus, chunk) = (client.clone(), bus.to_owned(), chunk.to_vec());
            async move { put(&client, &bus, &chunk).await }
        })
        .collect();
    let all = calls.len();
    let mut problems = Vec::new();
    for ran in bounded::run(calls, all, None).await {
        match ran {
            Ran::Finished(found) => problems.extend(found),
            Ran::Panicked(e) => {
                problems.push(format!("a PutEvents call stopped unexpectedly: {e}"))
            }
            // Without a stop instant every call starts.
            Ran::NotStarted => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(NotSent {
            bus: bus.to_owned(),
            sent: events.len(),
            problems,
        })
    }
}

/// One PutEvents call; what went wrong with it, entry by entry.
async fn put(client: &Client, bus: &str, chunk: &[ActionEvent]) -> Vec<String> {
    let entries = chunk
        .iter()
        .map(|e| {
            PutEventsRequestEntry::builder()
                .source(SOURCE)
                .detail_type(ACTION_DETAIL_TYPE)
                .detail(serde_json::to_string(&e.detail).unwrap_or_default())
                .resources(&e.resource_arn)
                .event_bus_name(bus)
                .build()
        })
        .collect();
    match client.put_events().set_entries(Some(entries)).send().await {
        Ok(out) => chunk
            .iter()
            .zip(out.entries())
            .filter_map(|(event, result)| {
                result.error_code().map(|code| {
                    format!(
                        "{}: {code}: {}",
                        event.detail.resource,
                        result.error_message().unwrap_or_default()
                    )
                })
            })
            .collect(),
        Err(e) => vec![failure("events:PutEvents", &e).to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Kind, Limits};

    fn ecs(current: Capacity) -> Target {
        Target {
            kind: Kind::EcsService,
            id: "ecs/staging/web".into(),
            schedule: "office-hours".into(),
            override_tag: None,
            observed: Observed::Scalable {
                current,
                saved: None,
            },
            ineligible: None,
            limits: Limits::default(),
        }
    }

    #[test]
    fn events_not_sent_are_counted_and_named() {
        let one = NotSent {
            bus: "ops".into(),
            sent: 12,
            problems: vec!["ecs/a: ThrottlingException: slow down".into()],
        };
        assert_eq!(
            one.to_string(),
            "1 problem sending 12 events to bus ops: ecs/a: ThrottlingException: slow down"
        );
        let two = NotSent {
            problems: vec!["a".into(), "b".into()],
            ..one
        };
        assert!(two.to_string().starts_with("2 problems sending 12 events"));
    }

    #[test]
    fn a_done_scale_down_reads_as_the_documented_sample() {
        let current = Capacity {
            desired: 3,
            min: Some(2),
            max: Some(6),
        };
        let action = Action::ScaleDown {
            save: current,
            to: current.zeroed(),
        };
        let detail = event_for(&ecs(current), &action, Outcome::Done, None).expect("an event");
        let sample: serde_json::Value = serde_json::from_str(include_str!(
            "../../../events/scaling-notifier/scheduler_scale-down-done.json"
        ))
        .expect("sample");
        assert_eq!(
            serde_json::to_value(&detail).expect("json"),
            sample["detail"]
        );
    }

    #[test]
    fn a_failed_start_has_no_after_and_says_why() {
        let mut t = ecs(Capacity {
            desired: 0,
            min: None,
            max: None,
        });
        t.kind = Kind::RdsInstance;
        t.observed = Observed::Database {
            status: "stopped".into(),
            maintenance_window: None,
        };
        let e = event_for(&t, &Action::Start, Outcome::Failed, Some("denied".into()))
            .expect("an event");
        assert_eq!(e.after, None);
        assert_eq!(e.before.and_then(|b| b.state).as_deref(), Some("stopped"));
        assert_eq!(e.reason.as_deref(), Some("denied"));
        assert_eq!(
            event_for(&t, &Action::ForgetSaved, Outcome::Done, None),
            None
        );
    }
}
