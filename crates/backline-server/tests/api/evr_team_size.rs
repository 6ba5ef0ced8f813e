//! `match/prepare`'s `team_size`: "as requested (1..5) else 5" (NAKAMA.md) — a value outside
//! 1..5, or not a number at all, prepares a team size of 5 instead of failing.

use crate::helpers::TestApp;
use crate::nakama_helpers::{register_broadcaster, rpc, signed_in};
use backline_domain::accounts::SystemGroup::GlobalBots;
use backline_store::EvrStore;
use reqwest::StatusCode;
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    team_size_outside_one_to_five_or_not_a_number_prepares_five,
);

async fn team_size_outside_one_to_five_or_not_a_number_prepares_five(app: &TestApp) {
    let (_, bot) = signed_in(app, "bot-user-1", &[GlobalBots]).await;
    let cases = [
        (json!(0), 5),
        (json!(6), 5),
        (json!(-1), 5),
        (json!(7), 5),
        (json!("3"), 5),
        (json!(2.5), 5),
        (json!(null), 5),
        (json!([3]), 5),
        (json!(1), 1),
        (json!(3), 3),
        (json!(5), 5),
    ];
    let store = app.store().await;
    for (i, (team_size, expected)) in cases.into_iter().enumerate() {
        let (_, idle) = register_broadcaster(app, &bot, json!({"port": 7100 + i})).await;
        let body = json!({"id": idle, "mode": "echo_arena_private", "team_size": team_size});
        let r = rpc(app, "match/prepare", &bot, body).await;
        assert_eq!(r.status, StatusCode::OK, "{team_size}: {r:?}");
        let label = &r.body["label"];
        assert_eq!(
            (label["team_size"].as_i64(), label["player_limit"].as_i64()),
            (Some(expected), Some(2 * expected)),
            "{team_size}"
        );
        let stored = store.get_evr_match(&idle).await.unwrap().unwrap();
        let prep = stored.preparation.expect("prepared");
        assert_eq!(
            (prep.team_size, prep.player_limit),
            (expected, 2 * expected),
            "{team_size}"
        );
    }
    store.close().await;
}
