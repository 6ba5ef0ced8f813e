//! Every list a request carries is bounded: one over its bound is refused in the surface's
//! own shape, naming the field, and changes nothing; one at its bound is taken.

use crate::helpers::TestApp;
use crate::nakama_helpers::{raw_matches, register_broadcaster, rpc, signed_in};
use backline_domain::accounts::SystemGroup::GlobalBots;
use backline_domain::evr::bounds::{MAX_FEATURES, MAX_MATCH_IDS, MAX_REGIONS, MAX_ROLE_ALIGNMENTS};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    server_and_role_groups_are_bounded,
    evr_lists_are_bounded,
);

fn names(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i}")).collect()
}

async fn server_and_role_groups_are_bounded(app: &TestApp) {
    for (path, body) in [
        ("/servers", json!({"name": "Grouped", "game": "gmod"})),
        ("/roles", json!({"name": "Grouped", "ingame": "grouped"})),
    ] {
        let mut over = body.clone();
        over["groups"] = json!(names("g", 33));
        let r = app.admin(Method::POST, path, Some(over)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {r:?}");
        assert_eq!(
            r.body,
            json!({"error": "invalid", "message": "groups: at most 32 groups"}),
            "{path}"
        );
        let listed = app.admin(Method::GET, path, None).await;
        assert_eq!(listed.body["items"], json!([]), "{path}: nothing stored");

        let mut at = body.clone();
        at["groups"] = json!(names("g", 32));
        let r = app.admin(Method::POST, path, Some(at)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {r:?}");
        let id = r.body["id"].as_str().unwrap().to_owned();
        let stored = app.admin(Method::GET, &format!("{path}/{id}"), None).await;
        let key = if path == "/servers" {
            "groups"
        } else {
            "server_groups"
        };
        assert_eq!(
            stored.body[key].as_array().map(Vec::len),
            Some(32),
            "{path}: {}",
            stored.body
        );

        let r = app
            .admin(
                Method::PATCH,
                &format!("{path}/{id}"),
                Some(json!({"groups": names("h", 33)})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {r:?}");
        let after = app.admin(Method::GET, &format!("{path}/{id}"), None).await;
        assert_eq!(
            after.body[key], stored.body[key],
            "{path}: the groups stayed"
        );
    }
}

/// Nakama's INVALID_ARGUMENT (400, code 3) naming the field.
fn assert_refused(r: &crate::helpers::Reply, what: &str) {
    r.assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    assert!(
        r.body["message"].as_str().is_some_and(|m| m.contains(what)),
        "{what}: {}",
        r.body
    );
}

async fn evr_lists_are_bounded(app: &TestApp) {
    let (_, bot) = signed_in(app, "bot-user-1", &[GlobalBots]).await;

    // A broadcaster's features and regions.
    for (field, count) in [("features", MAX_FEATURES + 1), ("regions", MAX_REGIONS + 1)] {
        let mut body = json!({
            "server_id": 3427753309332680033u64, "internal_ip": "192.168.56.1",
            "external_ip": "174.58.161.237", "port": 6792, "version_lock": 1u64,
        });
        body[field] = json!(names("x", count));
        let r = rpc(app, "broadcaster/register", &bot, body).await;
        assert_refused(&r, &format!("at most {} {field}", count - 1));
    }
    assert!(
        raw_matches(app, &bot).await.is_empty(),
        "no broadcaster was registered"
    );

    let (_, idle) = register_broadcaster(
        app,
        &bot,
        json!({"features": names("f", MAX_FEATURES), "regions": names("r", MAX_REGIONS)}),
    )
    .await;

    // A preparation's required features and role alignments.
    let alignments = |count: usize| -> Value {
        (0..count)
            .map(|i| {
                (
                    format!("{}", 100_000_000_000_000_000u64 + i as u64),
                    json!("blue"),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let prepare = |extra: Value| {
        let mut body = json!({"id": idle, "mode": "echo_arena_private"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let r = rpc(
        app,
        "match/prepare",
        &bot,
        prepare(json!({"required_features": names("f", MAX_FEATURES + 1)})),
    )
    .await;
    assert_refused(&r, &format!("at most {MAX_FEATURES} features"));
    let r = rpc(
        app,
        "match/prepare",
        &bot,
        prepare(json!({"role_alignments": alignments(MAX_ROLE_ALIGNMENTS + 1)})),
    )
    .await;
    assert_refused(
        &r,
        &format!("at most {MAX_ROLE_ALIGNMENTS} role alignments"),
    );
    let listed = raw_matches(app, &bot).await;
    assert_eq!(
        listed[0]["label"]["mode"],
        json!(null),
        "the match is still idle: {}",
        listed[0]
    );

    // An allocation's regions.
    let r = rpc(
        app,
        "match/allocate",
        &bot,
        json!({"mode": "echo_arena_private", "regions": names("r", MAX_REGIONS + 1)}),
    )
    .await;
    assert_refused(&r, &format!("at most {MAX_REGIONS} regions"));

    // A listing's match ids: at the bound it answers, over it it is refused.
    let mut ids = names("00000000-0000-0000-0000-00000000000", MAX_MATCH_IDS - 1);
    ids.push(idle.clone());
    let r = rpc(app, "match", &bot, json!({"match_ids": ids})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.body["matches"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.body
    );
    ids.push("one-more".into());
    let r = rpc(app, "match", &bot, json!({"match_ids": ids})).await;
    assert_refused(&r, &format!("at most {MAX_MATCH_IDS} match ids"));

    // With required features at the bound the preparation is taken.
    let r = rpc(
        app,
        "match/prepare",
        &bot,
        prepare(json!({"required_features": names("f", MAX_FEATURES),
                       "role_alignments": alignments(MAX_ROLE_ALIGNMENTS)})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}
