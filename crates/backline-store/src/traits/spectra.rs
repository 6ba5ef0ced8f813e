//! The Spectra backend's rows: organisations and their access keys, API tokens, the Riot
//! player registry, matches and their snapshots, statistics, player-cam sessions.

use backline_domain::admin::AuditEntry;
use backline_domain::events::{EventId, NewEvent};
use backline_domain::ids::{AccessKeyId, ApiTokenId, OrgId};
use backline_domain::org::{AccessKey, Organisation};
use backline_domain::secret::SecretHash;
use backline_domain::spectra::lifecycle::{MatchState, Progress};
use backline_domain::spectra::player::{ObservedPlayer, RiotPlayer};
use backline_domain::spectra::playercam::{PlayercamPlayer, PlayercamSession};
use backline_domain::spectra::record::{MatchRecord, StatsRecord};
use backline_domain::tokens::{ApiToken, ApiTokenKind};
use backline_domain::Timestamp;
use std::future::Future;

use super::{Seek, TimeKey};
use crate::StoreResult;

pub trait OrgStore {
    /// Stores a new organisation, with the audit entry of the operator who created it in the
    /// same transaction.
    fn insert_org(
        &self,
        org: &Organisation,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn get_org(&self, id: &OrgId)
        -> impl Future<Output = StoreResult<Option<Organisation>>> + Send;
    /// Oldest first (creation time, then id).
    fn list_orgs(
        &self,
        seek: &Seek<TimeKey>,
    ) -> impl Future<Output = StoreResult<Vec<Organisation>>> + Send;
    /// Sets the supporter flag and its end, with the operator's audit entry in the same
    /// transaction; `NotFound` (and nothing recorded) for an unknown organisation.
    fn set_supporter(
        &self,
        id: &OrgId,
        supporter: bool,
        until: Option<Timestamp>,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<Organisation>> + Send;
}

/// How an operator names an access key to revoke: by id or by the key itself.
#[derive(Clone, Debug)]
pub enum AccessKeyRef {
    Id(AccessKeyId),
    Hash(SecretHash),
}

pub trait AccessKeyStore {
    /// Stores a new key (its hash, never the key), with the audit entry of the operator who
    /// issued it in the same transaction.
    fn insert_access_key(
        &self,
        key: &AccessKey,
        hash: &SecretHash,
        audit: Option<&AuditEntry>,
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
    /// Revokes the key (keeping the first revocation time), with the operator's audit entry
    /// in the same transaction; `NotFound` (and nothing recorded) when no key matches.
    fn revoke_access_key(
        &self,
        key: &AccessKeyRef,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<AccessKey>> + Send;
}

pub trait ApiTokenStore {
    /// Stores a new token (its hash, never the token), with the audit entry of the operator
    /// who issued it in the same transaction.
    fn insert_api_token(
        &self,
        token: &ApiToken,
        hash: &SecretHash,
        audit: Option<&AuditEntry>,
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
    /// Revokes the token (keeping the first revocation time), with the operator's audit
    /// entry in the same transaction; `NotFound` (and nothing recorded) for an unknown token.
    fn revoke_api_token(
        &self,
        id: &ApiTokenId,
        now: Timestamp,
        audit: Option<&AuditEntry>,
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

forwarded_store_trait! {
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
        /// Applies an operator's change, creating the player if needed, with the operator's
        /// audit entry in the same transaction.
        fn change_player(
            &self,
            puuid: &str,
            change: &PlayerChange,
            now: Timestamp,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<RiotPlayer>> + Send;
    }
}

/// A snapshot to record, already parsed and stripped of secrets. Owned, because the store
/// may hand it to the task that writes concurrent snapshots together (group commit).
#[derive(Clone, Debug)]
pub struct SnapshotWrite {
    pub match_id: String,
    pub group_code: String,
    pub org_id: Option<String>,
    pub state: MatchState,
    pub round_number: i64,
    pub round_phase: String,
    pub map: Option<String>,
    pub match_type: Option<String>,
    pub snapshot_json: String,
    pub now: Timestamp,
}

impl SnapshotWrite {
    /// How far into its match the snapshot is (the newer-wins rule's input).
    pub fn progress(&self) -> Progress {
        Progress {
            is_final: self.state.is_final(),
            round_number: self.round_number,
        }
    }
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

forwarded_store_trait! {
    pub trait MatchStore {
        /// Records a snapshot unless the stored one is further along (see
        /// `backline_domain::spectra::lifecycle::Progress`); creates the match when unknown.
        /// A register also stamps `registered_at`. Appends `event` (the event reporting the
        /// snapshot) in the same transaction and answers its id; on PostgreSQL the id is
        /// announced with `NOTIFY` at commit, as [`super::EventStore::append_events`] does.
        ///
        /// Atomic under concurrent calls, and the outcome is the same as if concurrent calls
        /// had run one after the other in the order they arrived. The SQL store commits
        /// concurrent calls together (one transaction, see `sql/snapshot_queue.rs`); an answer
        /// of `Ok` means the transaction holding this snapshot committed.
        fn record_snapshot(
            &self,
            write: SnapshotWrite,
            event: NewEvent,
        ) -> impl Future<Output = StoreResult<EventId>> + Send;
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
}

forwarded_store_trait! {
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
        /// Stores a match's computed statistics, with the audit entry of the operator who had
        /// them recomputed (none when Spectra or a read computed them) in the same transaction.
        fn save_match_stats(
            &self,
            match_id: &str,
            stats_json: &str,
            now: Timestamp,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<()>> + Send;
        fn get_stats(
            &self,
            match_id: &str,
        ) -> impl Future<Output = StoreResult<Option<StatsRecord>>> + Send;
    }
}

/// A change to one player of a player-cam session; `None` leaves a field as it is,
/// `Some(None)` clears the display name.
#[derive(Clone, Debug, Default)]
pub struct PlayercamChange {
    pub camera_enabled: Option<bool>,
    pub display_name: Option<Option<String>>,
}

forwarded_store_trait! {
    pub trait PlayercamStore {
        /// Stores a new session (the hash of its secret), with the audit entry of the operator
        /// who created it (none when Spectra did, with an access key) in the same transaction.
        fn insert_playercam_session(
            &self,
            session: &PlayercamSession,
            secret: &SecretHash,
            audit: Option<&AuditEntry>,
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
        /// Changes one player of a session (creating the row), with the audit entry of the
        /// operator who changed it (none through the session's own page) in the same
        /// transaction.
        fn change_playercam_player(
            &self,
            session: &PlayercamSession,
            full_name: &str,
            change: &PlayercamChange,
            audit: Option<&AuditEntry>,
        ) -> impl Future<Output = StoreResult<PlayercamPlayer>> + Send;
    }
}
