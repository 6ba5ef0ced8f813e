//! Scheduled backups (`[backup]`): the first at start, the next each time the server's clock
//! passes `every` (the test advances it), the oldest deleted so `keep` remain, other files
//! in the folder left alone, and the newest restorable.

use super::hidden_files;
use crate::helpers::{cli, TestApp};
use backline_server::config::backup::Every;
use backline_store::Backend;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The backups in `dir`, oldest first.
fn backups(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("backline-") && n.ends_with(".db"))
        .collect();
    names.sort();
    names
}

/// Waits (in short steps, real time: the schedule looks once a second) until `dir` holds
/// `count` backups with `newest` not among `before`.
async fn until_written(dir: &Path, count: usize, before: &[String]) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = backups(dir);
        if now.len() == count && now.last().is_some_and(|n| !before.contains(n)) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "expected {count} backups after {before:?}, found {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_are_taken_every_interval_and_only_the_newest_are_kept() {
    let folder = tempfile::tempdir().unwrap();
    let dir: PathBuf = folder.path().join("backups");
    let configured = dir.clone();
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, move |c| {
        c.backup.every = Some(Every::Text("1h".into()));
        c.backup.keep = Some(2);
        c.backup.dir = Some(configured);
    })
    .await
    else {
        return;
    };
    // The first backup is taken at start (the folder held none).
    let first = until_written(&dir, 1, &[]).await;
    std::fs::write(dir.join("notes.txt"), b"an operator's file").unwrap();
    app.create_org("Scheduled League", None).await;

    app.advance(Duration::from_secs(3600));
    let second = until_written(&dir, 2, &first).await;
    assert_eq!(second[0], first[0]);

    app.advance(Duration::from_secs(3600));
    let third = until_written(&dir, 2, &second).await;
    assert_eq!(third[0], second[1], "the oldest was deleted: {third:?}");
    assert!(!third.contains(&first[0]));

    // Less than `every` later: nothing new.
    app.advance(Duration::from_secs(1800));
    let deadline = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < deadline {
        assert_eq!(backups(&dir), third);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(dir.join("notes.txt").exists());
    assert!(hidden_files(&dir).is_empty());

    // The newest holds what was written before it, and restores.
    let newest = dir.join(third.last().unwrap());
    let restored = format!("sqlite://{}", folder.path().join("restored.db").display());
    let (ok, _, stderr) = cli(&restored, &["restore", "--from", newest.to_str().unwrap()]).await;
    assert!(ok, "{stderr}");
    let (ok, orgs, stderr) = cli(&restored, &["--json", "org", "list"]).await;
    assert!(ok, "{stderr}");
    assert_eq!(orgs["orgs"][0]["name"], "Scheduled League");
    app.stop().await;
}

/// After a restart the schedule goes on from the newest backup in the folder: no backup at
/// start when the newest is younger than `every`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_continues_the_schedule_from_the_newest_backup() {
    let folder = tempfile::tempdir().unwrap();
    let dir: PathBuf = folder.path().join("backups");
    std::fs::create_dir_all(&dir).unwrap();
    let configure = |dir: PathBuf| {
        move |c: &mut backline_server::config::Config| {
            c.backup.every = Some(Every::Text("1h".into()));
            c.backup.dir = Some(dir);
        }
    };
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, configure(dir.clone())).await else {
        return;
    };
    let first = until_written(&dir, 1, &[]).await;
    app.stop().await;
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, configure(dir.clone())).await else {
        return;
    };
    let deadline = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < deadline {
        assert_eq!(backups(&dir), first, "no backup before `every` has passed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.advance(Duration::from_secs(3600));
    until_written(&dir, 2, &first).await;
    app.stop().await;
}
