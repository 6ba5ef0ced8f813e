//! The audit log: every admin API and CLI write, with its operator and source, filtered and
//! paged; never a secret.

use crate::admin_roles::{as_token, issue};
use crate::helpers::{cli, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    api_writes_are_audited_with_their_operator_entity_and_source,
    the_audit_log_is_filtered_and_paged_by_cursor,
    cli_writes_are_audited_as_the_cli,
);

fn entries(r: &crate::helpers::Reply) -> Vec<Value> {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["items"].as_array().unwrap().clone()
}

async fn api_writes_are_audited_with_their_operator_entity_and_source(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    let viewer = issue(app, "view", "viewer").await;
    let org = app.create_org("Org", None).await;
    let key = app.issue_key(&org, None).await;
    as_token(
        app,
        Some(&moderator),
        Method::PUT,
        "/players/p1",
        Some(json!({"region": "eu"})),
    )
    .await;
    // Refused and failed writes, and reads, are not recorded.
    as_token(
        app,
        Some(&viewer),
        Method::POST,
        "/orgs",
        Some(json!({"name": "X"})),
    )
    .await;
    app.admin(Method::PUT, "/players/p1", Some(json!({"peak_tier": -1})))
        .await;
    app.admin(Method::GET, "/orgs", None).await;

    let log = app.admin(Method::GET, "/audit", None).await;
    let all = entries(&log);
    let actions: Vec<_> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        vec![
            "PUT /admin/v1/players/{puuid}",
            "POST /admin/v1/orgs/{org_id}/keys",
            "POST /admin/v1/orgs",
            "POST /admin/v1/admin-tokens",
            "POST /admin/v1/admin-tokens",
        ]
    );
    assert_eq!(all[0]["actor"], "mod");
    assert_eq!(all[0]["entity_type"], "players");
    assert_eq!(all[0]["entity_id"], "p1");
    assert_eq!(all[2]["actor"], "bootstrap");
    assert_eq!(all[2]["entity_type"], "orgs");
    assert_eq!(all[2]["entity_id"], json!(org));
    assert_eq!(all[2]["source"], "127.0.0.1");
    assert!(all[2]["at"].is_string());
    let tokens = app.admin(Method::GET, "/admin-tokens", None).await;
    assert_eq!(all[3]["entity_id"], tokens.body["items"][2]["id"]);
    assert_eq!(all[0]["actor_id"], tokens.body["items"][1]["id"]);
    assert_eq!(all[4]["entity_id"], tokens.body["items"][1]["id"]);
    for secret in [&moderator, &viewer, &key, &app.admin_token] {
        assert!(!log.text.contains(secret.as_str()));
    }
    let stored = app.store().await;
    use backline_store::{AuditFilter, AuditStore};
    let rows = stored
        .list_audit(&AuditFilter {
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
}

async fn the_audit_log_is_filtered_and_paged_by_cursor(app: &TestApp) {
    let moderator = issue(app, "mod", "moderator").await;
    for i in 0..3 {
        app.create_org(&format!("Org {i}"), None).await;
    }
    as_token(
        app,
        Some(&moderator),
        Method::PUT,
        "/players/p1",
        Some(json!({"region": "eu"})),
    )
    .await;
    let by_actor = entries(&app.admin(Method::GET, "/audit?actor=mod", None).await);
    assert_eq!(by_actor.len(), 1);
    assert_eq!(by_actor[0]["entity_id"], "p1");
    let by_entity = entries(
        &app.admin(Method::GET, "/audit?entity_type=orgs", None)
            .await,
    );
    assert_eq!(by_entity.len(), 3);
    let one_org = by_entity[1]["entity_id"].as_str().unwrap().to_owned();
    let by_id = entries(
        &app.admin(
            Method::GET,
            &format!("/audit?entity_type=orgs&entity_id={one_org}"),
            None,
        )
        .await,
    );
    assert_eq!(by_id.len(), 1);
    let by_action = entries(
        &app.admin(
            Method::GET,
            "/audit?action=POST%20/admin/v1/admin-tokens",
            None,
        )
        .await,
    );
    assert_eq!(by_action.len(), 1);
    assert!(entries(
        &app.admin(Method::GET, "/audit?until=2000-01-01T00:00:00Z", None)
            .await
    )
    .is_empty());
    assert_eq!(
        entries(
            &app.admin(Method::GET, "/audit?since=2000-01-01T00:00:00Z", None)
                .await
        )
        .len(),
        5
    );
    assert!(entries(
        &app.admin(Method::GET, "/audit?since=2999-01-01T00:00:00Z", None)
            .await
    )
    .is_empty());

    // Pages of two, newest first, without repeats or gaps.
    let mut seen = Vec::new();
    let mut path = "/audit?limit=2".to_owned();
    loop {
        let page = app.admin(Method::GET, &path, None).await;
        seen.extend(entries(&page).iter().map(|e| e["seq"].as_i64().unwrap()));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/audit?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");

    app.admin(Method::GET, "/audit?limit=0", None)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    app.admin(Method::GET, "/audit?limit=abc", None)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    app.admin(Method::GET, "/audit?since=yesterday", None)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
}

async fn cli_writes_are_audited_as_the_cli(app: &TestApp) {
    let url = &app.db.url;
    let (ok, issued, err) = cli(
        url,
        &["admin-token", "issue", "ops", "--role", "viewer", "--json"],
    )
    .await;
    assert!(ok, "{err}");
    let secret = issued["token"].as_str().unwrap().to_owned();
    let (ok, org, _) = cli(url, &["org", "create", "Cli Org", "--json"]).await;
    assert!(ok);
    let org_id = org["id"].as_str().unwrap();
    let (ok, key, _) = cli(url, &["key", "issue", org_id, "--json"]).await;
    assert!(ok);
    let access_key = key["access_key"].as_str().unwrap().to_owned();
    let (ok, _, err) = cli(url, &["key", "revoke", &access_key]).await;
    assert!(ok, "{err}");
    // Reads are not recorded.
    cli(url, &["org", "list", "--json"]).await;

    let log = app.admin(Method::GET, "/audit?actor=cli", None).await;
    let all = entries(&log);
    let actions: Vec<_> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        vec!["key revoke", "key issue", "org create", "admin-token issue"]
    );
    assert!(all
        .iter()
        .all(|e| e["source"] == "cli" && e["actor_id"].is_null()));
    // The use case names the token it issued by its id (the command only knew its name).
    assert_eq!(
        (all[3]["entity_type"].as_str(), all[3]["entity_id"].as_str()),
        (Some("admin-tokens"), issued["id"].as_str())
    );
    // The key issued is named by its own id (it used to be the organisation's).
    assert_eq!(
        (all[1]["entity_type"].as_str(), all[1]["entity_id"].as_str()),
        (Some("keys"), key["id"].as_str())
    );
    assert_eq!(
        all[0]["entity_id"], key["id"],
        "the key's id, never the key"
    );
    assert_eq!(all[2]["entity_id"], json!(org_id));
    assert!(!log.text.contains(&secret) && !log.text.contains(&access_key));

    let (ok, listed, err) = cli(
        url,
        &["audit", "list", "--actor", "cli", "--limit", "2", "--json"],
    )
    .await;
    assert!(ok, "{err}");
    let page = listed["items"].as_array().unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["action"], "key revoke");
    let cursor = listed["next_cursor"].as_str().unwrap().to_owned();
    let (ok, next, _) = cli(
        url,
        &[
            "audit", "list", "--actor", "cli", "--cursor", &cursor, "--json",
        ],
    )
    .await;
    assert!(ok);
    assert_eq!(next["items"][1]["action"], "admin-token issue");
    assert!(next["next_cursor"].is_null());
}
