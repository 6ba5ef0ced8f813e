//! Match register, update and complete.

use crate::helpers::{fixture_body, match_body, TestApp, MATCH_ID};
use backline_store::{Backend, MatchStore};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    register_update_and_complete_move_the_match_through_its_lifecycle,
    an_update_after_complete_is_ignored_and_a_second_complete_changes_nothing,
    updates_and_completes_of_an_unregistered_match_create_it,
    a_complete_outside_game_end_marks_the_match_abandoned,
    observers_with_different_group_codes_are_separate_matches,
    concurrent_register_update_and_complete_leave_the_newest_snapshot,
    secrets_in_match_bodies_never_reach_the_database_or_the_answers,
    an_empty_match_id_is_answered_with_a_json_400,
);

pub struct Spectra {
    pub token: String,
}

impl Spectra {
    pub async fn new(app: &TestApp) -> Self {
        Self {
            token: app.issue_token("spectra-backend").await,
        }
    }

    pub async fn call(
        &self,
        app: &TestApp,
        action: &str,
        match_id: &str,
        body: &Value,
    ) -> crate::helpers::Reply {
        let method = if action == "register" {
            Method::POST
        } else {
            Method::PUT
        };
        let path = format!("/spectra/system/match/{match_id}/{action}");
        let headers = [
            ("x-user-token", self.token.as_str()),
            ("content-type", "application/json"),
        ];
        app.send(
            method,
            &path,
            &headers,
            Some(serde_json::to_vec(body).unwrap()),
        )
        .await
    }
}

/// The admin view of one match's observers.
async fn observers(app: &TestApp, match_id: &str) -> Vec<Value> {
    let r = app
        .admin(Method::GET, &format!("/matches/{match_id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["observers"].as_array().unwrap().clone()
}

async fn register_update_and_complete_move_the_match_through_its_lifecycle(app: &TestApp) {
    let spectra = Spectra::new(app).await;
    let r = spectra
        .call(app, "register", MATCH_ID, &fixture_body("register"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.body,
        json!({"matchId": MATCH_ID, "groupCode": "TESTGC", "received": "registered"})
    );
    let o = &observers(app, MATCH_ID).await[0];
    assert_eq!(
        (o["state"].as_str(), o["round_number"].as_i64()),
        (Some("registered"), Some(0))
    );
    assert!(o["registered_at"].is_string() && o["completed_at"].is_null());
    assert_eq!(o["org_id"], "org-42");
    assert_eq!(o["map"], "Ascent");

    let r = spectra
        .call(app, "update", MATCH_ID, &fixture_body("update"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let o = &observers(app, MATCH_ID).await[0];
    assert_eq!(
        (o["state"].as_str(), o["round_number"].as_i64()),
        (Some("live"), Some(3))
    );
    assert_eq!(o["snapshot"]["roundPhase"], "shopping");

    let r = spectra
        .call(app, "complete", MATCH_ID, &fixture_body("complete"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["received"], "completed");
    let o = &observers(app, MATCH_ID).await[0];
    assert_eq!(
        (o["state"].as_str(), o["round_number"].as_i64()),
        (Some("completed"), Some(3))
    );
    assert!(o["completed_at"].is_string());
    assert_eq!(
        o["snapshot"]["teams"][0]["players"][0]["fullName"],
        "LTM Left1#EUW"
    );
}

async fn an_update_after_complete_is_ignored_and_a_second_complete_changes_nothing(app: &TestApp) {
    let spectra = Spectra::new(app).await;
    spectra
        .call(app, "register", MATCH_ID, &fixture_body("register"))
        .await;
    spectra
        .call(app, "complete", MATCH_ID, &fixture_body("complete"))
        .await;
    let before = observers(app, MATCH_ID).await;
    // An older update arrives late, then a newer-looking one, then complete again.
    let late = spectra
        .call(app, "update", MATCH_ID, &fixture_body("update"))
        .await;
    assert_eq!(late.status, StatusCode::OK);
    let newer = spectra
        .call(
            app,
            "update",
            MATCH_ID,
            &match_body("update", MATCH_ID, "TESTGC", 9, "shopping"),
        )
        .await;
    assert_eq!(newer.status, StatusCode::OK);
    let again = spectra
        .call(
            app,
            "complete",
            MATCH_ID,
            &match_body("complete", MATCH_ID, "TESTGC", 12, "combat"),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(observers(app, MATCH_ID).await, before);
    assert_eq!(before[0]["state"], "completed");
    assert_eq!(before[0]["round_number"], 3);
}

async fn updates_and_completes_of_an_unregistered_match_create_it(app: &TestApp) {
    let spectra = Spectra::new(app).await;
    let r = spectra
        .call(
            app,
            "update",
            "never-registered",
            &match_body("update", "never-registered", "GC1", 4, "shopping"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let o = &observers(app, "never-registered").await[0];
    assert_eq!(
        (o["state"].as_str(), o["round_number"].as_i64()),
        (Some("live"), Some(4))
    );
    assert!(o["registered_at"].is_null());

    let r = spectra
        .call(
            app,
            "complete",
            "complete-only",
            &match_body("complete", "complete-only", "GC2", 13, "game_end"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        observers(app, "complete-only").await[0]["state"],
        "completed"
    );
}

async fn a_complete_outside_game_end_marks_the_match_abandoned(app: &TestApp) {
    let spectra = Spectra::new(app).await;
    spectra
        .call(
            app,
            "register",
            "m-abandon",
            &match_body("register", "m-abandon", "GC", 0, "LOBBY"),
        )
        .await;
    spectra
        .call(
            app,
            "update",
            "m-abandon",
            &match_body("update", "m-abandon", "GC", 5, "shopping"),
        )
        .await;
    let r = spectra
        .call(
            app,
            "complete",
            "m-abandon",
            &match_body("complete", "m-abandon", "GC", 6, "combat"),
        )
        .await;
    assert_eq!(r.body["received"], "abandoned");
    let o = &observers(app, "m-abandon").await[0];
    assert_eq!(
        (o["state"].as_str(), o["round_number"].as_i64()),
        (Some("abandoned"), Some(6))
    );
    let listed = app
        .admin(Method::GET, "/matches?state=abandoned", None)
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    app.admin(Method::GET, "/matches?state=bogus", None)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
}

async fn observers_with_different_group_codes_are_separate_matches(app: &TestApp) {
    let spectra = Spectra::new(app).await;
    spectra
        .call(
            app,
            "update",
            MATCH_ID,
            &match_body("update", MATCH_ID, "OBS-A", 7, "shopping"),
        )
        .await;
    spectra
        .call(
            app,
            "update",
            MATCH_ID,
            &match_body("update", MATCH_ID, "OBS-B", 3, "shopping"),
        )
        .await;
    spectra
        .call(
            app,
            "complete",
            MATCH_ID,
            &match_body("complete", MATCH_ID, "OBS-B", 13, "game_end"),
        )
        .await;
    let list = observers(app, MATCH_ID).await;
    let seen: Vec<_> = list
        .iter()
        .map(|o| {
            (
                o["group_code"].as_str().unwrap(),
                o["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, vec![("OBS-B", "completed"), ("OBS-A", "live")]);
}

async fn concurrent_register_update_and_complete_leave_the_newest_snapshot(app: &TestApp) {
    let spectra = std::sync::Arc::new(Spectra::new(app).await);
    for attempt in 0..3 {
        let match_id = format!("race-{attempt}");
        let mut calls = Vec::new();
        calls.push((
            "register".to_owned(),
            match_body("register", &match_id, "GC", 0, "LOBBY"),
        ));
        for round in 2..=14 {
            calls.push((
                "update".to_owned(),
                match_body("update", &match_id, "GC", round, "shopping"),
            ));
        }
        calls.push((
            "complete".to_owned(),
            match_body("complete", &match_id, "GC", 13, "game_end"),
        ));
        let futures = calls
            .iter()
            .map(|(action, body)| spectra.call(app, action, &match_id, body));
        let replies = futures::future::join_all(futures).await;
        assert!(
            replies.iter().all(|r| r.status == StatusCode::OK),
            "{replies:?}"
        );
        let o = &observers(app, &match_id).await[0];
        assert_eq!(
            (o["state"].as_str(), o["round_number"].as_i64()),
            (Some("completed"), Some(13))
        );
        assert_eq!(o["snapshot"]["roundNumber"], 13);
        assert!(o["registered_at"].is_string());
    }
    // Without a complete, the highest round wins whatever the arrival order.
    let updates = (2..=20)
        .rev()
        .map(|round| match_body("update", "race-updates", "GC", round, "shopping"))
        .collect::<Vec<_>>();
    futures::future::join_all(
        updates
            .iter()
            .map(|b| spectra.call(app, "update", "race-updates", b)),
    )
    .await;
    assert_eq!(observers(app, "race-updates").await[0]["round_number"], 20);
}

async fn secrets_in_match_bodies_never_reach_the_database_or_the_answers(app: &TestApp) {
    let spectra = Spectra::new(app).await;
    let group_secret = "D9ES7V4GWFDE";
    let cam_secret = "PCSECRET456";
    for action in ["register", "update", "complete"] {
        let body = fixture_body(action);
        assert!(body.to_string().contains(group_secret) && body.to_string().contains(cam_secret));
        let r = spectra.call(app, action, MATCH_ID, &body).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.text.contains(group_secret) && !r.text.contains(cam_secret));
    }
    let shown = app
        .admin(Method::GET, &format!("/matches/{MATCH_ID}"), None)
        .await;
    assert!(!shown.text.contains(group_secret) && !shown.text.contains(cam_secret));
    assert_eq!(
        shown.body["observers"][0]["snapshot"]["tools"]["playercamsInfo"]["identifier"],
        "PCID123"
    );

    let store = app.store().await;
    assert_eq!(store.get_match(MATCH_ID).await.unwrap().len(), 1);
    let everything = match app.db.backend {
        Backend::Sqlite => {
            store.close().await;
            let path = app.db.url.trim_start_matches("sqlite://").to_owned();
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                bytes.extend(wal);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            let rows: Vec<(String,)> = sqlx::query_as("SELECT t::text FROM spectra_matches t")
                .fetch_all(&pool)
                .await
                .unwrap();
            pool.close().await;
            store.close().await;
            rows.into_iter().map(|r| r.0).collect()
        }
    };
    assert!(everything.contains("LTM Left1"), "the snapshot is stored");
    assert!(!everything.contains(group_secret), "groupSecret stored");
    assert!(!everything.contains(cam_secret), "playercam secret stored");
}

async fn an_empty_match_id_is_answered_with_a_json_400(app: &TestApp) {
    let spectra = Spectra::new(app).await;
    for action in ["register", "update", "complete"] {
        let r = spectra
            .call(
                app,
                action,
                "",
                &match_body(action, "", "GC", 1, "shopping"),
            )
            .await;
        r.assert_error(StatusCode::BAD_REQUEST);
        assert!(r.body["message"].as_str().unwrap().contains("matchId"));
    }
    let listed = app.admin(Method::GET, "/matches", None).await;
    assert_eq!(listed.body, json!({"items": [], "next_cursor": null}));
}
