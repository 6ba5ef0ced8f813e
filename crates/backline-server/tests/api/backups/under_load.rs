//! A backup taken while several clients write through the HTTP API holds every write
//! acknowledged before it began; restored into a new file, a server started on it serves
//! each of them.

use super::Restored;
use crate::helpers::{cli, match_body, TestApp};
use crate::spectra_matches::Spectra;
use backline_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One acknowledged write: when its 2xx answer arrived, and how to read it back.
#[derive(Clone, Debug)]
enum Write {
    User { id: String, username: String },
    Ban { id: String, reason: String },
    Match { id: String, round: i64 },
}

type Log = Arc<Mutex<Vec<(Instant, Write)>>>;

/// Writers of each kind, concurrently.
const WRITERS_PER_KIND: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_holds_every_write_acknowledged_before_it_began() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let app = Arc::new(app);
    let spectra = Arc::new(Spectra::new(&app).await);
    let log: Log = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..WRITERS_PER_KIND {
        writers.push(tokio::spawn(users(
            app.clone(),
            w,
            log.clone(),
            stop.clone(),
        )));
        writers.push(tokio::spawn(bans(
            app.clone(),
            w,
            log.clone(),
            stop.clone(),
        )));
        writers.push(tokio::spawn(matches(
            app.clone(),
            spectra.clone(),
            w,
            log.clone(),
            stop.clone(),
        )));
    }
    // Let every writer get going, then back up while they go on.
    let deadline = Instant::now() + Duration::from_secs(30);
    while log.lock().unwrap().len() < 300 {
        assert!(Instant::now() < deadline, "the writers make progress");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backline-backup.db");
    let began = Instant::now();
    let (ok, written, stderr) = cli(
        &app.config.database_url,
        &["--json", "backup", "--to", backup.to_str().unwrap()],
    )
    .await;
    let ended = Instant::now();
    assert!(ok, "{stderr}");
    assert_eq!(written["path"], backup.to_str().unwrap());
    // Writes went on during the backup.
    let during = |log: &Log| {
        log.lock()
            .unwrap()
            .iter()
            .filter(|(at, _)| *at > began)
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while during(&log) < 30 {
        assert!(Instant::now() < deadline, "the writers go on");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged: Vec<Write> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(at, _)| *at < began)
        .map(|(_, w)| w.clone())
        .collect();
    eprintln!(
        "{} writes acknowledged before the backup began, {} in all; the backup took {:?}",
        acknowledged.len(),
        log.lock().unwrap().len(),
        ended - began
    );
    assert!(super::hidden_files(dir.path()).is_empty());

    let restored = dir.path().join("restored.db");
    let url = format!("sqlite://{}", restored.display());
    let (ok, report, stderr) = cli(
        &url,
        &["--json", "restore", "--from", backup.to_str().unwrap()],
    )
    .await;
    assert!(ok, "{stderr}");
    assert_eq!(report["replaced"], false);
    let server = Restored::serve(&url).await;
    let mut highest = std::collections::HashMap::new();
    for write in &acknowledged {
        match write {
            Write::User { id, username } => {
                let (status, body) = server
                    .admin_get(&app.admin_token, &format!("/users/{id}"))
                    .await;
                assert_eq!(status, 200, "user {id}: {body}");
                assert_eq!(body["username"], username.as_str(), "{body}");
            }
            Write::Ban { id, reason } => {
                let (status, body) = server
                    .admin_get(&app.admin_token, &format!("/bans/{id}"))
                    .await;
                assert_eq!(status, 200, "ban {id}: {body}");
                assert_eq!(
                    (&body["reason"], &body["account_id"].is_string()),
                    (&json!(reason), &true),
                    "{body}"
                );
            }
            Write::Match { id, round } => {
                let top = highest.entry(id.clone()).or_insert(*round);
                *top = (*top).max(*round);
            }
        }
    }
    assert!(!highest.is_empty());
    for (id, round) in highest {
        let (status, body) = server
            .admin_get(&app.admin_token, &format!("/matches/{id}"))
            .await;
        assert_eq!(status, 200, "match {id}: {body}");
        let stored = body["observers"][0]["round_number"].as_i64().unwrap();
        assert!(
            stored >= round,
            "match {id}: round {round} was acknowledged before the backup, the restored copy has {stored}"
        );
    }
    server.stop().await;
    Arc::try_unwrap(app).ok().unwrap().stop().await;
}

async fn users(app: Arc<TestApp>, w: usize, log: Log, stop: Arc<AtomicBool>) {
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let username = format!("load-{w}-{i}");
        let r = app
            .admin(Method::POST, "/users", Some(json!({"username": username})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let id = r.body["id"].as_str().unwrap().to_owned();
        log.lock()
            .unwrap()
            .push((Instant::now(), Write::User { id, username }));
        i += 1;
    }
}

async fn bans(app: Arc<TestApp>, w: usize, log: Log, stop: Arc<AtomicBool>) {
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let reason = format!("load test {w}/{i}");
        let account = format!("7656119{:010}", w * 100_000 + i);
        let r = app
            .admin(
                Method::POST,
                "/bans",
                Some(
                    json!({"source": "steam", "account_id": account, "scope": "global",
                    "reason": reason, "duration_minutes": 60}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let id = r.body["id"].as_str().unwrap().to_owned();
        log.lock()
            .unwrap()
            .push((Instant::now(), Write::Ban { id, reason }));
        i += 1;
    }
}

async fn matches(
    app: Arc<TestApp>,
    spectra: Arc<Spectra>,
    w: usize,
    log: Log,
    stop: Arc<AtomicBool>,
) {
    let id = format!("0b8e6a1c-1111-4222-8333-9444455556{w:02}");
    let r = spectra
        .call(
            &app,
            "register",
            &id,
            &match_body("register", &id, "TESTGC", 0, "shopping"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut round = 1;
    while !stop.load(Ordering::Relaxed) {
        let body = match_body("update", &id, "TESTGC", round, "combat");
        let r = spectra.call(&app, "update", &id, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        log.lock().unwrap().push((
            Instant::now(),
            Write::Match {
                id: id.clone(),
                round,
            },
        ));
        round += 1;
    }
}
