//! Users: create, show, disable and enable, passwords, linked accounts and system groups.

use super::{AdminClient, Page, PageRequest};
use crate::error::Result;
use crate::secret::Secret;
use crate::transport::segment;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// An account linked to a user (`discord`, `steam`, `evr`, `custom`, `device`, …).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ExternalAccount {
    pub source: String,
    pub account_id: String,
}

/// A user (never a password).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub avatar_url: String,
    pub email: Option<String>,
    pub disabled: bool,
    pub created_at: String,
    pub updated_at: String,
    /// `Global Bots`, `Global Operators`, … (absent in lists).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Absent in lists.
    #[serde(default)]
    pub external_accounts: Vec<ExternalAccount>,
}

/// A user to create.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewUser {
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// 8–1024 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

fn user_path(user: &str, tail: &str) -> String {
    format!("/admin/v1/users/{}{tail}", segment(user))
}

impl AdminClient {
    /// `GET /admin/v1/users?q=`: users in username order; `q` a piece of the username,
    /// display name or email.
    pub async fn list_users(&self, page: &PageRequest, q: Option<&str>) -> Result<Page<User>> {
        let filters = [("q", q.map(str::to_owned))];
        self.list("/admin/v1/users", "/admin/v1/users".into(), page, &filters)
            .await
    }

    /// `POST /admin/v1/users`.
    pub async fn create_user(&self, user: &NewUser) -> Result<User> {
        self.send(
            Method::POST,
            "/admin/v1/users",
            "/admin/v1/users".into(),
            Some(user),
        )
        .await
    }

    /// `GET /admin/v1/users/{id or username}`.
    pub async fn get_user(&self, user: &str) -> Result<User> {
        self.get("/admin/v1/users/{user_id}", user_path(user, ""))
            .await
    }

    /// `POST /admin/v1/users/{user}/disable`: sign-ins and sessions refused at once.
    pub async fn disable_user(&self, user: &str) -> Result<User> {
        self.send::<(), _>(
            Method::POST,
            "/admin/v1/users/{user_id}/disable",
            user_path(user, "/disable"),
            None,
        )
        .await
    }

    /// `POST /admin/v1/users/{user}/enable`.
    pub async fn enable_user(&self, user: &str) -> Result<User> {
        self.send::<(), _>(
            Method::POST,
            "/admin/v1/users/{user_id}/enable",
            user_path(user, "/enable"),
            None,
        )
        .await
    }

    /// `PUT /admin/v1/users/{user}/password`.
    pub async fn set_password(&self, user: &str, password: &Secret) -> Result<User> {
        self.send(
            Method::PUT,
            "/admin/v1/users/{user_id}/password",
            user_path(user, "/password"),
            Some(&json!({ "password": password })),
        )
        .await
    }

    /// `POST /admin/v1/users/{user}/links`: links an external account (409 when another
    /// user holds it).
    pub async fn link_account(&self, user: &str, source: &str, external_id: &str) -> Result<User> {
        self.send(
            Method::POST,
            "/admin/v1/users/{user_id}/links",
            user_path(user, "/links"),
            Some(&json!({"source": source, "external_id": external_id})),
        )
        .await
    }

    /// `DELETE /admin/v1/users/{user}/links/{source}?external_id=`.
    pub async fn unlink_account(
        &self,
        user: &str,
        source: &str,
        external_id: Option<&str>,
    ) -> Result<User> {
        let mut call = self.call(
            Method::DELETE,
            "/admin/v1/users/{user_id}/links/{source}",
            user_path(user, &format!("/links/{}", segment(source))),
        )?;
        if let Some(id) = external_id {
            call = call.query("external_id", id);
        }
        self.transport.send(call).await?.json()
    }

    /// `PUT /admin/v1/users/{user}/groups/{group}` (`Global Bots` or `global-bots`).
    pub async fn add_group(&self, user: &str, group: &str) -> Result<User> {
        self.send::<(), _>(
            Method::PUT,
            "/admin/v1/users/{user_id}/groups/{group}",
            user_path(user, &format!("/groups/{}", segment(group))),
            None,
        )
        .await
    }

    /// `DELETE /admin/v1/users/{user}/groups/{group}`.
    pub async fn remove_group(&self, user: &str, group: &str) -> Result<User> {
        self.send::<(), _>(
            Method::DELETE,
            "/admin/v1/users/{user_id}/groups/{group}",
            user_path(user, &format!("/groups/{}", segment(group))),
            None,
        )
        .await
    }
}
