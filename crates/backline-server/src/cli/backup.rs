//! `backline backup` and `backline restore` (SQLite; `core/backup/`). Neither migrates the
//! database: a backup copies it as it is, a restore never opens the database it replaces
//! through the store (the next start migrates an older backup).

use super::output::emit;
use crate::config::{redact_url, Config};
use crate::core::backup::{self, restore, BackupError};
use backline_store::Backend;
use std::path::Path;

/// `backline backup --to FILE`.
pub async fn backup(config: &Config, to: &Path, json: bool) -> anyhow::Result<()> {
    if Backend::of_url(&config.database_url) == Some(Backend::Postgres) {
        return Err(postgres(config));
    }
    let file = backup::sqlite_path(&config.database_url)?;
    if !file.is_file() {
        return Err(BackupError::NoDatabase(file).into());
    }
    let store = crate::server::open_store(config).await?;
    let written = backup::write(&store, to).await;
    store.close().await;
    let written = written?;
    emit(json, &written, || {
        format!(
            "backup of {} written to {} ({} bytes)",
            file.display(),
            written.path.display(),
            written.bytes
        )
    });
    Ok(())
}

/// `backline restore --from FILE [--force]`.
pub async fn restore(config: &Config, from: &Path, force: bool, json: bool) -> anyhow::Result<()> {
    if Backend::of_url(&config.database_url) == Some(Backend::Postgres) {
        return Err(postgres(config));
    }
    let target = backup::sqlite_path(&config.database_url)?;
    let restored = restore::restore(from, &target, force).await?;
    emit(json, &restored, || {
        let migration = restored
            .migration
            .map_or_else(|| "-".to_owned(), |m| m.to_string());
        format!(
            "restored {} into {}{} (schema at migration {migration}; the next start applies any newer ones)",
            from.display(),
            restored.path.display(),
            if restored.replaced { ", replacing the database that was there" } else { "" },
        )
    });
    Ok(())
}

/// The refusal of a PostgreSQL URL, with the commands to use instead.
fn postgres(config: &Config) -> anyhow::Error {
    let url = redact_url(&config.database_url);
    anyhow::anyhow!(
        "{}\n  backup:  pg_dump -Fc --file backline.dump '{url}'\n  \
         restore: pg_restore --no-owner --dbname '{url}' backline.dump   (into an empty database)",
        BackupError::PostgresUsesPgDump
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_is_refused_with_the_commands_and_no_password() {
        let config = Config {
            database_url: "postgres://backline:hunter2@db/backline".into(),
            ..Config::default()
        };
        let text = postgres(&config).to_string();
        assert!(
            text.contains("pg_dump -Fc") && text.contains("pg_restore"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }
}
