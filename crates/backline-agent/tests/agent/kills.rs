//! The `backline-agent` binary as a process between a real Backline and the GMod console of
//! `gmod.rs`: `run --once`, SIGTERM, and SIGKILL.
//!
//! At most once, across SIGKILL: the `backline-agent` binary runs a batch of queued commands
//! against the GMod console of `gmod.rs` and a real Backline, and is killed with SIGKILL at
//! random moments (20 times), restarted each time on the same state directory. Every command
//! reaches the game at most once; every execution ends finished or failed; those that ended
//! in doubt are reported as such (`outcome unknown`), never sent again; and a finished
//! execution's command arrived exactly once.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use backline_agent::journal::OUTCOME_UNKNOWN;
use backline_store::Backend;
use rand::Rng;

use crate::backline::{with_world_configured, World};
use crate::support::eventually;

const COMMANDS: usize = 40;
const KILLS: usize = 20;

fn spawn(world: &World) -> tokio::process::Child {
    spawn_command(world).spawn().expect("the agent starts")
}

/// `backline-agent run` for `world`, its output discarded.
fn spawn_command(world: &World) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_backline-agent"));
    command
        .arg("run")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("BACKLINE_AGENT_LOG", "warn")
        .env("BACKLINE_AGENT_URL", &world.base)
        .env("BACKLINE_AGENT_TOKEN", &world.token)
        .env("BACKLINE_AGENT_PROTOCOL", "source")
        .env("BACKLINE_AGENT_GAME", "gmod")
        .env(
            "BACKLINE_AGENT_RCON_ADDRESS",
            world.game.address.to_string(),
        )
        .env("BACKLINE_AGENT_RCON_PASSWORD", crate::gmod::PASSWORD)
        .env("BACKLINE_AGENT_STATE_DIR", world.state.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    command
}

/// A random moment up to ~0.6 s, waited in short steps.
async fn random_moment() {
    let steps = rand::thread_rng().gen_range(0..12);
    for _ in 0..steps {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_commands_reach_the_game_at_most_once_across_20_sigkills() {
    with_world_configured(
        Backend::Sqlite,
        "gmod",
        |config| config.ember.lease_seconds = 1,
        async |world: &World| {
            world.game.state.lock().unwrap().slow_say = true;
            let mut ids = Vec::new();
            for i in 0..COMMANDS {
                ids.push((world.queue(&format!("say batch {i}")).await, i));
            }
            for _ in 0..KILLS {
                let mut agent = spawn(world);
                random_moment().await;
                agent.start_kill().expect("SIGKILL");
                agent.wait().await.expect("the agent is gone");
            }
            let sent_during_kills = world.game.sent().len();
            // Then one agent runs until Backline has an end for every execution.
            let mut agent = spawn(world);
            let ids = &ids;
            let ends = eventually(
                Duration::from_secs(60),
                "every execution ended",
                || async move {
                    let mut ends = BTreeMap::new();
                    for (id, i) in ids {
                        let execution = world.execution(*id).await;
                        if !["finished", "failed"].contains(&execution.status.as_str()) {
                            return None;
                        }
                        ends.insert(*i, (execution.status, execution.error));
                    }
                    Some(ends)
                },
            )
            .await;
            agent.start_kill().unwrap();
            agent.wait().await.unwrap();
            let sent = world.game.sent();
            let mut in_doubt = 0;
            for (i, (status, error)) in &ends {
                let command = format!("say batch {i}");
                let arrived = sent.iter().filter(|c| **c == command).count();
                assert!(arrived <= 1, "{command} arrived {arrived} times");
                match (status.as_str(), error.as_deref()) {
                    ("finished", None) => assert_eq!(arrived, 1, "{command} finished"),
                    ("failed", Some(error)) => {
                        assert!(
                            error == OUTCOME_UNKNOWN || error.starts_with("outcome unknown"),
                            "{command}: {error}"
                        );
                        in_doubt += 1;
                    }
                    other => panic!("{command}: {other:?}"),
                }
            }
            let finished = ends.values().filter(|(s, _)| s == "finished").count();
            eprintln!(
                "{KILLS} kills: {finished} finished, {in_doubt} in doubt, {} sent while killed \
                 agents ran",
                sent_during_kills
            );
            assert!(in_doubt <= KILLS, "{in_doubt} in doubt after {KILLS} kills");
            assert!(sent_during_kills > 0, "the kills fell on running batches");
            assert!(
                ends.values().filter(|(s, _)| s == "finished").count() >= COMMANDS - KILLS,
                "{ends:?}"
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_running_command_finish_and_exits_0() {
    with_world_configured(
        Backend::Sqlite,
        "gmod",
        |_| {},
        async |world: &World| {
            world.game.state.lock().unwrap().slow_say = true;
            let mut ids = Vec::new();
            for i in 0..10 {
                ids.push(world.queue(&format!("say term {i}")).await);
            }
            let mut agent = spawn(world);
            eventually(Duration::from_secs(20), "a command arrived", || async {
                (!world.game.sent().is_empty()).then_some(())
            })
            .await;
            let pid = agent.id().expect("running");
            let status = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .unwrap();
            assert!(status.success());
            let exit = tokio::time::timeout(Duration::from_secs(10), agent.wait())
                .await
                .expect("the agent stops")
                .unwrap();
            assert_eq!(exit.code(), Some(0));
            let sent = world.game.sent();
            assert!(
                sent.len() < ids.len(),
                "it stopped before the end: {sent:?}"
            );
            for (i, id) in ids.iter().enumerate() {
                let execution = world.execution(*id).await;
                if sent.contains(&format!("say term {i}")) {
                    assert_eq!(execution.status, "finished", "{execution:?}");
                } else {
                    assert_ne!(execution.status, "finished", "{execution:?}");
                }
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_runs_one_cycle_and_exits_0() {
    with_world_configured(
        Backend::Sqlite,
        "gmod",
        |_| {},
        async |world: &World| {
            let first = world.queue("say once 1").await;
            let second = world.queue("say once 2").await;
            let mut command = spawn_command(world);
            let output = command.arg("--once").output().await.unwrap();
            assert_eq!(
                output.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert_eq!(world.game.sent(), ["say once 1", "say once 2"]);
            for id in [first, second] {
                assert_eq!(world.execution(id).await.status, "finished");
            }
        },
    )
    .await;
}
