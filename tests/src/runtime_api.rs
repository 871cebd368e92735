//! A local Lambda Runtime API (the interface a `provided.al2023` bootstrap
//! talks to), for benchmarks and tests: it hands out the events pushed to
//! it at `/2018-06-01/runtime/invocation/next` with the headers Lambda sends,
//! and records each response or error with the moment it arrived.
//!
//! `/next` waits while there is no event: lambda_runtime panics if it ever
//! answers an error.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

const PREFIX: &str = "/2018-06-01/runtime";

/// What the function posted for one event.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub request_id: String,
    /// `response` or `error` (an invocation error or an init error).
    pub kind: &'static str,
    pub body: Bytes,
    /// When `/next` handed the event out: for a new process, the end of its
    /// initialisation (what Lambda reports as Init Duration).
    pub served_at: Option<Instant>,
    pub at: Instant,
}

#[derive(Default)]
struct State {
    events: VecDeque<(String, Bytes)>,
    outcomes: VecDeque<Outcome>,
    served: u64,
    served_at: std::collections::HashMap<String, Instant>,
}

/// A running Runtime API on 127.0.0.1; it stops when dropped.
pub struct RuntimeApi {
    address: String,
    state: Arc<Mutex<State>>,
    event_ready: Arc<Notify>,
    outcome_ready: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl RuntimeApi {
    /// Starts the API; `function_arn` is sent as the invoked function's ARN.
    pub async fn start(function_arn: &str) -> anyhow::Result<RuntimeApi> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let state = Arc::new(Mutex::new(State::default()));
        let event_ready = Arc::new(Notify::new());
        let outcome_ready = Arc::new(Notify::new());
        let arn: Arc<str> = Arc::from(function_arn);
        let (st, er, or) = (state.clone(), event_ready.clone(), outcome_ready.clone());
        let task = crate::http::serve(listener, move |req| {
            let (st, er, or, arn) = (st.clone(), er.clone(), or.clone(), arn.clone());
            async move { route(req, &st, &er, &or, &arn).await }
        });
        Ok(RuntimeApi {
            address,
            state,
            event_ready,
            outcome_ready,
            task,
        })
    }

    /// `127.0.0.1:PORT`: the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Queues one event; returns its request id.
    pub fn push(&self, event: impl Into<Bytes>) -> String {
        let mut s = lock(&self.state);
        s.served += 1;
        let id = format!("bench-{:08}", s.served);
        s.events.push_back((id.clone(), event.into()));
        drop(s);
        self.event_ready.notify_one();
        id
    }

    /// The next outcome posted, waiting at most `timeout`.
    pub async fn outcome(&self, timeout: Duration) -> anyhow::Result<Outcome> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.outcome_ready.notified();
            if let Some(o) = lock(&self.state).outcomes.pop_front() {
                return Ok(o);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                anyhow::bail!("no response within {timeout:?}");
            }
        }
    }
}

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    resp
}

async fn route(
    req: Request<hyper::body::Incoming>,
    state: &Mutex<State>,
    event_ready: &Notify,
    outcome_ready: &Notify,
    arn: &str,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return reply(StatusCode::NOT_FOUND, "unknown path");
    };
    if req.method() == Method::GET && rest == "/invocation/next" {
        let (id, event) = loop {
            let notified = event_ready.notified();
            let popped = {
                let mut s = lock(state);
                let next = s.events.pop_front();
                if let Some((id, _)) = &next {
                    s.served_at.insert(id.clone(), Instant::now());
                }
                next
            };
            if let Some(next) = popped {
                break next;
            }
            notified.await;
        };
        let deadline = SystemTime::now()
            .checked_add(Duration::from_secs(300))
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let mut resp = reply(StatusCode::OK, event);
        let headers = resp.headers_mut();
        let pairs = [
            ("lambda-runtime-aws-request-id", id.clone()),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            ("lambda-runtime-invoked-function-arn", arn.to_owned()),
            (
                "lambda-runtime-trace-id",
                format!("Root=1-00000000-{id:0>24};Parent=0000000000000000;Sampled=0"),
            ),
            ("content-type", "application/json".to_owned()),
        ];
        for (name, value) in pairs {
            if let Ok(v) = hyper::header::HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
        return resp;
    }
    if req.method() != Method::POST {
        return reply(StatusCode::METHOD_NOT_ALLOWED, "");
    }
    let (request_id, kind) = if rest == "/init/error" {
        ("init".to_owned(), "error")
    } else if let Some(inv) = rest.strip_prefix("/invocation/") {
        match inv.rsplit_once('/') {
            Some((id, "response")) => (id.to_owned(), "response"),
            Some((id, "error")) => (id.to_owned(), "error"),
            _ => return reply(StatusCode::NOT_FOUND, "unknown path"),
        }
    } else {
        return reply(StatusCode::NOT_FOUND, "unknown path");
    };
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let at = Instant::now();
    {
        let mut s = lock(state);
        let served_at = s.served_at.remove(&request_id);
        s.outcomes.push_back(Outcome {
            request_id,
            kind,
            body,
            served_at,
            at,
        });
    }
    outcome_ready.notify_one();
    reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
}
