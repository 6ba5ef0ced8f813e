//! The admin client's operator records (admin tokens, audit log, Nakama keys, link tokens),
//! Spectra records (player registry, matches and statistics, player-cam sessions) and EVR
//! views (broadcasters, matches) against a real server.

use crate::game::game_server;
use crate::harness::App;
use backline_client::admin::PageRequest;
use backline_client::game::Player;
use backline_client::Secret;

backline_store::stories!(crate::harness::with_app =>
    operator_records_are_typed,
    spectra_records_are_read_and_edited,
    evr_broadcasters_and_matches_are_read_ended_and_removed,
);

async fn operator_records_are_typed(app: &App) {
    let admin = app.admin();
    let viewer = admin
        .issue_admin_token("viewer-bot", "viewer")
        .await
        .expect("issued");
    assert_eq!(viewer.record.role, "viewer");
    let as_viewer = backline_client::admin::AdminClient::new(app.transport(), viewer.token.clone());
    let refused = as_viewer.create_org("Nope", None).await.unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused:?}");
    let tokens = admin
        .list_admin_tokens(&PageRequest::default())
        .await
        .expect("listed");
    assert!(tokens.items.contains(&viewer.record));
    let revoked = admin
        .revoke_admin_token("viewer-bot")
        .await
        .expect("revoked");
    assert!(revoked.revoked_at.is_some());
    assert_eq!(
        as_viewer
            .list_orgs(&PageRequest::default())
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );

    let audit = admin
        .list_audit(
            &PageRequest::default(),
            &backline_client::admin::AuditFilter {
                action: Some("POST /admin/v1/admin-tokens".into()),
                ..Default::default()
            },
        )
        .await
        .expect("the audit log");
    assert_eq!(audit.items.len(), 1);
    assert_eq!(
        audit.items[0].entity_id.as_deref(),
        Some(viewer.record.id.as_str())
    );

    let keys = admin.nakama_keys().await.expect("the keys");
    assert_eq!(keys.server_key.source, "configured");
    assert_eq!(
        keys.http_key.value.as_ref().map(Secret::expose),
        Some(crate::harness::HTTP_KEY)
    );
    assert!(keys.session_encryption_key.value.is_none());
    assert!(!format!("{keys:?}").contains(crate::harness::HTTP_KEY));

    let (server_id, _, game) = game_server(app, "Links").await;
    game.link_token(&Player::new("minecraft", "Notch"))
        .await
        .expect("a token");
    let links = admin
        .list_link_tokens(&PageRequest::default(), Some(&server_id), None, None)
        .await
        .expect("listed");
    assert_eq!(links.items.len(), 1);
    assert_eq!(
        (
            links.items[0].state.as_str(),
            links.items[0].player.account_id.as_str()
        ),
        ("active", "Notch")
    );
    admin
        .revoke_link_token(&links.items[0].id)
        .await
        .expect("revoked");
    assert!(admin
        .list_link_tokens(&PageRequest::default(), None, Some("active"), None)
        .await
        .expect("listed")
        .items
        .is_empty());
}

async fn spectra_records_are_read_and_edited(app: &App) {
    use crate::spectra::{snapshot, MATCH_ID};
    use backline_client::spectra::{PlayerChange, SpectraClient};
    let admin = app.admin();
    let backend = admin
        .issue_token("spectra-backend", None)
        .await
        .expect("token");
    let stats = admin
        .issue_token("spectra-stats", None)
        .await
        .expect("token");
    let spectra = SpectraClient::new(app.transport())
        .with_backend_token(backend.token)
        .with_stats_token(stats.token);
    let complete = snapshot("complete", "OBS-R", 13, "game_end");
    spectra
        .complete_match(MATCH_ID, &complete)
        .await
        .expect("completed");

    let players = admin
        .list_players(&PageRequest::default())
        .await
        .expect("the registry");
    assert!(!players.items.is_empty());
    let puuid = players.items[0].puuid.clone();
    let edited = admin
        .edit_player(
            &puuid,
            &backline_client::admin::PlayerEdit {
                region: Some("eu".into()),
                ..Default::default()
            },
        )
        .await
        .expect("edited");
    assert_eq!(edited.region.as_deref(), Some("eu"));

    let matches = admin
        .list_matches(&PageRequest::default(), Some("completed"), None)
        .await
        .expect("listed");
    assert_eq!(matches.items.len(), 1, "{matches:?}");
    let record = admin.get_match(MATCH_ID).await.expect("the match");
    assert_eq!(record["observers"][0]["group_code"], "OBS-R", "{record}");
    let json_stats = admin.get_match_stats(MATCH_ID).await.expect("stats");
    assert!(json_stats.to_string().contains(&puuid), "{json_stats}");
    let csv = admin.get_match_stats_csv(MATCH_ID).await.expect("CSV");
    assert!(csv.lines().count() > 1, "{csv}");

    let org = admin.create_org("Cams", None).await.expect("org");
    let session = admin
        .create_playercam_session(&org.id)
        .await
        .expect("a session");
    assert!(session.secret.is_some());
    let sessions = admin
        .list_playercam_sessions(&org.id, &PageRequest::default())
        .await
        .expect("listed");
    assert_eq!(sessions.items.len(), 1);
    assert!(sessions.items[0].secret.is_none());
    let player = admin
        .change_playercam_player(
            &session.identifier,
            "Player#EUW",
            &PlayerChange {
                camera_enabled: Some(true),
                display_name: None,
            },
        )
        .await
        .expect("changed");
    assert!(player.camera_enabled);
    assert_eq!(
        admin
            .list_playercam_players(&session.identifier)
            .await
            .expect("listed"),
        vec![player]
    );
}

async fn evr_broadcasters_and_matches_are_read_ended_and_removed(app: &App) {
    use backline_client::nakama::{NakamaClient, RegisterBroadcaster, SignIn};
    let admin = app.admin();
    let nakama = NakamaClient::new(app.transport(), crate::harness::SERVER_KEY);
    let (operator, _) = nakama
        .authenticate_custom("operator-0002", &SignIn::default())
        .await
        .expect("signed in");
    let registered = operator
        .evr()
        .register_broadcaster(&RegisterBroadcaster {
            server_id: 7,
            internal_ip: "10.0.0.7".into(),
            port: 6792,
            version_lock: 1,
            ..RegisterBroadcaster::default()
        })
        .await
        .expect("registered");
    let listed = admin
        .list_broadcasters(&PageRequest::default(), Some("idle"), None, None)
        .await
        .expect("listed");
    assert_eq!(listed.items.len(), 1, "{listed:?}");
    let shown = admin.get_broadcaster(&registered.sid).await.expect("shown");
    assert_eq!(shown.id, registered.sid);
    assert_eq!(shown.endpoint, registered.endpoint);
    assert_eq!(
        shown.idle_match_id.as_deref(),
        Some(registered.match_id.as_str())
    );
    assert_eq!(shown.regions, vec!["default".to_owned()]);
    assert_eq!(listed.items[0].id, registered.sid);
    let matches = admin
        .list_evr_matches(&PageRequest::default(), None, None, Some(&registered.sid))
        .await
        .expect("listed");
    assert_eq!(matches.items.len(), 1, "{matches:?}");
    let idle = admin
        .get_evr_match(&registered.match_id)
        .await
        .expect("shown");
    assert!(idle.to_string().contains(&registered.match_id), "{idle}");
    // An idle match cannot be ended.
    let refused = admin.end_evr_match(&registered.match_id).await.unwrap_err();
    assert_eq!(refused.status(), Some(409), "{refused:?}");
    admin
        .remove_broadcaster(&registered.sid)
        .await
        .expect("removed");
    assert_eq!(
        admin
            .get_broadcaster(&registered.sid)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}
