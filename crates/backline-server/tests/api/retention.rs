//! Retention through the real server: a year on (the clock advanced, never slept), the pass
//! prunes old audit entries and keeps bans and queued executions; a kind set to `forever` is
//! kept; `/metrics` shows the table sizes and the pruned-rows counter; and `backline audit
//! export` writes the log as JSON lines and CSV, page by page.

use crate::ember_helpers::{poll, server, STEAM_ID};
use crate::helpers::{cli, TestApp};
use backline_domain::admin::AuditEntry;
use backline_domain::Timestamp;
use backline_server::config::retention::Period;
use backline_store::AuditStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

backline_store::stories!(crate::helpers::with_app =>
    a_year_on_old_audit_entries_go_and_bans_and_queued_executions_stay,
    metrics_show_table_rows_database_size_and_pruned_rows,
    audit_export_writes_json_lines_and_csv_page_by_page,
    of_two_nodes_running_the_retention_loop_only_the_lease_holder_prunes,
);

backline_store::stories!(crate::helpers::with_configured_app,
    |c: &mut backline_server::config::Config| c.retention.audit = Period::Text("forever".into())
    => an_audit_log_kept_forever_is_never_pruned,
);

const YEAR_AND_A_MONTH: Duration = Duration::from_secs(400 * 86_400);

/// The actions of the audit log, newest first.
async fn audit_actions(app: &TestApp) -> Vec<String> {
    let log = app.admin(Method::GET, "/audit?limit=500", None).await;
    assert_eq!(log.status, StatusCode::OK, "{log:?}");
    log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// One pass of the server's retention settings, at the server's clock.
async fn prune(app: &TestApp) -> Vec<(backline_store::PruneKind, u64)> {
    let settings = app.config.retention.settings().unwrap();
    app.core()
        .await
        .prune_once(&settings, |_, _| {})
        .await
        .unwrap()
}

async fn a_year_on_old_audit_entries_go_and_bans_and_queued_executions_stay(app: &TestApp) {
    let (id, token) = server(app, "EU", &[]).await;
    let ban = app
        .admin(
            Method::POST,
            "/bans",
            Some(
                json!({"source": "steam", "account_id": STEAM_ID, "scope": "global",
                "reason": "Cheating"}),
            ),
        )
        .await;
    assert_eq!(ban.status, StatusCode::CREATED, "{ban:?}");
    let ban_id = ban.body["id"].as_str().unwrap().to_owned();
    let queued = app
        .admin(
            Method::POST,
            "/actions",
            Some(json!({"server": id, "type": "command", "text": "say hello"})),
        )
        .await;
    assert_eq!(queued.status, StatusCode::CREATED, "{queued:?}");
    let before = audit_actions(app).await;
    assert!(
        before.contains(&"POST /admin/v1/bans".to_owned()),
        "{before:?}"
    );

    app.advance(YEAR_AND_A_MONTH);
    let org = app.create_org("Later", None).await;
    let pruned = prune(app).await;
    let audit = pruned
        .iter()
        .find(|(k, _)| *k == backline_store::PruneKind::Audit)
        .unwrap()
        .1;
    assert_eq!(audit as usize, before.len(), "{pruned:?}");
    assert_eq!(audit_actions(app).await, ["POST /admin/v1/orgs"]);
    // What is never pruned: the ban, the organisation, the queued execution.
    let kept = app
        .admin(Method::GET, &format!("/bans/{ban_id}"), None)
        .await;
    assert_eq!(kept.status, StatusCode::OK, "{kept:?}");
    assert_eq!(kept.body["reason"], "Cheating");
    assert_eq!(
        app.admin(Method::GET, &format!("/orgs/{org}"), None)
            .await
            .status,
        StatusCode::OK
    );
    let delivered = poll(app, &token, "").await;
    assert!(
        delivered
            .iter()
            .any(|e| e.to_string().contains("say hello")),
        "{delivered:?}"
    );
    // A second pass finds nothing more.
    assert!(prune(app).await.iter().all(|(_, n)| *n == 0));
}

async fn an_audit_log_kept_forever_is_never_pruned(app: &TestApp) {
    app.create_org("Early", None).await;
    app.advance(YEAR_AND_A_MONTH * 10);
    prune(app).await;
    assert_eq!(audit_actions(app).await, ["POST /admin/v1/orgs"]);
}

/// The value of the sample `name` with the label `label`.
fn sample(text: &str, name: &str, label: (&str, &str)) -> Option<f64> {
    let prefix = format!("{name}{{{}=\"{}\"}} ", label.0, label.1);
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|v| v.parse().unwrap())
}

async fn metrics_show_table_rows_database_size_and_pruned_rows(app: &TestApp) {
    app.create_org("One", None).await;
    app.create_org("Two", None).await;
    let scrape = app.get("/metrics", &[]).await;
    assert_eq!(scrape.status, StatusCode::UNAUTHORIZED);
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for kind in backline_store::PruneKind::ALL {
        assert_eq!(
            sample(
                &text,
                "backline_retention_pruned_rows_total",
                ("kind", kind.name())
            ),
            Some(0.0),
            "{text}"
        );
    }
    for table in backline_store::COUNTED_TABLES {
        assert!(
            sample(&text, "backline_table_rows", ("table", table)).is_some(),
            "{table}: {text}"
        );
    }
    if app.db.backend == backline_store::Backend::Sqlite {
        // Exact on SQLite (PostgreSQL reports the planner's estimate).
        assert_eq!(
            sample(&text, "backline_table_rows", ("table", "audit_log")),
            Some(2.0)
        );
    }
    let size = text
        .lines()
        .find_map(|l| l.strip_prefix("backline_database_size_bytes "))
        .unwrap();
    assert!(size.parse::<f64>().unwrap() > 0.0, "{size}");
}

fn entry(seq_hint: i64, action: &str, entity_id: Option<&str>) -> AuditEntry {
    AuditEntry {
        seq: 0,
        // 2020-01-01T00:00:00Z plus a second per entry.
        at: Timestamp::from_millis(1_577_836_800_000 + seq_hint * 1000),
        actor: "night, \"ops\"".into(),
        actor_id: None,
        action: action.into(),
        entity_type: "bans".into(),
        entity_id: entity_id.map(str::to_owned),
        source: "cli".into(),
    }
}

async fn audit_export_writes_json_lines_and_csv_page_by_page(app: &TestApp) {
    let store = app.store().await;
    // More entries than a page (500), all in 2020; the server's own are from now.
    for i in 0..1100 {
        store
            .insert_audit(&entry(i, "ban create", Some(&format!("b-{i}"))))
            .await
            .unwrap();
    }
    store
        .insert_audit(&entry(1100, "note\nwith a line", None))
        .await
        .unwrap();
    app.create_org("Now", None).await;
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("audit.jsonl");
    let (ok, _, err) = cli(
        &app.db.url,
        &[
            "audit",
            "export",
            "--format",
            "jsonl",
            "--before",
            "2021-01-01",
            "--to",
            jsonl.to_str().unwrap(),
        ],
    )
    .await;
    assert!(ok, "{err}");
    assert!(err.contains("1101 audit entries"), "{err}");
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1101, "every entry once, across three pages");
    assert_eq!(lines[0]["action"], "note\nwith a line");
    assert_eq!(lines[0]["at"], "2020-01-01T00:18:20Z");
    assert_eq!(lines[1100]["entity_id"], "b-0");
    let seqs: Vec<i64> = lines.iter().map(|l| l["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );

    let csv = dir.path().join("audit.csv");
    let (ok, _, err) = cli(
        &app.db.url,
        &[
            "audit",
            "export",
            "--format",
            "csv",
            "--before",
            "2020-01-01T00:00:02Z",
            "--to",
            csv.to_str().unwrap(),
        ],
    )
    .await;
    assert!(ok, "{err}");
    let (first, second) = (seqs[1100], seqs[1099]);
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        format!(
            "seq,at,actor,actor_id,action,entity_type,entity_id,source\n\
             {second},2020-01-01T00:00:01Z,\"night, \"\"ops\"\"\",,ban create,bans,b-1,cli\n\
             {first},2020-01-01T00:00:00Z,\"night, \"\"ops\"\"\",,ban create,bans,b-0,cli\n"
        )
    );
    // Without --before, the whole log: the organisation created now as well, on stdout.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args([
            "--database",
            &app.db.url,
            "audit",
            "export",
            "--format",
            "jsonl",
        ])
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    let all = String::from_utf8(out.stdout).unwrap();
    assert_eq!(all.lines().count(), 1102);
    assert!(all.lines().next().unwrap().contains("POST /admin/v1/orgs"));
    // A date it cannot read is refused with what to give.
    let (ok, _, err) = cli(
        &app.db.url,
        &[
            "audit",
            "export",
            "--format",
            "csv",
            "--before",
            "last year",
        ],
    )
    .await;
    assert!(!ok && err.contains("give a date"), "{err}");
}

async fn of_two_nodes_running_the_retention_loop_only_the_lease_holder_prunes(app: &TestApp) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    for i in 0..30 {
        app.create_org(&format!("Org {i}"), None).await;
    }
    // The server's own pass ran at start-up and holds the lease; a year on it has lapsed.
    app.advance(YEAR_AND_A_MONTH);
    let mut settings = app.config.retention.settings().unwrap();
    settings.interval = Duration::from_millis(20);
    settings.batch = 7;
    let mut nodes = Vec::new();
    let mut stops = Vec::new();
    for name in ["node-a", "node-b"] {
        let counted = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let seen = counted.clone();
        let task = tokio::spawn(app.core().await.retention(
            settings.clone(),
            name.to_owned(),
            move |kind, rows| {
                assert_eq!(kind, backline_store::PruneKind::Audit);
                seen.fetch_add(rows, Ordering::SeqCst);
            },
            async move {
                let _ = stopped.await;
            },
        ));
        nodes.push((counted, task));
        stops.push(stop);
    }
    // Poll for the pruning (short sleeps with a deadline; no time needs to pass).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !audit_actions(app).await.is_empty() {
        assert!(std::time::Instant::now() < deadline, "nothing was pruned");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A few more passes of both loops: still one holder.
    tokio::time::sleep(Duration::from_millis(60)).await;
    for stop in stops {
        stop.send(()).unwrap();
    }
    let mut counts = Vec::new();
    for (counted, task) in nodes {
        task.await.unwrap();
        counts.push(counted.load(Ordering::SeqCst));
    }
    counts.sort();
    assert_eq!(
        counts,
        [0, 30],
        "one node pruned every entry, the other none"
    );
}
