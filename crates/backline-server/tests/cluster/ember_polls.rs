//! Game-integration polls spread across three nodes, all with one server's token, rushing
//! at bursts of queued executions while more are queued: every execution goes to exactly
//! one poll, and is stored as finished after one delivery.

use crate::harness::Cluster;
use backline_domain::ember::actions::ActionKind;
use backline_server::core::ember::executions::Target;
use backline_server::core::ember::servers::NewServer;
use backline_store::{Backend, ExecutionStore};
use reqwest::{Method, StatusCode};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const ROUNDS: usize = 10;
const BURST: usize = 100;
const TRICKLE: usize = 20;
const EXECUTIONS: usize = ROUNDS * (BURST + TRICKLE);
const POLLERS_PER_NODE: usize = 4;
const PRODUCERS: usize = 4;

/// What one poller saw: its node, how many polls it made, the execution ids it received.
struct Poller {
    node: usize,
    polls: usize,
    received: Vec<i64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_polls_spread_across_three_nodes_deliver_every_execution_exactly_once() {
    // Small batches: more polls compete for the same rows.
    let Some(cluster) =
        Cluster::start(Backend::Postgres, 3, &[("BACKLINE_EMBER__POLL_BATCH", "4")]).await
    else {
        return;
    };
    let started = Instant::now();
    let core = cluster.core().await;
    let issued = core
        .create_server(
            &backline_server::core::access::Actor::cli("test")
                .grant::<backline_server::core::access::Administer>()
                .expect("an owner has every capability"),
            NewServer {
                name: "Shared token".into(),
                game: "gmod".into(),
                address: None,
                groups: vec![],
                poll_interval_seconds: Some(5),
            },
        )
        .await
        .unwrap();
    let server_id = issued.server.id.to_string();
    let auth = format!("Bearer {}", issued.token.expose());
    let produced = AtomicBool::new(false);

    // `count` executions queued by four operators at once; their ids.
    let queue = |first: usize, count: usize| {
        let (core, server_id) = (&core, &server_id);
        async move {
            let streams = (0..PRODUCERS).map(|stream| async move {
                let mut queued = Vec::new();
                for i in (first + stream..first + count).step_by(PRODUCERS) {
                    let executions = core
                        .queue_action(
                            &backline_server::core::access::Actor::cli("test")
                                .grant::<backline_server::core::access::Administer>()
                                .expect("an owner has every capability"),
                            &Target::Server(server_id.clone()),
                            ActionKind::Command,
                            &format!("say {i}"),
                            None,
                            false,
                        )
                        .await
                        .unwrap();
                    queued.extend(executions.iter().map(|e| e.id.0));
                }
                queued
            });
            futures::future::join_all(streams).await.concat()
        }
    };
    let poller = |p: usize| {
        let (cluster, auth, produced) = (&cluster, &auth, &produced);
        async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut seen = Poller {
                node: p % 3,
                polls: 0,
                received: Vec::new(),
            };
            let headers = [("authorization", auth.as_str())];
            loop {
                assert!(Instant::now() < deadline, "poller {p} never finished");
                let done_before = produced.load(Ordering::SeqCst);
                let (status, body) = cluster
                    .request(p, Method::POST, "/api/game/poll", &headers, None)
                    .await
                    .unwrap();
                assert_eq!(status, StatusCode::OK, "{body}");
                seen.polls += 1;
                let ids: Vec<i64> = body["actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|a| a["payload"]["execution_id"].as_i64())
                    .collect();
                if ids.is_empty() {
                    if done_before {
                        return seen;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                // Finish each one on another node than the one that delivered it.
                let finishes = ids.iter().map(|id| async move {
                    let path = format!("/api/game/actions/executions/{id}/finish");
                    let (status, body) = cluster
                        .request(p + 1, Method::PATCH, &path, &headers, None)
                        .await
                        .unwrap();
                    assert_eq!(status, StatusCode::NO_CONTENT, "finish {id}: {body}");
                });
                futures::future::join_all(finishes).await;
                seen.received.extend(ids);
            }
        }
    };
    // Each round: a burst queued while nobody polls, then every poller rushes at it while
    // more executions are queued.
    let mut queued = Vec::new();
    let mut pollers = Vec::new();
    for round in 0..ROUNDS {
        let first = round * (BURST + TRICKLE);
        queued.extend(queue(first, BURST).await);
        produced.store(false, Ordering::SeqCst);
        let trickle = async {
            let ids = queue(first + BURST, TRICKLE).await;
            produced.store(true, Ordering::SeqCst);
            ids
        };
        let (more, drained) = tokio::join!(
            trickle,
            futures::future::join_all((0..3 * POLLERS_PER_NODE).map(poller))
        );
        queued.extend(more);
        pollers.extend(drained);
    }

    let mut delivered: Vec<i64> = pollers.iter().flat_map(|p| p.received.clone()).collect();
    let total = delivered.len();
    delivered.sort_unstable();
    delivered.dedup();
    assert_eq!(
        total,
        delivered.len(),
        "{} executions went to two polls",
        total - delivered.len()
    );
    queued.sort_unstable();
    assert_eq!(delivered, queued, "every execution was delivered once");
    let mut per_node = BTreeMap::<usize, usize>::new();
    for p in &pollers {
        *per_node.entry(p.node).or_default() += p.received.len();
    }
    assert_eq!(per_node.len(), 3, "every node delivered some: {per_node:?}");
    assert!(per_node.values().all(|n| *n > 0), "{per_node:?}");

    let stored = core
        .store
        .list_executions(Some(&issued.server.id), None, 10 * EXECUTIONS as i64)
        .await
        .unwrap();
    assert_eq!(stored.len(), EXECUTIONS);
    for execution in &stored {
        assert_eq!(
            (execution.status.as_str(), execution.attempts),
            ("finished", 1),
            "execution {} is stored as delivered once and finished: {execution:?}",
            execution.id.0
        );
        assert!(execution.finished_at.is_some() && execution.error.is_none());
    }
    let polls: usize = pollers.iter().map(|p| p.polls).sum();
    eprintln!(
        "{EXECUTIONS} executions, {polls} polls by {} pollers on 3 nodes in {ROUNDS} rounds, delivered per node {per_node:?}, in {:?}",
        3 * POLLERS_PER_NODE,
        started.elapsed()
    );
    core.store.close().await;
    cluster.finish().await;
}
