//! Roles: created by operators, granted and revoked by operators and by game servers.

use super::super::{Core, CoreError, CoreResult};
use backline_domain::accounts::User;
use backline_domain::ember::actions::{ActionKind, PlayerRef};
use backline_domain::ember::roles::{roles_payload, Role, RoleChange};
use backline_domain::ember::servers::GameServer;
use backline_domain::ids::RoleId;
use backline_domain::Timestamp;
use backline_store::{GameServerStore, RoleStore, StoreError, UserStore};

impl Core {
    pub async fn create_role(
        &self,
        name: &str,
        ingame: &str,
        position: i64,
        groups: Vec<String>,
    ) -> CoreResult<Role> {
        let (name, ingame) = (name.trim(), ingame.trim());
        if name.is_empty()
            || ingame.is_empty()
            || name.chars().count() > 64
            || ingame.chars().count() > 64
        {
            return Err(CoreError::invalid(
                "name",
                "name and in-game equivalent must be 1 to 64 characters",
            ));
        }
        let role = Role {
            id: RoleId::generate(),
            name: name.to_owned(),
            ingame: ingame.to_owned(),
            position,
            server_groups: groups.into_iter().filter(|g| !g.is_empty()).collect(),
        };
        self.store.insert_role(&role).await.map_err(|e| match e {
            StoreError::Conflict(msg) => CoreError::Conflict(msg),
            other => other.into(),
        })?;
        Ok(role)
    }

    pub async fn list_roles(&self) -> CoreResult<Vec<Role>> {
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
    /// partial `roles` action for each of the user's accounts in their game.
    pub async fn operator_set_role(
        &self,
        player: &PlayerRef,
        role_name: &str,
        granted: bool,
    ) -> CoreResult<Role> {
        let role = self.role_where("role", |r| r.name == role_name).await?;
        let user = self.user_for_player(player).await?;
        self.apply_role(&user, &role, granted, None).await?;
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
            Err(CoreError::Forbidden(
                "This server does not send roles.".into(),
            ))
        }
    }

    /// Grants or revokes `role`; when that changed something, tells the servers that receive
    /// roles (all but `except`).
    async fn apply_role(
        &self,
        user: &User,
        role: &Role,
        granted: bool,
        except: Option<&GameServer>,
    ) -> CoreResult<()> {
        let now = Timestamp::now();
        let changed = if granted {
            self.store.grant_role(&user.id, &role.id, now).await?
        } else {
            self.store.revoke_role(&user.id, &role.id, now).await?
        };
        if changed {
            self.queue_partial_roles(user, role, granted, except)
                .await?;
        }
        Ok(())
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
        self.apply_role(&user, &role, granted, Some(server)).await
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
        self.apply_role(&user, &role, true, Some(server)).await?;
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
            self.apply_role(&user, lower, false, Some(server)).await?;
        }
        Ok(())
    }
}
