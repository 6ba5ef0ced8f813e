//! Users through the admin API: create, show, list with filters and pages, disable and
//! enable (refusing sessions meanwhile), passwords, external accounts, system groups; each role held to
//! its writes; every write audited with the user's id.

use crate::admin_roles::{as_token, issue};
use crate::helpers::{Reply, TestApp};
use crate::nakama_helpers::rpc_http_key;
use backline_domain::ids::UserId;
use backline_store::UserStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    users_are_created_shown_and_stored_without_their_password,
    users_are_listed_with_filters_in_pages_without_repeats,
    disabling_a_user_refuses_its_sessions_and_a_moderator_may_do_it,
    passwords_are_set_by_owners_and_checked_as_the_cli_checks_them,
    user_writes_are_refused_without_the_role_and_audited_with_the_user,
);

/// Creates a user through the API (201); its id.
pub async fn create_user(app: &TestApp, body: Value) -> String {
    let r = app.admin(Method::POST, "/users", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["id"].as_str().unwrap().to_owned()
}

/// Signs in through the Nakama surface with a username and password.
async fn login(app: &TestApp, username: &str, password: &str) -> Reply {
    rpc_http_key(
        app,
        "account/authenticate/password",
        json!({"username": username, "password": password}),
    )
    .await
}

async fn account(app: &TestApp, session: &str) -> Reply {
    app.get(
        "/v2/account",
        &[("authorization", &format!("Bearer {session}"))],
    )
    .await
}

async fn users_are_created_shown_and_stored_without_their_password(app: &TestApp) {
    let r = app
        .admin(
            Method::POST,
            "/users",
            Some(json!({
                "username": "alice",
                "email": "alice@example.org",
                "password": "correct horse",
                "display_name": "Alice A."
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["username"], "alice");
    assert_eq!(r.body["display_name"], "Alice A.");
    assert_eq!(r.body["email"], "alice@example.org");
    assert_eq!(r.body["disabled"], false);
    assert_eq!(r.body["groups"], json!([]));
    assert_eq!(r.body["external_accounts"], json!([]));
    assert!(r.body["created_at"].is_string());
    assert!(!r.text.contains("correct horse") && !r.text.contains("password"));

    // Shown by id and, as the CLI accepts, by username.
    for key in [id.as_str(), "alice"] {
        let shown = app.admin(Method::GET, &format!("/users/{key}"), None).await;
        assert_eq!(shown.status, StatusCode::OK, "{shown:?}");
        assert_eq!(shown.body, r.body);
    }
    let store = app.store().await;
    let stored = store
        .get_user(&UserId::from_string(&id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.username.as_str(), stored.email.as_deref()),
        ("alice", Some("alice@example.org"))
    );
    let hash = store
        .password_hash(&stored.id)
        .await
        .unwrap()
        .expect("a password hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    store.close().await;
    assert_eq!(
        login(app, "alice", "correct horse").await.status,
        StatusCode::OK
    );
    // Without a password or display name, as the CLI allows.
    let bare = create_user(app, json!({"username": "bare"})).await;
    let shown = app
        .admin(Method::GET, &format!("/users/{bare}"), None)
        .await;
    assert_eq!(shown.body["display_name"], "bare");

    // Refusals, each changing nothing.
    for (body, status) in [
        (json!({"username": "alice"}), StatusCode::CONFLICT),
        (
            json!({"username": "other", "email": "alice@example.org"}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"username": "shorty", "password": "short"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "bad", "email": "not-an-email"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"username": 5}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"email": "x@example.org"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"username": "extra", "role": "admin"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = app.admin(Method::POST, "/users", Some(body.clone())).await;
        r.assert_error(status);
        assert!(r.body["message"].is_string(), "{body}: {r:?}");
    }
    let auth = format!("Bearer {}", app.admin_token);
    let malformed = app
        .send(
            Method::POST,
            "/admin/v1/users",
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
            Some(b"{\"username\": ".to_vec()),
        )
        .await;
    malformed.assert_error(StatusCode::BAD_REQUEST);
    let listed = app.admin(Method::GET, "/users", None).await;
    let names: Vec<_> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].clone())
        .collect();
    assert_eq!(names, [json!("alice"), json!("bare")]);
    app.admin(Method::GET, "/users/nobody", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
}

fn usernames(r: &Reply) -> Vec<String> {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

async fn users_are_listed_with_filters_in_pages_without_repeats(app: &TestApp) {
    create_user(
        app,
        json!({"username": "carol", "email": "carol@Example.org"}),
    )
    .await;
    let bob = create_user(
        app,
        json!({"username": "bob", "display_name": "Bobby Tables"}),
    )
    .await;
    let dave = create_user(app, json!({"username": "dave"})).await;
    create_user(app, json!({"username": "erin"})).await;
    app.admin(Method::POST, &format!("/users/{bob}/disable"), None)
        .await;
    app.admin(
        Method::PUT,
        &format!("/users/{dave}/groups/global-bots"),
        None,
    )
    .await;
    app.admin(
        Method::POST,
        &format!("/users/{dave}/links"),
        Some(json!({"source": "discord", "external_id": "4242"})),
    )
    .await;
    app.admin(
        Method::POST,
        "/users/carol/links",
        Some(json!({"source": "discord", "external_id": "777"})),
    )
    .await;

    let list = |query: &'static str| async move {
        usernames(
            &app.admin(Method::GET, &format!("/users{query}"), None)
                .await,
        )
    };
    assert_eq!(list("").await, ["bob", "carol", "dave", "erin"]);
    assert_eq!(list("?q=TABLES").await, ["bob"]);
    assert_eq!(list("?q=example.org").await, ["carol"]);
    assert_eq!(list("?q=r").await, ["carol", "erin"]);
    assert_eq!(list("?disabled=true").await, ["bob"]);
    assert_eq!(list("?disabled=false").await, ["carol", "dave", "erin"]);
    assert_eq!(list("?group=Global%20Bots").await, ["dave"]);
    assert_eq!(list("?group=global-operators").await, Vec::<String>::new());
    assert_eq!(list("?source=discord").await, ["carol", "dave"]);
    assert_eq!(list("?source=discord&external_id=4242").await, ["dave"]);
    assert_eq!(
        list("?source=discord&disabled=false&q=car").await,
        ["carol"]
    );

    // Two pages, then the end: no repeats, nothing missed.
    let first = app.admin(Method::GET, "/users?limit=2", None).await;
    assert_eq!(usernames(&first), ["bob", "carol"]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = app
        .admin(
            Method::GET,
            &format!("/users?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(usernames(&second), ["dave", "erin"]);
    assert!(second.body["next_cursor"].is_null(), "{second:?}");

    for (query, status) in [
        ("?limit=abc", StatusCode::BAD_REQUEST),
        ("?disabled=maybe", StatusCode::BAD_REQUEST),
        ("?role=admin", StatusCode::BAD_REQUEST),
        ("?limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("?limit=501", StatusCode::UNPROCESSABLE_ENTITY),
        ("?cursor=not-ours", StatusCode::UNPROCESSABLE_ENTITY),
        ("?group=admins", StatusCode::UNPROCESSABLE_ENTITY),
        ("?external_id=4242", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = app
            .admin(Method::GET, &format!("/users{query}"), None)
            .await;
        r.assert_error(status);
        assert!(r.content_type.starts_with("application/json"), "{query}");
    }
}

async fn disabling_a_user_refuses_its_sessions_and_a_moderator_may_do_it(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let viewer = issue(app, "view", "viewer").await;
    let id = create_user(app, json!({"username": "sam", "password": "samspassword"})).await;
    let session = login(app, "sam", "samspassword").await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(account(app, &session).await.status, StatusCode::OK);

    as_token(
        app,
        Some(&viewer),
        Method::POST,
        &format!("/users/{id}/disable"),
        None,
    )
    .await
    .assert_error(StatusCode::FORBIDDEN);
    assert_eq!(account(app, &session).await.status, StatusCode::OK);

    let disabled = as_token(
        app,
        Some(&moderator),
        Method::POST,
        &format!("/users/{id}/disable"),
        None,
    )
    .await;
    assert_eq!(disabled.status, StatusCode::OK, "{disabled:?}");
    assert_eq!(
        (
            disabled.body["id"].as_str(),
            disabled.body["disabled"].as_bool()
        ),
        (Some(id.as_str()), Some(true))
    );
    account(app, &session)
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    assert_ne!(
        login(app, "sam", "samspassword").await.status,
        StatusCode::OK
    );
    let store = app.store().await;
    let stored = store
        .get_user(&UserId::from_string(&id))
        .await
        .unwrap()
        .unwrap();
    assert!(stored.disabled);
    store.close().await;

    // Enabled again (by username), as the CLI's enable: the session works again, and so
    // does signing in.
    let enabled = as_token(
        app,
        Some(&moderator),
        Method::POST,
        "/users/sam/enable",
        None,
    )
    .await;
    assert_eq!(
        (enabled.status, enabled.body["disabled"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    assert_eq!(account(app, &session).await.status, StatusCode::OK);
    let again = login(app, "sam", "samspassword").await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    let fresh = again.body["token"].as_str().unwrap();
    assert_eq!(account(app, fresh).await.status, StatusCode::OK);

    for path in ["/users/nobody/disable", "/users/nobody/enable"] {
        app.admin(Method::POST, path, None)
            .await
            .assert_error(StatusCode::NOT_FOUND);
    }
}

async fn passwords_are_set_by_owners_and_checked_as_the_cli_checks_them(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let id = create_user(app, json!({"username": "pat", "password": "firstpassword"})).await;
    let path = format!("/users/{id}/password");
    as_token(
        app,
        Some(&moderator),
        Method::PUT,
        &path,
        Some(json!({"password": "modpassword"})),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN);
    for body in [
        json!({"password": "short"}),
        json!({"password": 12345678}),
        json!({}),
        json!({"password": "longenough", "confirm": "longenough"}),
    ] {
        app.admin(Method::PUT, &path, Some(body))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Nothing above changed the password.
    assert_eq!(
        login(app, "pat", "firstpassword").await.status,
        StatusCode::OK
    );

    let r = app
        .admin(
            Method::PUT,
            &path,
            Some(json!({"password": "secondpassword"})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["id"].as_str()),
        (StatusCode::OK, Some(id.as_str())),
        "{r:?}"
    );
    assert!(!r.text.contains("secondpassword"));
    login(app, "pat", "firstpassword")
        .await
        .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    assert_eq!(
        login(app, "pat", "secondpassword").await.status,
        StatusCode::OK
    );
    app.admin(
        Method::PUT,
        "/users/nobody/password",
        Some(json!({"password": "whatever1"})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND);
}

async fn user_writes_are_refused_without_the_role_and_audited_with_the_user(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let viewer = issue(app, "view", "viewer").await;
    let revoked = issue(app, "gone", "owner").await;
    app.admin(Method::DELETE, "/admin-tokens/gone", None).await;
    let org = app.create_org("Org", None).await;
    let access_key = app.issue_key(&org, None).await;
    let id = create_user(app, json!({"username": "vic", "password": "vicspassword"})).await;
    let writes = [
        (
            Method::POST,
            "/users".to_owned(),
            json!({"username": "intruder"}),
        ),
        (Method::POST, format!("/users/{id}/disable"), json!({})),
        (Method::POST, format!("/users/{id}/enable"), json!({})),
        (
            Method::PUT,
            format!("/users/{id}/password"),
            json!({"password": "intruder1"}),
        ),
        (
            Method::POST,
            format!("/users/{id}/links"),
            json!({"source": "discord", "external_id": "1"}),
        ),
        (
            Method::DELETE,
            format!("/users/{id}/links/discord"),
            json!({}),
        ),
        (
            Method::PUT,
            format!("/users/{id}/groups/global-bots"),
            json!({}),
        ),
        (
            Method::DELETE,
            format!("/users/{id}/groups/global-bots"),
            json!({}),
        ),
    ];
    let moderator_may = |path: &str| path.ends_with("/disable") || path.ends_with("/enable");
    for (method, path, body) in &writes {
        for token in [None, Some(revoked.as_str()), Some(access_key.as_str())] {
            as_token(app, token, method.clone(), path, Some(body.clone()))
                .await
                .assert_error(StatusCode::UNAUTHORIZED);
        }
        as_token(app, Some(&viewer), method.clone(), path, Some(body.clone()))
            .await
            .assert_error(StatusCode::FORBIDDEN);
        if !moderator_may(path) {
            as_token(
                app,
                Some(&moderator),
                method.clone(),
                path,
                Some(body.clone()),
            )
            .await
            .assert_error(StatusCode::FORBIDDEN);
        }
    }
    for path in ["/users", &format!("/users/{id}")] {
        for token in [None, Some(revoked.as_str()), Some(access_key.as_str())] {
            as_token(app, token, Method::GET, path, None)
                .await
                .assert_error(StatusCode::UNAUTHORIZED);
        }
        for token in [&viewer, &moderator] {
            let r = as_token(app, Some(token), Method::GET, path, None).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {r:?}");
        }
    }
    // Nothing the refused writes asked for happened.
    let shown = app.admin(Method::GET, &format!("/users/{id}"), None).await;
    assert_eq!(
        (
            shown.body["disabled"].clone(),
            shown.body["groups"].clone(),
            shown.body["external_accounts"].clone()
        ),
        (json!(false), json!([]), json!([]))
    );
    assert_eq!(
        usernames(&app.admin(Method::GET, "/users", None).await),
        ["vic"]
    );
    assert_eq!(
        login(app, "vic", "vicspassword").await.status,
        StatusCode::OK
    );

    // Every write by an owner, and the moderator's, is audited with the user's id.
    as_token(
        app,
        Some(&moderator),
        Method::POST,
        &format!("/users/{id}/disable"),
        None,
    )
    .await;
    for (method, path, body) in &writes[2..] {
        let r = app.admin(method.clone(), path, Some(body.clone())).await;
        assert!(r.status.is_success(), "{path}: {r:?}");
    }
    let log = app
        .admin(Method::GET, "/audit?entity_type=users", None)
        .await;
    let entries = log.body["items"].as_array().unwrap();
    let actions: Vec<_> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "DELETE /admin/v1/users/{user_id}/groups/{group}",
            "PUT /admin/v1/users/{user_id}/groups/{group}",
            "DELETE /admin/v1/users/{user_id}/links/{source}",
            "POST /admin/v1/users/{user_id}/links",
            "PUT /admin/v1/users/{user_id}/password",
            "POST /admin/v1/users/{user_id}/enable",
            "POST /admin/v1/users/{user_id}/disable",
            "POST /admin/v1/users",
        ]
    );
    assert!(
        entries.iter().all(|e| e["entity_id"] == json!(id)),
        "{log:?}"
    );
    assert_eq!(entries[6]["actor"], "mod");
    assert!(!log.text.contains("intruder1"));
}

fn many_guesses(config: &mut backline_server::config::Config) {
    config.guess_limit.max_failures = 100;
}

backline_store::stories!(crate::helpers::with_configured_app, many_guesses =>
    an_unknown_user_is_refused_as_slowly_as_a_wrong_password,
);

/// The median of `durations`.
fn median(mut durations: Vec<std::time::Duration>) -> std::time::Duration {
    durations.sort();
    durations[durations.len() / 2]
}

/// A behaviour test, not a speed test: an unknown user (or one without a password) costs
/// the same Argon2 work as a wrong password, so its refusal is not an order of magnitude
/// faster. The same 401, word for word, either way.
async fn an_unknown_user_is_refused_as_slowly_as_a_wrong_password(app: &TestApp) {
    use std::time::Instant;
    create_user(
        app,
        json!({"username": "timed", "password": "correct horse"}),
    )
    .await;
    create_user(app, json!({"username": "no-password"})).await;
    let right = login(app, "timed", "correct horse").await;
    assert_eq!(right.status, StatusCode::OK, "{right:?}");
    // The first refusal makes the process's stand-in hash; not timed.
    let first = login(app, "nobody", "correct horse").await;
    assert_eq!(first.status, StatusCode::UNAUTHORIZED, "{first:?}");

    const N: usize = 5;
    let (mut unknown, mut wrong, mut passwordless) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..N {
        for (username, password, times) in [
            ("nobody", "correct horse", &mut unknown),
            ("timed", "wrong horse", &mut wrong),
            ("no-password", "correct horse", &mut passwordless),
        ] {
            let started = Instant::now();
            let r = login(app, username, password).await;
            times.push(started.elapsed());
            r.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
            assert_eq!(r.body, first.body, "round {round}: {username}");
        }
    }
    let (unknown, wrong, passwordless) = (median(unknown), median(wrong), median(passwordless));
    eprintln!("medians: unknown {unknown:?}, passwordless {passwordless:?}, wrong {wrong:?}");
    assert!(
        unknown * 2 >= wrong,
        "unknown user {unknown:?} vs wrong password {wrong:?}"
    );
    assert!(
        passwordless * 2 >= wrong,
        "user without a password {passwordless:?} vs wrong password {wrong:?}"
    );
}
