//! The operator's view of EVR broadcasters and matches: filtered lists read in keyset pages.
//!
//! Regions, features and group ids are stored as compact JSON arrays of strings. A value is
//! an element of such an array exactly when the array's text holds `[` or `,` followed by
//! the value's JSON string: inside a JSON string every `"` is escaped, so `["` and `,"` only
//! ever open an element.

use super::evr::{broadcaster_from_row, match_from_row, BROADCASTER_COLUMNS, MATCH_COLUMNS};
use super::{placeholders, SqlStore};
use crate::traits::{BroadcasterFilter, EvrAdminStore, EvrMatchFilter};
use crate::StoreResult;
use backline_domain::evr::records::{Broadcaster, BroadcasterState, EvrMatch, Phase};
use backline_domain::ids::BroadcasterId;

/// A value bound to a numbered placeholder.
enum Arg {
    Text(String),
    Int(i64),
}

/// The `WHERE` clauses of a list and the values they bind, in placeholder order.
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Conditions {
    /// Binds `arg`; its placeholder.
    fn bind(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn text(&mut self, text: impl Into<String>) -> String {
        self.bind(Arg::Text(text.into()))
    }

    fn int(&mut self, value: i64) -> String {
        self.bind(Arg::Int(value))
    }

    fn and(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// `column` (a JSON array of strings) holds any of `values`.
    fn holds_any(&mut self, column: &str, values: &[String]) {
        let alternatives: Vec<String> = values
            .iter()
            .flat_map(|value| {
                let element = like_escape(&serde_json::to_string(value).expect("strings"));
                ["[", ","].map(|opening| {
                    let pattern = self.text(format!("%{opening}{element}%"));
                    format!("{column} LIKE {pattern} ESCAPE '!'")
                })
            })
            .collect();
        if !alternatives.is_empty() {
            self.and(format!("({})", alternatives.join(" OR ")));
        }
    }

    fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// Runs `sql` with the bound values.
    async fn fetch(self, store: &SqlStore, sql: &str) -> StoreResult<Vec<sqlx::any::AnyRow>> {
        let mut query = sqlx::query(sql);
        for arg in self.args {
            query = match arg {
                Arg::Text(text) => query.bind(text),
                Arg::Int(value) => query.bind(value),
            };
        }
        Ok(query.fetch_all(&store.read).await?)
    }
}

/// `text` as a `LIKE` pattern that matches only itself (escape character `!`).
fn like_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '!' | '%' | '_') {
            escaped.push('!');
        }
        escaped.push(c);
    }
    escaped
}

/// Whether a broadcaster hosts a prepared or started match (`evr_broadcasters` in scope).
const HOSTS_A_MATCH: &str = "EXISTS (SELECT 1 FROM evr_matches m \
    WHERE m.broadcaster_id = evr_broadcasters.id AND m.phase IN ('prepared', 'started'))";

impl EvrAdminStore for SqlStore {
    async fn page_broadcasters(&self, filter: &BroadcasterFilter) -> StoreResult<Vec<Broadcaster>> {
        let mut c = Conditions::default();
        if let Some(operator) = &filter.operator {
            let p = c.text(operator.as_str());
            c.and(format!("operator_id = {p}"));
        }
        c.holds_any("regions", &filter.regions);
        for feature in &filter.features {
            c.holds_any("features", std::slice::from_ref(feature));
        }
        if let Some(version_lock) = filter.version_lock {
            let p = c.text(version_lock.to_string());
            c.and(format!("version_lock = {p}"));
        }
        if let Some(group) = &filter.group_id {
            c.holds_any("group_ids", std::slice::from_ref(group));
        }
        if let Some(state) = filter.state {
            let cutoff = c.int(filter.stale_before.millis());
            c.and(match state {
                BroadcasterState::Stale => format!("heartbeat_at < {cutoff}"),
                BroadcasterState::InMatch => {
                    format!("heartbeat_at >= {cutoff} AND {HOSTS_A_MATCH}")
                }
                BroadcasterState::Idle => {
                    format!("heartbeat_at >= {cutoff} AND NOT {HOSTS_A_MATCH}")
                }
            });
        }
        if let Some(key) = &filter.seek.after {
            let t = c.int(key.at.millis());
            let id = c.text(key.id.as_str());
            c.and(format!(
                "(registered_at > {t} OR (registered_at = {t} AND id > {id}))"
            ));
        }
        let limit = c.int(filter.seek.limit);
        let sql = format!(
            "SELECT {BROADCASTER_COLUMNS} FROM evr_broadcasters {} \
             ORDER BY registered_at, id LIMIT {limit}",
            c.where_sql()
        );
        let rows = c.fetch(self, &sql).await?;
        rows.iter().map(broadcaster_from_row).collect()
    }

    async fn live_matches_on(&self, sids: &[BroadcasterId]) -> StoreResult<Vec<EvrMatch>> {
        if sids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM evr_matches WHERE phase <> 'ended' \
             AND broadcaster_id IN ({}) ORDER BY created_at, id",
            placeholders(1, sids.len())
        );
        let mut query = sqlx::query(&sql);
        for sid in sids {
            query = query.bind(sid.as_str());
        }
        let rows = query.fetch_all(&self.read).await?;
        let matches = rows
            .iter()
            .map(match_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        self.with_players(matches).await
    }

    async fn page_evr_matches(&self, filter: &EvrMatchFilter) -> StoreResult<Vec<EvrMatch>> {
        let mut c = Conditions::default();
        match filter.phase {
            Some(phase) => {
                let p = c.text(phase.as_str());
                c.and(format!("phase = {p}"));
            }
            None => c.and(format!("phase <> '{}'", Phase::Ended.as_str())),
        }
        match filter.open {
            Some(true) => c.and("phase IN ('prepared', 'started')".to_owned()),
            Some(false) => c.and("phase IN ('idle', 'ended')".to_owned()),
            None => {}
        }
        if let Some(mode) = &filter.mode {
            let p = c.text(mode.as_str());
            c.and(format!("mode = {p}"));
        }
        c.holds_any("regions", &filter.regions);
        if let Some(sid) = &filter.broadcaster {
            let p = c.text(sid.as_str());
            c.and(format!("broadcaster_id = {p}"));
        }
        if let Some(player) = &filter.player {
            let p = c.text(player.as_str());
            c.and(format!(
                "EXISTS (SELECT 1 FROM evr_match_players pl WHERE pl.match_id = evr_matches.id \
                 AND (pl.user_id = {p} OR pl.username = {p} OR pl.evr_id = {p}))"
            ));
        }
        if let Some(key) = &filter.seek.after {
            let t = c.int(key.at.millis());
            let id = c.text(key.id.as_str());
            c.and(format!(
                "(created_at < {t} OR (created_at = {t} AND id > {id}))"
            ));
        }
        let limit = c.int(filter.seek.limit);
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM evr_matches {} \
             ORDER BY created_at DESC, id LIMIT {limit}",
            c.where_sql()
        );
        let rows = c.fetch(self, &sql).await?;
        let matches = rows
            .iter()
            .map(match_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        self.with_players(matches).await
    }
}

#[cfg(test)]
mod tests {
    use super::like_escape;

    #[test]
    fn like_patterns_match_only_themselves() {
        assert_eq!(like_escape("\"blue_team\""), "\"blue!_team\"");
        assert_eq!(like_escape("100%!"), "100!%!!");
    }
}
