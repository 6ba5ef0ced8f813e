//! Web console sessions.

use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use backline_store::*;

backline_store::stories!(crate::with_store =>
    a_console_session_is_found_until_it_expires_or_is_deleted,
    expired_console_sessions_are_forgotten_and_live_ones_kept,
);

async fn a_console_session_is_found_until_it_expires_or_is_deleted(store: SqlStore) {
    let id = SecretHash::of("session-one");
    let token = SecretHash::of("admin-token");
    store
        .insert_console_session(
            &id,
            &token,
            Timestamp::from_millis(1_000),
            Timestamp::from_millis(5_000),
        )
        .await
        .unwrap();
    let found = store
        .find_console_session(&id, Timestamp::from_millis(4_999))
        .await
        .unwrap();
    assert_eq!(found, Some(token.clone()));
    assert_eq!(
        store
            .find_console_session(&id, Timestamp::from_millis(5_000))
            .await
            .unwrap(),
        None,
        "expired at its expiry"
    );
    assert_eq!(
        store
            .find_console_session(&SecretHash::of("other"), Timestamp::from_millis(2_000))
            .await
            .unwrap(),
        None
    );
    store.delete_console_session(&id).await.unwrap();
    assert_eq!(
        store
            .find_console_session(&id, Timestamp::from_millis(2_000))
            .await
            .unwrap(),
        None
    );
    store.delete_console_session(&id).await.unwrap();
}

async fn expired_console_sessions_are_forgotten_and_live_ones_kept(store: SqlStore) {
    let token = SecretHash::of("admin-token");
    for (name, expires) in [("old", 2_000), ("new", 9_000)] {
        store
            .insert_console_session(
                &SecretHash::of(name),
                &token,
                Timestamp::from_millis(1_000),
                Timestamp::from_millis(expires),
            )
            .await
            .unwrap();
    }
    let forgotten = store
        .delete_expired_console_sessions(Timestamp::from_millis(3_000))
        .await
        .unwrap();
    assert_eq!(forgotten, 1);
    assert!(store
        .find_console_session(&SecretHash::of("new"), Timestamp::from_millis(3_000))
        .await
        .unwrap()
        .is_some());
    assert!(store
        .find_console_session(&SecretHash::of("old"), Timestamp::from_millis(1_500))
        .await
        .unwrap()
        .is_none());
}
