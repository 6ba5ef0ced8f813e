//! Admin commands of the game integration: servers, roles, actions, executions, bans.

use super::output::{emit, grant, list, or_dash};
use super::*;
use crate::core::access::{Administer, Moderate, View};
use crate::core::ember::executions::Target;
use crate::core::ember::servers::{NewServer, ServerChange};
use crate::core::Core;
use backline_domain::ember::actions::{ActionKind, ExecutionStatus, PlayerRef};
use backline_domain::ember::bans::BanScope;

fn player(text: &str) -> anyhow::Result<PlayerRef> {
    let player = PlayerRef::parse(text).ok_or_else(|| {
        anyhow::anyhow!("`{text}` is not SOURCE:ACCOUNT_ID (for example steam:76561198131926932)")
    })?;
    PlayerRef::checked(&player.source, &player.account_id)
        .map_err(|e| anyhow::anyhow!("`{}`: {e}", text.escape_debug()))
}

pub async fn server(core: &Core, command: ServerCommand, json: bool) -> anyhow::Result<()> {
    match command {
        ServerCommand::Create {
            name,
            game,
            groups,
            poll_interval,
            address,
        } => {
            let issued = core
                .create_server(
                    &grant::<Administer>("server create")?,
                    NewServer {
                        name,
                        game,
                        address,
                        groups,
                        poll_interval_seconds: poll_interval,
                    },
                )
                .await?;
            emit(json, &issued.to_json(), || {
                format!(
                    "server {} created; token (shown once): {}",
                    issued.server.id,
                    issued.token.expose()
                )
            });
        }
        ServerCommand::List => {
            let servers = core.list_servers(&grant::<View>("server list")?).await?;
            emit(json, &list("servers", &servers), || {
                servers
                    .iter()
                    .map(|s| {
                        format!(
                            "{}  {}  game={}  groups={}  last poll={}",
                            s.id,
                            s.name,
                            s.game,
                            s.groups.join(","),
                            or_dash(s.last_poll_at)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ServerCommand::Show { server_id } => {
            let server = core
                .show_server(&grant::<View>("server show")?, &server_id)
                .await?;
            emit(json, &server, || {
                serde_json::to_string_pretty(&server).expect("json")
            });
        }
        ServerCommand::RotateToken { server_id } => {
            let issued = core
                .rotate_server_token(&grant::<Administer>("server rotate-token")?, &server_id)
                .await?;
            emit(json, &issued.to_json(), || {
                format!(
                    "new token for {} (shown once): {}",
                    issued.server.id,
                    issued.token.expose()
                )
            });
        }
        ServerCommand::Set {
            server_id,
            name,
            address,
            groups,
            poll_interval,
            ban_scopes,
            default_ban_group,
            role_sync_send,
            role_sync_receive,
            ban_log,
            may_lift_operator_bans,
        } => {
            let scopes = ban_scopes
                .map(|text| {
                    text.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| {
                            BanScope::parse(s).ok_or_else(|| {
                                anyhow::anyhow!(
                                    "unknown ban scope `{s}`; use global, server or web"
                                )
                            })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()
                })
                .transpose()?;
            let change = ServerChange {
                name,
                address,
                groups: (!groups.is_empty()).then_some(groups),
                poll_interval_seconds: poll_interval,
                enforced_ban_scopes: scopes,
                default_ban_group: default_ban_group.map(Some),
                role_sync_send,
                role_sync_receive,
                ban_log,
                may_lift_operator_bans,
            };
            let server = core
                .change_server(&grant::<Administer>("server set")?, &server_id, change)
                .await?;
            emit(json, &server, || {
                format!(
                    "server {} updated (settings version {})",
                    server.id, server.settings_version
                )
            });
        }
    }
    Ok(())
}

pub async fn role(core: &Core, command: RoleCommand, json: bool) -> anyhow::Result<()> {
    match command {
        RoleCommand::Create {
            name,
            ingame,
            position,
            groups,
        } => {
            let role = core
                .create_role(
                    &grant::<Moderate>("role create")?,
                    &name,
                    &ingame,
                    position,
                    groups,
                )
                .await?;
            emit(json, &role, || {
                format!(
                    "role {} created: {} (in game: {})",
                    role.id, role.name, role.ingame
                )
            });
        }
        RoleCommand::List => {
            let roles = core.list_roles(&grant::<View>("role list")?).await?;
            emit(json, &list("roles", &roles), || {
                roles
                    .iter()
                    .map(|r| format!("{:>4}  {}  in game: {}", r.position, r.name, r.ingame))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        RoleCommand::Grant { player: who, role } => {
            let role = core
                .operator_set_role(
                    &grant::<Moderate>("role grant")?,
                    &player(&who)?,
                    &role,
                    true,
                )
                .await?;
            emit(json, &role, || format!("{} granted to {who}", role.name));
        }
        RoleCommand::Revoke { player: who, role } => {
            let role = core
                .operator_set_role(
                    &grant::<Moderate>("role revoke")?,
                    &player(&who)?,
                    &role,
                    false,
                )
                .await?;
            emit(json, &role, || format!("{} revoked from {who}", role.name));
        }
    }
    Ok(())
}

pub async fn action(core: &Core, command: ActionCommand, json: bool) -> anyhow::Result<()> {
    let ActionCommand::Queue {
        target,
        kind,
        text,
        player: who,
        online,
    } = command;
    let target = match (target.server, target.group) {
        (Some(server), _) => Target::Server(server),
        (None, Some(group)) => Target::Group(group),
        (None, None) => Target::All,
    };
    let kind = match kind {
        ActionTypeArg::Command => ActionKind::Command,
        ActionTypeArg::Code => ActionKind::Code,
    };
    let who = who.map(|w| player(&w)).transpose()?;
    let executions = core
        .queue_action(
            &grant::<Administer>("action queue")?,
            &target,
            kind,
            &text,
            who,
            online,
        )
        .await?;
    emit(json, &list("executions", &executions), || {
        executions
            .iter()
            .map(|e| format!("execution {} queued for server {}", e.id, e.server_id))
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

pub async fn execution(core: &Core, command: ExecutionCommand, json: bool) -> anyhow::Result<()> {
    match command {
        ExecutionCommand::List {
            server,
            status,
            limit,
        } => {
            let status = status
                .map(|s| {
                    ExecutionStatus::parse(&s).ok_or_else(|| {
                        anyhow::anyhow!(
                            "unknown status `{s}`; use queued, leased, finished or failed"
                        )
                    })
                })
                .transpose()?;
            let executions = core
                .list_executions(
                    &grant::<View>("execution list")?,
                    server.as_deref(),
                    status,
                    limit,
                )
                .await?;
            emit(json, &list("executions", &executions), || {
                executions
                    .iter()
                    .map(|e| {
                        format!(
                            "{}  server={}  {}  {}  attempts={}  error={}",
                            e.id,
                            e.server_id,
                            e.kind.as_str(),
                            e.status.as_str(),
                            e.attempts,
                            or_dash(e.error.as_deref())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ExecutionCommand::Rerun { execution_id } => {
            let execution = core
                .rerun_execution(&grant::<Moderate>("execution rerun")?, execution_id)
                .await?;
            emit(json, &execution, || {
                format!(
                    "execution {} queued (re-run of {execution_id})",
                    execution.id
                )
            });
        }
    }
    Ok(())
}

pub async fn ban(core: &Core, command: BanCommand, json: bool) -> anyhow::Result<()> {
    let BanCommand::List { player: who } = command;
    let bans = core
        .bans_of_player(&grant::<View>("ban list")?, &player(&who)?)
        .await?;
    emit(json, &list("bans", &bans), || {
        bans.iter()
            .map(|b| {
                format!(
                    "{}  {}  reason={}  expires={}  lifted={}",
                    b.id,
                    b.scope.as_str(),
                    b.reason,
                    or_dash(b.expires_at),
                    or_dash(b.lifted_at)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
