//! The game integration: game servers and their polls, executions, bans, roles, link tokens
//! and whether each server is polling.

use backline_domain::admin::AuditEntry;
use backline_domain::ember::actions::{
    ActionKind, Execution, ExecutionOrder, ExecutionStatus, PlayerRef,
};
use backline_domain::ember::bans::{Ban, BanReach, BanScope, BanStatus};
use backline_domain::ember::roles::{Role, RoleHolder};
use backline_domain::ember::servers::{GameServer, ServerOverview};
use backline_domain::ids::{BanId, ExecutionId, LinkTokenId, RoleId, ServerId, UserId};
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use std::future::Future;

use super::{Seek, TimeKey};
use crate::StoreResult;

/// A link token as operators see it: everything but the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkTokenRecord {
    pub id: LinkTokenId,
    pub server_id: ServerId,
    pub player: PlayerRef,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub redeemed_at: Option<Timestamp>,
    pub redeemed_by: Option<UserId>,
}

/// Where a link token is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkTokenState {
    /// Not used and not expired: the player can still redeem it.
    Active,
    Used,
    /// Expired before it was used.
    Expired,
}

/// Which link tokens an operator lists (newest first); every given filter must hold.
#[derive(Clone, Debug)]
pub struct LinkTokenFilter {
    pub server: Option<ServerId>,
    pub state: Option<LinkTokenState>,
    pub player: Option<PlayerRef>,
    /// The time `state` is judged at.
    pub now: Timestamp,
}

/// Why an operator's revocation of a link token did not happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkRevokeError {
    Unknown,
    /// It was redeemed already: the link exists, the token is spent.
    AlreadyRedeemed,
}

forwarded_store_trait! {
    /// Operators' view of link tokens.
    pub trait LinkTokenAdminStore {
        /// A page of link tokens, newest first (creation time descending, then id).
        fn list_link_tokens(
            &self,
            filter: &LinkTokenFilter,
            seek: &Seek<TimeKey>,
        ) -> impl Future<Output = StoreResult<Vec<LinkTokenRecord>>> + Send;
        /// Deletes a token that was not redeemed (expired or not), so it can no longer be, with
        /// the operator's audit entry in the same transaction; the record as it was. Nothing is
        /// recorded when it is not revoked.
        fn revoke_link_token(
            &self,
            id: &LinkTokenId,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<Result<LinkTokenRecord, LinkRevokeError>>> + Send;
    }
}

/// Whether a player is joining or in game, as a poll reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresenceState {
    Connecting,
    Connected,
}

impl PresenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Connected => "connected",
        }
    }
}

/// What a poll's transaction hands back.
#[derive(Clone, Debug, PartialEq)]
pub struct PollLease {
    /// The server has not received its current settings yet (now marked as delivered by
    /// this poll and no other).
    pub settings_due: bool,
    /// Executions leased to this poll, oldest first.
    pub executions: Vec<Execution>,
}

/// A new execution to queue.
#[derive(Clone, Debug)]
pub struct NewExecution<'a> {
    pub kind: ActionKind,
    pub payload: &'a serde_json::Value,
    pub player: Option<&'a PlayerRef>,
    pub require_online: bool,
    pub rerun_of: Option<ExecutionId>,
    /// A kick queued by a ban (delivered while the player is banned).
    pub enforces_ban: bool,
    /// The action these executions belong to; `None`: a new action.
    pub action: Option<&'a backline_domain::ids::ActionId>,
}

pub trait GameServerStore {
    /// Stores a new server with its token, with the audit entry of the operator who created
    /// it in the same transaction.
    fn insert_server(
        &self,
        server: &GameServer,
        token: &SecretHash,
        token_prefix: &str,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn server_by_token(
        &self,
        token: &SecretHash,
    ) -> impl Future<Output = StoreResult<Option<GameServer>>> + Send;
    fn get_server(
        &self,
        id: &ServerId,
    ) -> impl Future<Output = StoreResult<Option<GameServer>>> + Send;
    fn list_servers(&self) -> impl Future<Output = StoreResult<Vec<GameServer>>> + Send;
    /// Saves a server's settings and bumps its settings version, with the audit entry of the
    /// operator who changed them in the same transaction; `NotFound` (and nothing recorded)
    /// for an unknown server.
    fn update_server(
        &self,
        server: &GameServer,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<GameServer>> + Send;
    /// Replaces a server's token, with the audit entry of the operator who rotated it in the
    /// same transaction; `NotFound` (and nothing recorded) for an unknown server.
    fn set_server_token(
        &self,
        id: &ServerId,
        token: &SecretHash,
        token_prefix: &str,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// One poll: records presence, checks whether the settings of the version `server`
    /// carries are due (newer than the version delivered), records the poll's time, and leases up
    /// to `limit` due executions (queued, or leased with the lease over; player-bound ones
    /// that require the player online only when the player is present) until `lease_until`.
    /// Executions about a player with an active ban the server enforces are held (neither
    /// leased nor counted) until the ban ends, except the kicks bans queued.
    ///
    /// Writes only what changed: presence as a diff, the last poll time once it is half an
    /// interval old ([`backline_domain::ember::servers::last_poll_is_stale`]), the lease only
    /// when something is deliverable; nothing at all for a poll that reports the stored
    /// presence and finds nothing due. Polls of one server may race (on several nodes): each
    /// execution is leased to one of them, and settings are due to one of them.
    fn poll(
        &self,
        server: &GameServer,
        players: &[(PresenceState, PlayerRef)],
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> impl Future<Output = StoreResult<PollLease>> + Send;
    /// Records that the server received its settings of `version` (from `meta`), so the next
    /// poll sends them only if they changed since; never moves the mark backwards.
    fn mark_settings_delivered(
        &self,
        id: &ServerId,
        version: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Servers whose last poll reported the player (connecting or connected).
    fn servers_with_player(
        &self,
        player: &PlayerRef,
    ) -> impl Future<Output = StoreResult<Vec<ServerId>>> + Send;
    /// Servers matching `filter` with their queue and last error, oldest first (by creation
    /// time, then id), after the server `after` names; at most `limit`. `now` decides
    /// whether a server still polls ([`GameServer::is_polling`]).
    fn server_overviews(
        &self,
        filter: &ServerFilter,
        now: Timestamp,
        after: Option<&(Timestamp, ServerId)>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<ServerOverview>>> + Send;
}

/// Which servers an operator lists; every `Some` narrows the list.
#[derive(Clone, Debug, Default)]
pub struct ServerFilter {
    pub id: Option<ServerId>,
    pub game: Option<String>,
    /// Servers in this server group.
    pub group: Option<String>,
    /// A case-insensitive part of the name.
    pub name_contains: Option<String>,
    /// Servers that still poll (`true`) or stopped (`false`, never-polled ones included).
    pub polling: Option<bool>,
}

/// Which executions an operator lists; every `Some` narrows the list.
#[derive(Clone, Debug, Default)]
pub struct ExecutionFilter {
    pub server: Option<ServerId>,
    pub status: Option<ExecutionStatus>,
    pub kind: Option<ActionKind>,
    pub action: Option<backline_domain::ids::ActionId>,
    pub order: ExecutionOrder,
}

/// Where a page of executions ended: the last execution's id, and whether it failed (in
/// [`ExecutionOrder::FailedFirst`], failed ones come before the others).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecutionKey {
    pub failed: bool,
    pub id: ExecutionId,
}

/// Which bans an operator lists; every `Some` narrows the list.
#[derive(Clone, Debug, Default)]
pub struct BanFilter {
    /// Bans of this user (the user of a player's account).
    pub user: Option<UserId>,
    /// Active, lifted or expired at the time the list is read.
    pub status: Option<BanStatus>,
    pub scope: Option<BanScope>,
    /// Bans a server with this reach enforces ([`BanReach::covers`]).
    pub reach: Option<BanReach>,
    /// A case-insensitive part of the reason.
    pub reason_contains: Option<String>,
}

forwarded_store_trait! {
    pub trait ExecutionStore {
        /// Queues one execution per server, with the audit entry of the operator who queued
        /// them (none for a game server's, a ban's or a role sync's) in the same transaction.
        /// An entry that names no entity is recorded naming the first execution queued (a
        /// re-run's new execution, whose id only the store knows). A ban's kick
        /// (`enforces_ban`) is not queued on a server where one about the same player is
        /// pending (queued or leased): it is left out of the executions returned.
        fn queue_executions(
            &self,
            servers: &[ServerId],
            new: &NewExecution<'_>,
            now: Timestamp,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<Vec<Execution>>> + Send;
        /// Finishes (or, with an error, fails) an execution of `server`. Finishing a finished
        /// execution changes nothing; `NotFound` when the server has no such execution.
        fn finish_execution(
            &self,
            server: &ServerId,
            id: ExecutionId,
            error: Option<&str>,
            now: Timestamp,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        fn get_execution(
            &self,
            id: ExecutionId,
        ) -> impl Future<Output = StoreResult<Option<Execution>>> + Send;
        fn list_executions(
            &self,
            server: Option<&ServerId>,
            status: Option<ExecutionStatus>,
            limit: i64,
        ) -> impl Future<Output = StoreResult<Vec<Execution>>> + Send;
        /// Executions matching `filter` in its order, after `after`; at most `limit`.
        fn filter_executions(
            &self,
            filter: &ExecutionFilter,
            after: Option<ExecutionKey>,
            limit: i64,
        ) -> impl Future<Output = StoreResult<Vec<Execution>>> + Send;
    }
}

forwarded_store_trait! {
    pub trait BanStore {
        /// Stores a ban, with the audit entry of the operator who made it (none for a game
        /// server's ban) in the same transaction.
        fn insert_ban(
            &self,
            ban: &Ban,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        /// Every ban of these users, newest first.
        fn bans_of(&self, users: &[UserId]) -> impl Future<Output = StoreResult<Vec<Ban>>> + Send;
        /// Lifts the bans not lifted yet, with the audit entry of the operator who lifted them
        /// (none for a game server) in the same transaction.
        fn lift_bans(
            &self,
            ids: &[BanId],
            now: Timestamp,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        fn get_ban(&self, id: &BanId) -> impl Future<Output = StoreResult<Option<Ban>>> + Send;
        /// Bans matching `filter` (status as of `now`), newest first (creation time, then id
        /// descending), after the ban `after` names; at most `limit`.
        fn filter_bans(
            &self,
            filter: &BanFilter,
            now: Timestamp,
            after: Option<&(Timestamp, BanId)>,
            limit: i64,
        ) -> impl Future<Output = StoreResult<Vec<Ban>>> + Send;
    }
}

/// A user's roles: held now, and held before and lost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserRoles {
    pub held: Vec<Role>,
    pub revoked: Vec<Role>,
}

forwarded_store_trait! {
    pub trait RoleStore {
        /// Stores a role, with the audit entry of the operator who created it in the same
        /// transaction; `Conflict` (and nothing recorded) when the name or in-game equivalent
        /// is taken.
        fn insert_role(
            &self,
            role: &Role,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        fn list_roles(&self) -> impl Future<Output = StoreResult<Vec<Role>>> + Send;
        /// Grants a role; false when the user held it already. The audit entry of the operator
        /// who granted it (none for a game server) is recorded in the same transaction either
        /// way.
        fn grant_role(
            &self,
            user: &UserId,
            role: &RoleId,
            now: Timestamp,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<bool>> + Send;
        /// Revokes a role; false when the user did not hold it. The audit entry of the
        /// operator who revoked it (none for a game server) is recorded in the same
        /// transaction either way.
        fn revoke_role(
            &self,
            user: &UserId,
            role: &RoleId,
            now: Timestamp,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<bool>> + Send;
        /// The roles of these users.
        fn roles_of(
            &self,
            users: &[UserId],
        ) -> impl Future<Output = StoreResult<Vec<(UserId, UserRoles)>>> + Send;
        /// Saves a role's name, in-game equivalent, position and groups; `NotFound` for an
        /// unknown role, `Conflict` when the name or in-game equivalent is another role's. The
        /// operator's audit entry is recorded in the same transaction (not on an error).
        fn update_role(
            &self,
            role: &Role,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        /// Gives the roles positions 1, 2, … in this order, with the operator's audit entry,
        /// in one transaction; `NotFound` (and nothing changed or recorded) when one of them
        /// does not exist.
        fn reorder_roles(
            &self,
            order: &[RoleId],
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        /// The users holding a role now, by user id, after `after`; at most `limit`.
        fn role_holders(
            &self,
            role: &RoleId,
            after: Option<&UserId>,
            limit: i64,
        ) -> impl Future<Output = StoreResult<Vec<RoleHolder>>> + Send;
    }
}

/// Why a link token cannot be redeemed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkRedeemError {
    Unknown,
    Expired,
    AlreadyRedeemed,
}

pub trait LinkTokenStore {
    fn insert_link_token(
        &self,
        token: &SecretHash,
        server: &ServerId,
        player: &PlayerRef,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Redeems a token for `user` in one transaction: the game account moves to `user`; when
    /// it belonged to a user with no other account (one created when the player was first
    /// seen), that user's bans and roles move along.
    fn redeem_link_token(
        &self,
        token: &SecretHash,
        user: &UserId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Result<PlayerRef, LinkRedeemError>>> + Send;
    /// The token's game account and state, without redeeming it.
    fn find_link_token(
        &self,
        token: &SecretHash,
    ) -> impl Future<Output = StoreResult<Option<LinkTokenView>>> + Send;
}

/// What the link page shows before a link token is redeemed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkTokenView {
    pub server: ServerId,
    pub player: PlayerRef,
    pub expires_at: Timestamp,
    pub redeemed_at: Option<Timestamp>,
}

/// Servers whose polling state the sweep flipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollingChanges {
    /// Servers that polled within three poll intervals and did not count as polling.
    pub started: Vec<PolledServer>,
    /// Servers counted as polling with no poll for three poll intervals.
    pub stopped: Vec<PolledServer>,
}

/// A server whose polling state changed, as the change is reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolledServer {
    pub id: ServerId,
    pub name: String,
    pub poll_interval_seconds: i64,
    pub last_poll_at: Option<Timestamp>,
}

forwarded_store_trait! {
    /// The stored polling state of game servers.
    pub trait PollingStateStore {
        /// Flips the stored state of servers whose polling changed as of `now` (no poll for three
        /// times their interval: stopped; a poll within it: started). Each flip is a conditional
        /// update, so of several nodes sweeping at once exactly one reports each change.
        fn sweep_polling(
            &self,
            now: Timestamp,
        ) -> impl Future<Output = StoreResult<PollingChanges>> + Send;
    }
}
