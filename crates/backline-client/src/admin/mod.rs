//! The admin API (`/admin/v1/…`, `Authorization: Bearer <admin token>`), typed by hand.
//!
//! Why by hand: Backline serves an OpenAPI **3.1** document (utoipa 5), and progenitor, the
//! maintained Rust generator, reads documents through the `openapiv3` crate, which models
//! OpenAPI 3.0.x only: it refuses a 3.1 document ("invalid version: 3.1.0",
//! oxidecomputer/progenitor#1268) and 3.1's `"type": ["string", "null"]` has no 3.0 form
//! (oxidecomputer/progenitor#762). `docs/sdk.md` says more.
//!
//! Every route has a method: organisations, access keys and API tokens; admin tokens, the
//! audit log, the Nakama keys and link tokens; game servers and games; actions, kicks and
//! executions; bans; roles and grants; users; the player registry, Spectra matches and
//! statistics, player-cam sessions; EVR broadcasters and matches. Spectra match records and
//! statistics, EVR matches, and games answer Backline's JSON
//! (`serde_json::Value`); the rest are typed. [`AdminClient::raw`] reaches any route with
//! the same timeouts, retries and errors, for what this SDK does not know yet.
//!
//! Retries: `GET`, `PUT`, `PATCH` (a partial edit sets the same values again) and `DELETE`
//! are repeated on transient failures. Every `POST` carries an `Idempotency-Key` (a UUID v4
//! made once per call and sent again on each retry), so creates are repeated too: Backline
//! stores the first answer for the key and replays it.

mod actions;
mod bans;
mod evr;
mod operators;
mod orgs;
mod roles;
mod servers;
mod spectra;
mod users;

pub use actions::{Execution, Kick, NewAction, PlayerWire, QueuedAction, Target};
pub use bans::{AdminBan, BanFilter, NewAdminBan};
pub use evr::Broadcaster;
pub use operators::{
    AdminToken, AuditEntry, AuditFilter, IssuedAdminToken, KeyReport, LinkTokenSummary, NakamaKeys,
};
pub use orgs::{AccessKey, ApiToken, IssuedKey, IssuedToken, Org};
pub use roles::{Grant, NewRole, Role, RoleEdit, RoleHolder};
pub use servers::{IssuedServer, LastError, NewServer, Server, ServerEdit, ServerOverview};
pub use spectra::{AdminPlayercamSession, PlayerEdit, RiotPlayer};
pub use users::{ExternalAccount, NewUser, User};

use crate::error::{Result, Surface};
use crate::retry::Repeat;
use crate::secret::Secret;
use crate::transport::{Call, Transport};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The header a create carries so that a retry cannot create twice.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// A client of the admin API with one admin token.
#[derive(Clone, Debug)]
pub struct AdminClient {
    transport: Transport,
    token: Secret,
}

/// One page of a list: `{"items", "next_cursor"}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// `?limit=&cursor=` of a list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// 1–500 (Backline's default: 100).
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl AdminClient {
    pub fn new(transport: Transport, token: impl Into<Secret>) -> Self {
        Self {
            transport,
            token: token.into(),
        }
    }

    /// A call with the admin token; a `POST` gets a fresh idempotency key and may be
    /// repeated, every other method as HTTP defines (`PATCH`: a partial edit, repeatable).
    fn call(&self, method: Method, route: &'static str, path: String) -> Result<Call> {
        let is_post = method == Method::POST;
        let is_patch = method == Method::PATCH;
        let mut call = Call::new(Surface::Admin, method, route, path).bearer(&self.token)?;
        if is_post {
            call = call
                .header(IDEMPOTENCY_KEY, &uuid::Uuid::new_v4().to_string())?
                .repeat(Repeat::Safe);
        }
        if is_patch {
            call = call.repeat(Repeat::Safe);
        }
        Ok(call)
    }

    fn page(mut call: Call, page: &PageRequest) -> Call {
        if let Some(limit) = page.limit {
            call = call.query("limit", limit.to_string());
        }
        if let Some(cursor) = &page.cursor {
            call = call.query("cursor", cursor.clone());
        }
        call
    }

    async fn get<T: DeserializeOwned>(&self, route: &'static str, path: String) -> Result<T> {
        self.transport
            .send(self.call(Method::GET, route, path)?)
            .await?
            .json()
    }

    async fn list<T: DeserializeOwned>(
        &self,
        route: &'static str,
        path: String,
        page: &PageRequest,
        filters: &[(&str, Option<String>)],
    ) -> Result<Page<T>> {
        let mut call = Self::page(self.call(Method::GET, route, path)?, page);
        for (name, value) in filters {
            if let Some(value) = value {
                call = call.query(name, value.clone());
            }
        }
        self.transport.send(call).await?.json()
    }

    async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        route: &'static str,
        path: String,
        body: Option<&B>,
    ) -> Result<T> {
        let mut call = self.call(method, route, path)?;
        if let Some(body) = body {
            call = call.json(body)?;
        }
        self.transport.send(call).await?.json()
    }

    /// Any admin route, untyped: `path` is under `/admin/v1` (`/audit`, `/players/{puuid}`),
    /// with its query, already percent-encoded; the answer is its JSON (`null` for an empty
    /// body). Timeouts, retries (and the idempotency key of a `POST`) and errors are those of
    /// the typed calls.
    pub async fn raw(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut call = self.call(method, "/admin/v1/{raw}", format!("/admin/v1{path}"))?;
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            call = call.query(&name, value.into_owned());
        }
        if let Some(body) = body {
            call = call.json(body)?;
        }
        let reply = self.transport.send(call).await?;
        if reply.body.is_empty() {
            return Ok(Value::Null);
        }
        reply.json()
    }
}
