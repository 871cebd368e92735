//! Documented limits that the API models do not carry, each with its source.
//! A row names the service (botocore directory), the operations it applies
//! to, the rule and where AWS documents it.

use serde_json::Value;

use super::Violation;
use super::validate::shown;

/// One documented limit.
#[derive(Debug)]
pub struct Limit {
    pub service: &'static str,
    pub operations: &'static [&'static str],
    pub rule: &'static str,
    pub source: &'static str,
    check: fn(&Value, &mut Vec<(String, String, Value)>),
}

const MIB: usize = 1_048_576;
const SNS_DEFAULT_MAX: usize = 262_144;

const TAGGING: &str = "https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html (tag naming limits: the aws: prefix is reserved)";

/// The table.
pub const LIMITS: &[Limit] = &[
    Limit {
        service: "sqs",
        operations: &["SendMessage"],
        rule: "a message (body and attributes) is at most 1 MiB and has at most 10 attributes",
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html; https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html",
        check: |input, out| {
            sqs_message(input, "", out);
        },
    },
    Limit {
        service: "sqs",
        operations: &["SendMessageBatch"],
        rule: "1 to 10 entries with distinct ids of 1-80 [A-Za-z0-9_-]; each message and all of them together at most 1 MiB; at most 10 attributes per message",
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html",
        check: |input, out| {
            let entries = batch(input, "Entries", 10, out);
            let mut total = 0;
            for (i, entry) in entries.iter().enumerate() {
                total += sqs_message(entry, &format!("Entries[{i}]."), out);
            }
            if total > MIB {
                out.push((
                    "Entries".into(),
                    format!("the batch's messages total {total} bytes, over 1 MiB"),
                    Value::from(total),
                ));
            }
        },
    },
    Limit {
        service: "sqs",
        operations: &["DeleteMessageBatch", "ChangeMessageVisibilityBatch"],
        rule: "1 to 10 entries with distinct ids of 1-80 [A-Za-z0-9_-]",
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html; https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibilityBatch.html",
        check: |input, out| {
            for (i, entry) in batch(input, "Entries", 10, out).iter().enumerate() {
                visibility(entry, &format!("Entries[{i}]."), out);
            }
        },
    },
    Limit {
        service: "sqs",
        operations: &["ReceiveMessage"],
        rule: "MaxNumberOfMessages 1-10, WaitTimeSeconds 0-20, VisibilityTimeout 0-43200",
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html",
        check: |input, out| {
            range(input, "MaxNumberOfMessages", 1, 10, out);
            range(input, "WaitTimeSeconds", 0, 20, out);
            visibility(input, "", out);
        },
    },
    Limit {
        service: "sqs",
        operations: &["ChangeMessageVisibility"],
        rule: "VisibilityTimeout 0-43200 seconds",
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html",
        check: |input, out| visibility(input, "", out),
    },
    Limit {
        service: "sns",
        operations: &["Publish"],
        rule: "a subject is under 100 characters without line breaks or control characters; message and attributes at most 256 KiB (the default MaximumMessageSize); at most 10 attributes (more are discarded for raw-delivery SQS subscriptions)",
        source: "https://docs.aws.amazon.com/sns/latest/api/API_Publish.html; https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html",
        check: |input, out| {
            sns_message(input, "", out);
        },
    },
    Limit {
        service: "sns",
        operations: &["PublishBatch"],
        rule: "1 to 10 entries with distinct ids of 1-80 [A-Za-z0-9_-]; the entries' messages and attributes together at most 256 KiB; each entry's subject and attributes as for Publish",
        source: "https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html",
        check: |input, out| {
            let entries = batch(input, "PublishBatchRequestEntries", 10, out);
            let mut total = 0;
            for (i, entry) in entries.iter().enumerate() {
                total += sns_message(entry, &format!("PublishBatchRequestEntries[{i}]."), out);
            }
            if total > SNS_DEFAULT_MAX {
                out.push((
                    "PublishBatchRequestEntries".into(),
                    format!("the batch's messages total {total} bytes, over 256 KiB"),
                    Value::from(total),
                ));
            }
        },
    },
    Limit {
        service: "ecs",
        operations: &[
            "TagResource",
            "CreateService",
            "CreateCluster",
            "RegisterTaskDefinition",
            "RunTask",
        ],
        rule: "tag keys and values do not start with aws: (any case)",
        source: TAGGING,
        check: |input, out| reserved_tags(input, "tags", "key", "value", out),
    },
    Limit {
        service: "autoscaling",
        operations: &["CreateOrUpdateTags", "CreateAutoScalingGroup"],
        rule: "tag keys and values do not start with aws: (any case)",
        source: TAGGING,
        check: |input, out| reserved_tags(input, "Tags", "Key", "Value", out),
    },
    Limit {
        service: "rds",
        operations: &["AddTagsToResource", "CreateDBInstance", "CreateDBCluster"],
        rule: "tag keys and values do not start with aws: (any case)",
        source: TAGGING,
        check: |input, out| reserved_tags(input, "Tags", "Key", "Value", out),
    },
    Limit {
        service: "autoscaling",
        operations: &["UpdateAutoScalingGroup", "CreateAutoScalingGroup"],
        rule: "MinSize <= DesiredCapacity <= MaxSize, where the request gives them",
        source: "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html",
        check: |input, out| {
            let n = |k: &str| input.get(k).and_then(Value::as_i64);
            let (min, desired, max) = (n("MinSize"), n("DesiredCapacity"), n("MaxSize"));
            let pairs = [
                ("MinSize", min, "MaxSize", max),
                ("MinSize", min, "DesiredCapacity", desired),
                ("DesiredCapacity", desired, "MaxSize", max),
            ];
            for (a, av, b, bv) in pairs {
                if let (Some(av), Some(bv)) = (av, bv)
                    && av > bv
                {
                    out.push((
                        a.into(),
                        format!("{a} {av} is greater than {b} {bv}"),
                        Value::from(av),
                    ));
                }
            }
        },
    },
];

/// Every documented limit `input` breaks.
pub fn check(service: &str, operation: &str, input: &Value) -> Vec<Violation> {
    let mut found = Vec::new();
    for limit in LIMITS
        .iter()
        .filter(|l| l.service == service && l.operations.contains(&operation))
    {
        let mut raw = Vec::new();
        (limit.check)(input, &mut raw);
        for (path, what, value) in raw {
            found.push(Violation {
                service: service.to_owned(),
                operation: operation.to_owned(),
                path,
                rule: format!("documented limit: {what} ({})", limit.source),
                value: shown(&value, false),
            });
        }
    }
    found
}

type Out = Vec<(String, String, Value)>;

/// The entries of a batch, after checking their count and ids.
fn batch<'a>(input: &'a Value, member: &str, max: usize, out: &mut Out) -> &'a [Value] {
    let entries = input
        .get(member)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if entries.is_empty() || entries.len() > max {
        out.push((
            member.into(),
            format!(
                "a batch holds 1 to {max} entries, this one {}",
                entries.len()
            ),
            Value::from(entries.len()),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let id = entry.get("Id").and_then(Value::as_str).unwrap_or_default();
        let valid = (1..=80).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            out.push((
                format!("{member}[{i}].Id"),
                "a batch entry id is 1-80 characters of A-Z a-z 0-9 - _".into(),
                Value::String(id.to_owned()),
            ));
        }
        if !seen.insert(id.to_owned()) {
            out.push((
                format!("{member}[{i}].Id"),
                "batch entry ids must be distinct".into(),
                Value::String(id.to_owned()),
            ));
        }
    }
    entries
}

/// The size of a message's attributes (name, type and value bytes), after
/// checking their count.
fn attributes(entry: &Value, path: &str, out: &mut Out) -> usize {
    let Some(attributes) = entry.get("MessageAttributes").and_then(Value::as_object) else {
        return 0;
    };
    if attributes.len() > 10 {
        out.push((
            format!("{path}MessageAttributes"),
            format!(
                "at most 10 message attributes, this message has {}",
                attributes.len()
            ),
            Value::from(attributes.len()),
        ));
    }
    attributes
        .iter()
        .map(|(name, value)| {
            let text = |k: &str| value.get(k).and_then(Value::as_str).map_or(0, str::len);
            name.len() + text("DataType") + text("StringValue") + text("BinaryValue") * 3 / 4
        })
        .sum()
}

/// An SQS message's size, after checking it and its attributes.
fn sqs_message(entry: &Value, path: &str, out: &mut Out) -> usize {
    let body = entry
        .get("MessageBody")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let size = body.len() + attributes(entry, path, out);
    if size > MIB {
        out.push((
            format!("{path}MessageBody"),
            format!("a message with its attributes is at most 1 MiB, this one {size} bytes"),
            Value::from(size),
        ));
    }
    if let Some(bad) = body.chars().find(|c| {
        (*c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    }) {
        out.push((
            format!("{path}MessageBody"),
            format!(
                "a message body may not hold the character U+{:04X}",
                bad as u32
            ),
            Value::String(body.to_owned()),
        ));
    }
    size
}

/// An SNS message's size, after checking its subject and attributes.
fn sns_message(entry: &Value, path: &str, out: &mut Out) -> usize {
    if let Some(subject) = entry.get("Subject").and_then(Value::as_str) {
        if subject.chars().count() >= 100 {
            out.push((
                format!("{path}Subject"),
                format!(
                    "a subject is less than 100 characters, this one {}",
                    subject.chars().count()
                ),
                Value::String(subject.to_owned()),
            ));
        }
        if subject.chars().any(char::is_control) {
            out.push((
                format!("{path}Subject"),
                "a subject has no line breaks or control characters".into(),
                Value::String(subject.to_owned()),
            ));
        }
        if subject.is_empty() {
            out.push((
                format!("{path}Subject"),
                "a subject, when given, is not empty".into(),
                Value::String(String::new()),
            ));
        }
    }
    let message = entry
        .get("Message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let size = message.len() + attributes(entry, path, out);
    if size > SNS_DEFAULT_MAX {
        out.push((
            format!("{path}Message"),
            format!("a message with its attributes is at most 256 KiB, this one {size} bytes"),
            Value::from(size),
        ));
    }
    size
}

fn visibility(input: &Value, path: &str, out: &mut Out) {
    if let Some(v) = input.get("VisibilityTimeout").and_then(Value::as_i64)
        && !(0..=43_200).contains(&v)
    {
        out.push((
            format!("{path}VisibilityTimeout"),
            "a visibility timeout is 0 to 43200 seconds".into(),
            Value::from(v),
        ));
    }
}

fn range(input: &Value, member: &str, min: i64, max: i64, out: &mut Out) {
    if let Some(v) = input.get(member).and_then(Value::as_i64)
        && !(min..=max).contains(&v)
    {
        out.push((
            member.into(),
            format!("{member} is {min} to {max}"),
            Value::from(v),
        ));
    }
}

fn reserved_tags(input: &Value, member: &str, key: &str, value: &str, out: &mut Out) {
    for (i, tag) in input
        .get(member)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        for field in [key, value] {
            let text = tag.get(field).and_then(Value::as_str).unwrap_or_default();
            if text
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
            {
                out.push((
                    format!("{member}[{i}].{field}"),
                    "the aws: prefix is reserved for AWS".into(),
                    Value::String(text.to_owned()),
                ));
            }
        }
    }
}
