//! The agent between a real Backline (on a random port, SQLite and PostgreSQL) and the Garry's
//! Mod console of `gmod.rs`: queued commands reach the game exactly once and are finished;
//! players reach Backline's presence and a kick removes one; a banned player who connects is
//! kicked; role changes become the configured console commands; failures and `code` actions
//! reach Backline as execution errors;
//! an execution interrupted by a crash is reported, never sent again; a refused token stops
//! the agent.

use std::time::Duration;

use backline_agent::config::AgentConfig;
use backline_agent::cycle::Agent;
use backline_agent::journal::{ExecutionId, Journal, OUTCOME_UNKNOWN};
use backline_agent::AgentError;
use backline_client::admin::{
    AdminClient, Kick, NewAction, NewAdminBan, NewRole, NewServer, ServerEdit,
};
use backline_client::game::{BanScope, Player};
use backline_client::Transport;
use backline_server::config::Config as ServerConfig;
use backline_server::server;
use backline_store::testing::TestDatabase;
use backline_store::Backend;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::gmod::{GmodServer, PASSWORD};

const ALICE: u64 = 76_561_198_000_000_002;
const BOB: u64 = 76_561_198_000_000_003;

/// A Backline, a game server registered on it, its console and a state directory.
pub struct World {
    pub admin: AdminClient,
    pub base: String,
    pub server_id: String,
    pub token: String,
    pub game: GmodServer,
    pub state: tempfile::TempDir,
}

impl World {
    /// The agent's configuration for this world (`extra` variables over it).
    pub fn config(&self, extra: &[(&str, &str)]) -> AgentConfig {
        let mut env: Vec<(String, String)> = [
            ("BACKLINE_AGENT_URL", self.base.as_str()),
            ("BACKLINE_AGENT_TOKEN", &self.token),
            ("BACKLINE_AGENT_PROTOCOL", "source"),
            ("BACKLINE_AGENT_GAME", "gmod"),
            (
                "BACKLINE_AGENT_RCON_ADDRESS",
                &self.game.address.to_string(),
            ),
            ("BACKLINE_AGENT_RCON_PASSWORD", PASSWORD),
            (
                "BACKLINE_AGENT_STATE_DIR",
                self.state.path().to_str().unwrap(),
            ),
            ("BACKLINE_AGENT_COMMAND_TIMEOUT_MILLIS", "2000"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        AgentConfig::load(None, env).expect("a valid configuration")
    }

    pub async fn queue(&self, command: &str) -> i64 {
        let queued = self
            .admin
            .queue_action(&NewAction::command(&self.server_id, command))
            .await
            .unwrap();
        queued.executions[0].id
    }

    pub async fn execution(&self, id: i64) -> backline_client::admin::Execution {
        self.admin.get_execution(id).await.unwrap()
    }
}

/// Runs `story` with a fresh Backline of `backend` and a GMod server registered on it.
pub async fn with_world(backend: Backend, story: impl AsyncFnOnce(&World)) {
    with_world_configured(backend, "gmod", |_| {}, story).await
}

/// [`with_world`] with a server of the game `game` (a key of Backline's games) and Backline's
/// configuration adjusted by `adjust`.
pub async fn with_world_configured(
    backend: Backend,
    game: &str,
    adjust: impl FnOnce(&mut ServerConfig),
    story: impl AsyncFnOnce(&World),
) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let mut config = ServerConfig {
        database_url: db.url.clone(),
        database_max_connections: 4,
        ..ServerConfig::default()
    };
    config.ember.rate_limit_per_minute = 100_000;
    adjust(&mut config);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let prepared = server::prepare(config, listener)
        .await
        .expect("Backline starts");
    let admin_token = prepared
        .generated_admin_token
        .as_ref()
        .map(|t| t.expose().to_owned())
        .unwrap();
    let base = format!("http://{}", prepared.addr);
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(prepared.run(async move {
        let _ = stopped.await;
    }));
    let admin = AdminClient::new(Transport::new(&base).unwrap(), admin_token.as_str());
    let issued = admin
        .create_server(&NewServer {
            name: "Game server 1".into(),
            game: game.into(),
            groups: vec!["eu".into()],
            poll_interval_seconds: Some(1),
            ..NewServer::default()
        })
        .await
        .unwrap();
    let world = World {
        admin,
        base,
        server_id: issued.server.id.clone(),
        token: issued.token.expose().to_owned(),
        game: GmodServer::start().await,
        state: tempfile::tempdir().unwrap(),
    };
    story(&world).await;
    let _ = stop.send(());
    let _ = served.await;
    db.drop_database().await;
}

backline_store::stories!(with_world =>
    queued_commands_reach_the_game_once_and_are_finished,
    players_reach_backline_and_a_kick_removes_one,
    a_banned_player_who_connects_is_kicked,
    failures_and_actions_the_agent_cannot_run_are_execution_errors,
    an_execution_interrupted_by_a_crash_is_reported_and_never_sent_again,
    a_refused_token_stops_the_agent,
    role_changes_become_console_commands_through_the_templates,
);

async fn cycle(agent: &mut Agent) {
    agent
        .cycle(&CancellationToken::new())
        .await
        .expect("a cycle");
}

async fn queued_commands_reach_the_game_once_and_are_finished(world: &World) {
    let first = world.queue("say hello").await;
    let second = world.queue("sv_cheats 0").await;
    let mut agent = Agent::open(&world.config(&[])).unwrap();
    cycle(&mut agent).await;
    assert_eq!(world.game.sent(), ["say hello", "sv_cheats 0"]);
    for id in [first, second] {
        let execution = world.execution(id).await;
        assert_eq!(execution.status, "finished", "{execution:?}");
        assert_eq!(execution.error, None);
    }
    // Nothing is sent again, however often the agent polls.
    cycle(&mut agent).await;
    cycle(&mut agent).await;
    assert_eq!(world.game.sent(), ["say hello", "sv_cheats 0"]);
    assert_eq!(
        agent.interval,
        Duration::from_secs(1),
        "the server's poll interval"
    );
}

async fn players_reach_backline_and_a_kick_removes_one(world: &World) {
    world.game.join(ALICE, "Alice");
    world.game.join(BOB, "Bob");
    let mut agent = Agent::open(&world.config(&[])).unwrap();
    cycle(&mut agent).await;
    // Backline knows where Bob is: a kick finds his server.
    let kick = world
        .admin
        .kick(&Kick {
            source: "steam".into(),
            account_id: BOB.to_string(),
            reason: "AFK".into(),
            server: None,
        })
        .await
        .expect("Bob is connected to the server the agent reports");
    assert_eq!(kick.executions.len(), 1);
    cycle(&mut agent).await;
    let steam2 = format!("STEAM_0:1:{}", (BOB - 76_561_197_960_265_728) / 2);
    assert_eq!(world.game.sent(), [format!("kickid {steam2} \"AFK\"")]);
    assert_eq!(world.game.players(), [ALICE]);
    let execution = world.execution(kick.executions[0].id).await;
    assert_eq!(execution.status, "finished");
    // The next report says Bob left: a kick for him finds no server now.
    cycle(&mut agent).await;
    let again = world
        .admin
        .kick(&Kick {
            source: "steam".into(),
            account_id: BOB.to_string(),
            reason: "AFK".into(),
            server: None,
        })
        .await;
    assert!(again.is_err(), "Bob is offline: {again:?}");
}

async fn a_banned_player_who_connects_is_kicked(world: &World) {
    world
        .admin
        .create_ban(&NewAdminBan {
            source: "steam".into(),
            account_id: ALICE.to_string(),
            scope: BanScope::Global,
            group: None,
            duration_minutes: None,
            reason: "Cheating".into(),
        })
        .await
        .unwrap();
    let mut agent = Agent::open(&world.config(&[])).unwrap();
    cycle(&mut agent).await;
    assert!(world.game.sent().is_empty());
    world.game.join(ALICE, "Alice");
    world.game.join(BOB, "Bob");
    cycle(&mut agent).await;
    let kicks: Vec<String> = world
        .game
        .sent()
        .into_iter()
        .filter(|c| c.starts_with("kickid"))
        .collect();
    assert_eq!(kicks.len(), 1, "one kick: {kicks:?}");
    assert!(kicks[0].contains("Cheating"), "{kicks:?}");
    assert_eq!(world.game.players(), [BOB], "Alice is gone, Bob stays");
}

async fn failures_and_actions_the_agent_cannot_run_are_execution_errors(world: &World) {
    let unknown = world.queue("code_unknown_cmd").await;
    let code = world
        .admin
        .queue_action(&NewAction {
            kind: "code".into(),
            ..NewAction::command(&world.server_id, "print('hi')")
        })
        .await
        .unwrap()
        .executions[0]
        .id;
    let mut agent = Agent::open(&world.config(&[])).unwrap();
    cycle(&mut agent).await;
    let failed = world.execution(unknown).await;
    assert_eq!(failed.status, "failed", "{failed:?}");
    assert!(
        failed
            .error
            .as_deref()
            .unwrap()
            .contains("did not know the command"),
        "{failed:?}"
    );
    let refused = world.execution(code).await;
    assert_eq!(refused.status, "failed", "{refused:?}");
    assert!(refused.error.as_deref().unwrap().contains("code actions"));
    assert_eq!(
        world.game.sent(),
        ["code_unknown_cmd"],
        "code never reaches the console"
    );
}

async fn an_execution_interrupted_by_a_crash_is_reported_and_never_sent_again(world: &World) {
    let id = world.queue("say interrupted").await;
    // The previous agent recorded it as started, and died before the game answered.
    {
        let mut journal = Journal::open(world.state.path()).unwrap();
        journal.begin(ExecutionId(id)).unwrap();
    }
    let mut agent = Agent::open(&world.config(&[])).unwrap();
    cycle(&mut agent).await;
    assert!(world.game.sent().is_empty(), "{:?}", world.game.sent());
    let execution = world.execution(id).await;
    assert_eq!(execution.status, "failed", "{execution:?}");
    assert_eq!(execution.error.as_deref(), Some(OUTCOME_UNKNOWN));
    // A second agent on the same state directory refuses to run.
    let second = Agent::open(&world.config(&[]));
    assert!(matches!(second, Err(AgentError::StateDirectoryLocked(_))));
}

async fn a_refused_token_stops_the_agent(world: &World) {
    let mut agent =
        Agent::open(&world.config(&[("BACKLINE_AGENT_TOKEN", "not-the-token")])).unwrap();
    let error = agent.cycle(&CancellationToken::new()).await.unwrap_err();
    assert!(matches!(error, AgentError::TokenRefused(_)), "{error}");
    assert_eq!(
        backline_agent::exit::Exit::for_error(&error).code(),
        3,
        "exit code 3"
    );
    assert!(agent.check_token().await.is_err());
}

async fn role_changes_become_console_commands_through_the_templates(world: &World) {
    world
        .admin
        .edit_server(
            &world.server_id,
            &ServerEdit {
                role_sync: Some(serde_json::json!({"send": false, "receive": true})),
                ..ServerEdit::default()
            },
        )
        .await
        .unwrap();
    let vip = world
        .admin
        .create_role(&NewRole {
            name: "VIP".into(),
            ingame: "vip".into(),
            ..NewRole::default()
        })
        .await
        .unwrap();
    world.game.join(ALICE, "Alice");
    let mut agent = Agent::open(&world.config(&[
        ("BACKLINE_AGENT_ROLES_GRANT", "sm_addgroup {id} {group}"),
        ("BACKLINE_AGENT_ROLES_REVOKE", "sm_removegroup {id} {group}"),
    ]))
    .unwrap();
    cycle(&mut agent).await;
    world
        .admin
        .grant_role(&vip.id, &Player::new("steam", ALICE.to_string()))
        .await
        .unwrap();
    cycle(&mut agent).await;
    cycle(&mut agent).await;
    let grant = format!("sm_addgroup {ALICE} vip");
    assert_eq!(
        world.game.sent().iter().filter(|c| **c == grant).count(),
        1,
        "{:?}",
        world.game.sent()
    );
    world
        .admin
        .revoke_role(&vip.id, &Player::new("steam", ALICE.to_string()))
        .await
        .unwrap();
    cycle(&mut agent).await;
    cycle(&mut agent).await;
    assert!(
        world
            .game
            .sent()
            .contains(&format!("sm_removegroup {ALICE} vip")),
        "{:?}",
        world.game.sent()
    );
}
