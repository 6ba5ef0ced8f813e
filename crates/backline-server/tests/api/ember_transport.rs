//! Transport details of the game integration that clients rely on (EMBER.md, "Transport",
//! "Polling", "Link tokens"): `X-HTTP-Method-Override`, `X-RateLimit-Reset` as a UNIX
//! timestamp, percent-encoded role names with spaces, and expired link tokens.

use crate::ember_helpers::{execute_sql, form, poll, server, STEAM_ID};
use crate::helpers::{reply, TestApp};
use crate::nakama_helpers::{rpc, signed_in};
use backline_domain::accounts::ExternalAccount;
use backline_domain::ember::actions::{ActionKind, ExecutionStatus, PlayerRef};
use backline_domain::ids::{ExecutionId, ServerId, UserId};
use backline_server::core::ember::executions::Target;
use backline_store::{Backend, ExecutionStore, GameServerStore, RoleStore, UserStore};
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    a_post_with_x_http_method_override_acts_as_that_method,
    role_names_with_spaces_are_percent_decoded_in_paths_and_forms,
    an_expired_link_token_is_refused_and_links_nothing,
);

fn steam() -> PlayerRef {
    PlayerRef::parse(&format!("steam:{STEAM_ID}")).unwrap()
}

/// A request with the server token and extra headers; the reply.
async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> crate::helpers::Reply {
    let auth = format!("Bearer {token}");
    let mut all = vec![
        ("authorization", auth.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    all.extend_from_slice(headers);
    app.send(
        method,
        &format!("/api/game{path}"),
        &all,
        Some(body.as_bytes().to_vec()),
    )
    .await
}

async fn a_post_with_x_http_method_override_acts_as_that_method(app: &TestApp) {
    let (server_id, token) = server(app, "EU", &["eu"]).await;
    let core = app.core().await;
    let queued = core
        .queue_action(
            &crate::helpers::grant::<backline_server::core::access::Administer>(),
            &Target::Server(server_id.clone()),
            ActionKind::Command,
            "say hi",
            None,
            false,
        )
        .await
        .unwrap();
    core.store.close().await;
    let id = queued[0].id.0;
    poll(app, &token, "").await;
    let finish = format!("/actions/executions/{id}/finish");
    let stored = || async {
        let store = app.store().await;
        let e = store.get_execution(ExecutionId(id)).await.unwrap().unwrap();
        store.close().await;
        e
    };

    // An override the API does not know is a 422 naming `_method` and changes nothing.
    let r = send(
        app,
        &token,
        Method::POST,
        &finish,
        &[("x-http-method-override", "PUTS")],
        "error=x",
    )
    .await;
    r.assert_laravel_error(422, Some("_method"));
    assert_eq!(stored().await.status, ExecutionStatus::Leased);
    // Only POST is overridden: a GET with the header is still a GET (405).
    let r = send(
        app,
        &token,
        Method::GET,
        &finish,
        &[("x-http-method-override", "PATCH")],
        "",
    )
    .await;
    r.assert_laravel_error(405, None);
    assert_eq!(stored().await.status, ExecutionStatus::Leased);

    // POST + `X-HTTP-Method-Override: patch` is the PATCH of `finish`.
    let r = send(
        app,
        &token,
        Method::POST,
        &finish,
        &[("x-http-method-override", "patch")],
        "error=Unknown+command",
    )
    .await;
    assert_eq!((r.status, r.text.as_str()), (StatusCode::NO_CONTENT, ""));
    let e = stored().await;
    assert_eq!(
        (e.status, e.error.as_deref()),
        (ExecutionStatus::Failed, Some("Unknown command"))
    );

    // POST + `X-HTTP-Method-Override: DELETE` on the bans route lifts the ban.
    let bans = format!("/players/steam/{STEAM_ID}/bans");
    let r = form(app, &token, Method::POST, &bans, "scope=global&reason=x").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let r = send(
        app,
        &token,
        Method::POST,
        &bans,
        &[("x-http-method-override", "DELETE")],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    let core = app.core().await;
    let stored_bans = core
        .bans_of_player(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            &steam(),
        )
        .await
        .unwrap();
    core.store.close().await;
    assert_eq!(stored_bans.len(), 1, "the override did not create a ban");
    assert!(stored_bans[0].lifted_at.is_some(), "{stored_bans:?}");
}

async fn role_names_with_spaces_are_percent_decoded_in_paths_and_forms(app: &TestApp) {
    let (_, token) = server(app, "EU", &["eu"]).await;
    let core = app.core().await;
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "Super Admin",
        "super admin",
        1,
        vec![],
    )
    .await
    .unwrap();
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "VIP",
        "vip",
        5,
        vec![],
    )
    .await
    .unwrap();
    let user = core.user_for_player(&steam()).await.unwrap().id;
    core.store.close().await;
    let held = || async {
        let store = app.store().await;
        let roles = store.roles_of(std::slice::from_ref(&user)).await.unwrap();
        store.close().await;
        let mut names: Vec<String> = roles
            .into_iter()
            .flat_map(|(_, r)| r.held)
            .map(|r| r.ingame)
            .collect();
        names.sort();
        names
    };
    let roles = format!("/players/steam/{STEAM_ID}/roles");
    // Form-encoded space (`+` and `%20`) in the body.
    for body in ["name=super+admin", "name=vip", "name=super%20admin"] {
        let r = form(app, &token, Method::POST, &roles, body).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{body}: {r:?}");
    }
    assert_eq!(held().await, vec!["super admin", "vip"]);
    // A role that does not exist, spelled with an encoded space, is a 422 and changes nothing.
    let r = form(
        app,
        &token,
        Method::DELETE,
        &format!("{roles}/no%20such"),
        "",
    )
    .await;
    r.assert_laravel_error(422, Some("name"));
    assert_eq!(held().await, vec!["super admin", "vip"]);
    // The path segment is percent-decoded.
    let r = form(
        app,
        &token,
        Method::DELETE,
        &format!("{roles}/super%20admin"),
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    assert_eq!(held().await, vec!["vip"]);
    let primary = format!("/players/steam/{STEAM_ID}/primaryrole");
    let r = form(app, &token, Method::POST, &primary, "name=super%20admin").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    let r = app
        .get(
            &format!("/api/game{primary}"),
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(
        (r.status, r.body),
        (StatusCode::OK, json!({"name": "super admin"}))
    );
    assert_eq!(
        held().await,
        vec!["super admin"],
        "the primary role revokes the roles below it"
    );
}

async fn an_expired_link_token_is_refused_and_links_nothing(app: &TestApp) {
    let (_, token) = server(app, "Minecraft", &[]).await;
    let link = form(
        app,
        &token,
        Method::POST,
        "/players/minecraft/Notch/linktoken",
        "",
    )
    .await;
    assert_eq!(link.status, StatusCode::CREATED, "{link:?}");
    let code = link.body["token"].as_str().unwrap().to_owned();
    let player = ExternalAccount::new("minecraft", "Notch");
    let store = app.store().await;
    let game_user = store.find_user_by_external(&player).await.unwrap().unwrap();
    store.close().await;
    // Fifteen minutes pass (the database is told the token ended a second ago).
    let past = backline_domain::Timestamp::now().millis() - 1000;
    execute_sql(app, "UPDATE ember_link_tokens SET expires_at = $1", past).await;
    let (user_id, session) = signed_in(app, "linking-user", &[]).await;
    let r = rpc(app, "link/redeem", &session, json!({"token": code})).await;
    r.assert_nakama_error(StatusCode::BAD_REQUEST, 9);
    assert_eq!(r.body["message"], "link token expired", "{r:?}");
    let store = app.store().await;
    let holder = store.find_user_by_external(&player).await.unwrap().unwrap();
    assert_eq!(holder.id, game_user.id, "the game account did not move");
    let linked = store
        .external_accounts(&UserId::from_string(&user_id))
        .await
        .unwrap();
    assert!(linked.iter().all(|a| a.source != "minecraft"), "{linked:?}");
    store.close().await;
}

mod reset_as_timestamp {
    use super::*;

    /// With `ember.rate_limit_reset_as_timestamp`, `X-RateLimit-Reset` is the UNIX time of
    /// the next poll (now + the poll interval) instead of seconds to wait.
    async fn x_ratelimit_reset_is_a_unix_timestamp_when_configured(backend: Backend) {
        let Some(app) = TestApp::spawn_with(backend, |c| {
            c.ember.rate_limit_reset_as_timestamp = true;
        })
        .await
        else {
            return;
        };
        let (server_id, token) = server(&app, "EU", &[]).await;
        let before = backline_domain::Timestamp::now().millis() / 1000;
        let response = app
            .client
            .post(app.url("/api/game/poll"))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        let after = backline_domain::Timestamp::now().millis() / 1000;
        let reset: i64 = response.headers()["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let r = reply(response).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert!(r.body["actions"].is_array(), "{r:?}");
        assert!(
            (before + 5..=after + 5).contains(&reset),
            "{before} + 5 ≤ {reset} ≤ {after} + 5"
        );
        let store = app.store().await;
        let stored = store
            .get_server(&ServerId::from_string(&server_id))
            .await
            .unwrap()
            .unwrap();
        store.close().await;
        let polled = stored.last_poll_at.expect("the poll was recorded").millis() / 1000;
        assert!((before..=after).contains(&polled));
        app.stop().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_x_ratelimit_reset_is_a_unix_timestamp_when_configured() {
        x_ratelimit_reset_is_a_unix_timestamp_when_configured(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_x_ratelimit_reset_is_a_unix_timestamp_when_configured() {
        x_ratelimit_reset_is_a_unix_timestamp_when_configured(Backend::Postgres).await
    }
}
