//! `backline-agent`: the command line. `check` checks the Backline token (when configured)
//! and connects to the game console and reads the players; `run` runs the poll loop
//! (see `docs/agent.md`).

use std::path::PathBuf;
use std::process::ExitCode;

use backline_agent::config::AgentConfig;
use backline_agent::console::AnyConsole;
use backline_agent::exit::Exit;
use backline_agent::AgentError;
use clap::{Parser, Subcommand};

/// Drives one game server's console for Backline (Source RCON, Minecraft RCON, Rust's
/// WebRCON, Quake 3 RCON, or a local command).
///
/// Configuration comes from the file given with --config and from BACKLINE_AGENT_*
/// environment variables (docs/agent.md lists them). Secrets (the RCON password, the Backline
/// token) are never command-line arguments.
///
/// Exit codes: 0 ok, 1 other failure, 2 configuration, 3 Backline refused the token, 4 game
/// unreachable or RCON password refused.
#[derive(Debug, Parser)]
#[command(name = "backline-agent", version)]
struct Cli {
    /// A TOML configuration file; BACKLINE_AGENT_* variables override its values.
    #[arg(
        long,
        global = true,
        env = "BACKLINE_AGENT_CONFIG",
        value_name = "FILE"
    )]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the Backline token (when a URL and token are configured), connect to the game
    /// console, log in, and run the player command: prints the players found. Exits 0 when
    /// both work, 2 for a configuration error, 3 when Backline refuses the token, 4 when the
    /// game is unreachable or refuses the password.
    Check,
    /// Poll Backline and run what it sends on the game, each command at most once, until
    /// SIGTERM or Ctrl-C (the command in progress finishes; exit 0).
    Run {
        /// Run one poll cycle and exit.
        #[arg(long)]
        once: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BACKLINE_AGENT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let environment = match environment() {
        Ok(environment) => environment,
        Err(error) => return fail(&error),
    };
    let config = match AgentConfig::load(cli.config.as_deref(), environment) {
        Ok(config) => config,
        Err(error) => return fail(&error),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("backline-agent: cannot start the async runtime: {error}");
            return Exit::Failure.into();
        }
    };
    let outcome = match cli.command {
        Command::Check => runtime.block_on(check(&config)),
        Command::Run { once } => runtime.block_on(async {
            let stop = backline_agent::run::stop_on_signals();
            backline_agent::run::run(&config, once, stop).await
        }),
    };
    match outcome {
        Ok(()) => Exit::Ok.into(),
        Err(error) => fail(&error),
    }
}

/// The process environment as text. A variable that is not UTF-8 is left out unless it is
/// one of the agent's (`BACKLINE_AGENT_…`), which is a configuration error rather than a
/// setting silently missing (a password, say).
fn environment() -> Result<Vec<(String, String)>, AgentError> {
    let mut environment = Vec::new();
    for (name, value) in std::env::vars_os() {
        match (name.into_string(), value.into_string()) {
            (Ok(name), Ok(value)) => environment.push((name, value)),
            (Ok(name), Err(_)) if name.starts_with(backline_agent::config::PREFIX) => {
                return Err(AgentError::Configuration(format!(
                    "{name} is not UTF-8 text"
                )));
            }
            _ => {}
        }
    }
    Ok(environment)
}

/// Prints `error` and returns its exit code.
fn fail(error: &AgentError) -> ExitCode {
    eprintln!("backline-agent: {error}");
    Exit::for_error(error).into()
}

/// Checks the token with Backline (when configured), then connects to the console and reads
/// the players once.
async fn check(config: &AgentConfig) -> Result<(), AgentError> {
    if config.url.is_some() || config.token.is_some() {
        let (url, token) = config.backline()?;
        let transport = backline_client::Transport::new(&url)
            .map_err(|e| AgentError::Configuration(format!("the Backline URL `{url}`: {e}")))?;
        backline_client::game::GameClient::new(transport, token.expose())
            .meta()
            .await
            .map_err(backline_agent::cycle::from_client)?;
        println!("ok: Backline at {url} takes the token");
    }
    let mut console = AnyConsole::from_config(config)?;
    if !console.answers() {
        if let AnyConsole::Exec(exec) = &console {
            exec.protocol().program_found()?;
        }
        println!(
            "ok: {}; commands are typed, not answered, so players are not read",
            console.describe()
        );
        return Ok(());
    }
    let reader = config.player_reader()?;
    console.connect().await?;
    let players = reader.read(&mut console).await?;
    println!(
        "ok: {}; `{}` lists {} player(s) of source {}",
        console.describe(),
        reader.command(),
        players.len(),
        reader.source()
    );
    for player in &players {
        println!("{}", player.id);
    }
    Ok(())
}
