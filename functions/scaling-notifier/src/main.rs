use lambda_runtime::{LambdaEvent, service_fn};
use scaling_notifier::{Config, Deps, SlackSink, TaskDefinitions, invoke};
use shared::aws::{AwsSettings, sdk_config};
use shared::{Env, Invocation, Publisher};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let env = Env::process();
    let config = Config::from_env(&env)?;
    let sdk = sdk_config(&AwsSettings::from_env(&env)?).await;
    let publisher = Publisher::new(aws_sdk_sns::Client::new(&sdk), &config.common.topic_arn);
    let slack = match &config.slack_secret_arn {
        Some(arn) => {
            let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
            Some(SlackSink::from_secret(&secrets, arn).await?)
        }
        None => None,
    };
    let deps = Deps {
        config,
        publisher,
        slack,
        task_definitions: TaskDefinitions::new(aws_sdk_ecs::Client::new(&sdk)),
    };
    let deps = &deps;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let invocation =
                Invocation::starting(event.context.deadline, &event.context.invoked_function_arn);
            // Boxed: the handler's futures nest deeply enough that, unboxed,
            // this block's type overflows rustc's query depth on a clean build.
            Box::pin(invoke(event.payload, &invocation, deps)).await
        },
    ))
    .await
}
