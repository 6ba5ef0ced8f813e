//! A signed-in session: its tokens, refreshed before they expire, and the calls made as its
//! user (account, logout, RPCs).
//!
//! The expiry is read from the token's own `exp` claim (the JWT's payload, not checked here:
//! only Backline can check the signature). Concurrent calls share one refresh: the tokens
//! sit behind an async mutex that the refresh holds.

use super::{read_rpc, rpc_call, Evr, NakamaClient};
use crate::error::{Error, Result, Surface};
use crate::retry::Repeat;
use crate::secret::Secret;
use crate::transport::Call;
use base64::Engine;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

/// A session token and its refresh token, with what the session token says about itself.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub token: Secret,
    pub refresh_token: Secret,
    /// The session token's expiry (UNIX seconds).
    pub expires_at: u64,
    /// The refresh token's expiry (UNIX seconds).
    pub refresh_expires_at: u64,
    /// The user's id (`uid`).
    pub user_id: String,
    /// The username (`usn`).
    pub username: String,
}

#[derive(Deserialize)]
struct Claims {
    exp: u64,
    #[serde(default)]
    uid: String,
    #[serde(default)]
    usn: String,
}

fn claims(token: &Secret) -> Result<Claims> {
    let payload = token
        .expose()
        .split('.')
        .nth(1)
        .ok_or_else(|| Error::InvalidInput("a session token is not a JWT".into()))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| Error::InvalidInput("a session token's claims are not base64url".into()))?;
    serde_json::from_slice(&bytes).map_err(|source| Error::Decode {
        status: 200,
        source,
        snippet: String::new(),
    })
}

impl Tokens {
    /// Reads the claims of both tokens.
    pub fn new(token: Secret, refresh_token: Secret) -> Result<Self> {
        let session = claims(&token)?;
        let refresh = claims(&refresh_token)?;
        Ok(Self {
            token,
            refresh_token,
            expires_at: session.exp,
            refresh_expires_at: refresh.exp,
            user_id: session.uid,
            username: session.usn,
        })
    }
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A signed-in user. Cheap to clone: clones share the tokens, so a refresh by one is seen by
/// all.
#[derive(Clone, Debug)]
pub struct Session {
    client: NakamaClient,
    tokens: Arc<Mutex<Tokens>>,
}

#[derive(Deserialize)]
struct UserBody {
    id: String,
    username: String,
    #[serde(default)]
    display_name: Option<String>,
}

/// The signed-in user's account (`GET /v2/account`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountView {
    pub user_id: String,
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub custom_id: Option<String>,
    pub device_ids: Vec<String>,
}

#[derive(Deserialize)]
struct AccountBody {
    user: UserBody,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    custom_id: Option<String>,
    #[serde(default)]
    devices: Vec<DeviceBody>,
}

#[derive(Deserialize)]
struct DeviceBody {
    id: String,
}

impl Session {
    pub(crate) fn new(client: NakamaClient, tokens: Tokens) -> Self {
        Self {
            client,
            tokens: Arc::new(Mutex::new(tokens)),
        }
    }

    /// The tokens now (refreshed or not).
    pub async fn tokens(&self) -> Tokens {
        self.tokens.lock().await.clone()
    }

    /// A session token valid for at least the refresh margin: the current one, or a new one
    /// from `POST /v2/account/session/refresh` when it expires sooner.
    pub async fn token(&self) -> Result<Secret> {
        let mut tokens = self.tokens.lock().await;
        let margin = self.client.refresh_margin.as_secs();
        if tokens.expires_at <= now_unix().saturating_add(margin) {
            tracing::debug!(user_id = %tokens.user_id, "refreshing the Nakama session");
            *tokens = self.client.refresh(&tokens.refresh_token).await?;
        }
        Ok(tokens.token.clone())
    }

    /// Refreshes now, whatever the expiry.
    pub async fn refresh(&self) -> Result<()> {
        let mut tokens = self.tokens.lock().await;
        *tokens = self.client.refresh(&tokens.refresh_token).await?;
        Ok(())
    }

    /// `GET /v2/account`.
    pub async fn account(&self) -> Result<AccountView> {
        let call = Call::new(Surface::Nakama, Method::GET, "/v2/account", "/v2/account")
            .bearer(&self.token().await?)?;
        let body: AccountBody = self.client.transport.send(call).await?.json()?;
        Ok(AccountView {
            user_id: body.user.id,
            username: body.user.username,
            display_name: body.user.display_name,
            email: body.email,
            custom_id: body.custom_id,
            device_ids: body.devices.into_iter().map(|d| d.id).collect(),
        })
    }

    /// `POST /v2/session/logout`: revokes both tokens. Repeating it is harmless (a revoked
    /// token stays revoked), but a refused session (401) is not repeated.
    pub async fn logout(&self) -> Result<()> {
        let tokens = self.tokens().await;
        let call = Call::new(
            Surface::Nakama,
            Method::POST,
            "/v2/session/logout",
            "/v2/session/logout",
        )
        .bearer(&tokens.token)?
        .json(&json!({"token": tokens.token, "refresh_token": tokens.refresh_token}))?
        .repeat(Repeat::Safe);
        self.client.transport.send(call).await?;
        Ok(())
    }

    /// An RPC as this user, wrapped (the payload sent as a JSON string, the result read from
    /// the answer's `payload` string), as Nakama's SDKs call them.
    pub async fn rpc<P: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        id: &str,
        payload: &P,
        repeat: Repeat,
    ) -> Result<R> {
        let call = rpc_call(id, payload, repeat, false)?.bearer(&self.token().await?)?;
        read_rpc(self.client.transport.send(call).await?, false)
    }

    /// An RPC as this user with `?unwrap`: the payload is the body, the result the answer.
    pub async fn rpc_unwrapped<P: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        id: &str,
        payload: &P,
        repeat: Repeat,
    ) -> Result<R> {
        let call = rpc_call(id, payload, repeat, true)?.bearer(&self.token().await?)?;
        read_rpc(self.client.transport.send(call).await?, true)
    }

    /// `link/redeem`: links the game account of a link token (from the game integration's
    /// `linktoken`) to this user; answers the account linked. Sent once.
    pub async fn redeem_link_token(&self, token: &Secret) -> Result<(String, String)> {
        /// The account `link/redeem` linked.
        #[derive(serde::Deserialize)]
        struct Linked {
            source: String,
            account_id: String,
        }
        let linked: Linked = self
            .rpc("link/redeem", &json!({ "token": token }), Repeat::Never)
            .await?;
        Ok((linked.source, linked.account_id))
    }

    /// The EVR RPCs as this user.
    pub fn evr(&self) -> Evr {
        Evr::with_session(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn jwt(claims: Value) -> Secret {
        let encode = |v: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
        };
        Secret::new(format!(
            "{}.{}.signature",
            encode(&json!({"alg": "HS256", "typ": "JWT"})),
            encode(&claims)
        ))
    }

    #[test]
    fn tokens_read_their_expiry_and_user_from_the_claims() {
        let tokens = Tokens::new(
            jwt(json!({"exp": 2000, "uid": "u1", "usn": "sprockee", "tid": "t"})),
            jwt(json!({"exp": 9000, "uid": "u1"})),
        )
        .unwrap();
        assert_eq!(tokens.expires_at, 2000);
        assert_eq!(tokens.refresh_expires_at, 9000);
        assert_eq!(tokens.user_id, "u1");
        assert_eq!(tokens.username, "sprockee");
        assert!(!format!("{tokens:?}").contains("signature"));
        assert!(Tokens::new(Secret::new("nope"), Secret::new("nope")).is_err());
    }
}
