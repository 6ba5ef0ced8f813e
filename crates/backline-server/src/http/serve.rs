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
//!
//! No address takes every slot: one address holds at most `max_connections_per_address`
//! connections (more are closed as soon as they are accepted), and near `max_connections`
//! connections idle between requests are closed first ([`super::connections`]). With TLS
//! ([`super::tls`]) the handshake is under the same header read timeout and counts against
//! the same caps as the request head after it.

use super::connections::{Activity, Admitted, Connections};
use super::metrics::Metrics;
use super::surface::Surfaces;
use super::tls::{Certificates, Stream, HANDSHAKE_RECORD};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use futures::FutureExt;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

mod answers;
use answers::{answer_plain_http, answer_too_long_line, answer_unfinished_head};

/// How many bytes of an unanswered request head are kept to tell its surface.
const SNIFFED: usize = 1024;

/// The longest request line (method, target and version, without its line break) served.
/// Every line whose target hyper would refuse (over 65,534 bytes) is longer, so it is
/// answered by [`answer_too_long_line`] before hyper sees it.
pub const MAX_REQUEST_LINE: usize = 64 * 1024;

/// How often a full listener looks again for idle connections to close while a new client
/// waits for a slot.
const RECLAIM_AGAIN: Duration = Duration::from_millis(50);

/// The listening socket's backlog: connections the kernel completes before the server
/// accepts them (clamped by `net.core.somaxconn`, 4,096 on current kernels). The 128 of the
/// standard library overflows under a burst of connections from one address, and the kernel
/// then drops every client's SYN alike: a new client waits a second for its retransmission.
pub const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` with a backlog of [`LISTEN_BACKLOG`].
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As the standard library does: a restart binds while old connections are in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Limits of the listener.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    /// Connections one client address may hold; `None` when not applied (behind a proxy).
    pub max_connections_per_address: Option<usize>,
    pub header_read_timeout: Duration,
    /// How long a shutdown waits for connections to finish their requests.
    pub grace: Duration,
}

impl Limits {
    /// Free slots under which idle connections are closed to make room: a thirty-second of
    /// the slots between 1 and 32 (nginx closes 32 idle kept-alive connections at a time
    /// when it runs out).
    fn reserve(&self) -> usize {
        (self.max_connections / 32).clamp(1, 32)
    }
}

/// What the listener serves with, besides the application.
#[derive(Clone, Debug)]
pub struct Listening {
    pub limits: Limits,
    /// The answers given outside the application (408, 414, 400 for plain HTTP on HTTPS)
    /// come in the shape of the surface the request names.
    pub surfaces: Surfaces,
    /// HTTPS with these certificates; `None`: plain HTTP.
    pub tls: Option<Arc<Certificates>>,
    /// Counts refused and reclaimed connections.
    pub metrics: Metrics,
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and lets
/// requests in flight finish (up to `limits.grace`). A 408 for an unfinished request head
/// comes in the shape of the surface of `surfaces` its request line names.
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    listening: Listening,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    S: tower::Service<axum::extract::Request, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let Listening {
        limits,
        surfaces,
        tls,
        metrics,
    } = listening;
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let connections = Connections::new(limits.max_connections_per_address);
    let stopping = CancellationToken::new();
    let tracker = TaskTracker::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    let mut warned_full: Option<Instant> = None;
    let mut warned_address: Option<Instant> = None;
    loop {
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
        let Some(admitted) = connections.admit(remote.ip()) else {
            // Closed unread: no request was received, and reading one would spend on this
            // address what the cap keeps for others. At most one warning a minute.
            metrics.count_refused_connection();
            if warned_address.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                tracing::warn!(
                    address = %remote.ip(),
                    max_connections_per_address = limits.max_connections_per_address,
                    "an address holds its allowance of connections; closing its new ones"
                );
                warned_address = Some(Instant::now());
            }
            drop(stream);
            continue;
        };
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if warned_full.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached; closing idle connections, new clients wait"
                    );
                    warned_full = Some(Instant::now());
                }
                // Idle connections are asked to close; when none is idle, the client waits
                // for a request to end (and others wait in the listen backlog).
                let waited = async {
                    loop {
                        connections.close_idle(limits.reserve());
                        if let Ok(permit) =
                            tokio::time::timeout(RECLAIM_AGAIN, permits.clone().acquire_owned())
                                .await
                        {
                            break permit.expect("the semaphore is never closed");
                        }
                    }
                };
                tokio::select! {
                    permit = waited => permit,
                    _ = &mut shutdown => break,
                }
            }
        };
        let free = permits.available_permits();
        if free < limits.reserve() {
            connections.close_idle(limits.reserve() - free);
        }
        let connection = Connection {
            remote,
            admitted,
            surfaces,
            metrics: metrics.clone(),
            header_read_timeout: limits.header_read_timeout,
            stopping: stopping.clone(),
        };
        let tls = tls.clone();
        let http = http.clone();
        let app = app.clone();
        tracker.spawn(async move {
            connection.serve(stream, tls, http, app).await;
            drop(permit);
        });
    }
    drop(listener);
    stopping.cancel();
    tracker.close();
    tokio::select! {
        _ = tracker.wait() => {}
        _ = tokio::time::sleep(limits.grace) => {
            tracing::warn!("requests still running after the grace period; stopping anyway");
        }
    }
}

/// One accepted connection and what serving it needs.
struct Connection {
    remote: SocketAddr,
    /// Its place in its address's allowance, held until it ends.
    admitted: Admitted,
    surfaces: Surfaces,
    metrics: Metrics,
    header_read_timeout: Duration,
    /// Cancelled when the server shuts down: requests in flight finish, then it closes.
    stopping: CancellationToken,
}

impl Connection {
    async fn serve<S>(
        self,
        stream: TcpStream,
        tls: Option<Arc<Certificates>>,
        http: hyper::server::conn::http1::Builder,
        app: S,
    ) where
        S: tower::Service<axum::extract::Request, Response = Response, Error = Infallible>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
    {
        let _ = stream.set_nodelay(true);
        self.admitted.start_serving();
        let stream = match tls {
            None => Stream::Plain(stream),
            Some(certificates) => match self.handshake(stream, &certificates).await {
                Some(stream) => stream,
                None => return,
            },
        };
        let watched = Watched::new(stream, self.admitted.activity.clone());
        let shared = watched.shared.clone();
        let (remote, activity) = (self.remote, self.admitted.activity.clone());
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(remote));
            let activity = activity.clone();
            tower::ServiceExt::oneshot(app.clone(), request).map(move |answered| {
                answered.map(|response| {
                    let body = response.body();
                    if hyper::body::Body::is_end_stream(body)
                        || hyper::body::Body::size_hint(body).exact().is_some()
                    {
                        return response;
                    }
                    // A body that streams on (an event stream): the connection is in a
                    // request until it ends, not idle between requests.
                    let streaming = activity.streaming();
                    response.map(|body| {
                        Body::new(body.map_frame(move |frame| {
                            let _ = &streaming;
                            frame
                        }))
                    })
                })
            })
        });
        let connection = http.serve_connection(TokioIo::new(watched), service);
        tokio::pin!(connection);
        let mut closing = false;
        let ended = loop {
            tokio::select! {
                ended = connection.as_mut() => break ended,
                _ = self.stopping.cancelled(), if !closing => {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
                _ = self.admitted.close.notified(), if !closing => {
                    // Asked to make room: only if it still may be closed (between
                    // requests, and silent long enough if it has answered nothing yet;
                    // hyper reads on this task, so nothing arrives between this check and
                    // the shutdown, which closes a connection with nothing read at once).
                    if self.admitted.activity.may_be_closed_now() {
                        connection.as_mut().graceful_shutdown();
                        closing = true;
                        self.metrics.count_reclaimed_connections(1);
                    }
                }
            }
        };
        if let Err(error) = ended {
            if shared.lock().line_too_long {
                answer_too_long_line(&shared, self.surfaces).await;
            } else if error.is_timeout() {
                answer_unfinished_head(&shared, self.surfaces).await;
            } else {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
    }

    /// The TLS handshake, within the header read timeout; a client speaking plain HTTP is
    /// answered 400. `None` when the connection is done.
    async fn handshake(&self, stream: TcpStream, certificates: &Certificates) -> Option<Stream> {
        let deadline = Instant::now() + self.header_read_timeout;
        let mut first = [0u8; 1];
        tokio::select! {
            peeked = tokio::time::timeout_at(deadline, stream.peek(&mut first)) => {
                if !matches!(peeked, Ok(Ok(1))) {
                    return None;
                }
            }
            // Chosen to make room: silent for a second since its service began.
            _ = self.admitted.close.notified() => {
                self.metrics.count_reclaimed_connections(1);
                return None;
            }
        }
        self.admitted.activity.heard();
        if first[0] != HANDSHAKE_RECORD {
            answer_plain_http(stream, self.surfaces, deadline).await;
            return None;
        }
        let accepted =
            tokio::time::timeout_at(deadline, certificates.acceptor().accept(stream)).await;
        match accepted {
            Ok(Ok(stream)) => {
                // Nothing being received until the first request arrives.
                self.admitted.activity.quiet();
                Some(Stream::Tls(Box::new(stream)))
            }
            Ok(Err(error)) => {
                tracing::debug!(%error, "TLS handshake failed");
                None
            }
            Err(_) => {
                tracing::debug!("TLS handshake not finished in time; closing");
                None
            }
        }
    }
}

/// What the connection task and the stream wrapper share.
struct State {
    /// `None` once taken back to answer a slow client.
    stream: Option<Stream>,
    /// The same facts for the registry of connections (idle or in a request).
    activity: Arc<Activity>,
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
        self.activity.heard();
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
        self.activity.answered();
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
    fn new(stream: Stream, activity: Arc<Activity>) -> Self {
        Self {
            shared: Arc::new(Mutex::new(State {
                stream: Some(stream),
                activity,
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
            activity: Arc::new(Activity::default()),
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
