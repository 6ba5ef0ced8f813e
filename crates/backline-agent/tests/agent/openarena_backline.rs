//! The whole path on a real game server: Backline (SQLite and PostgreSQL) → the agent →
//! OpenArena over Quake 3 RCON. Commands queued on Backline run there (its log shows
//! `Rcon from …`), the bots they add reach Backline's presence, a kick from Backline removes
//! one, and a wrong RCON password stops the agent with exit code 4.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use backline_agent::cycle::Agent;
use backline_agent::exit::Exit;
use backline_agent::AgentError;
use backline_client::admin::Kick;
use backline_domain::ember::games::Game;
use backline_store::Backend;
use tokio_util::sync::CancellationToken;

use crate::backline::{with_world_configured, World};
use crate::openarena::{installed, OpenArena, PASSWORD};

backline_store::stories!(with_openarena_world =>
    commands_players_and_kicks_travel_between_backline_and_openarena,
);

async fn with_openarena_world(backend: Backend, story: impl AsyncFnOnce(&World)) {
    if !installed() {
        return;
    }
    let add_openarena = |config: &mut backline_server::config::Config| {
        config.ember.games.insert(
            "openarena".into(),
            Game {
                name: "OpenArena".into(),
                source: "quake3".into(),
                commands: BTreeMap::from([("kick".into(), "kick {account_id}".into())]),
            },
        );
    };
    with_world_configured(backend, "openarena", add_openarena, story).await
}

fn config(world: &World, port: u16, password: &str) -> backline_agent::config::AgentConfig {
    let address = format!("127.0.0.1:{port}");
    world.config(&[
        ("BACKLINE_AGENT_PROTOCOL", "quake3"),
        ("BACKLINE_AGENT_GAME", "openarena"),
        ("BACKLINE_AGENT_RCON_ADDRESS", &address),
        ("BACKLINE_AGENT_RCON_PASSWORD", password),
        ("BACKLINE_AGENT_CONNECT_TIMEOUT_MILLIS", "1000"),
    ])
}

/// Cycles until `done` holds after a cycle (20 s at most); the last report's player count.
async fn cycle_until(agent: &mut Agent, what: &str, mut done: impl FnMut(usize) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let report = agent.cycle(&CancellationToken::new()).await;
        if let Ok(report) = &report {
            if done(report.players) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{what}: last cycle {report:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn commands_players_and_kicks_travel_between_backline_and_openarena(world: &World) {
    let server = OpenArena::start();
    let mut agent = Agent::open(&config(world, server.port, PASSWORD)).unwrap();
    // The server is up once a cycle reads its (empty) player list.
    cycle_until(&mut agent, "OpenArena answers", |players| players == 0).await;

    let sarge = world.queue("addbot sarge").await;
    let grism = world.queue("addbot grism").await;
    cycle_until(&mut agent, "two bots reported", |players| players == 2).await;
    for id in [sarge, grism] {
        let execution = world.execution(id).await;
        assert_eq!(execution.status, "finished", "{execution:?}");
    }
    assert!(server.logged("Rcon from 127.0.0.1"));
    assert!(server.logged("addbot sarge") && server.logged("addbot grism"));

    // Backline knows where Grism is: its kick goes to this server and removes him.
    let kick = world
        .admin
        .kick(&Kick {
            source: "quake3".into(),
            account_id: "Grism".into(),
            reason: "test".into(),
            server: None,
        })
        .await
        .expect("Grism is connected to the server the agent reports");
    cycle_until(&mut agent, "one bot left", |players| players == 1).await;
    assert_eq!(
        world.execution(kick.executions[0].id).await.status,
        "finished"
    );
    assert!(server.logged("kick Grism"));

    // A wrong RCON password: the agent stops with exit code 4, Backline is not polled.
    let other = tempfile::tempdir().unwrap();
    let other_dir = other.path().to_str().unwrap().to_owned();
    let mut wrong_config = config(world, server.port, "not-the-password");
    wrong_config.state_dir = Some(other_dir.into());
    let mut wrong = Agent::open(&wrong_config).unwrap();
    let error = wrong.cycle(&CancellationToken::new()).await.unwrap_err();
    assert!(matches!(error, AgentError::PasswordRefused(_)), "{error}");
    assert_eq!(Exit::for_error(&error), Exit::GameUnreachable);
    assert!(server.logged("Bad rcon from 127.0.0.1"));
}
