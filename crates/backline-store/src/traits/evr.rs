//! EVR: broadcasters, matches and their players, and the operators' views of them.

use backline_domain::admin::AuditEntry;
use backline_domain::evr::lobby::JoinFailure;
use backline_domain::evr::records::{
    Broadcaster, BroadcasterState, EvrMatch, MatchPlayer, Phase, Preparation,
};
use backline_domain::ids::{BroadcasterId, UserId};
use backline_domain::Timestamp;
use std::future::Future;

use super::{Seek, TimeKey};
use crate::StoreResult;

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
    /// its unstarted prepared matches end. False when there was none. The audit entry of the
    /// Backline operator who removed it (none for its own unregistering) is recorded in the
    /// same transaction, only when one was removed.
    fn remove_broadcaster(
        &self,
        sid: &BroadcasterId,
        operator: Option<&UserId>,
        now: Timestamp,
        audit: Option<&AuditEntry>,
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
    /// `NotFound` for an unknown match, `Conflict` for an idle or ended one. The audit entry
    /// of the operator who ended it is recorded in the same transaction (not on an error).
    fn end_evr_match(
        &self,
        id: &str,
        now: Timestamp,
        node: &str,
        audit: Option<&AuditEntry>,
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

forwarded_store_trait! {
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
}
