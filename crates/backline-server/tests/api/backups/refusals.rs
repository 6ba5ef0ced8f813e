//! What `backline restore` refuses, each time leaving the database it would replace as it
//! was (its bytes) and no temporary file behind: a target that holds data without
//! `--force`, a backup migrated by a newer Backline, a file that is not a SQLite database,
//! a SQLite database that is not Backline's, and a target a running server holds. And the
//! refusals of `backline backup`: an existing destination, PostgreSQL.

use super::{digest, hidden_files};
use crate::helpers::{cli, TestApp};
use backline_store::Backend;
use sqlx::{Connection, Executor, SqliteConnection};
use std::path::{Path, PathBuf};

/// A backup of a database with one organisation, `Backup League`.
async fn a_backup(dir: &Path) -> PathBuf {
    let source = format!("sqlite://{}", dir.join("source.db").display());
    let (ok, _, stderr) = cli(&source, &["org", "create", "Backup League"]).await;
    assert!(ok, "{stderr}");
    let backup = dir.join("backup.db");
    let (ok, _, stderr) = cli(&source, &["backup", "--to", backup.to_str().unwrap()]).await;
    assert!(ok, "{stderr}");
    backup
}

/// Runs `restore` into `target`; asserts it is refused with `words` and changes nothing.
async fn refused(target: &Path, from: &Path, force: bool, words: &str) {
    let before = digest(target);
    let url = format!("sqlite://{}", target.display());
    let mut args = vec!["restore", "--from", from.to_str().unwrap()];
    if force {
        args.push("--force");
    }
    let (ok, _, stderr) = cli(&url, &args).await;
    assert!(!ok, "restore of {} was not refused", from.display());
    assert!(stderr.contains(words), "expected `{words}` in: {stderr}");
    assert_eq!(digest(target), before, "{} was changed", target.display());
    assert!(hidden_files(target.parent().unwrap()).is_empty());
}

async fn org_names(url: &str) -> Vec<String> {
    let (ok, orgs, stderr) = cli(url, &["--json", "org", "list"]).await;
    assert!(ok, "{stderr}");
    orgs["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_database_that_holds_data_is_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let backup = a_backup(dir.path()).await;
    let target = dir.path().join("target.db");
    let url = format!("sqlite://{}", target.display());
    let (ok, _, stderr) = cli(&url, &["org", "create", "Live League"]).await;
    assert!(ok, "{stderr}");
    refused(&target, &backup, false, "holds a database; add --force").await;
    assert_eq!(org_names(&url).await, ["Live League"]);

    let (ok, report, stderr) = cli(
        &url,
        &[
            "--json",
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--force",
        ],
    )
    .await;
    assert!(ok, "{stderr}");
    assert_eq!(report["replaced"], true);
    assert_eq!(org_names(&url).await, ["Backup League"]);
    assert!(hidden_files(dir.path()).is_empty());
}

#[tokio::test]
async fn a_backup_from_a_newer_backline_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let backup = a_backup(dir.path()).await;
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", backup.display()))
        .await
        .unwrap();
    conn.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from a newer Backline', TRUE, X'00', 0)",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();
    let backup_before = digest(&backup);
    let target = dir.path().join("target.db");
    let url = format!("sqlite://{}", target.display());
    let (ok, _, stderr) = cli(&url, &["org", "create", "Live League"]).await;
    assert!(ok, "{stderr}");
    refused(
        &target,
        &backup,
        true,
        "is at migration 9999, newer than this Backline knows",
    )
    .await;
    assert_eq!(org_names(&url).await, ["Live League"]);
    // Into a new file: refused too, and no file is made.
    let fresh = dir.path().join("fresh.db");
    refused(&fresh, &backup, false, "newer than this Backline knows").await;
    assert!(!fresh.exists());
    assert_eq!(digest(&backup), backup_before, "the backup is only read");
}

#[tokio::test]
async fn files_that_are_not_backline_databases_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.db");
    let url = format!("sqlite://{}", target.display());
    let (ok, _, stderr) = cli(&url, &["org", "create", "Live League"]).await;
    assert!(ok, "{stderr}");

    let junk = dir.path().join("junk.db");
    std::fs::write(
        &junk,
        b"this is not a database, just bytes that look like none",
    )
    .unwrap();
    refused(&target, &junk, true, "is not a SQLite database").await;
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    refused(&target, &empty, true, "not a Backline database").await;
    let foreign = dir.path().join("foreign.db");
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", foreign.display()))
        .await
        .unwrap();
    conn.execute("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello');")
        .await
        .unwrap();
    conn.close().await.unwrap();
    refused(&target, &foreign, true, "not a Backline database").await;
    refused(
        &target,
        &dir.path().join("missing.db"),
        true,
        "cannot read the backup",
    )
    .await;
    assert_eq!(org_names(&url).await, ["Live League"]);
}

/// A database damaged past reading is what a restore is for: it needs `--force`, like one
/// that holds data, and is then replaced.
#[tokio::test]
async fn a_damaged_database_is_replaced_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let backup = a_backup(dir.path()).await;
    let target = dir.path().join("target.db");
    std::fs::write(&target, b"what is left of a database after a bad day").unwrap();
    refused(&target, &backup, false, "holds a database; add --force").await;
    let url = format!("sqlite://{}", target.display());
    let (ok, report, stderr) = cli(
        &url,
        &[
            "--json",
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--force",
        ],
    )
    .await;
    assert!(ok, "{stderr}");
    assert_eq!(report["replaced"], true);
    assert_eq!(org_names(&url).await, ["Backup League"]);
}

/// A running server holds its database: restoring over it is refused (the server must be
/// stopped first), and the server goes on serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_a_running_server_holds_is_not_replaced() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let backup = a_backup(dir.path()).await;
    app.create_org("Live League", None).await;
    let target = PathBuf::from(app.config.database_url.trim_start_matches("sqlite://"));
    let url = &app.config.database_url;
    let (ok, _, stderr) = cli(
        url,
        &["restore", "--from", backup.to_str().unwrap(), "--force"],
    )
    .await;
    assert!(!ok);
    assert!(stderr.contains("is in use by another process"), "{stderr}");
    assert!(hidden_files(target.parent().unwrap()).is_empty());
    assert_eq!(org_names(url).await, ["Live League"]);
    assert_eq!(app.get("/readyz", &[]).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file_and_postgres_is_pointed_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let backup = a_backup(dir.path()).await;
    let before = digest(&backup);
    let source = format!("sqlite://{}", dir.path().join("source.db").display());
    let (ok, _, stderr) = cli(&source, &["backup", "--to", backup.to_str().unwrap()]).await;
    assert!(!ok);
    assert!(stderr.contains("exists already"), "{stderr}");
    assert_eq!(digest(&backup), before);

    let missing = format!("sqlite://{}", dir.path().join("missing.db").display());
    let to = dir.path().join("never.db");
    let (ok, _, stderr) = cli(&missing, &["backup", "--to", to.to_str().unwrap()]).await;
    assert!(
        !ok && stderr.contains("there is no database at"),
        "{stderr}"
    );
    assert!(!to.exists() && !dir.path().join("missing.db").exists());

    for command in [
        vec!["backup", "--to", to.to_str().unwrap()],
        vec!["restore", "--from", backup.to_str().unwrap()],
    ] {
        let (ok, _, stderr) =
            cli("postgres://backline:hunter2@127.0.0.1:1/backline", &command).await;
        assert!(!ok, "{command:?}");
        assert!(
            stderr.contains("pg_dump -Fc") && stderr.contains("pg_restore"),
            "{stderr}"
        );
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
    assert!(!to.exists());
}
