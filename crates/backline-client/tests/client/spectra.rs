//! The Spectra client against a real server: key validation, matches, stats and player cams,
//! with what was stored read back through the admin API.

use crate::harness::App;
use backline_client::spectra::{KeyValidity, MatchState, PlayerChange, SpectraClient};
use backline_client::{Error, ErrorBody, Secret};
use serde_json::{json, Value};
use std::time::Duration;

backline_store::stories!(crate::harness::with_app =>
    keys_are_valid_invalid_or_expired_and_a_bad_token_is_an_error,
    matches_are_registered_updated_and_completed_and_stored,
    the_stats_backend_links_reads_and_computes,
    player_cams_are_created_changed_and_read_as_spectra_reads_them,
);

pub const MATCH_ID: &str = "0b8e6a1c-1111-4222-8333-944445555666";

/// A recorded Spectra body's `match` object, for another group, round and phase.
pub fn snapshot(name: &str, group: &str, round: i64, phase: &str) -> Value {
    let path = format!(
        "{}/../backline-server/tests/data/spectra/{name}_body.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let body: Value =
        serde_json::from_slice(&std::fs::read(path).expect("the fixture")).expect("JSON");
    let mut m = body["match"].clone();
    m["matchId"] = json!(MATCH_ID);
    m["groupCode"] = json!(group);
    m["roundNumber"] = json!(round);
    m["roundPhase"] = json!(phase);
    m
}

async fn spectra(app: &App) -> SpectraClient {
    let admin = app.admin();
    let backend = admin
        .issue_token("spectra-backend", Some("backend"))
        .await
        .expect("a token");
    let stats = admin
        .issue_token("spectra-stats", None)
        .await
        .expect("a token");
    assert_eq!(backend.record.kind, "spectra-backend");
    SpectraClient::new(app.transport())
        .with_backend_token(backend.token)
        .with_stats_token(stats.token)
}

async fn keys_are_valid_invalid_or_expired_and_a_bad_token_is_an_error(app: &App) {
    let spectra = spectra(app).await;
    let admin = app.admin();
    let org = admin
        .create_org("League", Some("2099-01-01T00:00:00Z"))
        .await
        .expect("org");
    let key = admin.issue_key(&org.id, None).await.expect("key");
    let ending = admin
        .issue_key(&org.id, Some("2030-01-01T00:00:00Z"))
        .await
        .expect("key");

    match spectra.validate_key(key.access_key.expose()).await {
        Ok(KeyValidity::Valid {
            organisation,
            supporter,
        }) => {
            assert_eq!(
                (organisation.id, organisation.name),
                (org.id.clone(), org.name.clone())
            );
            assert!(supporter);
        }
        other => panic!("expected a valid key: {other:?}"),
    }
    admin
        .set_supporter(&org.id, false, None)
        .await
        .expect("no longer a supporter");
    assert!(matches!(
        spectra.validate_key(key.access_key.expose()).await,
        Ok(KeyValidity::Valid {
            supporter: false,
            ..
        })
    ));
    assert!(!spectra.is_supporter(&org.id).await.expect("read"));

    assert_eq!(
        spectra
            .validate_key("not-a-key-at-all")
            .await
            .expect("an answer"),
        KeyValidity::Invalid
    );
    admin.revoke_key(&key.key.id).await.expect("revoked");
    assert_eq!(
        spectra
            .validate_key(key.access_key.expose())
            .await
            .expect("an answer"),
        KeyValidity::Invalid
    );
    // The server's clock passes the key's end (2030) without waiting.
    app.clock.advance(Duration::from_secs(10 * 365 * 24 * 3600));
    assert_eq!(
        spectra
            .validate_key(ending.access_key.expose())
            .await
            .expect("an answer"),
        KeyValidity::Expired
    );

    let stranger = SpectraClient::new(app.transport()).with_backend_token("undefined");
    match stranger.validate_key("anything").await {
        Err(Error::Api {
            status: 401,
            body: ErrorBody::Backline(body),
            ..
        }) => assert_eq!(body.error, "unauthorized"),
        other => panic!("a refused token is an error, not a validity: {other:?}"),
    }
}

async fn matches_are_registered_updated_and_completed_and_stored(app: &App) {
    let spectra = spectra(app).await;
    let registered = spectra
        .register_match(MATCH_ID, &snapshot("register", "OBS-A", 0, "LOBBY"))
        .await
        .expect("registered");
    assert_eq!(
        (registered.group_code.as_str(), registered.received),
        ("OBS-A", MatchState::Registered)
    );
    let updated = spectra
        .update_match(MATCH_ID, &snapshot("update", "OBS-A", 5, "shopping"))
        .await
        .expect("updated");
    assert_eq!(updated.received, MatchState::Live);
    // An older snapshot arriving late does not replace the newer one.
    spectra
        .update_match(MATCH_ID, &snapshot("update", "OBS-A", 3, "shopping"))
        .await
        .expect("answered");
    let stored = app
        .admin()
        .raw(reqwest::Method::GET, &format!("/matches/{MATCH_ID}"), None)
        .await
        .expect("the match");
    let observer = &stored["observers"][0];
    assert_eq!(observer["state"], "live");
    assert_eq!(observer["round_number"], 5);

    let complete = snapshot("complete", "OBS-A", 13, "game_end");
    let secret = complete["groupSecret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let completed = spectra
        .complete_match(MATCH_ID, &complete)
        .await
        .expect("completed");
    assert_eq!(completed.received, MatchState::Completed);
    let stored = app
        .admin()
        .raw(reqwest::Method::GET, &format!("/matches/{MATCH_ID}"), None)
        .await
        .expect("the match");
    assert_eq!(stored["observers"][0]["state"], "completed");
    // The observer's secret in the body was not stored.
    assert!(secret.len() > 3, "the fixture has a group secret");
    assert!(!stored.to_string().contains(&secret), "{stored}");
}

async fn the_stats_backend_links_reads_and_computes(app: &App) {
    let spectra = spectra(app).await;
    let complete = snapshot("complete", "OBS-S", 13, "game_end");
    spectra
        .complete_match(MATCH_ID, &complete)
        .await
        .expect("completed");
    let added = spectra.add_match("OBS-S", MATCH_ID).await.expect("linked");
    assert!(added.newly_linked);
    let again = spectra.add_match("OBS-S", MATCH_ID).await.expect("linked");
    assert!(!again.newly_linked);

    let puuid = complete["teams"][0]["players"][0]["riotId"]
        .as_str()
        .expect("a PUUID")
        .to_owned();
    let region = spectra
        .update_match_region(MATCH_ID, &puuid)
        .await
        .expect("answered");
    assert_eq!(region, None);
    let mmr = spectra
        .fetch_player_mmr(MATCH_ID, &[puuid.as_str(), "unknown-puuid"])
        .await
        .expect("tiers");
    assert_eq!(mmr.len(), 2);
    assert_eq!(mmr[0].puuid, puuid);
    assert_eq!(
        (mmr[1].current_mmr_tier, mmr[1].peak_mmr_tier),
        (None, None)
    );

    let stats = spectra.fetch_match_stats(MATCH_ID).await.expect("stats");
    assert!(stats.is_object(), "{stats}");
    let stored = app
        .admin()
        .raw(
            reqwest::Method::GET,
            &format!("/matches/{MATCH_ID}/stats"),
            None,
        )
        .await
        .expect("stored stats");
    assert!(stored.to_string().contains(&puuid), "{stored}");
}

async fn player_cams_are_created_changed_and_read_as_spectra_reads_them(app: &App) {
    let spectra = SpectraClient::new(app.transport());
    let admin = app.admin();
    let org = admin.create_org("Cams", None).await.expect("org");
    let key = admin.issue_key(&org.id, None).await.expect("key");
    let session = spectra
        .create_playercam_session(&key.access_key)
        .await
        .expect("a session");
    let empty = spectra
        .name_overrides(&session.identifier, &session.secret)
        .await
        .expect("read");
    assert!(empty.overrides.is_empty() && empty.enabled_players.is_empty());

    let changed = spectra
        .change_session_player(
            &session.identifier,
            &session.secret,
            "Player#EUW",
            &PlayerChange {
                camera_enabled: Some(true),
                display_name: Some(Some("Shown Name".into())),
            },
        )
        .await
        .expect("changed");
    assert_eq!(changed.full_name, "Player#EUW");
    let read = spectra
        .name_overrides(&session.identifier, &session.secret)
        .await
        .expect("read");
    assert_eq!(
        read.overrides,
        vec![("Player#EUW".to_owned(), "Shown Name".to_owned())]
    );
    assert_eq!(read.enabled_players, vec!["Player#EUW".to_owned()]);
    let listed = spectra
        .session_players(&session.identifier, &session.secret)
        .await
        .expect("listed");
    assert_eq!(listed.session.org_id, org.id);
    assert_eq!(listed.players.len(), 1);

    let wrong = spectra
        .name_overrides(&session.identifier, &Secret::new("wrong-secret"))
        .await
        .unwrap_err();
    // A wrong secret does not tell the session exists.
    assert_eq!(wrong.status(), Some(404), "{wrong:?}");
    assert!(!format!("{wrong:?}").contains("wrong-secret"));
}
