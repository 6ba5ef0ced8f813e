//! A real Backline per story, and SDK clients pointed at it.

use backline_client::{Config, RetryPolicy, Transport};
use backline_domain::Clock;
use backline_server::config::{Config as ServerConfig, Secret as ServerSecret};
use backline_server::server;
use backline_store::testing::TestDatabase;
use backline_store::Backend;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const SERVER_KEY: &str = "client-test-server-key";
pub const HTTP_KEY: &str = "client-test-http-key";

/// A running server with its own database.
pub struct App {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The owner token the first start generated.
    pub admin_token: String,
    /// The server's clock: a story moves time instead of sleeping.
    pub clock: Clock,
    db: TestDatabase,
    stop: Option<oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl App {
    async fn spawn(backend: Backend) -> Option<Self> {
        let db = TestDatabase::create(backend).await?;
        let mut config = ServerConfig {
            database_url: db.url.clone(),
            database_max_connections: 4,
            ..ServerConfig::default()
        };
        config.nakama.server_key = Some(ServerSecret::new(SERVER_KEY));
        config.nakama.http_key = Some(ServerSecret::new(HTTP_KEY));
        config.ember.rate_limit_per_minute = 10_000;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let clock = Clock::adjustable();
        let prepared = server::prepare_with_clock(config, listener, clock.clone())
            .await
            .expect("the server starts");
        let admin_token = prepared
            .generated_admin_token
            .as_ref()
            .map(|t| t.expose().to_owned())
            .expect("a first start prints an admin token");
        let base = format!("http://{}", prepared.addr);
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(prepared.run(async move {
            let _ = stopped.await;
        }));
        Some(Self {
            base,
            admin_token,
            clock,
            db,
            stop: Some(stop),
            served,
        })
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.served).await;
        self.db.drop_database().await;
    }

    /// A transport to this server (or to `base`, a proxy in front of it) with short delays.
    pub fn transport_to(base: &str) -> Transport {
        Transport::with_config(base, quick_config()).expect("a transport")
    }

    pub fn transport(&self) -> Transport {
        Self::transport_to(&self.base)
    }

    pub fn admin(&self) -> backline_client::admin::AdminClient {
        backline_client::admin::AdminClient::new(self.transport(), self.admin_token.as_str())
    }
}

/// The production configuration with retry delays short enough for tests.
pub fn quick_config() -> Config {
    Config {
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_server_wait: Duration::from_secs(2),
        },
        ..Config::default()
    }
}

/// Runs `story` with a fresh server of `backend`, then stops it; skipped (returns) when
/// PostgreSQL is unreachable outside CI, as the server's own API tests are.
pub async fn with_app(backend: Backend, story: impl AsyncFnOnce(&App)) {
    let Some(app) = App::spawn(backend).await else {
        return;
    };
    story(&app).await;
    app.stop().await;
}
