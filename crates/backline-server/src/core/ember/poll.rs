//! `meta` and `poll`: what a game server receives.
//!
//! A poll delivers, in order: the settings when they changed; a kick for each connecting
//! player banned in a scope the server enforces (and nothing else for that player); the
//! exhaustive roles of every other connecting player (when the server receives roles); the
//! executions due, oldest first, each leased to this poll alone.
//!
//! What one poll may report is bounded (`ember.max_players_per_poll`, 1,000 by default; a
//! real server has hundreds of players): a report over it is refused before anything is read
//! or written, so one server token cannot hold the writer with a megabyte of player ids. The
//! work of a poll is then linear in a bounded report, and a report equal to the stored one
//! writes nothing (see the store's poll).
//!
//! A banned player gets one kick per poll: when the poll delivers a kick a ban queued for them,
//! that is the kick.

use super::super::{Core, CoreError, CoreResult};
use backline_domain::accounts::ExternalAccount;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::games::Game;
use backline_domain::ember::roles::{ingame_names, roles_payload, RoleChange};
use backline_domain::ember::servers::GameServer;
use backline_domain::events::EventKind;
use backline_domain::ids::UserId;
use backline_store::{PresenceState, Store};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// The game's kick for a banned player; none when the game has no kick command or the id
/// cannot be put in one (the surfaces refuse such ids before they reach here).
pub(super) fn ban_kick(game: &Game, player: &PlayerRef, reason: &str) -> Option<String> {
    let rendered = player
        .id()
        .map_err(|e| e.to_string())
        .and_then(|id| game.command("kick", &id, reason).map_err(|e| e.to_string()));
    match rendered {
        Ok(command) => Some(command),
        Err(why) => {
            tracing::warn!(source = %player.source, %why, "no kick rendered for a banned player");
            None
        }
    }
}

/// Connecting players from which a poll reads their users in one statement.
const ONE_READ_FROM: usize = 16;

fn settings_action(server: &GameServer) -> Value {
    json!({"type": "settings", "payload": server.settings_payload()})
}

impl<S: Store> Core<S> {
    /// `meta`: the actions asked for by name (`settings`; other names are ignored). Settings
    /// sent here count as delivered: the next poll sends them only when they changed since.
    pub async fn meta(&self, server: &GameServer, names: &[String]) -> CoreResult<Vec<Value>> {
        if !names.iter().any(|n| n == "settings") {
            return Ok(Vec::new());
        }
        self.store
            .mark_settings_delivered(&server.id, server.settings_version)
            .await?;
        Ok(vec![settings_action(server)])
    }

    /// The users of the connecting players, a user made for each account first seen. A few
    /// are looked up one by one, through the credential cache (a warm poll reads nothing);
    /// from [`ONE_READ_FROM`] on, the linked ones are read in one statement instead of one
    /// read each.
    async fn connecting_users(&self, connecting: &[&PlayerRef]) -> CoreResult<Vec<UserId>> {
        let mut users = Vec::with_capacity(connecting.len());
        if connecting.len() < ONE_READ_FROM {
            for player in connecting {
                users.push(self.user_for_player(player).await?.id);
            }
            return Ok(users);
        }
        let accounts: Vec<ExternalAccount> = connecting
            .iter()
            .map(|p| ExternalAccount::new(&p.source, &p.account_id))
            .collect();
        let linked: HashMap<ExternalAccount, UserId> = self
            .store
            .user_ids_by_external(&accounts)
            .await?
            .into_iter()
            .collect();
        for (player, account) in connecting.iter().zip(&accounts) {
            users.push(match linked.get(account) {
                Some(user) => user.clone(),
                None => self.user_for_player(player).await?.id,
            });
        }
        Ok(users)
    }

    /// One poll with the players the server reports.
    pub async fn poll(
        &self,
        server: &GameServer,
        reported: Vec<(PresenceState, PlayerRef)>,
    ) -> CoreResult<Vec<Value>> {
        let max = self.settings.ember.max_players_per_poll;
        if reported.len() > max {
            return Err(CoreError::invalid(
                "players",
                format!("The players field must not have more than {max} items."),
            ));
        }
        // Each player once, the first state given winning: linear in the report.
        let mut seen = HashSet::with_capacity(reported.len());
        let players: Vec<(PresenceState, PlayerRef)> = reported
            .into_iter()
            .filter(|(_, player)| seen.insert(player.clone()))
            .collect();
        drop(seen);
        let now = self.now();
        let lease_until = now.plus_seconds(self.settings.ember.lease_seconds);
        let lease = self
            .store
            .poll(
                server,
                &players,
                now,
                lease_until,
                self.settings.ember.poll_batch,
            )
            .await?;
        let mut actions = Vec::new();
        if lease.settings_due {
            actions.push(settings_action(server));
        }
        let connecting: Vec<&PlayerRef> = players
            .iter()
            .filter(|(s, _)| *s == PresenceState::Connecting)
            .map(|(_, p)| p)
            .collect();
        if !connecting.is_empty() {
            let users = self.connecting_users(&connecting).await?;
            let bans = self.store.bans_of(&users).await?;
            let roles = if server.role_sync.receive {
                self.store.roles_of(&users).await?
            } else {
                Vec::new()
            };
            let game = self.settings.ember.games.get(&server.game);
            for (player, user) in connecting.iter().zip(&users) {
                let ban = bans
                    .iter()
                    .find(|b| &b.user_id == user && b.is_active(now) && b.applies_to(server));
                if let Some(ban) = ban {
                    // One kick per player and poll: a kick a ban queued for this player,
                    // delivered by this poll, is the kick.
                    let queued_kick = lease
                        .executions
                        .iter()
                        .any(|e| e.enforces_ban && e.player.as_ref() == Some(*player));
                    if !queued_kick {
                        if let Some(command) = game.and_then(|g| ban_kick(g, player, &ban.reason)) {
                            actions
                                .push(json!({"type": "command", "payload": {"command": command}}));
                        }
                    }
                    continue;
                }
                if let Some((_, held)) = roles.iter().find(|(u, _)| u == user) {
                    let grant = ingame_names(&held.held, server);
                    let revoke = ingame_names(&held.revoked, server)
                        .into_iter()
                        .filter(|r| !grant.contains(r))
                        .collect();
                    let change = RoleChange { grant, revoke };
                    actions.push(json!({"type": "roles", "payload": roles_payload(&player.source, &player.account_id, true, &change)}));
                }
            }
        }
        actions.extend(lease.executions.iter().map(|e| e.delivered()));
        self.publish_executions(EventKind::ExecutionDelivered, &lease.executions)
            .await;
        Ok(actions)
    }
}
