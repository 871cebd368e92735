//! The harness itself: the emulator answers, and the fault proxy injects
//! exactly the failures it is told to.

use harness::emulator::Emulator;
use harness::names::unique;
use harness::proxy::{Fault, FaultProxy};

async fn queue(config: &aws_config::SdkConfig) -> (aws_sdk_sqs::Client, String) {
    let sqs = aws_sdk_sqs::Client::new(config);
    let url = sqs
        .create_queue()
        .queue_name(unique("harness"))
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    (sqs, url)
}

async fn depth(sqs: &aws_sdk_sqs::Client, url: &str) -> usize {
    let mut seen = 0;
    loop {
        let resp = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(30)
            .send()
            .await
            .expect("receive");
        let n = resp.messages.map(|m| m.len()).unwrap_or(0);
        if n == 0 {
            return seen;
        }
        seen += n;
    }
}

#[tokio::test]
async fn emulator_serves_sqs_on_loopback() {
    let emulator = Emulator::shared();
    assert!(emulator.endpoint().starts_with("http://127.0.0.1:"));
    let (sqs, url) = queue(&emulator.sdk_config().await).await;
    sqs.send_message()
        .queue_url(&url)
        .message_body("hello")
        .send()
        .await
        .expect("send");
    assert_eq!(depth(&sqs, &url).await, 1);
}

#[tokio::test]
async fn throttled_calls_are_retried_by_the_sdk_and_counted_by_the_proxy() {
    let proxy = FaultProxy::start(Emulator::shared().endpoint())
        .await
        .expect("proxy");
    let (sqs, url) = queue(&proxy.sdk_config().await).await;
    proxy.fail_next("SendMessage", 2, Fault::Throttle);
    sqs.send_message()
        .queue_url(&url)
        .message_body("m")
        .send()
        .await
        .expect("third attempt succeeds");
    assert_eq!(proxy.calls("SendMessage"), 3);
    assert_eq!(proxy.faults_served(), 2);
    assert_eq!(depth(&sqs, &url).await, 1);
}

#[tokio::test]
async fn persistent_server_errors_reach_the_caller_and_nothing_is_sent() {
    let proxy = FaultProxy::start(Emulator::shared().endpoint())
        .await
        .expect("proxy");
    let (sqs, url) = queue(&proxy.sdk_config().await).await;
    proxy.fail_next("SendMessage", 3, Fault::ServerError);
    let err = sqs
        .send_message()
        .queue_url(&url)
        .message_body("m")
        .send()
        .await;
    assert!(err.is_err(), "three 500s exhaust the three attempts");
    assert_eq!(depth(&sqs, &url).await, 0);
}

#[tokio::test]
async fn a_lost_response_means_the_call_happened_anyway() {
    let proxy = FaultProxy::start(Emulator::shared().endpoint())
        .await
        .expect("proxy");
    let (sqs, url) = queue(&proxy.sdk_config().await).await;
    proxy.fail_next("SendMessage", 1, Fault::LoseResponse);
    sqs.send_message()
        .queue_url(&url)
        .message_body("m")
        .send()
        .await
        .expect("retry succeeds");
    // The first send took effect although its caller saw a 500, and the
    // retry sent it again: exactly the duplicate at-least-once code must expect.
    assert_eq!(depth(&sqs, &url).await, 2);
}

#[tokio::test]
async fn query_protocol_faults_are_understood_by_the_sdk() {
    let proxy = FaultProxy::start(Emulator::shared().endpoint())
        .await
        .expect("proxy");
    let sns = aws_sdk_sns::Client::new(&proxy.sdk_config().await);
    proxy.fail_next(
        "CreateTopic",
        1,
        Fault::Error {
            status: 403,
            code: "AuthorizationError".into(),
            message: "denied (injected)".into(),
        },
    );
    let err = sns
        .create_topic()
        .name(unique("t"))
        .send()
        .await
        .expect_err("denied");
    let code = aws_sdk_sns::error::ProvideErrorMetadata::code(&err).map(str::to_owned);
    assert_eq!(code.as_deref(), Some("AuthorizationError"));
    assert_eq!(
        proxy.calls("CreateTopic"),
        1,
        "permanent errors are not retried"
    );

    proxy.fail_next("CreateTopic", 1, Fault::Throttle);
    sns.create_topic()
        .name(unique("t"))
        .send()
        .await
        .expect("throttling is retried");
    assert_eq!(proxy.calls("CreateTopic"), 3);
}
