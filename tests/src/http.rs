//! One plain HTTP/1.0 request on loopback: enough for the control plane's
//! control API and a controller's /metrics, /healthz and /readyz, without an
//! HTTP client in the harness.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::Context;

/// A response: the status code and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code, e.g. 200.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

/// Sends `method path` to `addr` (`host:port`) and reads the whole response.
/// Blocks for at most `timeout` per read.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    timeout: Duration,
) -> anyhow::Result<Response> {
    let mut stream =
        TcpStream::connect(addr).with_context(|| format!("connecting to http://{addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n"
    )?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .with_context(|| format!("reading the answer to {method} http://{addr}{path}"))?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("{method} http://{addr}{path}: no status line in {head:?}"))?;
    Ok(Response {
        status,
        body: body.to_owned(),
    })
}
