//! Per-client request throttling: requests per game server ([`RateLimiter`]) and failed
//! attempts at secrets per client address ([`FailureLimiter`]).
//!
//! Throttling protects the service, not correctness, so its state is per process behind
//! small traits; a shared implementation can replace the local ones later. Both read the
//! server's [`Clock`], so tests move their windows on by advancing it.

use backline_domain::{Clock, Timestamp};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Entries kept before expired ones are swept, so a flood of distinct keys cannot grow
/// memory without bound.
const SWEEP_ABOVE: usize = 100_000;

/// Counts requests per key in fixed one-minute windows.
pub trait RateLimiter: Send + Sync + std::fmt::Debug {
    /// `Ok` when the request may go ahead; otherwise the seconds until it may.
    fn check(&self, key: &str, per_minute: u32) -> Result<(), u64>;
}

/// The in-process limiter.
#[derive(Debug, Default)]
pub struct LocalRateLimiter {
    windows: Mutex<HashMap<String, (u64, u32)>>,
    clock: Clock,
}

impl LocalRateLimiter {
    /// A limiter whose windows follow `clock`.
    pub fn new(clock: Clock) -> Self {
        Self {
            windows: Mutex::default(),
            clock,
        }
    }
}

impl RateLimiter for LocalRateLimiter {
    fn check(&self, key: &str, per_minute: u32) -> Result<(), u64> {
        let now = u64::try_from(self.clock.now().millis() / 1000).unwrap_or(0);
        let window = now / 60;
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, (w, _)| *w == window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= per_minute {
            return Err((window + 1) * 60 - now);
        }
        entry.1 += 1;
        Ok(())
    }
}

/// Counts failures per key in windows that start at the key's first failure.
pub trait FailureLimiter: Send + Sync + std::fmt::Debug {
    /// `Ok` when `key` has fewer than `max` failures in its current window; otherwise how
    /// long until the window ends.
    fn check(&self, key: &str, max: u32, window: Duration) -> Result<(), Duration>;
    /// Counts one failure of `key`; `true` when this failure used up an allowance of `max`.
    fn fail(&self, key: &str, max: u32, window: Duration) -> bool;
}

/// Per key: when its window started and the failures in it; and when expired entries
/// were last swept.
#[derive(Debug, Default)]
struct Failures {
    windows: HashMap<String, (Timestamp, u32)>,
    swept: Option<Timestamp>,
}

/// The in-process failure counter.
#[derive(Debug, Default)]
pub struct LocalFailureLimiter {
    failures: Mutex<Failures>,
    clock: Clock,
}

/// `at` moved forward by `by`.
fn after(at: Timestamp, by: Duration) -> Timestamp {
    Timestamp::from_millis(
        at.millis()
            .saturating_add(by.as_millis().min(i64::MAX as u128) as i64),
    )
}

/// The time from `from` to `to` (zero when `to` is not later).
fn between(from: Timestamp, to: Timestamp) -> Duration {
    Duration::from_millis(u64::try_from(to.millis() - from.millis()).unwrap_or(0))
}

impl LocalFailureLimiter {
    /// A failure counter whose windows follow `clock`.
    pub fn new(clock: Clock) -> Self {
        Self {
            failures: Mutex::default(),
            clock,
        }
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, Failures> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl FailureLimiter for LocalFailureLimiter {
    fn check(&self, key: &str, max: u32, window: Duration) -> Result<(), Duration> {
        let now = self.clock.now();
        match self.failures().windows.get(key) {
            Some((start, failures)) if *failures >= max && now < after(*start, window) => {
                Err(between(now, after(*start, window)))
            }
            _ => Ok(()),
        }
    }

    fn fail(&self, key: &str, max: u32, window: Duration) -> bool {
        let now = self.clock.now();
        let mut failures = self.failures();
        // Sweeping is a pass over every entry: at most once a second, however many come.
        let due = failures
            .swept
            .is_none_or(|at| between(at, now) >= Duration::from_secs(1));
        if failures.windows.len() > SWEEP_ABOVE && due {
            failures
                .windows
                .retain(|_, (start, _)| now < after(*start, window));
            failures.swept = Some(now);
        }
        let entry = failures.windows.entry(key.to_owned()).or_insert((now, 0));
        if now >= after(entry.0, window) {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 == max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_block_a_key_until_its_window_ends_and_others_are_separate() {
        let clock = Clock::adjustable();
        let limiter = LocalFailureLimiter::new(clock.clone());
        let window = Duration::from_millis(200);
        assert!(!limiter.fail("a", 2, window));
        assert!(limiter.check("a", 2, window).is_ok());
        assert!(
            limiter.fail("a", 2, window),
            "the second failure uses the allowance up"
        );
        let wait = limiter.check("a", 2, window).unwrap_err();
        assert!(wait <= window && wait > Duration::ZERO, "{wait:?}");
        assert!(limiter.check("b", 2, window).is_ok());
        clock.advance(window);
        assert!(limiter.check("a", 2, window).is_ok());
        // A failure after the window starts a new one.
        assert!(!limiter.fail("a", 2, window));
        assert!(limiter.check("a", 2, window).is_ok());
    }

    #[test]
    fn a_key_gets_its_allowance_per_window_and_others_are_separate() {
        let clock = Clock::adjustable();
        let limiter = LocalRateLimiter::new(clock.clone());
        assert!(limiter.check("a", 2).is_ok());
        assert!(limiter.check("a", 2).is_ok());
        let wait = limiter.check("a", 2).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(limiter.check("b", 2).is_ok());
        clock.advance(Duration::from_secs(wait));
        assert!(
            limiter.check("a", 2).is_ok(),
            "a new window, a new allowance"
        );
    }
}
