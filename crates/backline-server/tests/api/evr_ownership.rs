//! An EVR id belongs to one account: joins link an unlinked id to the caller, refuse an id
//! another account holds (EVR's `BadRequest`) and leave the holder's seat alone; bots and
//! operators act only with ids linked to them (NAKAMA.md, "Joining a match").

use crate::helpers::{cli, TestApp};
use crate::nakama_helpers::{custom, register_broadcaster, rpc, signed_in};
use backline_domain::accounts::ExternalAccount;
use backline_domain::accounts::SystemGroup::{
    GlobalBots, GlobalOperators, GlobalPrivateDataAccess,
};
use backline_store::UserStore;
use reqwest::StatusCode;
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    a_player_cannot_take_another_players_seat_with_their_evr_id,
    the_first_join_links_an_unlinked_evr_id_and_a_refused_join_links_nothing,
    concurrent_first_joins_with_one_unlinked_evr_id_have_exactly_one_winner,
    bots_and_operators_join_only_with_evr_ids_linked_to_them,
);

const TAKEN: &str = "evr id belongs to another account";

/// A bot with private-data access that prepares matches on new broadcasters.
async fn bot(app: &TestApp) -> String {
    signed_in(app, "match-bot", &[GlobalBots, GlobalPrivateDataAccess])
        .await
        .1
}

/// A prepared private arena match on a new broadcaster; its id.
async fn prepared(app: &TestApp, bot: &str) -> String {
    let port = 1000 + (uuid::Uuid::new_v4().as_u128() % 50000) as u16;
    let (_, idle) = register_broadcaster(app, bot, json!({"port": port})).await;
    let r = rpc(
        app,
        "match/prepare",
        bot,
        json!({"id": idle, "mode": "echo_arena_private"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    idle
}

async fn join(app: &TestApp, token: &str, match_id: &str, evr_id: &str) -> Value {
    let r = rpc(
        app,
        "match/join",
        token,
        json!({"match_id": match_id, "evr_id": evr_id}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body
}

/// The failure of a refused join: `(code, reason, message)`.
fn failure(reply: &Value) -> (i64, String, String) {
    assert_eq!(reply["joined"], false, "{reply}");
    let f = &reply["failure"];
    (
        f["code"].as_i64().unwrap(),
        f["reason"].as_str().unwrap().to_owned(),
        f["message"].as_str().unwrap().to_owned(),
    )
}

fn taken() -> (i64, String, String) {
    (2, "BadRequest".to_owned(), TAKEN.to_owned())
}

/// Who sits in a match: `(user id, evr id)`, as stored.
async fn seats(app: &TestApp, bot: &str, match_id: &str) -> Vec<(String, String)> {
    let r = rpc(app, "match", bot, json!({"match_ids": [match_id]})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["matches"][0]["players"]
        .as_array()
        .map(|players| {
            players
                .iter()
                .map(|p| {
                    (
                        p["user_id"].as_str().unwrap().to_owned(),
                        p["evr_id"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The user holding an EVR id, as stored.
async fn holder(app: &TestApp, evr_id: &str) -> Option<String> {
    let store = app.store().await;
    let user = store
        .find_user_by_external(&ExternalAccount::new("evr", evr_id))
        .await
        .unwrap();
    store.close().await;
    user.map(|u| u.id.as_str().to_owned())
}

/// The EVR ids linked to a user, as stored.
async fn evr_ids_of(app: &TestApp, user_id: &str) -> Vec<String> {
    let store = app.store().await;
    let accounts = store
        .external_accounts(&backline_domain::ids::UserId::from_string(user_id))
        .await
        .unwrap();
    store.close().await;
    accounts
        .into_iter()
        .filter(|a| a.source == "evr")
        .map(|a| a.account_id)
        .collect()
}

async fn a_player_cannot_take_another_players_seat_with_their_evr_id(app: &TestApp) {
    let bot = bot(app).await;
    let (first, second) = (prepared(app, &bot).await, prepared(app, &bot).await);
    let (a_id, a) = signed_in(app, "victim-a", &[]).await;
    let (b_id, b) = signed_in(app, "hijacker-b", &[]).await;
    assert_eq!(join(app, &a, &first, "OVR-ORG-A").await["joined"], true);
    let a_seat = vec![(a_id.clone(), "OVR-ORG-A".to_owned())];

    // B tries A's id in another match and in A's own match.
    assert_eq!(failure(&join(app, &b, &second, "OVR-ORG-A").await), taken());
    assert_eq!(failure(&join(app, &b, &first, "OVR-ORG-A").await), taken());
    assert_eq!(seats(app, &bot, &first).await, a_seat, "A keeps the seat");
    assert!(seats(app, &bot, &second).await.is_empty());
    assert_eq!(holder(app, "OVR-ORG-A").await, Some(a_id.clone()));
    assert!(evr_ids_of(app, &b_id).await.is_empty(), "B got nothing");

    // A can still join: the move to the second match works as before.
    assert_eq!(join(app, &a, &second, "OVR-ORG-A").await["joined"], true);
    assert!(seats(app, &bot, &first).await.is_empty());
    assert_eq!(seats(app, &bot, &second).await, a_seat);
    // A second session of A with the same id is A's, and still one seat per id per match.
    let again = custom(app, "victim-a", "create=false").await;
    let a2 = again.body["token"].as_str().unwrap().to_owned();
    assert_eq!(
        failure(&join(app, &a2, &second, "OVR-ORG-A").await),
        (2, "BadRequest".to_owned(), "duplicate evr id".to_owned())
    );
    assert_eq!(join(app, &a2, &first, "OVR-ORG-A").await["joined"], true);
    assert_eq!(seats(app, &bot, &first).await, a_seat);
}

async fn the_first_join_links_an_unlinked_evr_id_and_a_refused_join_links_nothing(app: &TestApp) {
    let bot = bot(app).await;
    let id = prepared(app, &bot).await;
    let (c_id, c) = signed_in(app, "player-c", &[]).await;
    // A refused join (unknown match, unassigned match, too long an id) links nothing.
    assert_eq!(
        failure(&join(app, &c, "no-such.backline", "OVR-C").await).0,
        4
    );
    let (_, idle) = register_broadcaster(app, &bot, json!({"port": 4343})).await;
    assert_eq!(failure(&join(app, &c, &idle, "OVR-C").await).0, 4);
    let long = "X".repeat(129);
    assert_eq!(
        failure(&join(app, &c, &id, &long).await),
        (
            2,
            "BadRequest".to_owned(),
            "evr_id is longer than 128 characters".to_owned()
        )
    );
    assert_eq!(holder(app, "OVR-C").await, None);
    assert!(evr_ids_of(app, &c_id).await.is_empty());

    // The first successful join links it.
    assert_eq!(join(app, &c, &id, "OVR-C").await["joined"], true);
    assert_eq!(holder(app, "OVR-C").await, Some(c_id.clone()));
    // A player may hold several ids; each new one links on first use.
    let other = prepared(app, &bot).await;
    assert_eq!(join(app, &c, &other, "OVR-C-ALT").await["joined"], true);
    assert_eq!(evr_ids_of(app, &c_id).await, vec!["OVR-C", "OVR-C-ALT"]);
    // `backline user show` lists it as an external account `evr`.
    let (ok, shown, err) = cli(&app.db.url, &["user", "show", &c_id, "--json"]).await;
    assert!(ok, "{err}");
    let accounts = shown["external_accounts"].as_array().unwrap();
    assert!(
        accounts.contains(&json!({"source": "evr", "account_id": "OVR-C"})),
        "{shown}"
    );
}

async fn concurrent_first_joins_with_one_unlinked_evr_id_have_exactly_one_winner(app: &TestApp) {
    let bot = bot(app).await;
    let matches = [prepared(app, &bot).await, prepared(app, &bot).await];
    let mut racers = Vec::new();
    for i in 0..8 {
        racers.push(signed_in(app, &format!("racer-{i}"), &[]).await);
    }
    for round in 0..5 {
        let evr_id = format!("OVR-RACE-{round}");
        let joins = racers.iter().enumerate().map(|(i, (_, token))| {
            let (match_id, evr_id) = (matches[i % 2].clone(), evr_id.clone());
            async move { join(app, token, &match_id, &evr_id).await }
        });
        let results = futures::future::join_all(joins).await;
        let winners: Vec<usize> = (0..results.len())
            .filter(|&i| results[i]["joined"] == true)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        for (i, r) in results.iter().enumerate() {
            if i != winners[0] {
                assert_eq!(failure(r), taken(), "round {round}");
            }
        }
        let winner = &racers[winners[0]].0;
        assert_eq!(holder(app, &evr_id).await.as_ref(), Some(winner));
        let seated: Vec<_> = [
            seats(app, &bot, &matches[0]).await,
            seats(app, &bot, &matches[1]).await,
        ]
        .concat()
        .into_iter()
        .filter(|(_, e)| *e == evr_id)
        .collect();
        assert_eq!(seated, vec![(winner.clone(), evr_id.clone())]);
        for (user_id, _) in racers.iter().filter(|(u, _)| u != winner) {
            assert!(
                !evr_ids_of(app, user_id).await.contains(&evr_id),
                "round {round}: a loser holds the id"
            );
        }
        // The winner leaves, so the next round starts from empty matches.
        let token = &racers[winners[0]].1;
        let left = rpc(
            app,
            "match/leave",
            token,
            json!({"match_id": matches[winners[0] % 2]}),
        )
        .await;
        assert_eq!(left.body, json!({"left": true}), "round {round}");
    }
}

async fn bots_and_operators_join_only_with_evr_ids_linked_to_them(app: &TestApp) {
    let bot_token = bot(app).await;
    let (first, second) = (
        prepared(app, &bot_token).await,
        prepared(app, &bot_token).await,
    );
    let (a_id, a) = signed_in(app, "player-a", &[]).await;
    assert_eq!(join(app, &a, &first, "OVR-A").await["joined"], true);
    let a_seat = vec![(a_id.clone(), "OVR-A".to_owned())];
    let (op_id, operator) = signed_in(app, "operator-1", &[GlobalOperators]).await;
    let (seat_bot_id, seat_bot) = signed_in(app, "seat-bot", &[GlobalBots]).await;
    for (who, token) in [("operator", &operator), ("bot", &seat_bot)] {
        for match_id in [&first, &second] {
            assert_eq!(
                failure(&join(app, token, match_id, "OVR-A").await),
                taken(),
                "{who}"
            );
        }
        assert_eq!(seats(app, &bot_token, &first).await, a_seat, "{who}");
        assert!(seats(app, &bot_token, &second).await.is_empty(), "{who}");
    }
    assert!(evr_ids_of(app, &op_id).await.is_empty());

    // An operator links an id to the bot with the CLI; the bot joins with it.
    let (ok, _, err) = cli(
        &app.db.url,
        &["user", "link", &seat_bot_id, "evr", "OVR-BOT-1"],
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(
        join(app, &seat_bot, &second, "OVR-BOT-1").await["joined"],
        true
    );
    assert_eq!(failure(&join(app, &a, &first, "OVR-BOT-1").await), taken());
    // Linking A's id to the bot is refused and changes nothing.
    let (ok, _, _) = cli(&app.db.url, &["user", "link", &seat_bot_id, "evr", "OVR-A"]).await;
    assert!(!ok);
    assert_eq!(holder(app, "OVR-A").await, Some(a_id));
    // Once unlinked, the id is free for the first joiner again.
    let (ok, _, err) = cli(
        &app.db.url,
        &["user", "unlink", &seat_bot_id, "evr", "OVR-BOT-1"],
    )
    .await;
    assert!(ok, "{err}");
    assert_eq!(
        join(app, &operator, &first, "OVR-BOT-1").await["joined"],
        true
    );
    assert_eq!(holder(app, "OVR-BOT-1").await, Some(op_id));
    assert_eq!(
        seats(app, &bot_token, &second).await,
        vec![(seat_bot_id, "OVR-BOT-1".to_owned())],
        "a join never removes another account's seat"
    );
}
