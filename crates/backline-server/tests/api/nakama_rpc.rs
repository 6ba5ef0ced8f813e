//! The RPC transport and the account RPCs, including the wiki's own curl examples.

use crate::helpers::{TestApp, HTTP_KEY};
use crate::nakama_helpers::{basic, claims, rpc, rpc_http_key, signed_in};
use backline_domain::accounts::ExternalAccount;
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    the_wiki_password_login_refresh_and_lookup_work_as_written,
    password_login_refuses_wrong_passwords_unknown_users_and_missing_identifiers,
    the_transport_accepts_every_documented_form,
    the_transport_refuses_bad_keys_bodies_and_unknown_rpcs,
);

/// A user `sprockee` with a password and a Discord account, as in the wiki.
async fn sprockee(app: &TestApp) -> String {
    let core = app.core().await;
    let user = core
        .create_user(backline_server::core::accounts::NewUser {
            username: Some("sprockee".into()),
            password: Some("somepassword".into()),
            external: vec![ExternalAccount::new("discord", "695081603180789771")],
            ..Default::default()
        })
        .await
        .unwrap();
    core.store.close().await;
    user.id.to_string()
}

async fn the_wiki_password_login_refresh_and_lookup_work_as_written(app: &TestApp) {
    let user_id = sprockee(app).await;
    let login_path =
        format!("/v2/rpc/account/authenticate/password?unwrap=null&http_key={HTTP_KEY}");
    let body = json!({"user_id": user_id, "password": "somepassword"});
    let login = app.post_json(&login_path, &[], &body).await;
    assert_eq!(login.status, StatusCode::OK, "{login:?}");
    let token = login.body["token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&token)["uid"], json!(user_id));
    assert_eq!(claims(&token)["usn"], "sprockee");

    let refresh = json!({"refresh_token": login.body["refresh_token"]});
    let refreshed = app
        .post_json(&login_path, &[("authorization", "Basic Og==")], &refresh)
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{refreshed:?}");
    assert_eq!(
        claims(refreshed.body["token"].as_str().unwrap())["tid"],
        claims(&token)["tid"]
    );

    for by in [
        json!({"discord_id": "695081603180789771"}),
        json!({"username": "sprockee"}),
        json!({"user_id": user_id}),
    ] {
        let found = app
            .post_json(
                "/v2/rpc/account/lookup?unwrap=null",
                &[("authorization", &format!("Bearer {token}"))],
                &by,
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{found:?}");
        assert_eq!(
            found.body,
            json!({"id": user_id, "discord_id": "695081603180789771", "username": "sprockee", "display_name": "sprockee", "avatar_url": ""})
        );
    }
    // By discord id and by username through the other login identifiers.
    for by in [
        json!({"discord_id": "695081603180789771", "password": "somepassword"}),
        json!({"username": "sprockee", "password": "somepassword"}),
    ] {
        assert_eq!(
            app.post_json(&login_path, &[], &by).await.status,
            StatusCode::OK
        );
    }
}

async fn password_login_refuses_wrong_passwords_unknown_users_and_missing_identifiers(
    app: &TestApp,
) {
    sprockee(app).await;
    let wrong = rpc_http_key(
        app,
        "account/authenticate/password",
        json!({"username": "sprockee", "password": "nope-nope"}),
    )
    .await;
    wrong.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    let unknown = rpc_http_key(
        app,
        "account/authenticate/password",
        json!({"username": "nobody", "password": "x"}),
    )
    .await;
    unknown.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    let none = rpc_http_key(
        app,
        "account/authenticate/password",
        json!({"password": "somepassword"}),
    )
    .await;
    none.assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    let bad_refresh = rpc_http_key(
        app,
        "account/authenticate/password",
        json!({"refresh_token": "x.y.z"}),
    )
    .await;
    bad_refresh.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    let missing = rpc_http_key(app, "account/lookup", json!({"username": "nobody"})).await;
    missing.assert_nakama_error(StatusCode::NOT_FOUND, 5);
    rpc_http_key(app, "account/lookup", json!({}))
        .await
        .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
}

async fn the_transport_accepts_every_documented_form(app: &TestApp) {
    sprockee(app).await;
    let (_, token) = signed_in(app, "custom-id-123", &[]).await;
    let bearer = format!("Bearer {token}");
    // Wrapped: the body is a JSON string, the answer {"id", "payload": "<json text>"}.
    let wrapped = app
        .send(
            Method::POST,
            "/v2/rpc/Account%2FLookup",
            &[("authorization", &bearer)],
            Some(br#""{\"username\":\"sprockee\"}""#.to_vec()),
        )
        .await;
    assert_eq!(wrapped.status, StatusCode::OK, "{wrapped:?}");
    let payload: serde_json::Value =
        serde_json::from_str(wrapped.body["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["username"], "sprockee");
    // http key in Basic auth; GET with the lookup in the query; trailing & and empty params.
    let via_basic = app
        .send(
            Method::POST,
            "/v2/rpc/account/lookup?unwrap",
            &[("authorization", &basic(HTTP_KEY))],
            Some(br#"{"username":"sprockee"}"#.to_vec()),
        )
        .await;
    assert_eq!(via_basic.body["username"], "sprockee", "{via_basic:?}");
    let via_get = app
        .get(
            &format!("/v2/rpc/account/lookup?http_key={HTTP_KEY}&username=sprockee&&unwrap=&"),
            &[],
        )
        .await;
    assert_eq!(via_get.body["username"], "sprockee", "{via_get:?}");
    // http_key wins over any Authorization header, even a broken one.
    let key_wins = app
        .send(
            Method::POST,
            &format!("/v2/rpc/account/lookup?unwrap&http_key={HTTP_KEY}"),
            &[("authorization", "Bearer broken")],
            Some(br#"{"username":"sprockee"}"#.to_vec()),
        )
        .await;
    assert_eq!(key_wins.status, StatusCode::OK);
    // An empty wrapped body is an empty payload (lookup then reads the query).
    let empty = app
        .send(
            Method::POST,
            "/v2/rpc/account/lookup?username=sprockee",
            &[("authorization", &bearer)],
            None,
        )
        .await;
    assert_eq!(empty.status, StatusCode::OK, "{empty:?}");
    let through_rpc = rpc(
        app,
        "ACCOUNT/LOOKUP",
        &token,
        json!({"username": "sprockee"}),
    )
    .await;
    assert_eq!(through_rpc.status, StatusCode::OK);
}

async fn the_transport_refuses_bad_keys_bodies_and_unknown_rpcs(app: &TestApp) {
    let (_, token) = signed_in(app, "custom-id-123", &[]).await;
    let bearer = format!("Bearer {token}");
    let lookup = br#"{"username":"x"}"#.to_vec();
    let none = app
        .send(
            Method::POST,
            "/v2/rpc/account/lookup?unwrap",
            &[],
            Some(lookup.clone()),
        )
        .await;
    none.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    assert_eq!(none.body["message"], "Auth token or HTTP key required");
    app.send(
        Method::POST,
        "/v2/rpc/account/lookup?unwrap&http_key=wrong",
        &[],
        Some(lookup.clone()),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    app.send(
        Method::POST,
        "/v2/rpc/account/lookup?unwrap",
        &[("authorization", &basic("wrong"))],
        Some(lookup.clone()),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    app.send(
        Method::POST,
        "/v2/rpc/account/lookup?unwrap",
        &[("authorization", "Bearer forged.token.here")],
        Some(lookup.clone()),
    )
    .await
    .assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    // Without unwrap, a body that is not a JSON string is a 400.
    app.send(
        Method::POST,
        "/v2/rpc/account/lookup",
        &[("authorization", &bearer)],
        Some(lookup.clone()),
    )
    .await
    .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    app.send(
        Method::POST,
        "/v2/rpc/account/lookup?unwrap",
        &[("authorization", &bearer)],
        Some(b"{not json".to_vec()),
    )
    .await
    .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    let unknown = rpc(app, "no/such/rpc", &token, json!({})).await;
    unknown.assert_nakama_error(StatusCode::NOT_FOUND, 5);
    assert_eq!(unknown.body["message"], "RPC function not found");
    let huge = vec![b' '; 2 * 1024 * 1024];
    app.send(
        Method::POST,
        "/v2/rpc/account/lookup?unwrap",
        &[("authorization", &bearer)],
        Some(huge),
    )
    .await
    .assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    app.send(Method::PUT, "/v2/rpc/account/lookup", &[], None)
        .await
        .assert_nakama_error(StatusCode::METHOD_NOT_ALLOWED, 12);
}
