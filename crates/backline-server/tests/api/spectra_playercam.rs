//! Player-cam sessions and name overrides.

use crate::helpers::TestApp;
use backline_domain::ids::{OrgId, PlayercamSessionId};
use backline_domain::secret::SecretHash;
use backline_domain::spectra::playercam::PlayercamSession;
use backline_domain::Timestamp;
use backline_store::PlayercamStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    an_organisation_key_creates_a_session_that_spectra_reads,
    overrides_and_cameras_set_by_operators_reach_spectra_exactly,
    create_session_refuses_unknown_expired_and_missing_keys,
    unknown_expired_and_wrong_secret_sessions_are_404,
);

async fn create_session(app: &TestApp, key: Option<&str>, body: &str) -> crate::helpers::Reply {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(key) = key {
        headers.push(("x-organization-key", key));
    }
    app.send(
        Method::POST,
        "/spectra/playercam/api/createSession",
        &headers,
        Some(body.as_bytes().to_vec()),
    )
    .await
}

async fn read(app: &TestApp, identifier: &str, secret: &str) -> crate::helpers::Reply {
    app.get(
        &format!("/spectra/playercam/api/getNameOverridesAndPlayercams/{identifier}/{secret}"),
        &[],
    )
    .await
}

async fn an_organisation_key_creates_a_session_that_spectra_reads(app: &TestApp) {
    let org = app.create_org("Cams", None).await;
    let key = app.issue_key(&org, None).await;
    let r = create_session(app, Some(&key), "{}").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let identifier = r.body["sessionIdentifier"].as_str().unwrap();
    let secret = r.body["sessionSecret"].as_str().unwrap();
    assert!(identifier.len() >= 12 && secret.len() >= 32);
    let got = read(app, identifier, secret).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.body,
        json!({"nameOverrides": "[]", "enabledPlayers": []})
    );
    let sessions = app
        .admin(
            Method::GET,
            &format!("/orgs/{org}/playercam-sessions"),
            None,
        )
        .await;
    assert_eq!(sessions.body["items"][0]["identifier"], identifier);
    assert!(
        !sessions.text.contains(secret),
        "the secret is shown only once"
    );
}

async fn overrides_and_cameras_set_by_operators_reach_spectra_exactly(app: &TestApp) {
    let org = app.create_org("Cams", None).await;
    let created = app
        .admin(
            Method::POST,
            &format!("/orgs/{org}/playercam-sessions"),
            None,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let identifier = created.body["identifier"].as_str().unwrap().to_owned();
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let player = |name: &str, body: Value| {
        let path = format!(
            "/playercam-sessions/{identifier}/players/{}",
            name.replace('#', "%23").replace(' ', "%20")
        );
        async move { app.admin(Method::PUT, &path, Some(body)).await }
    };
    let r = player(
        "Player#EUW",
        json!({"camera_enabled": true, "display_name": "Shown \"Name\""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    player("Other One#NA1", json!({"camera_enabled": true})).await;
    player("Quiet#KR", json!({"display_name": "Q"})).await;
    let got = read(app, &identifier, &secret).await;
    assert_eq!(
        got.body,
        json!({
            "nameOverrides": "[[\"Player#EUW\",\"Shown \\\"Name\\\"\"],[\"Quiet#KR\",\"Q\"]]",
            "enabledPlayers": ["Other One#NA1", "Player#EUW"],
        })
    );
    // The string parses into the pairs Spectra expects.
    let pairs: Vec<(String, String)> =
        serde_json::from_str(got.body["nameOverrides"].as_str().unwrap()).unwrap();
    assert_eq!(
        pairs[0],
        ("Player#EUW".to_owned(), "Shown \"Name\"".to_owned())
    );

    player(
        "Player#EUW",
        json!({"camera_enabled": false, "display_name": null}),
    )
    .await;
    let got = read(app, &identifier, &secret).await;
    assert_eq!(
        got.body,
        json!({"nameOverrides": "[[\"Quiet#KR\",\"Q\"]]", "enabledPlayers": ["Other One#NA1"]})
    );

    player("NoTag", json!({"camera_enabled": true}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    player("A#B", json!({"camera_enabled": "yes"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    let listed = app
        .admin(
            Method::GET,
            &format!("/playercam-sessions/{identifier}/players"),
            None,
        )
        .await;
    assert_eq!(listed.body["players"].as_array().unwrap().len(), 3);
}

async fn create_session_refuses_unknown_expired_and_missing_keys(app: &TestApp) {
    let org = app.create_org("Cams", None).await;
    create_session(app, Some("not-a-key"), "{}")
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
    create_session(app, None, "{}")
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
    let soon = app.clock.now().plus_seconds(1).to_rfc3339();
    let key = app.issue_key(&org, Some(&soon)).await;
    create_session(app, Some(&key), "not json")
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    app.advance(std::time::Duration::from_millis(1100));
    create_session(app, Some(&key), "{}")
        .await
        .assert_error(StatusCode::FORBIDDEN);
    let sessions = app
        .admin(
            Method::GET,
            &format!("/orgs/{org}/playercam-sessions"),
            None,
        )
        .await;
    assert_eq!(sessions.body, json!({"items": [], "next_cursor": null}));
}

async fn unknown_expired_and_wrong_secret_sessions_are_404(app: &TestApp) {
    let org = app.create_org("Cams", None).await;
    let created = app
        .admin(
            Method::POST,
            &format!("/orgs/{org}/playercam-sessions"),
            None,
        )
        .await;
    let identifier = created.body["identifier"].as_str().unwrap();
    read(app, identifier, "wrong-secret")
        .await
        .assert_error(StatusCode::NOT_FOUND);
    read(app, "PCID123", "PCSECRET456")
        .await
        .assert_error(StatusCode::NOT_FOUND);

    let store = app.store().await;
    let expired = PlayercamSession {
        id: PlayercamSessionId::generate(),
        org_id: OrgId::from_string(org),
        identifier: "EXPIRED1".into(),
        created_at: Timestamp::now().plus_seconds(-7200),
        expires_at: Timestamp::now().plus_seconds(-60),
    };
    store
        .insert_playercam_session(&expired, &SecretHash::of("old-secret"), None)
        .await
        .unwrap();
    store.close().await;
    read(app, "EXPIRED1", "old-secret")
        .await
        .assert_error(StatusCode::NOT_FOUND);
}

mod session_page {
    use super::*;

    backline_store::stories!(crate::helpers::with_app =>
        the_session_page_edits_players_with_the_session_secret,
        the_session_page_cannot_be_framed_and_runs_no_inline_script,
    );

    /// The page carries the console's security headers (no framing, no sniffing, nothing
    /// from elsewhere, no inline script or style) and loads its script and stylesheet as
    /// files of this origin.
    async fn the_session_page_cannot_be_framed_and_runs_no_inline_script(app: &TestApp) {
        let response = app
            .client
            .get(app.url("/spectra/playercam/session/any-identifier"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        let page = response.text().await.unwrap();
        let policy = headers["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{policy} has {directive}");
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["cache-control"], "no-store");
        // The same policy as the console's pages.
        let console = app
            .client
            .get(app.url("/console/sign-in"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            console.headers()["content-security-policy"]
                .to_str()
                .unwrap(),
            policy
        );
        assert_eq!(console.headers()["x-frame-options"], "DENY");
        assert_eq!(console.headers()["x-content-type-options"], "nosniff");

        // Every script is a file; no inline script or style, no inline handlers.
        assert!(
            page.contains("<script src=\"/spectra/playercam/assets/session.js\" defer></script>")
        );
        assert_eq!(page.matches("<script").count(), 1, "{page}");
        assert!(!page.contains("<style"), "{page}");
        for handler in [" onclick=", " onsubmit=", " onload=", "javascript:"] {
            assert!(!page.contains(handler), "{handler} in {page}");
        }
        assert!(page.contains("href=\"/spectra/playercam/assets/session.css\""));
        for (name, content_type, marker) in [
            ("session.js", "text/javascript", "X-Session-Secret"),
            ("session.css", "text/css", "#status"),
        ] {
            let asset = app
                .get(&format!("/spectra/playercam/assets/{name}"), &[])
                .await;
            assert_eq!(asset.status, StatusCode::OK, "{name}");
            assert!(asset.content_type.starts_with(content_type), "{asset:?}");
            assert!(asset.text.contains(marker), "{name}");
        }
        app.get("/spectra/playercam/assets/other.js", &[])
            .await
            .assert_error(StatusCode::NOT_FOUND);
    }

    async fn the_session_page_edits_players_with_the_session_secret(app: &TestApp) {
        let org = app.create_org("Cams", None).await;
        let key = app.issue_key(&org, None).await;
        let created = create_session(app, Some(&key), "{}").await;
        let identifier = created.body["sessionIdentifier"]
            .as_str()
            .unwrap()
            .to_owned();
        let secret = created.body["sessionSecret"].as_str().unwrap().to_owned();

        let page = app
            .get(&format!("/spectra/playercam/session/{identifier}"), &[])
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.content_type.starts_with("text/html"));
        assert!(!page.text.contains(&secret));
        // The page's script (a file of its own) sends the secret in `X-Session-Secret`.
        let script = app.get("/spectra/playercam/assets/session.js", &[]).await;
        assert_eq!(script.status, StatusCode::OK);
        assert!(script.text.contains("X-Session-Secret") && !script.text.contains(&secret));

        let api = format!("/spectra/playercam/api/session/{identifier}/players");
        let auth = [
            ("x-session-secret", secret.as_str()),
            ("content-type", "application/json"),
        ];
        let put = |name: &str, body: Value| {
            let path = format!("{api}/{}", name.replace('#', "%23"));
            async move {
                app.send(
                    Method::PUT,
                    &path,
                    &auth,
                    Some(serde_json::to_vec(&body).unwrap()),
                )
                .await
            }
        };
        let r = put(
            "Star#EUW",
            json!({"camera_enabled": true, "display_name": "STAR"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert_eq!(
            r.body,
            json!({"full_name": "Star#EUW", "camera_enabled": true, "display_name": "STAR"})
        );
        let listed = app.get(&api, &auth).await;
        assert_eq!(listed.body["players"].as_array().unwrap().len(), 1);
        assert_eq!(listed.body["session"]["identifier"], json!(identifier));
        let spectra = read(app, &identifier, &secret).await;
        assert_eq!(
            spectra.body,
            json!({"nameOverrides": "[[\"Star#EUW\",\"STAR\"]]", "enabledPlayers": ["Star#EUW"]})
        );

        // Wrong or missing secrets see nothing and change nothing.
        app.get(&api, &[("x-session-secret", "nope")])
            .await
            .assert_error(StatusCode::NOT_FOUND);
        app.get(&api, &[]).await.assert_error(StatusCode::NOT_FOUND);
        let forged = app
            .send(
                Method::PUT,
                &format!("{api}/Star%23EUW"),
                &[("x-session-secret", "nope")],
                Some(b"{\"camera_enabled\": false}".to_vec()),
            )
            .await;
        forged.assert_error(StatusCode::NOT_FOUND);
        put("Star#EUW", json!({"camera_enabled": "off"}))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
        put("Star#EUW", json!({"display_name": null})).await;
        assert_eq!(
            read(app, &identifier, &secret).await.body,
            json!({"nameOverrides": "[]", "enabledPlayers": ["Star#EUW"]})
        );
    }
}
