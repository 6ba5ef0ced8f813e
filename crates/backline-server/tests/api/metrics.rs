//! `GET /metrics`: request counters by surface, route template and status, the latency
//! histogram, and gauges read from the store at scrape time.

use crate::ember_helpers::{execute_sql, poll, server};
use crate::helpers::{fixture_body, TestApp, MATCH_ID};
use crate::spectra_matches::Spectra;
use backline_domain::ember::actions::ActionKind;
use backline_server::core::ember::executions::Target;
use backline_store::Backend;
use reqwest::StatusCode;

backline_store::stories!(crate::helpers::with_app =>
    requests_are_counted_by_surface_route_template_and_status_without_raw_paths,
    gauges_reflect_live_matches_and_the_execution_queue,
    metrics_need_the_admin_token,
    two_servers_in_one_process_keep_separate_metrics,
    requests_refused_before_routing_are_counted,
);

const SECRET_KEY: &str = "SECRETKEYinthePATH123";

/// The scraped exposition.
async fn scrape(app: &TestApp) -> String {
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    r.text().await.unwrap()
}

/// The value of the sample `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| {
            line.starts_with(&format!("{name}{{")) || line.starts_with(&format!("{name} "))
        })
        .find(|line| {
            labels
                .iter()
                .all(|(k, v)| line.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|line| line.rsplit(' ').next().unwrap().parse().unwrap())
}

fn requests(text: &str, surface: &str, route: &str, status: &str) -> Option<f64> {
    let labels = [("surface", surface), ("route", route), ("status", status)];
    sample(text, "backline_http_requests_total", &labels)
}

async fn queue_commands(app: &TestApp, server_id: &str, n: usize) {
    let core = app.core().await;
    for i in 0..n {
        core.queue_action(
            &Target::Server(server_id.into()),
            ActionKind::Command,
            &format!("say {i}"),
            None,
            false,
        )
        .await
        .unwrap();
    }
    core.store.close().await;
}

async fn requests_are_counted_by_surface_route_template_and_status_without_raw_paths(
    app: &TestApp,
) {
    let spectra = Spectra::new(app).await;
    let r = spectra
        .call(app, "register", MATCH_ID, &fixture_body("register"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let path = format!("/spectra/system/validateAccessKey/{SECRET_KEY}");
    let refused = app.get(&path, &[]).await.status.as_u16().to_string();
    assert_eq!(app.get("/healthcheck", &[]).await.status, StatusCode::OK);
    assert_eq!(app.get("/healthcheck", &[]).await.status, StatusCode::OK);
    let (_, token) = server(app, "S1", &[]).await;
    poll(app, &token, "").await;
    let r = app.admin(reqwest::Method::GET, "/orgs", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let nowhere = format!("/nowhere/{SECRET_KEY}");
    assert_eq!(app.get(&nowhere, &[]).await.status, StatusCode::NOT_FOUND);

    let text = scrape(app).await;
    let register = "/spectra/system/match/{match_id}/register";
    assert_eq!(
        requests(&text, "spectra", register, "200"),
        Some(1.0),
        "{text}"
    );
    let validate = "/spectra/system/validateAccessKey/{key}";
    assert_eq!(requests(&text, "spectra", validate, &refused), Some(1.0));
    assert_eq!(requests(&text, "nakama", "/healthcheck", "200"), Some(2.0));
    assert_eq!(requests(&text, "ember", "/api/game/poll", "200"), Some(1.0));
    assert_eq!(requests(&text, "admin", "/admin/v1/orgs", "200"), Some(1.0));
    assert_eq!(requests(&text, "admin", "<unmatched>", "404"), Some(1.0));

    let latency = "backline_http_request_duration_seconds";
    let health = [("surface", "nakama"), ("route", "/healthcheck")];
    let count = sample(&text, &format!("{latency}_count"), &health);
    assert_eq!(count, Some(2.0), "{text}");
    let mut all = health.to_vec();
    all.push(("le", "+Inf"));
    assert_eq!(sample(&text, &format!("{latency}_bucket"), &all), Some(2.0));
    assert!(sample(&text, &format!("{latency}_sum"), &health).unwrap() > 0.0);

    for raw in [SECRET_KEY, MATCH_ID, token.as_str()] {
        assert!(
            !text.contains(raw),
            "`{raw}` leaked into the metrics:\n{text}"
        );
    }
}

async fn gauges_reflect_live_matches_and_the_execution_queue(app: &TestApp) {
    let live = [("surface", "spectra")];
    let state = |s: &'static str| [("state", s)];
    let text = scrape(app).await;
    assert_eq!(sample(&text, "backline_live_matches", &live), Some(0.0));
    assert_eq!(
        sample(&text, "backline_live_matches", &[("surface", "nakama")]),
        Some(0.0)
    );
    assert_eq!(sample(&text, "backline_evr_broadcasters", &[]), Some(0.0));
    assert_eq!(
        sample(&text, "backline_executions", &state("queued")),
        Some(0.0)
    );
    assert!(sample(&text, "backline_db_pool_connections", &[]).unwrap() >= 1.0);
    assert!(sample(&text, "backline_db_pool_idle_connections", &[]).is_some());

    let spectra = Spectra::new(app).await;
    let r = spectra
        .call(app, "register", MATCH_ID, &fixture_body("register"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let (server_id, token) = server(app, "S1", &[]).await;
    queue_commands(app, &server_id, 3).await;
    let text = scrape(app).await;
    assert_eq!(
        sample(&text, "backline_live_matches", &live),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "backline_executions", &state("queued")),
        Some(3.0)
    );
    assert_eq!(
        sample(&text, "backline_executions", &state("leased")),
        Some(0.0)
    );

    assert_eq!(
        poll(app, &token, "").await.len(),
        3 + 1,
        "three commands and the settings"
    );
    let r = spectra
        .call(app, "complete", MATCH_ID, &fixture_body("complete"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let text = scrape(app).await;
    assert_eq!(
        sample(&text, "backline_live_matches", &live),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "backline_executions", &state("queued")),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "backline_executions", &state("leased")),
        Some(3.0)
    );
    assert_eq!(
        sample(&text, "backline_executions", &state("redelivered")),
        Some(0.0)
    );

    // The leases run out: the next poll hands the same executions out again.
    execute_sql(app, "UPDATE ember_executions SET lease_until = $1", 0).await;
    assert_eq!(poll(app, &token, "").await.len(), 3, "the commands again");
    let text = scrape(app).await;
    let leased = sample(&text, "backline_executions", &state("leased"));
    assert_eq!(leased, Some(3.0));
    let redelivered = sample(&text, "backline_executions", &state("redelivered"));
    assert_eq!(redelivered, Some(3.0), "{text}");
}

async fn metrics_need_the_admin_token(app: &TestApp) {
    let r = app.get("/metrics", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    let r = app
        .get("/metrics", &[("authorization", "Bearer wrong")])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    assert!(r.body["message"].is_string(), "{r:?}");
}

async fn two_servers_in_one_process_keep_separate_metrics(app: &TestApp) {
    let Some(other) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    assert_eq!(app.get("/healthcheck", &[]).await.status, StatusCode::OK);
    let mine = scrape(app).await;
    let theirs = scrape(&other).await;
    other.stop().await;
    assert_eq!(requests(&mine, "nakama", "/healthcheck", "200"), Some(1.0));
    assert_eq!(
        requests(&theirs, "nakama", "/healthcheck", "200"),
        None,
        "{theirs}"
    );
}

/// Declared by hand: the story needs its own server, configured with a metrics listener.
mod a_dedicated_listener_serves_metrics_without_the_token {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::dedicated_listener(backline_store::Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::dedicated_listener(backline_store::Backend::Postgres).await
    }
}

async fn dedicated_listener(backend: Backend) {
    let at = "127.0.0.1:0".parse().unwrap();
    let Some(app) = TestApp::spawn_with(backend, |c| c.metrics_listen = Some(at)).await else {
        return;
    };
    assert_eq!(app.get("/healthcheck", &[]).await.status, StatusCode::OK);
    let base = app
        .metrics_base
        .clone()
        .expect("the metrics listener is bound");
    assert_ne!(base, app.base);
    let r = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert_eq!(
        requests(&text, "nakama", "/healthcheck", "200"),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(&text, "backline_live_matches", &[]).is_some(),
        "{text}"
    );
    let other = app
        .client
        .get(format!("{base}/admin/v1/orgs"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::NOT_FOUND,
        "only /metrics is served there"
    );
    // The main listener still wants the admin token.
    assert_eq!(
        app.get("/metrics", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

/// The game integration's decoder runs before routing: what it refuses never reaches the
/// routed counter, and is counted under `<before routing>` instead, once.
async fn requests_refused_before_routing_are_counted(app: &TestApp) {
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let r = app
        .send(
            reqwest::Method::POST,
            "/api/game/poll",
            &headers,
            Some(vec![0xff, 0xfe, 0x00]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{r:?}");
    let text = scrape(app).await;
    assert_eq!(
        requests(&text, "ember", "<before routing>", "400"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(requests(&text, "ember", "/api/game/poll", "400"), None);
    // Routed requests are not counted twice.
    assert_eq!(requests(&text, "admin", "<before routing>", "200"), None);
}
