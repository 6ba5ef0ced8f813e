//! The match timers: broadcasters silent too long are removed, prepared matches nobody
//! joined start, started matches empty too long end (and their broadcaster gets a new idle
//! match). Each step is one statement or transaction that claims its rows, so every node can
//! run the timers at once without doing anything twice.

use super::Core;
use crate::core::CoreResult;
use backline_domain::events::EventKind;
use backline_domain::Timestamp;
use backline_store::Store;
use serde_json::json;
use std::time::Duration;

/// How long each timer waits.
#[derive(Clone, Debug)]
pub struct TimerSettings {
    pub broadcaster_timeout_seconds: i64,
    pub prepared_match_start_seconds: i64,
    pub empty_match_end_seconds: i64,
    pub interval: Duration,
}

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TimerPass {
    pub broadcasters_removed: usize,
    pub matches_started: u64,
    pub matches_ended: usize,
}

impl<S: Store> Core<S> {
    /// One pass of every timer at `now`.
    pub async fn run_match_timers(
        &self,
        settings: &TimerSettings,
        now: Timestamp,
    ) -> CoreResult<TimerPass> {
        let removed = self
            .store
            .expire_broadcasters(now.plus_seconds(-settings.broadcaster_timeout_seconds), now)
            .await?;
        let started = self
            .store
            .start_due_matches(
                now.plus_seconds(-settings.prepared_match_start_seconds),
                now,
            )
            .await?;
        let ended = self
            .store
            .end_empty_matches(
                now.plus_seconds(-settings.empty_match_end_seconds),
                now,
                &self.settings.node,
            )
            .await?;
        let events = removed
            .iter()
            .map(|sid| {
                self.event_now(
                    EventKind::BroadcasterDown,
                    json!({"sid": sid, "reason": "silent"}),
                )
            })
            .chain(started.iter().map(|id| {
                self.event_now(
                    EventKind::EvrMatchStarted,
                    json!({"match_id": id, "reason": "start time reached"}),
                )
            }))
            .chain(ended.iter().map(|id| {
                self.event_now(
                    EventKind::EvrMatchEnded,
                    json!({"match_id": id, "reason": "empty"}),
                )
            }))
            .collect();
        self.publish_all(events).await;
        Ok(TimerPass {
            broadcasters_removed: removed.len(),
            matches_started: started.len() as u64,
            matches_ended: ended.len(),
        })
    }

    /// Runs the timers every `interval` until `stop` resolves; failures are logged and the
    /// next pass tries again.
    pub async fn match_timers(
        self,
        settings: TimerSettings,
        stop: impl std::future::Future<Output = ()>,
    ) {
        crate::core::periodic::every(settings.interval, stop, || async {
            match self.run_match_timers(&settings, self.now()).await {
                Ok(pass) if pass != TimerPass::default() => tracing::info!(?pass, "match timers"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "match timers failed; retrying next tick"),
            }
        })
        .await;
    }
}
