//! Player cams: creating a session with an organisation's access key, reading the name
//! overrides and cameras as Spectra Server does, and the session page's own calls (the
//! session's players, changing one) with the session secret.

use super::SpectraClient;
use crate::error::{Error, Result, Surface};
use crate::secret::Secret;
use crate::transport::{segment, Call};
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// A new player-cam session: the identifier (public, part of every URL) and the secret
/// (shown once).
#[derive(Clone, Debug, Deserialize)]
pub struct PlayercamSession {
    #[serde(rename = "sessionIdentifier")]
    pub identifier: String,
    #[serde(rename = "sessionSecret")]
    pub secret: Secret,
}

/// What Spectra Server reads for a session: display names by `Name#TAG`, and the players
/// with a camera.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameOverrides {
    /// `(Name#TAG, display name)` pairs.
    pub overrides: Vec<(String, String)>,
    /// `Name#TAG`s with a camera enabled.
    pub enabled_players: Vec<String>,
}

/// A session, as its page sees it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub org_id: String,
    pub identifier: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// One player's settings in a session.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SessionPlayer {
    /// `Name#TAG`.
    pub full_name: String,
    pub camera_enabled: bool,
    pub display_name: Option<String>,
}

/// A session and its players.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SessionPlayers {
    pub session: SessionInfo,
    pub players: Vec<SessionPlayer>,
}

/// A change to one player: absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlayerChange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera_enabled: Option<bool>,
    /// `Some(None)` clears the display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OverridesBody {
    name_overrides: String,
    enabled_players: Vec<String>,
}

impl SpectraClient {
    /// `POST /spectra/playercam/api/createSession` with the organisation's access key
    /// (`X-Organization-Key`). Sent once: each call makes a session.
    pub async fn create_playercam_session(&self, access_key: &Secret) -> Result<PlayercamSession> {
        let call = Call::new(
            Surface::Spectra,
            Method::POST,
            "/spectra/playercam/api/createSession",
            "/spectra/playercam/api/createSession",
        )
        .secret_header("x-organization-key", access_key.expose())?
        .json(&serde_json::json!({}))?;
        self.transport.send(call).await?.json()
    }

    /// `GET …/getNameOverridesAndPlayercams/{identifier}/{secret}`, with the overrides (a
    /// JSON array inside a string on the wire) read into pairs.
    pub async fn name_overrides(&self, identifier: &str, secret: &Secret) -> Result<NameOverrides> {
        let call = Call::new(
            Surface::Spectra,
            Method::GET,
            "/spectra/playercam/api/getNameOverridesAndPlayercams/{identifier}/{secret}",
            format!(
                "/spectra/playercam/api/getNameOverridesAndPlayercams/{}/{}",
                segment(identifier),
                segment(secret.expose())
            ),
        );
        let reply = self.transport.send(call).await?;
        let body: OverridesBody = reply.json()?;
        let overrides: Vec<(String, String)> =
            serde_json::from_str(&body.name_overrides).map_err(|source| Error::Decode {
                status: reply.status,
                source,
                snippet: crate::error::snippet(body.name_overrides.as_bytes()),
            })?;
        Ok(NameOverrides {
            overrides,
            enabled_players: body.enabled_players,
        })
    }

    /// `GET /spectra/playercam/api/session/{identifier}/players` (`X-Session-Secret`).
    pub async fn session_players(
        &self,
        identifier: &str,
        secret: &Secret,
    ) -> Result<SessionPlayers> {
        let call = Call::new(
            Surface::Spectra,
            Method::GET,
            "/spectra/playercam/api/session/{identifier}/players",
            format!(
                "/spectra/playercam/api/session/{}/players",
                segment(identifier)
            ),
        )
        .secret_header("x-session-secret", secret.expose())?;
        self.transport.send(call).await?.json()
    }

    /// `PUT /spectra/playercam/api/session/{identifier}/players/{Name#TAG}`.
    pub async fn change_session_player(
        &self,
        identifier: &str,
        secret: &Secret,
        full_name: &str,
        change: &PlayerChange,
    ) -> Result<SessionPlayer> {
        let call = Call::new(
            Surface::Spectra,
            Method::PUT,
            "/spectra/playercam/api/session/{identifier}/players/{full_name}",
            format!(
                "/spectra/playercam/api/session/{}/players/{}",
                segment(identifier),
                segment(full_name)
            ),
        )
        .secret_header("x-session-secret", secret.expose())?
        .json(change)?;
        self.transport.send(call).await?.json()
    }
}
