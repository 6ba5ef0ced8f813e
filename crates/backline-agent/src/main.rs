//! `backline-agent`: the command line. `check` connects to the game console and reads the
//! players; `run` will run the Backline poll loop once it is wired (see `docs/agent.md`).

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
/// Exit codes: 0 ok, 1 other failure, 2 configuration, 3 Backline refused the token (not yet
/// used), 4 game unreachable or RCON password refused.
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
    /// Connect to the game console, log in, and run the player command: prints the players
    /// found. Exits 0 when the console works, 2 for a configuration error, 4 when the game is
    /// unreachable or refuses the password. (It does not contact Backline yet.)
    Check,
    /// NOT YET WIRED: the Backline poll loop (poll, run commands at most once, finish) is
    /// not part of this build. This command only says so and exits 2.
    Run {
        /// Run one poll cycle and exit (once the loop exists).
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
    let environment = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)));
    let config = match AgentConfig::load(cli.config.as_deref(), environment) {
        Ok(config) => config,
        Err(error) => return fail(&error),
    };
    match cli.command {
        Command::Check => {
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
            match runtime.block_on(check(&config)) {
                Ok(()) => Exit::Ok.into(),
                Err(error) => fail(&error),
            }
        }
        Command::Run { once } => {
            eprintln!(
                "backline-agent: `run{}` is not available yet: the Backline poll loop is not \
                 wired in this build (it will use the backline-client crate). Use `check` to \
                 test the game console.",
                if once { " --once" } else { "" }
            );
            Exit::Configuration.into()
        }
    }
}

/// Prints `error` and returns its exit code.
fn fail(error: &AgentError) -> ExitCode {
    eprintln!("backline-agent: {error}");
    Exit::for_error(error).into()
}

/// Connects to the console and reads the players once.
async fn check(config: &AgentConfig) -> Result<(), AgentError> {
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
