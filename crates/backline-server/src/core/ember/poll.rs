//! `meta` and `poll`: what a game server receives.
//!
//! A poll delivers, in order: the settings when they changed; a kick for each connecting
//! player banned in a scope the server enforces (and nothing else for that player); the
//! exhaustive roles of every other connecting player (when the server receives roles); the
//! executions due, oldest first, each leased to this poll alone.

use super::super::{Core, CoreResult};
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::roles::{ingame_names, roles_payload, RoleChange};
use backline_domain::ember::servers::GameServer;
use backline_domain::events::EventKind;
use backline_store::{PresenceState, Store};
use serde_json::{json, Value};

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

    /// One poll with the players the server reports.
    pub async fn poll(
        &self,
        server: &GameServer,
        reported: Vec<(PresenceState, PlayerRef)>,
    ) -> CoreResult<Vec<Value>> {
        let mut players: Vec<(PresenceState, PlayerRef)> = Vec::with_capacity(reported.len());
        for (state, player) in reported {
            if !players.iter().any(|(_, p)| p == &player) {
                players.push((state, player));
            }
        }
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
            let mut users = Vec::with_capacity(connecting.len());
            for player in &connecting {
                users.push(self.user_for_player(player).await?.id);
            }
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
                    if let Some(command) =
                        game.and_then(|g| g.command("kick", &player.account_id, &ban.reason))
                    {
                        actions.push(json!({"type": "command", "payload": {"command": command}}));
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
