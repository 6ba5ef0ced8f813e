//! Game servers: created and configured by operators, authenticated by their token.

use super::super::page::{time_key, Page, PageRequest};
use super::super::{Core, CoreError, CoreResult};
use crate::core::access::{Administer, Grant, View};
use crate::core::audit::Audited;
use crate::core::Entity;
use backline_domain::ember::bans::BanScope;
use backline_domain::ember::servers::{GameServer, RoleSync, ServerOverview};
use backline_domain::ids::ServerId;
use backline_domain::secret::{display_prefix, IssuedSecret, SecretHash};
use backline_store::{ServerFilter, Store, StoreError};

const SERVER_TOKEN_LEN: usize = 40;

/// What creating a server needs.
#[derive(Clone, Debug)]
pub struct NewServer {
    pub name: String,
    pub game: String,
    pub address: Option<String>,
    pub groups: Vec<String>,
    pub poll_interval_seconds: Option<i64>,
}

/// A change to a server's settings; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ServerChange {
    pub name: Option<String>,
    pub address: Option<String>,
    pub groups: Option<Vec<String>>,
    pub poll_interval_seconds: Option<i64>,
    pub enforced_ban_scopes: Option<Vec<BanScope>>,
    pub default_ban_group: Option<Option<String>>,
    pub role_sync_send: Option<bool>,
    pub role_sync_receive: Option<bool>,
    pub ban_log: Option<bool>,
    pub may_lift_operator_bans: Option<bool>,
}

/// A server with its token, shown once.
#[derive(Debug)]
pub struct IssuedServer {
    pub server: GameServer,
    pub token: IssuedSecret,
}

impl IssuedServer {
    pub fn to_json(&self) -> serde_json::Value {
        super::super::issued::with_secret(&self.server, "token", self.token.expose())
    }
}

fn check_interval(seconds: i64) -> CoreResult<i64> {
    if (1..=3600).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(CoreError::invalid(
            "poll_interval",
            "must be 1 to 3600 seconds",
        ))
    }
}

fn check_name(name: &str) -> CoreResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(CoreError::invalid("name", "must be 1 to 128 characters"));
    }
    Ok(name.to_owned())
}

/// Most server groups one server (or role) names: each poll binds a server's groups into its
/// ban hold, so their number is work on every poll.
pub const MAX_GROUPS: usize = 32;

fn check_groups(groups: Vec<String>) -> CoreResult<Vec<String>> {
    if groups.len() > MAX_GROUPS {
        return Err(CoreError::invalid(
            "groups",
            format!("at most {MAX_GROUPS} groups"),
        ));
    }
    let mut out: Vec<String> = groups
        .into_iter()
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty())
        .collect();
    out.sort();
    out.dedup();
    if out.iter().any(|g| g.chars().count() > 64) {
        return Err(CoreError::invalid(
            "group",
            "group names are at most 64 characters",
        ));
    }
    Ok(out)
}

impl<S: Store> Core<S> {
    /// Creates a server with its token (shown once).
    pub async fn create_server(
        &self,
        grant: &Grant<Administer>,
        new: NewServer,
    ) -> CoreResult<IssuedServer> {
        let name = check_name(&new.name)?;
        if !self.settings.ember.games.contains_key(&new.game) {
            let known: Vec<_> = self.settings.ember.games.keys().cloned().collect();
            return Err(CoreError::invalid(
                "game",
                format!("unknown game `{}`; known: {}", new.game, known.join(", ")),
            ));
        }
        let token = IssuedSecret::generate(SERVER_TOKEN_LEN);
        let server = GameServer {
            id: ServerId::generate(),
            name,
            game: new.game,
            address: new.address.filter(|a| !a.is_empty()),
            groups: check_groups(new.groups)?,
            poll_interval_seconds: check_interval(new.poll_interval_seconds.unwrap_or(10))?,
            enforced_ban_scopes: vec![BanScope::Global, BanScope::Server],
            default_ban_group: None,
            role_sync: RoleSync {
                send: true,
                receive: true,
            },
            ban_log: true,
            may_lift_operator_bans: false,
            settings_version: 1,
            created_at: self.now(),
            last_poll_at: None,
        };
        let audit = grant.audit(
            server.created_at,
            Audited::Servers,
            Some(server.id.to_string()),
        );
        self.store
            .insert_server(
                &server,
                &token.hash(),
                &display_prefix(token.expose()),
                Some(&audit),
            )
            .await?;
        Ok(IssuedServer { server, token })
    }

    /// The server this token belongs to; `Unauthorized` otherwise.
    pub async fn authenticate_server(&self, token: Option<&str>) -> CoreResult<GameServer> {
        let token = token
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(CoreError::Unauthorized)?;
        self.store
            .server_by_token(&SecretHash::of(token))
            .await?
            .ok_or(CoreError::Unauthorized)
    }

    /// A server, by id (for the game integration's own paths; operators use
    /// [`Core::show_server`]).
    pub async fn get_server(&self, id: &str) -> CoreResult<GameServer> {
        self.store
            .get_server(&ServerId::from_string(id))
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Server, id))
    }

    /// A server, by id (operators).
    pub async fn show_server(&self, _: &Grant<View>, id: &str) -> CoreResult<GameServer> {
        self.get_server(id).await
    }

    /// Every server, oldest first (operators).
    pub async fn list_servers(&self, _: &Grant<View>) -> CoreResult<Vec<GameServer>> {
        Ok(self.store.list_servers().await?)
    }

    /// A new token for the server; the old one stops working at once.
    pub async fn rotate_server_token(
        &self,
        grant: &Grant<Administer>,
        id: &str,
    ) -> CoreResult<IssuedServer> {
        let server = self.get_server(id).await?;
        let token = IssuedSecret::generate(SERVER_TOKEN_LEN);
        let audit = grant.audit(self.now(), Audited::Servers, Some(server.id.to_string()));
        self.store
            .set_server_token(
                &server.id,
                &token.hash(),
                &display_prefix(token.expose()),
                Some(&audit),
            )
            .await?;
        Ok(IssuedServer { server, token })
    }

    /// Changes settings; the next poll delivers them.
    pub async fn change_server(
        &self,
        grant: &Grant<Administer>,
        id: &str,
        change: ServerChange,
    ) -> CoreResult<GameServer> {
        let mut server = self.get_server(id).await?;
        if let Some(name) = change.name {
            server.name = check_name(&name)?;
        }
        if let Some(address) = change.address {
            server.address = Some(address).filter(|a| !a.is_empty());
        }
        if let Some(groups) = change.groups {
            server.groups = check_groups(groups)?;
        }
        if let Some(interval) = change.poll_interval_seconds {
            server.poll_interval_seconds = check_interval(interval)?;
        }
        if let Some(scopes) = change.enforced_ban_scopes {
            server.enforced_ban_scopes = scopes;
        }
        if let Some(group) = change.default_ban_group {
            server.default_ban_group = group.filter(|g| !g.is_empty());
        }
        if let Some(send) = change.role_sync_send {
            server.role_sync.send = send;
        }
        if let Some(receive) = change.role_sync_receive {
            server.role_sync.receive = receive;
        }
        if let Some(ban_log) = change.ban_log {
            server.ban_log = ban_log;
        }
        if let Some(may) = change.may_lift_operator_bans {
            server.may_lift_operator_bans = may;
        }
        let audit = grant.audit(self.now(), Audited::Servers, Some(server.id.to_string()));
        self.store
            .update_server(&server, Some(&audit))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::not_found(Entity::Server, id),
                other => other.into(),
            })
    }

    /// Servers matching `filter`, oldest first, with whether each still polls, its queue
    /// depth and its last error (the latest failed execution).
    pub async fn list_server_overviews(
        &self,
        _: &Grant<View>,
        filter: &ServerFilter,
        request: &PageRequest,
    ) -> CoreResult<Page<ServerOverview>> {
        let after = request
            .time_cursor()?
            .map(|(at, id)| (at, ServerId::from_string(id)));
        let servers = self
            .store
            .server_overviews(filter, self.now(), after.as_ref(), request.fetch())
            .await?;
        Ok(request.page(servers, |s| {
            time_key(s.server.created_at, s.server.id.as_str())
        }))
    }

    /// One server with whether it polls, its queue depth and its last error.
    pub async fn server_overview(
        &self,
        _: &Grant<View>,
        id: &ServerId,
    ) -> CoreResult<ServerOverview> {
        let filter = ServerFilter {
            id: Some(id.clone()),
            ..ServerFilter::default()
        };
        self.store
            .server_overviews(&filter, self.now(), None, 1)
            .await?
            .pop()
            .ok_or_else(|| CoreError::not_found(Entity::Server, id))
    }
}
