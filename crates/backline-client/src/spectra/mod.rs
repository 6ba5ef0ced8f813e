//! The Spectra backend (`/spectra/…`): what Spectra Server calls, for Rust programs that
//! stand in for it or check on it: access-key validation with the supporter flag, match
//! register/update/complete, the stats backend and player cams.
//!
//! Contract: `SPECTRA.md` in the shared API documents; Backline's side:
//! `crates/backline-server/src/apis/spectra/`. Errors are `{"error", "message"}`.
//!
//! Retries: validation, the supporter check, player-cam reads and the stats calls (reads, or
//! links that answer 200 when they exist) may be repeated; so may match register, update
//! and complete, which are upserts of the snapshot of `(matchId, groupCode)` ordered by round
//! (an older or repeated snapshot never replaces a newer one). Creating a player-cam session
//! is sent once.

mod matches;
mod playercam;

pub use matches::{AddedMatch, MatchCall, MatchState, PlayerMmr};
pub use playercam::{
    NameOverrides, PlayerChange, PlayercamSession, SessionInfo, SessionPlayer, SessionPlayers,
};

use crate::error::{BacklineErrorBody, Error, ErrorBody, Result, Surface};
use crate::retry::Repeat;
use crate::secret::Secret;
use crate::transport::{segment, Call, Transport};
use reqwest::Method;
use serde::Deserialize;

/// What an access key is worth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyValidity {
    /// A key of `organisation`; `supporter` is the organisation's supporter flag now.
    Valid {
        organisation: Organisation,
        supporter: bool,
    },
    /// Unknown or revoked (401).
    Invalid,
    /// Known but past its end (403).
    Expired,
}

/// An organisation, as validation names it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
}

/// A client of the Spectra surface. Tokens are optional: a program that only validates keys
/// needs only the backend token, player cams need none.
#[derive(Clone, Debug)]
pub struct SpectraClient {
    transport: Transport,
    backend_token: Option<Secret>,
    stats_token: Option<Secret>,
}

#[derive(Deserialize)]
struct SupporterBody {
    #[serde(rename = "isSupporter")]
    is_supporter: bool,
}

impl SpectraClient {
    pub fn new(transport: Transport) -> Self {
        Self {
            transport,
            backend_token: None,
            stats_token: None,
        }
    }

    /// The `spectra-backend` token (`X-User-Token`): validation and matches.
    pub fn with_backend_token(mut self, token: impl Into<Secret>) -> Self {
        self.backend_token = Some(token.into());
        self
    }

    /// The `spectra-stats` token (`Authentication`, sic): the stats calls.
    pub fn with_stats_token(mut self, token: impl Into<Secret>) -> Self {
        self.stats_token = Some(token.into());
        self
    }

    fn backend(&self, method: Method, route: &'static str, path: String) -> Result<Call> {
        let call = Call::new(Surface::Spectra, method, route, path);
        let token = self.backend_token.as_ref().map_or("", Secret::expose);
        call.secret_header("x-user-token", token)
    }

    fn stats(&self, route: &'static str) -> Result<Call> {
        let call = Call::new(Surface::Spectra, Method::POST, route, route).repeat(Repeat::Safe);
        let token = self.stats_token.as_ref().map_or("", Secret::expose);
        call.secret_header("authentication", token)
    }

    /// Validates an access key, and for a valid one reads its organisation's supporter flag
    /// (two calls, as Spectra Server makes them).
    ///
    /// Backline answers 401 both for an unknown key and for a wrong backend token, and 403
    /// both for an expired key and an expired token; only the key's own answers become
    /// [`KeyValidity::Invalid`] / [`KeyValidity::Expired`], a refused token stays an
    /// [`Error::Api`].
    pub async fn validate_key(&self, key: &str) -> Result<KeyValidity> {
        let call = self.backend(
            Method::GET,
            "/spectra/system/validateAccessKey/{key}",
            format!("/spectra/system/validateAccessKey/{}", segment(key)),
        )?;
        let organisation: Organisation = match self.transport.send(call).await {
            Ok(reply) => reply.json()?,
            Err(e) => return key_answer(e),
        };
        let supporter = self.is_supporter(&organisation.id).await?;
        Ok(KeyValidity::Valid {
            organisation,
            supporter,
        })
    }

    /// `GET /spectra/supporter/{orgId}`: whether the organisation is a supporter now (404
    /// for an unknown one).
    pub async fn is_supporter(&self, org_id: &str) -> Result<bool> {
        let call = Call::new(
            Surface::Spectra,
            Method::GET,
            "/spectra/supporter/{org_id}",
            format!("/spectra/supporter/{}", segment(org_id)),
        );
        let body: SupporterBody = self.transport.send(call).await?.json()?;
        Ok(body.is_supporter)
    }
}

/// The key's own 401 and 403 (Backline's wording in `apis/spectra/access_keys.rs`) as a
/// validity; anything else stays an error.
fn key_answer(error: Error) -> Result<KeyValidity> {
    let about_key = |status: u16, body: &ErrorBody| match body {
        ErrorBody::Backline(BacklineErrorBody { message, .. }) => match status {
            401 => message
                .contains("access key")
                .then_some(KeyValidity::Invalid),
            403 => message
                .contains("access key")
                .then_some(KeyValidity::Expired),
            _ => None,
        },
        _ => None,
    };
    let validity = match &error {
        Error::Api { status, body, .. } => about_key(*status, body),
        _ => None,
    };
    validity.ok_or(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, message: &str) -> Error {
        Error::Api {
            surface: Surface::Spectra,
            status,
            body: ErrorBody::Backline(BacklineErrorBody {
                error: "x".into(),
                message: message.into(),
            }),
            retry_after: None,
            attempts: 1,
        }
    }

    #[test]
    fn only_the_keys_own_refusals_are_a_validity() {
        assert_eq!(
            key_answer(answer(401, "unknown or revoked access key")).ok(),
            Some(KeyValidity::Invalid)
        );
        assert_eq!(
            key_answer(answer(403, "the access key has expired")).ok(),
            Some(KeyValidity::Expired)
        );
        // The backend token refused: an error, not an invalid key.
        assert!(key_answer(answer(401, "missing, unknown or revoked credential")).is_err());
        assert!(key_answer(answer(403, "the credential has expired")).is_err());
        assert!(key_answer(answer(503, "the database is unavailable")).is_err());
    }
}
