//! The admin API beyond what the Spectra stories use.

use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    keys_are_listed_without_the_key_and_revoked_by_id,
    players_are_listed_and_edited,
    an_empty_player_edit_is_refused_and_creates_nothing,
    whole_numbers_written_with_a_fraction_are_integers
);

async fn keys_are_listed_without_the_key_and_revoked_by_id(app: &TestApp) {
    let org = app.create_org("Org", None).await;
    let key = app.issue_key(&org, Some("2099-01-01T00:00:00Z")).await;
    let listed = app
        .admin(Method::GET, &format!("/orgs/{org}/keys"), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.text.contains(&key));
    let entry = &listed.body["items"][0];
    assert_eq!(entry["prefix"], json!(&key[..6]));
    assert_eq!(entry["expires_at"], "2099-01-01T00:00:00Z");
    let id = entry["id"].as_str().unwrap();
    let revoked = app
        .admin(Method::DELETE, &format!("/keys/{id}"), None)
        .await;
    assert_eq!(
        (revoked.status, revoked.body["id"].as_str()),
        (StatusCode::OK, Some(id))
    );
    let token = app.issue_token("spectra-backend").await;
    app.get(
        &format!("/spectra/system/validateAccessKey/{key}"),
        &[("x-user-token", &token)],
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED);
}

async fn players_are_listed_and_edited(app: &TestApp) {
    let r = app
        .admin(Method::PUT, "/players/p1", Some(json!({"full_name": "Someone#EUW", "region": "eu", "current_tier": 12, "peak_tier": 18})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (
            r.body["full_name"].as_str(),
            r.body["tiers_set_by_operator"].as_bool()
        ),
        (Some("Someone#EUW"), Some(true))
    );
    let listed = app.admin(Method::GET, "/players?limit=10", None).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["items"][0]["peak_tier"], 18);
    app.admin(Method::PUT, "/players/p1", Some(json!({"peak_tier": -1})))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
}

/// `PUT /players/{puuid}` must change something: no body, `{}`, only `null`s or a blank name
/// are refused (the document says `minProperties: 1`, no `null`, a non-blank name) and no
/// player is created.
async fn an_empty_player_edit_is_refused_and_creates_nothing(app: &TestApp) {
    app.admin(Method::PUT, "/players/p1", None)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    for body in [
        json!({}),
        json!({"full_name": "  "}),
        json!({"region": "mars"}),
        json!({"full_name": "x".repeat(129)}),
    ] {
        app.admin(Method::PUT, "/players/p1", Some(body.clone()))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    }
    app.admin(Method::PUT, "/players/p1", Some(json!({"region": null})))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    let listed = app.admin(Method::GET, "/players", None).await;
    assert_eq!(listed.body["items"], json!([]), "{listed:?}");
}

/// JSON Schema's `integer` includes `12.0`: the admin API reads it as 12 and still refuses a
/// real fraction.
async fn whole_numbers_written_with_a_fraction_are_integers(app: &TestApp) {
    let r = app
        .admin(Method::PUT, "/players/p1", Some(json!({"peak_tier": 12.0})))
        .await;
    assert_eq!(
        (r.status, &r.body["peak_tier"]),
        (StatusCode::OK, &json!(12)),
        "{r:?}"
    );
    let role = app
        .admin(
            Method::POST,
            "/roles",
            Some(json!({"name": "X", "ingame": "x", "position": 22767.0})),
        )
        .await;
    assert_eq!(
        (role.status, &role.body["position"]),
        (StatusCode::CREATED, &json!(22767)),
        "{role:?}"
    );
    app.admin(Method::PUT, "/players/p1", Some(json!({"peak_tier": 12.5})))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
}
