//! The operator surface's own records: admin tokens, the audit log, the Nakama keys and the
//! game integration's link tokens.

use super::{AdminClient, Page, PageRequest};
use crate::error::Result;
use crate::secret::Secret;
use crate::transport::segment;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

/// An admin token's record (never the token).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct AdminToken {
    pub id: String,
    pub name: String,
    /// `owner`, `moderator` or `viewer`.
    pub role: String,
    pub prefix: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A new admin token: its record and the token, shown this once.
#[derive(Clone, Debug, Deserialize)]
pub struct IssuedAdminToken {
    #[serde(flatten)]
    pub record: AdminToken,
    pub token: Secret,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct AuditEntry {
    /// Increasing; the cursor of the next (older) page is the last `seq` of a page.
    pub seq: i64,
    pub at: String,
    /// The admin token's name, `cli`, …
    pub actor: String,
    pub actor_id: Option<String>,
    /// `POST /admin/v1/orgs`, `console: lift ban`, `org create`, …
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// The client's address, or `cli`.
    pub source: String,
}

/// Filters of the audit log (exact matches; `since` inclusive, `until` exclusive, RFC 3339).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// Where a Nakama key comes from, and the value of the server and http keys.
#[derive(Clone, Debug, Deserialize)]
pub struct KeyReport {
    /// `configured` or `database`.
    pub source: String,
    /// Only for the server key and the http key.
    #[serde(default)]
    pub value: Option<Secret>,
}

/// The four Nakama keys as owners see them.
#[derive(Clone, Debug, Deserialize)]
pub struct NakamaKeys {
    pub server_key: KeyReport,
    pub http_key: KeyReport,
    pub session_encryption_key: KeyReport,
    pub refresh_encryption_key: KeyReport,
}

/// A link token as operators see it (never the token).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LinkTokenSummary {
    pub id: String,
    pub server_id: String,
    pub player: super::PlayerWire,
    /// `active`, `used` or `expired`.
    pub state: String,
    pub created_at: String,
    pub expires_at: String,
    pub redeemed_at: Option<String>,
    pub redeemed_by: Option<String>,
}

impl AdminClient {
    /// `GET /admin/v1/admin-tokens` (owner only).
    pub async fn list_admin_tokens(&self, page: &PageRequest) -> Result<Page<AdminToken>> {
        self.list(
            "/admin/v1/admin-tokens",
            "/admin/v1/admin-tokens".into(),
            page,
            &[],
        )
        .await
    }

    /// `POST /admin/v1/admin-tokens`: `role` is `owner`, `moderator` or `viewer`.
    pub async fn issue_admin_token(&self, name: &str, role: &str) -> Result<IssuedAdminToken> {
        self.send(
            Method::POST,
            "/admin/v1/admin-tokens",
            "/admin/v1/admin-tokens".into(),
            Some(&json!({"name": name, "role": role})),
        )
        .await
    }

    /// `DELETE /admin/v1/admin-tokens/{id or name}`.
    pub async fn revoke_admin_token(&self, id_or_name: &str) -> Result<AdminToken> {
        self.send::<(), _>(
            Method::DELETE,
            "/admin/v1/admin-tokens/{token}",
            format!("/admin/v1/admin-tokens/{}", segment(id_or_name)),
            None,
        )
        .await
    }

    /// `GET /admin/v1/audit`, newest first.
    pub async fn list_audit(
        &self,
        page: &PageRequest,
        filter: &AuditFilter,
    ) -> Result<Page<AuditEntry>> {
        let filters = [
            ("actor", filter.actor.clone()),
            ("entity_type", filter.entity_type.clone()),
            ("entity_id", filter.entity_id.clone()),
            ("action", filter.action.clone()),
            ("since", filter.since.clone()),
            ("until", filter.until.clone()),
        ];
        self.list("/admin/v1/audit", "/admin/v1/audit".into(), page, &filters)
            .await
    }

    /// `GET /admin/v1/nakama/keys` (owner only).
    pub async fn nakama_keys(&self) -> Result<NakamaKeys> {
        self.get("/admin/v1/nakama/keys", "/admin/v1/nakama/keys".into())
            .await
    }

    /// `GET /admin/v1/link-tokens?server=&state=&player=SOURCE:ID`, newest first.
    pub async fn list_link_tokens(
        &self,
        page: &PageRequest,
        server: Option<&str>,
        state: Option<&str>,
        player: Option<&str>,
    ) -> Result<Page<LinkTokenSummary>> {
        let filters = [
            ("server", server.map(str::to_owned)),
            ("state", state.map(str::to_owned)),
            ("player", player.map(str::to_owned)),
        ];
        self.list(
            "/admin/v1/link-tokens",
            "/admin/v1/link-tokens".into(),
            page,
            &filters,
        )
        .await
    }

    /// `DELETE /admin/v1/link-tokens/{id}`: revokes an unused one (409 for a used one).
    pub async fn revoke_link_token(&self, id: &str) -> Result<LinkTokenSummary> {
        self.send::<(), _>(
            Method::DELETE,
            "/admin/v1/link-tokens/{id}",
            format!("/admin/v1/link-tokens/{}", segment(id)),
            None,
        )
        .await
    }
}
