//! Talking to the game integration API in tests.

use crate::helpers::{Reply, TestApp};
use backline_server::core::ember::servers::{NewServer, ServerChange};
use reqwest::Method;
use serde_json::Value;

pub const STEAM_ID: &str = "76561198131926932";

/// A new gmod server in `groups`; its id and token.
pub async fn server(app: &TestApp, name: &str, groups: &[&str]) -> (String, String) {
    let core = app.core().await;
    let issued = core
        .create_server(
            &crate::helpers::grant::<backline_server::core::access::Administer>(),
            NewServer {
                name: name.into(),
                game: "gmod".into(),
                address: None,
                groups: groups.iter().map(|g| g.to_string()).collect(),
                poll_interval_seconds: Some(5),
            },
        )
        .await
        .unwrap();
    core.store.close().await;
    (
        issued.server.id.to_string(),
        issued.token.expose().to_owned(),
    )
}

/// Changes a server's settings through another connection (as the CLI would); the running
/// server has seen the change when this returns.
pub async fn change_server(app: &TestApp, id: &str, change: ServerChange) {
    let core = app.core().await;
    core.change_server(
        &crate::helpers::grant::<backline_server::core::access::Administer>(),
        id,
        change,
    )
    .await
    .unwrap();
    core.store.close().await;
    app.sync_cache().await;
}

/// A form request (`application/x-www-form-urlencoded`).
pub async fn form(app: &TestApp, token: &str, method: Method, path: &str, body: &str) -> Reply {
    let auth = format!("Bearer {token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    app.send(
        method,
        &format!("/api/game{path}"),
        &headers,
        Some(body.as_bytes().to_vec()),
    )
    .await
}

/// A JSON request.
pub async fn json_request(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: &Value,
) -> Reply {
    let auth = format!("Bearer {token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    app.send(
        method,
        &format!("/api/game{path}"),
        &headers,
        Some(serde_json::to_vec(body).unwrap()),
    )
    .await
}

/// A poll reporting `players` as a form body; the actions.
pub async fn poll(app: &TestApp, token: &str, players: &str) -> Vec<Value> {
    let r = form(app, token, Method::POST, "/poll", players).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body["actions"].as_array().unwrap().clone()
}

/// Runs one SQL statement with one integer parameter (`$1`) on the app's database, to make
/// time pass for rows that expire (link tokens, bans).
pub async fn execute_sql(app: &TestApp, sql: &str, value: i64) {
    use sqlx::Connection;
    match app.db.backend {
        backline_store::Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            sqlx::query(sql)
                .bind(value)
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
        }
        backline_store::Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            sqlx::query(sql)
                .bind(value)
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
        }
    }
}

/// The actions of a list without the settings action.
pub fn without_settings(actions: Vec<Value>) -> Vec<Value> {
    actions
        .into_iter()
        .filter(|a| a["type"] != "settings")
        .collect()
}

impl Reply {
    /// Asserts a Laravel-style error with this status (and the field, for 422s).
    pub fn assert_laravel_error(&self, status: u16, field: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "{self:?}");
        assert!(self.body["message"].is_string(), "{self:?}");
        if let Some(field) = field {
            assert!(
                self.body["errors"][field].is_array(),
                "expected errors.{field}: {self:?}"
            );
        }
    }
}
