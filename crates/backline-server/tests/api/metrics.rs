//! `GET /metrics`: request counters by surface, route template and status, the latency
//! histogram, and gauges read from the store at scrape time; an exposition that passes the
//! checks of `promtool check metrics`.

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
    the_exposition_passes_the_checks_of_promtool,
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
            &crate::helpers::grant::<backline_server::core::access::Administer>(),
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

/// Every family has its help and type and every sample is well formed, as
/// `promtool check metrics` requires (and its lints: counters end in `_total`, nothing else
/// does, histograms and summaries only have their own suffixes): checked here without promtool.
async fn the_exposition_passes_the_checks_of_promtool(app: &TestApp) {
    // Every family present: routed and unrouted requests (counter and histogram), gauges.
    assert_eq!(app.get("/healthcheck", &[]).await.status, StatusCode::OK);
    assert_eq!(app.get("/nowhere", &[]).await.status, StatusCode::NOT_FOUND);
    let text = scrape(app).await;
    let families = lint_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    for (name, kind, _) in backline_server::http::metrics::FAMILIES {
        let expected = match kind {
            backline_server::http::metrics::Kind::Counter => "counter",
            backline_server::http::metrics::Kind::Gauge => "gauge",
            backline_server::http::metrics::Kind::Histogram => "histogram",
        };
        assert_eq!(
            families.get(*name).map(String::as_str),
            Some(expected),
            "{name} is exposed as a {expected}:\n{text}"
        );
    }
    // The checker refuses what promtool refuses.
    let bad = [
        ("a_total 1\n", "no HELP"),
        ("# HELP a_total A.\na_total 1\n", "no TYPE"),
        (
            "# TYPE a_total counter\n# HELP a_total A.\na_total 1\n",
            "HELP after TYPE is fine",
        ),
        (
            "# HELP a A.\n# TYPE a counter\na 1\n",
            "a counter without _total",
        ),
        (
            "# HELP a_total A.\n# TYPE a_total gauge\na_total 1\n",
            "a gauge with _total",
        ),
        ("# HELP 1a A.\n# TYPE 1a gauge\n1a 1\n", "an invalid name"),
        (
            "# HELP a A.\n# TYPE a gauge\na{__x=\"1\"} 1\n",
            "a reserved label",
        ),
        (
            "# HELP a A.\n# TYPE a gauge\na 1\n# HELP a A.\n# TYPE a gauge\n",
            "a repeated family",
        ),
        (
            "# HELP a A.\n# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n",
            "a repeated sample",
        ),
        (
            "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
            "no +Inf bucket",
        ),
        (
            "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",
            "+Inf is not the count",
        ),
        (
            "# HELP h A.\n# TYPE h histogram\nh 1\n",
            "a histogram sample without suffix",
        ),
        (
            "# HELP a A.\n# TYPE a gauge\na one\n",
            "a value that is no number",
        ),
    ];
    for (exposition, why) in bad {
        let verdict = lint_exposition(exposition);
        if why.ends_with("is fine") {
            assert!(verdict.is_ok(), "{why}: {verdict:?}");
        } else {
            assert!(verdict.is_err(), "{why} must be refused:\n{exposition}");
        }
    }
}

/// One sample line: its name, labels in order, and value.
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// A metric name as Prometheus allows it.
fn valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A label name as Prometheus allows it (`__` is reserved).
fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    !name.starts_with("__")
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses `name{label="value",…} value [timestamp]` (label values may hold escaped quotes,
/// braces and spaces).
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        loop {
            rest = rest.trim_start_matches(',');
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = rest.find('=').ok_or("a label without =")?;
            let label = rest[..eq].to_owned();
            rest = rest[eq + 1..]
                .strip_prefix('"')
                .ok_or("an unquoted label value")?;
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                match chars.next().ok_or("an unterminated label value")? {
                    (_, '\\') => match chars.next().ok_or("a dangling escape")?.1 {
                        'n' => value.push('\n'),
                        c @ ('\\' | '"') => value.push(c),
                        c => return Err(format!("an invalid escape \\{c}")),
                    },
                    (i, '"') => break i,
                    (_, c) => value.push(c),
                }
            };
            rest = &rest[end + 1..];
            if !valid_label_name(&label) {
                return Err(format!("the invalid label name {label:?}"));
            }
            labels.push((label, value));
        }
    }
    let mut fields = rest.split_whitespace();
    let value = fields.next().ok_or("no value")?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().map_err(|_| format!("the value {v:?}"))?,
    };
    if let Some(timestamp) = fields.next() {
        timestamp
            .parse::<i64>()
            .map_err(|_| format!("the timestamp {timestamp:?}"))?;
    }
    if fields.next().is_some() {
        return Err("more than a value and a timestamp".into());
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Checks a text exposition the way `promtool check metrics` does; the families found, with
/// their types.
fn lint_exposition(text: &str) -> Result<std::collections::HashMap<String, String>, String> {
    use std::collections::{HashMap, HashSet};
    let mut helps = HashSet::new();
    let mut types: HashMap<String, String> = HashMap::new();
    let mut finished = HashSet::new();
    let mut current: Option<String> = None;
    let mut samples: HashMap<String, Vec<Sample>> = HashMap::new();
    let mut seen = HashSet::new();
    // A new family begins: the previous one is finished and may not come back.
    let mut begin = |family: &str, current: &mut Option<String>| -> Result<(), String> {
        if current.as_deref() != Some(family) {
            if finished.contains(family) {
                return Err(format!("{family} appears twice"));
            }
            if let Some(previous) = current.replace(family.to_owned()) {
                finished.insert(previous);
            }
        }
        Ok(())
    };
    for (n, line) in text.lines().enumerate() {
        let at = |problem: String| format!("line {}: {problem}: {line}", n + 1);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.trim_start().splitn(3, ' ');
            let keyword = words.next().unwrap_or_default();
            if keyword != "HELP" && keyword != "TYPE" {
                continue;
            }
            let name = words.next().unwrap_or_default();
            if !valid_metric_name(name) {
                return Err(at(format!("the invalid metric name {name:?}")));
            }
            begin(name, &mut current).map_err(at)?;
            if samples.contains_key(name) {
                return Err(at(format!("{keyword} after the samples of {name}")));
            }
            let text = words.next().unwrap_or_default();
            if keyword == "HELP" {
                if text.trim().is_empty() {
                    return Err(at("an empty HELP".into()));
                }
                if !helps.insert(name.to_owned()) {
                    return Err(at(format!("a second HELP for {name}")));
                }
            } else {
                let kind = ["counter", "gauge", "histogram", "summary", "untyped"]
                    .into_iter()
                    .find(|k| *k == text)
                    .ok_or_else(|| at(format!("the unknown type {text:?}")))?;
                if types.insert(name.to_owned(), kind.to_owned()).is_some() {
                    return Err(at(format!("a second TYPE for {name}")));
                }
            }
            continue;
        }
        let sample = parse_sample(line).map_err(at)?;
        if !valid_metric_name(&sample.name) {
            return Err(at(format!("the invalid metric name {:?}", sample.name)));
        }
        // The family a sample belongs to: the current one when its suffix fits its type.
        let family = match current
            .as_deref()
            .and_then(|f| types.get(f).map(|t| (f, t)))
        {
            Some((f, t)) if t == "histogram" || t == "summary" => {
                let suffixes: &[&str] = if t == "histogram" {
                    &["_bucket", "_sum", "_count"]
                } else {
                    &["", "_sum", "_count"]
                };
                if !suffixes.iter().any(|s| sample.name == format!("{f}{s}")) {
                    return Err(at(format!("a sample of the {t} {f} with a foreign name")));
                }
                f.to_owned()
            }
            _ => sample.name.clone(),
        };
        begin(&family, &mut current).map_err(at)?;
        let mut key = sample.labels.clone();
        key.sort();
        if !seen.insert((sample.name.clone(), key)) {
            return Err(at("a repeated sample".into()));
        }
        samples.entry(family).or_default().push(sample);
    }
    for (family, family_samples) in &samples {
        if !helps.contains(family) {
            return Err(format!("{family} has no HELP"));
        }
        let kind = types
            .get(family)
            .ok_or_else(|| format!("{family} has no TYPE"))?;
        let total = family.ends_with("_total");
        if kind == "counter" && !total {
            return Err(format!("the counter {family} does not end in _total"));
        }
        if kind != "counter" && total {
            return Err(format!("the {kind} {family} ends in _total"));
        }
        if kind != "histogram" && kind != "summary" {
            for suffix in ["_bucket", "_sum", "_count"] {
                if family.ends_with(suffix) {
                    return Err(format!("the {kind} {family} ends in {suffix}"));
                }
            }
        }
        if kind == "histogram" {
            check_histogram(family, family_samples)?;
        }
    }
    Ok(types)
}

/// Each series of a histogram: buckets that only grow, ending with `+Inf` equal to its count.
fn check_histogram(family: &str, samples: &[Sample]) -> Result<(), String> {
    use std::collections::BTreeMap;
    type Series = (Vec<(f64, f64)>, Option<f64>, Option<f64>);
    let mut series: BTreeMap<Vec<(String, String)>, Series> = BTreeMap::new();
    for sample in samples {
        let mut labels: Vec<_> = sample
            .labels
            .iter()
            .filter(|(k, _)| k != "le")
            .cloned()
            .collect();
        labels.sort();
        let entry = series.entry(labels).or_default();
        if sample.name.ends_with("_bucket") {
            let le = sample
                .labels
                .iter()
                .find(|(k, _)| k == "le")
                .ok_or_else(|| format!("a bucket of {family} without le"))?;
            let bound = match le.1.as_str() {
                "+Inf" => f64::INFINITY,
                b => b
                    .parse()
                    .map_err(|_| format!("the bucket bound {b:?} of {family}"))?,
            };
            entry.0.push((bound, sample.value));
        } else if sample.name.ends_with("_sum") {
            entry.1 = Some(sample.value);
        } else {
            entry.2 = Some(sample.value);
        }
    }
    for (labels, (mut buckets, sum, count)) in series {
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let count = count.ok_or_else(|| format!("{family}{labels:?} has no _count"))?;
        sum.ok_or_else(|| format!("{family}{labels:?} has no _sum"))?;
        match buckets.last() {
            Some((bound, n)) if bound.is_infinite() && *n == count => {}
            _ => {
                return Err(format!(
                    "{family}{labels:?}: no +Inf bucket equal to _count"
                ))
            }
        }
        if buckets.windows(2).any(|w| w[1].1 < w[0].1) {
            return Err(format!(
                "{family}{labels:?}: a bucket counts less than a lower one"
            ));
        }
    }
    Ok(())
}
