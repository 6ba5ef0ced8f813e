//! Where "now" comes from: one [`Clock`] that the server reads for every decision that
//! depends on the time (expiry of sessions, tokens, link tokens and leases, bans, rate and
//! guess windows, timers), so tests can move time forward instead of waiting for it.
//!
//! Production uses [`Clock::system`], the wall clock. Tests use [`Clock::adjustable`]: the
//! wall clock plus an offset that [`Clock::advance`] increases. Time keeps flowing as usual
//! (ordering by creation time, "last seen" stamps and timeouts behave as in production) and a
//! test that needs a session to expire advances the clock past its lifetime instead of
//! sleeping. The offset only grows, so the clock never goes backwards.
//!
//! Reading the clock is on the hot path (every credential check, every poll): it is an enum
//! and an atomic load, never a lock.

use crate::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The source of "now". Cheap to clone; clones share the offset of an adjustable clock.
#[derive(Clone, Debug, Default)]
pub struct Clock(Source);

#[derive(Clone, Debug, Default)]
enum Source {
    /// The wall clock.
    #[default]
    System,
    /// The wall clock plus a shared offset in milliseconds.
    Adjustable(Arc<AtomicI64>),
}

impl Clock {
    /// The wall clock, as production runs.
    pub fn system() -> Self {
        Self(Source::System)
    }

    /// The wall clock plus an offset that starts at zero and that [`Clock::advance`] moves
    /// forward; every clone sees the same offset.
    pub fn adjustable() -> Self {
        Self(Source::Adjustable(Arc::new(AtomicI64::new(0))))
    }

    /// The current instant by this clock.
    #[inline]
    pub fn now(&self) -> Timestamp {
        match &self.0 {
            Source::System => Timestamp::now(),
            Source::Adjustable(offset) => {
                let now = Timestamp::now();
                Timestamp::from_millis(now.millis() + offset.load(Ordering::Relaxed))
            }
        }
    }

    /// Moves an adjustable clock (and its clones) forward by `by`.
    ///
    /// # Panics
    /// On the system clock: production time cannot be moved, and a test that tries has
    /// been given the wrong clock.
    pub fn advance(&self, by: Duration) {
        match &self.0 {
            Source::System => panic!("the system clock cannot be advanced"),
            Source::Adjustable(offset) => {
                let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
                offset.fetch_add(millis, Ordering::Relaxed);
            }
        }
    }

    /// How far an adjustable clock has been advanced (zero for the system clock).
    pub fn offset(&self) -> Duration {
        match &self.0 {
            Source::System => Duration::ZERO,
            Source::Adjustable(offset) => {
                Duration::from_millis(offset.load(Ordering::Relaxed).max(0) as u64)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_is_the_wall_clock() {
        let before = Timestamp::now();
        let now = Clock::system().now();
        assert!(now >= before && now.millis() - before.millis() < 1_000);
        assert_eq!(Clock::system().offset(), Duration::ZERO);
    }

    #[test]
    fn advancing_moves_every_clone_forward_and_only_forward() {
        let clock = Clock::adjustable();
        let clone = clock.clone();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        let after = clone.now();
        assert!(
            after.millis() - before.millis() >= 3_600_000,
            "{before} {after}"
        );
        assert_eq!(clone.offset(), Duration::from_secs(3600));
        assert!(Clock::system().now() < after);
    }

    #[test]
    #[should_panic(expected = "cannot be advanced")]
    fn the_system_clock_refuses_to_move() {
        Clock::system().advance(Duration::from_secs(1));
    }
}
