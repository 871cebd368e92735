//! The contract layer catches what AWS rejects and lets through what AWS
//! accepts: one test per rule kind, through a checking proxy of its own
//! (its ledger is the test's, not the process's) in front of moto.

use std::sync::Arc;

use harness::contract::{Ledger, limits, model};
use harness::emulator::Emulator;
use harness::names::unique;
use harness::proxy::FaultProxy;
use harness::raw_aws;

/// A checking proxy with its own ledger, in front of the shared moto.
fn checked() -> (FaultProxy, Arc<Ledger>) {
    let ledger = Arc::new(Ledger::default());
    let proxy = FaultProxy::start_checking(Emulator::shared().upstream(), ledger.clone())
        .expect("checking proxy");
    (proxy, ledger)
}

/// The text of an SDK error (any service's), with its service message.
fn text<E: std::error::Error + 'static>(e: &aws_sdk_sqs::error::SdkError<E>) -> String {
    format!("{}", aws_sdk_sqs::error::DisplayErrorContext(e))
}

async fn ecs_cluster(ecs: &aws_sdk_ecs::Client) -> String {
    ecs.create_cluster()
        .cluster_name(unique("contract"))
        .send()
        .await
        .expect("create cluster")
        .cluster
        .and_then(|c| c.cluster_arn)
        .expect("cluster arn")
}

async fn ecs_tags(ecs: &aws_sdk_ecs::Client, arn: &str) -> Vec<(String, String)> {
    ecs.list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("list tags")
        .tags
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
        .collect()
}

fn tag(key: &str, value: &str) -> aws_sdk_ecs::types::Tag {
    aws_sdk_ecs::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
}

#[tokio::test]
async fn a_value_outside_its_pattern_is_refused_and_never_reaches_the_emulator() {
    let (proxy, ledger) = checked();
    let ecs = aws_sdk_ecs::Client::new(&proxy.sdk_config().await);
    let arn = ecs_cluster(&ecs).await;
    let err = ecs
        .tag_resource()
        .resource_arn(&arn)
        .tags(tag("schedule:saved", r#"{"desired":3}"#))
        .send()
        .await
        .expect_err("ECS forbids { } \" , in tag values");
    let message = text(&err);
    assert!(message.contains("ecs TagResource"), "{message}");
    assert!(message.contains("tags[0].value"), "{message}");
    assert!(message.contains("pattern"), "{message}");
    assert!(ecs_tags(&ecs, &arn).await.is_empty(), "no tag written");
    let entries = ledger.entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].contains(r#"sent "{\"desired\":3}""#),
        "{entries:?}"
    );

    // The same call within the pattern goes through and takes effect.
    ecs.tag_resource()
        .resource_arn(&arn)
        .tags(tag("schedule:saved", "desired=3 min=1 max=6"))
        .send()
        .await
        .expect("a valid tag");
    assert_eq!(
        ecs_tags(&ecs, &arn).await,
        vec![("schedule:saved".into(), "desired=3 min=1 max=6".into())]
    );
    assert_eq!(ledger.entries().len(), 1, "the valid call is no violation");
}

#[tokio::test]
async fn a_value_over_its_length_is_refused() {
    let (proxy, ledger) = checked();
    let ecs = aws_sdk_ecs::Client::new(&proxy.sdk_config().await);
    let arn = ecs_cluster(&ecs).await;
    let err = ecs
        .tag_resource()
        .resource_arn(&arn)
        .tags(tag(&"k".repeat(129), "v"))
        .send()
        .await
        .expect_err("ECS tag keys are at most 128 characters");
    let message = text(&err);
    assert!(message.contains("tags[0].key"), "{message}");
    assert!(
        message.contains("at most 128 characters, has 129"),
        "{message}"
    );
    assert!(ecs_tags(&ecs, &arn).await.is_empty());
    assert_eq!(ledger.entries().len(), 1);
}

#[tokio::test]
async fn an_unknown_enum_value_is_refused() {
    let (proxy, _ledger) = checked();
    let ecs = aws_sdk_ecs::Client::new(&proxy.sdk_config().await);
    let err = ecs
        .list_services()
        .launch_type(aws_sdk_ecs::types::LaunchType::from("FARGATE_XL"))
        .send()
        .await
        .expect_err("not a launch type");
    let message = text(&err);
    assert!(message.contains("launchType"), "{message}");
    assert!(
        message.contains("enum: must be one of") && message.contains("FARGATE"),
        "{message}"
    );
}

async fn queue(sqs: &aws_sdk_sqs::Client) -> String {
    sqs.create_queue()
        .queue_name(unique("contract"))
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url")
}

async fn depth(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .expect("attributes")
        .attributes
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
                .cloned()
        })
        .unwrap_or_default()
}

fn entry(id: &str, body: String) -> aws_sdk_sqs::types::SendMessageBatchRequestEntry {
    aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
        .id(id)
        .message_body(body)
        .build()
        .expect("entry")
}

/// The error text of a SendMessageBatch the layer must refuse.
async fn refused_batch(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    entries: Vec<aws_sdk_sqs::types::SendMessageBatchRequestEntry>,
    why: &str,
) -> String {
    let err = sqs
        .send_message_batch()
        .queue_url(url)
        .set_entries(Some(entries))
        .send()
        .await
        .expect_err(why);
    text(&err)
}

#[tokio::test]
async fn oversize_batches_are_refused_by_count_and_by_total_size() {
    let (proxy, _ledger) = checked();
    let sqs = aws_sdk_sqs::Client::new(&proxy.sdk_config().await);
    let url = queue(&sqs).await;

    let eleven: Vec<_> = (0..11).map(|i| entry(&i.to_string(), "m".into())).collect();
    let message = refused_batch(&sqs, &url, eleven, "eleven entries").await;
    assert!(
        message.contains("1 to 10 entries, this one 11"),
        "{message}"
    );

    // Two messages of 600 KB: each within 1 MiB, together over it.
    let big: Vec<_> = (0..2)
        .map(|i| entry(&format!("big-{i}"), "x".repeat(600_000)))
        .collect();
    let message = refused_batch(&sqs, &url, big, "1.2 MB in one batch").await;
    assert!(
        message.contains("total 1200000 bytes, over 1 MiB"),
        "{message}"
    );

    let twin: Vec<_> = (0..2).map(|_| entry("same", "m".into())).collect();
    let message = refused_batch(&sqs, &url, twin, "duplicate ids").await;
    assert!(message.contains("ids must be distinct"), "{message}");
    assert_eq!(depth(&sqs, &url).await, "0", "nothing was sent");

    // Ten small ones are a valid batch, and arrive.
    let ten: Vec<_> = (0..10).map(|i| entry(&i.to_string(), "m".into())).collect();
    sqs.send_message_batch()
        .queue_url(&url)
        .set_entries(Some(ten))
        .send()
        .await
        .expect("ten entries");
    assert_eq!(depth(&sqs, &url).await, "10");
}

#[tokio::test]
async fn an_sns_batch_over_256_kib_and_a_subject_with_a_line_break_are_refused() {
    let (proxy, _ledger) = checked();
    let sns = aws_sdk_sns::Client::new(&proxy.sdk_config().await);
    let topic = sns
        .create_topic()
        .name(unique("contract"))
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    let entries: Vec<_> = (0..10)
        .map(|i| {
            aws_sdk_sns::types::PublishBatchRequestEntry::builder()
                .id(format!("e{i}"))
                .message("y".repeat(30_000))
                .build()
                .expect("entry")
        })
        .collect();
    let err = sns
        .publish_batch()
        .topic_arn(&topic)
        .set_publish_batch_request_entries(Some(entries))
        .send()
        .await
        .expect_err("300 KB in one batch");
    let message = text(&err);
    assert!(
        message.contains("total 300000 bytes, over 256 KiB"),
        "{message}"
    );

    let err = sns
        .publish()
        .topic_arn(&topic)
        .subject("two\nlines")
        .message("m")
        .send()
        .await
        .expect_err("a line break in a subject");
    let message = text(&err);
    assert!(message.contains("Subject"), "{message}");
    assert!(message.contains("no line breaks"), "{message}");
}

#[test]
fn a_missing_required_member_is_refused_in_json_and_query_requests() {
    let (proxy, ledger) = checked();
    let (status, body) = raw_aws::call(
        proxy.endpoint(),
        "sqs",
        "POST",
        "/",
        Some("AmazonSQS.SendMessage"),
        "application/x-amz-json-1.0",
        r#"{"MessageBody":"hello"}"#,
    )
    .expect("call");
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("QueueUrl: required: must be present"),
        "{body}"
    );

    let (status, body) = raw_aws::call(
        proxy.endpoint(),
        "sns",
        "POST",
        "/",
        None,
        "application/x-www-form-urlencoded",
        "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At",
    )
    .expect("call");
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("Message: required: must be present"),
        "{body}"
    );
    assert_eq!(ledger.entries().len(), 2, "{:?}", ledger.entries());
}

#[test]
fn rest_json_requests_are_read_from_path_labels() {
    let (proxy, _ledger) = checked();
    // Backup vault names are 2-50 of [a-zA-Z0-9-_]: a one-letter name is refused.
    let (status, body) = raw_aws::call(
        proxy.endpoint(),
        "backup",
        "PUT",
        "/backup-vaults/x",
        None,
        "application/json",
        "",
    )
    .expect("call");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("CreateBackupVault"), "{body}");
    assert!(body.contains("BackupVaultName"), "{body}");
}

#[tokio::test]
async fn sensitive_values_are_masked_in_what_the_layer_reports() {
    let (proxy, ledger) = checked();
    let secrets = aws_sdk_secretsmanager::Client::new(&proxy.sdk_config().await);
    let secret = "hunter2-".repeat(9000);
    let err = secrets
        .create_secret()
        .name(unique("contract"))
        .secret_string(&secret)
        .send()
        .await
        .expect_err("a secret over 65,536 characters");
    let message = text(&err);
    assert!(message.contains("SecretString"), "{message}");
    assert!(message.contains("masked"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(ledger.entries().iter().all(|l| !l.contains("hunter2")));
}

#[test]
fn a_request_no_model_can_read_is_refused() {
    let (proxy, ledger) = checked();
    let (status, body) = raw_aws::call(
        proxy.endpoint(),
        "sqs",
        "POST",
        "/",
        Some("AmazonSQS.SendMessageTwice"),
        "application/x-amz-json-1.0",
        "{}",
    )
    .expect("call");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no operation `SendMessageTwice`"), "{body}");
    assert_eq!(ledger.entries().len(), 1);
}

/// The services the functions, the harness and the Terraform apply call.
const SERVICES: &[&str] = &[
    "ecs",
    "autoscaling",
    "application-autoscaling",
    "rds",
    "sqs",
    "sns",
    "secretsmanager",
    "backup",
    "ec2",
    "sts",
    "lambda",
    "events",
    "scheduler",
    "iam",
    "kms",
    "logs",
    "elbv2",
    "cloudwatch",
];

#[test]
fn every_pattern_of_the_services_used_compiles() {
    let mut broken = Vec::new();
    let mut count = 0;
    for service in SERVICES {
        let model = model::by_dir(service).expect("model");
        for (name, shape) in model.shapes() {
            if let Some(pattern) = shape["pattern"].as_str() {
                count += 1;
                if let Err(why) = &*model.pattern(pattern) {
                    broken.push(format!("{service} {name}: {pattern}: {why}"));
                }
            }
        }
    }
    assert!(count > 300, "only {count} patterns found");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn whole_values_must_match_as_aws_documents_the_patterns() {
    // ECS's Tag.value as botocore carries it, unanchored.
    let re = model::compile_pattern(r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)").expect("compiles");
    assert!(re.is_match("desired=3 min=1 max=6").unwrap_or(false));
    assert!(!re.is_match(r#"{"desired":3}"#).unwrap_or(true));
    // Java's surrogate-pair ranges mean code points above U+FFFF.
    let re = model::compile_pattern(r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF]*")
        .expect("compiles");
    assert!(re.is_match("emoji \u{1F600} ok").unwrap_or(false));
    assert!(!re.is_match("bell \u{7}").unwrap_or(true));
    // Java's POSIX classes, and a literal `-` after a class escape.
    let re = model::compile_pattern(r"\p{Print}+").expect("compiles");
    assert!(re.is_match("policy name 1").unwrap_or(false));
    assert!(!re.is_match("tab\there").unwrap_or(true));
    let re = model::compile_pattern(r"[\w-_]*").expect("compiles");
    assert!(re.is_match("log-group_1").unwrap_or(false));
    assert!(!re.is_match("a b").unwrap_or(true));
}

#[test]
fn every_limit_names_operations_its_service_has() {
    for limit in limits::LIMITS {
        let model = model::by_dir(limit.service).expect("model");
        for op in limit.operations {
            assert!(
                model.operation(op).is_some(),
                "{} has no operation {op} (limit: {})",
                limit.service,
                limit.rule
            );
        }
        assert!(limit.source.contains("https://docs.aws.amazon.com/"));
    }
}
