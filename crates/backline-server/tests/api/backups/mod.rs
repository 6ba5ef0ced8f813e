//! Backups and restore: `backline backup` under a mixed write load and what a restored copy
//! serves, the restore's refusals, the schedule and its rotation (SQLite); PostgreSQL's
//! `pg_dump -Fc` / `pg_restore` path as docs/operations.md gives it.

mod postgres;
mod refusals;
mod schedule;
mod under_load;

use backline_domain::Clock;
use backline_server::config::Config;
use backline_server::server;
use sha2::{Digest, Sha256};
use std::path::Path;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A server started on an existing database (a restored file, a restored PostgreSQL
/// database), to read back over HTTP what it holds.
pub struct Restored {
    pub base: String,
    pub client: reqwest::Client,
    stop: oneshot::Sender<()>,
    served: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Restored {
    pub async fn serve(database_url: &str) -> Self {
        let config = Config {
            database_url: database_url.to_owned(),
            database_max_connections: 2,
            ..Config::default()
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let prepared = server::prepare_with_clock(config, listener, Clock::adjustable())
            .await
            .expect("a server starts on the restored database");
        assert!(
            prepared.generated_admin_token.is_none(),
            "the restored database holds the admin token"
        );
        let base = format!("http://{}", prepared.addr);
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(prepared.run(async move {
            let _ = stopped.await;
        }));
        Self {
            base,
            client: reqwest::Client::new(),
            stop,
            served,
        }
    }

    /// `GET /admin/v1{path}` with `token`; status and JSON body.
    pub async fn admin_get(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .client
            .get(format!("{}/admin/v1{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or_default())
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.served.await.unwrap().unwrap();
    }
}

/// SHA-256 of a file's bytes (none when it does not exist): "left unchanged" is checked on
/// the bytes.
pub fn digest(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|bytes| hex::encode(Sha256::digest(bytes)))
}

/// Files in `dir` whose names start with `.`: temporary files left behind.
pub fn hidden_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with('.'))
        .collect()
}
