//! Spawning a server per test and talking to it.

use backline_domain::Clock;
use backline_server::config::{Config, Secret};
use backline_server::server;
use backline_store::testing::TestDatabase;
use backline_store::{Backend, SqlStore};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub const MATCH_ID: &str = "0b8e6a1c-1111-4222-8333-944445555666";
pub const SERVER_KEY: &str = "test-server-key";
pub const HTTP_KEY: &str = "test-http-key";

/// A running server with its own database.
pub struct TestApp {
    pub base: String,
    /// The dedicated metrics listener, when `metrics_listen` is configured.
    pub metrics_base: Option<String>,
    pub config: Config,
    pub client: reqwest::Client,
    pub admin_token: String,
    pub db: TestDatabase,
    /// The running server's own store (its pools), e.g. to take the database away from it.
    pub server_store: SqlStore,
    /// The running server's cache over that store.
    pub server_cache: backline_server::server::ServerStore,
    /// The clock the server (its core, timers and limiters) and [`TestApp::core`] read: a
    /// test moves time forward with [`TestApp::advance`] instead of sleeping.
    pub clock: Clock,
    stop: Option<oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// A response: status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
    pub content_type: String,
}

impl TestApp {
    /// A server on a fresh database of `backend`, configured by `adjust`; `None` when
    /// PostgreSQL is unreachable outside CI.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        let db = TestDatabase::create(backend).await?;
        let mut config = Config {
            database_url: db.url.clone(),
            database_max_connections: 4,
            ..Config::default()
        };
        config.nakama.server_key = Some(Secret::new(SERVER_KEY));
        config.nakama.http_key = Some(Secret::new(HTTP_KEY));
        adjust(&mut config);
        let listener = backline_server::http::serve::bind(([127, 0, 0, 1], 0).into()).unwrap();
        let clock = Clock::adjustable();
        let prepared = server::prepare_with_clock(config.clone(), listener, clock.clone())
            .await
            .expect("server starts");
        let admin_token = prepared
            .generated_admin_token
            .as_ref()
            .map(|t| t.expose().to_owned())
            .unwrap_or_default();
        let base = format!("http://{}", prepared.addr);
        let metrics_base = prepared.metrics_addr.map(|a| format!("http://{a}"));
        let server_cache = prepared.core().store.clone();
        let server_store = server_cache.inner().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(prepared.run(async move {
            let _ = stopped.await;
        }));
        Some(Self {
            base,
            metrics_base,
            config,
            client: reqwest::Client::new(),
            admin_token,
            db,
            server_store,
            server_cache,
            clock,
            stop: Some(stop),
            served,
        })
    }

    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Stops the server and drops the database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.served).await;
        self.db.drop_database().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The use cases over this server's database, for set-up and for driving timers; they
    /// read the server's clock.
    pub async fn core(&self) -> backline_server::core::Core {
        server::open_core_with(&self.config, self.clock.clone())
            .await
            .expect("core opens")
            .0
    }

    /// Lets `by` pass for the server (sessions, keys, leases, bans and limiter windows age
    /// by it) without waiting.
    pub fn advance(&self, by: std::time::Duration) {
        self.clock.advance(by);
    }

    /// Makes the running server read its cache's change counters now, as it does at least
    /// every `cache.recheck_millis`: after a change made through another connection (as the
    /// CLI or another node would), the server's next request sees it.
    pub async fn sync_cache(&self) {
        self.server_cache
            .check_counters()
            .await
            .expect("the change counters are readable");
    }

    /// A second connection to the same database, to check what was stored.
    pub async fn store(&self) -> SqlStore {
        self.db.store().await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("the server answers");
        reply(response).await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send(Method::GET, path, headers, None).await
    }

    pub async fn post_json(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.send(
            Method::POST,
            path,
            &all,
            Some(serde_json::to_vec(body).unwrap()),
        )
        .await
    }

    /// An admin API call with the admin token.
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let auth = format!("Bearer {}", self.admin_token);
        let body = body.map(|b| serde_json::to_vec(&b).unwrap());
        self.send(
            method,
            &format!("/admin/v1{path}"),
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body,
        )
        .await
    }

    /// Creates an organisation (a supporter until `supporter_until` when given); its id.
    pub async fn create_org(&self, name: &str, supporter_until: Option<&str>) -> String {
        let r = self
            .admin(
                Method::POST,
                "/orgs",
                Some(json!({"name": name, "supporter_until": supporter_until})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// Issues an access key for the organisation; the key.
    pub async fn issue_key(&self, org_id: &str, expires_at: Option<&str>) -> String {
        let r = self
            .admin(
                Method::POST,
                &format!("/orgs/{org_id}/keys"),
                Some(json!({"expires_at": expires_at})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        r.body["access_key"].as_str().unwrap().to_owned()
    }

    /// Issues an API token of `kind` (`spectra-backend` or `spectra-stats`); the token.
    pub async fn issue_token(&self, kind: &str) -> String {
        let r = self
            .admin(Method::POST, "/tokens", Some(json!({"kind": kind})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        r.body["token"].as_str().unwrap().to_owned()
    }
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        body,
        text,
        content_type,
    }
}

impl Reply {
    /// Asserts the status and that the body is a JSON error of Backline's shape.
    pub fn assert_error(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{self:?}");
        assert!(
            self.content_type.starts_with("application/json"),
            "{self:?}"
        );
        assert!(
            self.body["error"].is_string() && self.body["message"].is_string(),
            "{self:?}"
        );
    }
}

/// A recorded Spectra body (`register`, `update` or `complete`) as JSON.
pub fn fixture_body(name: &str) -> Value {
    let path = format!(
        "{}/tests/data/spectra/{name}_body.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A fixture body rewritten for another match, group, round and phase.
pub fn match_body(name: &str, match_id: &str, group: &str, round: i64, phase: &str) -> Value {
    let mut body = fixture_body(name);
    let m = &mut body["match"];
    m["matchId"] = json!(match_id);
    m["groupCode"] = json!(group);
    m["roundNumber"] = json!(round);
    m["roundPhase"] = json!(phase);
    body
}

/// Runs `story` with a fresh server of `backend`, then stops it (the harness of
/// [`backline_store::stories!`]).
pub async fn with_app(backend: Backend, story: impl AsyncFnOnce(&TestApp)) {
    with_configured_app(backend, |_| {}, story).await
}

/// Runs `story` with a fresh server of `backend` configured by `adjust`, then stops it.
///
/// When the story panics, dropping the [`TestApp`] drops its PostgreSQL database.
pub async fn with_configured_app(
    backend: Backend,
    adjust: impl FnOnce(&mut Config),
    story: impl AsyncFnOnce(&TestApp),
) {
    let Some(app) = TestApp::spawn_with(backend, adjust).await else {
        return;
    };
    story(&app).await;
    app.stop().await;
}

/// Runs the `backline` binary on a database; success, stdout as JSON (`Null` when it is not),
/// and stderr.
pub async fn cli(database_url: &str, args: &[&str]) -> (bool, Value, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .arg("--database")
        .arg(database_url)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("the binary runs");
    let value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.success(),
        value,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A grant of the capability `C` for a test that calls a use case directly (as the CLI does:
/// an owner, audited as `cli` doing `test`).
pub fn grant<C: backline_server::core::access::Capability>(
) -> backline_server::core::access::Grant<C> {
    backline_server::core::access::Actor::cli("test")
        .grant::<C>()
        .expect("an owner has every capability")
}
