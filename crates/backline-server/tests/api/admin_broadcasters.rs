//! EVR broadcasters through the admin API and the CLI: registered over the Nakama RPCs, then
//! listed in pages and filtered, shown with their owner and matches, and removed as EVR's
//! unregister removes them; each role held to its writes, every rejection in the admin shape.

use crate::admin_roles::{as_token, issue};
use crate::helpers::{cli, Reply, TestApp};
use crate::nakama_helpers::{raw_matches, register_broadcaster, rpc, run_timers_in, signed_in};
use backline_domain::accounts::SystemGroup::{GlobalBots, GlobalPrivateDataAccess};
use backline_domain::ids::{BroadcasterId, UserId};
use backline_domain::Timestamp;
use backline_store::EvrStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    broadcasters_are_listed_in_pages_with_their_state_and_filters,
    a_broadcaster_is_shown_with_its_owner_and_its_matches,
    removing_a_broadcaster_unregisters_it_as_evr_does,
    broadcaster_routes_refuse_bad_input_in_the_admin_shape,
    only_an_owner_removes_a_broadcaster,
    broadcasters_are_listed_shown_and_removed_through_the_cli,
);

pub const GROUP: &str = "e6a5387f-506e-4f05-99cf-977417a146ae";
pub const VERSION_LOCK: &str = "14280634968751706381";

/// A signed-in operator who may prepare matches and sees raw labels; user id and token.
pub async fn operator(app: &TestApp, name: &str) -> (String, String) {
    signed_in(app, name, &[GlobalBots, GlobalPrivateDataAccess]).await
}

/// Registers a broadcaster after a short pause, so registration (and idle match creation)
/// times are distinct and list orders are deterministic; `(sid, idle match id)`.
pub async fn registered(app: &TestApp, token: &str, extra: Value) -> (String, String) {
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    register_broadcaster(app, token, extra).await
}

/// Prepares the idle match `id` as the operator `token`.
pub async fn prepare(app: &TestApp, token: &str, id: &str, mode: &str) {
    let r = rpc(app, "match/prepare", token, json!({"id": id, "mode": mode})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

/// The `items` of a page answer (asserting 200).
pub fn items(r: &Reply) -> Vec<Value> {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["items"].as_array().unwrap().clone()
}

pub fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn listed(app: &TestApp, query: &str) -> Vec<String> {
    ids(&items(
        &app.admin(Method::GET, &format!("/broadcasters{query}"), None)
            .await,
    ))
}

/// Moves a broadcaster's last heartbeat back by `seconds` (as if it had gone quiet).
async fn silence(app: &TestApp, sid: &str, operator: &str, seconds: i64) {
    let store = app.store().await;
    let touched = store
        .touch_broadcaster(
            &BroadcasterId::from_string(sid),
            &UserId::from_string(operator),
            Timestamp::now().plus_seconds(-seconds),
        )
        .await
        .unwrap();
    store.close().await;
    assert!(touched);
}

async fn heartbeat(app: &TestApp, token: &str, sid: &str) -> Reply {
    rpc(app, "broadcaster/heartbeat", token, json!({"sid": sid})).await
}

async fn broadcasters_are_listed_in_pages_with_their_state_and_filters(app: &TestApp) {
    let (a_id, a) = operator(app, "operator-a").await;
    let (b_id, b) = operator(app, "operator-b").await;
    let (b1, b1_idle) = registered(
        app,
        &a,
        json!({"regions": ["uscn"], "features": ["kick", "blue_team"], "group_ids": [GROUP], "port": 1}),
    )
    .await;
    let (b2, b2_idle) = registered(app, &a, json!({"regions": ["euw"], "port": 2})).await;
    let (b3, _) = registered(
        app,
        &a,
        json!({"regions": ["0xf1e60114d33c122a"], "port": 3, "version_lock": 7}),
    )
    .await;
    let (b4, _) = registered(app, &b, json!({"regions": ["euw"], "port": 4})).await;
    prepare(app, &a, &b1_idle, "echo_arena_private").await;

    let all = items(&app.admin(Method::GET, "/broadcasters", None).await);
    assert_eq!(
        ids(&all),
        vec![&*b1, &*b2, &*b3, &*b4],
        "oldest registration first"
    );
    let first = &all[0];
    assert_eq!(first["state"], "in_match");
    assert_eq!(first["current_match"]["id"], json!(b1_idle));
    assert_eq!(first["current_match"]["state"], "prepared");
    assert_eq!(first["current_match"]["mode"], "echo_arena_private");
    assert_eq!(first["idle_match_id"], Value::Null);
    assert_eq!(first["operator_id"], json!(a_id));
    assert_eq!(first["endpoint"], "192.168.56.1:174.58.161.237:1");
    assert_eq!(first["features"], json!(["blue_team", "kick"]));
    assert_eq!(first["group_ids"], json!([GROUP]));
    let raw = app.admin(Method::GET, "/broadcasters", None).await;
    assert!(
        raw.text
            .contains(&format!("\"version_lock\":{VERSION_LOCK}"))
            && raw.text.contains("\"server_id\":3427753309332680033"),
        "u64 numbers emitted exactly: {}",
        raw.text
    );
    assert_eq!(all[1]["state"], "idle");
    assert_eq!(all[1]["idle_match_id"], json!(b2_idle));
    assert_eq!(all[1]["current_match"], Value::Null);

    // Two pages, then the end.
    let page = app.admin(Method::GET, "/broadcasters?limit=3", None).await;
    assert_eq!(ids(&items(&page)), vec![&*b1, &*b2, &*b3]);
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .admin(
            Method::GET,
            &format!("/broadcasters?limit=3&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(ids(&items(&rest)), vec![&*b4]);
    assert_eq!(rest.body["next_cursor"], Value::Null);

    // Filters.
    assert_eq!(listed(app, &format!("?operator={b_id}")).await, vec![&*b4]);
    assert_eq!(
        listed(app, "?operator=nobody-at-all").await,
        Vec::<String>::new()
    );
    assert_eq!(listed(app, "?region=uscn").await, vec![&*b1]);
    assert_eq!(listed(app, "?region=EUW").await, vec![&*b2, &*b4]);
    assert_eq!(
        listed(app, "?region=us-central-2").await,
        vec![&*b3],
        "a region name finds its symbol"
    );
    assert_eq!(listed(app, "?features=kick,blue_team").await, vec![&*b1]);
    assert_eq!(
        listed(app, "?features=kick,nope").await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(app, "?features=blue%25").await,
        Vec::<String>::new(),
        "wildcards are literal"
    );
    assert_eq!(listed(app, "?version_lock=7").await, vec![&*b3]);
    assert_eq!(
        listed(app, &format!("?version_lock={VERSION_LOCK}")).await,
        vec![&*b1, &*b2, &*b4]
    );
    assert_eq!(listed(app, &format!("?group_id={GROUP}")).await, vec![&*b1]);
    assert_eq!(listed(app, "?state=in_match").await, vec![&*b1]);
    assert_eq!(listed(app, "?state=idle").await, vec![&*b2, &*b3, &*b4]);
    assert_eq!(listed(app, "?state=stale").await, Vec::<String>::new());
    silence(app, &b2, &a_id, 45).await;
    assert_eq!(listed(app, "?state=stale").await, vec![&*b2]);
    assert_eq!(listed(app, "?state=idle").await, vec![&*b3, &*b4]);
    let b_name = app
        .admin(Method::GET, &format!("/broadcasters/{b4}"), None)
        .await
        .body["operator"]["username"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        listed(app, &format!("?state=idle&region=euw&operator={b_name}")).await,
        vec![&*b4],
        "filters combine; the operator by username too"
    );
    let stale = &items(
        &app.admin(Method::GET, "/broadcasters?state=stale", None)
            .await,
    )[0];
    assert_eq!(stale["state"], "stale");
    // A heartbeat makes it fresh again.
    assert_eq!(heartbeat(app, &a, &b2).await.status, StatusCode::OK);
    assert_eq!(listed(app, "?state=stale").await, Vec::<String>::new());
}

async fn a_broadcaster_is_shown_with_its_owner_and_its_matches(app: &TestApp) {
    let (a_id, a) = operator(app, "operator-a").await;
    let (sid, idle) = registered(app, &a, json!({"features": ["kick"], "tags": ["t1"]})).await;
    let shown = app
        .admin(Method::GET, &format!("/broadcasters/{sid}"), None)
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{shown:?}");
    assert_eq!(shown.body["id"], json!(sid));
    assert_eq!(shown.body["operator"]["id"], json!(a_id));
    assert_eq!(shown.body["operator_id"], json!(a_id));
    assert!(shown.body["operator"]["username"].is_string());
    assert_eq!(shown.body["endpoint"], "192.168.56.1:174.58.161.237:6792");
    assert_eq!(shown.body["port"], 6792);
    assert_eq!(shown.body["features"], json!(["kick"]));
    assert_eq!(shown.body["tags"], json!(["t1"]));
    assert_eq!(shown.body["regions"], json!(["default"]));
    assert_eq!(shown.body["state"], "idle");
    assert_eq!(shown.body["idle_match_id"], json!(idle));
    let registered_at =
        Timestamp::parse_rfc3339(shown.body["registered_at"].as_str().unwrap()).unwrap();
    let heard =
        Timestamp::parse_rfc3339(shown.body["last_heartbeat_at"].as_str().unwrap()).unwrap();
    assert_eq!(registered_at, heard, "registration counts as a heartbeat");
    assert!((Timestamp::now().millis() - heard.millis()).abs() < 60_000);

    // In a match: the match is named, with its players.
    prepare(app, &a, &idle, "echo_arena_private").await;
    let (_, player) = signed_in(app, "player-1", &[]).await;
    let joined = rpc(
        app,
        "match/join",
        &player,
        json!({"match_id": idle, "evr_id": "OVR-ORG-1", "features": ["kick"]}),
    )
    .await;
    assert_eq!(joined.body["joined"], true, "{joined:?}");
    let shown = app
        .admin(Method::GET, &format!("/broadcasters/{sid}"), None)
        .await;
    assert_eq!(shown.body["state"], "in_match");
    assert_eq!(shown.body["current_match"]["id"], json!(idle));
    assert_eq!(shown.body["current_match"]["state"], "started");
    assert_eq!(shown.body["current_match"]["player_count"], 1);
    assert!(shown.body["current_match"]["started_at"].is_string());
    assert_eq!(shown.body["idle_match_id"], Value::Null);
    // The id is read case-insensitively.
    let upper = app
        .admin(
            Method::GET,
            &format!("/broadcasters/{}", sid.to_uppercase()),
            None,
        )
        .await;
    assert_eq!(upper.body["id"], json!(sid), "{upper:?}");
}

async fn removing_a_broadcaster_unregisters_it_as_evr_does(app: &TestApp) {
    let (_, a) = operator(app, "operator-a").await;
    let (playing, playing_match) =
        registered(app, &a, json!({"features": ["kick"], "port": 1})).await;
    let (waiting, waiting_match) = registered(app, &a, json!({"port": 2})).await;
    let (idle_sid, idle_match) = registered(app, &a, json!({"port": 3})).await;
    prepare(app, &a, &playing_match, "echo_arena_private").await;
    prepare(app, &a, &waiting_match, "echo_arena_private").await;
    let (_, player) = signed_in(app, "player-1", &[]).await;
    let joined = rpc(
        app,
        "match/join",
        &player,
        json!({"match_id": playing_match, "evr_id": "OVR-ORG-1"}),
    )
    .await;
    assert_eq!(joined.body["joined"], true, "{joined:?}");

    for sid in [&playing, &waiting, &idle_sid] {
        let removed = app
            .admin(Method::DELETE, &format!("/broadcasters/{sid}"), None)
            .await;
        assert_eq!(removed.status, StatusCode::OK, "{removed:?}");
        assert_eq!(removed.body["id"], json!(sid));
        // Its operator can no longer keep it alive: it is unregistered.
        heartbeat(app, &a, sid)
            .await
            .assert_nakama_error(StatusCode::NOT_FOUND, 5);
        app.admin(Method::GET, &format!("/broadcasters/{sid}"), None)
            .await
            .assert_error(StatusCode::NOT_FOUND);
    }
    let removed = app
        .admin(Method::DELETE, &format!("/broadcasters/{playing}"), None)
        .await;
    removed.assert_error(StatusCode::NOT_FOUND);
    // As unregister: the idle match is gone, the unstarted prepared match ended, the started
    // match plays on with its player.
    let live = raw_matches(app, &a).await;
    assert_eq!(ids(&live), vec![playing_match.clone()]);
    assert_eq!(live[0]["players"][0]["evr_id"], "OVR-ORG-1");
    let waiting_now = app
        .admin(Method::GET, &format!("/evr/matches/{waiting_match}"), None)
        .await;
    assert_eq!(waiting_now.body["state"], "ended", "{waiting_now:?}");
    app.admin(Method::GET, &format!("/evr/matches/{idle_match}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    assert_eq!(
        items(&app.admin(Method::GET, "/broadcasters", None).await),
        Vec::<Value>::new()
    );
    // When the started match empties it ends, and no idle match comes back.
    let left = rpc(
        app,
        "match/leave",
        &player,
        json!({"match_id": playing_match}),
    )
    .await;
    assert_eq!(left.status, StatusCode::OK, "{left:?}");
    assert_eq!(run_timers_in(app, 61).await.matches_ended, 1);
    assert!(raw_matches(app, &a).await.is_empty());

    // Each removal is audited with the broadcaster's id.
    let audit = app
        .admin(Method::GET, "/audit?entity_type=broadcasters", None)
        .await;
    let entries = audit.body["items"].as_array().unwrap();
    let audited: Vec<_> = entries.iter().map(|e| e["entity_id"].clone()).collect();
    assert_eq!(
        audited,
        vec![json!(idle_sid), json!(waiting), json!(playing)]
    );
    assert_eq!(entries[0]["action"], "DELETE /admin/v1/broadcasters/{sid}");
    assert_eq!(entries[0]["actor"], "bootstrap");
}

async fn broadcaster_routes_refuse_bad_input_in_the_admin_shape(app: &TestApp) {
    let (_, a) = operator(app, "operator-a").await;
    let (sid, _) = registered(app, &a, json!({})).await;
    for (query, status) in [
        ("?limit=abc", StatusCode::BAD_REQUEST),
        ("?limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("?limit=501", StatusCode::UNPROCESSABLE_ENTITY),
        ("?unknown=1", StatusCode::BAD_REQUEST),
        ("?state=busy", StatusCode::UNPROCESSABLE_ENTITY),
        ("?version_lock=abc", StatusCode::BAD_REQUEST),
        ("?version_lock=-1", StatusCode::BAD_REQUEST),
        ("?cursor=not-a-cursor", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        app.admin(Method::GET, &format!("/broadcasters{query}"), None)
            .await
            .assert_error(status);
    }
    let unknown = uuid::Uuid::new_v4();
    for method in [Method::GET, Method::DELETE] {
        app.admin(method.clone(), &format!("/broadcasters/{unknown}"), None)
            .await
            .assert_error(StatusCode::NOT_FOUND);
        for malformed in ["not-a-uuid", "%FF", "1234"] {
            app.admin(method.clone(), &format!("/broadcasters/{malformed}"), None)
                .await
                .assert_error(StatusCode::BAD_REQUEST);
        }
    }
    app.admin(Method::PUT, &format!("/broadcasters/{sid}"), None)
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED);
    // Nothing changed.
    assert_eq!(heartbeat(app, &a, &sid).await.status, StatusCode::OK);
}

async fn only_an_owner_removes_a_broadcaster(app: &TestApp) {
    let (_, a) = operator(app, "operator-a").await;
    let (sid, _) = registered(app, &a, json!({})).await;
    let org = app.create_org("Org", None).await;
    let access_key = app.issue_key(&org, None).await;
    let revoked = issue(app, "gone", "owner").await;
    app.admin(Method::DELETE, "/admin-tokens/gone", None).await;
    let viewer = issue(app, "view", "viewer").await;
    let moderator = issue(app, "mod", "moderator").await;
    let one = format!("/broadcasters/{sid}");
    for token in [None, Some(revoked.as_str()), Some(access_key.as_str())] {
        for (method, path) in [
            (Method::GET, "/broadcasters"),
            (Method::GET, one.as_str()),
            (Method::DELETE, one.as_str()),
        ] {
            as_token(app, token, method, path, None)
                .await
                .assert_error(StatusCode::UNAUTHORIZED);
        }
    }
    for token in [&viewer, &moderator] {
        for path in ["/broadcasters", one.as_str()] {
            let r = as_token(app, Some(token), Method::GET, path, None).await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
        }
        as_token(app, Some(token), Method::DELETE, &one, None)
            .await
            .assert_error(StatusCode::FORBIDDEN);
    }
    // Still registered, nothing audited.
    assert_eq!(heartbeat(app, &a, &sid).await.status, StatusCode::OK);
    let audit = app
        .admin(Method::GET, "/audit?entity_type=broadcasters", None)
        .await;
    assert_eq!(audit.body["items"], json!([]));
    let owner = issue(app, "boss", "owner").await;
    let removed = as_token(app, Some(&owner), Method::DELETE, &one, None).await;
    assert_eq!(removed.status, StatusCode::OK, "{removed:?}");
    heartbeat(app, &a, &sid)
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    let audit = app
        .admin(Method::GET, "/audit?entity_type=broadcasters", None)
        .await;
    assert_eq!(audit.body["items"][0]["actor"], "boss");
    assert_eq!(audit.body["items"][0]["entity_id"], json!(sid));
}

async fn broadcasters_are_listed_shown_and_removed_through_the_cli(app: &TestApp) {
    let url = &app.db.url;
    let (a_id, a) = operator(app, "operator-a").await;
    let (first, _) = registered(app, &a, json!({"regions": ["uscn"], "port": 1})).await;
    let (second, _) = registered(app, &a, json!({"regions": ["euw"], "port": 2})).await;
    let (ok, listed, err) = cli(url, &["broadcaster", "list", "--limit", "1", "--json"]).await;
    assert!(ok, "{err}");
    assert_eq!(ids(listed["items"].as_array().unwrap()), vec![&*first]);
    let cursor = listed["next_cursor"].as_str().unwrap().to_owned();
    let (ok, rest, _) = cli(url, &["broadcaster", "list", "--cursor", &cursor, "--json"]).await;
    assert!(ok);
    assert_eq!(ids(rest["items"].as_array().unwrap()), vec![&*second]);
    let (ok, euw, _) = cli(
        url,
        &[
            "broadcaster",
            "list",
            "--region",
            "euw",
            "--state",
            "idle",
            "--json",
        ],
    )
    .await;
    assert!(ok);
    assert_eq!(ids(euw["items"].as_array().unwrap()), vec![&*second]);
    let (ok, shown, err) = cli(url, &["broadcaster", "show", &first, "--json"]).await;
    assert!(ok, "{err}");
    assert_eq!(shown["operator"]["id"], json!(a_id));
    let (ok, _, err) = cli(url, &["broadcaster", "list", "--state", "busy"]).await;
    assert!(!ok && err.contains("in_match"), "{err}");
    let (ok, _, err) = cli(url, &["broadcaster", "show", "nope"]).await;
    assert!(!ok && err.contains("not a broadcaster id"), "{err}");

    let (ok, removed, err) = cli(url, &["broadcaster", "remove", &first, "--json"]).await;
    assert!(ok, "{err}");
    assert_eq!(removed["id"], json!(first));
    heartbeat(app, &a, &first)
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    assert_eq!(heartbeat(app, &a, &second).await.status, StatusCode::OK);
    let (ok, _, err) = cli(url, &["broadcaster", "remove", &first]).await;
    assert!(!ok && err.contains("not found"), "{err}");
    // The removal is audited as the CLI's; reads and failures are not.
    let audit = app
        .admin(Method::GET, "/audit?entity_type=broadcasters", None)
        .await;
    let entries = audit.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["action"], "broadcaster remove");
    assert_eq!(entries[0]["actor"], "cli");
    assert_eq!(entries[0]["entity_id"], json!(first));
}
