//! The live event stream across nodes: events produced on one node reach subscribers on
//! every node through PostgreSQL's `LISTEN/NOTIFY` (the periodic read of the log is set to a
//! minute here, so only the notification can deliver them in time), in one id order.

use crate::harness::{Cluster, ADMIN_TOKEN};
use backline_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// An open `/events` stream on one node.
struct Subscriber {
    response: reqwest::Response,
    buffer: String,
}

impl Subscriber {
    async fn open(base: &str) -> Self {
        let response = reqwest::Client::new()
            .get(format!("{base}/events?kinds=match.*"))
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event's data within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if !data.is_empty() {
                    return Some(serde_json::from_str(&data).unwrap());
                }
                continue;
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }
}

/// Registers a Spectra match on node `on`.
async fn register(cluster: &Cluster, on: usize, token: &str, id: &str) {
    let body = json!({"match": {"matchId": id, "groupCode": format!("G-{id}"), "roundNumber": 0,
        "roundPhase": "LOBBY", "organizationId": "", "teams": []}});
    let (status, answer) = cluster
        .request(
            on,
            Method::POST,
            &format!("/spectra/system/match/{id}/register"),
            &[("x-user-token", token)],
            Some(&body),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_on_one_node_sees_events_produced_on_another() {
    let Some(cluster) = Cluster::start(
        Backend::Postgres,
        2,
        &[("BACKLINE_EVENTS__INTERVAL_MILLIS", "60000")],
    )
    .await
    else {
        return;
    };
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let (status, issued) = cluster
        .request(
            0,
            Method::POST,
            "/admin/v1/tokens",
            &[("authorization", &auth)],
            Some(&json!({"kind": "spectra-backend"})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let token = issued["token"].as_str().unwrap().to_owned();
    let mut on_a = Subscriber::open(&cluster.node(0).base).await;
    let mut on_b = Subscriber::open(&cluster.node(1).base).await;

    // Produced on node A, seen on node B at once.
    register(&cluster, 0, &token, "from-a").await;
    let seen = on_b
        .next(Duration::from_secs(5))
        .await
        .expect("node B sees node A's event");
    assert_eq!(
        (seen["kind"].as_str(), seen["payload"]["match_id"].as_str()),
        (Some("match.registered"), Some("from-a"))
    );

    // Events from both nodes, interleaved: both subscribers see all of them in one order.
    let ids: Vec<String> = (0..10).map(|i| format!("m-{i}")).collect();
    let produce = async {
        for (i, id) in ids.iter().enumerate() {
            register(&cluster, i % 2, &token, id).await;
        }
    };
    produce.await;
    // Node A's subscriber has not read the first event yet.
    let first = on_a.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(first["id"], seen["id"]);
    let mut orders = Vec::new();
    for subscriber in [&mut on_a, &mut on_b] {
        let mut order = Vec::new();
        while order.len() < 10 {
            let event = subscriber
                .next(Duration::from_secs(5))
                .await
                .unwrap_or_else(|| panic!("only {} events arrived: {order:?}", order.len()));
            order.push((
                event["id"].as_i64().unwrap(),
                event["payload"]["match_id"].as_str().unwrap().to_owned(),
            ));
        }
        orders.push(order);
    }
    assert_eq!(
        orders[0], orders[1],
        "both nodes hand out the same events in the same order"
    );
    let order = &orders[0];
    assert!(order.windows(2).all(|w| w[0].0 < w[1].0), "{order:?}");
    assert!(order[0].0 > seen["id"].as_i64().unwrap());
    let mut produced: Vec<_> = order.iter().map(|(_, m)| m.clone()).collect();
    produced.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(produced, expected);
    drop(on_a);
    drop(on_b);
    cluster.finish().await;
}
