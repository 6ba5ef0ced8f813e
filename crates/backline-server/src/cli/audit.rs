//! `backline audit list`, and what each CLI write records in the audit log.
//!
//! Every CLI write is recorded with the actor `cli` and the source `cli`, its action named
//! after the command (`org create`), and the entity's id when the command names it. Secrets
//! given as arguments (an access key to revoke, a password) are never recorded.

use super::output::{emit, or_dash};
use super::*;
use crate::core::audit::AuditRecord;
use crate::core::page::PageRequest;
use crate::core::Core;
use backline_domain::Timestamp;
use backline_store::AuditFilter;

pub async fn audit(core: &Core, command: AuditCommand, json: bool) -> anyhow::Result<()> {
    let AuditCommand::List {
        actor,
        entity_type,
        entity_id,
        action,
        since,
        until,
        cursor,
        limit,
    } = command;
    let time = |t: Option<String>| -> anyhow::Result<Option<Timestamp>> {
        Ok(t.as_deref().map(Timestamp::parse_rfc3339).transpose()?)
    };
    let filter = AuditFilter {
        actor,
        entity_type,
        entity_id,
        action,
        since: time(since)?,
        until: time(until)?,
        ..AuditFilter::default()
    };
    let page = core
        .list_audit(filter, &PageRequest::new(Some(limit), cursor)?)
        .await?;
    emit(json, &page, || {
        let mut lines: Vec<String> = page
            .items
            .iter()
            .map(|e| {
                format!(
                    "{}  {}  {}  {}  {}  {}",
                    e.at,
                    e.actor,
                    e.source,
                    e.action,
                    e.entity_type,
                    or_dash(e.entity_id.as_deref())
                )
            })
            .collect();
        if let Some(cursor) = &page.next_cursor {
            lines.push(format!("more: --cursor {cursor}"));
        }
        lines.join("\n")
    });
    Ok(())
}

/// The audit record of a command that writes; `None` for reads.
pub fn write_of(command: &Command) -> Option<AuditRecord> {
    let (action, entity, id): (&str, &str, Option<&str>) = match command {
        Command::Org(OrgCommand::Create { .. }) => ("org create", "orgs", None),
        Command::Org(OrgCommand::Supporter { org_id, .. }) => {
            ("org supporter", "orgs", Some(org_id))
        }
        Command::Key(KeyCommand::Issue { org_id, .. }) => ("key issue", "orgs", Some(org_id)),
        // The argument may be the key itself: not recorded.
        Command::Key(KeyCommand::Revoke { .. }) => ("key revoke", "keys", None),
        Command::Token(TokenCommand::Issue { .. }) => ("token issue", "tokens", None),
        Command::Token(TokenCommand::Revoke { token_id }) => {
            ("token revoke", "tokens", Some(token_id))
        }
        Command::Player(PlayerCommand::Set { puuid, .. }) => ("player set", "players", Some(puuid)),
        Command::Match(MatchCommand::Stats {
            match_id,
            recompute: true,
            ..
        }) => ("match stats recompute", "matches", Some(match_id)),
        Command::Playercam(c) => match c {
            PlayercamCommand::Create { org_id } => ("playercam create", "orgs", Some(org_id)),
            PlayercamCommand::Enable { identifier, .. } => {
                ("playercam enable", "playercam-sessions", Some(identifier))
            }
            PlayercamCommand::Disable { identifier, .. } => {
                ("playercam disable", "playercam-sessions", Some(identifier))
            }
            PlayercamCommand::Override { identifier, .. } => {
                ("playercam override", "playercam-sessions", Some(identifier))
            }
            _ => return None,
        },
        Command::AdminToken(c) => match c {
            AdminTokenCommand::Rotate => ("admin-token rotate", "admin-tokens", Some("bootstrap")),
            AdminTokenCommand::Issue { name, .. } => {
                ("admin-token issue", "admin-tokens", Some(name))
            }
            AdminTokenCommand::Revoke { id_or_name } => {
                ("admin-token revoke", "admin-tokens", Some(id_or_name))
            }
            AdminTokenCommand::List => return None,
        },
        Command::User(c) => match c {
            UserCommand::Create { username, .. } => ("user create", "users", Some(username)),
            UserCommand::Password { user, .. } => ("user password", "users", Some(user)),
            UserCommand::Link { user, .. } => ("user link", "users", Some(user)),
            UserCommand::Unlink { user, .. } => ("user unlink", "users", Some(user)),
            UserCommand::Group(UserGroupCommand::Add { user, .. }) => {
                ("user group add", "users", Some(user))
            }
            UserCommand::Group(UserGroupCommand::Remove { user, .. }) => {
                ("user group remove", "users", Some(user))
            }
            UserCommand::Disable { user } => ("user disable", "users", Some(user)),
            UserCommand::Enable { user } => ("user enable", "users", Some(user)),
            UserCommand::Show { .. } => return None,
        },
        Command::Server(c) => match c {
            ServerCommand::Create { .. } => ("server create", "servers", None),
            ServerCommand::RotateToken { server_id } => {
                ("server rotate-token", "servers", Some(server_id))
            }
            ServerCommand::Set { server_id, .. } => ("server set", "servers", Some(server_id)),
            ServerCommand::List | ServerCommand::Show { .. } => return None,
        },
        Command::Role(c) => match c {
            RoleCommand::Create { name, .. } => ("role create", "roles", Some(name)),
            RoleCommand::Grant { role, .. } => ("role grant", "roles", Some(role)),
            RoleCommand::Revoke { role, .. } => ("role revoke", "roles", Some(role)),
            RoleCommand::List => return None,
        },
        Command::Action(ActionCommand::Queue { .. }) => ("action queue", "executions", None),
        Command::Broadcaster(BroadcasterCommand::Remove { sid }) => {
            ("broadcaster remove", "broadcasters", Some(sid))
        }
        Command::Evr(EvrCommand::Match(EvrMatchCommand::End { match_id })) => {
            ("evr match end", "evr-matches", Some(match_id))
        }
        _ => return rerun(command),
    };
    Some(AuditRecord::cli(action, entity, id.map(str::to_owned)))
}

fn rerun(command: &Command) -> Option<AuditRecord> {
    match command {
        Command::Execution(ExecutionCommand::Rerun { execution_id }) => Some(AuditRecord::cli(
            "execution rerun",
            "executions",
            Some(execution_id.to_string()),
        )),
        _ => None,
    }
}
