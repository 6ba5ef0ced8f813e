//! Limits on guessing secrets: failed attempts per client address at the paths where a
//! surface takes guesses at a secret (access keys, passwords, link tokens, player-cam
//! session secrets, admin tokens: each surface names its paths and their family, see
//! [`Surface::guessed_at`](super::surface::Surface::guessed_at)).
//!
//! Only failures are counted, per client address and family of secret, in a window that
//! starts at the first failure: an address with its family's allowance of failures
//! (`guess_limit.max_failures`, or `access_key_max_failures` for Spectra access keys) is
//! answered 429 with `Retry-After` (in the surface's shape, before anything runs) until its
//! window ends. Callers that present good credentials, however often, are never limited.

use super::rate_limit::FailureLimiter;
use super::surface::{Surface, Surfaces};
use super::AppState;
use crate::config::GuessLimitConfig;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use futures::future::{BoxFuture, Either};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tower::{Layer, Service, ServiceExt};

/// A family of secrets whose guesses are counted together (the families themselves are the
/// surfaces' to name: see [`Surface::guessed_at`](super::surface::Surface::guessed_at)).
#[derive(Clone, Copy)]
pub struct SecretFamily {
    /// Its name in the counting key and the log; paths naming one family share counts.
    pub name: &'static str,
    /// Whether an answer with this status means the guess was wrong. Wrong input (400, 422)
    /// is not a guess; an expired key or used link token is a secret the caller already had.
    pub failed: fn(StatusCode) -> bool,
    /// The failures one address may make in a window (from the configuration).
    pub allowance: fn(&GuessLimitConfig) -> u32,
}

impl SecretFamily {
    fn name(self) -> &'static str {
        self.name
    }

    fn failed(self, status: StatusCode) -> bool {
        (self.failed)(status)
    }
}

/// Families are told apart by name (comparing function pointers is not meaningful).
impl PartialEq for SecretFamily {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for SecretFamily {}

impl std::fmt::Debug for SecretFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// The address guesses are counted against: the connection's peer, or with
/// `trust_x_forwarded_for` the last `X-Forwarded-For` entry (the one the proxy added).
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    config: &GuessLimitConfig,
) -> Option<IpAddr> {
    if config.trust_x_forwarded_for {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
            .next_back();
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer
}

/// The address failures are counted against: IPv4 addresses as they are, IPv6 addresses by
/// their /64 network, which one client usually holds whole.
pub fn counted_as(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Layer over every route: refuses addresses over their allowance on guarded endpoints and
/// counts the failures of those endpoints; other requests go straight through.
#[derive(Clone, Debug)]
pub struct LimitGuessesLayer {
    /// Shared: axum clones every route's layers on every request.
    state: Arc<AppState>,
    /// Which paths take guesses, and the shape of the 429.
    surfaces: Surfaces,
}

impl LimitGuessesLayer {
    pub fn new(state: AppState, surfaces: Surfaces) -> Self {
        Self {
            state: Arc::new(state),
            surfaces,
        }
    }
}

impl<S> Layer<S> for LimitGuessesLayer {
    type Service = LimitGuesses<S>;

    fn layer(&self, inner: S) -> LimitGuesses<S> {
        LimitGuesses {
            inner,
            state: self.state.clone(),
            surfaces: self.surfaces,
        }
    }
}

/// See [`LimitGuessesLayer`].
#[derive(Clone, Debug)]
pub struct LimitGuesses<S> {
    inner: S,
    state: Arc<AppState>,
    surfaces: Surfaces,
}

impl<S> Service<Request> for LimitGuesses<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let path = request.uri().path();
        let surface = self.surfaces.of(path);
        let Some(family) = (surface.guessed_at)(request.method(), path) else {
            return Either::Left(self.inner.call(request));
        };
        // Taking the service that was made ready; a clone waits for the next call.
        let ready = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, ready);
        Either::Right(Box::pin(limit_guesses(
            self.state.clone(),
            surface,
            family,
            inner,
            request,
        )))
    }
}

/// Answers a request at a guarded endpoint: refused while its address is over the allowance,
/// else served, and counted as a failure when the answer says the guess was wrong.
async fn limit_guesses<S>(
    state: Arc<AppState>,
    surface: &'static Surface,
    family: SecretFamily,
    inner: S,
    request: Request,
) -> Result<Response, S::Error>
where
    S: Service<Request, Response = Response>,
{
    let config = &state.config.guess_limit;
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let address = client_address(peer, request.headers(), config)
        .map_or_else(|| "unknown".to_owned(), counted_as);
    let key = format!("{}:{address}", family.name());
    let window = Duration::from_secs(config.window_seconds);
    let allowance = (family.allowance)(config);
    let limiter: &dyn FailureLimiter = state.failure_limiter.as_ref();
    if let Err(wait) = limiter.check(&key, allowance, window) {
        tracing::debug!(secret = family.name(), %address, "over the failure allowance; refused");
        return Ok(surface.too_many_attempts(wait));
    }
    let response = inner.oneshot(request).await?;
    if family.failed(response.status()) && limiter.fail(&key, allowance, window) {
        // Once per address and window, so a flood does not flood the log.
        tracing::warn!(secret = family.name(), %address, "too many failed attempts; refusing this address until its window ends");
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_64_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(counted_as(a), counted_as(b));
        assert_ne!(counted_as(a), counted_as(c));
        assert_eq!(counted_as("::ffff:10.1.2.3".parse().unwrap()), "10.1.2.3");
        assert_eq!(counted_as("10.1.2.3".parse().unwrap()), "10.1.2.3");
    }

    #[test]
    fn forwarded_addresses_are_used_only_when_trusted_and_the_last_one_wins() {
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, 5.6.7.8".parse().unwrap());
        let mut config = GuessLimitConfig::default();
        assert_eq!(client_address(Some(peer), &headers, &config), Some(peer));
        config.trust_x_forwarded_for = true;
        assert_eq!(
            client_address(Some(peer), &headers, &config),
            Some("5.6.7.8".parse().unwrap())
        );
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(client_address(Some(peer), &headers, &config), Some(peer));
    }
}
