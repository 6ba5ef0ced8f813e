//! Bans reported by game servers (and operators), and lifting them.

use super::super::{Core, CoreError, CoreResult};
use backline_domain::ember::actions::{ActionKind, PlayerRef};
use backline_domain::ember::bans::{Ban, BanScope};
use backline_domain::ember::servers::GameServer;
use backline_domain::events::EventKind;
use backline_domain::ids::BanId;
use backline_domain::Timestamp;
use backline_store::{BanStore, NewExecution};
use serde_json::json;

/// A ban as a server reports it.
#[derive(Clone, Debug)]
pub struct NewBan {
    pub player: PlayerRef,
    pub admin: Option<PlayerRef>,
    /// Absent or 0: permanent.
    pub duration_minutes: Option<i64>,
    pub reason: String,
    pub scope: BanScope,
}

impl Core {
    /// Records a ban issued from `server` and queues a kick on every server where the player
    /// is connected now and the ban applies.
    pub async fn create_ban(&self, server: &GameServer, new: NewBan) -> CoreResult<Ban> {
        let minutes = new.duration_minutes.unwrap_or(0);
        if minutes < 0 {
            return Err(CoreError::invalid(
                "duration_minutes",
                "The duration minutes field must be at least 0.",
            ));
        }
        if new.reason.chars().count() > 1000 {
            return Err(CoreError::invalid(
                "reason",
                "The reason field must not be greater than 1000 characters.",
            ));
        }
        let user = self.user_for_player(&new.player).await?;
        let admin = match &new.admin {
            Some(admin) => Some(self.user_for_player(admin).await?.id),
            None => None,
        };
        let server_group = match new.scope {
            BanScope::Server => Some(
                server
                    .ban_group()
                    .ok_or_else(|| {
                        CoreError::invalid(
                            "scope",
                            "this server has no server group for server bans",
                        )
                    })?
                    .to_owned(),
            ),
            _ => None,
        };
        let now = Timestamp::now();
        let ban = Ban {
            id: BanId::generate(),
            user_id: user.id,
            source: new.player.source.clone(),
            account_id: new.player.account_id.clone(),
            scope: new.scope,
            server_group,
            admin_user_id: admin,
            reason: new.reason,
            created_at: now,
            expires_at: (minutes > 0).then(|| now.plus_seconds(minutes.saturating_mul(60))),
            lifted_at: None,
        };
        self.store.insert_ban(&ban).await?;
        self.publish_ban(EventKind::BanCreated, &ban).await;
        for target in self.servers_with(&new.player).await? {
            if !ban.applies_to(&target) {
                continue;
            }
            let Some(game) = self.settings.ember.games.get(&target.game) else {
                continue;
            };
            if let Some(command) = game.command("kick", &new.player.account_id, &ban.reason) {
                // Marked as the ban's own kick: delivered while the player is banned, when
                // every other execution about them is held.
                self.queue_new(
                    std::slice::from_ref(&target.id),
                    &NewExecution {
                        kind: ActionKind::Command,
                        payload: &json!({"command": command}),
                        player: Some(&new.player),
                        require_online: true,
                        rerun_of: None,
                        enforces_ban: true,
                    },
                )
                .await?;
            }
        }
        Ok(ban)
    }

    /// Lifts the player's active bans this server may lift; how many.
    pub async fn lift_bans(&self, server: &GameServer, player: &PlayerRef) -> CoreResult<usize> {
        let user = self.user_for_player(player).await?;
        let now = Timestamp::now();
        let lifted: Vec<Ban> = self
            .store
            .bans_of(std::slice::from_ref(&user.id))
            .await?
            .into_iter()
            .filter(|b| b.is_active(now) && b.liftable_by(server))
            .collect();
        let ids: Vec<BanId> = lifted.iter().map(|b| b.id.clone()).collect();
        self.store.lift_bans(&ids, now).await?;
        for ban in &lifted {
            self.publish_ban(EventKind::BanLifted, ban).await;
        }
        Ok(ids.len())
    }

    /// The bans of a player (operators).
    pub async fn bans_of_player(&self, player: &PlayerRef) -> CoreResult<Vec<Ban>> {
        let user = self.user_for_player(player).await?;
        Ok(self.store.bans_of(&[user.id]).await?)
    }
}
