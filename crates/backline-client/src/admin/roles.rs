//! Roles of the game integration and who holds them.

use super::{AdminClient, Page, PageRequest};
use crate::error::Result;
use crate::game::Player;
use crate::transport::segment;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A role.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    /// The exact in-game group name.
    pub ingame: String,
    /// Lower is more privileged.
    pub position: i64,
    /// The server groups it is limited to (empty: every server).
    pub server_groups: Vec<String>,
}

/// A role to create.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewRole {
    pub name: String,
    pub ingame: String,
    /// Backline's default: 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// A change to a role; absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RoleEdit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingame: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    /// The whole list (`[]`: every server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

/// A user holding a role, with the game accounts that name them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RoleHolder {
    pub user_id: String,
    pub accounts: Vec<super::actions::PlayerWire>,
    pub granted_at: String,
}

/// The answer of a grant or revoke.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Grant {
    /// The role's id.
    pub id: String,
    pub role: String,
    pub user_id: String,
    pub player: super::actions::PlayerWire,
    /// Whether the user holds the role now.
    pub held: bool,
    /// Whether this request changed that.
    pub changed: bool,
}

#[derive(Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

fn grant_path(role_id: &str, player: &Player) -> String {
    format!(
        "/admin/v1/roles/{}/grants/{}/{}",
        segment(role_id),
        segment(&player.source),
        segment(&player.account_id)
    )
}

impl AdminClient {
    /// `GET /admin/v1/roles`, most privileged first.
    pub async fn list_roles(&self, page: &PageRequest) -> Result<Page<Role>> {
        self.list("/admin/v1/roles", "/admin/v1/roles".into(), page, &[])
            .await
    }

    /// `POST /admin/v1/roles`.
    pub async fn create_role(&self, role: &NewRole) -> Result<Role> {
        self.send(
            Method::POST,
            "/admin/v1/roles",
            "/admin/v1/roles".into(),
            Some(role),
        )
        .await
    }

    /// `GET /admin/v1/roles/{id}`.
    pub async fn get_role(&self, role_id: &str) -> Result<Role> {
        self.get(
            "/admin/v1/roles/{role_id}",
            format!("/admin/v1/roles/{}", segment(role_id)),
        )
        .await
    }

    /// `PATCH /admin/v1/roles/{id}`.
    pub async fn edit_role(&self, role_id: &str, edit: &RoleEdit) -> Result<Role> {
        self.send(
            Method::PATCH,
            "/admin/v1/roles/{role_id}",
            format!("/admin/v1/roles/{}", segment(role_id)),
            Some(edit),
        )
        .await
    }

    /// `PUT /admin/v1/roles/order`: every role once, most privileged first.
    pub async fn reorder_roles(&self, role_ids: &[&str]) -> Result<Vec<Role>> {
        let body: Items<Role> = self
            .send(
                Method::PUT,
                "/admin/v1/roles/order",
                "/admin/v1/roles/order".into(),
                Some(&json!({ "role_ids": role_ids })),
            )
            .await?;
        Ok(body.items)
    }

    /// `GET /admin/v1/roles/{id}/grants`.
    pub async fn list_role_holders(
        &self,
        role_id: &str,
        page: &PageRequest,
    ) -> Result<Page<RoleHolder>> {
        self.list(
            "/admin/v1/roles/{role_id}/grants",
            format!("/admin/v1/roles/{}/grants", segment(role_id)),
            page,
            &[],
        )
        .await
    }

    /// `PUT /admin/v1/roles/{id}/grants/{source}/{account_id}`.
    pub async fn grant_role(&self, role_id: &str, player: &Player) -> Result<Grant> {
        self.send::<(), _>(
            Method::PUT,
            "/admin/v1/roles/{role_id}/grants/{source}/{account_id}",
            grant_path(role_id, player),
            None,
        )
        .await
    }

    /// `DELETE /admin/v1/roles/{id}/grants/{source}/{account_id}`.
    pub async fn revoke_role(&self, role_id: &str, player: &Player) -> Result<Grant> {
        self.send::<(), _>(
            Method::DELETE,
            "/admin/v1/roles/{role_id}/grants/{source}/{account_id}",
            grant_path(role_id, player),
            None,
        )
        .await
    }
}
