//! Bans as operators see them: search, ban (as an operator), show, lift.

use super::{AdminClient, Page, PageRequest};
use crate::error::Result;
use crate::game::{Ban, BanScope};
use crate::transport::segment;
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// A ban with its status now (`active`, `lifted`, `expired`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct AdminBan {
    #[serde(flatten)]
    pub ban: Ban,
    pub status: String,
}

/// A ban an operator issues.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewAdminBan {
    pub source: String,
    pub account_id: String,
    pub scope: BanScope,
    /// The server group of a `server` ban (required for it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `None` or 0: permanent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u64>,
    pub reason: String,
}

/// Filters of the ban list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BanFilter {
    /// `SOURCE:ACCOUNT_ID`.
    pub player: Option<String>,
    /// `active`, `lifted` or `expired`.
    pub status: Option<String>,
    pub scope: Option<String>,
    /// The bans this server enforces.
    pub server: Option<String>,
    /// A case-insensitive part of the reason.
    pub reason: Option<String>,
}

impl AdminClient {
    /// `GET /admin/v1/bans`, newest first.
    pub async fn list_bans(
        &self,
        page: &PageRequest,
        filter: &BanFilter,
    ) -> Result<Page<AdminBan>> {
        let filters = [
            ("player", filter.player.clone()),
            ("status", filter.status.clone()),
            ("scope", filter.scope.clone()),
            ("server", filter.server.clone()),
            ("reason", filter.reason.clone()),
        ];
        self.list("/admin/v1/bans", "/admin/v1/bans".into(), page, &filters)
            .await
    }

    /// `POST /admin/v1/bans`: also kicks the player where connected now and the ban applies.
    pub async fn create_ban(&self, ban: &NewAdminBan) -> Result<AdminBan> {
        self.send(
            Method::POST,
            "/admin/v1/bans",
            "/admin/v1/bans".into(),
            Some(ban),
        )
        .await
    }

    /// `GET /admin/v1/bans/{id}`.
    pub async fn get_ban(&self, ban_id: &str) -> Result<AdminBan> {
        self.get(
            "/admin/v1/bans/{ban_id}",
            format!("/admin/v1/bans/{}", segment(ban_id)),
        )
        .await
    }

    /// `POST /admin/v1/bans/{id}/lift` (idempotent).
    pub async fn lift_ban(&self, ban_id: &str) -> Result<AdminBan> {
        self.send::<(), _>(
            Method::POST,
            "/admin/v1/bans/{ban_id}/lift",
            format!("/admin/v1/bans/{}/lift", segment(ban_id)),
            None,
        )
        .await
    }
}
