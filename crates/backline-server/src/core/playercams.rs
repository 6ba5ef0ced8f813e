//! Player-cam sessions: created by an organisation, read by Spectra Server.
//!
//! Operators create sessions (the owner: they issue a secret), read them (every role) and
//! change their players (moderators and owners); those acts take a grant and are audited.
//! Spectra's own paths (a session created with an access key, a player changed through the
//! session's page) are not operators' and record nothing.

use super::access::{Administer, Grant, Moderate, View};
use super::audit::Audited;
use super::page::{time_key, Page, PageRequest};
use super::{Core, CoreError, CoreResult};
use crate::core::Entity;
use backline_domain::ids::{OrgId, PlayercamSessionId};
use backline_domain::org::KeyValidity;
use backline_domain::secret::{IssuedSecret, SecretHash};
use backline_domain::spectra::playercam::{parse_full_name, PlayercamPlayer, PlayercamSession};
use backline_store::{PlayercamChange, Store};

const IDENTIFIER_LEN: usize = 12;
const SECRET_LEN: usize = 32;

#[derive(Debug)]
pub struct IssuedSession {
    pub session: PlayercamSession,
    pub secret: IssuedSecret,
}

impl IssuedSession {
    /// The session's record with its secret under `secret`.
    pub fn to_json(&self) -> serde_json::Value {
        super::issued::with_secret(&self.session, "secret", self.secret.expose())
    }
}

impl<S: Store> Core<S> {
    /// Creates a session for the organisation that owns the presented access key.
    pub async fn create_playercam_session_with_key(
        &self,
        presented_key: Option<&str>,
    ) -> CoreResult<IssuedSession> {
        let key = presented_key
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(CoreError::Unauthorized)?;
        match self.validate_key(key).await? {
            KeyValidity::Valid(org) => self.open_playercam_session(&org.id, None).await,
            KeyValidity::Invalid => Err(CoreError::Unauthorized),
            KeyValidity::Expired => Err(CoreError::Expired),
        }
    }

    /// An operator's session for the organisation; the audit log names the session's id.
    pub async fn create_playercam_session(
        &self,
        grant: &Grant<Administer>,
        org_id: &OrgId,
    ) -> CoreResult<IssuedSession> {
        self.open_playercam_session(org_id, Some(grant)).await
    }

    /// Creates a session of the organisation, with the audit entry of the operator who asked
    /// for it (when one did).
    async fn open_playercam_session(
        &self,
        org_id: &OrgId,
        grant: Option<&Grant<Administer>>,
    ) -> CoreResult<IssuedSession> {
        self.find_org(org_id).await?;
        let now = self.now();
        let secret = IssuedSecret::generate(SECRET_LEN);
        let session = PlayercamSession {
            id: PlayercamSessionId::generate(),
            org_id: org_id.clone(),
            identifier: IssuedSecret::generate(IDENTIFIER_LEN).expose().to_owned(),
            created_at: now,
            expires_at: now.plus_seconds(self.settings.playercam_session_ttl_seconds),
        };
        let audit = grant.map(|g| {
            g.audit(
                now,
                Audited::PlayercamSessions,
                Some(session.id.to_string()),
            )
        });
        self.store
            .insert_playercam_session(&session, &secret.hash(), audit.as_ref())
            .await?;
        Ok(IssuedSession { session, secret })
    }

    /// The session with this identifier, when it exists and has not expired.
    async fn live_session(&self, identifier: &str) -> CoreResult<(PlayercamSession, SecretHash)> {
        let not_found = || CoreError::none_found(Entity::PlayerCamSession);
        let (session, hash) = self
            .store
            .find_playercam_session(identifier)
            .await?
            .ok_or_else(not_found)?;
        if session.expires_at <= self.now() {
            return Err(not_found());
        }
        Ok((session, hash))
    }

    /// The live session with this identifier and secret; a wrong secret looks like an unknown
    /// session, so identifiers cannot be probed.
    pub async fn playercam_session_with_secret(
        &self,
        identifier: &str,
        secret: &str,
    ) -> CoreResult<PlayercamSession> {
        let (session, hash) = self.live_session(identifier).await?;
        if SecretHash::of(secret) != hash {
            return Err(CoreError::none_found(Entity::PlayerCamSession));
        }
        Ok(session)
    }

    /// The session's players, for Spectra Server and the session page.
    pub async fn playercam_players_by_secret(
        &self,
        identifier: &str,
        secret: &str,
    ) -> CoreResult<(PlayercamSession, Vec<PlayercamPlayer>)> {
        let session = self
            .playercam_session_with_secret(identifier, secret)
            .await?;
        let players = self.store.playercam_players(&session).await?;
        Ok((session, players))
    }

    /// A page of player-cam sessions (of one organisation, or of all), oldest first.
    pub async fn list_playercam_sessions(
        &self,
        _: &Grant<View>,
        org_id: Option<&OrgId>,
        page: &PageRequest,
    ) -> CoreResult<Page<PlayercamSession>> {
        let rows = self
            .store
            .list_playercam_sessions(org_id, &page.time_seek()?)
            .await?;
        Ok(page.page(rows, |s| time_key(s.created_at, s.id.as_str())))
    }

    /// The players of a session, by identifier (operators).
    pub async fn playercam_players(
        &self,
        _: &Grant<View>,
        identifier: &str,
    ) -> CoreResult<(PlayercamSession, Vec<PlayercamPlayer>)> {
        let (session, _) = self.live_session(identifier).await?;
        let players = self.store.playercam_players(&session).await?;
        Ok((session, players))
    }

    /// An operator turns a player's camera on or off and sets or clears their display name.
    /// The audit log names the player (`Name#TAG`) among the players, as the route
    /// `/playercam-sessions/{identifier}/players/{full_name}` always has.
    pub async fn change_playercam_player(
        &self,
        grant: &Grant<Moderate>,
        identifier: &str,
        full_name: &str,
        camera_enabled: Option<bool>,
        display_name: Option<Option<String>>,
    ) -> CoreResult<PlayercamPlayer> {
        self.change_cam_player(
            Some(grant),
            identifier,
            full_name,
            camera_enabled,
            display_name,
        )
        .await
    }

    /// The session's own page (whose caller checked the session's secret) turns a player's
    /// camera on or off and sets or clears their display name: not an operator's act, not
    /// audited.
    pub async fn change_session_player(
        &self,
        identifier: &str,
        full_name: &str,
        camera_enabled: Option<bool>,
        display_name: Option<Option<String>>,
    ) -> CoreResult<PlayercamPlayer> {
        self.change_cam_player(None, identifier, full_name, camera_enabled, display_name)
            .await
    }

    /// Changes one player of a live session, with the audit entry of the operator who
    /// changed it (when one did), naming the player.
    async fn change_cam_player(
        &self,
        grant: Option<&Grant<Moderate>>,
        identifier: &str,
        full_name: &str,
        camera_enabled: Option<bool>,
        display_name: Option<Option<String>>,
    ) -> CoreResult<PlayercamPlayer> {
        let full_name = parse_full_name(full_name)
            .map_err(|e| CoreError::invalid("full_name", e.to_string()))?;
        let display_name = match display_name {
            Some(Some(name)) if name.trim().is_empty() => Some(None),
            Some(Some(name)) if name.chars().count() > 64 => {
                return Err(CoreError::invalid(
                    "display_name",
                    "must be at most 64 characters",
                ))
            }
            other => other.map(|o| o.map(|n| n.trim().to_owned())),
        };
        let (session, _) = self.live_session(identifier).await?;
        let change = PlayercamChange {
            camera_enabled,
            display_name,
        };
        let audit = grant.map(|g| g.audit(self.now(), Audited::Players, Some(full_name.clone())));
        Ok(self
            .store
            .change_playercam_player(&session, &full_name, &change, audit.as_ref())
            .await?)
    }
}
