//! `backline serve`.

use crate::config::{redact_url, Config, LogFormat};
use crate::server;
use tracing_subscriber::EnvFilter;

/// Installs the log subscriber; admin commands only show warnings.
pub fn init_logging(config: &Config, quiet: bool) {
    let default = if quiet {
        "warn"
    } else {
        config.log_level.as_str()
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // Colours only on a terminal: a log file or shipper gets plain `request_id=…`.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The effective configuration in one readable line, secrets shown only as set or not.
pub fn summary(config: &Config) -> String {
    let secret = |s: &Option<crate::config::Secret>| {
        if s.is_some() {
            "configured"
        } else {
            "in-database"
        }
    };
    let (n, e, g) = (&config.nakama, &config.ember, &config.guess_limit);
    format!(
        "listen={} metrics_listen={} database={} db_pool={} log={}/{} body_limit={}b max_connections={} \
         max_connections_per_address={} tls={} timeouts(header={}s body={}s grace={}s) guess_limit={}/{}s trust_x_forwarded_for={} \
         admin_token={} nakama(node={} server_key={} http_key={} session_key={} refresh_key={} \
         session_ttl={}s refresh_ttl={}s) spectra(playercam_ttl={}s) \
         ember(public_url={} lease={}s poll_batch={} rate_limit={}/min extra_games={}) \
         events(retention={}s interval={}ms keep_alive={}s recheck={}s) backup({})",
        config.listen,
        config
            .metrics_listen
            .map_or_else(|| "(main listener, admin token)".to_owned(), |a| a.to_string()),
        redact_url(&config.database_url),
        config.database_max_connections,
        config.log_level,
        match config.log_format {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        },
        config.body_limit_bytes,
        config.max_connections,
        config.max_connections_per_address,
        match &config.tls.cert {
            Some(cert) if config.tls.enabled() => cert.display().to_string(),
            _ => "off".to_owned(),
        },
        config.header_read_timeout_seconds,
        config.body_read_timeout_seconds,
        config.shutdown_grace_seconds,
        g.max_failures,
        g.window_seconds,
        g.trust_x_forwarded_for,
        secret(&config.admin_token),
        n.node,
        secret(&n.server_key),
        secret(&n.http_key),
        secret(&n.session_encryption_key),
        secret(&n.refresh_encryption_key),
        n.session_token_expiry_seconds,
        n.refresh_token_expiry_seconds,
        config.spectra.playercam_session_ttl_seconds,
        e.public_url.as_deref().unwrap_or("(from listen)"),
        e.lease_seconds,
        e.poll_batch,
        e.rate_limit_per_minute,
        e.games.len(),
        config.events.retention_seconds,
        config.events.interval_millis,
        config.events.keep_alive_seconds,
        config.events.recheck_seconds,
        backup_summary(config),
    )
}

/// `[backup]` in the summary: `off`, or `every=…s keep=… dir=…`.
fn backup_summary(config: &Config) -> String {
    match config.backup.schedule() {
        Ok(Some(s)) => format!(
            "every={}s keep={} dir={}",
            s.every.as_secs(),
            s.keep,
            s.dir.display()
        ),
        _ => "off".into(),
    }
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    init_logging(&config, false);
    tracing::info!("starting with {}", summary(&config));
    let listener = crate::http::serve::bind(config.listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let database = redact_url(&config.database_url);
    let prepared = server::prepare(config, listener).await?;
    let scheme = if prepared.tls_enabled() {
        "https"
    } else {
        "http"
    };
    println!("Backline listening on {scheme}://{}", prepared.addr);
    println!("  database:  {database}");
    println!(
        "  Spectra:   BACKEND_URL={scheme}://{}/spectra",
        prepared.addr
    );
    let keys = &prepared.generated_keys;
    if let Some(key) = &keys.server_key {
        println!("  Nakama server key (generated, shown once; `backline nakama keys` shows it again): {key}");
    }
    if let Some(key) = &keys.http_key {
        println!("  Nakama http key (generated, shown once): {key}");
    }
    match &prepared.generated_admin_token {
        Some(token) => println!(
            "  admin token (shown once, stored hashed): {}",
            token.expose()
        ),
        None => println!(
            "  admin token: set on first start or in the configuration; `backline admin-token rotate` issues a new one"
        ),
    }
    super::systemd::ready();
    prepared
        .run(async {
            server::shutdown_signal().await;
            super::systemd::stopping();
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn the_start_up_summary_shows_settings_and_hides_secrets() {
        let mut config = Config {
            database_url: "postgres://user:hunter2@127.0.0.1/db".into(),
            admin_token: Some(Secret::new("super-secret-admin-token")),
            ..Config::default()
        };
        config.nakama.server_key = Some(Secret::new("nakama-server-key-value"));
        let shown = summary(&config);
        for secret in [
            "hunter2",
            "super-secret-admin-token",
            "nakama-server-key-value",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("database=postgres://user:") && shown.contains("redacted"));
        assert!(shown.contains("admin_token=configured"), "{shown}");
        assert!(shown.contains("http_key=in-database"), "{shown}");
        assert!(
            shown.contains(&format!("listen={}", config.listen)),
            "{shown}"
        );
        assert!(!shown.contains('\n'), "one line: {shown}");
    }
}
