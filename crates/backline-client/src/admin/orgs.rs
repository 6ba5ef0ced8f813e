//! Organisations, their access keys, and API tokens (Spectra's backend and stats tokens).

use super::{AdminClient, Page, PageRequest};
use crate::error::Result;
use crate::secret::Secret;
use crate::transport::segment;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

/// An organisation.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub supporter: bool,
    /// RFC 3339.
    pub supporter_until: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// An access key's record (never the key).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct AccessKey {
    pub id: String,
    pub org_id: String,
    /// The key's first characters, to recognise it.
    pub prefix: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A new access key: its record and the key, shown this once.
#[derive(Clone, Debug, Deserialize)]
pub struct IssuedKey {
    #[serde(flatten)]
    pub key: AccessKey,
    pub access_key: Secret,
}

/// An API token's record (never the token).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ApiToken {
    pub id: String,
    /// `spectra-backend` or `spectra-stats`.
    pub kind: String,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A new API token: its record and the token, shown this once.
#[derive(Clone, Debug, Deserialize)]
pub struct IssuedToken {
    #[serde(flatten)]
    pub record: ApiToken,
    pub token: Secret,
}

impl AdminClient {
    /// `GET /admin/v1/orgs`.
    pub async fn list_orgs(&self, page: &PageRequest) -> Result<Page<Org>> {
        self.list("/admin/v1/orgs", "/admin/v1/orgs".into(), page, &[])
            .await
    }

    /// `POST /admin/v1/orgs`: a supporter until `supporter_until` (RFC 3339) when given.
    pub async fn create_org(&self, name: &str, supporter_until: Option<&str>) -> Result<Org> {
        let body = json!({"name": name, "supporter_until": supporter_until});
        self.send(
            Method::POST,
            "/admin/v1/orgs",
            "/admin/v1/orgs".into(),
            Some(&body),
        )
        .await
    }

    /// `GET /admin/v1/orgs/{id}`.
    pub async fn get_org(&self, org_id: &str) -> Result<Org> {
        self.get(
            "/admin/v1/orgs/{org_id}",
            format!("/admin/v1/orgs/{}", segment(org_id)),
        )
        .await
    }

    /// `PUT /admin/v1/orgs/{id}/supporter`.
    pub async fn set_supporter(
        &self,
        org_id: &str,
        supporter: bool,
        until: Option<&str>,
    ) -> Result<Org> {
        let body = json!({"supporter": supporter, "until": until});
        self.send(
            Method::PUT,
            "/admin/v1/orgs/{org_id}/supporter",
            format!("/admin/v1/orgs/{}/supporter", segment(org_id)),
            Some(&body),
        )
        .await
    }

    /// `GET /admin/v1/orgs/{id}/keys` (revoked ones too).
    pub async fn list_keys(&self, org_id: &str, page: &PageRequest) -> Result<Page<AccessKey>> {
        self.list(
            "/admin/v1/orgs/{org_id}/keys",
            format!("/admin/v1/orgs/{}/keys", segment(org_id)),
            page,
            &[],
        )
        .await
    }

    /// `POST /admin/v1/orgs/{id}/keys`: a new access key (ending at `expires_at` when given).
    pub async fn issue_key(&self, org_id: &str, expires_at: Option<&str>) -> Result<IssuedKey> {
        let body = json!({ "expires_at": expires_at });
        self.send(
            Method::POST,
            "/admin/v1/orgs/{org_id}/keys",
            format!("/admin/v1/orgs/{}/keys", segment(org_id)),
            Some(&body),
        )
        .await
    }

    /// `DELETE /admin/v1/keys/{id}`: revokes a key by its id (or the key itself).
    pub async fn revoke_key(&self, key_id: &str) -> Result<AccessKey> {
        self.send::<(), _>(
            Method::DELETE,
            "/admin/v1/keys/{key_id}",
            format!("/admin/v1/keys/{}", segment(key_id)),
            None,
        )
        .await
    }

    /// `GET /admin/v1/tokens`.
    pub async fn list_tokens(&self, page: &PageRequest) -> Result<Page<ApiToken>> {
        self.list("/admin/v1/tokens", "/admin/v1/tokens".into(), page, &[])
            .await
    }

    /// `POST /admin/v1/tokens`: `kind` is `spectra-backend` or `spectra-stats`.
    pub async fn issue_token(&self, kind: &str, name: Option<&str>) -> Result<IssuedToken> {
        let mut body = json!({ "kind": kind });
        if let Some(name) = name {
            body["name"] = json!(name);
        }
        self.send(
            Method::POST,
            "/admin/v1/tokens",
            "/admin/v1/tokens".into(),
            Some(&body),
        )
        .await
    }

    /// `DELETE /admin/v1/tokens/{id}`.
    pub async fn revoke_token(&self, token_id: &str) -> Result<ApiToken> {
        self.send::<(), _>(
            Method::DELETE,
            "/admin/v1/tokens/{token_id}",
            format!("/admin/v1/tokens/{}", segment(token_id)),
            None,
        )
        .await
    }
}
