//! Named values Backline keeps for itself.

use super::SqlStore;
use crate::traits::SettingStore;
use crate::StoreResult;
use backline_domain::Timestamp;
use sqlx::Row;

impl SettingStore for SqlStore {
    async fn get_setting(&self, name: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    async fn put_setting_if_absent(&self, name: &str, value: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(value)
        .bind(Timestamp::now().millis())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_setting(&self, name: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(value)
        .bind(Timestamp::now().millis())
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
