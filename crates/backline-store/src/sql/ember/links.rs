//! Link tokens: a game account joins a signed-in user.

use super::super::SqlStore;
use crate::traits::{LinkRedeemError, LinkTokenStore, LinkTokenView};
use crate::StoreResult;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ids::{ServerId, UserId};
use backline_domain::secret::SecretHash;
use backline_domain::Timestamp;
use sqlx::Row;

// Operators' view (list, revoke).
use super::super::audit::record as record_audit;
use super::super::{after_descending, opt_ts, seek_binds, ts};
use crate::traits::{
    LinkRevokeError, LinkTokenAdminStore, LinkTokenFilter, LinkTokenRecord, LinkTokenState, Seek,
    TimeKey,
};
use backline_domain::admin::AuditEntry;
use backline_domain::ids::LinkTokenId;
use sqlx::any::AnyRow;

impl LinkTokenStore for SqlStore {
    async fn find_link_token(&self, token: &SecretHash) -> StoreResult<Option<LinkTokenView>> {
        let row = sqlx::query(
            "SELECT server_id, source, account_id, expires_at, redeemed_at \
             FROM ember_link_tokens WHERE token_hash = $1",
        )
        .bind(token.as_str())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(LinkTokenView {
            server: ServerId::from_string(row.try_get::<String, _>("server_id")?),
            player: PlayerRef {
                source: row.try_get("source")?,
                account_id: row.try_get("account_id")?,
            },
            expires_at: Timestamp::from_millis(row.try_get("expires_at")?),
            redeemed_at: row
                .try_get::<Option<i64>, _>("redeemed_at")?
                .map(Timestamp::from_millis),
        }))
    }

    async fn insert_link_token(
        &self,
        token: &SecretHash,
        server: &ServerId,
        player: &PlayerRef,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO ember_link_tokens (token_hash, server_id, source, account_id, created_at, expires_at, id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token.as_str())
        .bind(server.as_str())
        .bind(&player.source)
        .bind(&player.account_id)
        .bind(now.millis())
        .bind(expires_at.millis())
        .bind(LinkTokenId::generate().as_str())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn redeem_link_token(
        &self,
        token: &SecretHash,
        user: &UserId,
        now: Timestamp,
    ) -> StoreResult<Result<PlayerRef, LinkRedeemError>> {
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query("SELECT source, account_id, expires_at, redeemed_at FROM ember_link_tokens WHERE token_hash = $1")
            .bind(token.as_str())
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(Err(LinkRedeemError::Unknown));
        };
        if row.try_get::<Option<i64>, _>("redeemed_at")?.is_some() {
            return Ok(Err(LinkRedeemError::AlreadyRedeemed));
        }
        if row.try_get::<i64, _>("expires_at")? <= now.millis() {
            return Ok(Err(LinkRedeemError::Expired));
        }
        let player = PlayerRef {
            source: row.try_get("source")?,
            account_id: row.try_get("account_id")?,
        };
        let claimed = sqlx::query("UPDATE ember_link_tokens SET redeemed_at = $2, redeemed_by = $3 WHERE token_hash = $1 AND redeemed_at IS NULL")
            .bind(token.as_str())
            .bind(now.millis())
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?;
        if claimed.rows_affected() == 0 {
            return Ok(Err(LinkRedeemError::AlreadyRedeemed));
        }
        let owner: Option<String> = sqlx::query(
            "SELECT user_id FROM external_accounts WHERE source = $1 AND account_id = $2",
        )
        .bind(&player.source)
        .bind(&player.account_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("user_id"))
        .transpose()?;
        match owner {
            Some(owner) if owner == user.as_str() => {}
            Some(owner) => {
                let others: i64 =
                    sqlx::query("SELECT COUNT(*) AS n FROM external_accounts WHERE user_id = $1")
                        .bind(&owner)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("n")?;
                sqlx::query("UPDATE external_accounts SET user_id = $3 WHERE source = $1 AND account_id = $2")
                    .bind(&player.source)
                    .bind(&player.account_id)
                    .bind(user.as_str())
                    .execute(&mut *tx)
                    .await?;
                if others == 1 {
                    // The placeholder user made for this player: its bans and roles are the player's.
                    sqlx::query("UPDATE ember_bans SET user_id = $2 WHERE user_id = $1")
                        .bind(&owner)
                        .bind(user.as_str())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO ember_user_roles (user_id, role_id, granted_at, revoked_at) \
                         SELECT $2, role_id, granted_at, revoked_at FROM ember_user_roles WHERE user_id = $1 \
                         ON CONFLICT (user_id, role_id) DO NOTHING",
                    )
                    .bind(&owner)
                    .bind(user.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
            }
            None => {
                sqlx::query("INSERT INTO external_accounts (source, account_id, user_id, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(&player.source)
                    .bind(&player.account_id)
                    .bind(user.as_str())
                    .bind(now.millis())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(Ok(player))
    }
}

const ADMIN_COLUMNS: &str =
    "id, server_id, source, account_id, created_at, expires_at, redeemed_at, redeemed_by";

fn record_from_row(row: &AnyRow) -> StoreResult<LinkTokenRecord> {
    Ok(LinkTokenRecord {
        id: LinkTokenId::from_string(row.try_get::<String, _>("id")?),
        server_id: ServerId::from_string(row.try_get::<String, _>("server_id")?),
        player: PlayerRef {
            source: row.try_get("source")?,
            account_id: row.try_get("account_id")?,
        },
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
        redeemed_at: opt_ts(row, "redeemed_at")?,
        redeemed_by: row
            .try_get::<Option<String>, _>("redeemed_by")?
            .map(UserId::from_string),
    })
}

impl LinkTokenAdminStore for SqlStore {
    async fn list_link_tokens(
        &self,
        filter: &LinkTokenFilter,
        seek: &Seek<TimeKey>,
    ) -> StoreResult<Vec<LinkTokenRecord>> {
        let state = filter.state.map(|s| match s {
            LinkTokenState::Active => "active",
            LinkTokenState::Used => "used",
            LinkTokenState::Expired => "expired",
        });
        // The state ($4) is judged at `now` ($5).
        let sql = format!(
            "SELECT {ADMIN_COLUMNS} FROM ember_link_tokens \
             WHERE ($1 IS NULL OR server_id = $1) AND ($2 IS NULL OR source = $2) \
             AND ($3 IS NULL OR account_id = $3) \
             AND ($4 IS NULL \
                  OR ($4 = 'used' AND redeemed_at IS NOT NULL) \
                  OR ($4 = 'active' AND redeemed_at IS NULL AND expires_at > $5) \
                  OR ($4 = 'expired' AND redeemed_at IS NULL AND expires_at <= $5)) \
             AND {} ORDER BY created_at DESC, id LIMIT $8",
            after_descending("created_at", "id", 6)
        );
        let (at, id) = seek_binds(seek);
        let player = filter.player.as_ref();
        let rows = sqlx::query(&sql)
            .bind(filter.server.as_ref().map(ServerId::as_str))
            .bind(player.map(|p| p.source.as_str()))
            .bind(player.map(|p| p.account_id.as_str()))
            .bind(state)
            .bind(filter.now.millis())
            .bind(at)
            .bind(id)
            .bind(seek.limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(record_from_row).collect()
    }

    async fn revoke_link_token(
        &self,
        id: &LinkTokenId,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<Result<LinkTokenRecord, LinkRevokeError>> {
        let mut tx = self.begin_write().await?;
        let sql = format!("SELECT {ADMIN_COLUMNS} FROM ember_link_tokens WHERE id = $1");
        let Some(row) = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(Err(LinkRevokeError::Unknown));
        };
        let record = record_from_row(&row)?;
        if record.redeemed_at.is_some() {
            return Ok(Err(LinkRevokeError::AlreadyRedeemed));
        }
        let deleted =
            sqlx::query("DELETE FROM ember_link_tokens WHERE id = $1 AND redeemed_at IS NULL")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?;
        if deleted.rows_affected() == 0 {
            return Ok(Err(LinkRevokeError::AlreadyRedeemed));
        }
        record_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Ok(record))
    }
}
