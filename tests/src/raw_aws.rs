//! Unsigned requests to the emulator, for the few services the harness has
//! no SDK client for: Lambda, EventBridge and Scheduler (three SDK crates
//! would add minutes of build for one test's reads) and CloudWatch (its Rust
//! SDK speaks a CBOR protocol moto does not serve). moto tells the service by
//! the credential scope of the `Authorization` header and checks no
//! signature, so a fixed one does.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::emulator::REGION;

/// One request: `service` is the signing name (`lambda`, `events`,
/// `scheduler`, `monitoring`), `target` the `X-Amz-Target` of JSON
/// protocols. Returns the status and body.
pub fn call(
    endpoint: &str,
    service: &str,
    method: &str,
    path: &str,
    target: Option<&str>,
    content_type: &str,
    body: &str,
) -> Result<(u16, String), String> {
    let authority = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("only http:// endpoints: {endpoint}"))?;
    let mut stream =
        TcpStream::connect(authority).map_err(|e| format!("connect {authority}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut head = format!(
        "{method} {path} HTTP/1.0\r\nHost: {authority}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(target) = target {
        head.push_str(&format!("X-Amz-Target: {target}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .map_err(|e| format!("send to {authority}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("read from {authority}: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (status_line, rest) = text.split_once("\r\n").unwrap_or((&text, ""));
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP status from {authority}: {status_line}"))?;
    let body = rest.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    Ok((status, body.to_owned()))
}

/// A JSON-protocol call (EventBridge): `{"..."}` in, JSON out.
pub fn json(
    endpoint: &str,
    service: &str,
    target: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let (status, text) = call(
        endpoint,
        service,
        "POST",
        "/",
        Some(target),
        "application/x-amz-json-1.1",
        &body.to_string(),
    )?;
    ok_json(status, &text, target)
}

/// A REST-JSON GET (Lambda, Scheduler).
pub fn get(endpoint: &str, service: &str, path: &str) -> Result<serde_json::Value, String> {
    let (status, text) = call(endpoint, service, "GET", path, None, "application/json", "")?;
    ok_json(status, &text, path)
}

/// An AWS query-protocol call (CloudWatch): form parameters in, XML text out.
pub fn query(endpoint: &str, service: &str, params: &[(&str, &str)]) -> Result<String, String> {
    let body = params
        .iter()
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let (status, text) = call(
        endpoint,
        service,
        "POST",
        "/",
        None,
        "application/x-www-form-urlencoded",
        &body,
    )?;
    if status == 200 {
        Ok(text)
    } else {
        Err(format!("{service} answered {status}: {text}"))
    }
}

fn ok_json(status: u16, text: &str, what: &str) -> Result<serde_json::Value, String> {
    if status != 200 {
        return Err(format!("{what} answered {status}: {text}"));
    }
    serde_json::from_str(text).map_err(|e| format!("{what}: not JSON ({e}): {text}"))
}

fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
