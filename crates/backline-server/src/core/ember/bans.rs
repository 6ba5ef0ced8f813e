//! Bans reported by game servers (and operators), and lifting them.

use super::super::page::{time_key, Page, PageRequest};
use super::super::{Core, CoreError, CoreResult};
use crate::core::access::{Grant, Moderate, View};
use crate::core::audit::Audited;
use crate::core::Entity;
use backline_domain::accounts::ExternalAccount;
use backline_domain::admin::AuditEntry;
use backline_domain::ember::actions::{ActionKind, PlayerRef};
use backline_domain::ember::bans::{Ban, BanIssuer, BanReach, BanScope, BanStatus};
use backline_domain::ember::servers::GameServer;
use backline_domain::events::EventKind;
use backline_domain::ids::{ActionId, BanId, ServerId};
use backline_store::{BanFilter, NewExecution, Store};
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

/// A ban an operator issues (admin API, console).
#[derive(Clone, Debug)]
pub struct OperatorBan {
    pub player: PlayerRef,
    pub scope: BanScope,
    /// For `server` bans: the server group the ban applies to (required for them, refused
    /// for the others).
    pub group: Option<String>,
    /// Absent or 0: permanent.
    pub duration_minutes: Option<i64>,
    pub reason: String,
}

/// Which bans an operator lists; every `Some` narrows the list.
#[derive(Clone, Debug, Default)]
pub struct BanQuery {
    /// Bans of this player's user.
    pub player: Option<PlayerRef>,
    pub status: Option<BanStatus>,
    pub scope: Option<BanScope>,
    /// Bans this server enforces.
    pub server: Option<ServerId>,
    /// A case-insensitive part of the reason.
    pub reason: Option<String>,
}

/// The longest ban with an end, in minutes: 100 years. Longer is what a permanent ban (0) is
/// for; without a bound, the end of a ban for `i64::MAX` minutes cannot be written as a time.
pub const MAX_BAN_MINUTES: i64 = 100 * 365 * 24 * 60;

/// The duration in minutes (0: permanent) of a ban, checked along with its reason.
fn check_ban(duration_minutes: Option<i64>, reason: &str) -> CoreResult<i64> {
    let minutes = duration_minutes.unwrap_or(0);
    if minutes < 0 {
        return Err(CoreError::invalid(
            "duration_minutes",
            "The duration minutes field must be at least 0.",
        ));
    }
    if minutes > MAX_BAN_MINUTES {
        return Err(CoreError::invalid(
            "duration_minutes",
            format!("The duration minutes field must not be greater than {MAX_BAN_MINUTES}."),
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(CoreError::invalid(
            "reason",
            "The reason field must not be greater than 1000 characters.",
        ));
    }
    Ok(minutes)
}

impl<S: Store> Core<S> {
    /// Records a ban issued from `server` and queues a kick on every server where the player
    /// is connected now and the ban applies.
    pub async fn create_ban(&self, server: &GameServer, new: NewBan) -> CoreResult<Ban> {
        let minutes = check_ban(new.duration_minutes, &new.reason)?;
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
        let now = self.now();
        let ban = Ban {
            id: BanId::generate(),
            user_id: user.id,
            source: new.player.source.clone(),
            account_id: new.player.account_id.clone(),
            scope: new.scope,
            server_group,
            admin_user_id: admin,
            issued_by: BanIssuer::Server,
            reason: new.reason,
            created_at: now,
            expires_at: (minutes > 0).then(|| now.plus_seconds(minutes.saturating_mul(60))),
            lifted_at: None,
        };
        self.record_ban(&ban, &new.player, None).await?;
        Ok(ban)
    }

    /// Records an operator's ban and, as for a server's ban, queues a kick on every server
    /// where the player is connected now and the ban applies.
    pub async fn create_operator_ban(
        &self,
        grant: &Grant<Moderate>,
        new: OperatorBan,
    ) -> CoreResult<Ban> {
        let player =
            crate::core::ember::players::player(&new.player.source, &new.player.account_id)?;
        let minutes = check_ban(new.duration_minutes, &new.reason)?;
        let group = new
            .group
            .map(|g| g.trim().to_owned())
            .filter(|g| !g.is_empty());
        let server_group = match (new.scope, group) {
            (BanScope::Server, Some(group)) => Some(group),
            (BanScope::Server, None) => {
                return Err(CoreError::invalid(
                    "group",
                    "a server ban needs the server group it applies to",
                ))
            }
            (_, Some(_)) => {
                return Err(CoreError::invalid(
                    "group",
                    "only server bans apply to a server group",
                ))
            }
            (_, None) => None,
        };
        let user = self.user_for_player(&player).await?;
        let now = self.now();
        let ban = Ban {
            id: BanId::generate(),
            user_id: user.id,
            source: player.source.clone(),
            account_id: player.account_id.clone(),
            scope: new.scope,
            server_group,
            admin_user_id: None,
            issued_by: BanIssuer::Operator,
            reason: new.reason.trim().to_owned(),
            created_at: now,
            expires_at: (minutes > 0).then(|| now.plus_seconds(minutes.saturating_mul(60))),
            lifted_at: None,
        };
        let audit = grant.audit(now, Audited::Bans, Some(ban.id.to_string()));
        self.record_ban(&ban, &player, Some(&audit)).await?;
        Ok(ban)
    }

    /// Stores a ban (with the operator's audit entry, if an operator made it) and queues its
    /// kicks (one action) where the player is connected now and the ban applies.
    async fn record_ban(
        &self,
        ban: &Ban,
        player: &PlayerRef,
        audit: Option<&AuditEntry>,
    ) -> CoreResult<()> {
        self.store.insert_ban(ban, audit).await?;
        self.publish_ban(EventKind::BanCreated, ban).await;
        let action = ActionId::generate();
        for target in self.servers_with(player).await? {
            if !ban.applies_to(&target) {
                continue;
            }
            let Some(game) = self.settings.ember.games.get(&target.game) else {
                continue;
            };
            if let Some(command) = super::poll::ban_kick(game, player, &ban.reason) {
                // Marked as the ban's own kick: delivered while the player is banned, when
                // every other execution about them is held. Queued once per server and
                // player while one is pending (the store leaves out a second).
                self.queue_new(
                    std::slice::from_ref(&target.id),
                    &NewExecution {
                        kind: ActionKind::Command,
                        payload: &json!({"command": command}),
                        player: Some(player),
                        require_online: true,
                        rerun_of: None,
                        enforces_ban: true,
                        action: Some(&action),
                    },
                    None,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Lifts the player's active bans this server may lift; how many.
    pub async fn lift_bans(&self, server: &GameServer, player: &PlayerRef) -> CoreResult<usize> {
        let user = self.user_for_player(player).await?;
        let now = self.now();
        let lifted: Vec<Ban> = self
            .store
            .bans_of(std::slice::from_ref(&user.id))
            .await?
            .into_iter()
            .filter(|b| b.is_active(now) && b.liftable_by(server))
            .collect();
        let ids: Vec<BanId> = lifted.iter().map(|b| b.id.clone()).collect();
        self.store.lift_bans(&ids, now, None).await?;
        for ban in &lifted {
            self.publish_ban(EventKind::BanLifted, ban).await;
        }
        Ok(ids.len())
    }

    /// The bans of a player (operators).
    pub async fn bans_of_player(
        &self,
        _: &Grant<View>,
        player: &PlayerRef,
    ) -> CoreResult<Vec<Ban>> {
        let user = self.user_for_player(player).await?;
        Ok(self.store.bans_of(&[user.id]).await?)
    }

    /// Bans matching `query`, newest first, in pages. A player never seen has no bans.
    pub async fn list_bans(
        &self,
        _: &Grant<View>,
        query: &BanQuery,
        request: &PageRequest,
    ) -> CoreResult<Page<Ban>> {
        let after = request
            .time_cursor()?
            .map(|(at, id)| (at, BanId::from_string(id)));
        let user = match &query.player {
            Some(player) => {
                let account = ExternalAccount::new(&player.source, &player.account_id);
                match self.store.find_user_by_external(&account).await? {
                    Some(user) => Some(user.id),
                    None => return Ok(request.page(Vec::new(), |_: &Ban| String::new())),
                }
            }
            None => None,
        };
        let reach = match &query.server {
            Some(id) => Some(BanReach::of(&self.get_server(id.as_str()).await?)),
            None => None,
        };
        let filter = BanFilter {
            user,
            status: query.status,
            scope: query.scope,
            reach,
            reason_contains: query.reason.clone().filter(|r| !r.is_empty()),
        };
        let bans = self
            .store
            .filter_bans(&filter, self.now(), after.as_ref(), request.fetch())
            .await?;
        Ok(request.page(bans, |b| time_key(b.created_at, b.id.as_str())))
    }

    /// A ban, by id.
    pub async fn get_ban(&self, _: &Grant<View>, id: &BanId) -> CoreResult<Ban> {
        self.find_ban(id).await
    }

    async fn find_ban(&self, id: &BanId) -> CoreResult<Ban> {
        self.store
            .get_ban(id)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Ban, id))
    }

    /// Lifts a ban (an operator may lift any); lifting a lifted ban changes nothing. The
    /// executions the ban held are delivered from the player's next poll on.
    /// Lifting is audited either way.
    pub async fn lift_ban(&self, grant: &Grant<Moderate>, id: &BanId) -> CoreResult<Ban> {
        let ban = self.find_ban(id).await?;
        let now = self.now();
        let audit = grant.audit(now, Audited::Bans, Some(ban.id.to_string()));
        if ban.lifted_at.is_some() {
            self.store.insert_audit(&audit).await?;
            return Ok(ban);
        }
        self.store
            .lift_bans(std::slice::from_ref(&ban.id), now, Some(&audit))
            .await?;
        let lifted = self.find_ban(id).await?;
        self.publish_ban(EventKind::BanLifted, &lifted).await;
        Ok(lifted)
    }
}
