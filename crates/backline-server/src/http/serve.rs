//! Accepting and serving connections so that slow or numerous clients cannot stall others:
//! at most `max_connections` are served at once (further clients wait in the listen backlog
//! until one closes), and a request head must arrive within `header_read_timeout` (which
//! also closes kept-alive connections idle that long).
//!
//! A client that started a request head but did not finish it in time is answered
//! `408 Request Timeout` (in the shape of the surface its request line names, when it got
//! that far) before the connection closes; an idle connection is closed without an answer,
//! as HTTP/1.1 expects. HTTP/1.1 only: none of the clients Backline serves speaks HTTP/2.
//!
//! A request line longer than [`MAX_REQUEST_LINE`] is answered `414 URI Too Long` in the
//! shape of the surface its path names. hyper refuses a request target over 65,534 bytes
//! itself, with an empty 414 written before any service sees the request (no setting
//! changes that answer or the limit), so the stream wrapper counts the bytes of each request
//! line as they arrive and stops the connection before hyper could parse it; the connection
//! task then writes the surface's answer (docs/operations.md, "Floods and abuse").

use super::surface::Surfaces;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// How many bytes of an unanswered request head are kept to tell its surface.
const SNIFFED: usize = 1024;

/// The longest request line (method, target and version, without its line break) served.
/// Every line whose target hyper would refuse (over 65,534 bytes) is longer, so it is
/// answered by [`answer_too_long_line`] before hyper sees it.
pub const MAX_REQUEST_LINE: usize = 64 * 1024;

/// Limits of the listener.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    /// How long a shutdown waits for connections to finish their requests.
    pub grace: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and lets
/// requests in flight finish (up to `limits.grace`). A 408 for an unfinished request head
/// comes in the shape of the surface of `surfaces` its request line names.
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    limits: Limits,
    surfaces: Surfaces,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    S: tower::Service<axum::extract::Request, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    let mut warned_at: Option<tokio::time::Instant> = None;
    loop {
        // At most once a minute, however long the limit is hit.
        if permits.available_permits() == 0
            && warned_at.is_none_or(|at| at.elapsed() >= Duration::from_secs(60))
        {
            tracing::warn!(
                max_connections = limits.max_connections,
                "connection limit reached; new clients wait"
            );
            warned_at = Some(tokio::time::Instant::now());
        }
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors and the like: wait a little rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let watched = Watched::new(stream);
        let shared = watched.shared.clone();
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(remote));
            tower::ServiceExt::oneshot(app.clone(), request)
        });
        let connection = http.serve_connection(TokioIo::new(watched), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                if shared.lock().line_too_long {
                    answer_too_long_line(&shared, surfaces).await;
                } else if error.is_timeout() {
                    answer_unfinished_head(&shared, surfaces).await;
                } else {
                    tracing::debug!(%error, "connection ended with an error");
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.grace) => {
            tracing::warn!("requests still running after the grace period; stopping anyway");
        }
    }
}

/// Sends 408 on a connection whose request head did not arrive in time, if the client had
/// started one, then closes it.
async fn answer_unfinished_head(shared: &Shared, surfaces: Surfaces) {
    let (stream, head) = {
        let mut state = shared.lock();
        if !state.heard_since_answer {
            return;
        }
        (state.stream.take(), std::mem::take(&mut state.head))
    };
    let Some(mut stream) = stream else { return };
    let path = std::str::from_utf8(&head)
        .ok()
        .and_then(|text| text.split(' ').nth(1))
        .unwrap_or("/");
    tracing::info!("request head not received in time; answering 408");
    let response = surfaces.of(path).too_slow("request head");
    let bytes = raw_response(response).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await
    })
    .await;
}

/// Sends 414 on a connection whose request line grew past [`MAX_REQUEST_LINE`], then closes
/// it, reading (for at most a second) what the client still sends so that closing does not
/// reset the connection before the client reads the answer.
async fn answer_too_long_line(shared: &Shared, surfaces: Surfaces) {
    let (stream, head) = {
        let mut state = shared.lock();
        (state.stream.take(), std::mem::take(&mut state.head))
    };
    let Some(mut stream) = stream else { return };
    let head = String::from_utf8_lossy(&head);
    let path = head
        .trim_start_matches(['\r', '\n'])
        .split(' ')
        .nth(1)
        .unwrap_or("/");
    tracing::info!("request line too long; answering 414");
    let response = surfaces.of(path).uri_too_long();
    let bytes = raw_response(response).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await?;
        let mut rest = [0u8; 16 * 1024];
        let mut drained = 0usize;
        while drained < 1024 * 1024 {
            match tokio::io::AsyncReadExt::read(&mut stream, &mut rest).await? {
                0 => break,
                n => drained += n,
            }
        }
        io::Result::Ok(())
    })
    .await;
}

/// An HTTP/1.1 response as bytes (the answer is small and fully known).
async fn raw_response(response: Response) -> Vec<u8> {
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        parts.status.as_u16(),
        parts.status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_LENGTH {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    out
}

/// What the connection task and the stream wrapper share.
struct State {
    /// `None` once taken back to answer a slow client.
    stream: Option<TcpStream>,
    /// Bytes arrived since the last bytes were written: a request is being received.
    heard_since_answer: bool,
    /// The first bytes of that request.
    head: Vec<u8>,
    /// Bytes of that request's first line so far (leading line breaks not counted).
    line: usize,
    /// Whether that line has ended.
    line_ended: bool,
    /// The line grew past [`MAX_REQUEST_LINE`]: the connection is answered 414.
    line_too_long: bool,
}

impl State {
    /// Notes bytes heard since the last answer; false when the request line is too long.
    fn heard(&mut self, new: &[u8]) -> bool {
        self.heard_since_answer = true;
        let room = SNIFFED.saturating_sub(self.head.len()).min(new.len());
        self.head.extend_from_slice(&new[..room]);
        for &byte in new {
            if self.line_ended {
                break;
            }
            match byte {
                b'\r' | b'\n' if self.line == 0 => {}
                b'\n' => self.line_ended = true,
                _ => self.line += 1,
            }
        }
        // The `\r` of the line's end is counted. Only what starts like a request line
        // (`METHOD `) is answered here: the rest of a body after an early answer is left to
        // hyper, as before.
        if self.line > MAX_REQUEST_LINE + 1 && starts_like_a_request_line(&self.head) {
            self.line_too_long = true;
        }
        !self.line_too_long
    }

    /// `written` (the start of a write) is going out: after a final answer, what arrives
    /// next is a new request; after an interim one (`100 Continue`), the same request's body.
    fn answering(&mut self, written: &[u8]) {
        self.heard_since_answer = false;
        self.head.clear();
        if !written.starts_with(b"HTTP/1.1 1") && !written.starts_with(b"HTTP/1.0 1") {
            self.line = 0;
            self.line_ended = false;
        }
    }
}

/// Whether `head` (after any blank lines) starts with a method token and a space.
fn starts_like_a_request_line(head: &[u8]) -> bool {
    let start = head
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .unwrap_or(head.len());
    let head = &head[start..];
    let method = head.iter().take_while(|b| b.is_ascii_uppercase()).count();
    (1..=16).contains(&method) && head.get(method) == Some(&b' ')
}

type Shared = Arc<Mutex<State>>;

trait Lock {
    fn lock(&self) -> MutexGuard<'_, State>;
}

impl Lock for Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        Mutex::lock(self).unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The client's stream as hyper sees it, noting what was heard since the last answer; the
/// stream stays reachable after hyper gives up on the connection.
struct Watched {
    shared: Shared,
}

impl Watched {
    fn new(stream: TcpStream) -> Self {
        Self {
            shared: Arc::new(Mutex::new(State {
                stream: Some(stream),
                heard_since_answer: false,
                head: Vec::new(),
                line: 0,
                line_ended: false,
                line_too_long: false,
            })),
        }
    }
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the connection was closed")
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut state = self.shared.lock();
        let Some(stream) = state.stream.as_mut() else {
            return Poll::Ready(Err(gone()));
        };
        let before = buf.filled().len();
        let polled = Pin::new(stream).poll_read(cx, buf);
        let new = &buf.filled()[before..];
        if !new.is_empty() && !state.heard(new) {
            // Not handed to hyper, which would answer an empty 414 of its own.
            buf.set_filled(before);
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request line too long",
            )));
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut state = self.shared.lock();
        state.answering(buf);
        match state.stream.as_mut() {
            Some(stream) => Pin::new(stream).poll_write(cx, buf),
            None => Poll::Ready(Err(gone())),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut state = self.shared.lock();
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        state.answering(first);
        match state.stream.as_mut() {
            Some(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            None => Poll::Ready(Err(gone())),
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.shared.lock().stream.as_mut() {
            Some(stream) => Pin::new(stream).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.shared.lock().stream.as_mut() {
            Some(stream) => Pin::new(stream).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> State {
        State {
            stream: None,
            heard_since_answer: false,
            head: Vec::new(),
            line: 0,
            line_ended: false,
            line_too_long: false,
        }
    }

    #[test]
    fn only_the_request_line_is_measured_and_an_answer_starts_a_new_one() {
        let mut state = fresh();
        let long = vec![b'a'; MAX_REQUEST_LINE];
        assert!(state.heard(b"\r\nGET /"));
        assert!(state.heard(&long[..MAX_REQUEST_LINE - 20]));
        assert!(state.heard(b" HTTP/1.1\r\nx-long: "));
        // Headers and bodies are hyper's to limit, not this count.
        assert!(state.heard(&long));
        assert!(state.heard(&long));
        state.answering(b"HTTP/1.1 200 OK\r\n");
        assert!(state.heard(b"GET /"));
        assert!(!state.heard(&long));
        assert!(state.line_too_long);
        assert!(state.head.starts_with(b"GET /aaa"));
        assert_eq!(state.head.len(), SNIFFED);
    }

    #[test]
    fn a_body_after_100_continue_or_an_early_answer_is_not_a_request_line() {
        let long = vec![b'{'; MAX_REQUEST_LINE + 10];
        let mut state = fresh();
        assert!(state.heard(b"POST /v2/rpc/x HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"));
        state.answering(b"HTTP/1.1 100 Continue\r\n\r\n");
        assert!(state.heard(&long));
        // A body still arriving after a final answer does not start like a request.
        state.answering(b"HTTP/1.1 401 Unauthorized\r\n");
        assert!(state.heard(&long));
        assert!(!state.line_too_long);
        assert!(starts_like_a_request_line(b"\r\nGET /x"));
        assert!(!starts_like_a_request_line(b"{\"a\": 1}"));
        assert!(!starts_like_a_request_line(b"get /x"));
    }
}
