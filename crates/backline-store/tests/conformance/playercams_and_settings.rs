use backline_domain::ids::PlayercamSessionId;
use backline_domain::secret::SecretHash;
use backline_domain::spectra::playercam::{PlayercamPlayer, PlayercamSession};
use backline_domain::Timestamp;
use backline_store::*;

backline_store::stories!(crate::with_store =>
    playercam_players_are_enabled_and_renamed_per_session,
    settings_are_put_once_or_replaced
);

async fn playercam_players_are_enabled_and_renamed_per_session(store: SqlStore) {
    let o = crate::keys_and_tokens::org("Cams", 1);
    store.insert_org(&o, None).await.unwrap();
    let session = PlayercamSession {
        id: PlayercamSessionId::generate(),
        org_id: o.id.clone(),
        identifier: "IDENT".into(),
        created_at: Timestamp::from_millis(1),
        expires_at: Timestamp::from_millis(1000),
    };
    store
        .insert_playercam_session(&session, &SecretHash::of("s3cret"), None)
        .await
        .unwrap();
    let (found, hash) = store
        .find_playercam_session("IDENT")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.clone(), hash),
        (session.clone(), SecretHash::of("s3cret"))
    );
    assert!(store
        .find_playercam_session("other")
        .await
        .unwrap()
        .is_none());

    let on = PlayercamChange {
        camera_enabled: Some(true),
        display_name: None,
    };
    store
        .change_playercam_player(&session, "B#2", &on, None)
        .await
        .unwrap();
    let named = PlayercamChange {
        camera_enabled: None,
        display_name: Some(Some("Shown".into())),
    };
    store
        .change_playercam_player(&session, "A#1", &named, None)
        .await
        .unwrap();
    let p = store
        .change_playercam_player(&session, "B#2", &named, None)
        .await
        .unwrap();
    assert_eq!(
        p,
        PlayercamPlayer {
            full_name: "B#2".into(),
            camera_enabled: true,
            display_name: Some("Shown".into())
        }
    );
    let cleared = PlayercamChange {
        camera_enabled: Some(false),
        display_name: Some(None),
    };
    store
        .change_playercam_player(&session, "A#1", &cleared, None)
        .await
        .unwrap();
    let players = store.playercam_players(&session).await.unwrap();
    assert_eq!(
        players,
        vec![
            PlayercamPlayer {
                full_name: "A#1".into(),
                camera_enabled: false,
                display_name: None
            },
            PlayercamPlayer {
                full_name: "B#2".into(),
                camera_enabled: true,
                display_name: Some("Shown".into())
            },
        ]
    );
    assert_eq!(
        store
            .list_playercam_sessions(Some(&o.id), &Seek::first(10))
            .await
            .unwrap(),
        vec![found]
    );
}

async fn settings_are_put_once_or_replaced(store: SqlStore) {
    assert_eq!(store.get_setting("x").await.unwrap(), None);
    assert!(store.put_setting_if_absent("x", "1").await.unwrap());
    assert!(!store.put_setting_if_absent("x", "2").await.unwrap());
    assert_eq!(store.get_setting("x").await.unwrap().as_deref(), Some("1"));
    store.set_setting("x", "3").await.unwrap();
    assert_eq!(store.get_setting("x").await.unwrap().as_deref(), Some("3"));
}
