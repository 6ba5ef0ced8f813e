//! The admin API's bans: an operator's ban kicks the player where they are connected and
//! holds their other executions until it is lifted; bans are searched and paged.

use crate::admin_roles::{as_token, issue};
use crate::admin_servers::{all_pages, audit_trail, create_server};
use crate::ember_helpers::{execute_sql, poll, without_settings, STEAM_ID};
use crate::helpers::TestApp;
use backline_domain::ids::BanId;
use backline_store::BanStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    an_operator_ban_kicks_the_player_and_holds_their_executions_until_it_is_lifted,
    bans_are_searched_by_player_status_server_scope_and_reason_and_paged,
    bad_ban_input_is_refused_in_the_admin_shape_and_changes_nothing,
    moderators_ban_and_lift_and_viewers_do_not,
);

fn connected(account: &str) -> String {
    format!("players[steam][connected][ids]={account}")
}

async fn ban(app: &TestApp, body: Value) -> String {
    let r = app.admin(Method::POST, "/bans", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["id"].as_str().unwrap().to_owned()
}

fn commands(actions: &[Value]) -> Vec<&str> {
    actions
        .iter()
        .filter_map(|a| a["payload"]["command"].as_str())
        .collect()
}

async fn an_operator_ban_kicks_the_player_and_holds_their_executions_until_it_is_lifted(
    app: &TestApp,
) {
    let (id, token) = create_server(app, "EU", "gmod", &["eu"]).await;
    let (_, elsewhere) = create_server(app, "US", "gmod", &["us"]).await;
    poll(app, &token, &connected(STEAM_ID)).await;
    poll(app, &elsewhere, "").await;
    let created = app
        .admin(
            Method::POST,
            "/bans",
            Some(
                json!({"source": "steam", "account_id": STEAM_ID, "scope": "global",
                "reason": "Cheating", "duration_minutes": 60}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(
        (
            &created.body["status"],
            &created.body["scope"],
            &created.body["reason"]
        ),
        (&json!("active"), &json!("global"), &json!("Cheating"))
    );
    assert!(created.body["expires_at"].is_string());
    let ban_id = created.body["id"].as_str().unwrap().to_owned();
    // An execution about the player, queued after the ban.
    let queued = app
        .admin(
            Method::POST,
            "/actions",
            Some(json!({"server": id, "type": "command", "text": "say hello",
                "player": {"source": "steam", "account_id": STEAM_ID}})),
        )
        .await;
    assert_eq!(queued.status, StatusCode::CREATED, "{queued:?}");

    // The kick reaches the server where the player is; the other execution is held.
    let actions = without_settings(poll(app, &token, &connected(STEAM_ID)).await);
    assert_eq!(
        commands(&actions),
        vec!["kickid STEAM_0:0:85830602 \"Cheating\""],
        "{actions:?}"
    );
    assert!(actions[0]["payload"]["execution_id"].is_i64());
    assert!(without_settings(poll(app, &elsewhere, "").await).is_empty());
    assert!(without_settings(poll(app, &token, &connected(STEAM_ID)).await).is_empty());

    let lifted = app
        .admin(Method::POST, &format!("/bans/{ban_id}/lift"), None)
        .await;
    assert_eq!(lifted.status, StatusCode::OK, "{lifted:?}");
    assert_eq!(lifted.body["status"], "lifted");
    assert!(lifted.body["lifted_at"].is_string());
    let store = app.store().await;
    let stored = store
        .get_ban(&BanId::from_string(&ban_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.lifted_at.map(|t| t.to_rfc3339()).as_deref(),
        lifted.body["lifted_at"].as_str()
    );
    store.close().await;
    // Lifting twice changes nothing.
    let again = app
        .admin(Method::POST, &format!("/bans/{ban_id}/lift"), None)
        .await;
    assert_eq!(
        (again.status, &again.body["lifted_at"]),
        (StatusCode::OK, &lifted.body["lifted_at"])
    );
    // The held execution goes out with the next poll.
    let actions = without_settings(poll(app, &token, &connected(STEAM_ID)).await);
    assert_eq!(commands(&actions), vec!["say hello"]);
    let shown = app
        .admin(Method::GET, &format!("/bans/{ban_id}"), None)
        .await;
    assert_eq!(
        (shown.status, &shown.body["status"]),
        (StatusCode::OK, &json!("lifted"))
    );

    let trail: Vec<_> = audit_trail(app)
        .await
        .into_iter()
        .filter(|(_, entity, _)| entity == "bans")
        .collect();
    assert_eq!(
        trail,
        vec![
            ("POST /admin/v1/bans".into(), "bans".into(), json!(ban_id)),
            (
                "POST /admin/v1/bans/{ban_id}/lift".into(),
                "bans".into(),
                json!(ban_id)
            ),
            (
                "POST /admin/v1/bans/{ban_id}/lift".into(),
                "bans".into(),
                json!(ban_id)
            ),
        ]
    );
}

async fn bans_are_searched_by_player_status_server_scope_and_reason_and_paged(app: &TestApp) {
    let (eu, _) = create_server(app, "EU", "gmod", &["eu"]).await;
    let (us, _) = create_server(app, "US", "gmod", &["us"]).await;
    let global = ban(
        app,
        json!({"source": "steam", "account_id": "1", "scope": "global", "reason": "Cheating"}),
    )
    .await;
    let eu_ban = ban(app, json!({"source": "steam", "account_id": "2", "scope": "server", "group": "eu", "reason": "Toxic chat"})).await;
    let web = ban(
        app,
        json!({"source": "discord", "account_id": "3", "scope": "web", "reason": "Spam"}),
    )
    .await;
    let expiring = ban(app, json!({"source": "steam", "account_id": "1", "scope": "global", "reason": "Griefing", "duration_minutes": 5})).await;
    let lifted = ban(app, json!({"source": "steam", "account_id": "4", "scope": "server", "group": "us", "reason": "toxic again"})).await;
    app.admin(Method::POST, &format!("/bans/{lifted}/lift"), None)
        .await;
    execute_sql(
        app,
        "UPDATE ember_bans SET expires_at = $1 WHERE expires_at IS NOT NULL",
        1,
    )
    .await;

    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    for (query, expected) in [
        ("player=steam:1".to_owned(), vec![&global, &expiring]),
        ("player=steam:99".to_owned(), vec![]),
        ("status=active".to_owned(), vec![&global, &eu_ban, &web]),
        ("status=expired".to_owned(), vec![&expiring]),
        ("status=lifted".to_owned(), vec![&lifted]),
        (format!("server={eu}"), vec![&global, &eu_ban, &expiring]),
        (format!("server={us}&status=active"), vec![&global]),
        ("scope=web".to_owned(), vec![&web]),
        ("reason=TOXIC".to_owned(), vec![&eu_ban, &lifted]),
        ("reason=%25".to_owned(), vec![]),
    ] {
        let r = app
            .admin(Method::GET, &format!("/bans?{query}"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {r:?}");
        let got: Vec<String> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            sorted(got),
            sorted(expected.into_iter().cloned().collect()),
            "{query}"
        );
    }
    let (items, pages) = all_pages(app, "/bans", 2).await;
    assert_eq!(pages, 3);
    let mut ids: Vec<&str> = items.iter().map(|b| b["id"].as_str().unwrap()).collect();
    // Newest first.
    // Compared as times: RFC 3339 text trims trailing zeros of the fraction.
    let created: Vec<backline_domain::Timestamp> = items
        .iter()
        .map(|b| {
            backline_domain::Timestamp::parse_rfc3339(b["created_at"].as_str().unwrap()).unwrap()
        })
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

async fn bad_ban_input_is_refused_in_the_admin_shape_and_changes_nothing(app: &TestApp) {
    let auth = format!("Bearer {}", app.admin_token);
    app.send(
        Method::POST,
        "/admin/v1/bans",
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(b"{\"source\": \"steam\",".to_vec()),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST);
    for body in [
        json!({"source": "steam", "account_id": "1", "scope": "planet"}),
        json!({"source": "steam", "account_id": "1", "scope": "server"}),
        json!({"source": "steam", "account_id": "1", "scope": "global", "group": "eu"}),
        json!({"source": "steam", "account_id": "1", "scope": "global", "duration_minutes": -1}),
        json!({"source": "steam", "account_id": "1", "scope": "global", "duration_minutes": "long"}),
        // Longer than the longest ban with an end (100 years); the end could not be written.
        json!({"source": "steam", "account_id": "1", "scope": "global", "duration_minutes": 52_560_001}),
        json!({"source": "steam", "account_id": "1", "scope": "global", "duration_minutes": 9_223_372_036_854_775_806_i64}),
        json!({"source": "Not A Source", "account_id": "1", "scope": "global"}),
        json!({"source": "steam", "scope": "global"}),
        json!({"source": "steam", "account_id": "1", "scope": "global", "until": "forever"}),
    ] {
        app.admin(Method::POST, "/bans", Some(body.clone()))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    }
    app.admin(Method::GET, "/bans/nosuch", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::POST, "/bans/nosuch/lift", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::GET, "/bans?server=nosuch", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    for query in [
        "limit=abc",
        "status=forgotten",
        "player=nocolon",
        "bogus=1",
        "cursor=12",
    ] {
        let r = app
            .admin(Method::GET, &format!("/bans?{query}"), None)
            .await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {r:?}"
        );
        r.assert_error(r.status);
    }
    let listed = app.admin(Method::GET, "/bans", None).await;
    assert_eq!(listed.body["items"], json!([]));
}

async fn moderators_ban_and_lift_and_viewers_do_not(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let viewer = issue(app, "view", "viewer").await;
    let revoked = issue(app, "gone", "moderator").await;
    app.admin(Method::DELETE, "/admin-tokens/gone", None).await;
    let org = app.create_org("Org", None).await;
    let access_key = app.issue_key(&org, None).await;
    let body = json!({"source": "steam", "account_id": STEAM_ID, "scope": "global", "reason": "x"});
    let existing = ban(app, body.clone()).await;
    let lift = format!("/bans/{existing}/lift");
    for (path, body) in [("/bans", Some(body.clone())), (lift.as_str(), None)] {
        as_token(app, Some(&viewer), Method::POST, path, body.clone())
            .await
            .assert_error(StatusCode::FORBIDDEN);
        for token in [None, Some(revoked.as_str()), Some(access_key.as_str())] {
            as_token(app, token, Method::POST, path, body.clone())
                .await
                .assert_error(StatusCode::UNAUTHORIZED);
        }
    }
    let listed = app.admin(Method::GET, "/bans", None).await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!((items.len(), &items[0]["status"]), (1, &json!("active")));
    let by_moderator = as_token(app, Some(&moderator), Method::POST, "/bans", Some(body)).await;
    assert_eq!(by_moderator.status, StatusCode::CREATED, "{by_moderator:?}");
    let lifted = as_token(app, Some(&moderator), Method::POST, &lift, None).await;
    assert_eq!(
        (lifted.status, &lifted.body["status"]),
        (StatusCode::OK, &json!("lifted"))
    );
    let read = as_token(app, Some(&viewer), Method::GET, "/bans?status=active", None).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["items"].as_array().unwrap().len(), 1);
}
