use backup_verifier::{Clients, Config, Deps, invoke};
use lambda_runtime::{LambdaEvent, service_fn};
use shared::aws::{AwsSettings, sdk_config};
use shared::{Env, Invocation, Publisher};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let env = Env::process();
    let config = Config::from_env(&env)?;
    let sdk = sdk_config(&AwsSettings::from_env(&env)?).await;
    let deps = Deps {
        publisher: Publisher::new(aws_sdk_sns::Client::new(&sdk), &config.common.topic_arn),
        clients: Clients {
            backup: aws_sdk_backup::Client::new(&sdk),
            rds: aws_sdk_rds::Client::new(&sdk),
            ec2: aws_sdk_ec2::Client::new(&sdk),
            secrets: aws_sdk_secretsmanager::Client::new(&sdk),
        },
        region: sdk.region().map(|r| r.to_string()).unwrap_or_default(),
        config,
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
