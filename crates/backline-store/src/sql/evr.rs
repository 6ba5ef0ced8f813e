//! EVR broadcasters, matches and players.

use super::audit::record;
use super::{opt_ts, placeholders, ts, Backend, SqlStore};
use crate::traits::{EndedMatch, EvrStore, JoinDecision};
use crate::{StoreError, StoreResult};
use backline_domain::admin::AuditEntry;
use backline_domain::evr::label::BroadcasterLabel;
use backline_domain::evr::lobby::JoinFailure;
use backline_domain::evr::records::{Broadcaster, EvrMatch, MatchPlayer, Phase, Preparation};
use backline_domain::evr::team::Team;
use backline_domain::ids::{BroadcasterId, UserId};
use backline_domain::Timestamp;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

pub(super) const BROADCASTER_COLUMNS: &str =
    "id, operator_id, server_id, internal_ip, external_ip, port, regions, \
    version_lock, features, tags, group_ids, registered_at, heartbeat_at";
pub(super) const MATCH_COLUMNS: &str =
    "id, broadcaster_id, broadcaster, phase, preparation, start_time, created_at, \
    prepared_at, started_at, empty_since, ended_at";
const PLAYER_COLUMNS: &str =
    "match_id, session_id, user_id, username, display_name, evr_id, discord_id, team, \
    client_ip, party_id, joined_at";

pub(super) fn json<T: DeserializeOwned>(row: &AnyRow, column: &str) -> StoreResult<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn u64_text(row: &AnyRow, column: &str) -> StoreResult<u64> {
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("{column}: `{text}` is not a u64")))
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialise")
}

pub(super) fn broadcaster_from_row(row: &AnyRow) -> StoreResult<Broadcaster> {
    Ok(Broadcaster {
        sid: BroadcasterId::from_string(row.try_get::<String, _>("id")?),
        operator_id: UserId::from_string(row.try_get::<String, _>("operator_id")?),
        server_id: u64_text(row, "server_id")?,
        internal_ip: row.try_get("internal_ip")?,
        external_ip: row.try_get("external_ip")?,
        port: u16::try_from(row.try_get::<i64, _>("port")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        regions: json(row, "regions")?,
        version_lock: u64_text(row, "version_lock")?,
        features: json(row, "features")?,
        tags: json(row, "tags")?,
        group_ids: json(row, "group_ids")?,
        registered_at: ts(row, "registered_at")?,
        heartbeat_at: ts(row, "heartbeat_at")?,
    })
}

pub(super) fn match_from_row(row: &AnyRow) -> StoreResult<EvrMatch> {
    let phase: String = row.try_get("phase")?;
    let preparation: Option<String> = row.try_get("preparation")?;
    Ok(EvrMatch {
        id: row.try_get("id")?,
        broadcaster_id: BroadcasterId::from_string(row.try_get::<String, _>("broadcaster_id")?),
        broadcaster: json::<BroadcasterLabel>(row, "broadcaster")?,
        phase: Phase::parse(&phase)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown phase `{phase}`")))?,
        preparation: preparation
            .map(|p| serde_json::from_str::<Preparation>(&p))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        start_time: ts(row, "start_time")?,
        created_at: ts(row, "created_at")?,
        prepared_at: opt_ts(row, "prepared_at")?,
        started_at: opt_ts(row, "started_at")?,
        empty_since: opt_ts(row, "empty_since")?,
        ended_at: opt_ts(row, "ended_at")?,
        players: Vec::new(),
    })
}

fn player_from_row(row: &AnyRow) -> StoreResult<(String, MatchPlayer)> {
    let team = row.try_get::<i64, _>("team")?;
    Ok((
        row.try_get("match_id")?,
        MatchPlayer {
            session_id: row.try_get("session_id")?,
            user_id: UserId::from_string(row.try_get::<String, _>("user_id")?),
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            evr_id: row.try_get("evr_id")?,
            discord_id: row.try_get("discord_id")?,
            team: Team::from_index(team)
                .ok_or_else(|| StoreError::Corrupt(format!("team {team}")))?,
            client_ip: row.try_get("client_ip")?,
            party_id: row.try_get("party_id")?,
            joined_at: ts(row, "joined_at")?,
        },
    ))
}

/// Inserts an idle match for a broadcaster unless it has one or is gone.
async fn insert_idle_match(
    tx: &mut Transaction<'static, Any>,
    broadcaster: &BroadcasterLabel,
    host: &str,
    id: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO evr_matches (id, broadcaster_id, host, broadcaster, regions, phase, start_time, created_at) \
         SELECT $1, $2, $3, $4, $6, 'idle', $5, $5 WHERE EXISTS (SELECT 1 FROM evr_broadcasters WHERE id = $2) \
         AND NOT EXISTS (SELECT 1 FROM evr_matches WHERE broadcaster_id = $2 AND phase = 'idle')",
    )
    .bind(id)
    .bind(&broadcaster.sid)
    .bind(host)
    .bind(to_json(broadcaster))
    .bind(now.millis())
    .bind(to_json(&broadcaster.regions))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes a broadcaster's idle match and ends its unstarted prepared matches.
async fn retire_matches_of(
    tx: &mut Transaction<'static, Any>,
    sid: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM evr_matches WHERE broadcaster_id = $1 AND phase = 'idle'")
        .bind(sid)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE evr_matches SET phase = 'ended', ended_at = $2 WHERE broadcaster_id = $1 AND phase = 'prepared'")
        .bind(sid)
        .bind(now.millis())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) async fn players_of(
    tx: &mut Transaction<'static, Any>,
    id: &str,
) -> StoreResult<Vec<MatchPlayer>> {
    let sql = format!("SELECT {PLAYER_COLUMNS} FROM evr_match_players WHERE match_id = $1 ORDER BY joined_at, session_id");
    let rows = sqlx::query(&sql).bind(id).fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|r| player_from_row(r).map(|(_, p)| p))
        .collect()
}

impl SqlStore {
    /// Attaches players to matches with one query.
    pub(super) async fn with_players(
        &self,
        mut matches: Vec<EvrMatch>,
    ) -> StoreResult<Vec<EvrMatch>> {
        if matches.is_empty() {
            return Ok(matches);
        }
        let sql = format!(
            "SELECT {PLAYER_COLUMNS} FROM evr_match_players WHERE match_id IN ({}) ORDER BY joined_at, session_id",
            placeholders(1, matches.len())
        );
        let mut query = sqlx::query(&sql);
        for m in &matches {
            query = query.bind(m.id.as_str());
        }
        for row in query.fetch_all(&self.read).await? {
            let (match_id, player) = player_from_row(&row)?;
            if let Some(m) = matches.iter_mut().find(|m| m.id == match_id) {
                m.players.push(player);
            }
        }
        Ok(matches)
    }
}

impl EvrStore for SqlStore {
    async fn insert_broadcaster(&self, b: &Broadcaster, idle_match_id: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "INSERT INTO evr_broadcasters ({BROADCASTER_COLUMNS}) VALUES ({})",
            placeholders(1, 13)
        );
        sqlx::query(&sql)
            .bind(b.sid.as_str())
            .bind(b.operator_id.as_str())
            .bind(b.server_id.to_string())
            .bind(&b.internal_ip)
            .bind(&b.external_ip)
            .bind(i64::from(b.port))
            .bind(to_json(&b.regions))
            .bind(b.version_lock.to_string())
            .bind(to_json(&b.features))
            .bind(to_json(&b.tags))
            .bind(to_json(&b.group_ids))
            .bind(b.registered_at.millis())
            .bind(b.heartbeat_at.millis())
            .execute(&mut *tx)
            .await?;
        insert_idle_match(
            &mut tx,
            &b.label(),
            &b.external_ip,
            idle_match_id,
            b.registered_at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_broadcaster(&self, sid: &BroadcasterId) -> StoreResult<Option<Broadcaster>> {
        let sql = format!("SELECT {BROADCASTER_COLUMNS} FROM evr_broadcasters WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(sid.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(broadcaster_from_row).transpose()
    }

    async fn list_broadcasters(&self) -> StoreResult<Vec<Broadcaster>> {
        let sql = format!(
            "SELECT {BROADCASTER_COLUMNS} FROM evr_broadcasters ORDER BY registered_at, id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.read).await?;
        rows.iter().map(broadcaster_from_row).collect()
    }

    async fn touch_broadcaster(
        &self,
        sid: &BroadcasterId,
        operator: &UserId,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE evr_broadcasters SET heartbeat_at = $3 WHERE id = $1 AND operator_id = $2",
        )
        .bind(sid.as_str())
        .bind(operator.as_str())
        .bind(now.millis())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove_broadcaster(
        &self,
        sid: &BroadcasterId,
        operator: Option<&UserId>,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "DELETE FROM evr_broadcasters WHERE id = $1 AND ($2 IS NULL OR operator_id = $2)",
        )
        .bind(sid.as_str())
        .bind(operator.map(UserId::as_str))
        .execute(&mut *tx)
        .await?;
        let removed = done.rows_affected() == 1;
        if removed {
            retire_matches_of(&mut tx, sid.as_str(), now).await?;
            record(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    async fn expire_broadcasters(
        &self,
        cutoff: Timestamp,
        now: Timestamp,
    ) -> StoreResult<Vec<BroadcasterId>> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query("DELETE FROM evr_broadcasters WHERE heartbeat_at < $1 RETURNING id")
            .bind(cutoff.millis())
            .fetch_all(&mut *tx)
            .await?;
        let mut expired = Vec::with_capacity(rows.len());
        for row in rows {
            let sid: String = row.try_get("id")?;
            retire_matches_of(&mut tx, &sid, now).await?;
            expired.push(BroadcasterId::from_string(sid));
        }
        tx.commit().await?;
        Ok(expired)
    }

    async fn list_evr_matches(&self, ids: Option<&[String]>) -> StoreResult<Vec<EvrMatch>> {
        let rows = match ids {
            Some([]) => return Ok(Vec::new()),
            Some(ids) => {
                let sql = format!(
                    "SELECT {MATCH_COLUMNS} FROM evr_matches WHERE phase <> 'ended' AND id IN ({}) ORDER BY created_at, id",
                    placeholders(1, ids.len())
                );
                let mut query = sqlx::query(&sql);
                for id in ids {
                    query = query.bind(id.as_str());
                }
                query.fetch_all(&self.read).await?
            }
            None => {
                let sql = format!("SELECT {MATCH_COLUMNS} FROM evr_matches WHERE phase <> 'ended' ORDER BY created_at, id");
                sqlx::query(&sql).fetch_all(&self.read).await?
            }
        };
        let matches = rows
            .iter()
            .map(match_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        self.with_players(matches).await
    }

    async fn get_evr_match(&self, id: &str) -> StoreResult<Option<EvrMatch>> {
        let sql = format!("SELECT {MATCH_COLUMNS} FROM evr_matches WHERE id = $1");
        let Some(row) = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await?
        else {
            return Ok(None);
        };
        Ok(self.with_players(vec![match_from_row(&row)?]).await?.pop())
    }

    async fn prepare_evr_match(
        &self,
        id: &str,
        p: &Preparation,
        start_time: Timestamp,
        now: Timestamp,
    ) -> StoreResult<EvrMatch> {
        let done = sqlx::query(
            "UPDATE evr_matches SET phase = 'prepared', preparation = $2, start_time = $3, prepared_at = $4, \
             mode = $5 WHERE id = $1 AND phase = 'idle'",
        )
        .bind(id)
        .bind(to_json(p))
        .bind(start_time.millis())
        .bind(now.millis())
        .bind(&p.mode)
        .execute(&self.write)
        .await?;
        let current = self.get_evr_match(id).await?.ok_or(StoreError::NotFound)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("session already prepared".into()));
        }
        Ok(current)
    }

    async fn join_evr_match(
        &self,
        id: &str,
        user: &UserId,
        evr_id: &str,
        exclusive: bool,
        now: Timestamp,
        decide: impl FnOnce(&EvrMatch) -> JoinDecision + Send,
    ) -> StoreResult<Option<Result<EvrMatch, JoinFailure>>> {
        let mut tx = self.begin_write().await?;
        // Dropping `tx` on any early return rolls the claim back with the join.
        if !claim_evr_id(&mut tx, user, evr_id, now).await? {
            return Ok(Some(Err(JoinFailure::evr_id_taken())));
        }
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM evr_matches WHERE id = $1 AND phase <> 'ended'{lock}"
        );
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        let mut current = match_from_row(&row)?;
        current.players = players_of(&mut tx, id).await?;
        let player = match decide(&current) {
            Ok(player) if player.evr_id == evr_id && &player.user_id == user => player,
            Ok(_) => {
                return Err(StoreError::Conflict(
                    "a join must seat the user and evr id it claimed".into(),
                ))
            }
            Err(failure) => return Ok(Some(Err(failure))),
        };
        if exclusive {
            // Only the joiner's own seats: no join ever removes another account's seat.
            let left = sqlx::query("DELETE FROM evr_match_players WHERE evr_id = $1 AND match_id <> $2 AND user_id = $3 RETURNING match_id")
                .bind(evr_id)
                .bind(id)
                .bind(user.as_str())
                .fetch_all(&mut *tx)
                .await?;
            for row in left {
                mark_if_empty(&mut tx, &row.try_get::<String, _>("match_id")?, now).await?;
            }
        }
        let sql = format!(
            "INSERT INTO evr_match_players ({PLAYER_COLUMNS}) VALUES ({})",
            placeholders(1, 11)
        );
        sqlx::query(&sql)
            .bind(id)
            .bind(&player.session_id)
            .bind(player.user_id.as_str())
            .bind(&player.username)
            .bind(&player.display_name)
            .bind(&player.evr_id)
            .bind(&player.discord_id)
            .bind(player.team.index())
            .bind(&player.client_ip)
            .bind(&player.party_id)
            .bind(player.joined_at.millis())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE evr_matches SET empty_since = NULL, \
             started_at = CASE WHEN phase = 'prepared' THEN $2 ELSE started_at END, \
             start_time = CASE WHEN phase = 'prepared' THEN $2 ELSE start_time END, \
             phase = CASE WHEN phase = 'prepared' THEN 'started' ELSE phase END WHERE id = $1",
        )
        .bind(id)
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
        let Some(row) = sqlx::query(&format!(
            "SELECT {MATCH_COLUMNS} FROM evr_matches WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let mut joined = match_from_row(&row)?;
        joined.players = players_of(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Some(Ok(joined)))
    }

    async fn leave_evr_match(
        &self,
        id: &str,
        session_id: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("DELETE FROM evr_match_players WHERE match_id = $1 AND session_id = $2")
                .bind(id)
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
        let left = done.rows_affected() == 1;
        if left {
            mark_if_empty(&mut tx, id, now).await?;
        }
        tx.commit().await?;
        Ok(left)
    }

    async fn start_due_matches(
        &self,
        cutoff: Timestamp,
        now: Timestamp,
    ) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "UPDATE evr_matches SET phase = 'started', started_at = $2, start_time = $2, \
             empty_since = CASE WHEN EXISTS (SELECT 1 FROM evr_match_players p WHERE p.match_id = evr_matches.id) \
                 THEN NULL ELSE $2 END \
             WHERE phase = 'prepared' AND prepared_at <= $1 RETURNING id",
        )
        .bind(cutoff.millis())
        .bind(now.millis())
        .fetch_all(&self.write)
        .await?;
        rows.iter()
            .map(|row| Ok(row.try_get::<String, _>("id")?))
            .collect()
    }

    async fn end_empty_matches(
        &self,
        cutoff: Timestamp,
        now: Timestamp,
        node: &str,
    ) -> StoreResult<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "UPDATE evr_matches SET phase = 'ended', ended_at = $2 \
             WHERE phase = 'started' AND empty_since IS NOT NULL AND empty_since <= $1 \
             RETURNING id, broadcaster, host",
        )
        .bind(cutoff.millis())
        .bind(now.millis())
        .fetch_all(&mut *tx)
        .await?;
        let mut ended = Vec::with_capacity(rows.len());
        for row in rows {
            ended.push(after_end(&mut tx, &row, now, node).await?);
        }
        tx.commit().await?;
        Ok(ended)
    }

    async fn end_evr_match(
        &self,
        id: &str,
        now: Timestamp,
        node: &str,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<EndedMatch> {
        let mut tx = self.begin_write().await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let sql = format!("SELECT {MATCH_COLUMNS} FROM evr_matches WHERE id = $1{lock}");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let removed_players = players_of(&mut tx, id).await?;
        let rows = sqlx::query(
            "UPDATE evr_matches SET phase = 'ended', ended_at = $2 \
             WHERE id = $1 AND phase IN ('prepared', 'started') RETURNING id, broadcaster, host",
        )
        .bind(id)
        .bind(now.millis())
        .fetch_all(&mut *tx)
        .await?;
        let Some(claimed) = rows.first() else {
            let phase = match_from_row(&row)?.phase;
            return Err(StoreError::Conflict(match phase {
                Phase::Idle => "the match is idle (not prepared): there is nothing to end".into(),
                _ => "the match has ended already".into(),
            }));
        };
        after_end(&mut tx, claimed, now, node).await?;
        let ended = sqlx::query(&format!(
            "SELECT {MATCH_COLUMNS} FROM evr_matches WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let ended = match_from_row(&ended)?;
        let idle_match_id: Option<String> = sqlx::query_scalar(
            "SELECT id FROM evr_matches WHERE broadcaster_id = $1 AND phase = 'idle'",
        )
        .bind(ended.broadcaster_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(EndedMatch {
            ended,
            removed_players,
            idle_match_id,
        })
    }
}

/// What every end of a match does once the match is marked `ended` (`row` holds its `id`,
/// `broadcaster` and `host`): its players leave and its broadcaster, when still registered,
/// gets a new idle match. The timers' end of empty matches and an operator's end share it.
async fn after_end(
    tx: &mut Transaction<'static, Any>,
    row: &AnyRow,
    now: Timestamp,
    node: &str,
) -> StoreResult<String> {
    let id: String = row.try_get("id")?;
    let broadcaster: BroadcasterLabel = json(row, "broadcaster")?;
    let host: String = row.try_get("host")?;
    sqlx::query("DELETE FROM evr_match_players WHERE match_id = $1")
        .bind(&id)
        .execute(&mut **tx)
        .await?;
    insert_idle_match(tx, &broadcaster, &host, &EvrMatch::new_id(node), now).await?;
    Ok(id)
}

/// Claims an EVR id for `user` inside `tx`: links it when no account holds it (the unique
/// `(source, account_id)` key makes one of concurrent claimers win; on PostgreSQL the others
/// wait for its transaction and then see its row). True when `user` holds it afterwards.
async fn claim_evr_id(
    tx: &mut Transaction<'static, Any>,
    user: &UserId,
    evr_id: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    sqlx::query(
        "INSERT INTO external_accounts (source, account_id, user_id, created_at) \
         VALUES ('evr', $1, $2, $3) ON CONFLICT (source, account_id) DO NOTHING",
    )
    .bind(evr_id)
    .bind(user.as_str())
    .bind(now.millis())
    .execute(&mut **tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
        _ => StoreError::Database(e),
    })?;
    let holder: Option<String> = sqlx::query_scalar(
        "SELECT user_id FROM external_accounts WHERE source = 'evr' AND account_id = $1",
    )
    .bind(evr_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(holder.as_deref() == Some(user.as_str()))
}

/// Marks a started match empty (from `now`) when its last player left.
async fn mark_if_empty(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE evr_matches SET empty_since = $2 WHERE id = $1 AND phase = 'started' AND empty_since IS NULL \
         AND NOT EXISTS (SELECT 1 FROM evr_match_players p WHERE p.match_id = $1)",
    )
    .bind(id)
    .bind(now.millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
