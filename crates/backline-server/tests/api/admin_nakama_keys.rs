//! `GET /admin/v1/nakama/keys`: where each Nakama key comes from, the server and http keys'
//! values, never the signing keys'; owners only.

use crate::admin_roles::{as_token, issue};
use crate::helpers::{TestApp, HTTP_KEY, SERVER_KEY};
use backline_store::SettingStore;
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    the_nakama_keys_are_shown_to_owners_with_their_source,
    keys_generated_in_the_database_are_shown_as_such,
);

async fn the_nakama_keys_are_shown_to_owners_with_their_source(app: &TestApp) {
    let r = app.admin(Method::GET, "/nakama/keys", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // The test server configures the server and http keys; the signing keys are generated.
    assert_eq!(
        r.body,
        json!({
            "server_key": {"source": "configured", "value": SERVER_KEY},
            "http_key": {"source": "configured", "value": HTTP_KEY},
            "session_encryption_key": {"source": "database"},
            "refresh_encryption_key": {"source": "database"},
        })
    );
    let store = app.store().await;
    let session_key = store
        .get_setting("nakama.session_encryption_key")
        .await
        .unwrap()
        .expect("a generated signing key");
    store.close().await;
    assert!(!r.text.contains(&session_key));

    for role in ["moderator", "viewer"] {
        let token = issue(app, role, role).await;
        as_token(app, Some(&token), Method::GET, "/nakama/keys", None)
            .await
            .assert_error(StatusCode::FORBIDDEN);
    }
    let org = app.create_org("Org", None).await;
    let access_key = app.issue_key(&org, None).await;
    for token in [None, Some(access_key.as_str())] {
        let r = as_token(app, token, Method::GET, "/nakama/keys", None).await;
        r.assert_error(StatusCode::UNAUTHORIZED);
        assert!(!r.text.contains(SERVER_KEY));
    }
    app.admin(Method::GET, "/nakama/keys?show=all", None)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
}

async fn keys_generated_in_the_database_are_shown_as_such(app: &TestApp) {
    let Some(bare) = TestApp::spawn_with(app.db.backend, |config| {
        config.nakama.server_key = None;
        config.nakama.http_key = None;
    })
    .await
    else {
        return;
    };
    let r = bare.admin(Method::GET, "/nakama/keys", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let store = bare.store().await;
    for name in ["server_key", "http_key"] {
        let stored = store
            .get_setting(&format!("nakama.{name}"))
            .await
            .unwrap()
            .expect("a generated key");
        assert_eq!(
            r.body[name],
            json!({"source": "database", "value": stored}),
            "{name}"
        );
    }
    store.close().await;
    assert_eq!(
        r.body["session_encryption_key"],
        json!({"source": "database"})
    );
    bare.stop().await;
}
