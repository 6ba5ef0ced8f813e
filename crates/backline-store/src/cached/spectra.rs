//! The Spectra credentials: access keys (with their organisation) and API tokens.

use super::{CacheArea, CachedStore};
use crate::traits::*;
use crate::StoreResult;
use backline_domain::admin::AuditEntry;
use backline_domain::ids::{ApiTokenId, OrgId};
use backline_domain::org::{AccessKey, Organisation};
use backline_domain::secret::SecretHash;
use backline_domain::tokens::{ApiToken, ApiTokenKind};
use backline_domain::Timestamp;

const KEYS: &[CacheArea] = &[CacheArea::SpectraKeys];
const TOKENS: &[CacheArea] = &[CacheArea::ApiTokens];

/// An organisation travels with each cached access key, so its changes clear the keys.
impl<S: Store> OrgStore for CachedStore<S> {
    async fn insert_org(&self, org: &Organisation, audit: Option<&AuditEntry>) -> StoreResult<()> {
        self.writing(KEYS, self.inner.insert_org(org, audit)).await
    }

    async fn get_org(&self, id: &OrgId) -> StoreResult<Option<Organisation>> {
        self.inner.get_org(id).await
    }

    async fn list_orgs(&self, seek: &Seek<TimeKey>) -> StoreResult<Vec<Organisation>> {
        self.inner.list_orgs(seek).await
    }

    async fn set_supporter(
        &self,
        id: &OrgId,
        supporter: bool,
        until: Option<Timestamp>,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<Organisation> {
        self.writing(KEYS, self.inner.set_supporter(id, supporter, until, audit))
            .await
    }
}

impl<S: Store> AccessKeyStore for CachedStore<S> {
    async fn insert_access_key(
        &self,
        key: &AccessKey,
        hash: &SecretHash,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.writing(KEYS, self.inner.insert_access_key(key, hash, audit))
            .await
    }

    /// Cached; the caller judges expiry and revocation at each use (`AccessKey::validity_at`).
    async fn find_access_key(
        &self,
        hash: &SecretHash,
    ) -> StoreResult<Option<(AccessKey, Organisation)>> {
        self.cached(
            |s| &s.spectra_keys,
            |m| m.by_hash.get(hash),
            self.inner.find_access_key(hash),
            |m, v| m.by_hash.put(hash.clone(), v),
        )
        .await
    }

    async fn list_access_keys(
        &self,
        org: Option<&OrgId>,
        seek: &Seek<TimeKey>,
    ) -> StoreResult<Vec<AccessKey>> {
        self.inner.list_access_keys(org, seek).await
    }

    async fn revoke_access_key(
        &self,
        key: &AccessKeyRef,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<AccessKey> {
        self.writing(KEYS, self.inner.revoke_access_key(key, now, audit))
            .await
    }
}

impl<S: Store> ApiTokenStore for CachedStore<S> {
    async fn insert_api_token(
        &self,
        token: &ApiToken,
        hash: &SecretHash,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.writing(TOKENS, self.inner.insert_api_token(token, hash, audit))
            .await
    }

    /// Cached: only unrevoked tokens are found, and a revocation clears the area.
    async fn find_active_api_token(
        &self,
        kind: ApiTokenKind,
        hash: &SecretHash,
    ) -> StoreResult<Option<ApiToken>> {
        let key = (kind, hash.clone());
        self.cached(
            |s| &s.api_tokens,
            |m| m.by_hash.get(&key),
            self.inner.find_active_api_token(kind, hash),
            |m, v| m.by_hash.put(key.clone(), v),
        )
        .await
    }

    async fn list_api_tokens(&self, seek: &Seek<TimeKey>) -> StoreResult<Vec<ApiToken>> {
        self.inner.list_api_tokens(seek).await
    }

    async fn revoke_api_token(
        &self,
        id: &ApiTokenId,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<ApiToken> {
        self.writing(TOKENS, self.inner.revoke_api_token(id, now, audit))
            .await
    }
}
