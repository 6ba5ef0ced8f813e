//! Game integration: servers and polls, executions, bans, roles, link tokens.

mod bans;
mod executions;
mod links;
mod poll;
mod polling;
mod presence;
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

/// A value bound to a statement built from optional conditions.
pub(super) enum Arg {
    Text(String),
    Int(i64),
}

/// The `WHERE` conditions of an operator's list and their bound values, numbered `$1, $2, …`
/// in the order they are added. Values are always bound, never spliced into the text.
#[derive(Default)]
pub(super) struct Conditions {
    parts: Vec<String>,
    args: Vec<Arg>,
}

impl Conditions {
    /// Binds a value; its placeholder.
    pub(super) fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    pub(super) fn text(&mut self, value: impl Into<String>) -> String {
        self.arg(Arg::Text(value.into()))
    }

    pub(super) fn int(&mut self, value: i64) -> String {
        self.arg(Arg::Int(value))
    }

    pub(super) fn and(&mut self, condition: String) {
        self.parts.push(condition);
    }

    /// ` WHERE …` (empty without conditions).
    pub(super) fn where_clause(&self) -> String {
        if self.parts.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.parts.join(" AND "))
        }
    }

    pub(super) fn bind<'q>(
        self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for arg in self.args {
            query = match arg {
                Arg::Text(text) => query.bind(text),
                Arg::Int(int) => query.bind(int),
            };
        }
        query
    }
}

/// A `LIKE … ESCAPE '\'` pattern matching `needle` anywhere, lowercased (compare it with
/// `LOWER(column)`); `%`, `_` and `\` in the needle match themselves.
pub(super) fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::from("%");
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}
