//! A fault-injecting HTTP proxy in front of the emulator.
//!
//! A test points its SDK clients at the proxy and says "the next N calls of
//! operation X fail with F". Everything else is forwarded unchanged. The
//! operation is read the way AWS protocols carry it: the `X-Amz-Target`
//! header (JSON protocols: SQS, Secrets Manager, ECS, ...) or the `Action`
//! form field (query protocols: SNS, RDS, Auto Scaling, ...).
//!
//! A proxy may also hold every request to AWS's API contract
//! ([`crate::contract`]): the emulator's own front proxy does, so every
//! test and the demo go through it.
//!
//! Sockets are set TCP_NODELAY on both sides: without it every proxied call
//! costs ~40 ms of Nagle/delayed-ACK stall.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::contract::{self, Ledger, Verdict};

/// What an injected failure looks like to the client.
#[derive(Debug, Clone)]
pub enum Fault {
    /// HTTP 400 with the protocol's throttling error (the SDK retries it).
    Throttle,
    /// HTTP 500 InternalFailure, without reaching the emulator (the SDK retries it).
    ServerError,
    /// The call reaches the emulator and takes effect, but the client gets
    /// HTTP 500: the "did my send happen?" case that at-least-once code must survive.
    LoseResponse,
    /// The call reaches the emulator and takes effect; its JSON answer is
    /// passed through this function before the client sees it: what another
    /// actor changing the resource between two calls looks like (JSON
    /// protocols only; any other answer passes unchanged).
    Rewrite(fn(serde_json::Value) -> serde_json::Value),
    /// HTTP 200 with this JSON body, without reaching the emulator: an
    /// answer AWS may give that the emulator never does (an empty
    /// ReceiveMessage from a short poll that sampled the wrong servers).
    Answer(String),
    /// Any other error response, e.g. `AccessDeniedException` with 400.
    Error {
        status: u16,
        code: String,
        message: String,
    },
}

#[derive(Debug)]
struct Rule {
    operation: String,
    /// Calls to let through before failing.
    skip: usize,
    remaining: usize,
    fault: Fault,
}

#[derive(Debug, Default)]
struct State {
    rules: Vec<Rule>,
    calls: HashMap<String, usize>,
    faults_served: usize,
    /// Operations whose request bodies are kept (see `FaultProxy::record`).
    recorded: HashMap<String, Vec<Bytes>>,
    /// Where contract violations go, when this proxy checks the contract.
    contract: Option<Arc<Ledger>>,
    /// Added to every call before it is forwarded: what AWS's control
    /// planes cost where the emulator answers in ~3 ms (benchmarks).
    latency: std::time::Duration,
}

/// A running proxy; it stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    endpoint: String,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
    /// The proxy's own runtime, when it outlives any test's runtime.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl FaultProxy {
    /// Starts a proxy on a free 127.0.0.1 port forwarding to `upstream`
    /// (`http://127.0.0.1:PORT`), on the current tokio runtime.
    pub async fn start(upstream: &str) -> anyhow::Result<FaultProxy> {
        FaultProxy::start_with(upstream, None).await
    }

    /// Starts a proxy that holds every request to AWS's API contract and
    /// records violations in `ledger`, on a runtime of its own (it serves
    /// every test of the binary, each on its own runtime).
    pub fn start_checking(upstream: &str, ledger: Arc<Ledger>) -> anyhow::Result<FaultProxy> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("contract-proxy")
            .enable_all()
            .build()?;
        // Callers may be inside a runtime already, where `block_on` panics:
        // start the proxy from a thread of its own.
        let mut proxy = std::thread::scope(|scope| {
            scope
                .spawn(|| runtime.block_on(FaultProxy::start_with(upstream, Some(ledger))))
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the contract proxy did not start")))
        })?;
        proxy.runtime = Some(runtime);
        Ok(proxy)
    }

    async fn start_with(
        upstream: &str,
        contract: Option<Arc<Ledger>>,
    ) -> anyhow::Result<FaultProxy> {
        let upstream_addr = upstream
            .strip_prefix("http://")
            .ok_or_else(|| anyhow::anyhow!("upstream must be http://host:port, got {upstream}"))?
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State {
            contract,
            ..State::default()
        }));
        let task_state = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = task_state.clone();
                let upstream = upstream_addr.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        handle(req, state.clone(), upstream.clone())
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(FaultProxy {
            endpoint,
            state,
            task,
            runtime: None,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An SDK config whose clients go through this proxy.
    pub async fn sdk_config(&self) -> SdkConfig {
        crate::emulator::sdk_config_for(&self.endpoint).await
    }

    /// The next `times` calls of `operation` (e.g. `SendMessageBatch`) fail with `fault`.
    pub fn fail_next(&self, operation: &str, times: usize, fault: Fault) {
        self.fail_after(operation, 0, times, fault);
    }

    /// Lets `skip` calls of `operation` through, then fails the `times` after them.
    pub fn fail_after(&self, operation: &str, skip: usize, times: usize, fault: Fault) {
        self.lock().rules.push(Rule {
            operation: operation.to_owned(),
            skip,
            remaining: times,
            fault,
        });
    }

    /// Keeps the request body of every later call of `operation`, for a
    /// test to read what AWS would receive where the emulator drops part of
    /// it (the test says which part and why).
    pub fn record(&self, operation: &str) {
        self.lock()
            .recorded
            .entry(operation.to_owned())
            .or_default();
    }

    /// The bodies of the calls of `operation` since `record`, as JSON; a
    /// query protocol's form as an object of its fields' strings.
    pub fn recorded(&self, operation: &str) -> Vec<serde_json::Value> {
        self.lock()
            .recorded
            .get(operation)
            .into_iter()
            .flatten()
            .map(|b| {
                serde_json::from_slice(b).unwrap_or_else(|_| {
                    form_urlencoded::parse(b)
                        .map(|(k, v)| (k.into_owned(), serde_json::Value::from(v.into_owned())))
                        .collect::<serde_json::Map<_, _>>()
                        .into()
                })
            })
            .collect()
    }

    /// How many calls of `operation` reached the proxy (failed ones included).
    pub fn calls(&self, operation: &str) -> usize {
        self.lock().calls.get(operation).copied().unwrap_or(0)
    }

    /// Delays every later call by `latency` (each on its own: concurrent
    /// calls wait side by side, as they would on AWS).
    pub fn set_latency(&self, latency: std::time::Duration) {
        self.lock().latency = latency;
    }

    /// Calls so far, by operation.
    pub fn calls_by_operation(&self) -> std::collections::BTreeMap<String, usize> {
        self.lock()
            .calls
            .iter()
            .map(|(op, n)| (op.clone(), *n))
            .collect()
    }

    /// How many injected failures were served so far.
    pub fn faults_served(&self) -> usize {
        self.lock().faults_served
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The AWS operation a request calls.
pub fn operation_of(headers: &hyper::HeaderMap, body: &[u8], method: &str, path: &str) -> String {
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        return target.rsplit('.').next().unwrap_or(target).to_owned();
    }
    let form = String::from_utf8_lossy(body);
    for pair in form.split('&') {
        if let Some(action) = pair.strip_prefix("Action=") {
            return action.to_owned();
        }
    }
    format!("{method} {path}")
}

async fn handle(
    req: Request<Incoming>,
    state: Arc<Mutex<State>>,
    upstream: String,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            return Ok(plain(
                StatusCode::BAD_REQUEST,
                format!("proxy: bad body: {e}"),
            ));
        }
    };
    let operation = operation_of(
        &parts.headers,
        &body,
        parts.method.as_str(),
        parts.uri.path(),
    );
    let json_protocol = !parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let protocol = if json_protocol {
        Protocol::Json
    } else if String::from_utf8_lossy(&body).contains("Version=2016-11-15") {
        Protocol::Ec2
    } else {
        Protocol::Query
    };
    let ledger = state
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .contract
        .clone();
    if let Some(ledger) = ledger {
        let wire = contract::Wire {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or_default(),
            headers: &parts.headers,
            body: &body,
        };
        let refused = match contract::check(&wire) {
            Verdict::Valid { service, .. } => {
                ledger.checked(&service);
                None
            }
            Verdict::Invalid(found) => {
                ledger.checked(found.first().map_or("?", |v| v.service.as_str()));
                let lines: Vec<String> = found.iter().map(ToString::to_string).collect();
                for line in &lines {
                    ledger.record(line.clone());
                }
                Some(lines.join("; "))
            }
            Verdict::Unreadable(why) => {
                let line = format!(
                    "{} {} ({operation}) cannot be read against any AWS API model: {why}",
                    parts.method,
                    parts.uri.path()
                );
                ledger.record(line.clone());
                Some(line)
            }
        };
        if let Some(message) = refused {
            let code = if json_protocol {
                "ValidationException"
            } else {
                "ValidationError"
            };
            return Ok(error_response(protocol, 400, code, &message));
        }
    }
    let latency = state.lock().unwrap_or_else(|p| p.into_inner()).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let fault = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        *s.calls.entry(operation.clone()).or_default() += 1;
        if let Some(bodies) = s.recorded.get_mut(&operation) {
            bodies.push(body.clone());
        }
        let fault = match s
            .rules
            .iter_mut()
            .find(|r| r.operation == operation && r.remaining > 0)
        {
            Some(rule) if rule.skip > 0 => {
                rule.skip -= 1;
                None
            }
            Some(rule) => {
                rule.remaining -= 1;
                Some(rule.fault.clone())
            }
            None => None,
        };
        if fault.is_some() {
            s.faults_served += 1;
        }
        fault
    };
    match fault {
        None => Ok(forward(&upstream, parts, body).await),
        Some(Fault::LoseResponse) => {
            let _ = forward(&upstream, parts, body).await;
            Ok(error_response(
                protocol,
                500,
                "InternalFailure",
                "response lost (injected)",
            ))
        }
        Some(Fault::Throttle) => {
            let code = if json_protocol {
                "ThrottlingException"
            } else {
                "Throttling"
            };
            Ok(error_response(
                protocol,
                400,
                code,
                "Rate exceeded (injected)",
            ))
        }
        Some(Fault::ServerError) => Ok(error_response(
            protocol,
            500,
            "InternalFailure",
            "internal failure (injected)",
        )),
        Some(Fault::Rewrite(change)) => {
            let (mut parts, answer) = forward(&upstream, parts, body).await.into_parts();
            let bytes = answer
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Ok(value) => {
                    parts.headers.remove(hyper::header::CONTENT_LENGTH);
                    Bytes::from(change(value).to_string())
                }
                Err(_) => bytes,
            };
            Ok(Response::from_parts(parts, Full::new(body)))
        }
        Some(Fault::Answer(body)) => Ok(Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/x-amz-json-1.0")
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))),
        Some(Fault::Error {
            status,
            code,
            message,
        }) => Ok(error_response(protocol, status, &code, &message)),
    }
}

async fn forward(
    upstream: &str,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Response<Full<Bytes>> {
    match try_forward(upstream, parts, body).await {
        Ok(resp) => resp,
        Err(e) => plain(
            StatusCode::BAD_GATEWAY,
            format!("proxy: upstream failed: {e}"),
        ),
    }
}

async fn try_forward(
    upstream: &str,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> anyhow::Result<Response<Full<Bytes>>> {
    let stream = TcpStream::connect(upstream).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let req = Request::from_parts(parts, Full::new(body));
    let resp = sender.send_request(req).await?;
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await?.to_bytes();
    Ok(Response::from_parts(parts, Full::new(bytes)))
}

/// How a service writes its errors: JSON, the query protocols' XML, or
/// EC2's own XML (`<Response><Errors><Error>`), which the EC2 SDK reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Json,
    Query,
    Ec2,
}

fn error_response(
    protocol: Protocol,
    status: u16,
    code: &str,
    message: &str,
) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (content_type, body) = match protocol {
        Protocol::Json => (
            "application/x-amz-json-1.0",
            serde_json::json!({"__type": code, "message": message}).to_string(),
        ),
        Protocol::Query => (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>{}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>",
                if status.is_server_error() {
                    "Receiver"
                } else {
                    "Sender"
                }
            ),
        ),
        Protocol::Ec2 => (
            "text/xml",
            format!(
                "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>injected</RequestID></Response>"
            ),
        ),
    };
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", content_type);
    if protocol == Protocol::Json {
        // SQS (JSON with query compatibility) reads its error code from here.
        builder = builder.header(
            "x-amzn-query-error",
            format!(
                "{code};{}",
                if status.is_server_error() {
                    "Receiver"
                } else {
                    "Sender"
                }
            ),
        );
    }
    builder
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn plain(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(text)));
    *resp.status_mut() = status;
    resp
}

/// POSTs an empty body to a loopback URL (`http://127.0.0.1:PORT/path`).
pub async fn post_empty(url: &str) -> anyhow::Result<()> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("only http:// URLs: {url}"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let stream = TcpStream::connect(authority).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let req = Request::post(format!("/{path}"))
        .header("host", authority)
        .body(Full::new(Bytes::new()))?;
    let resp = sender.send_request(req).await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "POST {url} answered {}",
        resp.status()
    );
    Ok(())
}
