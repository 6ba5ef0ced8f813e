//! Game servers of the game integration (their tokens and settings) and the games they run.

use super::{AdminClient, Page, PageRequest};
use crate::error::Result;
use crate::game::{BanScope, RoleSync};
use crate::secret::Secret;
use crate::transport::segment;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A game server's settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Server {
    pub id: String,
    pub name: String,
    /// The game's key (`gmod`, `rust`, `minecraft`, …).
    pub game: String,
    pub address: Option<String>,
    pub groups: Vec<String>,
    pub poll_interval_seconds: i64,
    pub enforced_ban_scopes: Vec<BanScope>,
    pub default_ban_group: Option<String>,
    #[serde(with = "role_sync")]
    pub role_sync: RoleSync,
    pub ban_log: bool,
    pub may_lift_operator_bans: bool,
    pub settings_version: i64,
    pub created_at: String,
    pub last_poll_at: Option<String>,
}

mod role_sync {
    use crate::game::RoleSync;
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    struct Wire {
        send: bool,
        receive: bool,
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<RoleSync, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        Ok(RoleSync {
            send: wire.send,
            receive: wire.receive,
        })
    }
}

/// The latest failed execution of a server.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LastError {
    pub execution_id: i64,
    pub error: String,
    pub at: String,
}

/// A server with what operators watch.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ServerOverview {
    #[serde(flatten)]
    pub server: Server,
    /// A poll came within the last three poll intervals.
    pub polling: bool,
    /// Unfinished executions (queued or leased).
    pub queue_depth: i64,
    /// Of those, the ones handed to a poll.
    pub leased: i64,
    pub last_error: Option<LastError>,
}

/// A new server, with its token shown this once.
#[derive(Clone, Debug, Deserialize)]
pub struct IssuedServer {
    #[serde(flatten)]
    pub server: Server,
    pub token: Secret,
}

/// A server to create.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewServer {
    pub name: String,
    pub game: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// 1–3600 (Backline's default: 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_interval_seconds: Option<u32>,
}

/// A change of settings; absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServerEdit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Some(None)` clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Option<String>>,
    /// The whole list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_interval_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforced_ban_scopes: Option<Vec<BanScope>>,
    /// `Some(None)` clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_ban_group: Option<Option<String>>,
    /// `{"send"?, "receive"?}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_sync: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ban_log: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub may_lift_operator_bans: Option<bool>,
}

impl AdminClient {
    /// `GET /admin/v1/servers?game=&group=&name=&polling=`.
    pub async fn list_servers(
        &self,
        page: &PageRequest,
        game: Option<&str>,
        group: Option<&str>,
    ) -> Result<Page<ServerOverview>> {
        let filters = [
            ("game", game.map(str::to_owned)),
            ("group", group.map(str::to_owned)),
        ];
        self.list(
            "/admin/v1/servers",
            "/admin/v1/servers".into(),
            page,
            &filters,
        )
        .await
    }

    /// `POST /admin/v1/servers`: the server and its token (shown once).
    pub async fn create_server(&self, server: &NewServer) -> Result<IssuedServer> {
        self.send(
            Method::POST,
            "/admin/v1/servers",
            "/admin/v1/servers".into(),
            Some(server),
        )
        .await
    }

    /// `GET /admin/v1/servers/{id}`.
    pub async fn get_server(&self, server_id: &str) -> Result<ServerOverview> {
        self.get(
            "/admin/v1/servers/{server_id}",
            format!("/admin/v1/servers/{}", segment(server_id)),
        )
        .await
    }

    /// `PATCH /admin/v1/servers/{id}`: the next poll delivers the new settings.
    pub async fn edit_server(&self, server_id: &str, edit: &ServerEdit) -> Result<Server> {
        self.send(
            Method::PATCH,
            "/admin/v1/servers/{server_id}",
            format!("/admin/v1/servers/{}", segment(server_id)),
            Some(edit),
        )
        .await
    }

    /// `POST /admin/v1/servers/{id}/token`: a new token (the old one stops working at once).
    pub async fn rotate_server_token(&self, server_id: &str) -> Result<Secret> {
        #[derive(Deserialize)]
        struct Body {
            token: Secret,
        }
        let body: Body = self
            .send::<(), _>(
                Method::POST,
                "/admin/v1/servers/{server_id}/token",
                format!("/admin/v1/servers/{}/token", segment(server_id)),
                None,
            )
            .await?;
        Ok(body.token)
    }

    /// `GET /admin/v1/games`: the games and their command templates, as JSON.
    pub async fn list_games(&self, page: &PageRequest) -> Result<Page<Value>> {
        self.list("/admin/v1/games", "/admin/v1/games".into(), page, &[])
            .await
    }

    /// `GET /admin/v1/games/{key}`.
    pub async fn get_game(&self, key: &str) -> Result<Value> {
        self.get(
            "/admin/v1/games/{game}",
            format!("/admin/v1/games/{}", segment(key)),
        )
        .await
    }
}
