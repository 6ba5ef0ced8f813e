//! The stats backend.

use crate::helpers::{fixture_body, match_body, TestApp, MATCH_ID};
use crate::spectra_matches::Spectra;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    add_match_links_group_codes_and_answers_200_every_time,
    the_region_comes_from_the_player_registry,
    player_mmr_answers_one_row_per_requested_player_in_order,
    match_statistics_are_computed_stored_and_exported,
    stats_calls_need_a_stats_token,
    names_a_spreadsheet_would_run_as_formulas_are_escaped_in_the_csv,
);

async fn stats(app: &TestApp, token: &str, call: &str, body: Value) -> crate::helpers::Reply {
    app.post_json(
        &format!("/spectra/stats/{call}"),
        &[("authentication", token)],
        &body,
    )
    .await
}

async fn add_match_links_group_codes_and_answers_200_every_time(app: &TestApp) {
    let token = app.issue_token("spectra-stats").await;
    let first = stats(
        app,
        &token,
        "addMatch",
        json!({"code": "GC1", "matchUuid": MATCH_ID}),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(
        first.body,
        json!({"matchUuid": MATCH_ID, "code": "GC1", "newlyLinked": true})
    );
    let again = stats(
        app,
        &token,
        "addMatch",
        json!({"code": "GC1", "matchUuid": MATCH_ID}),
    )
    .await;
    assert_eq!(
        (again.status, again.body["newlyLinked"].clone()),
        (StatusCode::OK, json!(false))
    );
    stats(
        app,
        &token,
        "addMatch",
        json!({"code": "GC2", "matchUuid": MATCH_ID}),
    )
    .await;
    let store = app.store().await;
    let record = backline_store::StatsStore::get_stats(&store, MATCH_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.group_codes, vec!["GC1".to_owned(), "GC2".to_owned()]);
    store.close().await;
    stats(
        app,
        &token,
        "addMatch",
        json!({"code": "GC1", "matchUuid": ""}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
}

async fn the_region_comes_from_the_player_registry(app: &TestApp) {
    let token = app.issue_token("spectra-stats").await;
    let set = app
        .admin(
            Method::PUT,
            "/players/puuid-L1",
            Some(json!({"region": "EU"})),
        )
        .await;
    assert_eq!(
        (set.status, set.body["region"].clone()),
        (StatusCode::OK, json!("eu"))
    );
    let unknown = stats(
        app,
        &token,
        "updateMatchRegion",
        json!({"matchUuid": "m-x", "accountPuuid": "nobody"}),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.body["region"].clone()),
        (StatusCode::OK, json!(null))
    );
    let empty = stats(
        app,
        &token,
        "updateMatchRegion",
        json!({"matchUuid": "m-x", "accountPuuid": ""}),
    )
    .await;
    assert_eq!(
        (empty.status, empty.body["region"].clone()),
        (StatusCode::OK, json!(null))
    );
    let known = stats(
        app,
        &token,
        "updateMatchRegion",
        json!({"matchUuid": MATCH_ID, "accountPuuid": "puuid-L1"}),
    )
    .await;
    assert_eq!(
        (known.status, known.body["region"].clone()),
        (StatusCode::OK, json!("eu"))
    );
    let spectra = Spectra::new(app).await;
    spectra
        .call(app, "register", MATCH_ID, &fixture_body("register"))
        .await;
    let shown = app
        .admin(Method::GET, &format!("/matches/{MATCH_ID}"), None)
        .await;
    assert_eq!(shown.body["region"], "eu");
    app.admin(
        Method::PUT,
        "/players/puuid-L1",
        Some(json!({"region": "mars"})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
}

async fn player_mmr_answers_one_row_per_requested_player_in_order(app: &TestApp) {
    let token = app.issue_token("spectra-stats").await;
    app.admin(
        Method::PUT,
        "/players/p-op",
        Some(json!({"current_tier": 21, "peak_tier": 24})),
    )
    .await;
    // The completed match teaches the registry its players' tiers.
    let spectra = Spectra::new(app).await;
    spectra
        .call(app, "complete", MATCH_ID, &fixture_body("complete"))
        .await;
    let r = stats(app, &token, "fetchPlayerMMR", json!({"matchUuid": MATCH_ID, "accountPuuids": ["puuid-R1", "unknown", "p-op", "puuid-L1"]})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body,
        json!({"results": [
            {"puuid": "puuid-R1", "currentMMRTier": 25, "peakMMRTier": 29},
            {"puuid": "unknown", "currentMMRTier": null, "peakMMRTier": null},
            {"puuid": "p-op", "currentMMRTier": 21, "peakMMRTier": 24},
            {"puuid": "puuid-L1", "currentMMRTier": 20, "peakMMRTier": 24},
        ]})
    );
    app.admin(
        Method::PUT,
        "/players/p-op",
        Some(json!({"current_tier": 99})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
}

async fn match_statistics_are_computed_stored_and_exported(app: &TestApp) {
    let token = app.issue_token("spectra-stats").await;
    let spectra = Spectra::new(app).await;
    spectra
        .call(app, "register", MATCH_ID, &fixture_body("register"))
        .await;
    spectra
        .call(app, "complete", MATCH_ID, &fixture_body("complete"))
        .await;
    let r = stats(
        app,
        &token,
        "fetchMatchStats",
        json!({"matchUuid": MATCH_ID}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let s = &r.body["stats"];
    assert_eq!(s["map"], "Ascent");
    assert_eq!(s["rounds_played"], 2);
    assert_eq!(s["winner"], json!(null), "1:1 is a draw");
    assert_eq!(s["teams"][0]["name"], "Left Team");
    assert_eq!(
        (
            s["teams"][0]["attack_round_wins"].as_i64(),
            s["teams"][0]["defense_round_wins"].as_i64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(
        (
            s["teams"][1]["attack_round_wins"].as_i64(),
            s["teams"][1]["defense_round_wins"].as_i64()
        ),
        (Some(0), Some(1))
    );
    assert_eq!(s["players"].as_array().unwrap().len(), 10);
    let l1 = &s["players"][0];
    assert_eq!(
        (
            l1["puuid"].as_str(),
            l1["agent"].as_str(),
            l1["kills"].as_i64()
        ),
        (Some("puuid-L1"), Some("Raze"), Some(1))
    );
    assert_eq!(
        (l1["headshot_kills"].as_i64(), l1["headshot_ratio"].as_f64()),
        (Some(1), Some(1.0))
    );
    assert_eq!(
        (
            l1["current_mmr_tier"].as_i64(),
            l1["peak_mmr_tier"].as_i64()
        ),
        (Some(20), Some(24))
    );

    let stored = app
        .admin(Method::GET, &format!("/matches/{MATCH_ID}/stats"), None)
        .await;
    assert_eq!(stored.body, r.body["stats"]);
    let csv = app
        .admin(Method::GET, &format!("/matches/{MATCH_ID}/stats.csv"), None)
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"));
    let lines: Vec<_> = csv.text.lines().collect();
    assert_eq!(lines.len(), 11);
    assert!(lines[0].starts_with("match_id,map,team,team_name,team_won,puuid"));
    assert!(lines[1].starts_with(&format!(
        "{MATCH_ID},Ascent,0,Left Team,false,puuid-L1,LTM Left1#EUW,Raze,1,"
    )));

    stats(
        app,
        &token,
        "fetchMatchStats",
        json!({"matchUuid": "never-seen"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND);
    app.admin(Method::GET, "/matches/never-seen/stats", None)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    let _ = match_body;
}

async fn stats_calls_need_a_stats_token(app: &TestApp) {
    let backend = app.issue_token("spectra-backend").await;
    let body = json!({"code": "GC", "matchUuid": MATCH_ID});
    for token in ["undefined", "", "nope", backend.as_str()] {
        stats(app, token, "addMatch", body.clone())
            .await
            .assert_error(StatusCode::UNAUTHORIZED);
    }
    // The header is `Authentication` (sic); `Authorization` does not count.
    let stats_token = app.issue_token("spectra-stats").await;
    let wrong_header = app
        .post_json(
            "/spectra/stats/addMatch",
            &[("authorization", &stats_token)],
            &body,
        )
        .await;
    wrong_header.assert_error(StatusCode::UNAUTHORIZED);
    let store = app.store().await;
    assert!(backline_store::StatsStore::get_stats(&store, MATCH_ID)
        .await
        .unwrap()
        .is_none());
    store.close().await;
}

/// Team and player names come from Spectra's updates, so a name like `=cmd|' /C calc'!A0`
/// must not reach a spreadsheet as a formula: text cells starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return get a leading `'`; numbers the server writes stay numbers.
async fn names_a_spreadsheet_would_run_as_formulas_are_escaped_in_the_csv(app: &TestApp) {
    let spectra = Spectra::new(app).await;
    let mut body = match_body("update", MATCH_ID, "TESTGC", 3, "combat");
    let m = &mut body["match"];
    m["map"] = json!("+Ascent");
    m["teams"][0]["teamName"] = json!("=cmd|' /C calc'!A0");
    m["teams"][1]["teamName"] = json!("Right, \"quoted\" Team");
    let left = &mut m["teams"][0]["players"];
    left[0]["fullName"] = json!("-2+3");
    left[0]["agentProper"] = json!("@SUM(A1:A9)");
    left[0]["kills"] = json!(-3);
    left[1]["fullName"] = json!("\tTabbed");
    left[1]["riotId"] = json!("\r=1+1");
    left[2]["fullName"] = json!("=HYPERLINK(\"http://x.invalid\",\"y\")\nline");
    let r = spectra.call(app, "update", MATCH_ID, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");

    let csv = app
        .admin(Method::GET, &format!("/matches/{MATCH_ID}/stats.csv"), None)
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{csv:?}");
    assert!(csv.content_type.starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 10);
    let cell = |row: usize, name: &str| -> &str {
        let column = header.iter().position(|h| h == name).unwrap();
        &rows[row][column]
    };
    // Text from Spectra: escaped where a spreadsheet would read a formula.
    assert_eq!(cell(0, "match_id"), MATCH_ID);
    assert_eq!(cell(0, "map"), "'+Ascent");
    assert_eq!(cell(0, "team_name"), "'=cmd|' /C calc'!A0");
    assert_eq!(cell(0, "full_name"), "'-2+3");
    assert_eq!(cell(0, "agent"), "'@SUM(A1:A9)");
    assert_eq!(cell(1, "full_name"), "'\tTabbed");
    assert_eq!(cell(1, "puuid"), "'\r=1+1");
    assert_eq!(
        cell(2, "full_name"),
        "'=HYPERLINK(\"http://x.invalid\",\"y\")\nline"
    );
    // Text that is not a formula is left alone, and the CSV quoting still holds.
    assert_eq!(cell(5, "team_name"), "Right, \"quoted\" Team");
    assert_eq!(cell(3, "full_name"), "LTM Left4#EUW");
    // Numbers the server writes are numbers: a negative count is not escaped.
    assert_eq!(cell(0, "kills"), "-3");
    assert_eq!(cell(0, "team"), "0");
    assert_eq!(cell(0, "team_won"), "false");
    // The raw text proves the quoting: the formula's quotes doubled inside a quoted cell.
    assert!(
        csv.text
            .contains("\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"y\"\")\nline\""),
        "{}",
        csv.text
    );
    // What was stored is the name as Spectra sent it: escaping is the export's.
    let store = app.store().await;
    let stored = backline_store::StatsStore::get_stats(&store, MATCH_ID)
        .await
        .unwrap()
        .unwrap()
        .stats
        .unwrap();
    store.close().await;
    assert_eq!(stored["teams"][0]["name"], json!("=cmd|' /C calc'!A0"));
    assert_eq!(stored["players"][0]["full_name"], json!("-2+3"));
}
