//! Player-cam sessions and their players.

use super::audit::record;
use super::{after_ascending, seek_binds, ts, SqlStore};
use crate::traits::{PlayercamChange, PlayercamStore, Seek, TimeKey};
use crate::StoreResult;
use backline_domain::admin::AuditEntry;
use backline_domain::ids::{OrgId, PlayercamSessionId};
use backline_domain::secret::SecretHash;
use backline_domain::spectra::playercam::{PlayercamPlayer, PlayercamSession};
use sqlx::any::AnyRow;
use sqlx::Row;

const SESSION_COLUMNS: &str = "id, org_id, identifier, secret_hash, created_at, expires_at";

fn session_from_row(row: &AnyRow) -> StoreResult<PlayercamSession> {
    Ok(PlayercamSession {
        id: PlayercamSessionId::from_string(row.try_get::<String, _>("id")?),
        org_id: OrgId::from_string(row.try_get::<String, _>("org_id")?),
        identifier: row.try_get("identifier")?,
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
    })
}

fn player_from_row(row: &AnyRow) -> StoreResult<PlayercamPlayer> {
    Ok(PlayercamPlayer {
        full_name: row.try_get("full_name")?,
        camera_enabled: row.try_get::<i64, _>("camera_enabled")? != 0,
        display_name: row.try_get("display_name")?,
    })
}

impl PlayercamStore for SqlStore {
    async fn insert_playercam_session(
        &self,
        s: &PlayercamSession,
        secret: &SecretHash,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO playercam_sessions (id, org_id, identifier, secret_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(s.id.as_str())
        .bind(s.org_id.as_str())
        .bind(&s.identifier)
        .bind(secret.as_str())
        .bind(s.created_at.millis())
        .bind(s.expires_at.millis())
        .execute(&mut *tx)
        .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn find_playercam_session(
        &self,
        identifier: &str,
    ) -> StoreResult<Option<(PlayercamSession, SecretHash)>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM playercam_sessions WHERE identifier = $1");
        let row = sqlx::query(&sql)
            .bind(identifier)
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let hash = SecretHash::from_stored(row.try_get("secret_hash")?);
        Ok(Some((session_from_row(&row)?, hash)))
    }

    async fn list_playercam_sessions(
        &self,
        org: Option<&OrgId>,
        seek: &Seek<TimeKey>,
    ) -> StoreResult<Vec<PlayercamSession>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM playercam_sessions WHERE ($1 IS NULL OR org_id = $1) \
             AND {} ORDER BY created_at, id LIMIT $4",
            after_ascending("created_at", "id", 2)
        );
        let (at, id) = seek_binds(seek);
        let rows = sqlx::query(&sql)
            .bind(org.map(OrgId::as_str))
            .bind(at)
            .bind(id)
            .bind(seek.limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(session_from_row).collect()
    }

    async fn playercam_players(
        &self,
        session: &PlayercamSession,
    ) -> StoreResult<Vec<PlayercamPlayer>> {
        let rows = sqlx::query(
            "SELECT full_name, camera_enabled, display_name FROM playercam_players \
             WHERE session_id = $1 ORDER BY full_name",
        )
        .bind(session.id.as_str())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(player_from_row).collect()
    }

    async fn change_playercam_player(
        &self,
        session: &PlayercamSession,
        full_name: &str,
        change: &PlayercamChange,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<PlayercamPlayer> {
        let clear_name = matches!(change.display_name, Some(None));
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO playercam_players (session_id, full_name, camera_enabled, display_name) \
             VALUES ($1, $2, COALESCE($3, 0), $4) \
             ON CONFLICT (session_id, full_name) DO UPDATE SET \
             camera_enabled = COALESCE($3, playercam_players.camera_enabled), \
             display_name = CASE WHEN $5 = 1 THEN NULL \
                 ELSE COALESCE($4, playercam_players.display_name) END \
             RETURNING full_name, camera_enabled, display_name",
        )
        .bind(session.id.as_str())
        .bind(full_name)
        .bind(change.camera_enabled.map(i64::from))
        .bind(change.display_name.clone().flatten())
        .bind(clear_name as i64)
        .fetch_one(&mut *tx)
        .await?;
        let player = player_from_row(&row)?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(player)
    }
}
