//! The EVR match timers run on every node; each of their steps acts once in the cluster:
//! a prepared match starts once, an empty match ends once and its broadcaster gets one new
//! idle match, a silent broadcaster is removed once.

use crate::harness::{rpc, sign_in, user_id_of, Cluster};
use backline_domain::accounts::SystemGroup;
use backline_domain::ids::UserId;
use backline_store::{Backend, UserStore};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const BROADCASTERS: usize = 9;

/// `(broadcaster id, phase)` of every stored match, ended ones included.
async fn stored_matches(pool: &sqlx::PgPool) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT id, broadcaster_id, phase FROM evr_matches ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// What the nodes' timers logged they did: `(started, ended, removed)` summed over nodes,
/// and the number of failed passes.
fn timer_work(cluster: &Cluster) -> ((u64, u64, u64), usize) {
    let (mut started, mut ended, mut removed, mut failed) = (0, 0, 0, 0);
    for node in &cluster.nodes {
        for line in node.log_text().lines() {
            let Ok(entry) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let message = entry["fields"]["message"].as_str().unwrap_or_default();
            if message.starts_with("match timers failed") {
                failed += 1;
            }
            if message != "match timers" {
                continue;
            }
            let pass = entry["fields"]["pass"].as_str().unwrap_or_default();
            let count = |name: &str| -> u64 {
                pass.split(&format!("{name}: "))
                    .nth(1)
                    .and_then(|rest| rest.split([',', ' ', '}']).next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0)
            };
            started += count("matches_started");
            ended += count("matches_ended");
            removed += count("broadcasters_removed");
        }
    }
    ((started, ended, removed), failed)
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_timers_running_on_three_nodes_act_once() {
    let Some(cluster) = Cluster::start(
        Backend::Postgres,
        3,
        &[
            ("BACKLINE_NAKAMA__TIMER_INTERVAL_MILLIS", "50"),
            ("BACKLINE_NAKAMA__PREPARED_MATCH_START_SECONDS", "1"),
            ("BACKLINE_NAKAMA__EMPTY_MATCH_END_SECONDS", "1"),
            ("BACKLINE_NAKAMA__BROADCASTER_TIMEOUT_SECONDS", "3"),
            ("BACKLINE_LOG_FORMAT", "json"),
            (
                "BACKLINE_LOG_LEVEL",
                "backline_server::core::evr::timers=info,warn",
            ),
        ],
    )
    .await
    else {
        return;
    };
    let bot = sign_in(&cluster, 0, "timer-bot").await;
    let store = cluster.store().await;
    store
        .add_group(
            &UserId::from_string(user_id_of(&bot)),
            SystemGroup::GlobalBots,
            None,
        )
        .await
        .unwrap();
    let mut broadcasters = Vec::new();
    for i in 0..BROADCASTERS {
        let (status, body) = rpc(
            &cluster,
            i,
            "broadcaster/register",
            &bot,
            &json!({
                "server_id": 1000 + i, "internal_ip": "10.0.0.1", "external_ip": "10.0.0.2",
                "port": 6792 + i, "version_lock": 1,
            }),
        )
        .await
        .unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        let (sid, idle) = (
            body["sid"].as_str().unwrap(),
            body["match_id"].as_str().unwrap(),
        );
        let (status, body) = rpc(
            &cluster,
            i + 1,
            "match/prepare",
            &bot,
            &json!({"id": idle, "mode": "echo_arena"}),
        )
        .await
        .unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        broadcasters.push((sid.to_owned(), idle.to_owned()));
    }
    let pool = sqlx::PgPool::connect(cluster.database_url()).await.unwrap();

    // Heartbeats (spread across the nodes) keep the broadcasters while their matches start
    // on the timer, stay empty and end.
    let heartbeating = std::sync::atomic::AtomicBool::new(true);
    let heartbeats = async {
        let mut n = 0;
        while heartbeating.load(std::sync::atomic::Ordering::SeqCst) {
            for (sid, _) in &broadcasters {
                n += 1;
                let (status, body) = rpc(
                    &cluster,
                    n,
                    "broadcaster/heartbeat",
                    &bot,
                    &json!({"sid": sid}),
                )
                .await
                .unwrap();
                assert_eq!(status, StatusCode::OK, "{body}");
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    let cycle = async {
        wait_for(
            "every prepared match to end and its broadcaster to get an idle match",
            async || {
                let rows = stored_matches(&pool).await;
                let ended = broadcasters.iter().all(|(_, first)| {
                    rows.iter()
                        .any(|(id, _, phase)| id == first && phase == "ended")
                });
                let idle = rows.iter().filter(|(_, _, phase)| phase == "idle").count();
                ended && idle == BROADCASTERS
            },
        )
        .await;
        // Many more passes of every node's timers: nothing else happens.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        heartbeating.store(false, std::sync::atomic::Ordering::SeqCst);
    };
    tokio::join!(heartbeats, cycle);

    let rows = stored_matches(&pool).await;
    let mut per_broadcaster = BTreeMap::<&str, Vec<&str>>::new();
    for (_, broadcaster, phase) in &rows {
        per_broadcaster.entry(broadcaster).or_default().push(phase);
    }
    for (sid, first) in &broadcasters {
        let mut phases = per_broadcaster[sid.as_str()].clone();
        phases.sort();
        assert_eq!(phases, ["ended", "idle"], "broadcaster {sid}: {rows:?}");
        assert!(rows
            .iter()
            .any(|(id, _, phase)| id == first && phase == "ended"));
    }
    let idle_by_node: BTreeMap<String, usize> = rows
        .iter()
        .filter(|(_, _, phase)| phase == "idle")
        .fold(BTreeMap::new(), |mut m, (id, _, _)| {
            *m.entry(id.rsplit('.').next().unwrap().to_owned())
                .or_default() += 1;
            m
        });
    let ((started, ended, _), failed) = timer_work(&cluster);
    assert_eq!(
        (started, ended, failed),
        (BROADCASTERS as u64, BROADCASTERS as u64, 0),
        "the nodes' timers together started and ended each match once"
    );

    // Without heartbeats the broadcasters go, each once, with their idle matches.
    wait_for("the silent broadcasters to be removed", async || {
        stored_matches(&pool)
            .await
            .iter()
            .all(|(_, _, phase)| phase == "ended")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows = stored_matches(&pool).await;
    assert_eq!(
        rows.len(),
        BROADCASTERS,
        "only the ended matches remain: {rows:?}"
    );
    let ((started, ended, removed), failed) = timer_work(&cluster);
    assert_eq!(
        (started, ended, removed, failed),
        (
            BROADCASTERS as u64,
            BROADCASTERS as u64,
            BROADCASTERS as u64,
            0
        ),
        "each broadcaster was removed once"
    );
    eprintln!("new idle matches created by the timers of {idle_by_node:?}");
    pool.close().await;
    store.close().await;
    cluster.finish().await;
}
