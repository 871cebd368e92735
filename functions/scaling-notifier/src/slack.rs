//! An optional Slack incoming-webhook sink, next to SNS.
//!
//! The webhook URL is a secret (anyone holding it can post): it is read from
//! Secrets Manager at start-up, never logged, and never part of an error.
//! A failing sink never costs the SNS notification: it is reported, not raised.
//!
//! Posting is bounded by the invocation's time: each post waits at most
//! [`POST_TIMEOUT`] and never past the handler's stop instant, and a 429 is
//! retried after its `Retry-After` only when that fits. A slow Slack thus
//! costs its own posts, never a Lambda timeout that would send the whole
//! batch to SNS again.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shared::logging::Redacted;
use shared::{Notification, Severity};

/// Slack allows at most ten fields in a section block.
const MAX_FIELDS: usize = 10;
/// Field sections shown at most (a message may hold 50 blocks): the rest
/// is counted in a line of its own, never dropped unsaid.
const MAX_FIELD_SECTIONS: usize = 4;
/// The longest one post may take.
pub const POST_TIMEOUT: Duration = Duration::from_secs(5);
/// Less time than this left before the stop instant: the post is not tried.
const MIN_POST_TIME: Duration = Duration::from_secs(1);
/// Posts tried per notification while Slack answers 429.
const MAX_ATTEMPTS: u32 = 3;
/// The longest `Retry-After` waited for; Slack's posting limit is about one
/// message a second, so a longer one means the channel is flooded.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// The wait after a 429 that names none (Slack's documented pace).
const DEFAULT_RETRY_WAIT: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    #[error("the slack webhook secret {secret} could not be read: {reason}")]
    Secret { secret: String, reason: String },
    #[error("the slack webhook in secret {secret} is not a usable URL: {reason}")]
    BadUrl {
        secret: String,
        reason: &'static str,
    },
    #[error("slack answered HTTP {status}")]
    Status { status: u16 },
    #[error(
        "slack is rate-limiting posts (HTTP 429) and asked to wait {wait_secs} s, \
         more than {reason}"
    )]
    RateLimited {
        wait_secs: u64,
        reason: &'static str,
    },
    #[error("slack still answered HTTP 429 (rate-limited) after {tries} tries")]
    StillRateLimited { tries: u32 },
    #[error("not posted: the invocation was about to reach its time limit")]
    OutOfTime,
    #[error("could not reach slack: {0}")]
    Transport(String),
}

/// Posts notifications to one Slack incoming webhook.
#[derive(Debug, Clone)]
pub struct SlackSink {
    client: reqwest::Client,
    url: Redacted<String>,
}

impl SlackSink {
    /// Reads the webhook URL from a secret: the plain URL, or JSON with a
    /// `url` (or `webhook_url`) key.
    pub async fn from_secret(
        secrets: &aws_sdk_secretsmanager::Client,
        secret_arn: &str,
    ) -> Result<Self, SlackError> {
        let value = secrets
            .get_secret_value()
            .secret_id(secret_arn)
            .send()
            .await
            .map_err(|e| SlackError::Secret {
                secret: secret_arn.to_owned(),
                reason: aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(&e)
                    .unwrap_or("request failed")
                    .to_owned(),
            })?;
        let raw = value.secret_string.unwrap_or_default();
        let url = match serde_json::from_str::<Value>(&raw) {
            Ok(Value::Object(map)) => map
                .get("url")
                .or_else(|| map.get("webhook_url"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            _ => raw.trim().to_owned(),
        };
        Self::new(url).map_err(|reason| SlackError::BadUrl {
            secret: secret_arn.to_owned(),
            reason,
        })
    }

    /// A sink for `url`: HTTPS, or plain HTTP to this machine only (local tests).
    pub fn new(url: String) -> Result<Self, &'static str> {
        let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
            .iter()
            .any(|p| url.starts_with(p));
        if !url.starts_with("https://") && !loopback {
            return Err("expected an https:// URL");
        }
        let client = reqwest::Client::builder()
            .timeout(POST_TIMEOUT)
            .build()
            .map_err(|_| "the HTTP client could not be built")?;
        Ok(Self {
            client,
            url: Redacted(url),
        })
    }

    /// Posts one notification, giving up at `stop` (the handler's stop
    /// instant; `None` is unbounded, as in tests and demos).
    pub async fn post(
        &self,
        notification: &Notification,
        stop: Option<Instant>,
    ) -> Result<(), SlackError> {
        let body = message(notification);
        let mut attempt = 1;
        loop {
            let left = stop.map(|s| s.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l < MIN_POST_TIME) {
                return Err(SlackError::OutOfTime);
            }
            let response = self
                .client
                .post(self.url.expose())
                .timeout(left.map_or(POST_TIMEOUT, |l| l.min(POST_TIMEOUT)))
                .json(&body)
                .send()
                .await
                // reqwest's error text can include the URL: keep only its kind.
                .map_err(|e| SlackError::Transport(transport_kind(&e).to_owned()))?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            if status != reqwest::StatusCode::TOO_MANY_REQUESTS {
                return Err(SlackError::Status {
                    status: status.as_u16(),
                });
            }
            if attempt >= MAX_ATTEMPTS {
                return Err(SlackError::StillRateLimited { tries: attempt });
            }
            let wait = retry_after(response.headers());
            let refused = |reason| SlackError::RateLimited {
                wait_secs: wait.as_secs(),
                reason,
            };
            if wait > MAX_RETRY_WAIT {
                return Err(refused("a notification is held back for"));
            }
            if left.is_some_and(|l| wait + MIN_POST_TIME > l) {
                return Err(refused("the invocation has left"));
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// A 429's `Retry-After` in seconds (the form Slack sends); an absent or
/// unreadable one waits Slack's documented second.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Duration {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(DEFAULT_RETRY_WAIT, Duration::from_secs)
}

fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    }
}

/// The Block Kit message for a notification.
pub fn message(n: &Notification) -> Value {
    let icon = match n.severity {
        Severity::Info => ":information_source:",
        Severity::Warning => ":warning:",
        Severity::Error => ":x:",
        Severity::Critical => ":rotating_light:",
    };
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": clip(&format!("{icon} {}", n.title), 150), "emoji": true}
    })];
    if !n.summary.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": escaped_within(&n.summary, 3000)}
        }));
    }
    // Ten fields per section, in as many sections as they need: the ones
    // added last (time, account, region) are not the ones lost.
    let shown = n.fields.len().min(MAX_FIELDS * MAX_FIELD_SECTIONS);
    for chunk in n.fields[..shown].chunks(MAX_FIELDS) {
        let fields: Vec<Value> = chunk
            .iter()
            .map(|f| {
                let name = format!("*{}*\n", escaped_within(&f.name, 200));
                let room = 2000 - name.chars().count();
                json!({"type": "mrkdwn", "text": format!("{name}{}", escaped_within(&f.value, room))})
            })
            .collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    if shown < n.fields.len() {
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("{} more fields are in the SNS message", n.fields.len() - shown)}]
        }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": format!("{} · {} · {}", n.severity, escape(&n.source), escape(&n.environment))}]
    }));
    if let Some(link) = &n.console_link {
        blocks.push(json!({
            "type": "actions",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open in console"}, "url": link}]
        }));
    }
    json!({"text": n.subject(), "blocks": blocks})
}

/// Slack's mrkdwn reserves these three characters.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `text` escaped for mrkdwn and cut to `max` characters, never inside an
/// entity (`&amp;` is whole or absent), with `…` where it was cut.
fn escaped_within(text: &str, max: usize) -> String {
    let escaped = escape(text);
    if escaped.chars().count() <= max {
        return escaped;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let unit = escape(&c.to_string());
        let len = unit.chars().count();
        if used + len > max.saturating_sub(1) {
            break;
        }
        out.push_str(&unit);
        used += len;
    }
    out.push('…');
    out
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_has_header_summary_fields_context_and_button() {
        let n = Notification::new(
            Severity::Error,
            "scaling-notifier",
            "prod",
            "ASG web: launch failed",
        )
        .summary("No capacity <now> & later")
        .field("Group", "web")
        .console_link("https://console.aws.amazon.com/x");
        let m = message(&n);
        assert_eq!(m["text"], "[ERROR] ASG web: launch failed");
        assert_eq!(m["blocks"][0]["text"]["text"], ":x: ASG web: launch failed");
        assert_eq!(
            m["blocks"][1]["text"]["text"],
            "No capacity &lt;now&gt; &amp; later"
        );
        assert_eq!(m["blocks"][2]["fields"][0]["text"], "*Group*\nweb");
        assert_eq!(
            m["blocks"][3]["elements"][0]["text"],
            "ERROR · scaling-notifier · prod"
        );
        assert_eq!(
            m["blocks"][4]["elements"][0]["url"],
            "https://console.aws.amazon.com/x"
        );
    }

    #[test]
    fn fields_beyond_ten_go_on_in_another_section_and_the_header_is_clipped() {
        let mut n = Notification::new(Severity::Info, "s", "e", "t".repeat(400));
        for i in 0..12 {
            n = n.field(format!("f{i}"), "v");
        }
        n = n.field("Region", "eu-west-1");
        let m = message(&n);
        assert_eq!(m["blocks"][1]["fields"].as_array().map(Vec::len), Some(10));
        assert_eq!(m["blocks"][2]["fields"].as_array().map(Vec::len), Some(3));
        assert_eq!(m["blocks"][2]["fields"][2]["text"], "*Region*\neu-west-1");
        assert!(
            m["blocks"][0]["text"]["text"]
                .as_str()
                .is_some_and(|t| t.chars().count() <= 150)
        );
    }

    #[test]
    fn past_forty_fields_the_rest_are_counted() {
        let mut n = Notification::new(Severity::Info, "s", "e", "t");
        for i in 0..45 {
            n = n.field(format!("f{i}"), "v");
        }
        let m = message(&n);
        let text = m.to_string();
        assert!(
            text.contains("5 more fields are in the SNS message"),
            "{text}"
        );
        assert!(m["blocks"].as_array().is_some_and(|b| b.len() <= 50));
    }

    #[test]
    fn a_cut_never_splits_an_entity() {
        let cut = escaped_within(&"&".repeat(10), 12);
        assert_eq!(cut, "&amp;&amp;…");
        let cut = escaped_within("ab<cd", 4);
        assert_eq!(cut, "ab…");
        assert_eq!(escaped_within("a<b", 10), "a&lt;b");
    }

    #[test]
    fn only_https_or_loopback_urls_are_accepted() {
        assert!(SlackSink::new("https://hooks.slack.com/services/T/B/X".into()).is_ok());
        assert!(SlackSink::new("http://127.0.0.1:8080/hook".into()).is_ok());
        assert!(SlackSink::new("http://hooks.slack.com/services/T/B/X".into()).is_err());
    }

    #[test]
    fn retry_after_is_read_in_seconds_or_defaults_to_one() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), Duration::from_secs(1));
        headers.insert(reqwest::header::RETRY_AFTER, "30".parse().expect("header"));
        assert_eq!(retry_after(&headers), Duration::from_secs(30));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2026 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), Duration::from_secs(1));
    }

    #[test]
    fn the_url_never_shows_in_debug_output() {
        let sink =
            SlackSink::new("https://hooks.slack.com/services/T0/B0/SECRET".into()).expect("valid");
        assert!(!format!("{sink:?}").contains("SECRET"));
    }
}
