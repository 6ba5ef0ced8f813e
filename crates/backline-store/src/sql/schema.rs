//! Which migrations a database has, read without changing it: the one place that knows
//! whether a database is behind this binary (migrations pending), current, or ahead of it
//! (migrated by a newer Backline). `migrate` refuses a database that is ahead before it
//! touches anything, `/readyz` answers 503 unless the schema is current, and `restore`
//! refuses a backup that is ahead.

use super::{Backend, SqlStore};
use crate::traits::SchemaState;
use crate::{StoreError, StoreResult};
use sqlx::Executor;

/// Whether the migrations table exists, asked of the catalogue (reading it directly would
/// fail on a new database, and creating it, as sqlx's migrator does, would change it).
fn table_exists_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
    }
}

/// The versions of the migrations applied successfully, oldest first (none when the
/// database was never migrated), read through `conn` without changing anything.
pub(crate) async fn applied_versions<'c, E>(conn: E, backend: Backend) -> StoreResult<Vec<i64>>
where
    E: Executor<'c, Database = sqlx::Any> + Copy,
{
    let tables: i64 = sqlx::query_scalar(table_exists_sql(backend))
        .fetch_one(conn)
        .await?;
    if tables == 0 {
        return Ok(Vec::new());
    }
    Ok(
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(conn)
            .await?,
    )
}

/// The versions of the migrations this binary carries for `backend`, oldest first.
pub fn known_versions(backend: Backend) -> Vec<i64> {
    super::migrator_of(backend)
        .iter()
        .map(|m| m.version)
        .collect()
}

impl SqlStore {
    /// The schema's state: applied migrations against those this binary knows.
    pub async fn schema_state(&self) -> StoreResult<SchemaState> {
        Ok(SchemaState {
            applied: applied_versions(&self.read, self.backend).await?,
            known: known_versions(self.backend),
        })
    }

    /// Refuses a database migrated by a newer Backline ([`StoreError::SchemaNewer`]); reads
    /// only.
    pub(crate) async fn refuse_newer_schema(&self) -> StoreResult<()> {
        let state = self.schema_state().await?;
        match state.newer_than_known() {
            Some(database) => Err(StoreError::SchemaNewer {
                database,
                known: state.latest_known(),
            }),
            None => Ok(()),
        }
    }
}
