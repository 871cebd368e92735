//! scaling-notifier: turns Auto Scaling, ECS, Application Auto Scaling,
//! CloudWatch alarm and scaling-scheduler events into clear notifications on
//! SNS, for fan-out to e-mail, chat and other queues; optionally to Slack too.
//!
//! **Triggers:** EventBridge rules (the event itself), an SNS subscription
//! (alarm actions, or events published to a topic), or an SQS queue
//! buffering EventBridge events (with `ReportBatchItemFailures`). Events
//! without a formatter of their own are still sent, as a WARNING naming their
//! source and detail-type: nothing is dropped. Slack posts (optional) stop
//! short of the Lambda deadline and a failed one is reported per
//! notification: Slack never costs an SNS notification or a batch.
//!
//! **Environment:**
//! - `NOTIFY_TOPIC_ARN` (required): the SNS topic notifications go to.
//! - `ENVIRONMENT`: the deployment's name, sent as the `environment` attribute (default `default`).
//! - `MIN_SEVERITY`: `INFO` (default), `WARNING`, `ERROR` or `CRITICAL`: below it nothing is sent.
//! - `MUTED_EVENTS`: comma-separated kinds never sent (`ECS Service Action/SERVICE_STEADY_STATE`).
//! - `SLACK_WEBHOOK_SECRET_ARN`: secret holding a Slack incoming-webhook URL; read at start-up.
//! - `REDACT_FIELDS`: field names masked, on top of the built-in rules, in
//!   events and SNS messages no formatter knows (they are forwarded as received).
//! - `DRY_RUN`: `true` returns the notifications in the report without sending them.
//! - `METRICS_NAMESPACE`: namespace of the EMF metrics (default `OpsAutomation`).
//! - `AWS_ENDPOINT_URL`: send every SDK call to one endpoint (a local emulator).
//!
//! **IAM:** `sns:Publish` on the topic (and `kms:GenerateDataKey`, `kms:Decrypt`
//! on its key when encrypted); `secretsmanager:GetSecretValue` on the Slack
//! secret when set; `ecs:DescribeTaskDefinition` (no resource-level
//! permissions) to say which container of a stopped task is essential.
//!
//! **Try it:** `cargo lambda invoke scaling-notifier --data-file
//! events/scaling-notifier/autoscaling_launch-unsuccessful.json`
//!
//! Delivery is at least once: an event delivered twice sends its
//! notification twice. Nothing else changes state, so a repeat is harmless.

mod config;
mod error;
pub mod essentials;
pub mod format;
pub mod input;
pub mod slack;

pub use config::{Config, vars};
pub use error::Error;
pub use essentials::TaskDefinitions;
pub use format::{Formatted, Lookups, format};
pub use slack::SlackSink;

use std::time::{Duration, Instant};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse};
use serde::Serialize;
use serde_json::Value;
use shared::metrics::Metrics;
use shared::report::Entry;
use shared::{Invocation, Notification, PublishError, Publisher, Report};
use tracing::{Instrument, info, info_span, warn};

use crate::input::{Incoming, Item};

/// The name this function goes by: crate, binary, Terraform resources.
pub const FUNCTION: &str = "scaling-notifier";

/// An EventBridge event, as the notifier reads it.
pub type Event = EventBridgeEvent<Value>;

/// What the handler needs, built once at start-up.
#[derive(Debug, Clone)]
pub struct Deps {
    pub config: Config,
    pub publisher: Publisher,
    pub slack: Option<SlackSink>,
    /// Which containers of a stopped task are essential (its task definition).
    pub task_definitions: TaskDefinitions,
}

/// The invocation's result: the report, and for SQS batches the records to
/// deliver again (Lambda's partial batch response, `batchItemFailures`).
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    #[serde(flatten)]
    pub report: Report,
    #[serde(flatten)]
    pub sqs: SqsBatchResponse,
}

impl Response {
    fn new(report: Report, failed_ids: Vec<String>) -> Self {
        let mut sqs = SqsBatchResponse::default();
        sqs.batch_item_failures = failed_ids
            .into_iter()
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failure
            })
            .collect();
        Response { report, sqs }
    }
}

/// One notification on its way out.
struct Outgoing {
    label: String,
    sqs_message_id: Option<String>,
    notification: Notification,
}

/// Slack posts stop this long before the Lambda deadline, so the function
/// still answers (and an SQS batch is not redelivered to SNS whole).
const SLACK_MARGIN: Duration = Duration::from_secs(2);

/// One invocation: a payload read into the items it carries, then handled.
pub async fn invoke(
    payload: Value,
    invocation: &Invocation,
    deps: &Deps,
) -> Result<Response, Error> {
    match input::parse(payload) {
        Ok(items) => handle(items, invocation, deps).await,
        Err(why) => {
            let report =
                shared::input::refuse(FUNCTION, &deps.config.common, &deps.publisher, &why).await?;
            Ok(Response::new(report, Vec::new()))
        }
    }
}

/// Formats every item, routes it (routine, muted, below the minimum
/// severity: skipped with the reason) and publishes the rest.
pub async fn handle(
    items: Vec<Incoming>,
    invocation: &Invocation,
    deps: &Deps,
) -> Result<Response, Error> {
    let span = info_span!("invocation", items = items.len());
    let slack_stop = invocation.stop_at(SLACK_MARGIN, Instant::now());
    async move {
        let config = &deps.config;
        let mut report = Report::new(FUNCTION, config.common.dry_run);
        let mut metrics = Metrics::new(&config.common.metrics_namespace).dimension("Function", FUNCTION);
        let mut outgoing = Vec::new();
        for incoming in items {
            let lookups = look_up(&incoming, &deps.task_definitions).await;
            if let Some(out) = route(incoming, &lookups, config, &mut report, &mut metrics) {
                outgoing.push(out);
            }
        }
        metrics.count("NotificationsSkipped", report.skipped.len());

        if report.dry_run {
            let publish = format!("publish to {}", deps.publisher.topic_arn());
            for out in outgoing {
                let plan = Entry::new(out.label).action(publish.as_str());
                // A dry run only plans: nothing is sent, so nothing can fail.
                let _ = deps.publisher.publish_or_plan(&mut report, plan, &out.notification).await;
            }
            metrics.emit();
            return Ok(Response::new(report, Vec::new()));
        }

        let notifications: Vec<Notification> = outgoing.iter().map(|o| o.notification.clone()).collect();
        let results = match notifications.as_slice() {
            [] => Vec::new(),
            [one] => vec![deps.publisher.publish(one).await],
            many => deps.publisher.publish_batch(many).await,
        };

        let mut failures: Vec<(Option<String>, PublishError)> = Vec::new();
        let mut published = 0;
        for (out, result) in outgoing.into_iter().zip(results) {
            match result {
                Ok(message_id) => {
                    published += 1;
                    info!(item = %out.label, message_id = %message_id, severity = %out.notification.severity, "notification published");
                    report.did(
                        Entry::new(&out.label)
                            .action(format!("published as {message_id}"))
                            .detail(out.notification.subject()),
                    );
                    if let Some(slack) = &deps.slack {
                        post_to_slack(slack, &out, slack_stop, &mut report, &mut metrics).await;
                    }
                }
                Err(e) => {
                    warn!(item = %out.label, error = %e, "notification not published");
                    report.failed(Entry::new(&out.label).action("publish").reason(e.to_string()));
                    failures.push((out.sqs_message_id, e));
                }
            }
        }
        metrics.count("NotificationsPublished", published);
        metrics.count("PublishFailures", failures.len());
        metrics.emit();

        if failures.is_empty() {
            return Ok(Response::new(report, Vec::new()));
        }
        // SQS can redeliver just the failed records; any other source must
        // retry the whole invocation (at least once: the sent ones may repeat).
        if failures.iter().all(|(id, _)| id.is_some()) {
            let ids = failures.into_iter().filter_map(|(id, _)| id).collect();
            return Ok(Response::new(report, ids));
        }
        let (_, first) = failures.swap_remove(0);
        Err(Error::Publish(first))
    }
    .instrument(span)
    .await
}

/// What an item needs looked up to be told right: a stopped task's
/// essential containers. A failed lookup is told in the notification.
async fn look_up(incoming: &Incoming, task_definitions: &TaskDefinitions) -> Lookups {
    let Item::Event(event) = &incoming.item else {
        return Lookups::default();
    };
    let Some(arn) = format::task_definition_to_read(event) else {
        return Lookups::default();
    };
    let essential = task_definitions.essential(&arn).await;
    if let Err(why) = &essential {
        warn!(item = %incoming.label, task_definition = %arn, error = %why, "essential containers not known");
    }
    Lookups {
        essential: Some(essential),
    }
}

/// Formats one item and decides whether it is sent.
fn route(
    incoming: Incoming,
    lookups: &Lookups,
    config: &Config,
    report: &mut Report,
    metrics: &mut Metrics,
) -> Option<Outgoing> {
    let environment = &config.common.environment;
    let formatted = match &incoming.item {
        Item::Event(event) => format::format_with(event, environment, &config.redact, lookups),
        Item::Alarm(alarm) => format::format_alarm(alarm, environment),
        Item::Text {
            subject,
            message,
            origin,
        } => format::format_sns_text(
            subject.as_deref(),
            message,
            origin,
            environment,
            &config.redact,
        ),
    };
    report.saw(Entry::new(&incoming.label).detail(formatted.kind.clone()));
    if !formatted.recognised {
        metrics.count("UnrecognisedEvents", 1);
        info!(item = %incoming.label, kind = %formatted.kind, "no formatter for this event: sending it as a generic warning");
    }
    let severity = formatted.notification.severity;
    let skip = if let Some(reason) = formatted.routine {
        Some(reason)
    } else if config.is_muted(&formatted.kind) {
        Some(format!("{} is muted by MUTED_EVENTS", formatted.kind))
    } else if severity < config.min_severity {
        Some(format!(
            "severity {severity} is below MIN_SEVERITY {}",
            config.min_severity
        ))
    } else {
        None
    };
    if let Some(reason) = skip {
        report.skipped(incoming.label, reason);
        return None;
    }
    Some(Outgoing {
        label: incoming.label,
        sqs_message_id: incoming.sqs_message_id,
        notification: formatted.notification,
    })
}

async fn post_to_slack(
    slack: &SlackSink,
    out: &Outgoing,
    stop: Option<Instant>,
    report: &mut Report,
    metrics: &mut Metrics,
) {
    match slack.post(&out.notification, stop).await {
        Ok(()) => {
            report.did(Entry::new(&out.label).action("posted to slack"));
            metrics.count("SlackPosts", 1);
        }
        Err(e) => {
            warn!(item = %out.label, error = %e, "slack post failed; the SNS notification was sent");
            report.failed(
                Entry::new(&out.label)
                    .action("post to slack")
                    .reason(e.to_string()),
            );
            metrics.count("SlackFailures", 1);
        }
    }
}
