//! Bad input is answered in JSON with a clear status and changes nothing.

use crate::helpers::{fixture_body, match_body, TestApp, MATCH_ID};
use crate::spectra_matches::Spectra;
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    malformed_and_mistyped_match_bodies_are_refused_and_store_nothing,
    a_body_over_the_limit_is_a_json_413_and_stores_nothing,
    malformed_and_mistyped_stats_bodies_are_refused,
    unknown_routes_and_wrong_methods_answer_json_on_every_surface,
    the_admin_api_needs_its_token_and_validates_input,
);

async fn assert_no_matches(app: &TestApp) {
    let listed = app.admin(Method::GET, "/matches", None).await;
    assert_eq!(
        listed.body,
        json!({"items": [], "next_cursor": null}),
        "nothing was stored"
    );
}

async fn malformed_and_mistyped_match_bodies_are_refused_and_store_nothing(app: &TestApp) {
    let spectra = Spectra::new(app).await;
    let auth = [
        ("x-user-token", spectra.token.as_str()),
        ("content-type", "application/json"),
    ];
    let path = format!("/spectra/system/match/{MATCH_ID}/register");
    for (body, status) in [
        (b"{\"match\": {".to_vec(), StatusCode::BAD_REQUEST),
        (b"not json at all".to_vec(), StatusCode::BAD_REQUEST),
        (b"".to_vec(), StatusCode::BAD_REQUEST),
        (b"{}".to_vec(), StatusCode::UNPROCESSABLE_ENTITY),
        (
            b"{\"match\": [1, 2]}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            b"{\"match\": \"text\"}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = app
            .send(Method::POST, &path, &auth, Some(body.clone()))
            .await;
        r.assert_error(status);
        assert!(!r.text.contains("D9ES7V4GWFDE"));
    }
    let mut wrong_round = fixture_body("register");
    wrong_round["match"]["roundNumber"] = json!("three");
    let r = spectra.call(app, "register", MATCH_ID, &wrong_round).await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("match.roundNumber"),
        "{r:?}"
    );
    let mut wrong_teams = fixture_body("update");
    wrong_teams["match"]["teams"] = json!({"left": 1});
    spectra
        .call(app, "update", MATCH_ID, &wrong_teams)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    let mut no_group = fixture_body("update");
    no_group["match"]
        .as_object_mut()
        .unwrap()
        .remove("groupCode");
    spectra
        .call(app, "update", MATCH_ID, &no_group)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    let other = match_body("update", "another-match", "GC", 3, "shopping");
    let r = spectra.call(app, "update", MATCH_ID, &other).await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body["message"].as_str().unwrap().contains("differs"));
    assert_no_matches(app).await;
}

async fn a_body_over_the_limit_is_a_json_413_and_stores_nothing(app: &TestApp) {
    let spectra = Spectra::new(app).await;
    let mut body = fixture_body("update");
    body["match"]["padding"] = json!("x".repeat(2 * 1024 * 1024));
    let r = spectra.call(app, "update", MATCH_ID, &body).await;
    r.assert_error(StatusCode::PAYLOAD_TOO_LARGE);
    // The answer says the connection closes, so clients do not reuse it.
    let raw = app
        .client
        .put(app.url(&format!("/spectra/system/match/{MATCH_ID}/update")))
        .header("x-user-token", &spectra.token)
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 413);
    assert_eq!(raw.headers()["connection"], "close");
    // The same connection pool keeps working afterwards.
    let ok = spectra
        .call(
            app,
            "update",
            "small-one",
            &match_body("update", "small-one", "GC", 2, "shopping"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let listed = app.admin(Method::GET, "/matches", None).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["items"][0]["match_id"], "small-one");
}

async fn malformed_and_mistyped_stats_bodies_are_refused(app: &TestApp) {
    let token = app.issue_token("spectra-stats").await;
    let headers = [
        ("authentication", token.as_str()),
        ("content-type", "application/json"),
    ];
    let send = |call: &'static str, body: &'static str| async move {
        app.send(
            Method::POST,
            &format!("/spectra/stats/{call}"),
            &headers,
            Some(body.as_bytes().to_vec()),
        )
        .await
    };
    send("addMatch", "{\"code\": ")
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    let r = send("addMatch", "{\"code\": 5, \"matchUuid\": \"m\"}").await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["message"].as_str().unwrap().starts_with("code"),
        "{r:?}"
    );
    send("updateMatchRegion", "{\"accountPuuid\": \"x\"}")
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    send(
        "fetchPlayerMMR",
        "{\"matchUuid\": \"m\", \"accountPuuids\": \"x\"}",
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    send("fetchMatchStats", "[]")
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    let store = app.store().await;
    assert!(backline_store::StatsStore::get_stats(&store, "m")
        .await
        .unwrap()
        .is_none());
    store.close().await;
}

async fn unknown_routes_and_wrong_methods_answer_json_on_every_surface(app: &TestApp) {
    app.get("/spectra/nothing/here", &[])
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.get("/nothing", &[])
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::GET, "/nothing", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.send(Method::DELETE, "/spectra/supporter/x", &[], None)
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED);
    app.send(Method::GET, "/spectra/system/match/m/register", &[], None)
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED);
    app.admin(Method::PATCH, "/orgs", None)
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED);
    let health = app.get("/healthz", &[]).await;
    assert_eq!(
        (health.status, health.body.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
}

async fn the_admin_api_needs_its_token_and_validates_input(app: &TestApp) {
    for auth in ["", "Bearer wrong", "Bearer ", "Basic abc"] {
        let r = app
            .send(
                Method::GET,
                "/admin/v1/orgs",
                &[("authorization", auth)],
                None,
            )
            .await;
        r.assert_error(StatusCode::UNAUTHORIZED);
    }
    app.admin(Method::POST, "/orgs", Some(json!({"name": ""})))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(Method::POST, "/orgs", Some(json!({"name": 5})))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(
        Method::POST,
        "/orgs",
        Some(json!({"name": "x", "supporter_until": "soon"})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(
        Method::POST,
        "/orgs",
        Some(json!({"name": "x", "colour": "red"})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(Method::POST, "/orgs/no-such-org/keys", Some(json!({})))
        .await
        .assert_error(StatusCode::NOT_FOUND);
    let org = app.create_org("Org", None).await;
    app.admin(
        Method::POST,
        &format!("/orgs/{org}/keys"),
        Some(json!({"expires_at": "2001-01-01T00:00:00Z"})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(Method::POST, "/tokens", Some(json!({"kind": "root"})))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(Method::DELETE, "/tokens/no-such-token", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::DELETE, "/keys/no-such-key", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::GET, "/orgs/no-such-org", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    let orgs = app.admin(Method::GET, "/orgs", None).await;
    assert_eq!(
        orgs.body["items"].as_array().unwrap().len(),
        1,
        "only the one valid organisation exists"
    );
    let keys = app
        .admin(Method::GET, &format!("/orgs/{org}/keys"), None)
        .await;
    assert_eq!(keys.body, json!({"items": [], "next_cursor": null}));
}
