//! The rest of the cache's invalidation paths across two nodes (the first ones are in
//! `revocations.rs`): a revoked stats token, a rotated game-server token, a logout of every
//! session, and roles and bans reaching the next poll. The node that made the change refuses
//! at once, the other within the bound; every node is warmed first.

use crate::harness::{sign_in, within_bound, Cluster, ADMIN_TOKEN};
use backline_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const STEAM_ID: &str = "76561198131926932";

async fn admin(
    cluster: &Cluster,
    on: usize,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let auth = format!("Bearer {ADMIN_TOKEN}");
    cluster
        .request(
            on,
            method,
            &format!("/admin/v1{path}"),
            &[("authorization", &auth)],
            body.as_ref(),
        )
        .await
        .unwrap()
}

async fn poll(cluster: &Cluster, on: usize, token: &str, body: Value) -> (StatusCode, Value) {
    let auth = format!("Bearer {token}");
    cluster
        .request(
            on,
            Method::POST,
            "/api/game/poll",
            &[("authorization", &auth)],
            Some(&body),
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stats_token_revoked_on_one_node_is_refused_there_at_once_and_by_the_other_within_the_bound(
) {
    let Some(cluster) = Cluster::start(Backend::Postgres, 2, &[]).await else {
        return;
    };
    let (status, issued) = admin(
        &cluster,
        0,
        Method::POST,
        "/tokens",
        Some(json!({"kind": "spectra-stats"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let token = issued["token"].as_str().unwrap().to_owned();
    let fetch = |on: usize| {
        let token = token.clone();
        let cluster = &cluster;
        async move {
            cluster
                .request(
                    on,
                    Method::POST,
                    "/spectra/stats/fetchPlayerMMR",
                    &[("authentication", &token)],
                    Some(&json!({"matchUuid": "m", "accountPuuids": ["p"]})),
                )
                .await
                .unwrap()
        }
    };
    for on in [0, 1, 0, 1] {
        let (status, body) = fetch(on).await;
        assert_eq!(status, StatusCode::OK, "node {on}: {body}");
        assert_eq!(body["results"][0]["puuid"], "p");
    }
    let id = issued["id"].as_str().unwrap();
    let (status, body) = admin(&cluster, 0, Method::DELETE, &format!("/tokens/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = fetch(0).await;
    assert_eq!(
        (status, body["error"].is_string()),
        (StatusCode::UNAUTHORIZED, true),
        "{body}"
    );
    within_bound(
        "node 1 refuses the revoked stats token",
        || fetch(1),
        |status, body| status == StatusCode::UNAUTHORIZED && body["error"].is_string(),
    )
    .await;
    cluster.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_token_rotated_on_one_node_is_refused_there_at_once_and_by_the_other_within_the_bound(
) {
    let Some(cluster) = Cluster::start(Backend::Postgres, 2, &[]).await else {
        return;
    };
    let (status, created) = admin(
        &cluster,
        0,
        Method::POST,
        "/servers",
        Some(json!({"name": "EU 1", "game": "gmod"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let old = created["token"].as_str().unwrap().to_owned();
    for on in [0, 1, 0, 1] {
        let (status, body) = poll(&cluster, on, &old, json!({})).await;
        assert_eq!(status, StatusCode::OK, "node {on}: {body}");
    }
    let (status, rotated) = admin(
        &cluster,
        0,
        Method::POST,
        &format!("/servers/{id}/token"),
        None,
    )
    .await;
    assert!(status.is_success(), "{status} {rotated}");
    let new = rotated["token"].as_str().unwrap().to_owned();
    let (status, body) = poll(&cluster, 0, &old, json!({})).await;
    assert_eq!(
        (status, body["message"].is_string()),
        (StatusCode::UNAUTHORIZED, true),
        "{body}"
    );
    within_bound(
        "node 1 refuses the old server token",
        || poll(&cluster, 1, &old, json!({})),
        |status, _| status == StatusCode::UNAUTHORIZED,
    )
    .await;
    for on in [0, 1] {
        let (status, body) = poll(&cluster, on, &new, json!({})).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "node {on} accepts the new token: {body}"
        );
        assert!(body["actions"].is_array(), "{body}");
    }
    cluster.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_of_every_session_on_one_node_is_refused_there_at_once_and_by_the_other_within_the_bound(
) {
    let Some(cluster) = Cluster::start(Backend::Postgres, 2, &[]).await else {
        return;
    };
    let first = sign_in(&cluster, 0, "everywhere-user").await;
    let second = sign_in(&cluster, 1, "everywhere-user").await;
    let lookup = |on: usize, token: &str| {
        let auth = format!("Bearer {token}");
        let cluster = &cluster;
        async move {
            cluster
                .request(
                    on,
                    Method::POST,
                    "/v2/rpc/account/lookup?unwrap",
                    &[("authorization", &auth)],
                    Some(&json!({"username": "nobody-by-that-name"})),
                )
                .await
                .unwrap()
        }
    };
    for on in [0, 1, 0, 1] {
        for token in [&first, &second] {
            let (status, body) = lookup(on, token).await;
            assert_eq!(
                (status, body["code"].clone()),
                (StatusCode::NOT_FOUND, json!(5)),
                "node {on}: {body}"
            );
        }
    }
    let auth = format!("Bearer {first}");
    let (status, body) = cluster
        .request(
            0,
            Method::POST,
            "/v2/session/logout",
            &[("authorization", &auth)],
            Some(&json!({})),
        )
        .await
        .unwrap();
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    for token in [&first, &second] {
        let (status, body) = lookup(0, token).await;
        assert_eq!(
            (status, body["code"].clone()),
            (StatusCode::UNAUTHORIZED, json!(16)),
            "node 0 at once: {body}"
        );
        within_bound(
            "node 1 refuses a session logged out everywhere",
            || lookup(1, token),
            |status, body| (status, body["code"].clone()) == (StatusCode::UNAUTHORIZED, json!(16)),
        )
        .await;
    }
    cluster.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_granted_and_a_ban_made_on_one_node_reach_the_next_poll_on_the_other() {
    let Some(cluster) = Cluster::start(Backend::Postgres, 2, &[]).await else {
        return;
    };
    let (status, created) = admin(
        &cluster,
        0,
        Method::POST,
        "/servers",
        Some(json!({"name": "EU 1", "game": "gmod"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    let (status, role) = admin(
        &cluster,
        0,
        Method::POST,
        "/roles",
        Some(json!({"name": "Admin", "ingame": "admin"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let role_id = role["id"].as_str().unwrap().to_owned();
    let connecting = json!({"players": {"steam": {"connecting": {"ids": [STEAM_ID]}}}});
    let player_actions = |body: &Value| -> Vec<Value> {
        body["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["type"] != "settings")
            .cloned()
            .collect()
    };
    for on in [0, 1, 0, 1] {
        let (status, body) = poll(&cluster, on, &token, connecting.clone()).await;
        assert_eq!(status, StatusCode::OK, "node {on}: {body}");
        assert_eq!(
            player_actions(&body),
            vec![
                json!({"type": "roles", "payload": {"player_steam_account_id": STEAM_ID, "exhaustive": true, "grant": [], "revoke": []}})
            ],
            "node {on}"
        );
    }
    let (status, body) = admin(
        &cluster,
        0,
        Method::PUT,
        &format!("/roles/{role_id}/grants/steam/{STEAM_ID}"),
        None,
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let (status, body) = poll(&cluster, 1, &token, connecting.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let exhaustive: Vec<Value> = player_actions(&body)
        .into_iter()
        .filter(|a| a["payload"]["execution_id"].is_null())
        .collect();
    assert_eq!(
        exhaustive,
        vec![
            json!({"type": "roles", "payload": {"player_steam_account_id": STEAM_ID, "exhaustive": true, "grant": ["admin"], "revoke": []}})
        ],
        "{body}"
    );
    let (status, body) = admin(
        &cluster,
        0,
        Method::POST,
        "/bans",
        Some(json!({"source": "steam", "account_id": STEAM_ID, "scope": "global", "reason": "Aimbot"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = poll(&cluster, 1, &token, connecting).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The poll on the other node saw the ban: the player gets one kick (the one the ban
    // queued, which this poll delivers in place of its own) and not the roles a poll unaware
    // of the ban sends.
    let actions = player_actions(&body);
    let kicks: Vec<&Value> = actions.iter().filter(|a| a["type"] == "command").collect();
    assert_eq!(kicks.len(), 1, "{body}");
    assert_eq!(
        kicks[0]["payload"]["command"], "kickid STEAM_0:0:85830602 \"Aimbot\"",
        "{body}"
    );
    assert!(actions.iter().all(|a| a["type"] != "roles"), "{body}");
    cluster.finish().await;
}
