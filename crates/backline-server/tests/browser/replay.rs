//! The captured Spectra session (`tests/data/spectra/sequence.jsonl`) replayed one request
//! at a time, so the browser can be watched between them (as `tests/api/spectra_replay.rs`,
//! with credentials this server issued).

use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// One captured request: method, path, headers, body.
type Request = (Method, String, Vec<(String, String)>, Option<Vec<u8>>);

/// The captured requests, rewritten for this server.
pub struct Replay {
    requests: Vec<Request>,
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

impl Replay {
    /// Issues what the capture needs (an organisation, its key, tokens, a player-cam
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
        let pc_id = session.body["identifier"].as_str().unwrap().to_owned();
        let pc_secret = session.body["secret"].as_str().unwrap().to_owned();
        let substitutions = [
            ("GOODKEY", key),
            ("org-42", org),
            ("test-backend-token", backend),
            ("test-stats-token", stats),
            ("PCID123", pc_id),
            ("PCSECRET456", pc_secret),
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
                let path = format!(
                    "{}{}",
                    base_path(recorded["base"].as_str().unwrap()),
                    rewrite(recorded["path"].as_str().unwrap())
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
                (method, path, headers, body)
            })
            .collect();
        Self { requests }
    }

    /// Sends the captured requests up to and including the first whose path ends with
    /// `suffix`; each must be answered 200.
    pub async fn until(&mut self, app: &TestApp, suffix: &str) {
        loop {
            assert!(!self.requests.is_empty(), "no request ends with {suffix}");
            let (method, path, headers, body) = self.requests.remove(0);
            let refs: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let reply = app.send(method, &path, &refs, body).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {reply:?}");
            if path.ends_with(suffix) {
                return;
            }
        }
    }
}
