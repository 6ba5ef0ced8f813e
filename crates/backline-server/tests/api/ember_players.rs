//! Bans, roles and role sync, primary roles (link tokens: `ember_link_tokens.rs`).

use crate::ember_helpers::{change_server, form, poll, server, without_settings, STEAM_ID};
use crate::helpers::TestApp;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::bans::BanScope;
use backline_server::core::ember::servers::ServerChange;
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    a_banned_player_connecting_gets_exactly_the_kick,
    a_new_ban_kicks_the_player_where_connected_now_and_scopes_decide_where,
    bans_are_validated_lifted_and_expire,
    a_server_lifts_an_operators_ban_only_when_its_settings_allow,
    exhaustive_and_partial_roles_payloads_are_exact,
    multi_role_and_primary_role_endpoints_keep_the_hierarchy,
);

fn player() -> String {
    format!("/players/steam/{STEAM_ID}")
}

async fn a_banned_player_connecting_gets_exactly_the_kick(app: &TestApp) {
    let (_, token) = server(app, "S1", &["eu"]).await;
    let core = app.core().await;
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "Admin",
        "admin",
        1,
        vec![],
    )
    .await
    .unwrap();
    core.operator_set_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        &PlayerRef::parse(&format!("steam:{STEAM_ID}")).unwrap(),
        "Admin",
        true,
    )
    .await
    .unwrap();
    core.store.close().await;
    poll(app, &token, "").await;
    let banned = form(
        app,
        &token,
        Method::POST,
        &format!("{}/bans", player()),
        "scope=global&reason=Aimbot",
    )
    .await;
    assert_eq!(banned.status, StatusCode::CREATED, "{banned:?}");
    let actions = without_settings(
        poll(
            app,
            &token,
            &format!("players[steam][connecting][ids]={STEAM_ID},"),
        )
        .await,
    );
    let for_player: Vec<_> = actions
        .iter()
        .filter(|a| a["payload"]["execution_id"].is_null())
        .collect();
    assert_eq!(
        for_player,
        vec![
            &json!({"type": "command", "payload": {"command": "kickid STEAM_0:0:85830602 \"Aimbot\""}})
        ]
    );
}

async fn a_new_ban_kicks_the_player_where_connected_now_and_scopes_decide_where(app: &TestApp) {
    let (_, eu1) = server(app, "EU 1", &["eu"]).await;
    let (_, eu2) = server(app, "EU 2", &["eu"]).await;
    let (_, us) = server(app, "US", &["us"]).await;
    let connected = format!("players[steam][connected][ids]={STEAM_ID}");
    for token in [&eu1, &eu2, &us] {
        poll(app, token, &connected).await;
    }
    let r = form(
        app,
        &eu1,
        Method::POST,
        &format!("{}/bans", player()),
        "scope=server&reason=Toxic&duration_minutes=60",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let ban = &r.body["ban"];
    assert_eq!(
        (
            ban["scope"].as_str(),
            ban["server_group"].as_str(),
            ban["reason"].as_str()
        ),
        (Some("server"), Some("eu"), Some("Toxic"))
    );
    assert!(ban["expires_at"].is_string());
    let kick = json!({"command": "kickid STEAM_0:0:85830602 \"Toxic\""});
    for token in [&eu1, &eu2] {
        let actions = without_settings(poll(app, token, &connected).await);
        assert_eq!(actions.len(), 1, "{actions:?}");
        assert_eq!(actions[0]["payload"]["command"], kick["command"]);
        assert!(actions[0]["payload"]["execution_id"].is_i64());
    }
    assert!(
        without_settings(poll(app, &us, &connected).await).is_empty(),
        "a server ban of eu does not reach us"
    );
    // A US server that enforces only global bans lets the player in even under a US server ban.
    change_server(
        app,
        &server(app, "US 2", &["us"]).await.0,
        ServerChange {
            enforced_ban_scopes: Some(vec![BanScope::Global]),
            ..Default::default()
        },
    )
    .await;
}

async fn bans_are_validated_lifted_and_expire(app: &TestApp) {
    let (_, eu) = server(app, "EU", &["eu"]).await;
    let (_, us) = server(app, "US", &["us"]).await;
    let path = format!("{}/bans", player());
    form(app, &eu, Method::POST, &path, "duration_minutes=-5")
        .await
        .assert_laravel_error(422, Some("duration_minutes"));
    form(app, &eu, Method::POST, &path, "duration_minutes=soon")
        .await
        .assert_laravel_error(422, Some("duration_minutes"));
    form(app, &eu, Method::POST, &path, "scope=planet")
        .await
        .assert_laravel_error(422, Some("scope"));
    form(app, &eu, Method::POST, "/players/Steam!/1/bans", "")
        .await
        .assert_laravel_error(422, Some("source"));
    let core = app.core().await;
    let me = PlayerRef::parse(&format!("steam:{STEAM_ID}")).unwrap();
    assert!(
        core.bans_of_player(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            &me
        )
        .await
        .unwrap()
        .is_empty(),
        "refused bans store nothing"
    );
    let admin = form(
        app,
        &eu,
        Method::POST,
        &path,
        "admin_steam_account_id=76561198000000009&reason=x",
    )
    .await;
    assert_eq!(admin.status, StatusCode::CREATED);
    assert!(admin.body["ban"]["admin_user_id"].is_string());
    assert!(
        admin.body["ban"]["expires_at"].is_null(),
        "no duration: permanent"
    );
    form(app, &us, Method::POST, &path, "scope=global&reason=y").await;
    // The US server may lift the global ban but not the eu server ban.
    assert_eq!(
        form(app, &us, Method::DELETE, &path, "").await.status,
        StatusCode::NO_CONTENT
    );
    let bans = core
        .bans_of_player(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            &me,
        )
        .await
        .unwrap();
    let active: Vec<_> = bans
        .iter()
        .filter(|b| b.lifted_at.is_none())
        .map(|b| b.scope)
        .collect();
    assert_eq!(active, vec![BanScope::Server]);
    assert_eq!(
        form(app, &eu, Method::POST, &path, "_method=DELETE")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert!(core
        .bans_of_player(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            &me
        )
        .await
        .unwrap()
        .iter()
        .all(|b| b.lifted_at.is_some()));
    core.store.close().await;
    // An expired ban no longer kicks.
    form(
        app,
        &eu,
        Method::POST,
        &path,
        "scope=global&duration_minutes=1&reason=short",
    )
    .await;
    let store = app.store().await;
    let pool_sql = "UPDATE ember_bans SET expires_at = 1 WHERE reason = 'short'";
    match app.db.backend {
        backline_store::Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
            sqlx::query(pool_sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        backline_store::Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            sqlx::query(pool_sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
    store.close().await;
    let actions = without_settings(
        poll(
            app,
            &eu,
            &format!("players[steam][connecting][ids]={STEAM_ID}"),
        )
        .await,
    );
    assert!(
        actions.iter().all(|a| a["type"] != "command"),
        "{actions:?}"
    );
}

async fn exhaustive_and_partial_roles_payloads_are_exact(app: &TestApp) {
    let (eu_id, eu) = server(app, "EU", &["eu"]).await;
    let (_, us) = server(app, "US", &["us"]).await;
    let core = app.core().await;
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "Owner",
        "superadmin",
        1,
        vec![],
    )
    .await
    .unwrap();
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "Moderator",
        "mod",
        5,
        vec!["eu".into()],
    )
    .await
    .unwrap();
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "VIP",
        "vip",
        9,
        vec![],
    )
    .await
    .unwrap();
    let me = PlayerRef::parse(&format!("steam:{STEAM_ID}")).unwrap();
    poll(app, &eu, "").await;
    poll(app, &us, "").await;
    for role in ["VIP", "Moderator", "Owner"] {
        core.operator_set_role(
            &crate::helpers::grant::<backline_server::core::access::Moderate>(),
            &me,
            role,
            true,
        )
        .await
        .unwrap();
    }
    core.operator_set_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        &me,
        "Owner",
        false,
    )
    .await
    .unwrap();
    core.store.close().await;
    let partial = |grant: &[&str], revoke: &[&str]| json!({"player_steam_account_id": STEAM_ID, "exhaustive": false, "grant": grant, "revoke": revoke});
    let eu_actions = without_settings(poll(app, &eu, "").await);
    let payloads: Vec<_> = eu_actions
        .iter()
        .map(|a| {
            let mut p = a["payload"].clone();
            p.as_object_mut().unwrap().remove("execution_id");
            p
        })
        .collect();
    assert_eq!(
        payloads,
        vec![
            partial(&["vip"], &[]),
            partial(&["mod"], &[]),
            partial(&["superadmin"], &[]),
            partial(&[], &["superadmin"])
        ]
    );
    assert_eq!(
        without_settings(poll(app, &us, "").await).len(),
        3,
        "the eu-only role is not sent to us"
    );
    let connecting = format!("players[steam][connecting][ids]={STEAM_ID}");
    let exhaustive = without_settings(poll(app, &eu, &connecting).await);
    assert_eq!(
        exhaustive,
        vec![
            json!({"type": "roles", "payload": {"player_steam_account_id": STEAM_ID, "exhaustive": true, "grant": ["mod", "vip"], "revoke": ["superadmin"]}})
        ]
    );
    let us_exhaustive = without_settings(poll(app, &us, &connecting).await);
    assert_eq!(us_exhaustive[0]["payload"]["grant"], json!(["vip"]));
    // Servers that do not receive roles get none.
    change_server(
        app,
        &eu_id,
        ServerChange {
            role_sync_receive: Some(false),
            ..Default::default()
        },
    )
    .await;
    let none = poll(app, &eu, &connecting).await;
    assert!(none.iter().all(|a| a["type"] != "roles"), "{none:?}");
}

async fn multi_role_and_primary_role_endpoints_keep_the_hierarchy(app: &TestApp) {
    let (eu_id, eu) = server(app, "EU", &["eu"]).await;
    let (_, other) = server(app, "Other", &["eu"]).await;
    let core = app.core().await;
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "Admin",
        "admin",
        1,
        vec![],
    )
    .await
    .unwrap();
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "Moderator",
        "moderator",
        5,
        vec![],
    )
    .await
    .unwrap();
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "VIP",
        "vip",
        9,
        vec![],
    )
    .await
    .unwrap();
    core.store.close().await;
    poll(app, &other, "").await;
    let roles = format!("{}/roles", player());
    let primary = format!("{}/primaryrole", player());
    assert_eq!(
        app.get(
            &format!("/api/game{primary}"),
            &[("authorization", &format!("Bearer {eu}"))]
        )
        .await
        .body,
        json!({"name": null})
    );
    assert_eq!(
        form(app, &eu, Method::POST, &roles, "name=vip")
            .await
            .status,
        204
    );
    assert_eq!(
        form(app, &eu, Method::POST, &roles, "name=moderator")
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(
            &format!("/api/game{primary}"),
            &[("authorization", &format!("Bearer {eu}"))]
        )
        .await
        .body,
        json!({"name": "moderator"})
    );
    form(app, &eu, Method::POST, &roles, "name=owner")
        .await
        .assert_laravel_error(422, Some("name"));
    form(app, &eu, Method::POST, &roles, "")
        .await
        .assert_laravel_error(422, Some("name"));
    assert_eq!(
        form(app, &eu, Method::DELETE, &format!("{roles}/moderator"), "")
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(
            &format!("/api/game{primary}"),
            &[("authorization", &format!("Bearer {eu}"))]
        )
        .await
        .body,
        json!({"name": "vip"})
    );
    // Primary role: grants the role and revokes those below it.
    assert_eq!(
        form(app, &eu, Method::POST, &primary, "name=admin")
            .await
            .status,
        204
    );
    let me = PlayerRef::parse(&format!("steam:{STEAM_ID}")).unwrap();
    let core = app.core().await;
    let user = core.user_for_player(&me).await.unwrap();
    let held = backline_store::RoleStore::roles_of(&core.store, std::slice::from_ref(&user.id))
        .await
        .unwrap()
        .remove(0)
        .1;
    assert_eq!(
        held.held
            .iter()
            .map(|r| r.ingame.as_str())
            .collect::<Vec<_>>(),
        vec!["admin"]
    );
    core.store.close().await;
    // The other server heard of every change as partial roles actions.
    let changes: Vec<_> = without_settings(poll(app, &other, "").await)
        .iter()
        .map(|a| {
            (
                a["payload"]["grant"].clone(),
                a["payload"]["revoke"].clone(),
            )
        })
        .collect();
    assert_eq!(changes.first(), Some(&(json!(["vip"]), json!([]))));
    assert!(
        changes.contains(&(json!([]), json!(["vip"]))),
        "{changes:?}"
    );
    // A server that does not send roles may not report them.
    change_server(
        app,
        &eu_id,
        ServerChange {
            role_sync_send: Some(false),
            ..Default::default()
        },
    )
    .await;
    form(app, &eu, Method::POST, &roles, "name=vip")
        .await
        .assert_laravel_error(403, None);
}

/// A game server's `DELETE …/bans` lifts the bans game servers issued; an operator's ban
/// (admin API, console, CLI) stays unless the server's `may_lift_operator_bans` is on. The
/// answer is the contract's 204 either way (the route lifts "the bans this server may lift").
async fn a_server_lifts_an_operators_ban_only_when_its_settings_allow(app: &TestApp) {
    let (eu_id, eu) = server(app, "EU", &["eu"]).await;
    let (_, us) = server(app, "US", &["us"]).await;
    // The setting is documented where operators edit servers.
    let doc = app.get("/openapi.json", &[]).await;
    let setting = &doc.body["components"]["schemas"]["EditServerRequest"]["properties"]
        ["may_lift_operator_bans"];
    assert!(
        setting["type"] == json!("boolean") || setting["type"] == json!(["boolean", "null"]),
        "{setting}"
    );
    assert!(setting["description"]
        .as_str()
        .is_some_and(|d| d.contains("operators' bans")));
    let shown = app
        .admin(Method::GET, &format!("/servers/{eu_id}"), None)
        .await;
    assert_eq!(
        shown.body["may_lift_operator_bans"],
        json!(false),
        "{shown:?}"
    );
    let path = format!("{}/bans", player());
    let operators = app
        .admin(
            Method::POST,
            "/bans",
            Some(json!({"source": "steam", "account_id": STEAM_ID, "scope": "global", "reason": "by an operator"})),
        )
        .await;
    assert_eq!(operators.status, StatusCode::CREATED, "{operators:?}");
    assert_eq!(operators.body["issued_by"], json!("operator"));
    let operator_ban = operators.body["id"].as_str().unwrap().to_owned();
    let servers = form(
        app,
        &us,
        Method::POST,
        &path,
        "scope=global&reason=by-a-server",
    )
    .await;
    assert_eq!(servers.status, StatusCode::CREATED, "{servers:?}");
    assert_eq!(servers.body["ban"]["issued_by"], json!("server"));
    let server_ban = servers.body["ban"]["id"].as_str().unwrap().to_owned();

    // The EU server lifts the US server's global ban, not the operator's.
    let lifted = form(app, &eu, Method::DELETE, &path, "").await;
    assert_eq!(lifted.status, StatusCode::NO_CONTENT, "{lifted:?}");
    let status_of = |id: String| async move {
        let r = app.admin(Method::GET, &format!("/bans/{id}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        (r.body["status"].clone(), r.body["issued_by"].clone())
    };
    assert_eq!(
        status_of(operator_ban.clone()).await,
        (json!("active"), json!("operator"))
    );
    assert_eq!(
        status_of(server_ban).await,
        (json!("lifted"), json!("server"))
    );
    let store = app.store().await;
    let me = PlayerRef::parse(&format!("steam:{STEAM_ID}")).unwrap();
    let user = backline_store::UserStore::find_user_by_external(
        &store,
        &backline_domain::accounts::ExternalAccount::new(&me.source, &me.account_id),
    )
    .await
    .unwrap()
    .unwrap();
    let stored = backline_store::BanStore::bans_of(&store, std::slice::from_ref(&user.id))
        .await
        .unwrap();
    store.close().await;
    let active: Vec<_> = stored
        .iter()
        .filter(|b| b.lifted_at.is_none())
        .map(|b| (b.id.to_string(), b.issued_by))
        .collect();
    assert_eq!(
        active,
        vec![(
            operator_ban.clone(),
            backline_domain::ember::bans::BanIssuer::Operator
        )]
    );

    // An operator lets the EU server lift operators' bans: then it does.
    let changed = app
        .admin(
            Method::PATCH,
            &format!("/servers/{eu_id}"),
            Some(json!({"may_lift_operator_bans": true})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    assert_eq!(changed.body["may_lift_operator_bans"], json!(true));
    app.sync_cache().await;
    let lifted = form(app, &eu, Method::DELETE, &path, "").await;
    assert_eq!(lifted.status, StatusCode::NO_CONTENT, "{lifted:?}");
    assert_eq!(
        status_of(operator_ban).await,
        (json!("lifted"), json!("operator"))
    );
}
