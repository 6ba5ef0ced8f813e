//! Actions (console commands and code queued for servers), kicks, and their executions.

use super::{AdminClient, Page, PageRequest};
use crate::error::Result;
use crate::game::Player;
use crate::transport::segment;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The servers an action goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Server(String),
    Group(String),
    All,
}

/// An action to queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAction {
    pub target: Target,
    /// `command` or `code`.
    pub kind: String,
    /// The console command or the code.
    pub text: String,
    /// The player it concerns, if any.
    pub player: Option<Player>,
    /// Deliver only while that player is connecting or connected.
    pub online: bool,
}

impl NewAction {
    /// A console command for one server.
    pub fn command(server_id: &str, text: &str) -> Self {
        Self {
            target: Target::Server(server_id.to_owned()),
            kind: "command".into(),
            text: text.to_owned(),
            player: None,
            online: false,
        }
    }

    fn to_json(&self) -> Value {
        let mut body = json!({"type": self.kind, "text": self.text, "online": self.online});
        match &self.target {
            Target::Server(id) => body["server"] = json!(id),
            Target::Group(group) => body["group"] = json!(group),
            Target::All => body["all"] = json!(true),
        }
        if let Some(player) = &self.player {
            body["player"] = json!({"source": player.source, "account_id": player.account_id});
        }
        body
    }
}

/// A kick: the game's `kick` command where the player is connected now (or on one server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Kick {
    pub source: String,
    pub account_id: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

/// One server's run of an action.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Execution {
    pub id: i64,
    pub action_id: Option<String>,
    pub server_id: String,
    /// `command`, `code`, `roles`, `settings`.
    pub kind: String,
    pub payload: Value,
    #[serde(default)]
    pub player: Option<PlayerWire>,
    pub require_online: bool,
    /// `queued`, `leased`, `finished`, `failed`.
    pub status: String,
    pub attempts: i64,
    pub lease_until: Option<String>,
    pub error: Option<String>,
    pub rerun_of: Option<i64>,
    #[serde(default)]
    pub enforces_ban: bool,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// A player as the admin API writes it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PlayerWire {
    pub source: String,
    pub account_id: String,
}

/// A queued action: its id and one execution per target server.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct QueuedAction {
    pub id: Option<String>,
    pub executions: Vec<Execution>,
}

impl AdminClient {
    /// `POST /admin/v1/actions`.
    pub async fn queue_action(&self, action: &NewAction) -> Result<QueuedAction> {
        self.send(
            Method::POST,
            "/admin/v1/actions",
            "/admin/v1/actions".into(),
            Some(&action.to_json()),
        )
        .await
    }

    /// `POST /admin/v1/kicks`.
    pub async fn kick(&self, kick: &Kick) -> Result<QueuedAction> {
        self.send(
            Method::POST,
            "/admin/v1/kicks",
            "/admin/v1/kicks".into(),
            Some(kick),
        )
        .await
    }

    /// `GET /admin/v1/executions?server=&status=&action=`.
    pub async fn list_executions(
        &self,
        page: &PageRequest,
        server: Option<&str>,
        status: Option<&str>,
        action: Option<&str>,
    ) -> Result<Page<Execution>> {
        let filters = [
            ("server", server.map(str::to_owned)),
            ("status", status.map(str::to_owned)),
            ("action", action.map(str::to_owned)),
        ];
        self.list(
            "/admin/v1/executions",
            "/admin/v1/executions".into(),
            page,
            &filters,
        )
        .await
    }

    /// `GET /admin/v1/executions/{id}`.
    pub async fn get_execution(&self, execution_id: i64) -> Result<Execution> {
        self.get(
            "/admin/v1/executions/{execution_id}",
            format!("/admin/v1/executions/{execution_id}"),
        )
        .await
    }

    /// `POST /admin/v1/executions/{id}/rerun`: a finished or failed execution queued again.
    pub async fn rerun_execution(&self, execution_id: i64) -> Result<Execution> {
        self.send::<(), _>(
            Method::POST,
            "/admin/v1/executions/{execution_id}/rerun",
            format!(
                "/admin/v1/executions/{}/rerun",
                segment(&execution_id.to_string())
            ),
            None,
        )
        .await
    }
}
