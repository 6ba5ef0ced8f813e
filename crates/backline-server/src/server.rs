//! Start-up and shutdown: open the store, migrate, make sure the admin token exists, serve
//! every surface on one listener until told to stop.

use crate::config::{redact_url, Config};
use crate::core::{Core, CoreSettings};
use crate::http::{self, AppState};
use backline_domain::secret::IssuedSecret;
use backline_store::{PoolOptions, SqlStore};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Opens the configured database and applies pending migrations.
pub async fn open_core(config: &Config) -> anyhow::Result<Core> {
    let core = open_core_unmigrated(config).await?;
    core.store
        .migrate()
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate the database: {e}"))?;
    Ok(core)
}

/// Opens the configured database as it is (for `backline migrate`).
pub async fn open_core_unmigrated(config: &Config) -> anyhow::Result<Core> {
    let options = PoolOptions {
        max_connections: config.database_max_connections,
        ..PoolOptions::default()
    };
    let store = SqlStore::connect(&config.database_url, &options)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open database {}: {e}",
                redact_url(&config.database_url)
            )
        })?;
    let settings = CoreSettings {
        playercam_session_ttl_seconds: config.spectra.playercam_session_ttl_seconds,
    };
    Ok(Core::new(store, settings))
}

/// A server that is ready to accept connections.
pub struct Prepared {
    pub addr: SocketAddr,
    /// The admin token, when this start generated it (shown once).
    pub generated_admin_token: Option<IssuedSecret>,
    listener: TcpListener,
    state: AppState,
}

/// Opens the store and binds nothing yet: `listener` is already bound by the caller
/// (tests bind port 0).
pub async fn prepare(config: Config, listener: TcpListener) -> anyhow::Result<Prepared> {
    let core = open_core(&config).await?;
    let generated_admin_token = if config.admin_token.is_some() {
        None
    } else {
        core.ensure_admin_token().await?
    };
    let addr = listener.local_addr()?;
    let state = AppState {
        core,
        config: Arc::new(config),
    };
    Ok(Prepared {
        addr,
        generated_admin_token,
        listener,
        state,
    })
}

impl Prepared {
    /// Serves until `shutdown` resolves, then lets requests in flight finish (up to the
    /// configured grace period) and closes the store.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let grace = Duration::from_secs(self.state.config.shutdown_grace_seconds);
        let store = self.state.core.store.clone();
        let app = http::router(self.state);
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(self.listener, app).with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stopping_tx.send(());
        });
        let served = tokio::spawn(async move { server.await });
        tokio::pin!(served);
        tokio::select! {
            result = &mut served => result??,
            _ = async { let _ = stopping_rx.await; tokio::time::sleep(grace).await } => {
                tracing::warn!("requests still running after the grace period; stopping anyway");
                served.abort();
            }
        }
        store.close().await;
        Ok(())
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
