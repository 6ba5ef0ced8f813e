//! Spectra's records as operators see them: the player registry, matches and their
//! statistics, player-cam sessions. Match records and statistics are Backline's JSON
//! (`serde_json::Value`): they carry Spectra's snapshots as they came.

use super::{AdminClient, Page, PageRequest};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::spectra::{PlayerChange, SessionPlayer};
use crate::transport::segment;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A Riot player in the registry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RiotPlayer {
    pub puuid: String,
    pub full_name: Option<String>,
    pub region: Option<String>,
    pub current_tier: Option<i64>,
    pub peak_tier: Option<i64>,
    /// Tiers an operator set are never overwritten by learned ones.
    pub tiers_set_by_operator: bool,
    pub updated_at: String,
}

/// A change to a player; absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlayerEdit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_tier: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_tier: Option<i64>,
}

/// A player-cam session (never its secret, except once when created).
#[derive(Clone, Debug, Deserialize)]
pub struct AdminPlayercamSession {
    pub id: String,
    pub org_id: String,
    pub identifier: String,
    pub created_at: String,
    pub expires_at: String,
    /// Only in the answer of a create.
    #[serde(default)]
    pub secret: Option<Secret>,
}

#[derive(Deserialize)]
struct SessionPlayersBody {
    players: Vec<SessionPlayer>,
}

impl AdminClient {
    /// `GET /admin/v1/players`.
    pub async fn list_players(&self, page: &PageRequest) -> Result<Page<RiotPlayer>> {
        self.list("/admin/v1/players", "/admin/v1/players".into(), page, &[])
            .await
    }

    /// `PUT /admin/v1/players/{puuid}`.
    pub async fn edit_player(&self, puuid: &str, edit: &PlayerEdit) -> Result<RiotPlayer> {
        self.send(
            Method::PUT,
            "/admin/v1/players/{puuid}",
            format!("/admin/v1/players/{}", segment(puuid)),
            Some(edit),
        )
        .await
    }

    /// `GET /admin/v1/matches?state=&org=`: match records, as JSON.
    pub async fn list_matches(
        &self,
        page: &PageRequest,
        state: Option<&str>,
        org: Option<&str>,
    ) -> Result<Page<Value>> {
        let filters = [
            ("state", state.map(str::to_owned)),
            ("org", org.map(str::to_owned)),
        ];
        self.list(
            "/admin/v1/matches",
            "/admin/v1/matches".into(),
            page,
            &filters,
        )
        .await
    }

    /// `GET /admin/v1/matches/{id}`: every observer's record with its snapshot, as JSON.
    pub async fn get_match(&self, match_id: &str) -> Result<Value> {
        self.get(
            "/admin/v1/matches/{match_id}",
            format!("/admin/v1/matches/{}", segment(match_id)),
        )
        .await
    }

    /// `GET /admin/v1/matches/{id}/stats`, as JSON.
    pub async fn get_match_stats(&self, match_id: &str) -> Result<Value> {
        self.get(
            "/admin/v1/matches/{match_id}/stats",
            format!("/admin/v1/matches/{}/stats", segment(match_id)),
        )
        .await
    }

    /// `GET /admin/v1/matches/{id}/stats.csv`: one row per player.
    pub async fn get_match_stats_csv(&self, match_id: &str) -> Result<String> {
        let call = self.call(
            Method::GET,
            "/admin/v1/matches/{match_id}/stats.csv",
            format!("/admin/v1/matches/{}/stats.csv", segment(match_id)),
        )?;
        let reply = self.transport.send(call).await?;
        String::from_utf8(reply.body)
            .map_err(|e| Error::InvalidInput(format!("the CSV is not UTF-8: {e}")))
    }

    /// `GET /admin/v1/orgs/{id}/playercam-sessions`.
    pub async fn list_playercam_sessions(
        &self,
        org_id: &str,
        page: &PageRequest,
    ) -> Result<Page<AdminPlayercamSession>> {
        self.list(
            "/admin/v1/orgs/{org_id}/playercam-sessions",
            format!("/admin/v1/orgs/{}/playercam-sessions", segment(org_id)),
            page,
            &[],
        )
        .await
    }

    /// `POST /admin/v1/orgs/{id}/playercam-sessions`: the session with its `secret` (once).
    pub async fn create_playercam_session(&self, org_id: &str) -> Result<AdminPlayercamSession> {
        self.send(
            Method::POST,
            "/admin/v1/orgs/{org_id}/playercam-sessions",
            format!("/admin/v1/orgs/{}/playercam-sessions", segment(org_id)),
            Some(&serde_json::json!({})),
        )
        .await
    }

    /// `GET /admin/v1/playercam-sessions/{identifier}/players`.
    pub async fn list_playercam_players(&self, identifier: &str) -> Result<Vec<SessionPlayer>> {
        let body: SessionPlayersBody = self
            .get(
                "/admin/v1/playercam-sessions/{identifier}/players",
                format!(
                    "/admin/v1/playercam-sessions/{}/players",
                    segment(identifier)
                ),
            )
            .await?;
        Ok(body.players)
    }

    /// `PUT /admin/v1/playercam-sessions/{identifier}/players/{Name#TAG}`.
    pub async fn change_playercam_player(
        &self,
        identifier: &str,
        full_name: &str,
        change: &PlayerChange,
    ) -> Result<SessionPlayer> {
        self.send(
            Method::PUT,
            "/admin/v1/playercam-sessions/{identifier}/players/{full_name}",
            format!(
                "/admin/v1/playercam-sessions/{}/players/{}",
                segment(identifier),
                segment(full_name)
            ),
            Some(change),
        )
        .await
    }
}
