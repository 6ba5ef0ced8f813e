//! Every admin list in one page shape (`{"items", "next_cursor"}`, `limit` and `cursor`):
//! walking the pages gives every item once, filters still apply, and a cursor or a parameter
//! Backline did not hand out is refused in the admin JSON shape.

use crate::admin_roles::issue;
use crate::helpers::{match_body, TestApp};
use crate::spectra_matches::Spectra;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::BTreeSet;

backline_store::stories!(crate::helpers::with_app => every_list_is_walked_in_pages_without_repeats_or_gaps);

/// Every item's `field` of the list at `path`, walked in pages of `limit`; the pages it
/// took.
async fn walk(app: &TestApp, path: &str, limit: usize, field: &str) -> (Vec<String>, usize) {
    let join = if path.contains('?') { '&' } else { '?' };
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}{join}limit={limit}&cursor={c}"),
            None => format!("{path}{join}limit={limit}"),
        };
        let r = app.admin(Method::GET, &url, None).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {r:?}");
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= limit, "{url}: {r:?}");
        seen.extend(items.iter().map(|i| text(&i[field])));
        pages += 1;
        match r.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                assert!(r.body["next_cursor"].is_null(), "{url}: {r:?}");
                break;
            }
        }
    }
    let unique: BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "{path}: repeated {seen:?}");
    (seen, pages)
}

/// The same list in one page.
async fn whole(app: &TestApp, path: &str, field: &str) -> Vec<String> {
    let join = if path.contains('?') { '&' } else { '?' };
    let r = app
        .admin(Method::GET, &format!("{path}{join}limit=500"), None)
        .await;
    assert!(r.body["next_cursor"].is_null(), "{r:?}");
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| text(&i[field]))
        .collect()
}

/// An item's key as text (ids are strings, the audit log's `seq` a number).
fn text(value: &serde_json::Value) -> String {
    match value.as_str() {
        Some(s) => s.to_owned(),
        None => value
            .as_i64()
            .expect("a string or an integer key")
            .to_string(),
    }
}

async fn every_list_is_walked_in_pages_without_repeats_or_gaps(app: &TestApp) {
    let mut orgs = Vec::new();
    for i in 0..3 {
        orgs.push(app.create_org(&format!("Org {i}"), None).await);
    }
    let org = &orgs[0];
    let spectra = Spectra::new(app).await;
    for i in 0..2 {
        app.issue_key(org, None).await;
        app.issue_token("spectra-stats").await;
        issue(app, &format!("viewer-{i}"), "viewer").await;
    }
    app.issue_key(org, None).await;
    for i in 0..3 {
        let r = app
            .admin(
                Method::PUT,
                &format!("/players/p{i}"),
                Some(json!({"region": "eu"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let id = format!("m{i}");
        let r = spectra
            .call(
                app,
                "register",
                &id,
                &match_body("register", &id, "G", 0, "shopping"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let r = app
            .admin(
                Method::POST,
                &format!("/orgs/{org}/playercam-sessions"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    }

    let lists = [
        ("/orgs".to_owned(), "id"),
        (format!("/orgs/{org}/keys"), "id"),
        ("/tokens".to_owned(), "id"),
        ("/admin-tokens".to_owned(), "id"),
        ("/players".to_owned(), "puuid"),
        ("/matches".to_owned(), "match_id"),
        ("/matches?state=registered".to_owned(), "match_id"),
        (format!("/orgs/{org}/playercam-sessions"), "identifier"),
    ];
    for (path, field) in &lists {
        let all = whole(app, path, field).await;
        // Players include the ten each registered match names.
        let expected = if path == "/players" { 13 } else { 3 };
        assert_eq!(all.len(), expected, "{path}: {all:?}");
        let (walked, pages) = walk(app, path, 2, field).await;
        assert_eq!((walked, pages), (all, expected.div_ceil(2)), "{path}");
    }
    let log = whole(app, "/audit", "seq").await;
    let (walked, pages) = walk(app, "/audit", 4, "seq").await;
    assert_eq!(walked, log);
    assert_eq!(pages, log.len().div_ceil(4));
    // A filter of a list still applies.
    assert!(whole(app, "/matches?state=completed", "match_id")
        .await
        .is_empty());

    for (path, status) in [
        ("/orgs?cursor=abc", StatusCode::UNPROCESSABLE_ENTITY),
        ("/matches?cursor=abc", StatusCode::UNPROCESSABLE_ENTITY),
        ("/audit?cursor=abc", StatusCode::UNPROCESSABLE_ENTITY),
        ("/players?limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("/tokens?limit=501", StatusCode::UNPROCESSABLE_ENTITY),
        ("/admin-tokens?limit=abc", StatusCode::BAD_REQUEST),
        ("/orgs?page=2", StatusCode::BAD_REQUEST),
        ("/matches?status=live", StatusCode::BAD_REQUEST),
    ] {
        let r = app.admin(Method::GET, path, None).await;
        r.assert_error(status);
        assert!(r.content_type.starts_with("application/json"), "{path}");
    }
    let r = app
        .admin(Method::GET, &format!("/orgs/{org}/keys?offset=1"), None)
        .await;
    r.assert_error(StatusCode::BAD_REQUEST);
}
