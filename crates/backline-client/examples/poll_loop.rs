//! A minimal game-server loop on the game integration: report the players, run the actions,
//! finish each one, and poll again when Backline says.
//!
//! ```sh
//! BACKLINE_URL=http://127.0.0.1:7350 BACKLINE_TOKEN=... \
//!     cargo run -p backline-client --example poll_loop
//! ```
//!
//! It "runs" a command by printing it; a real integration sends it to the game (that is what
//! `backline-agent` does over RCON).

use backline_client::game::{Action, GameClient, Presence};
use backline_client::Transport;
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("BACKLINE_URL").unwrap_or_else(|_| "http://127.0.0.1:7350".into());
    let token = std::env::var("BACKLINE_TOKEN")?;
    let game = GameClient::new(Transport::new(&url)?, token);

    let mut players = Presence::new();
    players.connected("steam", "76561198131926932");
    for _ in 0..3 {
        let poll = game.poll(&players).await?;
        for action in poll.actions {
            let outcome = match &action {
                Action::Command { command, .. } => {
                    println!("would run: {command}");
                    None
                }
                Action::Settings(settings) => {
                    println!("settings: {settings:?}");
                    None
                }
                Action::Roles { change, .. } => {
                    println!(
                        "roles for {:?}: +{:?} -{:?}",
                        change.player, change.grant, change.revoke
                    );
                    None
                }
                Action::Code { .. } => Some("code actions are not supported here"),
                Action::Unknown { kind, .. } => {
                    println!("ignoring an action of type {kind}");
                    Some("unknown action type")
                }
            };
            if let Some(id) = action.execution_id() {
                game.finish(id, outcome).await?;
            }
        }
        let wait = poll.next_poll.unwrap_or(Duration::from_secs(10));
        tokio::time::sleep(wait).await;
    }
    Ok(())
}
