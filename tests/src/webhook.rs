//! A local HTTP endpoint standing in for a chat webhook: it records every
//! JSON body posted to it and answers with the status a test chose, or
//! with answers scripted one by one (a 429 with its `Retry-After`), after a
//! delay when a test wants a slow endpoint.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running webhook endpoint on 127.0.0.1; it stops when dropped.
#[derive(Debug)]
pub struct WebhookServer {
    url: String,
    received: Arc<Mutex<Vec<Value>>>,
    status: Arc<AtomicU16>,
    script: Arc<Mutex<VecDeque<Answer>>>,
    delay_ms: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

/// One scripted answer: a status and, when set, a `Retry-After` in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<u64>,
}

impl Drop for WebhookServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl WebhookServer {
    /// Starts an endpoint answering `status` to every POST.
    pub async fn start(status: u16) -> anyhow::Result<WebhookServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!(
            "http://{}/services/T000/B000/test-webhook",
            listener.local_addr()?
        );
        let received = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(status));
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let (rx, st, sc, dl) = (
            received.clone(),
            status.clone(),
            script.clone(),
            delay_ms.clone(),
        );
        let task = crate::http::serve(listener, move |req: Request<hyper::body::Incoming>| {
            let (rx, st, sc, dl) = (rx.clone(), st.clone(), sc.clone(), dl.clone());
            async move {
                let body = req
                    .into_body()
                    .collect()
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default();
                let json = serde_json::from_slice(&body)
                    .unwrap_or(Value::String(String::from_utf8_lossy(&body).into_owned()));
                rx.lock().unwrap_or_else(|p| p.into_inner()).push(json);
                let answer = sc
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .pop_front()
                    .unwrap_or(Answer {
                        status: st.load(Ordering::Relaxed),
                        retry_after: None,
                    });
                let delay = dl.load(Ordering::Relaxed);
                if delay > 0 {
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                }
                let mut resp = Response::new(Full::new(Bytes::from_static(b"ok")));
                *resp.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
                if let Some(secs) = answer.retry_after {
                    resp.headers_mut()
                        .insert(hyper::header::RETRY_AFTER, secs.into());
                }
                resp
            }
        });
        Ok(WebhookServer {
            url,
            received,
            status,
            script,
            delay_ms,
            task,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every body posted so far.
    pub fn received(&self) -> Vec<Value> {
        self.received
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_status(&self, status: u16) {
        self.status.store(status, Ordering::Relaxed);
    }

    /// The next posts get these answers, in order; then `status` again.
    pub fn answer_next(&self, answers: &[Answer]) {
        self.script
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(answers.iter().copied());
    }

    /// Every answer from now on comes after `delay`.
    pub fn set_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.delay_ms.store(ms, Ordering::Relaxed);
    }
}
