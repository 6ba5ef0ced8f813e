//! The store's capabilities, one trait per area.
//!
//! Methods are whole units of work. The futures are `Send` so handlers can hold them across
//! awaits on a multi-threaded runtime.

use backline_domain::accounts::{ExternalAccount, SystemGroup, User};
use backline_domain::ember::actions::{
    ActionKind, Execution, ExecutionOrder, ExecutionStatus, PlayerRef,
};
use backline_domain::ember::bans::{Ban, BanReach, BanScope, BanStatus};
use backline_domain::ember::roles::{Role, RoleHolder};
use backline_domain::ember::servers::{GameServer, ServerOverview};
use backline_domain::evr::lobby::JoinFailure;
use backline_domain::evr::records::{
    Broadcaster, BroadcasterState, EvrMatch, MatchPlayer, Phase, Preparation,
};
use backline_domain::ids::{
    AccessKeyId, ApiTokenId, BanId, BroadcasterId, ExecutionId, LinkTokenId, OrgId, RoleId,
    ServerId, UserId,
};
use backline_domain::org::{AccessKey, Organisation};
use backline_domain::secret::SecretHash;
use backline_domain::spectra::lifecycle::MatchState;
use backline_domain::spectra::player::{ObservedPlayer, RiotPlayer};
use backline_domain::spectra::playercam::{PlayercamPlayer, PlayercamSession};
use backline_domain::spectra::record::{MatchRecord, StatsRecord};
use backline_domain::tokens::{ApiToken, ApiTokenKind};
use backline_domain::Timestamp;
use std::future::Future;

use crate::StoreResult;

/// Which rows of a list to read: those after `after` (the sort key of the last row the
/// caller already has), at most `limit` of them (keyset pagination: a page never repeats or
/// skips a row when others are added meanwhile).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seek<K> {
    pub after: Option<K>,
    pub limit: i64,
}

impl<K> Seek<K> {
    /// The first `limit` rows.
    pub fn first(limit: i64) -> Self {
        Self { after: None, limit }
    }
}

/// The sort key of a list ordered by a time, then by a unique text (an id, a PUUID).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeKey {
    pub at: Timestamp,
    pub id: String,
}

/// Small named values Backline keeps for itself (generated secrets' hashes and the like).
pub trait SettingStore {
    fn get_setting(&self, name: &str) -> impl Future<Output = StoreResult<Option<String>>> + Send;
    /// Stores `value` unless the setting exists; true when it was stored.
    fn put_setting_if_absent(
        &self,
        name: &str,
        value: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn set_setting(&self, name: &str, value: &str) -> impl Future<Output = StoreResult<()>> + Send;
}

pub trait OrgStore {
    fn insert_org(&self, org: &Organisation) -> impl Future<Output = StoreResult<()>> + Send;
    fn get_org(&self, id: &OrgId)
        -> impl Future<Output = StoreResult<Option<Organisation>>> + Send;
    /// Oldest first (creation time, then id).
    fn list_orgs(
        &self,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<Organisation>>> + Send;
    /// Sets the supporter flag and its end; `NotFound` for an unknown organisation.
    fn set_supporter(
        &self,
        id: &OrgId,
        supporter: bool,
        until: Option<Timestamp>,
    ) -> impl Future<Output = StoreResult<Organisation>> + Send;
}

/// How an operator names an access key to revoke: by id or by the key itself.
#[derive(Clone, Debug)]
pub enum AccessKeyRef {
    Id(AccessKeyId),
    Hash(SecretHash),
}

pub trait AccessKeyStore {
    fn insert_access_key(
        &self,
        key: &AccessKey,
        hash: &SecretHash,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The key with this hash and its organisation.
    fn find_access_key(
        &self,
        hash: &SecretHash,
    ) -> impl Future<Output = StoreResult<Option<(AccessKey, Organisation)>>> + Send;
    /// Oldest first (creation time, then id).
    fn list_access_keys(
        &self,
        org: Option<&OrgId>,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<AccessKey>>> + Send;
    /// Revokes the key (keeping the first revocation time); `NotFound` when no key matches.
    fn revoke_access_key(
        &self,
        key: &AccessKeyRef,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<AccessKey>> + Send;
}

pub trait ApiTokenStore {
    fn insert_api_token(
        &self,
        token: &ApiToken,
        hash: &SecretHash,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The unrevoked token of this kind with this hash.
    fn find_active_api_token(
        &self,
        kind: ApiTokenKind,
        hash: &SecretHash,
    ) -> impl Future<Output = StoreResult<Option<ApiToken>>> + Send;
    /// Oldest first (creation time, then id).
    fn list_api_tokens(
        &self,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<ApiToken>>> + Send;
    fn revoke_api_token(
        &self,
        id: &ApiTokenId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<ApiToken>> + Send;
}

/// An operator's change to a player; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PlayerChange {
    pub full_name: Option<String>,
    pub region: Option<String>,
    pub current_tier: Option<i64>,
    pub peak_tier: Option<i64>,
}

pub trait PlayerStore {
    /// Records what match snapshots said of players: names always, tiers unless an operator
    /// set them (the peak never goes down).
    fn observe_players(
        &self,
        players: &[ObservedPlayer],
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The known players among `puuids`, in no particular order.
    fn get_players(
        &self,
        puuids: &[String],
    ) -> impl Future<Output = StoreResult<Vec<RiotPlayer>>> + Send;
    /// Most recently updated first (then by PUUID).
    fn list_players(
        &self,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<RiotPlayer>>> + Send;
    /// Applies an operator's change, creating the player if needed.
    fn change_player(
        &self,
        puuid: &str,
        change: &PlayerChange,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<RiotPlayer>> + Send;
}

/// A snapshot to record, already parsed and stripped of secrets.
#[derive(Clone, Debug)]
pub struct SnapshotWrite<'a> {
    pub match_id: &'a str,
    pub group_code: &'a str,
    pub org_id: Option<&'a str>,
    pub state: MatchState,
    pub round_number: i64,
    pub round_phase: &'a str,
    pub map: Option<&'a str>,
    pub match_type: Option<&'a str>,
    pub snapshot_json: &'a str,
    pub now: Timestamp,
}

/// Which matches to list.
#[derive(Clone, Debug, Default)]
pub struct MatchFilter {
    pub state: Option<MatchState>,
    pub org_id: Option<String>,
    /// Only records after this one in the list's order (most recently updated first, then
    /// by match id and group code): the last record of the previous page.
    pub after: Option<MatchKey>,
    pub limit: i64,
}

/// Where a match record sits in the list of matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchKey {
    pub updated_at: Timestamp,
    pub match_id: String,
    pub group_code: String,
}

pub trait MatchStore {
    /// Records a snapshot unless the stored one is further along (see
    /// `backline_domain::spectra::lifecycle::Progress`); creates the match when unknown.
    /// A register also stamps `registered_at`. Atomic under concurrent calls.
    fn record_snapshot(
        &self,
        write: &SnapshotWrite<'_>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn list_matches(
        &self,
        filter: &MatchFilter,
    ) -> impl Future<Output = StoreResult<Vec<MatchRecord>>> + Send;
    /// Every observer's record of the match, with snapshots, most advanced first.
    fn get_match(
        &self,
        match_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<MatchRecord>>> + Send;
}

pub trait StatsStore {
    /// Links an observer's group code to a match in the stats backend; true when new.
    fn link_stats_group(
        &self,
        match_id: &str,
        group_code: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn set_stats_region(
        &self,
        match_id: &str,
        region: Option<&str>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn save_match_stats(
        &self,
        match_id: &str,
        stats_json: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn get_stats(
        &self,
        match_id: &str,
    ) -> impl Future<Output = StoreResult<Option<StatsRecord>>> + Send;
}

/// A change to one player of a player-cam session; `None` leaves a field as it is,
/// `Some(None)` clears the display name.
#[derive(Clone, Debug, Default)]
pub struct PlayercamChange {
    pub camera_enabled: Option<bool>,
    pub display_name: Option<Option<String>>,
}

pub trait PlayercamStore {
    fn insert_playercam_session(
        &self,
        session: &PlayercamSession,
        secret: &SecretHash,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The session with this identifier and the hash of its secret.
    fn find_playercam_session(
        &self,
        identifier: &str,
    ) -> impl Future<Output = StoreResult<Option<(PlayercamSession, SecretHash)>>> + Send;
    /// Oldest first (creation time, then id).
    fn list_playercam_sessions(
        &self,
        org: Option<&OrgId>,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<PlayercamSession>>> + Send;
    fn playercam_players(
        &self,
        session: &PlayercamSession,
    ) -> impl Future<Output = StoreResult<Vec<PlayercamPlayer>>> + Send;
    fn change_playercam_player(
        &self,
        session: &PlayercamSession,
        full_name: &str,
        change: &PlayercamChange,
    ) -> impl Future<Output = StoreResult<PlayercamPlayer>> + Send;
}

/// What decides whether a session token of a user is still good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionStatus {
    pub disabled: bool,
    /// Tokens issued before this instant are revoked.
    pub revoked_before: Option<Timestamp>,
    /// This token id was revoked.
    pub token_revoked: bool,
}

pub trait UserStore {
    /// Creates a user with its external accounts in one transaction; `Conflict` naming the
    /// username, email or external account already taken.
    fn insert_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
        external: &[ExternalAccount],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn get_user(&self, id: &UserId) -> impl Future<Output = StoreResult<Option<User>>> + Send;
    fn find_user_by_username(
        &self,
        username: &str,
    ) -> impl Future<Output = StoreResult<Option<User>>> + Send;
    fn find_user_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = StoreResult<Option<User>>> + Send;
    fn find_user_by_external(
        &self,
        account: &ExternalAccount,
    ) -> impl Future<Output = StoreResult<Option<User>>> + Send;
    fn password_hash(
        &self,
        id: &UserId,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;
    fn set_password_hash(
        &self,
        id: &UserId,
        hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Links an external account; `Conflict` when it belongs to another user.
    fn link_external(
        &self,
        id: &UserId,
        account: &ExternalAccount,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn unlink_external(
        &self,
        id: &UserId,
        account: &ExternalAccount,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn external_accounts(
        &self,
        id: &UserId,
    ) -> impl Future<Output = StoreResult<Vec<ExternalAccount>>> + Send;
    fn add_group(
        &self,
        id: &UserId,
        group: SystemGroup,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn remove_group(
        &self,
        id: &UserId,
        group: SystemGroup,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn groups(&self, id: &UserId) -> impl Future<Output = StoreResult<Vec<SystemGroup>>> + Send;
    fn set_disabled(
        &self,
        id: &UserId,
        disabled: bool,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// `None` when the user does not exist.
    fn session_status(
        &self,
        id: &UserId,
        token_id: &str,
    ) -> impl Future<Output = StoreResult<Option<SessionStatus>>> + Send;
    /// Revokes token ids until they expire.
    fn revoke_tokens(
        &self,
        id: &UserId,
        token_ids: &[(String, Timestamp)],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Revokes every token of the user issued before `before`.
    fn revoke_all_tokens(
        &self,
        id: &UserId,
        before: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A page of users in username order, narrowed by `filter`; `seek.after` is the last
    /// username of the previous page.
    fn list_users(
        &self,
        filter: &UserFilter,
        seek: &Seek<String>,
    ) -> impl Future<Output = StoreResult<Vec<User>>> + Send;
}

/// Which users an operator lists; every given filter must hold.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// A piece of the username, display name or email (case-insensitive).
    pub text: Option<String>,
    pub disabled: Option<bool>,
    pub group: Option<SystemGroup>,
    /// Users with an external account of this source…
    pub source: Option<String>,
    /// …and this account id (only with `source`).
    pub account_id: Option<String>,
}

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

/// Operators' view of link tokens.
pub trait LinkTokenAdminStore {
    /// A page of link tokens, newest first (creation time descending, then id).
    fn list_link_tokens(
        &self,
        filter: &LinkTokenFilter,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<LinkTokenRecord>>> + Send;
    /// Deletes a token that was not redeemed (expired or not), so it can no longer be; the
    /// record as it was.
    fn revoke_link_token(
        &self,
        id: &LinkTokenId,
    ) -> impl Future<Output = StoreResult<Result<LinkTokenRecord, LinkRevokeError>>> + Send;
}

/// A join decided inside the store's transaction: the player to add, or why not.
pub type JoinDecision = Result<MatchPlayer, JoinFailure>;

pub trait EvrStore {
    /// Registers a broadcaster with its first idle match, in one transaction.
    fn insert_broadcaster(
        &self,
        broadcaster: &Broadcaster,
        idle_match_id: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn get_broadcaster(
        &self,
        sid: &BroadcasterId,
    ) -> impl Future<Output = StoreResult<Option<Broadcaster>>> + Send;
    fn list_broadcasters(&self) -> impl Future<Output = StoreResult<Vec<Broadcaster>>> + Send;
    /// Records a heartbeat; false when the broadcaster is unknown (or not this operator's).
    fn touch_broadcaster(
        &self,
        sid: &BroadcasterId,
        operator: &UserId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Removes a broadcaster of `operator` (any operator with `None`): its idle match goes,
    /// its unstarted prepared matches end. False when there was none.
    fn remove_broadcaster(
        &self,
        sid: &BroadcasterId,
        operator: Option<&UserId>,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Removes every broadcaster silent since before `cutoff` (as `remove_broadcaster`).
    fn expire_broadcasters(
        &self,
        cutoff: Timestamp,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<BroadcasterId>>> + Send;
    /// Matches that have not ended (only `ids` when given), with their players.
    fn list_evr_matches(
        &self,
        ids: Option<&[String]>,
    ) -> impl Future<Output = StoreResult<Vec<EvrMatch>>> + Send;
    fn get_evr_match(&self, id: &str)
        -> impl Future<Output = StoreResult<Option<EvrMatch>>> + Send;
    /// Prepares an idle match; `NotFound` when unknown, `Conflict` when not idle any more.
    fn prepare_evr_match(
        &self,
        id: &str,
        preparation: &Preparation,
        start_time: Timestamp,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<EvrMatch>> + Send;
    /// Adds a player as `decide` says, atomically with the read it decided on. A prepared
    /// match starts. With `exclusive`, the player's EVR id leaves every other match.
    ///
    /// First, in the same transaction, `evr_id` is claimed for `user`: an id no account
    /// holds is linked to `user` (the `evr` external account; kept only when the join
    /// succeeds), and an id another account holds refuses the join with
    /// [`JoinFailure::evr_id_taken`] before anything else is read or changed. Of concurrent
    /// claims of one unlinked id, exactly one user wins.
    fn join_evr_match(
        &self,
        id: &str,
        user: &UserId,
        evr_id: &str,
        exclusive: bool,
        now: Timestamp,
        decide: impl FnOnce(&EvrMatch) -> JoinDecision + Send,
    ) -> impl Future<Output = StoreResult<Option<Result<EvrMatch, JoinFailure>>>> + Send;
    /// Removes a session from a match; false when it was not there.
    fn leave_evr_match(
        &self,
        id: &str,
        session_id: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Starts prepared matches prepared at or before `cutoff`; the started ids.
    fn start_due_matches(
        &self,
        cutoff: Timestamp,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send;
    /// Ends started matches empty since at or before `cutoff` and gives their broadcasters
    /// (when still registered) a new idle match; the ended ids.
    fn end_empty_matches(
        &self,
        cutoff: Timestamp,
        now: Timestamp,
        node: &str,
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send;
    /// Ends a prepared or started match now, as [`EvrStore::end_empty_matches`] ends one: its
    /// players leave and its broadcaster (when still registered) gets a new idle match.
    /// `NotFound` for an unknown match, `Conflict` for an idle or ended one.
    fn end_evr_match(
        &self,
        id: &str,
        now: Timestamp,
        node: &str,
    ) -> impl Future<Output = StoreResult<EndedMatch>> + Send;
}

/// A match an operator ended.
#[derive(Clone, Debug, PartialEq)]
pub struct EndedMatch {
    /// The match as it is now (ended, no players).
    pub ended: EvrMatch,
    /// Who was in it when it ended.
    pub removed_players: Vec<MatchPlayer>,
    /// The broadcaster's idle match afterwards (`None` when the broadcaster is gone).
    pub idle_match_id: Option<String>,
}

/// Which broadcasters an operator lists; every given filter must hold.
#[derive(Clone, Debug)]
pub struct BroadcasterFilter {
    pub operator: Option<UserId>,
    /// Registered with any of these regions (the stored forms of one region).
    pub regions: Vec<String>,
    /// Offering every one of these features.
    pub features: Vec<String>,
    pub version_lock: Option<u64>,
    pub group_id: Option<String>,
    pub state: Option<BroadcasterState>,
    /// A broadcaster whose last heartbeat is older than this is stale.
    pub stale_before: Timestamp,
    /// The page: after the key (registration time, sid) of the previous page's last.
    pub seek: Seek<TimeKey>,
}

/// Which EVR matches an operator lists; every given filter must hold.
#[derive(Clone, Debug)]
pub struct EvrMatchFilter {
    /// One phase; `None` is every phase but `ended`.
    pub phase: Option<Phase>,
    /// Open (prepared or started) or not.
    pub open: Option<bool>,
    pub mode: Option<String>,
    /// Created on a broadcaster with any of these regions (the stored forms of one region).
    pub regions: Vec<String>,
    pub broadcaster: Option<BroadcasterId>,
    /// With a player of this user id, username or EVR id.
    pub player: Option<String>,
    /// The page: after the key (creation time, id) of the previous page's last, in the
    /// list's order (newest first, then by id).
    pub seek: Seek<TimeKey>,
}

/// The operator's view of broadcasters and matches, read in pages.
pub trait EvrAdminStore {
    /// Broadcasters oldest registration first, then by sid.
    fn page_broadcasters(
        &self,
        filter: &BroadcasterFilter,
    ) -> impl Future<Output = StoreResult<Vec<Broadcaster>>> + Send;
    /// The matches that have not ended on these broadcasters, with their players.
    fn live_matches_on(
        &self,
        sids: &[BroadcasterId],
    ) -> impl Future<Output = StoreResult<Vec<EvrMatch>>> + Send;
    /// Matches newest first, then by id, with their players.
    fn page_evr_matches(
        &self,
        filter: &EvrMatchFilter,
    ) -> impl Future<Output = StoreResult<Vec<EvrMatch>>> + Send;
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
    /// The server has not received its current settings yet (now marked as delivered).
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
    fn insert_server(
        &self,
        server: &GameServer,
        token: &SecretHash,
        token_prefix: &str,
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
    /// Saves a server's settings and bumps its settings version.
    fn update_server(
        &self,
        server: &GameServer,
    ) -> impl Future<Output = StoreResult<GameServer>> + Send;
    fn set_server_token(
        &self,
        id: &ServerId,
        token: &SecretHash,
        token_prefix: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// One poll, in one transaction: records presence, checks settings, and leases up to
    /// `limit` due executions (queued, or leased with the lease over; player-bound ones that
    /// require the player online only when the player is present) until `lease_until`.
    /// Executions about a player with an active ban the server enforces are held (neither
    /// leased nor counted) until the ban ends, except the kicks bans queued.
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

pub trait ExecutionStore {
    /// Queues one execution per server.
    fn queue_executions(
        &self,
        servers: &[ServerId],
        new: &NewExecution<'_>,
        now: Timestamp,
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

pub trait BanStore {
    fn insert_ban(&self, ban: &Ban) -> impl Future<Output = StoreResult<()>> + Send;
    /// Every ban of these users, newest first.
    fn bans_of(&self, users: &[UserId]) -> impl Future<Output = StoreResult<Vec<Ban>>> + Send;
    fn lift_bans(
        &self,
        ids: &[BanId],
        now: Timestamp,
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

/// A user's roles: held now, and held before and lost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserRoles {
    pub held: Vec<Role>,
    pub revoked: Vec<Role>,
}

pub trait RoleStore {
    /// `Conflict` when the name or in-game equivalent is taken.
    fn insert_role(&self, role: &Role) -> impl Future<Output = StoreResult<()>> + Send;
    fn list_roles(&self) -> impl Future<Output = StoreResult<Vec<Role>>> + Send;
    /// Grants a role; false when the user held it already.
    fn grant_role(
        &self,
        user: &UserId,
        role: &RoleId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Revokes a role; false when the user did not hold it.
    fn revoke_role(
        &self,
        user: &UserId,
        role: &RoleId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// The roles of these users.
    fn roles_of(
        &self,
        users: &[UserId],
    ) -> impl Future<Output = StoreResult<Vec<(UserId, UserRoles)>>> + Send;
    /// Saves a role's name, in-game equivalent, position and groups; `NotFound` for an
    /// unknown role, `Conflict` when the name or in-game equivalent is another role's.
    fn update_role(&self, role: &Role) -> impl Future<Output = StoreResult<()>> + Send;
    /// Gives the roles positions 1, 2, … in this order, in one transaction; `NotFound` (and
    /// nothing changed) when one of them does not exist.
    fn reorder_roles(&self, order: &[RoleId]) -> impl Future<Output = StoreResult<()>> + Send;
    /// The users holding a role now, by user id, after `after`; at most `limit`.
    fn role_holders(
        &self,
        role: &RoleId,
        after: Option<&UserId>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<RoleHolder>>> + Send;
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

/// Web console sessions, opened with an admin token.
pub trait ConsoleSessionStore {
    /// Stores a session: the hash of its id, the hash of the admin token that opened it.
    fn insert_console_session(
        &self,
        id: &SecretHash,
        admin_token: &SecretHash,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The hash of the admin token of the session with this id, unless it expired by `now`.
    fn find_console_session(
        &self,
        id: &SecretHash,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Option<SecretHash>>> + Send;
    /// Ends a session (nothing happens for an unknown one).
    fn delete_console_session(
        &self,
        id: &SecretHash,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Forgets sessions that expired by `now`; how many.
    fn delete_expired_console_sessions(
        &self,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// The live event log behind `GET /events`.
pub trait EventStore {
    /// Appends an event; its id comes from the log's sequence. On PostgreSQL the id is
    /// announced with `NOTIFY` on [`crate::EVENTS_CHANNEL`] when the insert commits.
    fn append_event(
        &self,
        event: &backline_domain::events::NewEvent,
    ) -> impl Future<Output = StoreResult<backline_domain::events::Event>> + Send;
    /// Appends several events in order, in one transaction (one `NOTIFY`, with the last id).
    fn append_events(
        &self,
        events: &[backline_domain::events::NewEvent],
    ) -> impl Future<Output = StoreResult<Vec<backline_domain::events::Event>>> + Send;
    /// Events with an id above `after`, in id order, at most `limit`.
    fn events_after(
        &self,
        after: backline_domain::events::EventId,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<backline_domain::events::Event>>> + Send;
    /// The highest id the log has given out and still holds or has pruned (0 when none).
    fn last_event_id(
        &self,
    ) -> impl Future<Output = StoreResult<backline_domain::events::EventId>> + Send;
    /// Deletes the events that happened before `cutoff` (and every older id); how many.
    fn prune_events(&self, cutoff: Timestamp) -> impl Future<Output = StoreResult<u64>> + Send;
    /// The highest id pruned so far (0 when none): resuming after an older id would miss
    /// events.
    fn events_pruned_through(
        &self,
    ) -> impl Future<Output = StoreResult<backline_domain::events::EventId>> + Send;
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

/// Everything the server needs from a store.
pub trait Store:
    SettingStore
    + OrgStore
    + AccessKeyStore
    + ApiTokenStore
    + PlayerStore
    + MatchStore
    + StatsStore
    + PlayercamStore
    + UserStore
    + EvrStore
    + EvrAdminStore
    + GameServerStore
    + ExecutionStore
    + BanStore
    + RoleStore
    + LinkTokenStore
    + AdminTokenStore
    + AuditStore
    + ConsoleSessionStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: SettingStore
        + OrgStore
        + AccessKeyStore
        + ApiTokenStore
        + PlayerStore
        + MatchStore
        + StatsStore
        + PlayercamStore
        + UserStore
        + EvrStore
        + EvrAdminStore
        + GameServerStore
        + ExecutionStore
        + BanStore
        + RoleStore
        + LinkTokenStore
        + AdminTokenStore
        + AuditStore
        + AdminTokenStore
        + AuditStore
        + ConsoleSessionStore
        + Send
        + Sync
        + 'static
{
}

/// Counts of live state, read when `/metrics` is scraped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Spectra matches not yet final.
    pub spectra_live_matches: i64,
    /// EVR matches not yet ended.
    pub evr_live_matches: i64,
    /// Registered EVR broadcasters.
    pub evr_broadcasters: i64,
    /// Game-integration executions waiting for a poll.
    pub executions_queued: i64,
    /// Game-integration executions handed out and not yet acknowledged.
    pub executions_leased: i64,
    /// Unfinished executions handed out more than once (their lease ran out).
    pub executions_redelivered: i64,
}

/// Connections of the store's pools (both pools summed on SQLite, one on PostgreSQL).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolUsage {
    /// Open connections.
    pub size: u64,
    /// Open connections not in use.
    pub idle: u64,
}

/// Aggregate counts for monitoring.
pub trait GaugeStore {
    /// Live matches, broadcasters and the execution queue, in one statement.
    fn gauges(&self) -> impl Future<Output = StoreResult<Gauges>> + Send;
    /// The connection pools' current usage (no query).
    fn pool_usage(&self) -> PoolUsage;
}

/// How an operator names an admin token: by id or by name.
#[derive(Clone, Debug)]
pub enum AdminTokenRef {
    Id(backline_domain::ids::AdminTokenId),
    Name(String),
}

/// Operators' named admin tokens.
pub trait AdminTokenStore {
    /// Stores a token unless one with its name exists; true when it was stored.
    fn insert_admin_token_if_absent(
        &self,
        token: &backline_domain::admin::AdminToken,
        hash: &SecretHash,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// The unrevoked token with this hash.
    fn find_active_admin_token(
        &self,
        hash: &SecretHash,
    ) -> impl Future<Output = StoreResult<Option<backline_domain::admin::AdminToken>>> + Send;
    /// Oldest first (creation time, then id).
    fn list_admin_tokens(
        &self,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<backline_domain::admin::AdminToken>>> + Send;
    /// Revokes a token (idempotent); `NotFound` for an unknown one.
    fn revoke_admin_token(
        &self,
        token: &AdminTokenRef,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<backline_domain::admin::AdminToken>> + Send;
    /// Gives the named token a new secret and clears its revocation; `NotFound` when unknown.
    fn replace_admin_token_secret(
        &self,
        name: &str,
        hash: &SecretHash,
        prefix: &str,
    ) -> impl Future<Output = StoreResult<backline_domain::admin::AdminToken>> + Send;
}

/// What to list from the audit log; every `Some` narrows it. Newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Only entries older than this sequence number (the previous page's `next_cursor`).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// The audit log of admin writes.
pub trait AuditStore {
    /// Appends an entry (its `seq` is ignored and assigned by the store).
    fn insert_audit(
        &self,
        entry: &backline_domain::admin::AuditEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn list_audit(
        &self,
        filter: &AuditFilter,
    ) -> impl Future<Output = StoreResult<Vec<backline_domain::admin::AuditEntry>>> + Send;
}
