//! The captured Spectra Server traffic (`tests/data/spectra/sequence.jsonl`), replayed request
//! by request with the recorded methods, headers and bodies, paths rebased on `/spectra`.
//! Credentials in the capture are replaced by ones this server issued.

use crate::helpers::{TestApp, MATCH_ID};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

crate::api_stories!(the_recorded_spectra_session_gets_the_answers_spectra_expects);

fn base_path(base: &str) -> &'static str {
    match base {
        "BACKEND_URL" => "/spectra",
        "SUPPORTER_CHECK_URL" => "/spectra/supporter",
        "STATS_BACKEND_URL" => "/spectra/stats",
        "PLAYERCAM_URL" => "/spectra/playercam",
        other => panic!("unknown base {other}"),
    }
}

/// What a replay used and got.
pub struct Replayed {
    /// The organisation whose key the capture's `GOODKEY` became.
    pub org: String,
    /// That organisation's access key.
    pub key: String,
    /// Each recorded path (as captured) and this server's answer.
    pub replies: Vec<(String, Value)>,
}

/// Issues the credentials the capture needs and replays it; every answer is a JSON 200.
pub async fn replay_capture(app: &TestApp) -> Replayed {
    // What the capture used, and what this server issued instead.
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
    let (pc_id, pc_secret) = (
        session.body["identifier"].as_str().unwrap(),
        session.body["secret"].as_str().unwrap(),
    );
    let cam = app
        .admin(
            Method::PUT,
            &format!("/playercam-sessions/{pc_id}/players/LTM%20Left1%23EUW"),
            Some(json!({"camera_enabled": true, "display_name": "Lefty"})),
        )
        .await;
    assert_eq!(cam.status, StatusCode::OK);
    app.admin(
        Method::PUT,
        "/players/puuid-L1",
        Some(json!({"region": "eu"})),
    )
    .await;
    let substitutions = [
        ("GOODKEY", key.as_str()),
        ("org-42", org.as_str()),
        ("test-backend-token", backend.as_str()),
        ("test-stats-token", stats.as_str()),
        ("PCID123", pc_id),
        ("PCSECRET456", pc_secret),
    ];
    let rewrite = |text: &str| {
        substitutions
            .iter()
            .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
    };

    let capture = include_str!("../data/spectra/sequence.jsonl");
    let mut replies = Vec::new();
    for line in capture.lines().filter(|l| !l.trim().is_empty()) {
        let recorded: Value = serde_json::from_str(line).unwrap();
        let path = format!(
            "{}{}",
            base_path(recorded["base"].as_str().unwrap()),
            rewrite(recorded["path"].as_str().unwrap())
        );
        let method = Method::from_bytes(recorded["method"].as_str().unwrap().as_bytes()).unwrap();
        let headers: Vec<(String, String)> = recorded["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), rewrite(v.as_str().unwrap())))
            .collect();
        let header_refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let body = match &recorded["body"] {
            Value::Null => None,
            body => Some(rewrite(&serde_json::to_string(body).unwrap()).into_bytes()),
        };
        let reply = app.send(method, &path, &header_refs, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {reply:?}");
        assert!(
            reply.content_type.starts_with("application/json"),
            "{path}: every answer is JSON"
        );
        replies.push((recorded["path"].as_str().unwrap().to_owned(), reply.body));
    }
    Replayed { org, key, replies }
}

async fn the_recorded_spectra_session_gets_the_answers_spectra_expects(app: &TestApp) {
    let Replayed { org, replies, .. } = replay_capture(app).await;

    let answer = |suffix: &str| {
        replies
            .iter()
            .find(|(p, _)| p.ends_with(suffix))
            .map(|(_, b)| b.clone())
            .unwrap()
    };
    assert_eq!(
        answer("/validateAccessKey/GOODKEY"),
        json!({"id": org, "name": "Replay Org"})
    );
    assert_eq!(answer("/org-42"), json!({"isSupporter": true}));
    assert_eq!(
        answer("/PCID123/PCSECRET456"),
        json!({"nameOverrides": "[[\"LTM Left1#EUW\",\"Lefty\"]]", "enabledPlayers": ["LTM Left1#EUW"]})
    );
    assert_eq!(answer("/updateMatchRegion")["region"], "eu");
    let mmr = answer("/fetchPlayerMMR");
    let puuids: Vec<_> = mmr["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["puuid"].as_str().unwrap())
        .collect();
    assert_eq!(
        puuids,
        [
            "puuid-L1", "puuid-L2", "puuid-L3", "puuid-L4", "puuid-L5", "puuid-R1", "puuid-R2",
            "puuid-R3", "puuid-R4", "puuid-R5"
        ]
    );
    assert_eq!(
        answer("/fetchMatchStats")["stats"]["players"]
            .as_array()
            .unwrap()
            .len(),
        10
    );

    // What the session left behind.
    let shown = app
        .admin(Method::GET, &format!("/matches/{MATCH_ID}"), None)
        .await;
    let o = &shown.body["observers"][0];
    assert_eq!(
        (o["state"].as_str(), o["round_number"].as_i64()),
        (Some("completed"), Some(3))
    );
    assert_eq!(o["org_id"], json!(org));
    assert_eq!(shown.body["region"], "eu");
    let stored = app
        .admin(Method::GET, &format!("/matches/{MATCH_ID}/stats"), None)
        .await;
    assert_eq!(stored.body["rounds_played"], 2);
}
