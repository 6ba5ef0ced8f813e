//! The write load of the crash test: workers that each keep one of every kind of write
//! going (Spectra match updates and completes, game-integration bans, polls and finishes,
//! EVR broadcaster registrations, preparations, logins and joins) and write down in the
//! [`Ledger`] every write the server acknowledged (a 2xx whose body was read in full).

use crate::harness::{basic, send, user_id_of, SERVER_KEY};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

/// Every acknowledged write.
#[derive(Default, Debug)]
pub struct Ledger {
    /// Spectra match id → highest acknowledged round, and whether a complete was acknowledged.
    pub matches: BTreeMap<String, (i64, bool)>,
    /// Ban id → (user id, reason).
    pub bans: BTreeMap<String, (String, String)>,
    /// Executions handed out by acknowledged polls.
    pub delivered: BTreeSet<i64>,
    /// Acknowledged finishes: execution id → the error sent (`None`: finished).
    pub finished: BTreeMap<i64, Option<String>>,
    /// Users created by acknowledged logins.
    pub users: BTreeSet<String>,
    /// Users acknowledged since the last check.
    pub new_users: BTreeSet<String>,
    /// Broadcaster ids of acknowledged registrations.
    pub broadcasters: BTreeSet<String>,
    /// Match id → mode of acknowledged preparations.
    pub prepared: BTreeMap<String, String>,
    /// Acknowledged joins: (match id, user id, EVR id).
    pub joined: Vec<(String, String, String)>,
    /// How many acknowledged writes there were in all.
    pub acknowledged: usize,
}

/// What a worker needs and keeps between rounds.
pub struct Worker {
    pub index: usize,
    /// `x-user-token` of the Spectra backend.
    pub spectra_token: String,
    /// Bearer token of this worker's game server.
    pub server_token: String,
    /// A session of a `Global Bots` member.
    pub bot_token: String,
    /// Recorded Spectra bodies: register, update, complete.
    pub bodies: [Value; 2],
    step: u64,
    match_number: u64,
    round: i64,
    next: u64,
    /// The prepared match being joined and how many joined it.
    evr_match: Option<(String, usize)>,
}

/// The outcome of one request: acknowledged (status, body), or no answer (the node died).
type Answer = Option<(StatusCode, Value)>;

impl Worker {
    pub fn new(
        index: usize,
        spectra_token: String,
        server_token: String,
        bot_token: String,
        bodies: [Value; 2],
    ) -> Self {
        Self {
            index,
            spectra_token,
            server_token,
            bot_token,
            bodies,
            step: 0,
            match_number: 0,
            round: 0,
            next: 0,
            evr_match: None,
        }
    }

    /// Writes until the node stops answering.
    pub async fn run(&mut self, client: &reqwest::Client, base: &str, ledger: &Mutex<Ledger>) {
        loop {
            self.step += 1;
            let going = match self.step % 4 {
                0 => self.spectra(client, base, ledger).await,
                1 => self.ban(client, base, ledger).await,
                2 => self.poll_and_finish(client, base, ledger).await,
                _ => self.evr(client, base, ledger).await,
            };
            if !going {
                return;
            }
        }
    }

    fn unique(&mut self) -> u64 {
        self.next += 1;
        self.index as u64 * 1_000_000 + self.next
    }

    async fn call(
        client: &reqwest::Client,
        base: &str,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        send(client, base, method, path, headers, body).await.ok()
    }

    /// An update with the next round, or every fifth step a complete at `game_end`.
    async fn spectra(
        &mut self,
        client: &reqwest::Client,
        base: &str,
        ledger: &Mutex<Ledger>,
    ) -> bool {
        let match_id = format!("crash-{}-{}", self.index, self.match_number);
        let completing = self.round >= 4;
        let round = self.round + 1;
        let (action, phase, body) = if completing {
            ("complete", "game_end", &self.bodies[1])
        } else {
            ("update", "shopping", &self.bodies[0])
        };
        let mut body = body.clone();
        body["match"]["matchId"] = json!(match_id);
        body["match"]["groupCode"] = json!(format!("G{}", self.index));
        body["match"]["roundNumber"] = json!(round);
        body["match"]["roundPhase"] = json!(phase);
        let path = format!("/spectra/system/match/{match_id}/{action}");
        let headers = [("x-user-token", self.spectra_token.as_str())];
        let Some((status, reply)) =
            Self::call(client, base, Method::PUT, &path, &headers, Some(&body)).await
        else {
            return false;
        };
        assert_eq!(status, StatusCode::OK, "{action} {match_id}: {reply}");
        let mut l = ledger.lock().unwrap();
        let entry = l.matches.entry(match_id).or_insert((0, false));
        entry.0 = entry.0.max(round);
        entry.1 |= completing;
        l.acknowledged += 1;
        drop(l);
        if completing {
            self.match_number += 1;
            self.round = 0;
        } else {
            self.round = round;
        }
        true
    }

    fn game_headers(&self) -> String {
        format!("Bearer {}", self.server_token)
    }

    async fn ban(&mut self, client: &reqwest::Client, base: &str, ledger: &Mutex<Ledger>) -> bool {
        let account = 76_561_190_000_000_000u64 + self.unique();
        let reason = format!("crash ban {account}");
        let auth = self.game_headers();
        let Some((status, reply)) = Self::call(
            client,
            base,
            Method::POST,
            &format!("/api/game/players/steam/{account}/bans"),
            &[("authorization", &auth)],
            Some(&json!({"reason": reason, "scope": "global", "duration_minutes": 0})),
        )
        .await
        else {
            return false;
        };
        assert_eq!(status, StatusCode::CREATED, "ban: {reply}");
        let ban = &reply["ban"];
        let mut l = ledger.lock().unwrap();
        l.bans.insert(
            ban["id"].as_str().expect("a ban id").to_owned(),
            (
                ban["user_id"].as_str().expect("a user id").to_owned(),
                reason,
            ),
        );
        l.acknowledged += 1;
        true
    }

    /// A poll, then a finish of each execution it handed out (every third one failed).
    async fn poll_and_finish(
        &mut self,
        client: &reqwest::Client,
        base: &str,
        ledger: &Mutex<Ledger>,
    ) -> bool {
        let auth = self.game_headers();
        let headers = [("authorization", auth.as_str())];
        let Some((status, reply)) =
            Self::call(client, base, Method::POST, "/api/game/poll", &headers, None).await
        else {
            return false;
        };
        assert_eq!(status, StatusCode::OK, "poll: {reply}");
        let ids: Vec<i64> = reply["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .filter_map(|a| a["payload"]["execution_id"].as_i64())
            .collect();
        {
            let mut l = ledger.lock().unwrap();
            l.delivered.extend(&ids);
            l.acknowledged += 1;
        }
        for id in ids {
            let error = (id % 3 == 0).then(|| format!("failed {id}"));
            let body = json!({"error": error});
            let path = format!("/api/game/actions/executions/{id}/finish");
            let Some((status, reply)) = Self::call(
                client,
                base,
                Method::PATCH,
                &path,
                &headers,
                error.as_ref().map(|_| &body),
            )
            .await
            else {
                return false;
            };
            assert_eq!(status, StatusCode::NO_CONTENT, "finish {id}: {reply}");
            let mut l = ledger.lock().unwrap();
            l.finished.insert(id, error);
            l.acknowledged += 1;
        }
        true
    }

    /// Registers a broadcaster and prepares its idle match, or signs a new player in and
    /// joins the prepared match (three players a match).
    async fn evr(&mut self, client: &reqwest::Client, base: &str, ledger: &Mutex<Ledger>) -> bool {
        let bot = format!("Bearer {}", self.bot_token);
        let Some((match_id, joined)) = self.evr_match.clone() else {
            let n = self.unique();
            let Some((status, reply)) = Self::call(
                client,
                base,
                Method::POST,
                "/v2/rpc/broadcaster/register?unwrap",
                &[("authorization", &bot)],
                Some(
                    &json!({"server_id": n, "internal_ip": "10.1.0.1", "external_ip": "10.1.0.2",
                    "port": 1 + n % 60000, "version_lock": 7}),
                ),
            )
            .await
            else {
                return false;
            };
            assert_eq!(status, StatusCode::OK, "register: {reply}");
            let idle = reply["match_id"]
                .as_str()
                .expect("an idle match")
                .to_owned();
            {
                let mut l = ledger.lock().unwrap();
                l.broadcasters
                    .insert(reply["sid"].as_str().expect("a sid").to_owned());
                l.acknowledged += 1;
            }
            let Some((status, reply)) = Self::call(
                client,
                base,
                Method::POST,
                "/v2/rpc/match/prepare?unwrap",
                &[("authorization", &bot)],
                Some(&json!({"id": idle, "mode": "echo_arena_private"})),
            )
            .await
            else {
                return false;
            };
            assert_eq!(status, StatusCode::OK, "prepare: {reply}");
            let mut l = ledger.lock().unwrap();
            l.prepared.insert(idle.clone(), "echo_arena_private".into());
            l.acknowledged += 1;
            self.evr_match = Some((idle, 0));
            return true;
        };
        let n = self.unique();
        let server_key = basic(SERVER_KEY);
        let Some((status, reply)) = Self::call(
            client,
            base,
            Method::POST,
            "/v2/account/authenticate/custom?create=true",
            &[("authorization", &server_key)],
            Some(&json!({"id": format!("crash-player-{n}")})),
        )
        .await
        else {
            return false;
        };
        assert_eq!(status, StatusCode::OK, "login: {reply}");
        let token = reply["token"].as_str().expect("a session").to_owned();
        let user = user_id_of(&token);
        {
            let mut l = ledger.lock().unwrap();
            l.users.insert(user.clone());
            l.new_users.insert(user.clone());
            l.acknowledged += 1;
        }
        let evr_id = format!("OVR-CRASH-{n}");
        let Some((status, reply)) = Self::call(
            client,
            base,
            Method::POST,
            "/v2/rpc/match/join?unwrap",
            &[("authorization", &format!("Bearer {token}"))],
            Some(&json!({"match_id": match_id, "evr_id": evr_id})),
        )
        .await
        else {
            return false;
        };
        assert_eq!(status, StatusCode::OK, "join: {reply}");
        assert_eq!(reply["joined"], true, "join: {reply}");
        let mut l = ledger.lock().unwrap();
        l.joined.push((match_id.clone(), user, evr_id));
        l.acknowledged += 1;
        self.evr_match = (joined < 2).then_some((match_id, joined + 1));
        true
    }
}
