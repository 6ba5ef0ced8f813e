//! Roles: created by operators, granted and revoked by operators and by game servers.

use super::super::page::{key_cursor, Page, PageRequest};
use super::super::{Core, CoreError, CoreResult};
use crate::core::access::{Grant, Moderate, View};
use crate::core::audit::Audited;
use crate::core::Entity;
use backline_domain::accounts::{ExternalAccount, User};
use backline_domain::admin::AuditEntry;
use backline_domain::ember::actions::{ActionKind, PlayerRef};
use backline_domain::ember::roles::{roles_payload, Role, RoleChange, RoleHolder};
use backline_domain::ember::servers::GameServer;
use backline_domain::ids::{RoleId, UserId};
use backline_store::{Store, StoreError};
use serde::Serialize;

/// Which roles an operator lists; every `Some` narrows the list.
#[derive(Clone, Debug, Default)]
pub struct RoleQuery {
    /// A case-insensitive part of the name or the in-game equivalent.
    pub name: Option<String>,
    /// Roles that sync to servers of this group (roles limited to no group sync everywhere).
    pub group: Option<String>,
    /// Roles this player's user holds now.
    pub player: Option<PlayerRef>,
}

/// A change to a role; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct RoleEdit {
    pub name: Option<String>,
    pub ingame: Option<String>,
    pub position: Option<i64>,
    pub groups: Option<Vec<String>>,
}

/// A player's grant of a role, after an operator granted or revoked it.
#[derive(Clone, Debug, Serialize)]
pub struct RoleGrant {
    /// The role's id.
    pub id: RoleId,
    pub role: String,
    pub user_id: UserId,
    pub player: PlayerRef,
    /// Whether the user holds the role now.
    pub held: bool,
    /// Whether this request changed that (servers that receive roles were told).
    pub changed: bool,
}

fn check_role_text(field: &'static str, text: &str) -> CoreResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 64 {
        return Err(CoreError::invalid(field, "must be 1 to 64 characters"));
    }
    Ok(text.to_owned())
}

fn role_groups(groups: Vec<String>) -> CoreResult<Vec<String>> {
    if groups.len() > super::servers::MAX_GROUPS {
        return Err(CoreError::invalid(
            "groups",
            format!("at most {} groups", super::servers::MAX_GROUPS),
        ));
    }
    let mut groups: Vec<String> = groups
        .into_iter()
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty())
        .collect();
    groups.dedup();
    Ok(groups)
}

fn conflict(e: StoreError) -> CoreError {
    match e {
        StoreError::Conflict(msg) => CoreError::Conflict(msg),
        other => other.into(),
    }
}

impl<S: Store> Core<S> {
    /// Creates a role.
    pub async fn create_role(
        &self,
        grant: &Grant<Moderate>,
        name: &str,
        ingame: &str,
        position: i64,
        groups: Vec<String>,
    ) -> CoreResult<Role> {
        if name.trim().is_empty()
            || ingame.trim().is_empty()
            || name.trim().chars().count() > 64
            || ingame.trim().chars().count() > 64
        {
            return Err(CoreError::invalid(
                "name",
                "name and in-game equivalent must be 1 to 64 characters",
            ));
        }
        let role = Role {
            id: RoleId::generate(),
            name: name.trim().to_owned(),
            ingame: ingame.trim().to_owned(),
            position,
            server_groups: role_groups(groups)?,
        };
        let audit = grant.audit(self.now(), Audited::Roles, Some(role.id.to_string()));
        self.store
            .insert_role(&role, Some(&audit))
            .await
            .map_err(conflict)?;
        Ok(role)
    }

    /// A role, by id.
    pub async fn get_role(&self, _: &Grant<View>, id: &RoleId) -> CoreResult<Role> {
        self.find_role(id).await
    }

    async fn find_role(&self, id: &RoleId) -> CoreResult<Role> {
        self.store
            .list_roles()
            .await?
            .into_iter()
            .find(|r| &r.id == id)
            .ok_or_else(|| CoreError::not_found(Entity::Role, id))
    }

    /// Roles matching `query`, most privileged first (position, then name), in pages (the
    /// cursor is the last role's position and name).
    pub async fn list_roles_page(
        &self,
        _: &Grant<View>,
        query: &RoleQuery,
        request: &PageRequest,
    ) -> CoreResult<Page<Role>> {
        let after = request
            .key_cursor(2)?
            .map(|key| {
                let position = key[0].parse::<i64>().map_err(|_| {
                    CoreError::invalid("cursor", "not a cursor Backline handed out")
                })?;
                Ok::<_, CoreError>((position, key[1].clone()))
            })
            .transpose()?;
        let roles = match &query.player {
            Some(player) => {
                let account = ExternalAccount::new(&player.source, &player.account_id);
                match self.store.find_user_by_external(&account).await? {
                    Some(user) => self
                        .store
                        .roles_of(std::slice::from_ref(&user.id))
                        .await?
                        .into_iter()
                        .flat_map(|(_, roles)| roles.held)
                        .collect(),
                    None => Vec::new(),
                }
            }
            None => self.store.list_roles().await?,
        };
        let needle = query.name.as_deref().map(str::to_lowercase);
        let mut roles: Vec<Role> = roles
            .into_iter()
            .filter(|r| {
                needle.as_deref().is_none_or(|n| {
                    r.name.to_lowercase().contains(n) || r.ingame.to_lowercase().contains(n)
                })
            })
            .filter(|r| {
                query
                    .group
                    .as_ref()
                    .is_none_or(|g| r.server_groups.is_empty() || r.server_groups.contains(g))
            })
            .filter(|r| {
                after.as_ref().is_none_or(|(position, name)| {
                    (r.position, r.name.as_str()) > (*position, name.as_str())
                })
            })
            .collect();
        roles.sort_by(|a, b| (a.position, &a.name).cmp(&(b.position, &b.name)));
        roles.truncate(request.fetch() as usize);
        Ok(request.page(roles, |r| key_cursor(&[&r.position.to_string(), &r.name])))
    }

    /// Changes a role. Servers learn the new in-game equivalent or groups with the next
    /// exhaustive sync of each player (when the player connects).
    pub async fn change_role(
        &self,
        grant: &Grant<Moderate>,
        id: &RoleId,
        edit: RoleEdit,
    ) -> CoreResult<Role> {
        let mut role = self.find_role(id).await?;
        if let Some(name) = edit.name {
            role.name = check_role_text("name", &name)?;
        }
        if let Some(ingame) = edit.ingame {
            role.ingame = check_role_text("ingame", &ingame)?;
        }
        if let Some(position) = edit.position {
            role.position = position;
        }
        if let Some(groups) = edit.groups {
            role.server_groups = role_groups(groups)?;
        }
        let audit = grant.audit(self.now(), Audited::Roles, Some(role.id.to_string()));
        let updated = self.store.update_role(&role, Some(&audit)).await;
        updated.map_err(|e| match e {
            StoreError::NotFound => CoreError::not_found(Entity::Role, id),
            other => conflict(other),
        })?;
        Ok(role)
    }

    /// Puts every role in this order, most privileged first (positions 1, 2, …); the list
    /// must name each role exactly once. The audit entry names no role: it is all of them.
    pub async fn reorder_roles(
        &self,
        grant: &Grant<Moderate>,
        order: &[RoleId],
    ) -> CoreResult<Vec<Role>> {
        let roles = self.store.list_roles().await?;
        if let Some(unknown) = order.iter().find(|id| !roles.iter().any(|r| &r.id == *id)) {
            return Err(CoreError::not_found(Entity::Role, unknown));
        }
        let mut named: Vec<&RoleId> = order.iter().collect();
        named.sort();
        named.dedup();
        if named.len() != order.len() || order.len() != roles.len() {
            return Err(CoreError::invalid(
                "role_ids",
                "must name every role exactly once",
            ));
        }
        let audit = grant.audit(self.now(), Audited::Roles, None);
        let reordered = self.store.reorder_roles(order, Some(&audit)).await;
        reordered.map_err(|e| match e {
            StoreError::NotFound => CoreError::none_found(Entity::Role),
            other => other.into(),
        })?;
        Ok(self.store.list_roles().await?)
    }

    /// Grants (or revokes) a role to a player's user as an operator, exactly as `backline
    /// role grant|revoke` does: servers that receive roles get a partial `roles` action.
    /// Audited (naming the role) even when the player held it already, or did not.
    pub async fn set_role_grant(
        &self,
        grant: &Grant<Moderate>,
        id: &RoleId,
        player: &PlayerRef,
        granted: bool,
    ) -> CoreResult<RoleGrant> {
        let player = crate::core::ember::players::player(&player.source, &player.account_id)?;
        let role = self.find_role(id).await?;
        let user = self.user_for_player(&player).await?;
        let audit = grant.audit(self.now(), Audited::Roles, Some(role.id.to_string()));
        let changed = self
            .apply_role(&user, &role, granted, None, Some(&audit))
            .await?;
        Ok(RoleGrant {
            id: role.id,
            role: role.name,
            user_id: user.id,
            player,
            held: granted,
            changed,
        })
    }

    /// The users holding a role now, in pages (by user id).
    pub async fn role_holders(
        &self,
        _: &Grant<View>,
        id: &RoleId,
        request: &PageRequest,
    ) -> CoreResult<Page<RoleHolder>> {
        let role = self.find_role(id).await?;
        let after = request.cursor.clone().map(UserId::from_string);
        let holders = self
            .store
            .role_holders(&role.id, after.as_ref(), request.fetch())
            .await?;
        Ok(request.page(holders, |h| h.user_id.to_string()))
    }

    /// Every role, most privileged first.
    pub async fn list_roles(&self, _: &Grant<View>) -> CoreResult<Vec<Role>> {
        Ok(self.store.list_roles().await?)
    }

    async fn role_where(
        &self,
        field: &'static str,
        pick: impl Fn(&Role) -> bool,
    ) -> CoreResult<Role> {
        self.store
            .list_roles()
            .await?
            .into_iter()
            .find(|r| pick(r))
            .ok_or_else(|| CoreError::invalid(field, format!("The selected {field} is invalid.")))
    }

    /// Grants (or revokes) a role by name, as an operator; servers that receive roles get a
    /// partial `roles` action for each of the user's accounts in their game. Audited (naming
    /// the role) even when that changed nothing.
    pub async fn operator_set_role(
        &self,
        grant: &Grant<Moderate>,
        player: &PlayerRef,
        role_name: &str,
        granted: bool,
    ) -> CoreResult<Role> {
        let role = self.role_where("role", |r| r.name == role_name).await?;
        let user = self.user_for_player(player).await?;
        let audit = grant.audit(self.now(), Audited::Roles, Some(role.id.to_string()));
        self.apply_role(&user, &role, granted, None, Some(&audit))
            .await?;
        Ok(role)
    }

    /// Queues partial roles actions for a change of `role` on every server (but `except`)
    /// that receives roles, where the role syncs, for the user's accounts in that game.
    async fn queue_partial_roles(
        &self,
        user: &User,
        role: &Role,
        granted: bool,
        except: Option<&GameServer>,
    ) -> CoreResult<()> {
        let accounts = self.store.external_accounts(&user.id).await?;
        for server in self.store.list_servers().await? {
            if !server.role_sync.receive
                || !role.syncs_to(&server)
                || except.is_some_and(|e| e.id == server.id)
            {
                continue;
            }
            let Some(game) = self.settings.ember.games.get(&server.game) else {
                continue;
            };
            for account in accounts.iter().filter(|a| a.source == game.source) {
                let change = if granted {
                    RoleChange {
                        grant: vec![role.ingame.clone()],
                        revoke: vec![],
                    }
                } else {
                    RoleChange {
                        grant: vec![],
                        revoke: vec![role.ingame.clone()],
                    }
                };
                let payload = roles_payload(&account.source, &account.account_id, false, &change);
                let player = PlayerRef {
                    source: account.source.clone(),
                    account_id: account.account_id.clone(),
                };
                self.queue_payload(
                    std::slice::from_ref(&server.id),
                    ActionKind::Roles,
                    &payload,
                    Some(&player),
                    false,
                    None,
                )
                .await?;
            }
        }
        Ok(())
    }

    fn require_send(server: &GameServer) -> CoreResult<()> {
        if server.role_sync.send {
            Ok(())
        } else {
            Err(CoreError::RolesNotSent)
        }
    }

    /// Grants or revokes `role`; when that changed something, tells the servers that receive
    /// roles (all but `except`). Whether it changed something. An operator's `audit` entry is
    /// recorded with the grant or revocation, whether or not it changed something.
    async fn apply_role(
        &self,
        user: &User,
        role: &Role,
        granted: bool,
        except: Option<&GameServer>,
        audit: Option<&AuditEntry>,
    ) -> CoreResult<bool> {
        let now = self.now();
        let changed = if granted {
            self.store
                .grant_role(&user.id, &role.id, now, audit)
                .await?
        } else {
            self.store
                .revoke_role(&user.id, &role.id, now, audit)
                .await?
        };
        if changed {
            self.queue_partial_roles(user, role, granted, except)
                .await?;
        }
        Ok(changed)
    }

    /// `POST …/roles` and `DELETE …/roles/{ingame}` (multi-role games): the game granted or
    /// removed the in-game group `ingame`.
    pub async fn server_set_role(
        &self,
        server: &GameServer,
        player: &PlayerRef,
        ingame: &str,
        granted: bool,
    ) -> CoreResult<()> {
        Self::require_send(server)?;
        let role = self
            .role_where("name", |r| r.ingame == ingame && r.syncs_to(server))
            .await?;
        let user = self.user_for_player(player).await?;
        self.apply_role(&user, &role, granted, Some(server), None)
            .await
            .map(|_| ())
    }

    /// `GET …/primaryrole`: the highest role the user holds that syncs to this server.
    pub async fn primary_role(
        &self,
        server: &GameServer,
        player: &PlayerRef,
    ) -> CoreResult<Option<String>> {
        let user = self.user_for_player(player).await?;
        let roles = self.store.roles_of(std::slice::from_ref(&user.id)).await?;
        let held = roles
            .into_iter()
            .next()
            .map(|(_, r)| r.held)
            .unwrap_or_default();
        Ok(held
            .into_iter()
            .filter(|r| r.syncs_to(server))
            .min_by_key(|r| r.position)
            .map(|r| r.ingame))
    }

    /// `POST …/primaryrole` (single-role games): grants the role and revokes the user's roles
    /// below it that sync to this server.
    pub async fn set_primary_role(
        &self,
        server: &GameServer,
        player: &PlayerRef,
        ingame: &str,
    ) -> CoreResult<()> {
        Self::require_send(server)?;
        let role = self
            .role_where("name", |r| r.ingame == ingame && r.syncs_to(server))
            .await?;
        let user = self.user_for_player(player).await?;
        self.apply_role(&user, &role, true, Some(server), None)
            .await?;
        let roles = self.store.roles_of(std::slice::from_ref(&user.id)).await?;
        let held = roles
            .into_iter()
            .next()
            .map(|(_, r)| r.held)
            .unwrap_or_default();
        for lower in held
            .iter()
            .filter(|r| r.position > role.position && r.syncs_to(server))
        {
            self.apply_role(&user, lower, false, Some(server), None)
                .await?;
        }
        Ok(())
    }
}
