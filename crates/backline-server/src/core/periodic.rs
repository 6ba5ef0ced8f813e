//! Work every node repeats on a timer (the EVR match timers, the event sweep): one loop that
//! runs a pass every interval, never two at once and never catching up missed ticks in a
//! burst, until told to stop.

use std::future::Future;
use std::time::Duration;

/// Runs `pass` every `interval` until `stop` resolves. A pass handles (logs) its own failures:
/// the next tick simply tries again.
pub async fn every<F, Fut>(interval: Duration, stop: impl Future<Output = ()>, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = ticker.tick() => pass().await,
        }
    }
}
