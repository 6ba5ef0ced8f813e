//! EVR matches through the admin API and the CLI: prepared and joined over the Nakama RPCs,
//! then listed in pages and filtered, shown with the label EVR clients see, and ended as the
//! match timers end a match; moderators may end one, viewers may not.

use crate::admin_broadcasters::{ids, items, operator, prepare, registered};
use crate::admin_roles::{as_token, issue};
use crate::helpers::{cli, Reply, TestApp};
use crate::nakama_helpers::{raw_matches, rpc, signed_in};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    matches_are_listed_newest_first_in_pages_with_filters,
    a_match_is_shown_with_its_label_and_players,
    ending_a_match_removes_its_players_and_frees_its_broadcaster,
    match_routes_refuse_bad_input_in_the_admin_shape,
    moderators_may_end_a_match_and_viewers_may_not,
    matches_are_listed_shown_and_ended_through_the_cli,
);

/// The world most stories start from: three broadcasters of one operator, newest last —
/// `started` (uscn, an arena match with two players), `prepared` (euw, a social lobby nobody
/// joined) and `idle` (euw).
struct World {
    operator: String,
    started_sid: String,
    started: String,
    prepared_sid: String,
    prepared: String,
    idle: String,
    /// `(user id, session token)` of the two players in `started`.
    players: Vec<(String, String)>,
}

async fn join(app: &TestApp, token: &str, match_id: &str, evr_id: &str, team: &str) -> Reply {
    let r = rpc(
        app,
        "match/join",
        token,
        json!({"match_id": match_id, "evr_id": evr_id, "team": team}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r
}

async fn world(app: &TestApp) -> World {
    let (_, op) = operator(app, "operator-a").await;
    let (started_sid, started) =
        registered(app, &op, json!({"regions": ["uscn"], "port": 1})).await;
    let (prepared_sid, prepared) =
        registered(app, &op, json!({"regions": ["euw"], "port": 2})).await;
    let (_, idle) = registered(app, &op, json!({"regions": ["euw"], "port": 3})).await;
    prepare(app, &op, &started, "echo_arena_private").await;
    prepare(app, &op, &prepared, "social_2.0_private").await;
    let mut players = Vec::new();
    for (n, team) in [(1, "blue"), (2, "orange")] {
        let player = signed_in(app, &format!("player-{n}"), &[]).await;
        let joined = join(app, &player.1, &started, &format!("OVR-ORG-{n}"), team).await;
        assert_eq!(joined.body["joined"], true, "{joined:?}");
        players.push(player);
    }
    World {
        operator: op,
        started_sid,
        started,
        prepared_sid,
        prepared,
        idle,
        players,
    }
}

async fn listed(app: &TestApp, query: &str) -> Vec<String> {
    ids(&items(
        &app.admin(Method::GET, &format!("/evr/matches{query}"), None)
            .await,
    ))
}

async fn matches_are_listed_newest_first_in_pages_with_filters(app: &TestApp) {
    let w = world(app).await;
    let all = items(&app.admin(Method::GET, "/evr/matches", None).await);
    assert_eq!(ids(&all), vec![&*w.idle, &*w.prepared, &*w.started]);
    let started = &all[2];
    assert_eq!(started["state"], "started");
    assert_eq!(started["open"], true);
    assert_eq!(started["lobby_type"], "private");
    assert_eq!(started["mode"], "echo_arena_private");
    assert_eq!(started["level"], "mpl_arena_a");
    assert_eq!(started["broadcaster_id"], json!(w.started_sid));
    assert_eq!(started["regions"], json!(["uscn"]));
    assert_eq!(started["player_count"], 2);
    assert_eq!(started["player_limit"], 10);
    assert_eq!(started["players"][0]["user_id"], json!(w.players[0].0));
    assert_eq!(started["players"][0]["evr_id"], "OVR-ORG-1");
    assert_eq!(started["players"][0]["team"], "blue");
    assert_eq!(started["players"][1]["team"], "orange");
    assert!(started["started_at"].is_string());
    assert_eq!(all[0]["state"], "idle");
    assert_eq!(all[0]["open"], false);
    assert_eq!(all[0]["mode"], Value::Null);

    // Two pages, then the end.
    let page = app.admin(Method::GET, "/evr/matches?limit=2", None).await;
    assert_eq!(ids(&items(&page)), vec![&*w.idle, &*w.prepared]);
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .admin(
            Method::GET,
            &format!("/evr/matches?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(ids(&items(&rest)), vec![&*w.started]);
    assert_eq!(rest.body["next_cursor"], Value::Null);

    // Filters.
    assert_eq!(
        listed(app, "?mode=echo_arena_private").await,
        vec![&*w.started]
    );
    assert_eq!(
        listed(app, "?mode=social_2.0_private").await,
        vec![&*w.prepared]
    );
    assert_eq!(listed(app, "?mode=echo_combat").await, Vec::<String>::new());
    assert_eq!(listed(app, "?state=started").await, vec![&*w.started]);
    assert_eq!(listed(app, "?state=prepared").await, vec![&*w.prepared]);
    assert_eq!(listed(app, "?state=idle").await, vec![&*w.idle]);
    assert_eq!(listed(app, "?state=ended").await, Vec::<String>::new());
    assert_eq!(
        listed(app, "?open=true").await,
        vec![&*w.prepared, &*w.started]
    );
    assert_eq!(listed(app, "?open=false").await, vec![&*w.idle]);
    assert_eq!(listed(app, "?region=uscn").await, vec![&*w.started]);
    assert_eq!(
        listed(app, "?region=euw").await,
        vec![&*w.idle, &*w.prepared]
    );
    assert_eq!(
        listed(app, &format!("?broadcaster={}", w.prepared_sid)).await,
        vec![&*w.prepared]
    );
    assert_eq!(
        listed(app, &format!("?player={}", w.players[1].0)).await,
        vec![&*w.started],
        "a player by user id"
    );
    assert_eq!(
        listed(app, "?player=OVR-ORG-1").await,
        vec![&*w.started],
        "a player by EVR id"
    );
    assert_eq!(listed(app, "?player=nobody").await, Vec::<String>::new());
    assert_eq!(
        listed(app, "?region=euw&open=true").await,
        vec![&*w.prepared],
        "filters combine"
    );
}

async fn a_match_is_shown_with_its_label_and_players(app: &TestApp) {
    let w = world(app).await;
    let shown = app
        .admin(Method::GET, &format!("/evr/matches/{}", w.started), None)
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{shown:?}");
    assert_eq!(shown.body["id"], json!(w.started));
    assert_eq!(shown.body["state"], "started");
    // The label is the one the `match` RPC gives a client with private-data access…
    let raw = rpc(app, "match", &w.operator, json!({"match_ids": [w.started]})).await;
    assert_eq!(shown.body["label"], raw.body["matches"][0]);
    assert_eq!(shown.body["label"]["players"][0]["team"], "blue");
    assert_eq!(shown.body["label"]["players"][1]["evr_id"], "OVR-ORG-2");
    // …and the public label the one everyone else gets.
    let plain = &w.players[0].1;
    let public = rpc(app, "match", plain, json!({"match_ids": [w.started]})).await;
    assert_eq!(shown.body["public_label"], public.body["matches"][0]);
    assert!(shown.body["public_label"].get("players").is_none());
    let players = shown.body["players"].as_array().unwrap();
    let teams: Vec<_> = players
        .iter()
        .map(|p| (p["user_id"].clone(), p["team"].clone()))
        .collect();
    assert_eq!(
        teams,
        vec![
            (json!(w.players[0].0), json!("blue")),
            (json!(w.players[1].0), json!("orange"))
        ]
    );
    // An idle match has an unassigned label.
    let idle = app
        .admin(Method::GET, &format!("/evr/matches/{}", w.idle), None)
        .await;
    assert_eq!(idle.body["label"]["lobby_type"], "unassigned");
    assert_eq!(idle.body["players"], json!([]));
    let unknown = format!("{}.backline", uuid::Uuid::new_v4());
    app.admin(Method::GET, &format!("/evr/matches/{unknown}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
}

async fn ending_a_match_removes_its_players_and_frees_its_broadcaster(app: &TestApp) {
    let w = world(app).await;
    let ended = app
        .admin(
            Method::POST,
            &format!("/evr/matches/{}/end", w.started),
            None,
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{ended:?}");
    assert_eq!(ended.body["id"], json!(w.started));
    assert_eq!(ended.body["state"], "ended");
    assert_eq!(ended.body["open"], false);
    assert_eq!(ended.body["players"], json!([]));
    assert!(ended.body["ended_at"].is_string());
    let removed: Vec<_> = ended.body["removed_players"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["evr_id"].clone())
        .collect();
    assert_eq!(removed, vec![json!("OVR-ORG-1"), json!("OVR-ORG-2")]);
    let new_idle = ended.body["idle_match_id"].as_str().unwrap().to_owned();

    // What EVR clients see: the match is gone, its broadcaster offers a new idle match.
    let live = raw_matches(app, &w.operator).await;
    assert!(!ids(&live).contains(&w.started));
    let fresh = live.iter().find(|m| m["id"] == json!(new_idle)).unwrap();
    assert_eq!(fresh["broadcaster"]["sid"], json!(w.started_sid));
    assert_eq!(fresh["lobby_type"], "unassigned");
    let sid = &w.started_sid;
    let broadcaster = app
        .admin(Method::GET, &format!("/broadcasters/{sid}"), None)
        .await;
    assert_eq!(broadcaster.body["state"], "idle");
    assert_eq!(broadcaster.body["idle_match_id"], json!(new_idle));
    // The players are out: joining the ended match fails as for a match that is gone, and
    // they may join elsewhere.
    let again = join(app, &w.players[0].1, &w.started, "OVR-ORG-1", "blue").await;
    assert_eq!(again.body["failure"]["code"], 4, "{again:?}");
    let elsewhere = join(app, &w.players[0].1, &w.prepared, "OVR-ORG-1", "any").await;
    assert_eq!(elsewhere.body["joined"], true, "{elsewhere:?}");
    let stored = app
        .admin(Method::GET, &format!("/evr/matches/{}", w.started), None)
        .await;
    assert_eq!(stored.body["state"], "ended");
    assert_eq!(stored.body["players"], json!([]));
    assert_eq!(listed(app, "?state=ended").await, vec![&*w.started]);

    // Ended and idle matches cannot be ended.
    for id in [&w.started, &w.idle] {
        app.admin(Method::POST, &format!("/evr/matches/{id}/end"), None)
            .await
            .assert_error(StatusCode::CONFLICT);
    }
    // The match the player moved to ends as well, and frees its broadcaster.
    let (_, lone) = signed_in(app, "late-player", &[]).await;
    app.admin(
        Method::POST,
        &format!("/evr/matches/{}/end", w.prepared),
        None,
    )
    .await;
    let gone = join(app, &lone, &w.prepared, "OVR-ORG-9", "any").await;
    assert_eq!(gone.body["failure"]["code"], 4, "{gone:?}");
    let prepared_sid = &w.prepared_sid;
    let freed = app
        .admin(Method::GET, &format!("/broadcasters/{prepared_sid}"), None)
        .await;
    assert!(freed.body["idle_match_id"].is_string(), "{freed:?}");

    // Each end is audited with the match id.
    let audit = app
        .admin(Method::GET, "/audit?entity_type=evr-matches", None)
        .await;
    let entries = audit.body["items"].as_array().unwrap();
    let audited: Vec<_> = entries.iter().map(|e| e["entity_id"].clone()).collect();
    assert_eq!(audited, vec![json!(w.prepared), json!(w.started)]);
    assert_eq!(
        entries[0]["action"],
        "POST /admin/v1/evr/matches/{match_id}/end"
    );
}

async fn match_routes_refuse_bad_input_in_the_admin_shape(app: &TestApp) {
    let w = world(app).await;
    for (query, status) in [
        ("?limit=abc", StatusCode::BAD_REQUEST),
        ("?limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("?unknown=1", StatusCode::BAD_REQUEST),
        ("?state=running", StatusCode::UNPROCESSABLE_ENTITY),
        ("?mode=darts", StatusCode::UNPROCESSABLE_ENTITY),
        ("?open=maybe", StatusCode::BAD_REQUEST),
        ("?broadcaster=not-a-uuid", StatusCode::BAD_REQUEST),
        ("?cursor=zzz", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        app.admin(Method::GET, &format!("/evr/matches{query}"), None)
            .await
            .assert_error(status);
    }
    let unknown = format!("{}.backline", uuid::Uuid::new_v4());
    for malformed in ["not-a-match", "%FF", &uuid::Uuid::new_v4().to_string()] {
        app.admin(Method::GET, &format!("/evr/matches/{malformed}"), None)
            .await
            .assert_error(StatusCode::BAD_REQUEST);
        app.admin(Method::POST, &format!("/evr/matches/{malformed}/end"), None)
            .await
            .assert_error(StatusCode::BAD_REQUEST);
    }
    app.admin(Method::POST, &format!("/evr/matches/{unknown}/end"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(
        Method::GET,
        &format!("/evr/matches/{}/end", w.started),
        None,
    )
    .await
    .assert_error(StatusCode::METHOD_NOT_ALLOWED);
    // Nothing ended.
    assert_eq!(listed(app, "?state=ended").await, Vec::<String>::new());
    let label = rpc(app, "match", &w.operator, json!({"match_ids": [w.started]})).await;
    assert_eq!(label.body["matches"][0]["size"], 2);
}

async fn moderators_may_end_a_match_and_viewers_may_not(app: &TestApp) {
    let w = world(app).await;
    let org = app.create_org("Org", None).await;
    let access_key = app.issue_key(&org, None).await;
    let revoked = issue(app, "gone", "owner").await;
    app.admin(Method::DELETE, "/admin-tokens/gone", None).await;
    let viewer = issue(app, "view", "viewer").await;
    let moderator = issue(app, "mod", "moderator").await;
    let one = format!("/evr/matches/{}", w.started);
    let end = format!("{one}/end");
    for token in [None, Some(revoked.as_str()), Some(access_key.as_str())] {
        for (method, path) in [
            (Method::GET, "/evr/matches"),
            (Method::GET, one.as_str()),
            (Method::POST, end.as_str()),
        ] {
            as_token(app, token, method, path, None)
                .await
                .assert_error(StatusCode::UNAUTHORIZED);
        }
    }
    for path in ["/evr/matches", one.as_str()] {
        let r = as_token(app, Some(&viewer), Method::GET, path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
    as_token(app, Some(&viewer), Method::POST, &end, None)
        .await
        .assert_error(StatusCode::FORBIDDEN);
    assert_eq!(listed(app, "?state=started").await, vec![&*w.started]);
    let ended = as_token(app, Some(&moderator), Method::POST, &end, None).await;
    assert_eq!(ended.status, StatusCode::OK, "{ended:?}");
    assert_eq!(listed(app, "?state=ended").await, vec![&*w.started]);
    let audit = app
        .admin(Method::GET, "/audit?entity_type=evr-matches", None)
        .await;
    let entries = audit.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["actor"], "mod");
    assert_eq!(entries[0]["entity_id"], json!(w.started));
    // An owner may end one too.
    let ended = app
        .admin(
            Method::POST,
            &format!("/evr/matches/{}/end", w.prepared),
            None,
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{ended:?}");
}

async fn matches_are_listed_shown_and_ended_through_the_cli(app: &TestApp) {
    let url = &app.db.url;
    let w = world(app).await;
    let (ok, listed_page, err) =
        cli(url, &["evr", "match", "list", "--limit", "2", "--json"]).await;
    assert!(ok, "{err}");
    assert_eq!(
        ids(listed_page["items"].as_array().unwrap()),
        vec![&*w.idle, &*w.prepared]
    );
    let cursor = listed_page["next_cursor"].as_str().unwrap().to_owned();
    let (ok, rest, _) = cli(
        url,
        &["evr", "match", "list", "--cursor", &cursor, "--json"],
    )
    .await;
    assert!(ok);
    assert_eq!(ids(rest["items"].as_array().unwrap()), vec![&*w.started]);
    let (ok, by_player, _) = cli(
        url,
        &[
            "evr",
            "match",
            "list",
            "--player",
            "OVR-ORG-2",
            "--open",
            "true",
            "--json",
        ],
    )
    .await;
    assert!(ok);
    assert_eq!(
        ids(by_player["items"].as_array().unwrap()),
        vec![&*w.started]
    );
    let (ok, shown, err) = cli(url, &["evr", "match", "show", &w.started, "--json"]).await;
    assert!(ok, "{err}");
    assert_eq!(shown["label"]["players"][1]["team"], "orange");
    let (ok, _, err) = cli(url, &["evr", "match", "show", "nope"]).await;
    assert!(!ok && err.contains("not an EVR match id"), "{err}");

    let (ok, ended, err) = cli(url, &["evr", "match", "end", &w.started, "--json"]).await;
    assert!(ok, "{err}");
    assert_eq!(ended["state"], "ended");
    assert_eq!(ended["removed_players"].as_array().unwrap().len(), 2);
    let live = raw_matches(app, &w.operator).await;
    assert!(!ids(&live).contains(&w.started));
    let (ok, _, err) = cli(url, &["evr", "match", "end", &w.started]).await;
    assert!(!ok && err.contains("ended already"), "{err}");
    let audit = app
        .admin(Method::GET, "/audit?entity_type=evr-matches", None)
        .await;
    let entries = audit.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["action"], "evr match end");
    assert_eq!(entries[0]["actor"], "cli");
    assert_eq!(entries[0]["entity_id"], json!(w.started));
}
