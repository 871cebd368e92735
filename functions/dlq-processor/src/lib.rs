//! dlq-processor: explains dead-letter queues and redrives their messages,
//! selectively, rate-limited and FIFO-safe, never losing one.
//!
//! **Triggers:** the CloudWatch alarm on a DLQ (through SNS, EventBridge, or
//! as the alarm's Lambda action): ALARM inspects the queue named by the
//! metric's `QueueName` and publishes a summary; OK and INSUFFICIENT_DATA do
//! nothing. Commands: `{"action":"inspect","queue":"orders-dlq"}`,
//! `{"action":"redrive","queue":"orders-dlq","max_messages":100,
//! "filter":{"groups":["errorType=Timeout"]},"target":"orders","dry_run":true}`,
//! `{"action":"redrive","queue":"orders-dlq","native":true}` (SQS's own
//! move task), `{"action":"status","queue":"orders-dlq"}` (its progress).
//! A scheduled event redrives the queues in `AUTO_REDRIVE_QUEUES`.
//!
//! **Never losing a message:** a message is deleted from the DLQ only after
//! SQS confirmed its copy was sent. A crash or fault in between can make a
//! duplicate (FIFO targets drop it by its deduplication id), never a loss.
//!
//! **Environment:** `NOTIFY_TOPIC_ARN` (required), `ENVIRONMENT`, `DRY_RUN`,
//! `METRICS_NAMESPACE`, `GROUP_BY_ATTRIBUTE`, `GROUP_BY_FIELD`,
//! `INSPECT_SAMPLE`, `MAX_REDRIVES`, `PARKING_QUEUE`, `REDRIVE_RATE`,
//! `MAX_PER_INVOCATION`, `AUTO_REDRIVE_QUEUES`, `DEADLINE_MARGIN_MS`,
//! `REDACT_FIELDS`.
//!
//! **IAM:** `sqs:GetQueueUrl`, `sqs:GetQueueAttributes`,
//! `sqs:ListDeadLetterSourceQueues`, `sqs:ReceiveMessage`,
//! `sqs:ChangeMessageVisibility`, `sqs:DeleteMessage`,
//! `sqs:StartMessageMoveTask`, `sqs:ListMessageMoveTasks` on the DLQs;
//! `sqs:SendMessage` on the targets and the parking queue; `sns:Publish`;
//! `kms:Decrypt`/`kms:GenerateDataKey` where queues are KMS-encrypted.
//!
//! **Try it:** `cargo lambda invoke dlq-processor --data-file
//! events/dlq-processor/command_inspect.json`

pub mod classify;
mod config;
mod error;
pub mod input;
mod inspect;
mod move_task;
mod redrive;
mod rounds;
mod send;
mod sqs;
mod visibility;
mod words;

pub use config::{Config, vars};
pub use error::Error;

use std::time::{Duration, Instant};

use shared::metrics::Metrics;
use shared::report::{Entry, dry_run};
use shared::{Invocation, Publisher, Report};
use tracing::{Instrument, info_span};

use crate::classify::Filter;
use crate::input::{Command, Trigger, queue_of};
use crate::inspect::inspect;
use crate::redrive::{Redrive, redrive};

/// The name this function goes by: crate, binary, Terraform resources.
pub const FUNCTION: &str = "dlq-processor";

/// What the handler needs, built once at start-up.
#[derive(Debug, Clone)]
pub struct Deps {
    pub config: Config,
    pub sqs: aws_sdk_sqs::Client,
    pub publisher: Publisher,
}

/// One invocation: a payload read into its triggers, then handled.
pub async fn invoke(
    payload: serde_json::Value,
    invocation: &Invocation,
    deps: &Deps,
) -> Result<Report, Error> {
    let triggers = match input::parse(payload) {
        Ok(triggers) => triggers,
        Err(why) => {
            return Ok(
                shared::input::refuse(FUNCTION, &deps.config.common, &deps.publisher, &why).await?,
            );
        }
    };
    handle(triggers, invocation, deps).await.map(Report::fitted)
}

/// One invocation. A redrive stops cleanly `DEADLINE_MARGIN_MS` before the
/// invocation's deadline.
pub async fn handle(
    triggers: Vec<Trigger>,
    invocation: &Invocation,
    deps: &Deps,
) -> Result<Report, Error> {
    let mut report = Report::new(FUNCTION, deps.config.common.dry_run);
    let mut metrics =
        Metrics::new(&deps.config.common.metrics_namespace).dimension("Function", FUNCTION);
    let margin = Duration::from_millis(deps.config.deadline_margin_ms);
    let stop_at = invocation.stop_at(margin, Instant::now());
    for trigger in triggers {
        match trigger {
            Trigger::Alarm(alarm) => {
                let span = info_span!("alarm", alarm = %alarm.name, state = %alarm.state);
                async {
                    if alarm.state != "ALARM" {
                        report.skipped(
                            &alarm.name,
                            format!("alarm is {}: nothing to do", alarm.state),
                        );
                        return Ok(());
                    }
                    match queue_of(&alarm) {
                        Ok(queue) => inspect(&queue, deps, &mut report).await,
                        Err(why) => {
                            report.failed(Entry::new(&alarm.name).reason(why));
                            Ok(())
                        }
                    }
                }
                .instrument(span)
                .await?;
            }
            Trigger::NotAnAlarm { message_id, why } => {
                report.failed(Entry::new(format!("SNS message {message_id}")).reason(why));
            }
            Trigger::Command(Command::Inspect { queue }) => {
                inspect(&queue, deps, &mut report).await?
            }
            Trigger::Command(Command::Redrive {
                queue,
                max_messages,
                filter,
                target,
                dry_run: requested,
                native,
            }) => {
                report.dry_run = dry_run(deps.config.common.dry_run, requested);
                let opts = Redrive {
                    max_messages: max_messages.unwrap_or(deps.config.max_per_invocation),
                    filter: filter.unwrap_or_default(),
                    target,
                    stop_at,
                    native,
                    automatic: false,
                };
                redrive(&queue, &opts, deps, &mut report, &mut metrics).await?;
            }
            Trigger::Command(Command::Status { queue }) => {
                move_task::status(&queue, deps, &mut report).await
            }
            Trigger::Scheduled => {
                for queue in &deps.config.auto_redrive {
                    let opts = Redrive {
                        max_messages: deps.config.max_per_invocation,
                        filter: Filter::default(),
                        target: None,
                        stop_at,
                        native: false,
                        automatic: true,
                    };
                    redrive(queue, &opts, deps, &mut report, &mut metrics).await?;
                }
                if deps.config.auto_redrive.is_empty() {
                    report.skipped(
                        "scheduled event",
                        "AUTO_REDRIVE_QUEUES is empty: nothing to redrive",
                    );
                }
            }
        }
    }
    metrics.emit();
    Ok(report)
}
