//! The cache of credentials and its bound (README, "The cache and its bound"): a change made
//! by a CLI process (another process on the database) is refused within twice
//! `cache.recheck_millis`, one made through the server at once. Every story warms the cache
//! first (the request succeeds, and the cache holds the row), so a refusal proves the
//! invalidation, not a cold read.

use crate::ember_helpers::{form, poll, server, without_settings, STEAM_ID};
use crate::helpers::{cli, Reply, TestApp};
use crate::nakama_helpers::{custom, signed_in};
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::bans::BanScope;
use backline_server::core::ember::bans::OperatorBan;
use backline_store::CacheArea;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::future::Future;
use std::time::{Duration, Instant};

backline_store::stories!(crate::helpers::with_app =>
    a_key_and_tokens_revoked_by_the_cli_are_refused_within_the_bound,
    a_server_token_rotated_by_the_cli_is_refused_within_the_bound_and_the_new_one_works,
    a_user_disabled_by_the_cli_loses_sessions_and_logins_within_the_bound,
    a_logout_is_refused_at_once_by_the_server_that_did_it,
    a_role_granted_by_the_cli_and_a_ban_made_elsewhere_reach_the_next_poll,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_warm_credential_requests_read_no_database_and_stop_trusting_memory_after_the_bound()
{
    warm_credential_requests_read_no_database(backline_store::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_warm_credential_requests_read_no_database_and_stop_trusting_memory_after_the_bound(
) {
    warm_credential_requests_read_no_database(backline_store::Backend::Postgres).await;
}

/// How long a change made by another process may go unseen: the stated bound plus the time
/// of a request on a busy test machine.
pub fn deadline(app: &TestApp) -> Duration {
    Duration::from_millis(2 * app.config.cache.recheck_millis) + Duration::from_millis(500)
}

/// Repeats `request` until `done` holds for its reply; panics with the last reply when the
/// deadline passes first. The reply that made it.
pub async fn within<F, Fut>(
    limit: Duration,
    what: &str,
    request: F,
    done: impl Fn(&Reply) -> bool,
) -> Reply
where
    F: Fn() -> Fut,
    Fut: Future<Output = Reply>,
{
    let start = Instant::now();
    loop {
        let reply = request().await;
        if done(&reply) {
            return reply;
        }
        assert!(
            start.elapsed() < limit,
            "{what}: not seen within {limit:?}; last reply {reply:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn run_cli(app: &TestApp, args: &[&str]) -> Value {
    let (ok, value, err) = cli(&app.db.url, args).await;
    assert!(ok, "{args:?}: {err}");
    value
}

async fn a_key_and_tokens_revoked_by_the_cli_are_refused_within_the_bound(app: &TestApp) {
    let org = app.create_org("Cached League", None).await;
    let key = app.issue_key(&org, None).await;
    let spare_key = app.issue_key(&org, None).await;
    let backend = app.issue_token("spectra-backend").await;
    let stats = app.issue_token("spectra-stats").await;
    let validate = |key: String| {
        let backend = backend.clone();
        async move {
            app.get(
                &format!("/spectra/system/validateAccessKey/{key}"),
                &[("x-user-token", &backend)],
            )
            .await
        }
    };
    let fetch_mmr = || async {
        app.post_json(
            "/spectra/stats/fetchPlayerMMR",
            &[("authentication", &stats)],
            &json!({"matchUuid": "m", "accountPuuids": ["p"]}),
        )
        .await
    };
    for _ in 0..2 {
        let r = validate(key.clone()).await;
        assert_eq!(
            (r.status, r.body.clone()),
            (StatusCode::OK, json!({"id": org, "name": "Cached League"}))
        );
        let r = fetch_mmr().await;
        assert_eq!(
            (r.status, r.body.clone()),
            (
                StatusCode::OK,
                json!({"results": [{"puuid": "p", "currentMMRTier": null, "peakMMRTier": null}]})
            )
        );
    }
    assert!(app.server_cache.cached_entries(CacheArea::SpectraKeys) > 0);
    assert!(app.server_cache.cached_entries(CacheArea::ApiTokens) >= 2);

    run_cli(app, &["key", "revoke", &key, "--json"]).await;
    within(
        deadline(app),
        "a revoked key",
        || validate(key.clone()),
        |r| r.status == StatusCode::UNAUTHORIZED,
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED);
    assert_eq!(validate(spare_key.clone()).await.status, StatusCode::OK);

    let tokens = run_cli(app, &["token", "list", "--json"]).await;
    let id_of = |kind: &str| {
        tokens["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kind"] == kind)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    run_cli(app, &["token", "revoke", &id_of("spectra-stats"), "--json"]).await;
    within(deadline(app), "a revoked stats token", fetch_mmr, |r| {
        r.status == StatusCode::UNAUTHORIZED
    })
    .await;
    fetch_mmr().await.assert_error(StatusCode::UNAUTHORIZED);
    assert_eq!(
        validate(spare_key.clone()).await.status,
        StatusCode::OK,
        "the backend token still works"
    );

    run_cli(
        app,
        &["token", "revoke", &id_of("spectra-backend"), "--json"],
    )
    .await;
    within(
        deadline(app),
        "a revoked backend token",
        || validate(spare_key.clone()),
        |r| r.status == StatusCode::UNAUTHORIZED,
    )
    .await;
    validate(spare_key)
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
}

async fn a_server_token_rotated_by_the_cli_is_refused_within_the_bound_and_the_new_one_works(
    app: &TestApp,
) {
    let (id, old) = server(app, "EU 1", &["eu"]).await;
    for _ in 0..2 {
        poll(app, &old, "").await;
    }
    assert!(app.server_cache.cached_entries(CacheArea::GameServers) > 0);
    let rotated = run_cli(app, &["server", "rotate-token", &id, "--json"]).await;
    let new = rotated["token"].as_str().unwrap().to_owned();
    within(
        deadline(app),
        "a rotated server token",
        || form(app, &old, Method::POST, "/poll", ""),
        |r| r.status == StatusCode::UNAUTHORIZED,
    )
    .await;
    form(app, &old, Method::POST, "/poll", "")
        .await
        .assert_laravel_error(401, None);
    let r = form(app, &new, Method::POST, "/poll", "").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert!(r.body["actions"].is_array(), "{r:?}");
}

async fn a_user_disabled_by_the_cli_loses_sessions_and_logins_within_the_bound(app: &TestApp) {
    let (user_id, token) = signed_in(app, "cached-custom-id", &[]).await;
    let bearer = format!("Bearer {token}");
    let lookup = || async {
        app.post_json(
            "/v2/rpc/account/lookup?unwrap",
            &[("authorization", &bearer)],
            &json!({"user_id": user_id}),
        )
        .await
    };
    for _ in 0..2 {
        let r = lookup().await;
        assert_eq!(
            (r.status, r.body["id"].clone()),
            (StatusCode::OK, json!(user_id)),
            "{r:?}"
        );
        let r = custom(app, "cached-custom-id", "create=false").await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
    assert!(app.server_cache.cached_entries(CacheArea::Accounts) >= 3);
    let shown = run_cli(app, &["user", "disable", &user_id, "--json"]).await;
    assert_eq!(shown["disabled"], true, "{shown}");
    within(deadline(app), "a disabled user's session", lookup, |r| {
        r.status == StatusCode::UNAUTHORIZED
    })
    .await;
    lookup()
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    within(
        deadline(app),
        "a disabled user's login",
        || custom(app, "cached-custom-id", "create=false"),
        |r| r.status == StatusCode::FORBIDDEN,
    )
    .await;
    custom(app, "cached-custom-id", "create=false")
        .await
        .assert_nakama_error(StatusCode::FORBIDDEN, 7);
}

async fn a_logout_is_refused_at_once_by_the_server_that_did_it(app: &TestApp) {
    let one = custom(app, "logout-custom-id", "create=true").await;
    let two = custom(app, "logout-custom-id", "").await;
    let (t1, t2) = (
        one.body["token"].as_str().unwrap().to_owned(),
        two.body["token"].as_str().unwrap().to_owned(),
    );
    let lookup = |token: &str| {
        let bearer = format!("Bearer {token}");
        async move {
            app.post_json(
                "/v2/rpc/account/lookup?unwrap",
                &[("authorization", &bearer)],
                &json!({"username": "nobody-by-that-name"}),
            )
            .await
        }
    };
    for token in [&t1, &t2, &t1, &t2] {
        lookup(token)
            .await
            .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    }
    let logout = |token: &str, body: Value| {
        let bearer = format!("Bearer {token}");
        async move {
            app.post_json("/v2/session/logout", &[("authorization", &bearer)], &body)
                .await
        }
    };
    // One session: refused on the very next request, the other one lives on.
    let r = logout(&t1, json!({"token": t1})).await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, json!({})));
    lookup(&t1)
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    lookup(&t2)
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
    // Every session.
    let r = logout(&t2, json!({})).await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, json!({})));
    lookup(&t2)
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    let r = custom(app, "logout-custom-id", "").await;
    assert_eq!(r.status, StatusCode::OK, "a new login works: {r:?}");
    lookup(r.body["token"].as_str().unwrap())
        .await
        .assert_nakama_error(StatusCode::NOT_FOUND, 5);
}

async fn a_role_granted_by_the_cli_and_a_ban_made_elsewhere_reach_the_next_poll(app: &TestApp) {
    let (_, token) = server(app, "EU 1", &["eu"]).await;
    run_cli(
        app,
        &["role", "create", "Admin", "--ingame", "admin", "--json"],
    )
    .await;
    let connecting = format!("players[steam][connecting][ids]={STEAM_ID}");
    let roles = |grant: Value| {
        vec![
            json!({"type": "roles", "payload": {"player_steam_account_id": STEAM_ID, "exhaustive": true, "grant": grant, "revoke": []}}),
        ]
    };
    for _ in 0..2 {
        let actions = without_settings(poll(app, &token, &connecting).await);
        assert_eq!(actions, roles(json!([])));
    }
    assert!(app.server_cache.cached_entries(CacheArea::GameServers) > 0);
    assert!(app.server_cache.cached_entries(CacheArea::Accounts) > 0);

    run_cli(
        app,
        &["role", "grant", &format!("steam:{STEAM_ID}"), "Admin"],
    )
    .await;
    // The grant also queues a role execution; the exhaustive roles are the poll's own.
    let actions: Vec<Value> = without_settings(poll(app, &token, &connecting).await)
        .into_iter()
        .filter(|a| a["payload"]["execution_id"].is_null())
        .collect();
    assert_eq!(actions, roles(json!(["admin"])));

    let core = app.core().await;
    core.create_operator_ban(
        &crate::helpers::grant(),
        OperatorBan {
            player: PlayerRef::parse(&format!("steam:{STEAM_ID}")).unwrap(),
            scope: BanScope::Global,
            group: None,
            duration_minutes: None,
            reason: "Aimbot".into(),
        },
    )
    .await
    .unwrap();
    core.store.close().await;
    let actions = without_settings(poll(app, &token, &connecting).await);
    // The poll saw the ban: the player gets one kick (the one the ban queued, which this
    // poll delivers in place of its own) and not the roles a poll unaware of the ban sends.
    let commands: Vec<&Value> = actions.iter().filter(|a| a["type"] == "command").collect();
    assert_eq!(commands.len(), 1, "{actions:?}");
    assert_eq!(
        commands[0]["payload"]["command"], "kickid STEAM_0:0:85830602 \"Aimbot\"",
        "{actions:?}"
    );
    assert!(actions.iter().all(|a| a["type"] != "roles"), "{actions:?}");
}

/// The hot reads, warm, answer with the server's database pools closed (so they touched no
/// database); once the bound has passed without a read of the change counters, the same
/// requests go to the database again and report its outage (503), never a stale answer.
async fn warm_credential_requests_read_no_database(backend: backline_store::Backend) {
    // A long bound (1 s) leaves room for the requests on a busy test machine.
    let Some(app) = TestApp::spawn_with(backend, |c| c.cache.recheck_millis = 500).await else {
        return;
    };
    let org = app.create_org("Warm League", None).await;
    let key = app.issue_key(&org, None).await;
    let backend_token = app.issue_token("spectra-backend").await;
    let (_, session) = signed_in(&app, "warm-custom-id", &[]).await;
    let username = custom(&app, "warm-custom-id", "create=false").await;
    assert_eq!(username.status, StatusCode::OK, "{username:?}");
    let name = crate::nakama_helpers::claims(&session)["usn"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = format!("Bearer {session}");
    let requests = || async {
        [
            app.get(
                &format!("/spectra/system/validateAccessKey/{key}"),
                &[("x-user-token", &backend_token)],
            )
            .await,
            app.post_json(
                &format!(
                    "/v2/rpc/account/lookup?unwrap&http_key={}",
                    crate::helpers::HTTP_KEY
                ),
                &[],
                &json!({"username": name}),
            )
            .await,
            app.post_json(
                "/v2/rpc/account/lookup?unwrap",
                &[("authorization", &bearer)],
                &json!({"username": name}),
            )
            .await,
            custom(&app, "warm-custom-id", "create=false").await,
        ]
    };
    // The set-up's own writes moved the counters: let the server take them in first, so the
    // warm-up below is not cleared by the next periodic read.
    app.sync_cache().await;
    for _ in 0..2 {
        for r in requests().await {
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
        }
    }
    app.server_store.close().await;
    let replies = requests().await;
    assert_eq!(
        replies[0].body,
        json!({"id": org, "name": "Warm League"}),
        "{:?}",
        replies[0]
    );
    assert_eq!(replies[1].body["username"], json!(name), "{:?}", replies[1]);
    assert_eq!(replies[2].body, replies[1].body);
    assert!(replies[3].body["token"].is_string(), "{:?}", replies[3]);
    app.advance(app.server_cache.options().bound() + Duration::from_millis(1));
    let replies = requests().await;
    assert_eq!(
        replies[0].status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        replies[0]
    );
    for r in &replies[1..] {
        r.assert_nakama_error(StatusCode::SERVICE_UNAVAILABLE, 14);
    }
    app.stop().await;
}
