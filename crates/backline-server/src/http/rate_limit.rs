//! Per-client request throttling: requests per game server ([`RateLimiter`]) and failed
//! attempts at secrets per client address ([`FailureLimiter`]).
//!
//! Throttling protects the service, not correctness, so its state is per process behind
//! small traits; a shared implementation can replace the local ones later.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
}

impl RateLimiter for LocalRateLimiter {
    fn check(&self, key: &str, per_minute: u32) -> Result<(), u64> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
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
    windows: HashMap<String, (Instant, u32)>,
    swept: Option<Instant>,
}

/// The in-process failure counter.
#[derive(Debug, Default)]
pub struct LocalFailureLimiter {
    failures: Mutex<Failures>,
}

impl LocalFailureLimiter {
    fn failures(&self) -> std::sync::MutexGuard<'_, Failures> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl FailureLimiter for LocalFailureLimiter {
    fn check(&self, key: &str, max: u32, window: Duration) -> Result<(), Duration> {
        let now = Instant::now();
        match self.failures().windows.get(key) {
            Some((start, failures)) if *failures >= max && now < *start + window => {
                Err(*start + window - now)
            }
            _ => Ok(()),
        }
    }

    fn fail(&self, key: &str, max: u32, window: Duration) -> bool {
        let now = Instant::now();
        let mut failures = self.failures();
        // Sweeping is a pass over every entry: at most once a second, however many come.
        let due = failures
            .swept
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1));
        if failures.windows.len() > SWEEP_ABOVE && due {
            failures
                .windows
                .retain(|_, (start, _)| now < *start + window);
            failures.swept = Some(now);
        }
        let entry = failures.windows.entry(key.to_owned()).or_insert((now, 0));
        if now >= entry.0 + window {
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
        let limiter = LocalFailureLimiter::default();
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
        std::thread::sleep(window);
        assert!(limiter.check("a", 2, window).is_ok());
        // A failure after the window starts a new one.
        assert!(!limiter.fail("a", 2, window));
        assert!(limiter.check("a", 2, window).is_ok());
    }

    #[test]
    fn a_key_gets_its_allowance_per_window_and_others_are_separate() {
        let limiter = LocalRateLimiter::default();
        assert!(limiter.check("a", 2).is_ok());
        assert!(limiter.check("a", 2).is_ok());
        let wait = limiter.check("a", 2).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(limiter.check("b", 2).is_ok());
    }
}
