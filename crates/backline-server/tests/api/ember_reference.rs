//! A scripted reference integration that behaves like a Garry's Mod addon: form bodies only,
//! never a repeated key (lists as comma strings), PATCH and DELETE sent as POST with
//! `_method`, `Bearer:` as the seed writes it, polls at the interval the server asks for.

use crate::ember_helpers::server;
use crate::helpers::TestApp;
use backline_domain::ember::actions::{ActionKind, PlayerRef};
use backline_server::core::ember::executions::Target;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

backline_store::stories!(crate::helpers::with_app => a_garrys_mod_addon_plays_a_whole_session);

/// The addon's state: who is on the server, what it ran, what it was told.
struct Addon<'a> {
    app: &'a TestApp,
    token: String,
    connecting: BTreeSet<String>,
    connected: BTreeSet<String>,
    console: Vec<String>,
    lua: Vec<String>,
    groups: std::collections::BTreeMap<String, String>,
    settings: Option<Value>,
    next_poll_in: i64,
}

impl<'a> Addon<'a> {
    /// GMod's `HTTP` with a form body (its default content type is text/plain).
    async fn http(&self, path: &str, form: &[(&str, String)]) -> (StatusCode, Value, Option<i64>) {
        let body = form
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    k,
                    url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let keys: BTreeSet<&str> = form.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys.len(), form.len(), "GMod cannot repeat a key");
        let response = self
            .app
            .client
            .post(self.app.url(&format!("/api/game{path}")))
            .header("authorization", format!("Bearer: {}", self.token))
            .header("content-type", "text/plain; charset=utf-8")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let reset = response
            .headers()
            .get("x-ratelimit-reset")
            .map(|r| r.to_str().unwrap().parse().unwrap());
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::Null),
            reset,
        )
    }

    async fn meta(&mut self) {
        let response = self
            .app
            .client
            .get(self.app.url("/api/game/meta?actions[]=settings"))
            .header("authorization", format!("Bearer: {}", self.token))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        self.settings = Some(body["actions"][0]["payload"].clone());
    }

    async fn poll(&mut self) {
        let mut form = Vec::new();
        if !self.connecting.is_empty() {
            form.push((
                "players[steam][connecting][ids]",
                self.connecting
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(","),
            ));
        }
        if !self.connected.is_empty() {
            form.push((
                "players[steam][connected][ids]",
                self.connected.iter().cloned().collect::<Vec<_>>().join(","),
            ));
        }
        let (status, body, reset) = self.http("/poll", &form).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        self.next_poll_in = reset.expect("polls say when to poll next");
        // Players who were connecting are in game after this poll.
        let joined: Vec<String> = std::mem::take(&mut self.connecting).into_iter().collect();
        for action in body["actions"].as_array().unwrap() {
            self.handle(action, &joined).await;
        }
        for id in joined {
            if !self.console.iter().any(|c| c.starts_with("kickid")) || !self.was_kicked(&id) {
                self.connected.insert(id);
            }
        }
    }

    fn was_kicked(&self, steam64: &str) -> bool {
        let id2 = backline_domain::ember::games::steamid2(steam64).unwrap();
        self.console
            .iter()
            .any(|c| c.starts_with(&format!("kickid {id2} ")))
    }

    async fn handle(&mut self, action: &Value, _joined: &[String]) {
        let payload = &action["payload"];
        let mut error = None;
        match action["type"].as_str().unwrap() {
            "settings" => self.settings = Some(payload.clone()),
            "command" => {
                let command = payload["command"].as_str().unwrap().to_owned();
                if command.starts_with("unknown_cmd") {
                    error = Some("Unknown command".to_owned());
                }
                self.console.push(command);
            }
            "code" => self.lua.push(payload["code"].as_str().unwrap().to_owned()),
            "roles" => {
                let id = payload["player_steam_account_id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                // Single-role game: the first grant is the group; an empty grant revokes.
                match payload["grant"].as_array().and_then(|g| g.first()) {
                    Some(group) => {
                        self.groups.insert(id, group.as_str().unwrap().to_owned());
                    }
                    None if payload["exhaustive"] == true => {
                        self.groups.remove(&id);
                    }
                    None => {}
                }
            }
            _ => {} // Unknown types are ignored.
        }
        if let Some(execution_id) = payload["execution_id"].as_i64() {
            let mut form = vec![("_method", "PATCH".to_owned())];
            if let Some(error) = error {
                form.push(("error", error));
            }
            let (status, body, _) = self
                .http(&format!("/actions/executions/{execution_id}/finish"), &form)
                .await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        }
    }
}

async fn a_garrys_mod_addon_plays_a_whole_session(app: &TestApp) {
    let (server_id, token) = server(app, "GMod Sandbox", &["eu"]).await;
    let core = app.core().await;
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "Admin",
        "admin",
        1,
        vec![],
    )
    .await
    .unwrap();
    core.create_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        "VIP",
        "vip",
        5,
        vec![],
    )
    .await
    .unwrap();
    let alice = "76561198000000001".to_owned();
    let bob = "76561198000000002".to_owned();
    let carol = "76561198000000003".to_owned();
    core.operator_set_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        &PlayerRef::parse(&format!("steam:{alice}")).unwrap(),
        "VIP",
        true,
    )
    .await
    .unwrap();
    let mut addon = Addon {
        app,
        token,
        connecting: BTreeSet::new(),
        connected: BTreeSet::new(),
        console: Vec::new(),
        lua: Vec::new(),
        groups: Default::default(),
        settings: None,
        next_poll_in: 0,
    };
    addon.meta().await;
    assert_eq!(addon.settings.as_ref().unwrap()["poll_interval"], 5);

    // Alice and Bob join.
    addon.connecting.extend([alice.clone(), bob.clone()]);
    addon.poll().await;
    assert_eq!(
        addon.groups.get(&alice).map(String::as_str),
        Some("vip"),
        "exhaustive roles on connect"
    );
    assert!(addon.connected.contains(&alice) && addon.connected.contains(&bob));

    // Operators queue a broadcast, some Lua, a failing command and a message for Carol (offline).
    let target = Target::Server(server_id.clone());
    core.queue_action(
        &crate::helpers::grant::<backline_server::core::access::Administer>(),
        &target,
        ActionKind::Command,
        "say Welcome",
        None,
        false,
    )
    .await
    .unwrap();
    core.queue_action(
        &crate::helpers::grant::<backline_server::core::access::Administer>(),
        &target,
        ActionKind::Code,
        "print('hello')",
        None,
        false,
    )
    .await
    .unwrap();
    core.queue_action(
        &crate::helpers::grant::<backline_server::core::access::Administer>(),
        &target,
        ActionKind::Command,
        "unknown_cmd",
        None,
        false,
    )
    .await
    .unwrap();
    core.queue_action(
        &crate::helpers::grant::<backline_server::core::access::Administer>(),
        &target,
        ActionKind::Command,
        "ulx psay carol hi",
        PlayerRef::parse(&format!("steam:{carol}")),
        true,
    )
    .await
    .unwrap();
    addon.poll().await;
    assert_eq!(addon.console, vec!["say Welcome", "unknown_cmd"]);
    assert_eq!(addon.lua, vec!["print('hello')"]);

    // Bob is promoted in game (single-role: primary role), then reports a ban of Carol.
    let (status, _, _) = addon
        .http(
            &format!("/players/steam/{bob}/primaryrole"),
            &[("name", "admin".into())],
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, ban, _) = addon
        .http(
            &format!("/players/steam/{carol}/bans"),
            &[
                ("admin_steam_account_id", bob.clone()),
                ("duration_minutes", "0".into()),
                ("reason", "Prop spam".into()),
                ("scope", "server".into()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ban}");

    // Carol tries to join: kicked, and the message waiting for her is held while she is
    // banned (EMBER.md: the kick and nothing else for that player).
    addon.connecting.insert(carol.clone());
    addon.poll().await;
    assert!(addon.was_kicked(&carol), "{:?}", addon.console);
    assert!(!addon.connected.contains(&carol));
    assert!(
        !addon.console.iter().any(|c| c.contains("psay carol")),
        "{:?}",
        addon.console
    );
    // Bob leaves; Alice loses VIP on the website.
    addon.connected.remove(&bob);
    core.operator_set_role(
        &crate::helpers::grant::<backline_server::core::access::Moderate>(),
        &PlayerRef::parse(&format!("steam:{alice}")).unwrap(),
        "VIP",
        false,
    )
    .await
    .unwrap();
    addon.poll().await;
    assert_eq!(
        addon.next_poll_in, 5,
        "X-RateLimit-Reset is the poll interval"
    );

    // The operator's view: every execution finished but the failing one and Carol's
    // message, still queued, never leased.
    let mut executions = core
        .list_executions(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            Some(&server_id),
            None,
            50,
        )
        .await
        .unwrap();
    let held: Vec<_> = executions
        .iter()
        .filter(|e| !e.status.is_done())
        .map(|e| (e.payload["command"].clone(), e.status.as_str(), e.attempts))
        .collect();
    assert_eq!(held, vec![(json!("ulx psay carol hi"), "queued", 0)]);
    executions.retain(|e| e.payload["command"] != "ulx psay carol hi");
    let failed: Vec<_> = executions
        .iter()
        .filter(|e| e.status.as_str() == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].error.as_deref(), Some("Unknown command"));
    assert!(
        executions.iter().all(|e| e.status.is_done()),
        "{executions:?}"
    );
    let bob_role = backline_store::RoleStore::roles_of(
        &core.store,
        &[core
            .user_for_player(&PlayerRef::parse(&format!("steam:{bob}")).unwrap())
            .await
            .unwrap()
            .id],
    )
    .await
    .unwrap()
    .remove(0)
    .1;
    assert_eq!(
        bob_role
            .held
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Admin"]
    );
    core.store.close().await;
}
