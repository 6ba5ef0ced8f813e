//! The two writes outside the accounts' own trait that move external accounts: an EVR join
//! claiming an EVR id, and a link token's redemption. Both clear the accounts area.

use super::users::ACCOUNTS;
use super::CachedStore;
use crate::traits::*;
use crate::StoreResult;
use backline_domain::admin::AuditEntry;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::evr::lobby::JoinFailure;
use backline_domain::evr::records::{Broadcaster, EvrMatch, Preparation};
use backline_domain::ids::{BroadcasterId, ServerId, UserId};
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use std::future::Future;

impl<S: Store> EvrStore for CachedStore<S> {
    fn insert_broadcaster(
        &self,
        broadcaster: &Broadcaster,
        idle_match_id: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner.insert_broadcaster(broadcaster, idle_match_id)
    }
    fn get_broadcaster(
        &self,
        sid: &BroadcasterId,
    ) -> impl Future<Output = StoreResult<Option<Broadcaster>>> + Send {
        self.inner.get_broadcaster(sid)
    }
    fn list_broadcasters(&self) -> impl Future<Output = StoreResult<Vec<Broadcaster>>> + Send {
        self.inner.list_broadcasters()
    }
    fn touch_broadcaster(
        &self,
        sid: &BroadcasterId,
        operator: &UserId,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        self.inner.touch_broadcaster(sid, operator, now)
    }
    fn remove_broadcaster(
        &self,
        sid: &BroadcasterId,
        operator: Option<&UserId>,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        self.inner.remove_broadcaster(sid, operator, now, audit)
    }
    fn expire_broadcasters(
        &self,
        cutoff: Timestamp,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<BroadcasterId>>> + Send {
        self.inner.expire_broadcasters(cutoff, now)
    }
    fn list_evr_matches(
        &self,
        ids: Option<&[String]>,
    ) -> impl Future<Output = StoreResult<Vec<EvrMatch>>> + Send {
        self.inner.list_evr_matches(ids)
    }
    fn get_evr_match(
        &self,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<EvrMatch>>> + Send {
        self.inner.get_evr_match(id)
    }
    fn prepare_evr_match(
        &self,
        id: &str,
        preparation: &Preparation,
        start_time: Timestamp,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<EvrMatch>> + Send {
        self.inner
            .prepare_evr_match(id, preparation, start_time, now)
    }
    /// A join that succeeded may have linked the EVR id (a failed one keeps no claim).
    async fn join_evr_match(
        &self,
        id: &str,
        user: &UserId,
        evr_id: &str,
        exclusive: bool,
        now: Timestamp,
        decide: impl FnOnce(&EvrMatch) -> JoinDecision + Send,
    ) -> StoreResult<Option<Result<EvrMatch, JoinFailure>>> {
        let result = self
            .inner
            .join_evr_match(id, user, evr_id, exclusive, now, decide)
            .await;
        if !matches!(result, Ok(None) | Ok(Some(Err(_)))) {
            self.invalidate(super::CacheArea::Accounts);
        }
        result
    }
    fn leave_evr_match(
        &self,
        id: &str,
        session_id: &str,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        self.inner.leave_evr_match(id, session_id, now)
    }
    fn start_due_matches(
        &self,
        cutoff: Timestamp,
        now: Timestamp,
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send {
        self.inner.start_due_matches(cutoff, now)
    }
    fn end_empty_matches(
        &self,
        cutoff: Timestamp,
        now: Timestamp,
        node: &str,
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send {
        self.inner.end_empty_matches(cutoff, now, node)
    }
    fn end_evr_match(
        &self,
        id: &str,
        now: Timestamp,
        node: &str,
        audit: Option<&AuditEntry>,
    ) -> impl Future<Output = StoreResult<EndedMatch>> + Send {
        self.inner.end_evr_match(id, now, node, audit)
    }
}

impl<S: Store> LinkTokenStore for CachedStore<S> {
    fn insert_link_token(
        &self,
        token: &SecretHash,
        server: &ServerId,
        player: &PlayerRef,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.inner
            .insert_link_token(token, server, player, now, expires_at)
    }
    async fn redeem_link_token(
        &self,
        token: &SecretHash,
        user: &UserId,
        now: Timestamp,
    ) -> StoreResult<Result<PlayerRef, LinkRedeemError>> {
        self.writing(ACCOUNTS, self.inner.redeem_link_token(token, user, now))
            .await
    }
    fn find_link_token(
        &self,
        token: &SecretHash,
    ) -> impl Future<Output = StoreResult<Option<LinkTokenView>>> + Send {
        self.inner.find_link_token(token)
    }
}
