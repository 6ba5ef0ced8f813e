//! Revocations made on one node are refused by that node on the very next request and by
//! the others within the cache's bound (README, "The cache and its bound"): a Nakama logout,
//! a revoked Spectra access key (and backend token), and a disabled user (disabled with the
//! command line, another process: every node within the bound). Every node accepts the
//! credential first, so what a node could remember is warm.

use crate::harness::{basic, sign_in, user_id_of, within_bound, Cluster, ADMIN_TOKEN, SERVER_KEY};
use backline_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// `GET /v2/account` with a session on node `on`.
async fn account(cluster: &Cluster, on: usize, token: &str) -> (StatusCode, Value) {
    let auth = format!("Bearer {token}");
    cluster
        .request(
            on,
            Method::GET,
            "/v2/account",
            &[("authorization", &auth)],
            None,
        )
        .await
        .unwrap()
}

/// Asserts every node but `except` accepts the session (so anything a node could remember
/// is warm).
async fn accepted_by_others(cluster: &Cluster, except: usize, token: &str) {
    for i in (0..cluster.nodes.len()).filter(|i| *i != except) {
        let (status, body) = account(cluster, i, token).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "node {i} accepts the session: {body}"
        );
    }
}

/// Asserts node `at_once` refuses the session as Nakama does (401, gRPC code 16) on the very
/// next request (`None`: no node did the change), and every other node within the bound.
async fn refused_everywhere(cluster: &Cluster, token: &str, what: &str, at_once: Option<usize>) {
    let refused = |status: StatusCode, body: &Value| {
        (status, body["code"].clone()) == (StatusCode::UNAUTHORIZED, json!(16))
    };
    if let Some(node) = at_once {
        let (status, body) = account(cluster, node, token).await;
        assert!(
            refused(status, &body),
            "node {node} refuses the session after {what} on the next request: {status} {body}"
        );
    }
    for i in (0..cluster.nodes.len()).filter(|i| Some(*i) != at_once) {
        within_bound(
            &format!("node {i} refuses the session after {what}"),
            || account(cluster, i, token),
            refused,
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_node_is_refused_there_at_once_and_by_the_others_within_the_bound() {
    let Some(cluster) = Cluster::start(Backend::Postgres, 3, &[]).await else {
        return;
    };
    for (round, node_a) in [0, 1, 2].into_iter().enumerate() {
        let token = sign_in(&cluster, node_a, &format!("logout-user-{round}")).await;
        accepted_by_others(&cluster, node_a, &token).await;
        let auth = format!("Bearer {token}");
        let (status, body) = cluster
            .request(
                node_a,
                Method::POST,
                "/v2/session/logout",
                &[("authorization", &auth)],
                Some(&json!({"token": token})),
            )
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        refused_everywhere(&cluster, &token, "a logout", Some(node_a)).await;
        // Another user's session is untouched.
        let other = sign_in(&cluster, node_a, &format!("bystander-{round}")).await;
        accepted_by_others(&cluster, node_a, &other).await;
    }
    cluster.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_disabled_by_the_command_line_is_refused_by_every_node_within_the_bound() {
    let Some(cluster) = Cluster::start(Backend::Postgres, 3, &[]).await else {
        return;
    };
    let token = sign_in(&cluster, 0, "to-be-disabled").await;
    let user_id = user_id_of(&token);
    accepted_by_others(&cluster, 0, &token).await;
    // Users are disabled with the operator command (there is no HTTP route for it).
    let shown = cluster.cli(&["user", "disable", &user_id]);
    assert_eq!(shown["disabled"], true, "{shown}");
    refused_everywhere(&cluster, &token, "disabling the user", None).await;
    let auth = basic(SERVER_KEY);
    for i in 0..cluster.nodes.len() {
        let login = || async {
            cluster
                .request(
                    i,
                    Method::POST,
                    "/v2/account/authenticate/custom",
                    &[("authorization", &auth)],
                    Some(&json!({"id": "to-be-disabled"})),
                )
                .await
                .unwrap()
        };
        within_bound(
            &format!("node {i} refuses a new login"),
            login,
            |status, body| (status, body["code"].clone()) == (StatusCode::FORBIDDEN, json!(7)),
        )
        .await;
    }
    cluster.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_and_a_backend_token_revoked_on_one_node_are_refused_there_at_once_and_by_the_others_within_the_bound(
) {
    let Some(cluster) = Cluster::start(Backend::Postgres, 3, &[]).await else {
        return;
    };
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let admin_headers = [("authorization", admin.as_str())];
    let (status, org) = cluster
        .request(
            0,
            Method::POST,
            "/admin/v1/orgs",
            &admin_headers,
            Some(&json!({"name": "Cluster League"})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED, "{org}");
    let org_id = org["id"].as_str().unwrap();
    let mut issued = Vec::new();
    for i in 0..3 {
        let (status, key) = cluster
            .request(
                i,
                Method::POST,
                &format!("/admin/v1/orgs/{org_id}/keys"),
                &admin_headers,
                Some(&json!({})),
            )
            .await
            .unwrap();
        assert_eq!(status, StatusCode::CREATED, "{key}");
        let (status, token) = cluster
            .request(
                i,
                Method::POST,
                "/admin/v1/tokens",
                &admin_headers,
                Some(&json!({"kind": "spectra-backend"})),
            )
            .await
            .unwrap();
        assert_eq!(status, StatusCode::CREATED, "{token}");
        issued.push((
            key["access_key"].as_str().unwrap().to_owned(),
            token["token"].as_str().unwrap().to_owned(),
            token["id"].as_str().unwrap().to_owned(),
        ));
    }
    let validate = |node: usize, key: String, token: String| {
        let cluster = &cluster;
        async move {
            cluster
                .request(
                    node,
                    Method::GET,
                    &format!("/spectra/system/validateAccessKey/{key}"),
                    &[("x-user-token", &token)],
                    None,
                )
                .await
                .unwrap()
        }
    };
    // Revoke key i on node i: node i refuses it on the next request, i+1 and i+2 within the
    // bound.
    for (node_a, (key, _, _)) in issued.iter().enumerate() {
        let (_, other_token, _) = &issued[(node_a + 1) % 3];
        for b in 0..3 {
            let (status, body) = validate(b, key.clone(), other_token.clone()).await;
            assert_eq!(status, StatusCode::OK, "node {b} accepts the key: {body}");
            assert_eq!(body["id"], json!(org_id));
        }
        let (status, body) = cluster
            .request(
                node_a,
                Method::DELETE,
                &format!("/admin/v1/keys/{key}"),
                &admin_headers,
                None,
            )
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        let refused = |status: StatusCode, body: &Value| {
            (status, body["error"].is_string()) == (StatusCode::UNAUTHORIZED, true)
        };
        let (status, body) = validate(node_a, key.clone(), other_token.clone()).await;
        assert!(
            refused(status, &body),
            "node {node_a} refuses the key it revoked: {body}"
        );
        for b in 1..3 {
            let node_b = (node_a + b) % 3;
            within_bound(
                &format!("node {node_b} refuses the key revoked on node {node_a}"),
                || validate(node_b, key.clone(), other_token.clone()),
                refused,
            )
            .await;
        }
    }
    // A backend token revoked on one node is refused by the others.
    let fresh_key = {
        let (status, key) = cluster
            .request(
                0,
                Method::POST,
                &format!("/admin/v1/orgs/{org_id}/keys"),
                &admin_headers,
                Some(&json!({})),
            )
            .await
            .unwrap();
        assert_eq!(status, StatusCode::CREATED, "{key}");
        key["access_key"].as_str().unwrap().to_owned()
    };
    let (_, token, token_id) = &issued[0];
    for b in 0..3 {
        let (status, body) = validate(b, fresh_key.clone(), token.clone()).await;
        assert_eq!(status, StatusCode::OK, "node {b} accepts the token: {body}");
    }
    let (status, body) = cluster
        .request(
            0,
            Method::DELETE,
            &format!("/admin/v1/tokens/{token_id}"),
            &admin_headers,
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = validate(0, fresh_key.clone(), token.clone()).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "node 0 refuses the token it revoked: {body}"
    );
    for node_b in [1, 2] {
        within_bound(
            &format!("node {node_b} refuses the backend token revoked on node 0"),
            || validate(node_b, fresh_key.clone(), token.clone()),
            |status, _| status == StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    cluster.finish().await;
}
