//! The `backline` command line: `serve`, `migrate`, and admin commands that work directly on
//! the database (also while a server runs on it).

mod admin;
mod admin_tokens;
mod audit;
pub mod audit_export;
mod backup;
mod ember;
mod evr;
mod output;
mod password;
mod serve;
mod spectra;
mod systemd;
mod users;

use crate::config::{Config, Overrides};
use clap::{Args, Parser, Subcommand, ValueEnum};
pub use evr::{BroadcasterCommand, EvrCommand, EvrMatchCommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "backline",
    version,
    about = "Self-hosted backend for game servers and esports tooling"
)]
pub struct Cli {
    /// TOML configuration file (defaults, then this file, then BACKLINE_* variables, then flags).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB (overrides the configuration).
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (all surfaces on one listener).
    Serve {
        /// Address to listen on (default 127.0.0.1:7350).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Apply or list database migrations.
    Migrate {
        #[arg(value_enum)]
        action: MigrateAction,
    },
    /// Write a consistent copy of the SQLite database to FILE, also while a server runs and
    /// writes (PostgreSQL: use pg_dump, see docs/operations.md).
    Backup {
        /// The backup file to write; it must not exist.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Put a backup in place of the SQLite database (stop the server first).
    Restore {
        /// The backup file (from `backline backup` or the scheduled backups).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Replace a database that holds data.
        #[arg(long)]
        force: bool,
    },
    /// Organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Organisations' access keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// API tokens of client programs (Spectra backend and stats tokens).
    #[command(subcommand)]
    Token(TokenCommand),
    /// The Riot player registry.
    #[command(subcommand)]
    Player(PlayerCommand),
    /// Spectra matches and their statistics.
    #[command(subcommand)]
    Match(MatchCommand),
    /// Player-cam sessions, cameras and name overrides.
    #[command(subcommand)]
    Playercam(PlayercamCommand),
    /// The admin API token.
    #[command(subcommand)]
    AdminToken(AdminTokenCommand),
    /// The audit log of admin writes.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// User accounts (shared by every surface).
    #[command(subcommand)]
    User(UserCommand),
    /// The Nakama-compatible surface.
    #[command(subcommand)]
    Nakama(NakamaCommand),
    /// Game servers of the game integration API.
    #[command(subcommand)]
    Server(ServerCommand),
    /// Roles and who holds them.
    #[command(subcommand)]
    Role(RoleCommand),
    /// Actions queued for game servers.
    #[command(subcommand)]
    Action(ActionCommand),
    /// Executions of actions.
    #[command(subcommand)]
    Execution(ExecutionCommand),
    /// Bans.
    #[command(subcommand)]
    Ban(BanCommand),
    /// EVR broadcasters: game servers registered to host matches.
    #[command(subcommand)]
    Broadcaster(evr::BroadcasterCommand),
    /// The EVR surface's matches.
    #[command(subcommand)]
    Evr(evr::EvrCommand),
}

#[derive(Subcommand, Debug)]
pub enum ServerCommand {
    /// Create a server; prints it with its id and token (shown once).
    Create {
        name: String,
        /// Game key: gmod, rust, csgo, minecraft, or one from the configuration.
        #[arg(long)]
        game: String,
        /// Server group (repeatable).
        #[arg(long = "group")]
        groups: Vec<String>,
        #[arg(long, value_name = "SECONDS")]
        poll_interval: Option<i64>,
        #[arg(long)]
        address: Option<String>,
    },
    List,
    Show {
        server_id: String,
    },
    /// Issue a new token; the old one stops working.
    RotateToken {
        server_id: String,
    },
    /// Change settings (delivered with the next poll).
    Set {
        server_id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// Replaces the groups (repeatable).
        #[arg(long = "group")]
        groups: Vec<String>,
        #[arg(long, value_name = "SECONDS")]
        poll_interval: Option<i64>,
        /// Enforced ban scopes, comma-separated: global,server,web.
        #[arg(long, value_name = "SCOPES")]
        ban_scopes: Option<String>,
        #[arg(long, value_name = "GROUP")]
        default_ban_group: Option<String>,
        #[arg(long, value_name = "BOOL")]
        role_sync_send: Option<bool>,
        #[arg(long, value_name = "BOOL")]
        role_sync_receive: Option<bool>,
        #[arg(long, value_name = "BOOL")]
        ban_log: Option<bool>,
        /// Whether the server's unban (`DELETE …/bans`) also lifts operators' bans.
        #[arg(long, value_name = "BOOL")]
        may_lift_operator_bans: Option<bool>,
    },
}

#[derive(Subcommand, Debug)]
pub enum RoleCommand {
    /// Create a role; lower positions are more privileged.
    Create {
        name: String,
        /// The exact in-game group name.
        #[arg(long)]
        ingame: String,
        #[arg(long, default_value_t = 100)]
        position: i64,
        /// Limit the role to a server group (repeatable).
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    List,
    /// Grant a role to a player's user (SOURCE:ACCOUNT_ID).
    Grant {
        player: String,
        role: String,
    },
    /// Revoke a role from a player's user (SOURCE:ACCOUNT_ID).
    Revoke {
        player: String,
        role: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ActionTypeArg {
    Command,
    Code,
}

#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct ActionTarget {
    /// One server.
    #[arg(long, value_name = "SERVER_ID")]
    pub server: Option<String>,
    /// Every server in a group.
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Every server.
    #[arg(long)]
    pub all: bool,
}

#[derive(Subcommand, Debug)]
pub enum ActionCommand {
    /// Queue a console command or code for servers, optionally about one player.
    Queue {
        #[command(flatten)]
        target: ActionTarget,
        #[arg(long = "type", value_enum)]
        kind: ActionTypeArg,
        #[arg(long)]
        text: String,
        /// The player it concerns (SOURCE:ACCOUNT_ID).
        #[arg(long)]
        player: Option<String>,
        /// Deliver only while the player is connecting or connected.
        #[arg(long)]
        online: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExecutionCommand {
    List {
        #[arg(long, value_name = "SERVER_ID")]
        server: Option<String>,
        /// queued, leased, finished or failed.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Run a finished or failed execution again (as a new execution).
    Rerun { execution_id: i64 },
}

#[derive(Subcommand, Debug)]
pub enum BanCommand {
    /// A player's bans (SOURCE:ACCOUNT_ID).
    List { player: String },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; prints it with its id.
    Create {
        username: String,
        /// The password (prefer --password-stdin or the prompt: arguments are visible in
        /// shell history and process lists).
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        email: Option<String>,
        #[arg(long, value_name = "ID")]
        discord_id: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Show a user (by id or username).
    Show { user: String },
    /// Set a user's password: as an argument, with --password-stdin, or at a prompt.
    Password {
        user: String,
        #[arg(conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Link an external account (`discord`, `evr`, `steam`, …) to a user.
    Link {
        user: String,
        source: String,
        account_id: String,
    },
    /// Unlink an external account from a user.
    Unlink {
        user: String,
        source: String,
        account_id: String,
    },
    /// System groups: Global Bots, Global Developers, Global Operators, Global Private Data Access.
    #[command(subcommand)]
    Group(UserGroupCommand),
    /// Disable a user: their sessions stop working at once.
    Disable { user: String },
    /// Enable a disabled user again.
    Enable { user: String },
}

#[derive(Subcommand, Debug)]
pub enum UserGroupCommand {
    Add { user: String, group: String },
    Remove { user: String, group: String },
}

#[derive(Subcommand, Debug)]
pub enum NakamaCommand {
    /// Print the server key and the http key.
    Keys,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum MigrateAction {
    Up,
    Status,
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organisation; prints it with its id.
    Create {
        name: String,
        /// Make it a supporter until this instant (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        supporter_until: Option<String>,
    },
    /// List organisations.
    List,
    /// Set the supporter status.
    Supporter {
        org_id: String,
        #[command(flatten)]
        status: SupporterStatus,
    },
}

#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct SupporterStatus {
    /// Supporter until this instant (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub until: Option<String>,
    /// Supporter with no end date.
    #[arg(long)]
    pub forever: bool,
    /// Not a supporter.
    #[arg(long)]
    pub off: bool,
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Issue an access key; prints the key once.
    Issue {
        org_id: String,
        #[arg(long, value_name = "RFC3339")]
        expires_at: Option<String>,
    },
    /// List access keys (never the keys themselves).
    List {
        #[arg(long, value_name = "ORG_ID")]
        org: Option<String>,
    },
    /// Revoke a key, named by its id or by the key itself.
    Revoke { key_or_id: String },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum TokenKindArg {
    SpectraBackend,
    SpectraStats,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Issue a token; prints it once.
    Issue {
        #[arg(value_enum)]
        kind: TokenKindArg,
        #[arg(long)]
        name: Option<String>,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke a token by id.
    Revoke { token_id: String },
}

#[derive(Subcommand, Debug)]
pub enum PlayerCommand {
    /// List known players, most recently seen first.
    List {
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Set a player's region, name or MMR tiers (creates the player if unknown).
    Set {
        puuid: String,
        /// eu, na, ap, kr, latam or br.
        #[arg(long)]
        region: Option<String>,
        /// Riot id, Name#TAG.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        current_tier: Option<i64>,
        #[arg(long)]
        peak_tier: Option<i64>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsFormat {
    Json,
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum MatchCommand {
    /// List matches, most recently updated first.
    List {
        /// registered, live, completed or abandoned.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, value_name = "ORG_ID")]
        org: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Show a match: every observer's record with its latest snapshot.
    Show { match_id: String },
    /// Export a match's statistics (computed now if they never were).
    Stats {
        match_id: String,
        #[arg(long, value_enum, default_value_t = StatsFormat::Json)]
        format: StatsFormat,
        /// Compute them again from the latest snapshot.
        #[arg(long)]
        recompute: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum PlayercamCommand {
    /// Create a session for an organisation; prints identifier and secret once.
    Create { org_id: String },
    /// List sessions.
    List {
        #[arg(long, value_name = "ORG_ID")]
        org: Option<String>,
    },
    /// Show a session's players.
    Show { identifier: String },
    /// Turn cameras on for players (Name#TAG).
    Enable {
        identifier: String,
        #[arg(required = true)]
        players: Vec<String>,
    },
    /// Turn cameras off for players (Name#TAG).
    Disable {
        identifier: String,
        #[arg(required = true)]
        players: Vec<String>,
    },
    /// Set or clear the name shown for a player.
    Override {
        identifier: String,
        player: String,
        #[arg(required_unless_present = "clear")]
        display_name: Option<String>,
        #[arg(long, conflicts_with = "display_name")]
        clear: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminTokenCommand {
    /// Give the `bootstrap` owner token a new secret; prints it once.
    Rotate,
    /// Issue a named admin token with a role; prints it once.
    Issue {
        name: String,
        #[arg(long, value_enum)]
        role: AdminRoleArg,
    },
    /// List the admin tokens (never the tokens themselves).
    List,
    /// Revoke an admin token, named by id or name.
    Revoke { id_or_name: String },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum AdminRoleArg {
    Owner,
    Moderator,
    Viewer,
}

#[derive(Args, Debug)]
pub struct AuditListArgs {
    #[arg(long)]
    pub actor: Option<String>,
    #[arg(long)]
    pub entity_type: Option<String>,
    #[arg(long)]
    pub entity_id: Option<String>,
    #[arg(long)]
    pub action: Option<String>,
    /// RFC 3339.
    #[arg(long)]
    pub since: Option<String>,
    /// RFC 3339 (exclusive).
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long)]
    pub cursor: Option<String>,
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// List the audit log, newest first; `--cursor` takes a page's `next_cursor`.
    List(AuditListArgs),
    /// Write the audit log out, newest first, as JSON lines or CSV (e.g. before retention
    /// prunes it), page by page.
    Export {
        #[arg(long, value_enum)]
        format: audit_export::ExportFormat,
        /// Only entries written before this date (midnight UTC) or RFC 3339 time.
        #[arg(long)]
        before: Option<String>,
        /// The file to write (replaced); standard output when absent.
        #[arg(long)]
        to: Option<PathBuf>,
    },
}

/// Runs the parsed command line; the process exit code follows the result.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = Overrides {
        listen: match &cli.command {
            Command::Serve { listen } => *listen,
            _ => None,
        },
        database_url: cli.database.clone(),
    };
    let config = Config::load(cli.config.as_deref(), std::env::vars(), &overrides)?;
    match cli.command {
        Command::Serve { .. } => serve::run(config).await,
        Command::Backup { to } => {
            serve::init_logging(&config, true);
            backup::backup(&config, &to, cli.json).await
        }
        Command::Restore { from, force } => {
            serve::init_logging(&config, true);
            backup::restore(&config, &from, force, cli.json).await
        }
        command => {
            serve::init_logging(&config, true);
            admin::run(config, command, cli.json).await
        }
    }
}
