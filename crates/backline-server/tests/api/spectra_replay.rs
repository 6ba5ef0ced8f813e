//! The captured Spectra Server traffic (`tests/data/spectra/sequence.jsonl`), replayed request
//! by request with the recorded methods, headers and bodies ([`Capture`]), and the answers
//! Spectra expects.

use crate::helpers::{TestApp, MATCH_ID};
use crate::spectra_capture::Capture;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app => the_recorded_spectra_session_gets_the_answers_spectra_expects);

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
    let mut capture = Capture::prepare(app).await;
    let cam = app
        .admin(
            Method::PUT,
            &format!(
                "/playercam-sessions/{}/players/LTM%20Left1%23EUW",
                capture.playercam_id
            ),
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
    let mut replies = Vec::new();
    while let Some((path, reply)) = capture.send_next(app).await {
        assert!(
            reply.content_type.starts_with("application/json"),
            "{path}: every answer is JSON"
        );
        replies.push((path, reply.body));
    }
    Replayed {
        org: capture.org,
        key: capture.key,
        replies,
    }
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
