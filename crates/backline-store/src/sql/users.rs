//! Users, groups, external accounts and revoked sessions.

use super::audit::record;
use super::{conflict, ts, SqlStore};
use crate::traits::{Seek, SessionStatus, UserFilter, UserStore};
use crate::{StoreError, StoreResult};
use backline_domain::accounts::{ExternalAccount, SystemGroup, User};
use backline_domain::admin::AuditEntry;
use backline_domain::ids::UserId;
use backline_domain::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

const USER_COLUMNS: &str =
    "id, username, display_name, avatar_url, email, disabled, sessions_revoked_before, created_at, updated_at";

fn user_from_row(row: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: UserId::from_string(row.try_get::<String, _>("id")?),
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        avatar_url: row.try_get("avatar_url")?,
        email: row.try_get("email")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        sessions_revoked_before: super::opt_ts(row, "sessions_revoked_before")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

impl SqlStore {
    async fn one_user(&self, column: &str, value: &str) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = $1");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Runs an `UPDATE users … WHERE id = $1` with `$2` bound to `value`, and records
    /// `audit` in the same transaction; `NotFound` (and nothing recorded) when no user has
    /// that id.
    async fn update_user(
        &self,
        sql: &str,
        id: &UserId,
        (value, text): (i64, Option<&str>),
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let mut query = sqlx::query(sql).bind(id.as_str()).bind(value);
        if let Some(text) = text {
            query = query.bind(text);
        }
        if query.execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl UserStore for SqlStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
        external: &[ExternalAccount],
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, avatar_url, email, password_hash, disabled, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(user.id.as_str())
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.avatar_url)
        .bind(user.email.as_deref())
        .bind(password_hash)
        .bind(user.disabled as i64)
        .bind(user.created_at.millis())
        .bind(user.updated_at.millis())
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(e, || "username or email already taken".into()))?;
        for account in external {
            sqlx::query("INSERT INTO external_accounts (source, account_id, user_id, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&account.source)
                .bind(&account.account_id)
                .bind(user.id.as_str())
                .bind(user.created_at.millis())
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict(e, || format!("{} account {} already linked", account.source, account.account_id)))?;
        }
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_user(&self, id: &UserId) -> StoreResult<Option<User>> {
        self.one_user("id", id.as_str()).await
    }

    async fn find_user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.one_user("username", username).await
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.one_user("email", email).await
    }

    async fn find_user_by_external(&self, account: &ExternalAccount) -> StoreResult<Option<User>> {
        let sql = format!(
            "SELECT {} FROM users u JOIN external_accounts e ON e.user_id = u.id \
             WHERE e.source = $1 AND e.account_id = $2",
            USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row = sqlx::query(&sql)
            .bind(&account.source)
            .bind(&account.account_id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_ids_by_external(
        &self,
        accounts: &[ExternalAccount],
    ) -> StoreResult<Vec<(ExternalAccount, UserId)>> {
        // Two bound values an account: well under either database's limit per statement.
        const CHUNK: usize = 250;
        let mut found = Vec::with_capacity(accounts.len());
        for chunk in accounts.chunks(CHUNK) {
            let pairs: Vec<String> = (0..chunk.len())
                .map(|i| format!("(source = ${} AND account_id = ${})", 1 + 2 * i, 2 + 2 * i))
                .collect();
            let sql = format!(
                "SELECT source, account_id, user_id FROM external_accounts WHERE {}",
                pairs.join(" OR ")
            );
            let mut query = sqlx::query(&sql);
            for account in chunk {
                query = query
                    .bind(account.source.as_str())
                    .bind(account.account_id.as_str());
            }
            for row in query.fetch_all(&self.read).await? {
                let source: String = row.try_get("source")?;
                let account_id: String = row.try_get("account_id")?;
                let user_id: String = row.try_get("user_id")?;
                found.push((
                    ExternalAccount::new(&source, &account_id),
                    UserId::from_string(user_id),
                ));
            }
        }
        Ok(found)
    }

    async fn password_hash(&self, id: &UserId) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        Ok(row
            .map(|r| r.try_get::<Option<String>, _>("password_hash"))
            .transpose()?
            .flatten())
    }

    async fn set_password_hash(
        &self,
        id: &UserId,
        hash: &str,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        self.update_user(
            "UPDATE users SET updated_at = $2, password_hash = $3 WHERE id = $1",
            id,
            (now.millis(), Some(hash)),
            audit,
        )
        .await
    }

    async fn link_external(
        &self,
        id: &UserId,
        account: &ExternalAccount,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO external_accounts (source, account_id, user_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (source, account_id) DO NOTHING",
        )
        .bind(&account.source)
        .bind(&account.account_id)
        .bind(id.as_str())
        .bind(now.millis())
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
            _ => e.into(),
        })?;
        if done.rows_affected() == 0 {
            let owner: Option<String> = sqlx::query_scalar(
                "SELECT user_id FROM external_accounts WHERE source = $1 AND account_id = $2",
            )
            .bind(&account.source)
            .bind(&account.account_id)
            .fetch_optional(&mut *tx)
            .await?;
            if owner.is_none_or(|owner| owner != id.as_str()) {
                return Err(StoreError::Conflict(format!(
                    "{} account {} is linked to another user",
                    account.source, account.account_id
                )));
            }
        }
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn unlink_external(
        &self,
        id: &UserId,
        account: &ExternalAccount,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "DELETE FROM external_accounts WHERE user_id = $1 AND source = $2 AND account_id = $3",
        )
        .bind(id.as_str())
        .bind(&account.source)
        .bind(&account.account_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn external_accounts(&self, id: &UserId) -> StoreResult<Vec<ExternalAccount>> {
        let rows = sqlx::query("SELECT source, account_id FROM external_accounts WHERE user_id = $1 ORDER BY source, account_id")
            .bind(id.as_str())
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ExternalAccount {
                    source: r.try_get("source")?,
                    account_id: r.try_get("account_id")?,
                })
            })
            .collect()
    }

    async fn add_group(
        &self,
        id: &UserId,
        group: SystemGroup,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO user_groups (user_id, group_name) VALUES ($1, $2) ON CONFLICT (user_id, group_name) DO NOTHING")
            .bind(id.as_str())
            .bind(group.name())
            .execute(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
                _ => e.into(),
            })?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_group(
        &self,
        id: &UserId,
        group: SystemGroup,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM user_groups WHERE user_id = $1 AND group_name = $2")
            .bind(id.as_str())
            .bind(group.name())
            .execute(&mut *tx)
            .await?;
        record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn groups(&self, id: &UserId) -> StoreResult<Vec<SystemGroup>> {
        let rows = sqlx::query(
            "SELECT group_name FROM user_groups WHERE user_id = $1 ORDER BY group_name",
        )
        .bind(id.as_str())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get("group_name")?;
                SystemGroup::parse(&name)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown group `{name}`")))
            })
            .collect()
    }

    async fn set_disabled(
        &self,
        id: &UserId,
        disabled: bool,
        now: Timestamp,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let sql = if disabled {
            "UPDATE users SET disabled = 1, updated_at = $2 WHERE id = $1"
        } else {
            "UPDATE users SET disabled = 0, updated_at = $2 WHERE id = $1"
        };
        self.update_user(sql, id, (now.millis(), None), audit).await
    }

    async fn session_status(
        &self,
        id: &UserId,
        token_id: &str,
    ) -> StoreResult<Option<SessionStatus>> {
        let row = sqlx::query(
            "SELECT u.disabled, u.sessions_revoked_before, \
             (SELECT COUNT(*) FROM revoked_sessions r WHERE r.token_id = $2) AS revoked \
             FROM users u WHERE u.id = $1",
        )
        .bind(id.as_str())
        .bind(token_id)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionStatus {
            disabled: row.try_get::<i64, _>("disabled")? != 0,
            revoked_before: row
                .try_get::<Option<i64>, _>("sessions_revoked_before")?
                .map(Timestamp::from_millis),
            token_revoked: row.try_get::<i64, _>("revoked")? > 0,
        }))
    }

    async fn revoke_tokens(
        &self,
        id: &UserId,
        token_ids: &[(String, Timestamp)],
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (token_id, expires_at) in token_ids {
            sqlx::query(
                "INSERT INTO revoked_sessions (token_id, user_id, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (token_id) DO NOTHING",
            )
            .bind(token_id)
            .bind(id.as_str())
            .bind(expires_at.millis())
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM revoked_sessions WHERE expires_at < $1")
            .bind(Timestamp::now().millis())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn revoke_all_tokens(&self, id: &UserId, before: Timestamp) -> StoreResult<()> {
        self.update_user(
            "UPDATE users SET sessions_revoked_before = $2 WHERE id = $1",
            id,
            (before.millis(), None),
            None,
        )
        .await
    }

    async fn list_users(&self, filter: &UserFilter, seek: &Seek<String>) -> StoreResult<Vec<User>> {
        let pattern = filter
            .text
            .as_deref()
            .map(|t| format!("%{}%", like_escaped(&t.to_lowercase())));
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u \
             WHERE ($1 IS NULL OR lower(u.username) LIKE $1 ESCAPE '\\' \
                    OR lower(u.display_name) LIKE $1 ESCAPE '\\' \
                    OR lower(COALESCE(u.email, '')) LIKE $1 ESCAPE '\\') \
             AND ($2 IS NULL OR u.disabled = $2) \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM user_groups g \
                  WHERE g.user_id = u.id AND g.group_name = $3)) \
             AND ($4 IS NULL OR EXISTS (SELECT 1 FROM external_accounts e \
                  WHERE e.user_id = u.id AND e.source = $4 AND ($5 IS NULL OR e.account_id = $5))) \
             AND ($6 IS NULL OR u.username > $6) \
             ORDER BY u.username LIMIT $7"
        );
        let rows = sqlx::query(&sql)
            .bind(pattern)
            .bind(filter.disabled.map(i64::from))
            .bind(filter.group.map(SystemGroup::name))
            .bind(filter.source.as_deref())
            .bind(filter.account_id.as_deref())
            .bind(seek.after.as_deref())
            .bind(seek.limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(user_from_row).collect()
    }
}

/// `text` with the LIKE wildcards (`%`, `_`) and the escape character itself escaped.
fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
