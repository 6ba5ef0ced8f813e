//! The Nakama-compatible surface (`/v2/…`): custom, device and email sign-in, EVR's password
//! RPC, a [`Session`] that refreshes itself before it expires, RPC calls (wrapped or
//! `?unwrap`) and the EVR RPCs typed ([`Evr`]).
//!
//! Contract: `NAKAMA.md` in the shared API documents; Backline's side:
//! `crates/backline-server/src/apis/nakama/`. Errors are Nakama's `{"error", "message",
//! "code"}` ([`crate::NakamaErrorBody`]).
//!
//! Retries: sign-ins by custom id, device id and email are repeated on transient failures
//! (the id or email names the account, so a repeat finds the account the first attempt made
//! instead of making a second), and so is the session refresh (a refresh keeps the token id;
//! each answer is a valid pair). Of the RPCs, the reads (`account/lookup`, `match`) and the
//! idempotent writes (`match/leave`, `broadcaster/heartbeat`, `broadcaster/unregister`) are
//! repeated; `match/prepare`, `match/allocate`, `match/join`, `broadcaster/register`,
//! `link/redeem` and the password RPC are sent once.

mod evr;
mod session;

pub use evr::{
    Account, Evr, JoinFailure, JoinOutcome, Joined, LookupBy, MatchFilter, PrepareMatch, Prepared,
    RegisterBroadcaster, RegisteredBroadcaster, Team,
};
pub use session::{AccountView, Session, Tokens};

use crate::error::{Result, Surface};
use crate::retry::Repeat;
use crate::secret::Secret;
use crate::transport::{segment, Call, Transport};
use base64::Engine;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// A client of the Nakama-compatible surface: the server key signs in, the http key (when
/// given) calls RPCs without a user.
#[derive(Clone, Debug)]
pub struct NakamaClient {
    transport: Transport,
    server_key: Secret,
    http_key: Option<Secret>,
    /// A session is refreshed when it has less than this left.
    refresh_margin: Duration,
}

/// Options of a sign-in.
#[derive(Clone, Debug, Default)]
pub struct SignIn {
    /// Create the account when it does not exist (Nakama's default: `true`).
    pub create: Option<bool>,
    /// The username of a created account (else a generated one).
    pub username: Option<String>,
    /// Session variables, carried in the token.
    pub vars: BTreeMap<String, String>,
}

/// Who the password RPC signs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordUser {
    UserId(String),
    DiscordId(String),
    Username(String),
}

#[derive(Deserialize)]
struct SessionBody {
    token: Secret,
    refresh_token: Secret,
    #[serde(default)]
    created: bool,
}

#[derive(Deserialize)]
struct WrappedBody {
    payload: String,
}

impl NakamaClient {
    /// A client with the server key (`Authorization: Basic base64("<server_key>:")` on
    /// sign-ins and refreshes).
    pub fn new(transport: Transport, server_key: impl Into<Secret>) -> Self {
        Self {
            transport,
            server_key: server_key.into(),
            http_key: None,
            refresh_margin: Duration::from_secs(60),
        }
    }

    /// The http key, for server-to-server RPCs ([`NakamaClient::evr_with_http_key`], the
    /// password RPC).
    pub fn with_http_key(mut self, http_key: impl Into<Secret>) -> Self {
        self.http_key = Some(http_key.into());
        self
    }

    /// How long before its expiry a session refreshes itself (default 60 s).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    fn basic(&self, call: Call) -> Result<Call> {
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:", self.server_key.expose()));
        call.secret_header("authorization", &format!("Basic {encoded}"))
    }

    async fn sign_in(
        &self,
        route: &'static str,
        body: Value,
        options: &SignIn,
    ) -> Result<(Session, bool)> {
        let mut call = Call::new(Surface::Nakama, Method::POST, route, route)
            .json(&body)?
            .repeat(Repeat::Safe);
        if let Some(create) = options.create {
            call = call.query("create", create.to_string());
        }
        if let Some(username) = &options.username {
            call = call.query("username", username.clone());
        }
        let body: SessionBody = self.transport.send(self.basic(call)?).await?.json()?;
        let session = Session::new(self.clone(), Tokens::new(body.token, body.refresh_token)?);
        Ok((session, body.created))
    }

    /// `POST /v2/account/authenticate/custom`: the session, and whether the account was
    /// created by this call.
    pub async fn authenticate_custom(&self, id: &str, options: &SignIn) -> Result<(Session, bool)> {
        let body = json!({"id": id, "vars": options.vars});
        self.sign_in("/v2/account/authenticate/custom", body, options)
            .await
    }

    /// `POST /v2/account/authenticate/device`.
    pub async fn authenticate_device(&self, id: &str, options: &SignIn) -> Result<(Session, bool)> {
        let body = json!({"id": id, "vars": options.vars});
        self.sign_in("/v2/account/authenticate/device", body, options)
            .await
    }

    /// `POST /v2/account/authenticate/email`.
    pub async fn authenticate_email(
        &self,
        email: &str,
        password: &Secret,
        options: &SignIn,
    ) -> Result<(Session, bool)> {
        let body = json!({"email": email, "password": password, "vars": options.vars});
        self.sign_in("/v2/account/authenticate/email", body, options)
            .await
    }

    /// EVR's `account/authenticate/password` RPC (with the http key): a session for the
    /// user named by id, Discord id or username. Sent once.
    pub async fn authenticate_password(
        &self,
        user: &PasswordUser,
        password: &Secret,
    ) -> Result<Session> {
        let mut payload = json!({ "password": password });
        let (field, value) = match user {
            PasswordUser::UserId(v) => ("user_id", v),
            PasswordUser::DiscordId(v) => ("discord_id", v),
            PasswordUser::Username(v) => ("username", v),
        };
        payload[field] = json!(value);
        let body: SessionBody = self
            .rpc_with_http_key("account/authenticate/password", &payload, Repeat::Never)
            .await?;
        Ok(Session::new(
            self.clone(),
            Tokens::new(body.token, body.refresh_token)?,
        ))
    }

    /// `POST /v2/account/session/refresh`: new tokens for a refresh token.
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<Tokens> {
        let route = "/v2/account/session/refresh";
        let call = Call::new(Surface::Nakama, Method::POST, route, route)
            .json(&json!({ "token": refresh_token }))?
            .repeat(Repeat::Safe);
        let body: SessionBody = self.transport.send(self.basic(call)?).await?.json()?;
        Tokens::new(body.token, body.refresh_token)
    }

    /// The EVR RPCs as the http key's caller (no user): lookups and match lists.
    pub fn evr_with_http_key(&self) -> Evr {
        Evr::with_http_key(self.clone())
    }

    /// An RPC with the http key (`?http_key=`), wrapped: the payload is sent as a JSON
    /// string, the answer's `payload` string is read as `R`.
    pub async fn rpc_with_http_key<P: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        id: &str,
        payload: &P,
        repeat: Repeat,
    ) -> Result<R> {
        let key = self.http_key.as_ref().ok_or_else(|| {
            crate::Error::InvalidInput("this RPC needs the http key (with_http_key)".into())
        })?;
        let call = rpc_call(id, payload, repeat, false)?.query("http_key", key.expose());
        read_rpc(self.transport.send(call).await?, false)
    }
}

/// `POST /v2/rpc/{id}` with the payload: wrapped (a JSON string holding the payload's JSON)
/// or, with `unwrap`, the payload itself.
pub(crate) fn rpc_call<P: Serialize + ?Sized>(
    id: &str,
    payload: &P,
    repeat: Repeat,
    unwrap: bool,
) -> Result<Call> {
    let text = serde_json::to_string(payload)
        .map_err(|e| crate::Error::InvalidInput(format!("RPC {id}: payload: {e}")))?;
    let path = format!("/v2/rpc/{}", segment(id));
    let call = Call::new(Surface::Nakama, Method::POST, "/v2/rpc/{id}", path).repeat(repeat);
    Ok(if unwrap {
        call.query("unwrap", "")
            .raw_body(text.into_bytes(), "application/json")
    } else {
        call.json(&text)?
    })
}

/// The RPC's result: the answer's `payload` string read as JSON (wrapped), or the body
/// itself (`unwrap`).
pub(crate) fn read_rpc<R: DeserializeOwned>(
    reply: crate::transport::Reply,
    unwrap: bool,
) -> Result<R> {
    if unwrap {
        return reply.json();
    }
    let wrapped: WrappedBody = reply.json()?;
    serde_json::from_str(&wrapped.payload).map_err(|source| crate::Error::Decode {
        status: reply.status,
        source,
        snippet: crate::error::snippet(wrapped.payload.as_bytes()),
    })
}
