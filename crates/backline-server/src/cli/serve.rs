//! `backline serve`.

use crate::config::{redact_url, Config, LogFormat};
use crate::server;
use tokio::net::TcpListener;
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

pub async fn run(config: Config) -> anyhow::Result<()> {
    init_logging(&config, false);
    tracing::info!(config = ?config, "starting");
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let database = redact_url(&config.database_url);
    let prepared = server::prepare(config, listener).await?;
    println!("Backline listening on http://{}", prepared.addr);
    println!("  database:  {database}");
    println!("  Spectra:   BACKEND_URL=http://{}/spectra", prepared.addr);
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
    prepared.run(server::shutdown_signal()).await
}
