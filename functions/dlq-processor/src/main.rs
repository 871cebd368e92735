use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dlq_processor::{Config, Deps, handle};
use lambda_runtime::{LambdaEvent, service_fn};
use shared::aws::{AwsSettings, sdk_config};
use shared::{Env, Publisher};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let env = Env::process();
    let config = Config::from_env(&env)?;
    let sdk = sdk_config(&AwsSettings::from_env(&env)?).await;
    let publisher = Publisher::new(aws_sdk_sns::Client::new(&sdk), &config.common.topic_arn);
    let deps = Deps {
        config,
        sqs: aws_sdk_sqs::Client::new(&sdk),
        publisher,
    };
    let deps = &deps;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let left = time_left_ms(event.context.deadline);
            let deadline = Instant::now() + Duration::from_millis(left);
            handle(event.payload, Some(deadline), deps).await
        },
    ))
    .await
}

/// Lambda gives the deadline as wall-clock milliseconds; `cargo lambda watch`
/// sends the timeout itself (600000). No date is that small, so such a value
/// is read as the time left.
fn time_left_ms(deadline_ms: u64) -> u64 {
    if deadline_ms < 1_000_000_000_000 {
        return deadline_ms;
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    deadline_ms.saturating_sub(now_ms)
}
