//! The admin API's roles: create, edit, reorder, list by position, and grants by player that
//! queue the same role sync as the CLI (what a game server then receives in its poll).

use crate::admin_roles::{as_token, issue};
use crate::admin_servers::{all_pages, audit_trail, create_server};
use crate::ember_helpers::{poll, without_settings, STEAM_ID};
use crate::helpers::{cli, TestApp};
use backline_domain::accounts::ExternalAccount;
use backline_store::{RoleStore, UserStore};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    roles_are_created_edited_reordered_and_listed_by_position,
    grants_and_revokes_reach_game_servers_as_the_cli_grants_do,
    bad_role_input_is_refused_in_the_admin_shape_and_changes_nothing,
    moderators_write_roles_and_grants_and_viewers_do_not,
);

async fn create_role(app: &TestApp, body: Value) -> String {
    let r = app.admin(Method::POST, "/roles", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["id"].as_str().unwrap().to_owned()
}

fn names(items: &[Value]) -> Vec<&str> {
    items.iter().map(|r| r["name"].as_str().unwrap()).collect()
}

async fn roles_are_created_edited_reordered_and_listed_by_position(app: &TestApp) {
    let admin = create_role(
        app,
        json!({"name": "Admin", "ingame": "admin", "position": 1}),
    )
    .await;
    let moderator = create_role(app, json!({"name": "Mod", "ingame": "mod", "position": 5})).await;
    let vip = app
        .admin(
            Method::POST,
            "/roles",
            Some(json!({"name": "VIP", "ingame": "vip", "groups": ["eu"]})),
        )
        .await;
    assert_eq!(vip.status, StatusCode::CREATED, "{vip:?}");
    assert_eq!(
        (&vip.body["position"], &vip.body["server_groups"]),
        (&json!(100), &json!(["eu"]))
    );
    let vip = vip.body["id"].as_str().unwrap().to_owned();
    app.admin(
        Method::POST,
        "/roles",
        Some(json!({"name": "Admin", "ingame": "other"})),
    )
    .await
    .assert_error(StatusCode::CONFLICT);

    let edited = app
        .admin(
            Method::PATCH,
            &format!("/roles/{moderator}"),
            Some(json!({"name": "Moderator", "ingame": "moderator", "groups": []})),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{edited:?}");
    assert_eq!(
        (
            &edited.body["name"],
            &edited.body["ingame"],
            &edited.body["position"]
        ),
        (&json!("Moderator"), &json!("moderator"), &json!(5))
    );
    app.admin(
        Method::PATCH,
        &format!("/roles/{moderator}"),
        Some(json!({"ingame": "admin"})),
    )
    .await
    .assert_error(StatusCode::CONFLICT);
    let store = app.store().await;
    let stored = store.list_roles().await.unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|r| (r.name.as_str(), r.ingame.as_str(), r.position))
            .collect::<Vec<_>>(),
        vec![
            ("Admin", "admin", 1),
            ("Moderator", "moderator", 5),
            ("VIP", "vip", 100)
        ]
    );

    let reordered = app
        .admin(
            Method::PUT,
            "/roles/order",
            Some(json!({"role_ids": [vip, admin, moderator]})),
        )
        .await;
    assert_eq!(reordered.status, StatusCode::OK, "{reordered:?}");
    assert_eq!(
        names(reordered.body["items"].as_array().unwrap()),
        vec!["VIP", "Admin", "Moderator"]
    );
    let stored = store.list_roles().await.unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|r| (r.name.as_str(), r.position))
            .collect::<Vec<_>>(),
        vec![("VIP", 1), ("Admin", 2), ("Moderator", 3)]
    );
    store.close().await;

    let (items, pages) = all_pages(app, "/roles", 2).await;
    assert_eq!(
        (names(&items), pages),
        (vec!["VIP", "Admin", "Moderator"], 2)
    );
    let shown = app
        .admin(Method::GET, &format!("/roles/{admin}"), None)
        .await;
    assert_eq!(
        (shown.status, &shown.body["name"]),
        (StatusCode::OK, &json!("Admin"))
    );
    for (query, expected) in [
        ("group=us", vec!["Admin", "Moderator"]),
        ("group=eu", vec!["VIP", "Admin", "Moderator"]),
        ("name=MOD", vec!["Moderator"]),
        ("name=vi", vec!["VIP"]),
    ] {
        let r = app
            .admin(Method::GET, &format!("/roles?{query}"), None)
            .await;
        assert_eq!(
            names(r.body["items"].as_array().unwrap()),
            expected,
            "{query}"
        );
    }

    let trail = audit_trail(app).await;
    assert_eq!(
        trail,
        vec![
            ("POST /admin/v1/roles".into(), "roles".into(), json!(admin)),
            (
                "POST /admin/v1/roles".into(),
                "roles".into(),
                json!(moderator)
            ),
            ("POST /admin/v1/roles".into(), "roles".into(), json!(vip)),
            (
                "PATCH /admin/v1/roles/{role_id}".into(),
                "roles".into(),
                json!(moderator)
            ),
            (
                "PUT /admin/v1/roles/order".into(),
                "roles".into(),
                Value::Null
            ),
        ]
    );
}

async fn grants_and_revokes_reach_game_servers_as_the_cli_grants_do(app: &TestApp) {
    let (_, token) = create_server(app, "EU", "gmod", &["eu"]).await;
    poll(app, &token, "").await;
    let admin = create_role(
        app,
        json!({"name": "Admin", "ingame": "admin", "position": 1}),
    )
    .await;
    let path = format!("/roles/{admin}/grants/steam/{STEAM_ID}");
    let granted = app.admin(Method::PUT, &path, None).await;
    assert_eq!(granted.status, StatusCode::OK, "{granted:?}");
    assert_eq!(
        (
            &granted.body["id"],
            &granted.body["held"],
            &granted.body["changed"]
        ),
        (&json!(admin), &json!(true), &json!(true))
    );
    assert_eq!(
        granted.body["player"],
        json!({"source": "steam", "account_id": STEAM_ID})
    );
    let user_id = granted.body["user_id"].as_str().unwrap().to_owned();
    // What the server receives, while the player is not even online.
    let actions = without_settings(poll(app, &token, "").await);
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["type"], "roles");
    let payload = &actions[0]["payload"];
    assert_eq!(
        (
            &payload["exhaustive"],
            &payload["grant"],
            &payload["revoke"],
            &payload["player_steam_account_id"]
        ),
        (
            &json!(false),
            &json!(["admin"]),
            &json!([]),
            &json!(STEAM_ID)
        )
    );
    assert!(payload["execution_id"].is_i64());
    // Stored: the user holds the role.
    let store = app.store().await;
    let user = store
        .find_user_by_external(&ExternalAccount::new("steam", STEAM_ID))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id.as_str(), user_id);
    let held = store
        .roles_of(std::slice::from_ref(&user.id))
        .await
        .unwrap();
    assert_eq!(
        held[0]
            .1
            .held
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Admin"]
    );

    // Granting again changes nothing and queues nothing.
    let again = app.admin(Method::PUT, &path, None).await;
    assert_eq!(
        (again.status, &again.body["changed"]),
        (StatusCode::OK, &json!(false))
    );
    assert!(without_settings(poll(app, &token, "").await).is_empty());

    let holders = app
        .admin(Method::GET, &format!("/roles/{admin}/grants"), None)
        .await;
    assert_eq!(holders.status, StatusCode::OK, "{holders:?}");
    let items = holders.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["user_id"], json!(user_id));
    assert_eq!(
        items[0]["accounts"],
        json!([{"source": "steam", "account_id": STEAM_ID}])
    );
    let of_player = app
        .admin(
            Method::GET,
            &format!("/roles?player=steam:{STEAM_ID}"),
            None,
        )
        .await;
    assert_eq!(
        names(of_player.body["items"].as_array().unwrap()),
        vec!["Admin"]
    );
    let nobody = app.admin(Method::GET, "/roles?player=steam:1", None).await;
    assert_eq!(nobody.body["items"], json!([]));

    let revoked = app.admin(Method::DELETE, &path, None).await;
    assert_eq!(revoked.status, StatusCode::OK, "{revoked:?}");
    assert_eq!(
        (&revoked.body["held"], &revoked.body["changed"]),
        (&json!(false), &json!(true))
    );
    let actions = without_settings(poll(app, &token, "").await);
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(
        (
            &actions[0]["payload"]["grant"],
            &actions[0]["payload"]["revoke"]
        ),
        (&json!([]), &json!(["admin"]))
    );
    let of_player = app
        .admin(
            Method::GET,
            &format!("/roles?player=steam:{STEAM_ID}"),
            None,
        )
        .await;
    assert_eq!(of_player.body["items"], json!([]));
    let holders = app
        .admin(Method::GET, &format!("/roles/{admin}/grants"), None)
        .await;
    assert_eq!(holders.body["items"], json!([]));

    // The CLI's grant queues the same action.
    let (ok, _, err) = cli(
        &app.db.url,
        &["role", "grant", &format!("steam:{STEAM_ID}"), "Admin"],
    )
    .await;
    assert!(ok, "{err}");
    let by_cli = without_settings(poll(app, &token, "").await);
    assert_eq!(by_cli.len(), 1);
    let mut cli_payload = by_cli[0]["payload"].clone();
    let mut api_payload = payload.clone();
    cli_payload.as_object_mut().unwrap().remove("execution_id");
    api_payload.as_object_mut().unwrap().remove("execution_id");
    assert_eq!(cli_payload, api_payload);
    store.close().await;

    let trail: Vec<_> = audit_trail(app)
        .await
        .into_iter()
        .filter(|(action, _, _)| action.contains("grants"))
        .collect();
    let grant = "/admin/v1/roles/{role_id}/grants/{source}/{account_id}";
    assert_eq!(
        trail,
        vec![
            (format!("PUT {grant}"), "roles".into(), json!(admin)),
            (format!("PUT {grant}"), "roles".into(), json!(admin)),
            (format!("DELETE {grant}"), "roles".into(), json!(admin)),
        ]
    );
}

async fn bad_role_input_is_refused_in_the_admin_shape_and_changes_nothing(app: &TestApp) {
    let admin = create_role(
        app,
        json!({"name": "Admin", "ingame": "admin", "position": 1}),
    )
    .await;
    let auth = format!("Bearer {}", app.admin_token);
    app.send(
        Method::POST,
        "/admin/v1/roles",
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(b"{\"name\": ".to_vec()),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST);
    for body in [
        json!({"name": "X"}),
        json!({"name": "X", "ingame": "x", "position": "first"}),
        json!({"name": "", "ingame": "x"}),
        json!({"name": "X", "ingame": "x", "colour": "red"}),
    ] {
        app.admin(Method::POST, "/roles", Some(body))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    }
    app.admin(
        Method::PATCH,
        &format!("/roles/{admin}"),
        Some(json!({"name": ""})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(Method::PATCH, "/roles/nosuch", Some(json!({"name": "X"})))
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::GET, "/roles/nosuch", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::GET, "/roles/nosuch/grants", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(
        Method::PUT,
        &format!("/roles/nosuch/grants/steam/{STEAM_ID}"),
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND);
    app.admin(
        Method::PUT,
        &format!("/roles/{admin}/grants/Not%20A%20Source/1"),
        None,
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(Method::PUT, "/roles/order", Some(json!({"role_ids": []})))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(
        Method::PUT,
        "/roles/order",
        Some(json!({"role_ids": [admin, admin]})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(
        Method::PUT,
        "/roles/order",
        Some(json!({"role_ids": ["nosuch"]})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND);
    app.admin(
        Method::PUT,
        "/roles/order",
        Some(json!({"role_ids": "all"})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    for query in [
        "limit=abc",
        "limit=501",
        "bogus=1",
        "player=nocolon",
        "cursor=nocolon",
    ] {
        let r = app
            .admin(Method::GET, &format!("/roles?{query}"), None)
            .await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {r:?}"
        );
        r.assert_error(r.status);
    }
    let store = app.store().await;
    let roles = store.list_roles().await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!((roles[0].name.as_str(), roles[0].position), ("Admin", 1));
    assert!(store
        .find_user_by_external(&ExternalAccount::new("steam", STEAM_ID))
        .await
        .unwrap()
        .is_none());
    store.close().await;
}

async fn moderators_write_roles_and_grants_and_viewers_do_not(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let viewer = issue(app, "view", "viewer").await;
    let org = app.create_org("Org", None).await;
    let access_key = app.issue_key(&org, None).await;
    let revoked = issue(app, "gone", "owner").await;
    app.admin(Method::DELETE, "/admin-tokens/gone", None).await;
    let admin = create_role(app, json!({"name": "Admin", "ingame": "admin"})).await;
    let grant = format!("/roles/{admin}/grants/steam/{STEAM_ID}");
    let writes = [
        (
            Method::POST,
            "/roles".to_owned(),
            Some(json!({"name": "VIP", "ingame": "vip"})),
        ),
        (
            Method::PATCH,
            format!("/roles/{admin}"),
            Some(json!({"position": 7})),
        ),
        (Method::PUT, "/roles/order".to_owned(), None),
        (Method::PUT, grant.clone(), None),
        (Method::DELETE, grant.clone(), None),
    ];
    for (method, path, body) in &writes {
        as_token(app, Some(&viewer), method.clone(), path, body.clone())
            .await
            .assert_error(StatusCode::FORBIDDEN);
        for token in [None, Some(revoked.as_str()), Some(access_key.as_str())] {
            as_token(app, token, method.clone(), path, body.clone())
                .await
                .assert_error(StatusCode::UNAUTHORIZED);
        }
    }
    let store = app.store().await;
    assert_eq!(store.list_roles().await.unwrap().len(), 1);
    assert_eq!(store.list_roles().await.unwrap()[0].position, 100);
    for (method, path, body) in writes {
        let body = if path == "/roles/order" {
            let ids: Vec<String> = store
                .list_roles()
                .await
                .unwrap()
                .iter()
                .map(|r| r.id.to_string())
                .collect();
            Some(json!({"role_ids": ids}))
        } else {
            body
        };
        let r = as_token(app, Some(&moderator), method.clone(), &path, body).await;
        assert!(r.status.is_success(), "{method} {path}: {r:?}");
    }
    // Admin moved to 7, before VIP (100): the order kept that and renumbered them.
    let roles = store.list_roles().await.unwrap();
    assert_eq!(
        roles
            .iter()
            .map(|r| (r.name.as_str(), r.position))
            .collect::<Vec<_>>(),
        vec![("Admin", 1), ("VIP", 2)]
    );
    store.close().await;
    for path in ["/roles".to_owned(), format!("/roles/{admin}/grants")] {
        let r = as_token(app, Some(&viewer), Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {r:?}");
    }
}
