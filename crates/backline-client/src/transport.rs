//! The one HTTP client every surface's client shares: base URL, a timeout on every call,
//! retries where they are safe ([`crate::retry`]), a warning for slow calls and a `tracing`
//! span per call.
//!
//! Surface clients describe a request as a [`Call`] (method, the route template for logs, the
//! real path, headers, body, which surface answers, whether it may be repeated) and get a
//! [`Reply`] for a success status, or an [`Error`] holding the surface's error body. Logs
//! name the route template (`/spectra/system/validateAccessKey/{key}`), never the real path
//! or query: access keys, player-cam secrets and the http key travel in them.

use crate::error::{is_transient_status, Error, ErrorBody, Result, Surface};
use crate::retry::{full_jitter, server_wait, Repeat, RetryPolicy};
use crate::secret::Secret;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;
use url::Url;

/// How the SDK talks to Backline. `Config::default()` is what production wants; tests shorten
/// the timeout and the retry delays.
#[derive(Clone, Debug)]
pub struct Config {
    /// The longest one attempt may take, from connecting to the last byte of the answer.
    pub timeout: Duration,
    /// The longest a TCP (and TLS) connection may take to open.
    pub connect_timeout: Duration,
    /// When and how failed calls are tried again.
    pub retry: RetryPolicy,
    /// A call (all its attempts together) taking longer than this is logged with `warn!`.
    pub slow_call: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            slow_call: Duration::from_secs(2),
            user_agent: concat!("backline-client/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// A connection pool to one Backline, cheap to clone (clones share the pool).
#[derive(Clone, Debug)]
pub struct Transport {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    /// The base URL without a trailing slash (`http://host:7350`, or with a path prefix when
    /// Backline sits behind a proxy under one).
    base: String,
    config: Config,
}

impl Transport {
    /// A transport to the Backline at `base_url` (`http://host:7350`) with the default
    /// [`Config`].
    pub fn new(base_url: &str) -> Result<Self> {
        Self::with_config(base_url, Config::default())
    }

    /// A transport with `config`.
    pub fn with_config(base_url: &str, config: Config) -> Result<Self> {
        let parsed = Url::parse(base_url)
            .map_err(|e| Error::InvalidInput(format!("base URL {base_url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::InvalidInput(format!(
                "base URL {base_url:?}: the scheme must be http or https"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| Error::InvalidInput(format!("HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base: base_url.trim_end_matches('/').to_owned(),
                config,
            }),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    fn url(&self, call: &Call) -> Result<Url> {
        let mut url = Url::parse(&format!("{}{}", self.inner.base, call.path))
            .map_err(|e| Error::InvalidInput(format!("{}: {e}", call.route)))?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        Ok(url)
    }

    /// Sends `call`, repeating it as its [`Repeat`] and the [`RetryPolicy`] allow.
    pub(crate) async fn send(&self, call: Call) -> Result<Reply> {
        let span = tracing::info_span!(
            "backline_call",
            method = %call.method,
            route = call.route,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        self.send_in(call, span.clone()).instrument(span).await
    }

    async fn send_in(&self, call: Call, span: tracing::Span) -> Result<Reply> {
        let url = self.url(&call)?;
        let config = &self.inner.config;
        let mut schedule = config.retry.schedule();
        let started = Instant::now();
        let mut attempts: u32 = 0;
        let result = loop {
            attempts += 1;
            span.record("attempt", attempts);
            let failure = match self.attempt(&call, url.clone()).await {
                Ok(reply) if reply.status < 400 => break Ok(reply),
                Ok(reply) => Failure::Status(reply),
                // The URL may hold a credential (an access key in the path, the http key in
                // the query): errors never carry it.
                Err(e) => Failure::Transport(e.without_url()),
            };
            let may_repeat = match &failure {
                // A 429 refused the request before acting on it: safe for every call.
                Failure::Status(reply) => {
                    reply.status == 429
                        || (call.repeat == Repeat::Safe && is_transient_status(reply.status))
                }
                // A refused connection never carried the request: safe for every call.
                Failure::Transport(e) => call.repeat == Repeat::Safe || e.is_connect(),
            };
            let delay = if may_repeat { schedule.next() } else { None };
            let Some(delay) = delay else {
                break Err(failure.into_error(call.surface, attempts, config.timeout));
            };
            let wait = match &failure {
                Failure::Status(reply) => {
                    server_wait(&reply.headers).map(|asked| asked.min(config.retry.max_server_wait))
                }
                Failure::Transport(_) => None,
            }
            .unwrap_or_else(|| full_jitter(delay));
            tracing::info!(
                attempt = attempts,
                wait_ms = wait.as_millis() as u64,
                failure = %failure,
                "retrying Backline call"
            );
            tokio::time::sleep(wait).await;
        };
        let elapsed = started.elapsed();
        if elapsed >= config.slow_call {
            tracing::warn!(
                elapsed_ms = elapsed.as_millis() as u64,
                attempts,
                "slow Backline call"
            );
        }
        match &result {
            Ok(reply) => span.record("status", reply.status),
            Err(Error::Api { status, .. }) => span.record("status", *status),
            Err(_) => &span,
        };
        result
    }

    async fn attempt(&self, call: &Call, url: Url) -> Result<Reply, reqwest::Error> {
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url)
            .timeout(self.inner.config.timeout)
            .headers(call.headers.clone());
        if let Some((bytes, content_type)) = &call.body {
            request = request
                .header(CONTENT_TYPE, *content_type)
                .body(bytes.clone());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}

/// A failed attempt.
enum Failure {
    Status(Reply),
    Transport(reqwest::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status(reply) => write!(f, "status {}", reply.status),
            Self::Transport(e) if e.is_timeout() => f.write_str("timeout"),
            Self::Transport(e) if e.is_connect() => f.write_str("connection refused"),
            Self::Transport(_) => f.write_str("connection failed"),
        }
    }
}

impl Failure {
    fn into_error(self, surface: Surface, attempts: u32, timeout: Duration) -> Error {
        match self {
            Self::Status(reply) => Error::Api {
                surface,
                status: reply.status,
                body: ErrorBody::parse(surface, &reply.body),
                retry_after: server_wait(&reply.headers),
                attempts,
            },
            Self::Transport(e) if e.is_timeout() => Error::Timeout { timeout, attempts },
            Self::Transport(source) => Error::Transport { source, attempts },
        }
    }
}

/// One request, as a surface client describes it.
pub(crate) struct Call {
    pub method: Method,
    /// The route template, for logs (`/api/game/actions/executions/{id}/finish`).
    pub route: &'static str,
    /// The real path, segments already percent-encoded.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Option<(Vec<u8>, &'static str)>,
    pub surface: Surface,
    pub repeat: Repeat,
}

/// The body and query may hold credentials (a password, the http key): `Debug` shows neither.
impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.method)
            .field("route", &self.route)
            .field("headers", &self.headers)
            .field("surface", &self.surface)
            .field("repeat", &self.repeat)
            .finish_non_exhaustive()
    }
}

impl Call {
    pub fn new(
        surface: Surface,
        method: Method,
        route: &'static str,
        path: impl Into<String>,
    ) -> Self {
        // Reads, PUT and DELETE are safe to repeat by HTTP's definition; the rest are opted
        // in one by one by the surface clients.
        let repeat = if method == Method::GET || method == Method::PUT || method == Method::DELETE {
            Repeat::Safe
        } else {
            Repeat::Never
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        Self {
            method,
            route,
            path: path.into(),
            query: Vec::new(),
            headers,
            body: None,
            surface,
            repeat,
        }
    }

    pub fn repeat(mut self, repeat: Repeat) -> Self {
        self.repeat = repeat;
        self
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// A header whose value is a credential: marked sensitive, so `Debug` of the request
    /// (and hyper's logs) never show it.
    pub fn secret_header(mut self, name: &'static str, value: &str) -> Result<Self> {
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| Error::InvalidInput(format!("{name}: not a valid header value")))?;
        value.set_sensitive(true);
        self.headers.insert(HeaderName::from_static(name), value);
        Ok(self)
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Result<Self> {
        let value = HeaderValue::from_str(value)
            .map_err(|_| Error::InvalidInput(format!("{name}: not a valid header value")))?;
        self.headers.insert(HeaderName::from_static(name), value);
        Ok(self)
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &Secret) -> Result<Self> {
        self.secret_header("authorization", &format!("Bearer {}", token.expose()))
    }

    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidInput(format!("{}: body: {e}", self.route)))?;
        self.body = Some((bytes, "application/json"));
        Ok(self)
    }

    /// A body sent as it is, with `content_type`.
    pub fn raw_body(mut self, bytes: Vec<u8>, content_type: &'static str) -> Self {
        self.body = Some((bytes, content_type));
        self
    }
}

/// A success answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|source| Error::Decode {
            status: self.status,
            source,
            snippet: crate::error::snippet(&self.body),
        })
    }
}

/// `segment` percent-encoded as one path segment (`/`, `#`, `?`, spaces and the rest
/// escaped), so an id can never change the route.
pub(crate) fn segment(segment: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(segment, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_cannot_leave_its_place_in_the_path() {
        assert_eq!(segment("Name#TAG"), "Name%23TAG");
        assert_eq!(segment("../admin"), "..%2Fadmin");
        assert_eq!(segment("a b?c"), "a%20b%3Fc");
        assert_eq!(segment("STEAM_0:1:2"), "STEAM_0%3A1%3A2");
    }

    #[test]
    fn only_http_and_https_base_urls_are_taken() {
        assert!(Transport::new("http://127.0.0.1:7350/").is_ok());
        assert!(matches!(
            Transport::new("ftp://example.org"),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            Transport::new("not a url"),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn reads_put_and_delete_are_safe_to_repeat_and_post_and_patch_are_not_by_default() {
        let call = |m| Call::new(Surface::Admin, m, "/", "/").repeat;
        assert_eq!(call(Method::GET), Repeat::Safe);
        assert_eq!(call(Method::PUT), Repeat::Safe);
        assert_eq!(call(Method::DELETE), Repeat::Safe);
        assert_eq!(call(Method::POST), Repeat::Never);
        assert_eq!(call(Method::PATCH), Repeat::Never);
    }

    #[test]
    fn a_bearer_header_is_sensitive() {
        let call = Call::new(Surface::Game, Method::GET, "/", "/")
            .bearer(&Secret::new("tok"))
            .unwrap();
        let value = call.headers.get("authorization").unwrap();
        assert!(value.is_sensitive());
        assert!(!format!("{call:?}").contains("tok"));
    }
}
