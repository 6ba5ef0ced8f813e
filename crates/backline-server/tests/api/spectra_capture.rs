//! The captured Spectra Server traffic (`tests/data/spectra/sequence.jsonl`), prepared for
//! replay against a test server: the credentials in the capture are replaced by ones this
//! server issued, paths are rebased on `/spectra`, and the requests are sent one at a time
//! (the API replay sends them all; the browser test watches the console between them).

use crate::helpers::{Reply, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::VecDeque;

/// One captured request, rewritten for this server.
struct Recorded {
    /// The path as captured (with the capture's credentials).
    captured_path: String,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

/// The capture, ready to send, and what was issued for it.
pub struct Capture {
    /// The organisation whose key the capture's `GOODKEY` became.
    pub org: String,
    /// That organisation's access key.
    pub key: String,
    /// The player-cam session the capture's `PCID123` became.
    pub playercam_id: String,
    requests: VecDeque<Recorded>,
}

fn base_path(base: &str) -> &'static str {
    match base {
        "BACKEND_URL" => "/spectra",
        "SUPPORTER_CHECK_URL" => "/spectra/supporter",
        "STATS_BACKEND_URL" => "/spectra/stats",
        "PLAYERCAM_URL" => "/spectra/playercam",
        other => panic!("unknown base {other}"),
    }
}

impl Capture {
    /// Issues what the capture needs (an organisation, its key, both tokens, a player-cam
    /// session) and rewrites the capture with them.
    pub async fn prepare(app: &TestApp) -> Self {
        let org = app
            .create_org("Replay Org", Some("2099-01-01T00:00:00Z"))
            .await;
        let key = app.issue_key(&org, None).await;
        let backend = app.issue_token("spectra-backend").await;
        let stats = app.issue_token("spectra-stats").await;
        let session = app
            .admin(
                Method::POST,
                &format!("/orgs/{org}/playercam-sessions"),
                None,
            )
            .await;
        let playercam_id = session.body["identifier"].as_str().unwrap().to_owned();
        let playercam_secret = session.body["secret"].as_str().unwrap().to_owned();
        let substitutions = [
            ("GOODKEY", key.as_str()),
            ("org-42", org.as_str()),
            ("test-backend-token", backend.as_str()),
            ("test-stats-token", stats.as_str()),
            ("PCID123", playercam_id.as_str()),
            ("PCSECRET456", playercam_secret.as_str()),
        ];
        let rewrite = |text: &str| {
            substitutions
                .iter()
                .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
        };
        let capture = include_str!("../data/spectra/sequence.jsonl");
        let requests = capture
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let recorded: Value = serde_json::from_str(line).unwrap();
                let captured_path = recorded["path"].as_str().unwrap().to_owned();
                let path = format!(
                    "{}{}",
                    base_path(recorded["base"].as_str().unwrap()),
                    rewrite(&captured_path)
                );
                let method =
                    Method::from_bytes(recorded["method"].as_str().unwrap().as_bytes()).unwrap();
                let headers = recorded["headers"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), rewrite(v.as_str().unwrap())))
                    .collect();
                let body = match &recorded["body"] {
                    Value::Null => None,
                    body => Some(rewrite(&serde_json::to_string(body).unwrap()).into_bytes()),
                };
                Recorded {
                    captured_path,
                    method,
                    path,
                    headers,
                    body,
                }
            })
            .collect();
        Self {
            org,
            key,
            playercam_id,
            requests,
        }
    }

    /// Sends the next captured request, which must be answered 200; its path as captured
    /// and the answer, or `None` when the capture is done.
    pub async fn send_next(&mut self, app: &TestApp) -> Option<(String, Reply)> {
        let recorded = self.requests.pop_front()?;
        let headers: Vec<(&str, &str)> = recorded
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let reply = app
            .send(recorded.method, &recorded.path, &headers, recorded.body)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {reply:?}", recorded.path);
        Some((recorded.captured_path, reply))
    }

    /// Sends the captured requests up to and including the first whose path ends with
    /// `suffix`.
    pub async fn until(&mut self, app: &TestApp, suffix: &str) {
        loop {
            let (path, _) = self
                .send_next(app)
                .await
                .unwrap_or_else(|| panic!("no request ends with {suffix}"));
            if path.ends_with(suffix) {
                return;
            }
        }
    }
}
