//! `validateAccessKey`, backend tokens and the supporter check.

use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    a_valid_key_answers_the_organisation,
    unknown_and_revoked_keys_are_401_and_expired_keys_403,
    wrong_missing_and_undefined_backend_tokens_are_rejected,
    several_backend_tokens_work_until_revoked,
    supporter_status_follows_its_end_date,
);

async fn a_valid_key_answers_the_organisation(app: &TestApp) {
    let org = app.create_org("Team Liquid Test", None).await;
    let key = app.issue_key(&org, None).await;
    let token = app.issue_token("spectra-backend").await;
    let r = app
        .get(
            &format!("/spectra/system/validateAccessKey/{key}"),
            &[("x-user-token", &token)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type.starts_with("application/json"));
    assert_eq!(r.body, json!({"id": org, "name": "Team Liquid Test"}));
}

async fn unknown_and_revoked_keys_are_401_and_expired_keys_403(app: &TestApp) {
    let org = app.create_org("Org", None).await;
    let token = app.issue_token("spectra-backend").await;
    let auth = [("x-user-token", token.as_str())];
    let unknown = app
        .get("/spectra/system/validateAccessKey/NOTAKEY", &auth)
        .await;
    unknown.assert_error(StatusCode::UNAUTHORIZED);

    let key = app.issue_key(&org, None).await;
    let revoked = app
        .admin(Method::DELETE, &format!("/keys/{key}"), None)
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{revoked:?}");
    assert!(revoked.body["revoked_at"].is_string());
    app.get(&format!("/spectra/system/validateAccessKey/{key}"), &auth)
        .await
        .assert_error(StatusCode::UNAUTHORIZED);

    // A key that expires in a second, checked after it has.
    let soon = app.clock.now().plus_seconds(1).to_rfc3339();
    let expiring = app.issue_key(&org, Some(&soon)).await;
    let before = app
        .get(
            &format!("/spectra/system/validateAccessKey/{expiring}"),
            &auth,
        )
        .await;
    assert_eq!(before.status, StatusCode::OK);
    app.advance(std::time::Duration::from_millis(1100));
    app.get(
        &format!("/spectra/system/validateAccessKey/{expiring}"),
        &auth,
    )
    .await
    .assert_error(StatusCode::FORBIDDEN);

    // Revocation wins over expiry.
    app.admin(Method::DELETE, &format!("/keys/{expiring}"), None)
        .await;
    app.get(
        &format!("/spectra/system/validateAccessKey/{expiring}"),
        &auth,
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED);
}

async fn wrong_missing_and_undefined_backend_tokens_are_rejected(app: &TestApp) {
    let org = app.create_org("Org", None).await;
    let key = app.issue_key(&org, None).await;
    let stats = app.issue_token("spectra-stats").await;
    let path = format!("/spectra/system/validateAccessKey/{key}");
    for token in ["undefined", "", "wrong-token", stats.as_str()] {
        app.get(&path, &[("x-user-token", token)])
            .await
            .assert_error(StatusCode::UNAUTHORIZED);
    }
    app.get(&path, &[])
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
}

async fn several_backend_tokens_work_until_revoked(app: &TestApp) {
    let org = app.create_org("Org", None).await;
    let key = app.issue_key(&org, None).await;
    let first = app.issue_token("spectra-backend").await;
    let second = app.issue_token("spectra-backend").await;
    let path = format!("/spectra/system/validateAccessKey/{key}");
    assert_eq!(
        app.get(&path, &[("x-user-token", &first)]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&path, &[("x-user-token", &second)]).await.status,
        StatusCode::OK
    );
    let tokens = app.admin(Method::GET, "/tokens", None).await;
    let first_id = tokens.body["items"].as_array().unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !tokens.text.contains(&first),
        "token listings never show the token"
    );
    let revoked = app
        .admin(Method::DELETE, &format!("/tokens/{first_id}"), None)
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    app.get(&path, &[("x-user-token", &first)])
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get(&path, &[("x-user-token", &second)]).await.status,
        StatusCode::OK
    );
}

async fn supporter_status_follows_its_end_date(app: &TestApp) {
    let plain = app.create_org("Plain", None).await;
    let supporter = app
        .create_org("Supporter", Some("2099-01-01T00:00:00Z"))
        .await;
    let lapsed = app.create_org("Lapsed", Some("2020-01-01T00:00:00Z")).await;
    for (org, expected) in [(&plain, false), (&supporter, true), (&lapsed, false)] {
        let r = app.get(&format!("/spectra/supporter/{org}"), &[]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, json!({"isSupporter": expected}), "{org}");
    }
    let forever = app
        .admin(
            Method::PUT,
            &format!("/orgs/{plain}/supporter"),
            Some(json!({"supporter": true})),
        )
        .await;
    assert_eq!(forever.status, StatusCode::OK, "{forever:?}");
    assert_eq!(
        app.get(&format!("/spectra/supporter/{plain}"), &[])
            .await
            .body,
        json!({"isSupporter": true})
    );
    let off = app
        .admin(
            Method::PUT,
            &format!("/orgs/{supporter}/supporter"),
            Some(json!({"supporter": false})),
        )
        .await;
    assert_eq!(off.body["supporter_until"], json!(null));
    assert_eq!(
        app.get(&format!("/spectra/supporter/{supporter}"), &[])
            .await
            .body,
        json!({"isSupporter": false})
    );
    app.get("/spectra/supporter/no-such-org", &[])
        .await
        .assert_error(StatusCode::NOT_FOUND);
}
