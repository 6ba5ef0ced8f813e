//! Game servers by token. Only the columns a [`GameServer`] carries clear the area; a poll's
//! own writes (last poll time, delivered settings, presence) do not, so the cached row's
//! `last_poll_at` is the one of when it was read.

use super::{CacheArea, CachedStore};
use crate::traits::*;
use crate::StoreResult;
use backline_domain::admin::AuditEntry;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::servers::{GameServer, ServerOverview};
use backline_domain::ids::ServerId;
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;

const SERVERS: &[CacheArea] = &[CacheArea::GameServers];

impl<S: Store> GameServerStore for CachedStore<S> {
    async fn insert_server(
        &self,
        server: &GameServer,
        token: &SecretHash,
        token_prefix: &str,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.writing(
            SERVERS,
            self.inner.insert_server(server, token, token_prefix, audit),
        )
        .await
    }

    /// Cached: a rotated token clears the area, so the old token stops working.
    async fn server_by_token(&self, token: &SecretHash) -> StoreResult<Option<GameServer>> {
        self.cached(
            |s| &s.game_servers,
            |m| m.by_token.get(token),
            self.inner.server_by_token(token),
            |m, v| m.by_token.put(token.clone(), v),
        )
        .await
    }

    async fn get_server(&self, id: &ServerId) -> StoreResult<Option<GameServer>> {
        self.inner.get_server(id).await
    }

    async fn list_servers(&self) -> StoreResult<Vec<GameServer>> {
        self.inner.list_servers().await
    }

    async fn update_server(
        &self,
        server: &GameServer,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<GameServer> {
        self.writing(SERVERS, self.inner.update_server(server, audit))
            .await
    }

    async fn set_server_token(
        &self,
        id: &ServerId,
        token: &SecretHash,
        token_prefix: &str,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.writing(
            SERVERS,
            self.inner.set_server_token(id, token, token_prefix, audit),
        )
        .await
    }

    async fn poll(
        &self,
        server: &GameServer,
        players: &[(PresenceState, PlayerRef)],
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<PollLease> {
        self.inner
            .poll(server, players, now, lease_until, limit)
            .await
    }

    async fn mark_settings_delivered(&self, id: &ServerId, version: i64) -> StoreResult<()> {
        self.inner.mark_settings_delivered(id, version).await
    }

    async fn servers_with_player(&self, player: &PlayerRef) -> StoreResult<Vec<ServerId>> {
        self.inner.servers_with_player(player).await
    }

    async fn server_overviews(
        &self,
        filter: &ServerFilter,
        now: Timestamp,
        after: Option<&(Timestamp, ServerId)>,
        limit: i64,
    ) -> StoreResult<Vec<ServerOverview>> {
        self.inner.server_overviews(filter, now, after, limit).await
    }
}
