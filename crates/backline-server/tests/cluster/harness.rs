//! Real `backline serve` processes on one database: start them on free ports, wait until
//! they answer `/healthz`, spread requests across them, kill them (SIGKILL) on purpose or
//! when the test ends, panics included, and drop the test database afterwards.

use backline_server::config::Config;
use backline_server::core::Core;
use backline_store::testing::TestDatabase;
use backline_store::{Backend, SqlStore};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SERVER_KEY: &str = "cluster-server-key";
pub const HTTP_KEY: &str = "cluster-http-key";
pub const ADMIN_TOKEN: &str = "cluster-admin-token-0123456789";

/// How long a node may take to print its address and answer `/healthz`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// One `backline serve` process.
pub struct Node {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The node name (`nakama.node`), the suffix of the match ids it creates.
    pub name: String,
    child: Child,
    log: PathBuf,
}

impl Node {
    /// Starts `backline serve` on `database_url` with a free port chosen by the server
    /// (`127.0.0.1:0`, read back from the line it prints) and the `BACKLINE_*` settings in
    /// `env`; returns once `/healthz` answers 200.
    pub async fn start(
        database_url: &str,
        name: &str,
        log: PathBuf,
        env: &[(String, String)],
    ) -> Node {
        let mut command = Command::new(env!("CARGO_BIN_EXE_backline"));
        command.arg("serve");
        // Only the settings given here: nothing from the environment of the test run.
        for (key, _) in std::env::vars() {
            if key.starts_with("BACKLINE_") {
                command.env_remove(key);
            }
        }
        let log_file = std::fs::File::create(&log).expect("a log file");
        command
            .env_remove("RUST_LOG")
            .env("BACKLINE_LISTEN", "127.0.0.1:0")
            .env("BACKLINE_DATABASE_URL", database_url)
            .env("BACKLINE_DATABASE_MAX_CONNECTIONS", "4")
            .env("BACKLINE_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("BACKLINE_LOG_LEVEL", "warn")
            .env("BACKLINE_NAKAMA__SERVER_KEY", SERVER_KEY)
            .env("BACKLINE_NAKAMA__HTTP_KEY", HTTP_KEY)
            .env("BACKLINE_NAKAMA__NODE", name)
            .env("BACKLINE_EMBER__RATE_LIMIT_PER_MINUTE", "1000000")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file);
        let mut child = command.spawn().expect("the backline binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (address_tx, address_rx) = tokio::sync::oneshot::channel::<String>();
        // Reads the address, then keeps draining stdout so the node never blocks on it.
        std::thread::spawn(move || {
            let mut address_tx = Some(address_tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(address) = line.strip_prefix("Backline listening on ") {
                    if let Some(tx) = address_tx.take() {
                        let _ = tx.send(address.trim().to_owned());
                    }
                }
            }
        });
        let mut node = Node {
            base: String::new(),
            name: name.to_owned(),
            child,
            log,
        };
        match tokio::time::timeout(START_TIMEOUT, address_rx).await {
            Ok(Ok(address)) => node.base = address,
            _ => panic!(
                "node {name} printed no address; its log:\n{}",
                node.log_text()
            ),
        }
        node.wait_healthy().await;
        node
    }

    async fn wait_healthy(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let ok = client
                .get(format!("{}/healthz", self.base))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK);
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "node {} never became healthy; its log:\n{}",
                self.name,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What the node logged (warnings and errors).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process with SIGKILL (no shutdown of any kind) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Several nodes on one fresh database.
///
/// When a story panics and never calls [`Cluster::finish`], dropping the cluster still
/// cleans up: the fields drop in order, so the nodes are killed first, then the
/// [`TestDatabase`] drops its database (a PostgreSQL one from a thread of its own).
pub struct Cluster {
    pub nodes: Vec<Node>,
    pub client: reqwest::Client,
    db: Option<TestDatabase>,
    env: Vec<(String, String)>,
    dir: tempfile::TempDir,
    started: usize,
}

impl Cluster {
    /// `count` nodes (`node-0`, `node-1`, …) started at once on a new database of `backend`
    /// with the extra settings `env`; `None` when PostgreSQL is unreachable outside CI.
    pub async fn start(backend: Backend, count: usize, env: &[(&str, &str)]) -> Option<Self> {
        let db = TestDatabase::create(backend).await?;
        let mut cluster = Cluster {
            nodes: Vec::new(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            db: Some(db),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            dir: tempfile::tempdir().expect("a temporary folder"),
            started: 0,
        };
        let starts = (0..count).map(|i| cluster.spawn_node(i));
        let nodes = futures::future::join_all(starts).await;
        cluster.started = count;
        cluster.nodes = nodes;
        Some(cluster)
    }

    fn spawn_node(&self, index: usize) -> impl std::future::Future<Output = Node> {
        let url = self.database_url().to_owned();
        let name = format!("node-{index}");
        let log = self
            .dir
            .path()
            .join(format!("node-{index}-{}.log", self.started));
        let env = self.env.clone();
        async move { Node::start(&url, &name, log, &env).await }
    }

    pub fn database_url(&self) -> &str {
        &self.db.as_ref().expect("the database").url
    }

    /// Node `i` modulo the number of nodes: callers spread requests by counting.
    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i % self.nodes.len()]
    }

    /// Kills node `i` with SIGKILL and starts a new process in its place (same name, same
    /// database, a new port).
    pub async fn restart(&mut self, i: usize) {
        self.nodes[i].kill();
        self.started += 1;
        let node = self.spawn_node(i).await;
        self.nodes[i] = node;
    }

    /// The use cases over the database, as the operator commands use them.
    pub async fn core(&self) -> Core {
        let config = Config {
            database_url: self.database_url().to_owned(),
            database_max_connections: 4,
            ..Config::default()
        };
        backline_server::server::open_core(&config)
            .await
            .expect("core opens")
            .0
    }

    /// A store on the database, to check what was stored.
    pub async fn store(&self) -> SqlStore {
        self.db.as_ref().expect("the database").store().await
    }

    /// A JSON request to node `i`; status and body (`Null` when not JSON). A failed
    /// connection is an `Err` (the node may have been killed).
    pub async fn request(
        &self,
        i: usize,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> reqwest::Result<(StatusCode, Value)> {
        send(
            &self.client,
            &self.node(i).base,
            method,
            path,
            headers,
            body,
        )
        .await
    }

    /// Runs the `backline` command line on the database; its stdout as JSON.
    pub fn cli(&self, args: &[&str]) -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_backline"))
            .arg("--database")
            .arg(self.database_url())
            .arg("--json")
            .args(args)
            .env_remove("RUST_LOG")
            .output()
            .expect("the binary runs");
        assert!(
            out.status.success(),
            "backline {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// Stops every node and drops the database.
    pub async fn finish(mut self) {
        self.nodes.clear();
        if let Some(db) = self.db.take() {
            db.drop_database().await;
        }
    }
}

/// A JSON request to `base`; status and body (`Null` when not JSON).
pub async fn send(
    client: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> reqwest::Result<(StatusCode, Value)> {
    let mut request = client.request(method, format!("{base}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap());
    }
    let response = request.send().await?;
    let status = response.status();
    let bytes = response.bytes().await?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// How long a change made on one node (or by the command line) may go unseen by another:
/// the README's bound (twice the default `cache.recheck_millis`: 250 ms) plus the time of a
/// request on a busy test machine. Never more than the 1 s the issue allows.
pub const CACHE_DEADLINE: Duration = Duration::from_millis(750);

/// Sends `request` until `done` holds for its answer; panics with the last answer once
/// [`CACHE_DEADLINE`] has passed. How long it took.
pub async fn within_bound<F, Fut>(
    what: &str,
    request: F,
    done: impl Fn(StatusCode, &Value) -> bool,
) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = (StatusCode, Value)>,
{
    let start = Instant::now();
    loop {
        let (status, body) = request().await;
        if done(status, &body) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < CACHE_DEADLINE,
            "{what}: not seen within {CACHE_DEADLINE:?}; last answer {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `Basic` authorization with a Nakama key.
pub fn basic(key: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

/// The user id (`uid` claim) of a session token.
pub fn user_id_of(token: &str) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64"),
    )
    .expect("JSON claims");
    claims["uid"].as_str().expect("uid").to_owned()
}

/// A new user signed in with a custom id on node `on`; the session token.
pub async fn sign_in(cluster: &Cluster, on: usize, custom_id: &str) -> String {
    let auth = basic(SERVER_KEY);
    let (status, body) = cluster
        .request(
            on,
            Method::POST,
            "/v2/account/authenticate/custom?create=true",
            &[("authorization", &auth)],
            Some(&serde_json::json!({"id": custom_id})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

/// An RPC (`?unwrap`) with a session token on node `on`.
pub async fn rpc(
    cluster: &Cluster,
    on: usize,
    id: &str,
    token: &str,
    payload: &Value,
) -> reqwest::Result<(StatusCode, Value)> {
    let auth = format!("Bearer {token}");
    cluster
        .request(
            on,
            Method::POST,
            &format!("/v2/rpc/{id}?unwrap"),
            &[("authorization", &auth)],
            Some(payload),
        )
        .await
}
