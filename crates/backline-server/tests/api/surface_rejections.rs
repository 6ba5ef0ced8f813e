//! Every rejection of every extractor is answered in the surface's own JSON error: path
//! parameters that are not UTF-8, query strings that do not fit, bodies that are not JSON;
//! and one rule for reading Bearer credentials.

use crate::ember_helpers::{form, json_request, server};
use crate::helpers::{Reply, TestApp, HTTP_KEY};
use crate::nakama_helpers::{basic, custom};
use crate::spectra_matches::Spectra;
use backline_domain::ember::actions::PlayerRef;
use backline_store::GameServerStore;
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    path_parameters_that_are_not_utf8_are_json_400s_on_every_surface,
    admin_query_strings_that_do_not_fit_are_json_400s_naming_the_parameter,
    bodies_that_are_not_json_are_refused_in_each_surfaces_shape_and_change_nothing,
    one_bearer_rule_holds_for_admin_nakama_and_game_integration_tokens,
);

fn assert_json(r: &Reply) {
    assert!(r.content_type.starts_with("application/json"), "{r:?}");
}

async fn path_parameters_that_are_not_utf8_are_json_400s_on_every_surface(app: &TestApp) {
    // Spectra, with a valid backend token (the token is checked first).
    let spectra = Spectra::new(app).await;
    let r = app
        .get(
            "/spectra/system/validateAccessKey/%FF%FE",
            &[("x-user-token", &spectra.token)],
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST);
    assert!(
        r.body["message"].as_str().unwrap().contains("UTF-8"),
        "{r:?}"
    );
    app.get("/spectra/supporter/%FF", &[])
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    let r = app
        .send(
            Method::PUT,
            "/spectra/system/match/%FF%FE/update",
            &[("x-user-token", &spectra.token)],
            Some(b"{}".to_vec()),
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST);

    // Admin.
    for path in [
        "/orgs/%FF%FE",
        "/matches/%C3%28",
        "/playercam-sessions/%FF/players",
    ] {
        let r = app.admin(Method::GET, path, None).await;
        r.assert_error(StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "bad_request", "{r:?}");
    }

    // Nakama: 400 with gRPC code 3.
    let r = app
        .get(&format!("/v2/rpc/%FF%FE?unwrap&http_key={HTTP_KEY}"), &[])
        .await;
    r.assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    assert_json(&r);

    // Game integration: Laravel's `{"message"}`.
    let (_, token) = server(app, "EU 1", &[]).await;
    let r = form(
        app,
        &token,
        Method::PATCH,
        "/actions/executions/%FF/finish",
        "",
    )
    .await;
    r.assert_laravel_error(400, None);
    assert_json(&r);
    let r = form(
        app,
        &token,
        Method::POST,
        "/players/steam/%FF%FE/bans",
        "reason=x",
    )
    .await;
    r.assert_laravel_error(400, None);
    assert_json(&r);
    let r = app.admin(Method::GET, "/matches", None).await;
    assert_eq!(
        r.body,
        json!({"items": [], "next_cursor": null}),
        "nothing was stored: {r:?}"
    );
}

async fn admin_query_strings_that_do_not_fit_are_json_400s_naming_the_parameter(app: &TestApp) {
    for path in [
        "/players?limit=abc",
        "/players?limit=1e3",
        "/matches?limit=abc",
        "/matches?limit=99999999999999999999",
    ] {
        let r = app.admin(Method::GET, path, None).await;
        r.assert_error(StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "bad_request", "{path}: {r:?}");
        assert!(
            r.body["message"].as_str().unwrap().contains("limit"),
            "{path}: {r:?}"
        );
    }
    // The same routes with a good query still answer.
    let r = app.admin(Method::GET, "/players?limit=5", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn bodies_that_are_not_json_are_refused_in_each_surfaces_shape_and_change_nothing(
    app: &TestApp,
) {
    // Admin: 400 for a body that is not JSON, 422 naming the field for a wrong type.
    let auth = format!("Bearer {}", app.admin_token);
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let r = app
        .send(
            Method::POST,
            "/admin/v1/orgs",
            &headers,
            Some(b"{".to_vec()),
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST);
    let r = app
        .admin(Method::POST, "/orgs", Some(json!({"name": 5})))
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["message"].as_str().unwrap().contains("name"),
        "{r:?}"
    );
    let r = app.admin(Method::GET, "/orgs", None).await;
    assert_eq!(
        r.body,
        json!({"items": [], "next_cursor": null}),
        "no organisation was created: {r:?}"
    );

    // Nakama: 400 code 3, and no account was created.
    let auth = basic(crate::helpers::SERVER_KEY);
    let r = app
        .send(
            Method::POST,
            "/v2/account/authenticate/custom?create=true",
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            Some(b"{\"id\": ".to_vec()),
        )
        .await;
    r.assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    assert_json(&r);
    let r = custom(app, "never-created-1", "create=false").await;
    r.assert_nakama_error(StatusCode::NOT_FOUND, 5);

    // Game integration: a JSON body that does not parse is a Laravel 400.
    let (_, token) = server(app, "EU 1", &[]).await;
    let r = app
        .send(
            Method::POST,
            "/api/game/poll",
            &[
                ("authorization", &format!("Bearer {token}")),
                ("content-type", "application/json"),
            ],
            Some(b"{\"players\": ".to_vec()),
        )
        .await;
    r.assert_laravel_error(400, None);
    assert_json(&r);
    // A body sent as a form that is not `key=value` pairs is a 400 too, and reports nobody.
    for body in [
        "AAA",
        "players[steam][connecting][ids][]=76561198000000009&AAA",
    ] {
        let r = form(app, &token, Method::POST, "/poll", body).await;
        r.assert_laravel_error(400, None);
        assert!(
            r.body["message"].as_str().unwrap().contains("not a form"),
            "{r:?}"
        );
    }
    let player = PlayerRef::parse("steam:76561198000000009").unwrap();
    let store = app.store().await;
    assert!(store.servers_with_player(&player).await.unwrap().is_empty());
    let r = json_request(app, &token, Method::POST, "/poll", &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "the server still polls: {r:?}");
}

/// `http/credentials.rs`: one Bearer rule for the admin token, Nakama sessions and game-server
/// tokens: the scheme in any letter case, then a space or `:`, the token trimmed.
async fn one_bearer_rule_holds_for_admin_nakama_and_game_integration_tokens(app: &TestApp) {
    let r = custom(app, "bearer-rule-player", "create=true").await;
    let session = r.body["token"].as_str().unwrap().to_owned();
    let (_, server_token) = server(app, "EU 1", &[]).await;
    let calls: [(&str, &str); 3] = [
        ("/admin/v1/orgs", app.admin_token.as_str()),
        ("/v2/account", session.as_str()),
        ("/api/game/meta", server_token.as_str()),
    ];
    for (path, token) in calls {
        for accepted in [
            format!("Bearer {token}"),
            format!("bearer {token}"),
            format!("Bearer: {token}"),
            format!("BEARER:{token}  "),
        ] {
            let r = app.get(path, &[("authorization", &accepted)]).await;
            assert_eq!(r.status, StatusCode::OK, "{path} {accepted}: {r:?}");
        }
        for refused in [
            format!("Bearer{token}"),
            format!("Token {token}"),
            "Bearer ".into(),
        ] {
            let r = app.get(path, &[("authorization", &refused)]).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{path} {refused}: {r:?}"
            );
            assert_json(&r);
        }
    }
}
