//! Web console sessions: an operator signs in with an admin token and gets a session whose
//! random id travels in a cookie. Only the id's hash and the admin token's hash are stored;
//! the token's current state is checked on every request, so revoking (or rotating) the token
//! ends its console sessions at once.

use super::admin_token::Operator;
use super::{Core, CoreError, CoreResult};
use backline_domain::admin::AdminRole;
use backline_domain::secret::{IssuedSecret, SecretHash};
use backline_store::Store;

/// How long a console session lasts from sign-in.
pub const CONSOLE_SESSION_TTL_SECONDS: i64 = 12 * 60 * 60;
const SESSION_ID_LEN: usize = 43;

/// A console session just opened: the id for the cookie (shown once) and who it is.
#[derive(Debug)]
pub struct OpenedSession {
    pub id: IssuedSecret,
    pub operator: Operator,
}

/// The anti-forgery token of the forms of a session: derived from the session's secret id,
/// so only a page served to that session's holder can know it.
pub fn form_token(session_secret: &str, purpose: &str) -> String {
    SecretHash::of(&format!("backline-form:{purpose}:{session_secret}"))
        .as_str()
        .to_owned()
}

impl<S: Store> Core<S> {
    /// The operator presenting `token` (a stored admin token or the configured one), by the
    /// token's hash.
    async fn operator_by_hash(
        &self,
        configured: Option<&str>,
        hash: &SecretHash,
    ) -> CoreResult<Operator> {
        if configured.is_some_and(|c| SecretHash::of(c) == *hash) {
            return Ok(Operator {
                id: None,
                name: "config".to_owned(),
                role: AdminRole::Owner,
            });
        }
        let token = self
            .store
            .find_active_admin_token(hash)
            .await?
            .ok_or(CoreError::Unauthorized)?;
        Ok(Operator {
            id: Some(token.id),
            name: token.name,
            role: token.role,
        })
    }

    /// Signs in with an admin token: `Unauthorized` for an unknown or revoked one.
    pub async fn open_console_session(
        &self,
        configured: Option<&str>,
        token: &str,
    ) -> CoreResult<OpenedSession> {
        let token = token.trim();
        if token.is_empty() {
            return Err(CoreError::Unauthorized);
        }
        let token_hash = SecretHash::of(token);
        let operator = self.operator_by_hash(configured, &token_hash).await?;
        let now = self.now();
        // Sign-ins are rare; they sweep away what expired meanwhile.
        self.store.delete_expired_console_sessions(now).await?;
        let id = IssuedSecret::generate(SESSION_ID_LEN);
        self.store
            .insert_console_session(
                &id.hash(),
                &token_hash,
                now,
                now.plus_seconds(CONSOLE_SESSION_TTL_SECONDS),
            )
            .await?;
        Ok(OpenedSession { id, operator })
    }

    /// The operator of a console session: `Unauthorized` when the session is unknown or
    /// expired, or its admin token was revoked meanwhile.
    pub async fn console_operator(
        &self,
        configured: Option<&str>,
        session_id: &str,
    ) -> CoreResult<Operator> {
        if session_id.is_empty() {
            return Err(CoreError::Unauthorized);
        }
        let token_hash = self
            .store
            .find_console_session(&SecretHash::of(session_id), self.now())
            .await?
            .ok_or(CoreError::Unauthorized)?;
        self.operator_by_hash(configured, &token_hash).await
    }

    /// Ends a console session (signing out).
    pub async fn close_console_session(&self, session_id: &str) -> CoreResult<()> {
        Ok(self
            .store
            .delete_console_session(&SecretHash::of(session_id))
            .await?)
    }
}
