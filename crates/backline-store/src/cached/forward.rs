//! The traits whose reads are not cached and whose writes touch no cached table: each is
//! implemented once, for every [`Forwarding`] store, by handing the call to the inner store.
//!
//! Coherence allows these blanket impls beside `SqlStore`'s own: `Forwarding` is local and
//! `SqlStore` does not implement it. A write added later to one of these traits that does
//! touch a cached table is still seen within the bound (the triggers bump the counters);
//! give it a method in the area's own file to make it visible at once on this node.

use super::CachedStore;
use crate::traits::*;
use crate::StoreResult;
use backline_domain::ember::actions::{Execution, ExecutionStatus};
use backline_domain::ember::bans::Ban;
use backline_domain::ember::roles::{Role, RoleHolder};
use backline_domain::events::{EventId, NewEvent};
use backline_domain::evr::records::{Broadcaster, EvrMatch};
use backline_domain::ids::OrgId;
use backline_domain::ids::{
    BanId, BroadcasterId, ExecutionId, LinkTokenId, RoleId, ServerId, UserId,
};
use backline_domain::secret::SecretHash;
use backline_domain::spectra::player::{ObservedPlayer, RiotPlayer};
use backline_domain::spectra::playercam::{PlayercamPlayer, PlayercamSession};
use backline_domain::spectra::record::{MatchRecord, StatsRecord};
use backline_domain::Timestamp;
use std::future::Future;

/// A store that hands the calls of the traits below to another store.
pub(crate) trait Forwarding: Send + Sync {
    type Inner: Store;
    fn inner(&self) -> &Self::Inner;
}

impl<S: Store> Forwarding for CachedStore<S> {
    type Inner = S;
    fn inner(&self) -> &S {
        &self.inner
    }
}

impl<T: Forwarding> SettingStore for T {
    fn get_setting(&self, name: &str) -> impl Future<Output = StoreResult<Option<String>>> + Send {
        self.inner().get_setting(name)
    }
    fn put_setting_if_absent(
        &self,
        name: &str,
        value: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        self.inner().put_setting_if_absent(name, value)
    }
    fn set_setting(&self, name: &str, value: &str) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().set_setting(name, value)
    }
}

impl<T: Forwarding> PlayerStore for T {
    fn observe_players(
        &self,
        players: &[ObservedPlayer],
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().observe_players(players, now)
    }
    fn get_players(
        &self,
        puuids: &[String],
    ) -> impl Future<Output = StoreResult<Vec<RiotPlayer>>> + Send {
        self.inner().get_players(puuids)
    }
    fn list_players(
        &self,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<RiotPlayer>>> + Send {
        self.inner().list_players(seek)
    }
    fn change_player(
        &self,
        puuid: &str,
        change: &PlayerChange,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<RiotPlayer>> + Send {
        self.inner().change_player(puuid, change, now)
    }
}

impl<T: Forwarding> MatchStore for T {
    fn record_snapshot(
        &self,
        write: SnapshotWrite,
        event: NewEvent,
    ) -> impl Future<Output = StoreResult<EventId>> + Send {
        self.inner().record_snapshot(write, event)
    }
    fn list_matches(
        &self,
        filter: &MatchFilter,
    ) -> impl Future<Output = StoreResult<Vec<MatchRecord>>> + Send {
        self.inner().list_matches(filter)
    }
    fn get_match(
        &self,
        match_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<MatchRecord>>> + Send {
        self.inner().get_match(match_id)
    }
}

impl<T: Forwarding> StatsStore for T {
    fn link_stats_group(
        &self,
        match_id: &str,
        group_code: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        self.inner().link_stats_group(match_id, group_code, now)
    }
    fn set_stats_region(
        &self,
        match_id: &str,
        region: Option<&str>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().set_stats_region(match_id, region, now)
    }
    fn save_match_stats(
        &self,
        match_id: &str,
        stats_json: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().save_match_stats(match_id, stats_json, now)
    }
    fn get_stats(
        &self,
        match_id: &str,
    ) -> impl Future<Output = StoreResult<Option<StatsRecord>>> + Send {
        self.inner().get_stats(match_id)
    }
}

impl<T: Forwarding> PlayercamStore for T {
    fn insert_playercam_session(
        &self,
        session: &PlayercamSession,
        secret: &SecretHash,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().insert_playercam_session(session, secret)
    }
    fn find_playercam_session(
        &self,
        identifier: &str,
    ) -> impl Future<Output = StoreResult<Option<(PlayercamSession, SecretHash)>>> + Send {
        self.inner().find_playercam_session(identifier)
    }
    fn list_playercam_sessions(
        &self,
        org: Option<&OrgId>,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<PlayercamSession>>> + Send {
        self.inner().list_playercam_sessions(org, seek)
    }
    fn playercam_players(
        &self,
        session: &PlayercamSession,
    ) -> impl Future<Output = StoreResult<Vec<PlayercamPlayer>>> + Send {
        self.inner().playercam_players(session)
    }
    fn change_playercam_player(
        &self,
        session: &PlayercamSession,
        full_name: &str,
        change: &PlayercamChange,
    ) -> impl Future<Output = StoreResult<PlayercamPlayer>> + Send {
        self.inner()
            .change_playercam_player(session, full_name, change)
    }
}

impl<T: Forwarding> EvrAdminStore for T {
    fn page_broadcasters(
        &self,
        filter: &BroadcasterFilter,
    ) -> impl Future<Output = StoreResult<Vec<Broadcaster>>> + Send {
        self.inner().page_broadcasters(filter)
    }
    fn live_matches_on(
        &self,
        sids: &[BroadcasterId],
    ) -> impl Future<Output = StoreResult<Vec<EvrMatch>>> + Send {
        self.inner().live_matches_on(sids)
    }
    fn page_evr_matches(
        &self,
        filter: &EvrMatchFilter,
    ) -> impl Future<Output = StoreResult<Vec<EvrMatch>>> + Send {
        self.inner().page_evr_matches(filter)
    }
}

impl<T: Forwarding> ExecutionStore for T {
    fn queue_executions(
        &self,
        servers: &[ServerId],
        new: &NewExecution<'_>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<Execution>>> + Send {
        self.inner().queue_executions(servers, new, now)
    }
    fn finish_execution(
        &self,
        server: &ServerId,
        id: ExecutionId,
        error: Option<&str>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().finish_execution(server, id, error, now)
    }
    fn get_execution(
        &self,
        id: ExecutionId,
    ) -> impl Future<Output = StoreResult<Option<Execution>>> + Send {
        self.inner().get_execution(id)
    }
    fn list_executions(
        &self,
        server: Option<&ServerId>,
        status: Option<ExecutionStatus>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<Execution>>> + Send {
        self.inner().list_executions(server, status, limit)
    }
    fn filter_executions(
        &self,
        filter: &ExecutionFilter,
        after: Option<ExecutionKey>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<Execution>>> + Send {
        self.inner().filter_executions(filter, after, limit)
    }
}

impl<T: Forwarding> BanStore for T {
    fn insert_ban(&self, ban: &Ban) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().insert_ban(ban)
    }
    fn bans_of(&self, users: &[UserId]) -> impl Future<Output = StoreResult<Vec<Ban>>> + Send {
        self.inner().bans_of(users)
    }
    fn lift_bans(
        &self,
        ids: &[BanId],
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().lift_bans(ids, now)
    }
    fn get_ban(&self, id: &BanId) -> impl Future<Output = StoreResult<Option<Ban>>> + Send {
        self.inner().get_ban(id)
    }
    fn filter_bans(
        &self,
        filter: &BanFilter,
        now: Timestamp,
        after: Option<&(Timestamp, BanId)>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<Ban>>> + Send {
        self.inner().filter_bans(filter, now, after, limit)
    }
}

impl<T: Forwarding> RoleStore for T {
    fn insert_role(&self, role: &Role) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().insert_role(role)
    }
    fn list_roles(&self) -> impl Future<Output = StoreResult<Vec<Role>>> + Send {
        self.inner().list_roles()
    }
    fn grant_role(
        &self,
        user: &UserId,
        role: &RoleId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        self.inner().grant_role(user, role, now)
    }
    fn revoke_role(
        &self,
        user: &UserId,
        role: &RoleId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        self.inner().revoke_role(user, role, now)
    }
    fn roles_of(
        &self,
        users: &[UserId],
    ) -> impl Future<Output = StoreResult<Vec<(UserId, UserRoles)>>> + Send {
        self.inner().roles_of(users)
    }
    fn update_role(&self, role: &Role) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().update_role(role)
    }
    fn reorder_roles(&self, order: &[RoleId]) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().reorder_roles(order)
    }
    fn role_holders(
        &self,
        role: &RoleId,
        after: Option<&UserId>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<RoleHolder>>> + Send {
        self.inner().role_holders(role, after, limit)
    }
}

impl<T: Forwarding> AdminTokenStore for T {
    fn insert_admin_token_if_absent(
        &self,
        token: &backline_domain::admin::AdminToken,
        hash: &SecretHash,
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        self.inner().insert_admin_token_if_absent(token, hash)
    }
    fn find_active_admin_token(
        &self,
        hash: &SecretHash,
    ) -> impl Future<Output = StoreResult<Option<backline_domain::admin::AdminToken>>> + Send {
        self.inner().find_active_admin_token(hash)
    }
    fn list_admin_tokens(
        &self,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<backline_domain::admin::AdminToken>>> + Send {
        self.inner().list_admin_tokens(seek)
    }
    fn revoke_admin_token(
        &self,
        token: &AdminTokenRef,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<backline_domain::admin::AdminToken>> + Send {
        self.inner().revoke_admin_token(token, now)
    }
    fn replace_admin_token_secret(
        &self,
        name: &str,
        hash: &SecretHash,
        prefix: &str,
    ) -> impl Future<Output = StoreResult<backline_domain::admin::AdminToken>> + Send {
        self.inner().replace_admin_token_secret(name, hash, prefix)
    }
}

impl<T: Forwarding> AuditStore for T {
    fn insert_audit(
        &self,
        entry: &backline_domain::admin::AuditEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().insert_audit(entry)
    }
    fn list_audit(
        &self,
        filter: &AuditFilter,
    ) -> impl Future<Output = StoreResult<Vec<backline_domain::admin::AuditEntry>>> + Send {
        self.inner().list_audit(filter)
    }
}

impl<T: Forwarding> ConsoleSessionStore for T {
    fn insert_console_session(
        &self,
        id: &SecretHash,
        admin_token: &SecretHash,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner()
            .insert_console_session(id, admin_token, now, expires_at)
    }
    fn find_console_session(
        &self,
        id: &SecretHash,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<SecretHash>>> + Send {
        self.inner().find_console_session(id, now)
    }
    fn delete_console_session(
        &self,
        id: &SecretHash,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner().delete_console_session(id)
    }
    fn delete_expired_console_sessions(
        &self,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        self.inner().delete_expired_console_sessions(now)
    }
}

impl<T: Forwarding> LinkTokenAdminStore for T {
    fn list_link_tokens(
        &self,
        filter: &LinkTokenFilter,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<LinkTokenRecord>>> + Send {
        self.inner().list_link_tokens(filter, seek)
    }
    fn revoke_link_token(
        &self,
        id: &LinkTokenId,
    ) -> impl Future<Output = StoreResult<Result<LinkTokenRecord, LinkRevokeError>>> + Send {
        self.inner().revoke_link_token(id)
    }
}

impl<T: Forwarding> EventStore for T {
    fn append_event(
        &self,
        event: &NewEvent,
    ) -> impl Future<Output = StoreResult<backline_domain::events::Event>> + Send {
        self.inner().append_event(event)
    }
    fn append_events(
        &self,
        events: &[NewEvent],
    ) -> impl Future<Output = StoreResult<Vec<backline_domain::events::Event>>> + Send {
        self.inner().append_events(events)
    }
    fn events_after(
        &self,
        after: EventId,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<backline_domain::events::Event>>> + Send {
        self.inner().events_after(after, limit)
    }
    fn last_event_id(&self) -> impl Future<Output = StoreResult<EventId>> + Send {
        self.inner().last_event_id()
    }
    fn prune_events(&self, cutoff: Timestamp) -> impl Future<Output = StoreResult<u64>> + Send {
        self.inner().prune_events(cutoff)
    }
    fn events_pruned_through(&self) -> impl Future<Output = StoreResult<EventId>> + Send {
        self.inner().events_pruned_through()
    }
}

impl<T: Forwarding> PollingStateStore for T {
    fn sweep_polling(
        &self,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<PollingChanges>> + Send {
        self.inner().sweep_polling(now)
    }
}

impl<T: Forwarding> GaugeStore for T {
    fn gauges(&self) -> impl Future<Output = StoreResult<Gauges>> + Send {
        self.inner().gauges()
    }
    fn pool_usage(&self) -> PoolUsage {
        self.inner().pool_usage()
    }
}
