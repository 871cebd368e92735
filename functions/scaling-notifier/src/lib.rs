//! scaling-notifier: turns Auto Scaling, ECS and alarm events into clear
//! notifications on SNS, for fan-out to e-mail, chat and other queues.
//!
//! **Trigger:** EventBridge rules on `aws.autoscaling` events (more sources
//! follow). Events without a formatter of their own are still sent, as a
//! WARNING naming their source and detail-type: nothing is dropped.
//!
//! **Environment:**
//! - `NOTIFY_TOPIC_ARN` (required): the SNS topic notifications go to.
//! - `ENVIRONMENT`: the deployment's name, sent as the `environment` attribute (default `default`).
//! - `DRY_RUN`: `true` returns the notification in the report without publishing it.
//! - `METRICS_NAMESPACE`: namespace of the EMF metrics (default `OpsAutomation`).
//! - `AWS_ENDPOINT_URL`: send every SDK call to one endpoint (a local emulator).
//!
//! **IAM:** `sns:Publish` on the topic (and `kms:GenerateDataKey`, `kms:Decrypt`
//! on its key when the topic is encrypted).
//!
//! **Try it:** `cargo lambda invoke scaling-notifier --data-file
//! events/scaling-notifier/autoscaling_launch-unsuccessful.json`
//!
//! Delivery is at least once: EventBridge may deliver an event twice, and
//! then two identical notifications are sent. Nothing else changes state, so
//! a repeat is harmless.

mod config;
mod error;
mod format;

pub use config::Config;
pub use error::Error;
pub use format::format;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use shared::metrics::Metrics;
use shared::report::Entry;
use shared::{Publisher, Report};
use tracing::{Instrument, info, info_span};

/// The name this function goes by: crate, binary, Terraform resources.
pub const FUNCTION: &str = "scaling-notifier";

/// What the notifier is invoked with.
pub type Event = EventBridgeEvent<serde_json::Value>;

/// What the handler needs, built once at start-up.
#[derive(Debug, Clone)]
pub struct Deps {
    pub config: Config,
    pub publisher: Publisher,
}

/// Formats the event into one notification and publishes it (or, in
/// dry-run, returns it in the report without publishing).
pub async fn handle(event: Event, deps: &Deps) -> Result<Report, Error> {
    let event_id = event.id.clone().unwrap_or_default();
    let span = info_span!("event", event_id = %event_id, detail_type = %event.detail_type, source = %event.source);
    async move {
        let common = &deps.config.common;
        let mut report = Report::new(FUNCTION, common.dry_run);
        report.saw(Entry::new(event_label(&event)).detail(event.detail_type.clone()));

        let formatted = format(&event, &common.environment);
        if formatted.recognised {
            info!(severity = %formatted.notification.severity, "event formatted");
        } else {
            info!("no formatter for this event: sending it as a generic warning");
        }
        let notification = formatted.notification;
        let rendered = serde_json::to_value(&notification).unwrap_or_default();
        let target = deps.publisher.topic_arn().to_owned();

        let mut metrics = Metrics::new(&common.metrics_namespace).dimension("Function", FUNCTION);
        if common.dry_run {
            report.planned(Entry::new(target).action("publish").detail(rendered));
        } else {
            let message_id = deps.publisher.publish(&notification).await?;
            info!(message_id = %message_id, severity = %notification.severity, "notification published");
            metrics.count("NotificationsPublished", 1);
            report.did(
                Entry::new(target)
                    .action(format!("published as {message_id}"))
                    .detail(rendered),
            );
        }
        if !formatted.recognised {
            metrics.count("UnrecognisedEvents", 1);
        }
        metrics.emit();
        Ok(report)
    }
    .instrument(span)
    .await
}

fn event_label(event: &Event) -> String {
    match &event.id {
        Some(id) => format!("{} event {id}", event.source),
        None => format!("{} event", event.source),
    }
}
