//! Session and refresh tokens: HS256 JWTs with Nakama's claims.
//!
//! Upstream: Nakama `core_authenticate.go` / `session_token.go`: claims `tid`, `uid`, `usn`,
//! `vrs`, `exp`, `iat`; the session and refresh token share `tid`, a refresh keeps `tid` and
//! `iat`. Revocations live in the database so every node honours them.

use super::nakama_keys::NakamaKeys;
use super::{Core, CoreError, CoreResult};
use backline_domain::accounts::User;
use backline_domain::ids::UserId;
use backline_domain::Timestamp;
use backline_store::Store;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The claims of both tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub tid: String,
    pub uid: String,
    pub usn: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vrs: BTreeMap<String, String>,
    pub exp: i64,
    pub iat: i64,
}

impl Claims {
    pub fn user_id(&self) -> UserId {
        UserId::from_string(self.uid.clone())
    }
}

/// A session token and its refresh token.
#[derive(Clone, Debug, Serialize)]
pub struct SessionTokens {
    pub token: String,
    pub refresh_token: String,
}

#[derive(Clone, Copy)]
enum Kind {
    Session,
    Refresh,
}

fn validation() -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    v.leeway = 0;
    v.validate_aud = false;
    v.set_required_spec_claims(&["exp"]);
    // Expiry is checked against the core's clock ([`NakamaKeys::decode`]).
    v.validate_exp = false;
    v
}

impl NakamaKeys {
    fn sign(&self, kind: Kind, claims: &Claims) -> CoreResult<String> {
        let key = match kind {
            Kind::Session => &self.session.0,
            Kind::Refresh => &self.refresh.0,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, key)
            .map_err(|e| CoreError::Internal(format!("signing a token: {e}")))
    }

    /// The claims of a token with a valid signature and `exp` not before `now` (unix
    /// seconds by the core's clock, not the library's wall clock, so tests can age tokens).
    fn decode(&self, kind: Kind, token: &str, now: i64) -> Option<Claims> {
        self.decode_even_expired(kind, token)
            .filter(|claims| claims.exp >= now)
    }

    /// The claims of a token with a valid signature, expired or not.
    fn decode_even_expired(&self, kind: Kind, token: &str) -> Option<Claims> {
        let key = match kind {
            Kind::Session => &self.session.1,
            Kind::Refresh => &self.refresh.1,
        };
        jsonwebtoken::decode::<Claims>(token, key, &validation())
            .ok()
            .map(|d| d.claims)
    }
}

fn invalid_session() -> CoreError {
    CoreError::Unauthorized
}

impl<S: Store> Core<S> {
    /// New session and refresh tokens for `user`. `keep` carries the `tid` and `iat` of the
    /// session being refreshed.
    pub fn issue_tokens(
        &self,
        user: &User,
        vars: BTreeMap<String, String>,
        keep: Option<(&str, i64)>,
    ) -> CoreResult<SessionTokens> {
        let now = self.now().millis() / 1000;
        let (tid, iat) = match keep {
            Some((tid, iat)) => (tid.to_owned(), iat),
            None => {
                // After a logout of every session in this very second, new tokens start in
                // the next one so the revocation (`iat` at or before it) does not hit them.
                let floor = user
                    .sessions_revoked_before
                    .map_or(0, |t| t.millis() / 1000 + 1);
                (uuid::Uuid::new_v4().to_string(), now.max(floor))
            }
        };
        let mut claims = Claims {
            tid,
            uid: user.id.to_string(),
            usn: user.username.clone(),
            vrs: vars,
            exp: now + self.settings.session_ttl_seconds,
            iat,
        };
        let token = self.keys.sign(Kind::Session, &claims)?;
        claims.exp = now + self.settings.refresh_ttl_seconds;
        let refresh_token = self.keys.sign(Kind::Refresh, &claims)?;
        Ok(SessionTokens {
            token,
            refresh_token,
        })
    }

    /// Checks that a session or refresh token's session is still good: the user exists, is
    /// not disabled, and neither the token id nor all of the user's sessions were revoked.
    async fn check_not_revoked(&self, claims: &Claims) -> CoreResult<()> {
        let status = self
            .store
            .session_status(&claims.user_id(), &claims.tid)
            .await?
            .ok_or_else(invalid_session)?;
        let revoked_all = status
            .revoked_before
            .is_some_and(|before| claims.iat * 1000 <= before.millis());
        if status.disabled || status.token_revoked || revoked_all {
            return Err(invalid_session());
        }
        Ok(())
    }

    /// The claims of a valid session token (`Unauthorized` otherwise).
    pub async fn verify_session(&self, token: &str) -> CoreResult<Claims> {
        let claims = self
            .keys
            .decode(Kind::Session, token, self.now().millis() / 1000)
            .ok_or_else(invalid_session)?;
        self.check_not_revoked(&claims).await?;
        Ok(claims)
    }

    /// New tokens for a valid refresh token; `vars` replace the old ones only when non-empty.
    pub async fn refresh_session(
        &self,
        refresh_token: &str,
        vars: BTreeMap<String, String>,
    ) -> CoreResult<SessionTokens> {
        let claims = self
            .keys
            .decode(Kind::Refresh, refresh_token, self.now().millis() / 1000)
            .ok_or_else(invalid_session)?;
        self.check_not_revoked(&claims).await?;
        let user = self
            .store
            .get_user(&claims.user_id())
            .await?
            .ok_or_else(invalid_session)?;
        let vars = if vars.is_empty() {
            claims.vrs.clone()
        } else {
            vars
        };
        self.issue_tokens(&user, vars, Some((&claims.tid, claims.iat)))
    }

    /// Revokes the given tokens of the caller's sessions until they expire; with neither,
    /// every session of the caller issued so far.
    pub async fn logout(
        &self,
        caller: &Claims,
        token: Option<&str>,
        refresh_token: Option<&str>,
    ) -> CoreResult<()> {
        let token = token.filter(|t| !t.is_empty());
        let refresh_token = refresh_token.filter(|t| !t.is_empty());
        if token.is_none() && refresh_token.is_none() {
            return Ok(self
                .store
                .revoke_all_tokens(&caller.user_id(), self.now())
                .await?);
        }
        let mut revoked = Vec::new();
        for (kind, given, field) in [
            (Kind::Session, token, "token"),
            (Kind::Refresh, refresh_token, "refresh_token"),
        ] {
            let Some(given) = given else { continue };
            let claims = self
                .keys
                .decode_even_expired(kind, given)
                .filter(|c| c.uid == caller.uid)
                .ok_or_else(|| CoreError::invalid(field, "not a token of this session's user"))?;
            revoked.push((claims.tid, Timestamp::from_millis(claims.exp * 1000)));
        }
        Ok(self
            .store
            .revoke_tokens(&caller.user_id(), &revoked)
            .await?)
    }
}
