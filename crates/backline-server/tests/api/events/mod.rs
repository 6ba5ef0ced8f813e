//! The live event stream (`GET /events`): what each change produces, who sees it, filtering
//! by kind, resumption with `Last-Event-ID`, and the answers to bad requests.

mod admin_evr;
mod ember_evr;
mod ordering;
mod replay;
mod resume;
mod scoping;

use crate::helpers::{reply, Reply, TestApp};
use serde_json::Value;
use std::time::Duration;

/// Configures a server for the event tests: a short interval, so events appended by another
/// process (the tests' own core) reach the hub quickly.
pub fn quick_events(config: &mut backline_server::config::Config) {
    config.events.interval_millis = 50;
    config.guess_limit.max_failures = 1000;
}

/// One SSE message: its `id:` and its `data:` as JSON.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: i64,
    pub data: Value,
}

impl Message {
    pub fn kind(&self) -> &str {
        self.data["kind"].as_str().unwrap_or_default()
    }
}

/// An open `/events` stream.
pub struct Stream {
    response: reqwest::Response,
    buffer: String,
    /// Keep-alive comments seen so far.
    pub comments: usize,
}

/// Opens `/events{query}` with `headers`: the stream, or the refusal.
pub async fn open(app: &TestApp, query: &str, headers: &[(&str, &str)]) -> Result<Stream, Reply> {
    let mut request = app.client.get(app.url(&format!("/events{query}")));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the server answers");
    if response.status() != reqwest::StatusCode::OK {
        return Err(reply(response).await);
    }
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    Ok(Stream {
        response,
        buffer: String::new(),
        comments: 0,
    })
}

/// Opens the stream as the administrator.
pub async fn open_admin(app: &TestApp, query: &str) -> Stream {
    let auth = format!("Bearer {}", app.admin_token);
    open(app, query, &[("authorization", &auth)])
        .await
        .expect("the administrator may subscribe")
}

impl Stream {
    /// The next message within `wait`, or `None`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(rest) = line.strip_prefix("id:") {
                        id = rest.trim().parse().ok();
                    } else if let Some(rest) = line.strip_prefix("data:") {
                        data.push_str(rest.trim_start());
                    } else if line.starts_with(':') {
                        self.comments += 1;
                    }
                }
                if let Some(id) = id {
                    let data: Value = serde_json::from_str(&data).expect("data is JSON");
                    assert_eq!(data["id"], id, "the SSE id is the event's id");
                    return Some(Message { id, data });
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await;
            match chunk {
                Err(_) => return None,
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None)) => return None,
                Ok(Err(e)) => panic!("the stream failed: {e}"),
            }
        }
    }

    /// The next message; fails after ten seconds.
    pub async fn next(&mut self) -> Message {
        self.next_within(Duration::from_secs(10))
            .await
            .expect("an event within ten seconds")
    }

    /// The next `n` messages.
    pub async fn take(&mut self, n: usize) -> Vec<Message> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.next().await);
        }
        out
    }

    /// Whether the server ended the stream (within two seconds).
    pub async fn ended(&mut self) -> bool {
        loop {
            match tokio::time::timeout(Duration::from_secs(2), self.response.chunk()).await {
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Ok(Ok(Some(bytes))) => {
                    let text = String::from_utf8_lossy(&bytes);
                    assert!(
                        text.lines().all(|l| l.is_empty() || l.starts_with(':')),
                        "only comments before the end: {text}"
                    );
                }
                Err(_) => return false,
            }
        }
    }

    /// Asserts that nothing more arrives for a while.
    pub async fn assert_quiet(&mut self) {
        if let Some(extra) = self.next_within(Duration::from_millis(400)).await {
            panic!("unexpected event: {extra:?}");
        }
    }
}

/// The kinds of `messages`, in order.
pub fn kinds(messages: &[Message]) -> Vec<String> {
    messages.iter().map(|m| m.kind().to_owned()).collect()
}
