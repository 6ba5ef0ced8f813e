//! Crash safety: one `backline serve` under a mixed write load is killed with SIGKILL at a
//! random moment, again and again, and restarted on the same database (a SQLite file, or
//! PostgreSQL). After every restart each write the client saw acknowledged is stored as
//! acknowledged, and nothing stored is half-written. `BACKLINE_CRASH_KILLS` sets the
//! number of kills (default 20).

mod check;
mod load;

use crate::harness::{sign_in, user_id_of, Cluster, ADMIN_TOKEN};
use backline_domain::accounts::SystemGroup;
use backline_domain::ember::actions::ActionKind;
use backline_domain::ids::UserId;
use backline_server::core::ember::executions::Target;
use backline_server::core::ember::servers::NewServer;
use backline_store::{Backend, UserStore};
use load::{Ledger, Worker};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const DEFAULT_KILLS: usize = 20;
const WORKERS: usize = 6;

fn kills() -> usize {
    std::env::var("BACKLINE_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_KILLS)
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/data/spectra/{name}_body.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A small xorshift generator: the kill moments vary from run to run, and the seed is
/// printed so a failing run can be told apart.
struct Moments(u64);

impl Moments {
    fn next_millis(&mut self, from: u64, to: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        from + self.0 % (to - from)
    }
}

async fn set_up_workers(cluster: &Cluster) -> Vec<Worker> {
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let (status, token) = cluster
        .request(
            0,
            Method::POST,
            "/admin/v1/tokens",
            &[("authorization", &admin)],
            Some(&json!({"kind": "spectra-backend"})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let spectra_token = token["token"].as_str().unwrap().to_owned();
    let core = cluster.core().await;
    let mut workers = Vec::new();
    for index in 0..WORKERS {
        let server = core
            .create_server(
                &backline_server::core::access::Actor::cli("test")
                    .grant::<backline_server::core::access::Administer>()
                    .expect("an owner has every capability"),
                NewServer {
                    name: format!("Crash {index}"),
                    game: "gmod".into(),
                    address: None,
                    groups: vec!["crash".into()],
                    poll_interval_seconds: Some(5),
                },
            )
            .await
            .unwrap();
        let bot = sign_in(cluster, 0, &format!("crash-bot-{index}")).await;
        core.store
            .add_group(
                &UserId::from_string(user_id_of(&bot)),
                SystemGroup::GlobalBots,
                None,
            )
            .await
            .unwrap();
        workers.push(Worker::new(
            index,
            spectra_token.clone(),
            server.token.expose().to_owned(),
            bot,
            [fixture("update"), fixture("complete")],
        ));
    }
    core.store.close().await;
    workers
}

async fn acknowledged_writes_survive_sigkill(backend: Backend) {
    let Some(mut cluster) = Cluster::start(
        backend,
        1,
        &[
            // No timer may end or retire anything while the test runs, however long.
            ("BACKLINE_NAKAMA__BROADCASTER_TIMEOUT_SECONDS", "864000"),
            ("BACKLINE_NAKAMA__PREPARED_MATCH_START_SECONDS", "864000"),
            ("BACKLINE_NAKAMA__EMPTY_MATCH_END_SECONDS", "864000"),
        ],
    )
    .await
    else {
        return;
    };
    let started = Instant::now();
    let kills = kills();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut moments = Moments(seed);
    let mut workers = set_up_workers(&cluster).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut ledger = Mutex::new(Ledger::default());
    for kill in 1..=kills {
        // Work for the polls: executions for every server, queued as an operator would.
        let core = cluster.core().await;
        for _ in 0..2 {
            core.queue_action(
                &backline_server::core::access::Actor::cli("test")
                    .grant::<backline_server::core::access::Administer>()
                    .expect("an owner has every capability"),
                &Target::All,
                ActionKind::Command,
                "say crash",
                None,
                false,
            )
            .await
            .unwrap();
        }
        core.store.close().await;

        let before = ledger.get_mut().unwrap().acknowledged;
        let base = cluster.nodes[0].base.clone();
        let moment = Duration::from_millis(moments.next_millis(20, 300));
        let load =
            futures::future::join_all(workers.iter_mut().map(|w| w.run(&client, &base, &ledger)));
        let node = &mut cluster.nodes[0];
        let ledger_ref = &ledger;
        // The moment counts from the first acknowledged write of the round, so the load is
        // surely running when the node dies.
        let killer = async move {
            let waiting = Instant::now();
            while ledger_ref.lock().unwrap().acknowledged == before {
                assert!(
                    waiting.elapsed() < Duration::from_secs(20),
                    "kill {kill}: no write acknowledged in 20 s; the node's log:\n{}",
                    node.log_text()
                );
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            tokio::time::sleep(moment).await;
            node.kill();
        };
        tokio::join!(load, killer);
        let ledger = ledger.get_mut().unwrap();

        cluster.restart(0).await;
        let core = cluster.core().await;
        let context = format!(
            "{} kill {kill} of {kills} (seed {seed}, after {moment:?})",
            backend.name()
        );
        check::check(&core.store, ledger, kill == kills, &context).await;
        core.store.close().await;
    }
    let ledger = ledger.get_mut().unwrap();
    eprintln!(
        "crash safety on {}: {kills} SIGKILLs, {} acknowledged writes checked after every restart \
         ({} Spectra matches, {} bans, {} executions delivered by polls, {} finishes, {} broadcasters, \
         {} preparations, {} logins, {} joins), seed {seed}, {:?}",
        backend.name(),
        ledger.acknowledged,
        ledger.matches.len(),
        ledger.bans.len(),
        ledger.delivered.len(),
        ledger.finished.len(),
        ledger.broadcasters.len(),
        ledger.prepared.len(),
        ledger.users.len(),
        ledger.joined.len(),
        started.elapsed()
    );
    cluster.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_acknowledged_writes_survive_repeated_sigkills() {
    acknowledged_writes_survive_sigkill(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_acknowledged_writes_survive_repeated_sigkills() {
    acknowledged_writes_survive_sigkill(Backend::Postgres).await
}
