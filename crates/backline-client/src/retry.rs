//! When a failed call is tried again, and how long to wait first.
//!
//! A call is repeated only when repeating it is safe ([`Repeat::Safe`]: reads, `PUT`,
//! `DELETE`, upserts, and creates that carry an `Idempotency-Key`) and only for failures that
//! may pass (429, 502, 503, 504, a timeout, a broken connection). Two failures are retried for
//! every call, creates included, because the request was not acted on: a refused connection
//! (it never left) and a 429 (Backline's rate limits refuse a request before handling it). The wait is what the server asked for
//! (`Retry-After`, or `X-RateLimit-Reset`), capped by [`RetryPolicy::max_server_wait`];
//! otherwise an exponential backoff (`backon`'s schedule) with *full* jitter: a uniformly
//! random wait between zero and the schedule's delay, so clients failing together do not
//! come back together (AWS's "Exponential Backoff and Jitter").

use backon::{BackoffBuilder, ExponentialBuilder};
use rand::Rng;
use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Whether a call may be sent again after a failure that may have reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// Sending it twice has the effect of sending it once.
    Safe,
    /// It may create or change something twice: sent again only when the first request
    /// never left (a refused connection).
    Never,
}

/// How often, and how patiently, a safe call is tried again.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts after the first (0: no retries).
    pub max_retries: usize,
    /// The schedule's first delay (before jitter); it doubles on every retry.
    pub min_delay: Duration,
    /// The schedule's largest delay (before jitter).
    pub max_delay: Duration,
    /// The longest wait a `Retry-After` or `X-RateLimit-Reset` may impose; a server asking
    /// for more is waited for this long.
    pub max_server_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_server_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The delays before each retry, before jitter (exponential, factor 2, capped).
    pub(crate) fn schedule(&self) -> impl Iterator<Item = Duration> {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries)
            .build()
    }
}

/// Full jitter: a uniformly random wait in `[0, delay]`.
pub(crate) fn full_jitter(delay: Duration) -> Duration {
    if delay.is_zero() {
        return delay;
    }
    rand::thread_rng().gen_range(Duration::ZERO..=delay)
}

/// What the server asked for: `Retry-After` in seconds, else `X-RateLimit-Reset` (seconds,
/// or a UNIX time in seconds when it is one: the game integration can be set to send that).
/// HTTP-date `Retry-After` values are not read (Backline sends seconds).
pub(crate) fn server_wait(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| -> Option<u64> {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(seconds) = number("retry-after") {
        return Some(Duration::from_secs(seconds));
    }
    number("x-ratelimit-reset").map(seconds_or_unix_time)
}

/// A count of seconds, or (above a billion: after 2001) a UNIX time to wait until.
pub(crate) fn seconds_or_unix_time(value: u64) -> Duration {
    const UNIX_TIME_FLOOR: u64 = 1_000_000_000;
    if value < UNIX_TIME_FLOOR {
        return Duration::from_secs(value);
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Duration::from_secs(value.saturating_sub(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn the_schedule_doubles_up_to_its_cap_and_stops_after_max_retries() {
        let policy = RetryPolicy {
            max_retries: 5,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            max_server_wait: Duration::from_secs(1),
        };
        // backon's factor is an f32: compare whole milliseconds.
        let delays: Vec<_> = policy.schedule().map(|d| d.as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
        assert_eq!(RetryPolicy::none().schedule().count(), 0);
    }

    #[test]
    fn full_jitter_stays_between_zero_and_the_delay_and_varies() {
        let delay = Duration::from_millis(1000);
        let waits: Vec<_> = (0..200).map(|_| full_jitter(delay)).collect();
        assert!(waits.iter().all(|w| *w <= delay));
        assert!(waits.iter().any(|w| *w < delay / 2));
        assert!(waits.iter().any(|w| *w > delay / 2));
        assert_eq!(full_jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn retry_after_wins_over_the_rate_limit_reset_which_may_be_a_unix_time() {
        let mut headers = HeaderMap::new();
        assert_eq!(server_wait(&headers), None);
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("7"));
        assert_eq!(server_wait(&headers), Some(Duration::from_secs(7)));
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(server_wait(&headers), Some(Duration::from_secs(2)));

        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let wait = seconds_or_unix_time(now + 30);
        assert!(wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28));
        assert_eq!(seconds_or_unix_time(now - 30), Duration::ZERO);
    }
}
