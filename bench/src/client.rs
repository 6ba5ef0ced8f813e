//! One keep-alive HTTP/1.1 connection of the load generator (hyper 1 client), reconnecting
//! after a failure.
//!
//! Each worker of a load loop owns one [`Conn`] and sends its requests one after another on
//! it, so N workers are N persistent connections, as Spectra Server's observers would be.

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;

/// One request to send: what every scenario hands to a load loop.
#[derive(Clone, Debug)]
pub struct RequestSpec {
    pub method: Method,
    pub path: String,
    /// Extra headers (tokens); `Host` and, with a body, `Content-Type: application/json`
    /// (unless given here) are added.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
    /// The status of a correct answer (200 unless the scenario asks for an error).
    pub expect: StatusCode,
}

impl RequestSpec {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            headers: Vec::new(),
            body: Bytes::new(),
            expect: StatusCode::OK,
        }
    }

    pub fn with_body(method: Method, path: impl Into<String>, body: Bytes) -> Self {
        Self {
            method,
            path: path.into(),
            headers: Vec::new(),
            body,
            expect: StatusCode::OK,
        }
    }

    /// Counts answers with `status` as correct instead of 200s.
    pub fn expecting(mut self, status: StatusCode) -> Self {
        self.expect = status;
        self
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        let value = HeaderValue::from_str(value).expect("tokens are visible ASCII");
        self.headers.push((HeaderName::from_static(name), value));
        self
    }
}

/// What came back.
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

/// A keep-alive connection to one address.
pub struct Conn {
    addr: SocketAddr,
    host: HeaderValue,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Self {
        let host = HeaderValue::from_str(&addr.to_string()).expect("an address is a valid header");
        Self {
            addr,
            host,
            sender: None,
        }
    }

    async fn connect(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr)
                .await
                .with_context(|| format!("cannot connect to {}", self.addr))?;
            stream.set_nodelay(true)?;
            let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
            // The connection task ends when the sender is dropped or the peer closes.
            tokio::spawn(async move {
                let _ = connection.await;
            });
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("just connected"))
    }

    /// Sends `spec` and reads the whole answer, within `timeout`. On any failure the
    /// connection is dropped and the next call opens a new one.
    pub async fn send(&mut self, spec: &RequestSpec, timeout: Duration) -> anyhow::Result<Answer> {
        let result = tokio::time::timeout(timeout, self.send_inner(spec)).await;
        match result {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => {
                self.sender = None;
                Err(e)
            }
            Err(_) => {
                self.sender = None;
                anyhow::bail!("no answer within {timeout:?}")
            }
        }
    }

    async fn send_inner(&mut self, spec: &RequestSpec) -> anyhow::Result<Answer> {
        let mut builder = Request::builder()
            .method(spec.method.clone())
            .uri(spec.path.as_str())
            .header(HOST, self.host.clone());
        if !spec.body.is_empty() && !spec.headers.iter().any(|(name, _)| name == CONTENT_TYPE) {
            builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        for (name, value) in &spec.headers {
            builder = builder.header(name, value);
        }
        let request = builder.body(Full::new(spec.body.clone()))?;
        let sender = self.connect().await?;
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Answer { status, body })
    }
}

/// Sends one request on a fresh connection (set-up and health checks).
pub async fn send_once(
    addr: SocketAddr,
    spec: &RequestSpec,
    timeout: Duration,
) -> anyhow::Result<Answer> {
    Conn::new(addr).send(spec, timeout).await
}
