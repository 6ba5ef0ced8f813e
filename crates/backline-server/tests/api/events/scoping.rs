//! Who sees what: an organisation's key sees only its own organisation's match events, an
//! admin token of any role sees everything, anything else is refused in the admin JSON shape.

use super::{kinds, open, open_admin, quick_events, Message, Stream};
use crate::admin_roles::issue;
use crate::helpers::{match_body, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_configured_app, crate::events::quick_events =>
    an_organisation_key_sees_only_its_own_organisations_events,
    every_admin_role_sees_everything_and_filters_by_kind,
    missing_and_bad_credentials_and_queries_are_refused,
);

/// Registers (and with `round` > 0 updates) a Spectra match of `org`.
pub async fn spectra_match(app: &TestApp, backend: &str, org: &str, id: &str, round: i64) {
    for (call, round, phase) in [("register", 0, "LOBBY"), ("update", round, "combat")] {
        if call == "update" && round == 0 {
            continue;
        }
        let mut body = match_body(call, id, &format!("GC-{id}"), round, phase);
        body["match"]["organizationId"] = json!(org);
        let method = if call == "register" {
            Method::POST
        } else {
            Method::PUT
        };
        let r = app
            .send(
                method,
                &format!("/spectra/system/match/{id}/{call}"),
                &[
                    ("x-user-token", backend),
                    ("content-type", "application/json"),
                ],
                Some(serde_json::to_vec(&body).unwrap()),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
}

backline_store::stories!(crate::helpers::with_configured_app, rechecked_every_second =>
    a_revoked_key_stops_receiving_events,
);

backline_store::stories!(crate::helpers::with_configured_app, three_guesses =>
    guessing_keys_on_the_stream_is_limited,
);

/// [`quick_events`], and an open stream re-checks its credential every second.
fn rechecked_every_second(config: &mut backline_server::config::Config) {
    quick_events(config);
    config.events.recheck_seconds = 1;
}

/// [`quick_events`], and three failed guesses of a key are all an address gets.
fn three_guesses(config: &mut backline_server::config::Config) {
    quick_events(config);
    config.guess_limit.max_failures = 3;
}

async fn guessing_keys_on_the_stream_is_limited(app: &TestApp) {
    for attempt in 0..3 {
        let r = open(app, &format!("?key=guess-{attempt}"), &[]).await;
        r.err().unwrap().assert_error(StatusCode::UNAUTHORIZED);
    }
    let r = open(app, "?key=guess-4", &[]).await.err().unwrap();
    r.assert_error(StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("Too many failed attempts"));
}

async fn a_revoked_key_stops_receiving_events(app: &TestApp) {
    let backend = app.issue_token("spectra-backend").await;
    let org = app.create_org("Org", None).await;
    let key = app.issue_key(&org, None).await;
    let mut stream = open(app, &format!("?key={key}"), &[]).await.unwrap();
    spectra_match(app, &backend, &org, "before", 0).await;
    assert_eq!(stream.next().await.data["payload"]["match_id"], "before");
    let r = app
        .admin(Method::DELETE, &format!("/keys/{key}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    app.advance(std::time::Duration::from_millis(1100));
    spectra_match(app, &backend, &org, "after", 0).await;
    assert!(stream
        .next_within(std::time::Duration::from_secs(2))
        .await
        .is_none());
    assert!(stream.ended().await, "the stream ended");
    let refused = open(app, &format!("?key={key}"), &[]).await;
    refused
        .err()
        .unwrap()
        .assert_error(StatusCode::UNAUTHORIZED);
}

fn match_ids(messages: &[Message]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m.data["payload"]["match_id"].as_str().unwrap_or_default())
        .collect()
}

/// A game server bans a player: an event of no organisation.
pub async fn a_ban_outside_any_organisation(app: &TestApp) {
    let (_, token) = crate::ember_helpers::server(app, "Scoped", &["main"]).await;
    let r = crate::ember_helpers::form(
        app,
        &token,
        Method::POST,
        &format!("/players/steam/{}/bans", crate::ember_helpers::STEAM_ID),
        "reason=cheating",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
}

async fn an_organisation_key_sees_only_its_own_organisations_events(app: &TestApp) {
    let backend = app.issue_token("spectra-backend").await;
    let a = app.create_org("Org A", None).await;
    let b = app.create_org("Org B", None).await;
    let key_a = app.issue_key(&a, None).await;
    let key_b = app.issue_key(&b, None).await;
    // The key in each place it is read from.
    let bearer_b = format!("Bearer {key_b}");
    let mut by_query = open(app, &format!("?key={key_a}"), &[]).await.unwrap();
    let mut by_header = open(app, "", &[("x-access-key", &key_a)]).await.unwrap();
    let mut by_bearer = open(app, "", &[("authorization", &bearer_b)])
        .await
        .unwrap();
    let mut admin = open_admin(app, "").await;

    spectra_match(app, &backend, &a, "match-a", 1).await;
    spectra_match(app, &backend, &b, "match-b", 0).await;
    spectra_match(app, &backend, "", "match-keyless", 0).await;
    a_ban_outside_any_organisation(app).await;

    let everything = admin.take(5).await;
    assert_eq!(
        match_ids(&everything),
        ["match-a", "match-a", "match-b", "match-keyless", ""]
    );
    assert_eq!(everything[4].kind(), "ban.created");
    assert_eq!(everything[3].data["org_id"], json!(null));
    for stream in [&mut by_query, &mut by_header] {
        let own = stream.take(2).await;
        assert_eq!(kinds(&own), ["match.registered", "match.updated"]);
        assert_eq!(match_ids(&own), ["match-a", "match-a"]);
        assert!(own.iter().all(|m| m.data["org_id"] == json!(a)));
        stream.assert_quiet().await;
    }
    let own_b = by_bearer.take(1).await;
    assert_eq!(match_ids(&own_b), ["match-b"]);
    by_bearer.assert_quiet().await;
    admin.assert_quiet().await;
}

async fn every_admin_role_sees_everything_and_filters_by_kind(app: &TestApp) {
    let backend = app.issue_token("spectra-backend").await;
    let org = app.create_org("Org", None).await;
    let mut streams: Vec<Stream> = Vec::new();
    for role in ["viewer", "moderator"] {
        let token = issue(app, &format!("{role}-watcher"), role).await;
        let auth = format!("Bearer {token}");
        streams.push(open(app, "", &[("authorization", &auth)]).await.unwrap());
    }
    let mut updates_and_bans = open_admin(app, "?kinds=match.updated,ban.*").await;
    let mut matches_only = open_admin(app, "?kinds=match.*").await;

    spectra_match(app, &backend, &org, "m1", 2).await;
    a_ban_outside_any_organisation(app).await;

    for stream in &mut streams {
        let seen = stream.take(3).await;
        assert_eq!(
            kinds(&seen),
            ["match.registered", "match.updated", "ban.created"]
        );
    }
    let filtered = updates_and_bans.take(2).await;
    assert_eq!(kinds(&filtered), ["match.updated", "ban.created"]);
    updates_and_bans.assert_quiet().await;
    let filtered = matches_only.take(2).await;
    assert_eq!(kinds(&filtered), ["match.registered", "match.updated"]);
    matches_only.assert_quiet().await;

    // The subscriber gauge counts the open streams.
    let metrics = app
        .get(
            "/metrics",
            &[("authorization", &format!("Bearer {}", app.admin_token))],
        )
        .await;
    assert!(
        metrics.text.contains("backline_event_subscribers 4"),
        "{}",
        metrics.text
    );
    drop(streams);
    drop(updates_and_bans);
    let mut closed = false;
    for _ in 0..250 {
        let metrics = app
            .get(
                "/metrics",
                &[("authorization", &format!("Bearer {}", app.admin_token))],
            )
            .await;
        if metrics.text.contains("backline_event_subscribers 1") {
            closed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(closed, "closed streams are no longer counted");
}

async fn missing_and_bad_credentials_and_queries_are_refused(app: &TestApp) {
    let org = app.create_org("Org", None).await;
    let expired = app.issue_key(&org, Some("2099-01-01T00:00:00Z")).await;
    crate::ember_helpers::execute_sql(app, "UPDATE access_keys SET expires_at = $1", 1).await;
    let revoked_token = issue(app, "gone", "viewer").await;
    let r = app.admin(Method::DELETE, "/admin-tokens/gone", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let stats = app.issue_token("spectra-stats").await;
    for (what, query, headers) in [
        ("nothing", String::new(), vec![]),
        // Credentials are checked before the query: nothing is learnt without one.
        ("nothing, with a bad query", "?since=1".to_owned(), vec![]),
        ("an unknown key", "?key=nope".to_owned(), vec![]),
        ("an expired key", format!("?key={expired}"), vec![]),
        (
            "a revoked admin token",
            String::new(),
            vec![(
                "authorization".to_owned(),
                format!("Bearer {revoked_token}"),
            )],
        ),
        (
            "a Spectra stats token",
            String::new(),
            vec![("authorization".to_owned(), format!("Bearer {stats}"))],
        ),
        (
            "an admin token as an access key",
            format!("?key={}", app.admin_token),
            vec![],
        ),
    ] {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        match open(app, &query, &headers).await {
            Ok(_) => panic!("{what} was accepted"),
            Err(r) => r.assert_error(StatusCode::UNAUTHORIZED),
        }
    }
    let auth = format!("Bearer {}", app.admin_token);
    let admin = [("authorization", auth.as_str())];
    for (query, status) in [
        ("?kinds=mtch.*", StatusCode::UNPROCESSABLE_ENTITY),
        ("?kinds=match", StatusCode::UNPROCESSABLE_ENTITY),
        ("?last_event_id=abc", StatusCode::BAD_REQUEST),
        ("?last_event_id=-1", StatusCode::BAD_REQUEST),
        ("?since=1", StatusCode::BAD_REQUEST),
    ] {
        match open(app, query, &admin).await {
            Ok(_) => panic!("{query} was accepted"),
            Err(r) => r.assert_error(status),
        }
    }
    let r = app
        .send(Method::POST, "/events", &admin, Some(b"{}".to_vec()))
        .await;
    r.assert_error(StatusCode::METHOD_NOT_ALLOWED);
}
