use backup_verifier::{Clients, Config, Deps, handle};
use lambda_runtime::{LambdaEvent, service_fn};
use shared::aws::{AwsSettings, sdk_config};
use shared::{Env, Publisher};
use tokio::sync::OnceCell;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let env = Env::process();
    let config = Config::from_env(&env)?;
    let sdk = sdk_config(&AwsSettings::from_env(&env)?).await;
    let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
    let publisher = Publisher::new(aws_sdk_sns::Client::new(&sdk), &config.common.topic_arn);
    let clients = Clients {
        backup: aws_sdk_backup::Client::new(&sdk),
        rds: aws_sdk_rds::Client::new(&sdk),
        ec2: aws_sdk_ec2::Client::new(&sdk),
        secrets: aws_sdk_secretsmanager::Client::new(&sdk),
    };
    // The account is only known from the first event's function ARN: the
    // dependencies are completed then, once.
    let deps: OnceCell<Deps> = OnceCell::new();
    let parts = (&config, &clients, &publisher, &region, &deps);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let (config, clients, publisher, region, deps) = parts;
            let deps = deps
                .get_or_init(|| async {
                    Deps {
                        config: config.clone(),
                        clients: clients.clone(),
                        publisher: publisher.clone(),
                        account: event
                            .context
                            .invoked_function_arn
                            .split(':')
                            .nth(4)
                            .unwrap_or_default()
                            .to_owned(),
                        region: region.clone(),
                    }
                })
                .await;
            handle(event.payload, deps).await
        },
    ))
    .await
}
