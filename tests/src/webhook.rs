//! A local HTTP endpoint standing in for a chat webhook: it records every
//! JSON body posted to it and answers with the status a test chose.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

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
    task: JoinHandle<()>,
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
        let (rx, st) = (received.clone(), status.clone());
        let task = crate::http::serve(listener, move |req: Request<hyper::body::Incoming>| {
            let (rx, st) = (rx.clone(), st.clone());
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
                let code =
                    StatusCode::from_u16(st.load(Ordering::Relaxed)).unwrap_or(StatusCode::OK);
                let mut resp = Response::new(Full::new(Bytes::from_static(b"ok")));
                *resp.status_mut() = code;
                resp
            }
        });
        Ok(WebhookServer {
            url,
            received,
            status,
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
}
