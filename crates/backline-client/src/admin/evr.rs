//! EVR broadcasters and matches as operators see them. Broadcasters are typed; matches are
//! Backline's JSON (`serde_json::Value`): they carry EVR labels, with `u64` numbers above
//! 2^53.

use super::{AdminClient, Page, PageRequest};
use crate::error::Result;
use crate::transport::segment;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

/// A registered EVR game server.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Broadcaster {
    /// The session id (`sid`).
    pub id: String,
    pub server_id: u64,
    pub internal_ip: String,
    pub external_ip: String,
    pub port: u16,
    /// `<internal ip>:<external ip>:<port>`.
    pub endpoint: String,
    pub regions: Vec<String>,
    pub version_lock: u64,
    pub features: Vec<String>,
    pub tags: Vec<String>,
    pub group_ids: Vec<String>,
    pub operator_id: String,
    pub registered_at: String,
    pub last_heartbeat_at: String,
    /// `idle`, `in_match` or `stale`.
    pub state: String,
    pub idle_match_id: Option<String>,
    /// The prepared or started match it hosts, as JSON.
    #[serde(default)]
    pub current_match: Option<Value>,
    /// The operator's user (`id`, `username`, `display_name`), when shown one by one.
    #[serde(default)]
    pub operator: Option<Value>,
}

impl AdminClient {
    /// `GET /admin/v1/broadcasters?state=&region=&operator=`, oldest registration first.
    pub async fn list_broadcasters(
        &self,
        page: &PageRequest,
        state: Option<&str>,
        region: Option<&str>,
        operator: Option<&str>,
    ) -> Result<Page<Broadcaster>> {
        let filters = [
            ("state", state.map(str::to_owned)),
            ("region", region.map(str::to_owned)),
            ("operator", operator.map(str::to_owned)),
        ];
        self.list(
            "/admin/v1/broadcasters",
            "/admin/v1/broadcasters".into(),
            page,
            &filters,
        )
        .await
    }

    /// `GET /admin/v1/broadcasters/{sid}`.
    pub async fn get_broadcaster(&self, sid: &str) -> Result<Broadcaster> {
        self.get(
            "/admin/v1/broadcasters/{sid}",
            format!("/admin/v1/broadcasters/{}", segment(sid)),
        )
        .await
    }

    /// `DELETE /admin/v1/broadcasters/{sid}` (owner only; as EVR's unregister).
    pub async fn remove_broadcaster(&self, sid: &str) -> Result<Broadcaster> {
        self.send::<(), _>(
            Method::DELETE,
            "/admin/v1/broadcasters/{sid}",
            format!("/admin/v1/broadcasters/{}", segment(sid)),
            None,
        )
        .await
    }

    /// `GET /admin/v1/evr/matches?state=&mode=&broadcaster=&player=`, newest first.
    pub async fn list_evr_matches(
        &self,
        page: &PageRequest,
        state: Option<&str>,
        mode: Option<&str>,
        broadcaster: Option<&str>,
    ) -> Result<Page<Value>> {
        let filters = [
            ("state", state.map(str::to_owned)),
            ("mode", mode.map(str::to_owned)),
            ("broadcaster", broadcaster.map(str::to_owned)),
        ];
        self.list(
            "/admin/v1/evr/matches",
            "/admin/v1/evr/matches".into(),
            page,
            &filters,
        )
        .await
    }

    /// `GET /admin/v1/evr/matches/{match_id}`: with the raw and the public label.
    pub async fn get_evr_match(&self, match_id: &str) -> Result<Value> {
        self.get(
            "/admin/v1/evr/matches/{match_id}",
            format!("/admin/v1/evr/matches/{}", segment(match_id)),
        )
        .await
    }

    /// `POST /admin/v1/evr/matches/{match_id}/end`: every player removed (409 for an idle or
    /// ended match).
    pub async fn end_evr_match(&self, match_id: &str) -> Result<Value> {
        self.send::<(), _>(
            Method::POST,
            "/admin/v1/evr/matches/{match_id}/end",
            format!("/admin/v1/evr/matches/{}/end", segment(match_id)),
            None,
        )
        .await
    }
}
