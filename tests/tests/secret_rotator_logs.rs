//! Everything secret-rotator logs during rotations, at TRACE level for every
//! crate (ours, sqlx, the AWS SDK, hyper), holds no password or token.
//! A test binary of its own: the log subscriber is global to a process.

use std::io::Write;
use std::sync::{Arc, Mutex};

use harness::emulator::Emulator;
use harness::fixtures::TopicWithQueue;
use harness::names::{random_alnum, unique};
use harness::postgres::Postgres;
use harness::rotation::RotatedSecret;
use secret_rotator::{Config, Deps, invoke};
use serde_json::json;
use shared::Publisher;
use shared::config::{Common, DEFAULT_METRICS_NAMESPACE};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn postgres() -> &'static Postgres {
    Postgres::shared()
}

#[tokio::test]
async fn no_secret_value_reaches_the_logs() {
    let logs = Captured::default();
    shared::logging::init_with(logs.clone(), "trace");

    let sdk = Emulator::shared().sdk_config().await;
    let sink = TopicWithQueue::create(&sdk, "logs", None)
        .await
        .expect("topic");
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let deps = Deps {
        config: Config::new(
            Common {
                topic_arn: sink.topic_arn.clone(),
                environment: "test".into(),
                dry_run: false,
                metrics_namespace: DEFAULT_METRICS_NAMESPACE.into(),
            },
            postgres().ca_file.clone(),
        ),
        secrets: secrets.clone(),
        publisher: Publisher::new(aws_sdk_sns::Client::new(&sdk), &sink.topic_arn),
    };

    let user = unique("logged").replace('-', "_");
    let old = random_alnum(24);
    let mut admin = postgres().connect_superuser().await.expect("admin");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE ROLE {user} LOGIN PASSWORD '{}'",
        secret_rotator::password_sql::scram_verifier(&old)
    )))
    .execute(&mut admin)
    .await
    .expect("role");
    let master = RotatedSecret::create(
        &secrets,
        "logs-master",
        &json!({"engine": "postgres", "host": "localhost", "port": postgres().port,
                "username": postgres().superuser, "password": postgres().superuser_password()})
        .to_string(),
    )
    .await
    .expect("master");
    let single = json!({"engine": "postgres", "host": "localhost", "port": postgres().port, "username": user, "password": old});
    let mut alternating = single.clone();
    alternating["masterarn"] = json!(master.arn);
    let token_value = random_alnum(40);
    let secrets_under_test = [
        RotatedSecret::create(&secrets, "logs-single", &single.to_string())
            .await
            .expect("single"),
        RotatedSecret::create(&secrets, "logs-alt", &alternating.to_string())
            .await
            .expect("alternating"),
        RotatedSecret::create(
            &secrets,
            "logs-token",
            &json!({"engine": "token", "token": token_value}).to_string(),
        )
        .await
        .expect("token"),
    ];

    let mut values = vec![
        old.clone(),
        token_value.clone(),
        postgres().superuser_password().to_owned(),
    ];
    for secret in &secrets_under_test {
        let token = secret.start_rotation().await.expect("rotation started");
        for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
            invoke(secret.event(step, &token), &deps)
                .await
                .unwrap_or_else(|e| panic!("{step}: {e}"));
        }
        let current = secret.current().await.expect("current");
        for key in ["password", "token"] {
            if let Some(v) = current[key].as_str() {
                values.push(v.to_owned());
            }
        }
    }

    let text =
        String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    assert!(
        text.lines().count() > 100,
        "the capture saw the rotation ({} lines)",
        text.lines().count()
    );
    assert!(text.contains("AWSCURRENT moved to the new version"));
    for value in &values {
        assert!(
            !text.contains(value.as_str()),
            "a secret value appears in the logs"
        );
    }
}
