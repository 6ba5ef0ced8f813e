//! One game server token flooding the poll with the largest report it may send, while other
//! clients sign in, ban and poll: the others stay prompt and are never refused for want of a
//! connection, and a report over the bound is refused at once, changing nothing.

use crate::ember_helpers::{form, server};
use crate::helpers::TestApp;
use crate::nakama_helpers::basic;
use backline_domain::ember::actions::PlayerRef;
use backline_server::config::Config;
use backline_store::{GameServerStore, UserStore};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

/// How long the flood lasts.
const FLOOD: Duration = Duration::from_secs(4);
/// The bound on the others' 99th percentile.
const PROMPT: Duration = Duration::from_millis(100);

fn flood(config: &mut Config) {
    // The flood is not slowed by the per-server request limit: the bound on a report must
    // hold on its own.
    config.ember.rate_limit_per_minute = 1_000_000;
    config.guess_limit.max_failures = 1_000_000;
}

/// A poll body reporting `count` Steam players from `first` on, the first `connecting` of
/// them connecting and the rest connected.
fn report(first: u64, count: u64, connecting: u64) -> String {
    (0..count)
        .map(|i| {
            let state = if i < connecting {
                "connecting"
            } else {
                "connected"
            };
            format!(
                "players[steam][{state}][ids][]={}",
                76561198000000000 + first + i
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The 99th percentile of `times` (sorted here).
fn p99(times: &mut [Duration]) -> Duration {
    times.sort();
    times[(times.len() * 99).div_ceil(100) - 1]
}

/// One flood at a time: the SQLite and PostgreSQL stories would otherwise run side by side,
/// two flooders on one machine, and each would measure the other's load too (the stories of
/// over-large reports, which parse megabytes of ids, take their turn as well).
pub(super) static ONE_FLOOD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn a_flood_of_maximal_polls_does_not_hold_up_other_clients(app: &TestApp) {
    let _alone = ONE_FLOOD.lock().await;
    let max = app.config.ember.max_players_per_poll as u64;
    let (_, flooder) = server(app, "Flooder", &["eu"]).await;
    let (_, other) = server(app, "Other", &["eu"]).await;
    let started = Instant::now();

    // The flooder: maximal reports, each moving a quarter of the players, so every poll
    // changes the stored presence; a tenth are connecting (kicks and roles are looked up).
    let flooding = async {
        let mut polls = 0u64;
        let mut slowest = Duration::ZERO;
        while started.elapsed() < FLOOD {
            let body = report((polls % 4) * max / 4, max, max / 10);
            let sent = Instant::now();
            let r = form(app, &flooder, Method::POST, "/poll", &body).await;
            slowest = slowest.max(sent.elapsed());
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            polls += 1;
        }
        (polls, slowest)
    };
    let other = other.as_str();
    let timed = |kind: &'static str| async move {
        let mut times = Vec::new();
        let mut n = 0u64;
        // Let the flood begin.
        tokio::time::sleep(Duration::from_millis(20)).await;
        while started.elapsed() < FLOOD {
            n += 1;
            let sent = Instant::now();
            let status = match kind {
                "login" => {
                    let auth = basic(crate::helpers::SERVER_KEY);
                    app.post_json(
                        "/v2/account/authenticate/device",
                        &[("authorization", &auth)],
                        &json!({"id": format!("flood-device-{n:06}")}),
                    )
                    .await
                    .status
                }
                "ban" => {
                    app.admin(
                        Method::POST,
                        "/bans",
                        Some(json!({
                            "source": "steam",
                            "account_id": (76561199000000000u64 + n).to_string(),
                            "scope": "global",
                            "reason": "flood test",
                        })),
                    )
                    .await
                    .status
                }
                _ => {
                    let body = report(900_000 + n % 3, 5, 1);
                    form(app, other, Method::POST, "/poll", &body).await.status
                }
            };
            times.push(sent.elapsed());
            // Nakama answers a sign-in with 200, the admin API a new ban with 201.
            let expected = if kind == "ban" {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            assert_eq!(status, expected, "{kind} #{n} during the flood");
        }
        (kind, times)
    };
    let ((polls, slowest), logins, bans, other_polls) =
        tokio::join!(flooding, timed("login"), timed("ban"), timed("poll"));
    eprintln!("flood: {polls} polls of {max} players, the slowest {slowest:?}");
    assert!(polls >= 3, "the flood ran: {polls} polls");
    // Their p99: of every request the other clients made during the flood, each kind's own
    // shown beside it (a kind's p99 of a hundred-odd requests is its second-worst answer).
    let mut all = Vec::new();
    for (kind, mut times) in [logins, bans, other_polls] {
        assert!(times.len() >= 10, "{kind}: {} requests", times.len());
        eprintln!(
            "{kind}: {} requests during the flood, p99 {:?}",
            times.len(),
            p99(&mut times)
        );
        all.extend(times);
    }
    let p99 = p99(&mut all);
    eprintln!("the other clients: {} requests, p99 {p99:?}", all.len());
    assert!(
        p99 < PROMPT,
        "the other clients' p99 {p99:?} during the flood"
    );
}

async fn a_report_over_the_bound_is_refused_at_once_and_changes_nothing(app: &TestApp) {
    let _alone = ONE_FLOOD.lock().await;
    let max = app.config.ember.max_players_per_poll as u64;
    let (server_id, token) = server(app, "Crowded", &["eu"]).await;
    let present = PlayerRef::parse("steam:76561198000000005").unwrap();
    let r = form(app, &token, Method::POST, "/poll", &report(0, max, 0)).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a report of exactly the bound: {r:?}"
    );

    // One more player than the bound, all of them new; and 45,000 ids (800 KB, as the attack
    // sent), as one comma-separated list of connecting players.
    let newcomer = PlayerRef::parse("steam:76561198100000000").unwrap();
    let crowd = (0..45_000u64)
        .map(|i| (76561198100000000 + i).to_string())
        .collect::<Vec<_>>()
        .join(",");
    for body in [
        report(100_000_000, max + 1, max / 2),
        format!("players[steam][connecting][ids]={crowd}"),
    ] {
        let sent = Instant::now();
        let r = form(app, &token, Method::POST, "/poll", &body).await;
        let took = sent.elapsed();
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
        assert_eq!(
            r.body["errors"]["players"][0],
            format!("The players field must not have more than {max} items."),
            "{}",
            r.body
        );
        assert!(took < Duration::from_secs(1), "refused in {took:?}");
    }
    let store = app.store().await;
    let servers = store.servers_with_player(&present).await.unwrap();
    assert_eq!(
        servers.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        vec![server_id],
        "the stored presence is the last accepted one"
    );
    assert!(store
        .servers_with_player(&newcomer)
        .await
        .unwrap()
        .is_empty());
    let accounts = backline_domain::accounts::ExternalAccount::new("steam", "76561198100000000");
    assert!(
        store
            .find_user_by_external(&accounts)
            .await
            .unwrap()
            .is_none(),
        "no user was made for a refused report's connecting players"
    );
    store.close().await;
}

backline_store::stories!(crate::helpers::with_configured_app, flood =>
    a_flood_of_maximal_polls_does_not_hold_up_other_clients,
    a_report_over_the_bound_is_refused_at_once_and_changes_nothing,
);
