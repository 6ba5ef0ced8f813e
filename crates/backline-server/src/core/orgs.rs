//! Organisations, their access keys and supporter status.
//!
//! Creating organisations, their supporter status and their keys are the owner's (keys are
//! secrets); every role may read them (keys without the key). Each change is recorded in the
//! audit log with the change itself.

use super::access::{Administer, Grant, View};
use super::audit::Audited;
use super::page::{time_key, Page, PageRequest};
use super::{Core, CoreError, CoreResult};
use crate::core::Entity;
use backline_domain::ids::{AccessKeyId, OrgId};
use backline_domain::org::{AccessKey, KeyValidity, Organisation};
use backline_domain::secret::{display_prefix, IssuedSecret, SecretHash};
use backline_domain::Timestamp;
use backline_store::{AccessKeyRef, Store, StoreError};

/// Length of generated access keys (alphanumeric, about 190 bits).
const ACCESS_KEY_LEN: usize = 32;

/// A key as issued: the stored record and the key itself, shown once.
#[derive(Debug)]
pub struct IssuedKey {
    pub key: AccessKey,
    pub secret: IssuedSecret,
}

impl IssuedKey {
    /// The key's record with the key itself under `access_key`.
    pub fn to_json(&self) -> serde_json::Value {
        super::issued::with_secret(&self.key, "access_key", self.secret.expose())
    }
}

impl<S: Store> Core<S> {
    /// Creates an organisation (a supporter until `supporter_until` when given).
    pub async fn create_org(
        &self,
        grant: &Grant<Administer>,
        name: &str,
        supporter_until: Option<Timestamp>,
    ) -> CoreResult<Organisation> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 128 {
            return Err(CoreError::invalid("name", "must be 1 to 128 characters"));
        }
        let org = Organisation {
            id: OrgId::generate(),
            name: name.to_owned(),
            supporter: supporter_until.is_some(),
            supporter_until,
            created_at: self.now(),
        };
        let audit = grant.audit(org.created_at, Audited::Orgs, Some(org.id.to_string()));
        self.store.insert_org(&org, Some(&audit)).await?;
        Ok(org)
    }

    /// An organisation, by id.
    pub async fn get_org(&self, _: &Grant<View>, id: &OrgId) -> CoreResult<Organisation> {
        self.find_org(id).await
    }

    /// An organisation, by id, for every path (Spectra's among them).
    pub(super) async fn find_org(&self, id: &OrgId) -> CoreResult<Organisation> {
        self.store
            .get_org(id)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Organisation, id))
    }

    /// A page of organisations, oldest first.
    pub async fn list_orgs(
        &self,
        _: &Grant<View>,
        page: &PageRequest,
    ) -> CoreResult<Page<Organisation>> {
        let rows = self.store.list_orgs(&page.time_seek()?).await?;
        Ok(page.page(rows, |o| time_key(o.created_at, o.id.as_str())))
    }

    /// Makes the organisation a supporter until `until` (forever with `None`), or not at all.
    /// Setting what is already set is a change all the same (and audited).
    pub async fn set_supporter(
        &self,
        grant: &Grant<Administer>,
        id: &OrgId,
        supporter: bool,
        until: Option<Timestamp>,
    ) -> CoreResult<Organisation> {
        let until = if supporter { until } else { None };
        let audit = grant.audit(self.now(), Audited::Orgs, Some(id.to_string()));
        self.store
            .set_supporter(id, supporter, until, Some(&audit))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::not_found(Entity::Organisation, id),
                other => other.into(),
            })
    }

    /// Whether the organisation is a supporter now; an unknown one is `NotFound`.
    pub async fn is_supporter(&self, id: &OrgId) -> CoreResult<bool> {
        Ok(self.find_org(id).await?.is_supporter_at(self.now()))
    }

    /// Issues an access key of the organisation (expiring at `expires_at`, in the future,
    /// when given); the key itself is shown once and stored as a hash. The audit log names
    /// the key's id.
    pub async fn issue_key(
        &self,
        grant: &Grant<Administer>,
        org_id: &OrgId,
        expires_at: Option<Timestamp>,
    ) -> CoreResult<IssuedKey> {
        self.find_org(org_id).await?;
        let now = self.now();
        if expires_at.is_some_and(|at| at <= now) {
            return Err(CoreError::invalid("expires_at", "must be in the future"));
        }
        let secret = IssuedSecret::generate(ACCESS_KEY_LEN);
        let key = AccessKey {
            id: AccessKeyId::generate(),
            org_id: org_id.clone(),
            prefix: display_prefix(secret.expose()),
            created_at: now,
            expires_at,
            revoked_at: None,
        };
        let audit = grant.audit(now, Audited::Keys, Some(key.id.to_string()));
        self.store
            .insert_access_key(&key, &secret.hash(), Some(&audit))
            .await?;
        Ok(IssuedKey { key, secret })
    }

    /// A page of access keys (of one organisation, or of all), oldest first.
    pub async fn list_keys(
        &self,
        _: &Grant<View>,
        org_id: Option<&OrgId>,
        page: &PageRequest,
    ) -> CoreResult<Page<AccessKey>> {
        let rows = self
            .store
            .list_access_keys(org_id, &page.time_seek()?)
            .await?;
        Ok(page.page(rows, |k| time_key(k.created_at, k.id.as_str())))
    }

    /// Revokes a key named by its id or by the key itself (revoking a revoked key keeps its
    /// first revocation, and is audited all the same). The audit log names the key's id,
    /// never the key.
    pub async fn revoke_key(
        &self,
        grant: &Grant<Administer>,
        key_or_id: &str,
    ) -> CoreResult<AccessKey> {
        let now = self.now();
        // Recorded only if a key has this id (the store records nothing when none matches),
        // so a key given here is never written to the log.
        let by_id = AccessKeyRef::Id(AccessKeyId::from_string(key_or_id));
        let audit = grant.audit(now, Audited::Keys, Some(key_or_id.to_owned()));
        match self
            .store
            .revoke_access_key(&by_id, now, Some(&audit))
            .await
        {
            Err(StoreError::NotFound) => {}
            other => return Ok(other?),
        }
        let hash = SecretHash::of(key_or_id);
        let (key, _) = self
            .store
            .find_access_key(&hash)
            .await?
            .ok_or_else(|| CoreError::none_found(Entity::AccessKey))?;
        let audit = grant.audit(now, Audited::Keys, Some(key.id.to_string()));
        self.store
            .revoke_access_key(&AccessKeyRef::Id(key.id), now, Some(&audit))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::none_found(Entity::AccessKey),
                other => other.into(),
            })
    }

    /// What a presented access key is worth right now.
    pub async fn validate_key(&self, presented: &str) -> CoreResult<KeyValidity> {
        let found = self
            .store
            .find_access_key(&SecretHash::of(presented))
            .await?;
        Ok(match found {
            None => KeyValidity::Invalid,
            Some((key, org)) => key.validity_at(org, self.now()),
        })
    }
}
