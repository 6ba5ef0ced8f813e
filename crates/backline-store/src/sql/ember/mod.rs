//! Game integration: servers and polls, executions, bans, roles, link tokens.

mod bans;
mod executions;
mod links;
mod polling;
mod roles;
mod servers;

use crate::{StoreError, StoreResult};
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::Row;

fn json<T: DeserializeOwned>(row: &AnyRow, column: &str) -> StoreResult<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialise")
}
