//! Per-client request throttling.
//!
//! Throttling protects the service, not correctness, so its state is per process behind a
//! small trait; a shared implementation can replace the local one later.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

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
        if windows.len() > 100_000 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
