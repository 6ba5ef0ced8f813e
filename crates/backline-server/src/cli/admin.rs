//! Running a command: opens the database named by the configuration and dispatches to the
//! command's area (each calls one core use case, which records its own change in the audit
//! log, and prints the result).

use super::output::{emit, grant};
use super::*;
use crate::core::access::Administer;
use crate::core::Core;
use crate::server::{open_core, open_store};
use backline_store::SqlStore;
use serde_json::json;

pub async fn run(config: Config, command: Command, json: bool) -> anyhow::Result<()> {
    // `migrate` looks at the database as it is; every other command migrates first.
    if let Command::Migrate { action } = command {
        let store = open_store(&config).await?;
        let result = migrate(&store, action, json).await;
        store.close().await;
        return result;
    }
    let (core, generated) = open_core(&config).await?;
    if generated.any() {
        eprintln!(
            "note: this command generated the Nakama keys; `backline nakama keys` shows them"
        );
    }
    let result = dispatch(&core, &config, command, json).await;
    core.store.close().await;
    result
}

async fn dispatch(
    core: &Core,
    config: &Config,
    command: Command,
    json: bool,
) -> anyhow::Result<()> {
    match command {
        Command::Serve { .. } => unreachable!("serve is handled by cli::run"),
        Command::Migrate { .. } => unreachable!("migrate is handled by run"),
        Command::Backup { .. } | Command::Restore { .. } => {
            unreachable!("backup and restore are handled by cli::run")
        }
        Command::Org(c) => super::spectra::org(core, c, json).await,
        Command::Key(c) => super::spectra::key(core, c, json).await,
        Command::Token(c) => super::spectra::token(core, c, json).await,
        Command::Player(c) => super::spectra::player(core, c, json).await,
        Command::Match(c) => super::spectra::matches(core, c, json).await,
        Command::Playercam(c) => super::spectra::playercam(core, c, json).await,
        Command::User(c) => super::users::user(core, c, json).await,
        Command::Server(c) => super::ember::server(core, c, json).await,
        Command::Role(c) => super::ember::role(core, c, json).await,
        Command::Action(c) => super::ember::action(core, c, json).await,
        Command::Execution(c) => super::ember::execution(core, c, json).await,
        Command::Ban(c) => super::ember::ban(core, c, json).await,
        Command::Broadcaster(c) => super::evr::broadcaster(core, c, json).await,
        Command::Evr(c) => super::evr::evr(core, c, json).await,
        Command::Nakama(NakamaCommand::Keys) => {
            let report =
                core.nakama_key_report(&grant::<Administer>("nakama keys")?, &config.nakama);
            // The report holds both keys' values (only the session key's may be left out).
            let server_key = report
                .server_key
                .value
                .as_deref()
                .unwrap_or(&core.keys.server_key);
            let http_key = report
                .http_key
                .value
                .as_deref()
                .unwrap_or(&core.keys.http_key);
            let keys = json!({ "server_key": server_key, "http_key": http_key });
            emit(json, &keys, || {
                format!("server key: {server_key}\nhttp key:   {http_key}")
            });
            Ok(())
        }
        Command::AdminToken(c) => super::admin_tokens::admin_token(core, c, json).await,
        Command::Audit(c) => super::audit::audit(core, c, json).await,
    }
}

async fn migrate(store: &SqlStore, action: MigrateAction, json: bool) -> anyhow::Result<()> {
    if let MigrateAction::Up = action {
        store.migrate().await?;
    }
    let states = store.migration_status().await?;
    let label = match action {
        MigrateAction::Up => "applied",
        MigrateAction::Status => "status",
    };
    let rows: Vec<_> = states
        .iter()
        .map(|m| json!({"version": m.version, "description": m.description, "applied": m.applied}))
        .collect();
    emit(
        json,
        &json!({ "backend": store.backend().name(), "migrations": rows }),
        || {
            let mut text = format!("{label} ({}):", store.backend().name());
            for m in &states {
                let mark = if m.applied { "applied" } else { "pending" };
                text.push_str(&format!(
                    "\n  {:>4}  {mark:<8} {}",
                    m.version, m.description
                ));
            }
            text
        },
    );
    Ok(())
}
