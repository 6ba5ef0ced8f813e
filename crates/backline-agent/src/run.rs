//! `backline-agent run`: cycles ([`crate::cycle`]) until told to stop.
//!
//! Between cycles it waits the poll interval Backline gives (`X-RateLimit-Reset`, or the
//! server's settings), else the configured one. A cycle that fails for a reason that may pass
//! (Backline unreachable or answering 429/503 after the client's own retries, the game
//! unreachable) is retried after an exponential backoff with jitter (`backon`), reset by the
//! next good cycle. Reasons that will not pass stop the agent with their exit code: the
//! token refused (3), the RCON password refused (4), the configuration or the state
//! directory (2), the journal (1).
//!
//! SIGTERM and SIGINT (Ctrl-C) stop it gracefully: the command being sent finishes and is
//! recorded and reported, the actions after it are left to Backline, and the agent exits 0.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use tokio_util::sync::CancellationToken;

use crate::config::AgentConfig;
use crate::cycle::Agent;
use crate::error::AgentError;

/// The longest wait between failed cycles.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Whether a cycle that failed with `error` may succeed later without anyone changing
/// anything.
fn passes(error: &AgentError) -> bool {
    matches!(
        error,
        AgentError::Backline(_)
            | AgentError::Unreachable { .. }
            | AgentError::Timeout(_)
            | AgentError::Dropped(_)
            | AgentError::Protocol(_)
            | AgentError::LocalCommand(_)
    )
}

fn backoff(first: Duration) -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(first.min(MAX_BACKOFF))
        .with_max_delay(MAX_BACKOFF)
        .with_jitter()
        .without_max_times()
        .build()
}

/// Runs the agent until `stop` is cancelled (or, with `once`, for one cycle).
pub async fn run(
    config: &AgentConfig,
    once: bool,
    stop: CancellationToken,
) -> Result<(), AgentError> {
    let mut agent = Agent::open(config)?;
    let mut delays = backoff(Duration::from_secs(1));
    loop {
        let wait = match agent.cycle(&stop).await {
            Ok(report) => {
                tracing::debug!(?report, "cycle done");
                if once {
                    return Ok(());
                }
                delays = backoff(Duration::from_secs(1));
                agent.interval
            }
            Err(error) if passes(&error) && !once => {
                let wait = delays.next().unwrap_or(MAX_BACKOFF);
                tracing::warn!(%error, retry_in_ms = wait.as_millis() as u64, "cycle failed");
                wait
            }
            Err(error) => return Err(error),
        };
        if stop.is_cancelled() {
            return Ok(());
        }
        tokio::select! {
            () = stop.cancelled() => return Ok(()),
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Resolves at the first Ctrl-C; never, when Ctrl-C cannot be caught (the agent then stops
/// only by SIGTERM, or by being killed), rather than stopping at once.
async fn ctrl_c() {
    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::warn!(%error, "Ctrl-C cannot be caught");
        std::future::pending::<()>().await;
    }
}

/// A token cancelled by the first SIGTERM or SIGINT.
pub fn stop_on_signals() -> CancellationToken {
    let stop = CancellationToken::new();
    let cancel = stop.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        () = ctrl_c() => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "SIGTERM cannot be caught; stop the agent with Ctrl-C");
                    ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            ctrl_c().await;
        }
        tracing::info!("stopping after the command in progress");
        cancel.cancel();
    });
    stop
}
