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

/// One raw HTTP/1.1 exchange (`Connection: close`, read to the end): what
/// lambda_runtime does, without it.
async fn http(address: &str, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn the_runtime_api_serves_events_with_lambda_headers_and_records_responses() {
    let api =
        harness::runtime_api::RuntimeApi::start("arn:aws:lambda:us-east-1:123456789012:function:f")
            .await
            .expect("start");
    let next = format!(
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        api.address()
    );
    // /next waits for an event rather than failing (lambda_runtime panics on errors).
    let waiting = tokio::spawn({
        let address = api.address().to_owned();
        async move { http(&address, &next).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(
        !waiting.is_finished(),
        "/next answered with no event queued"
    );
    let id = api.push(r#"{"hello":"world"}"#);
    let served = waiting.await.expect("join").to_ascii_lowercase();
    assert!(served.starts_with("http/1.1 200"), "{served}");
    for header in [
        format!("lambda-runtime-aws-request-id: {id}"),
        "lambda-runtime-deadline-ms: ".to_owned(),
        "lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:f"
            .to_owned(),
        "lambda-runtime-trace-id: root=".to_owned(),
    ] {
        assert!(served.contains(&header), "missing {header}: {served}");
    }
    assert!(served.ends_with(r#"{"hello":"world"}"#), "{served}");

    let body = r#"{"ok":true}"#;
    let post = format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = http(api.address(), &post).await;
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    let outcome = api
        .outcome(std::time::Duration::from_secs(5))
        .await
        .expect("outcome");
    assert_eq!(outcome.request_id, id);
    assert_eq!(outcome.kind, "response");
    assert_eq!(&outcome.body[..], body.as_bytes());
}
