//! Typed configuration: built-in defaults, then an optional TOML file, then `BACKLINE_*`
//! environment variables (`__` separates nested keys), then command-line flags.
//!
//! Validated at start-up with messages that say what to change. Secrets never appear in
//! `Debug` output or logs.

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub mod backup;
pub mod retention;
pub use backup::BackupConfig;
pub use retention::RetentionConfig;

/// A configuration value that must not be printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Everything Backline can be configured with.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP listener binds (all surfaces share it).
    pub listen: SocketAddr,
    /// When set, `/metrics` is also served here without the admin token (a listener only the
    /// monitoring network reaches); on the main listener it always needs the admin token.
    pub metrics_listen: Option<SocketAddr>,
    /// `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB`.
    pub database_url: String,
    /// PostgreSQL connections, or SQLite reader connections (SQLite has one writer).
    pub database_max_connections: u32,
    /// SQLite: milliseconds a statement waits for a lock held by another process (the CLI, a
    /// backup) before it fails; the request is then answered 503.
    pub database_busy_timeout_millis: u64,
    /// Largest request body accepted, in bytes; larger ones get a 413 in the surface's shape.
    pub body_limit_bytes: usize,
    /// `tracing` filter, e.g. `info` or `backline_server=debug,info`; `RUST_LOG` wins.
    pub log_level: String,
    pub log_format: LogFormat,
    /// Operator token for the admin API. When unset, one is generated on first start,
    /// printed once and stored hashed in the database.
    pub admin_token: Option<Secret>,
    /// Seconds a graceful shutdown waits for requests in flight.
    pub shutdown_grace_seconds: u64,
    /// Most connections served at once. Near it, connections idle between requests are
    /// closed first; when none is idle, further clients wait to be accepted. Lowered at
    /// start-up (with a warning) when the process may not open that many files.
    pub max_connections: usize,
    /// Most connections one client address (an IPv6 client: its /64 network) may hold open at
    /// once; more are closed as soon as they are accepted. Not applied with
    /// `guess_limit.trust_x_forwarded_for`: every connection then comes from the proxy, which
    /// limits per client itself (docs/operations.md, "Floods and abuse").
    pub max_connections_per_address: usize,
    /// Seconds a client has to send a request's head (also how long a kept-alive connection
    /// may stay idle).
    pub header_read_timeout_seconds: u64,
    /// Seconds a client has to send a request's whole body.
    pub body_read_timeout_seconds: u64,
    /// Limits on guessing secrets (access keys, passwords, link tokens, player-cam secrets).
    pub guess_limit: GuessLimitConfig,
    /// HTTPS on the main listener.
    pub tls: TlsConfig,
    pub spectra: SpectraConfig,
    pub nakama: NakamaConfig,
    pub ember: EmberConfig,
    pub events: EventsConfig,
    pub cache: CacheConfig,
    /// Scheduled backups of a SQLite database (off unless `backup.every` is set).
    pub backup: BackupConfig,
    /// How long rows that grow with use are kept (`core/retention.rs`).
    pub retention: RetentionConfig,
}

/// The in-memory cache of credentials and other hot rows (`backline_store::cached`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Off: every request reads the database (the bound below is then zero).
    pub enabled: bool,
    /// How often, in milliseconds, the change counters are re-read. A change made by another
    /// node or process is served by no node for longer than twice this (250 ms by default);
    /// one made through this node is refused at once.
    pub recheck_millis: u64,
    /// Entries each cached map holds at most (a map about to grow past it is emptied).
    pub max_entries: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            recheck_millis: 125,
            max_entries: 10_000,
        }
    }
}

impl CacheConfig {
    pub fn options(&self) -> backline_store::CacheOptions {
        backline_store::CacheOptions {
            enabled: self.enabled,
            recheck: std::time::Duration::from_millis(self.recheck_millis),
            capacity: self.max_entries,
            ..backline_store::CacheOptions::default()
        }
    }
}

/// The longest retention of the event log (ten years).
pub const MAX_RETENTION_SECONDS: u64 = 10 * 365 * 24 * 3600;

/// Settings of the live event stream (`GET /events`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// How long the event log keeps events: a subscriber can resume with `Last-Event-ID`
    /// after a disconnection this long at most.
    pub retention_seconds: u64,
    /// How often, in milliseconds, the log is read without a notification (events the CLI
    /// appended to a SQLite database), pruned, and game servers' polling state checked.
    pub interval_millis: u64,
    /// Seconds between keep-alive comments on an idle stream.
    pub keep_alive_seconds: u64,
    /// An open stream checks its credential again, before sending an event, when it was
    /// last checked this many seconds ago: a revoked key or token stops receiving events.
    pub recheck_seconds: u64,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            retention_seconds: 3600,
            interval_millis: 1000,
            keep_alive_seconds: 15,
            recheck_seconds: 30,
        }
    }
}

/// Limits on failed attempts at secrets, per client address and endpoint family.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuessLimitConfig {
    /// Failed attempts one client address may make in a window before it gets 429s.
    pub max_failures: u32,
    /// The same for Spectra access keys. Spectra Server checks every observer's key from its
    /// own address, so this allowance is shared by all of a tournament's observers: it is
    /// sized for their typos, which a 32-character random key can afford (see
    /// docs/operations.md, "Guessing limits").
    pub access_key_max_failures: u32,
    /// Length of the window, counted from the address's first failure in it.
    pub window_seconds: u64,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a proxy you
    /// run) instead of the connection's peer address.
    pub trust_x_forwarded_for: bool,
}

impl Default for GuessLimitConfig {
    fn default() -> Self {
        Self {
            max_failures: 10,
            access_key_max_failures: 1000,
            window_seconds: 300,
            trust_x_forwarded_for: false,
        }
    }
}

/// HTTPS on the main listener: when both `cert` and `key` are set, it speaks only HTTPS
/// (HTTP/1.1 through ALPN), and the pair is read again whenever either file changes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM file of the certificate chain, the server's own certificate first.
    pub cert: Option<PathBuf>,
    /// PEM file of the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
    /// How often the files' modification times are compared, to take a renewed pair without
    /// a restart.
    pub reload_interval_millis: u64,
}

impl TlsConfig {
    /// Whether the listener speaks HTTPS (both files configured).
    pub fn enabled(&self) -> bool {
        self.cert.is_some() && self.key.is_some()
    }
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            cert: None,
            key: None,
            reload_interval_millis: 10_000,
        }
    }
}

/// Settings of the game integration surface.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmberConfig {
    /// How long a delivered execution waits for `finish` before it is delivered again.
    pub lease_seconds: i64,
    /// Lifetime of link tokens.
    pub link_token_ttl_seconds: i64,
    /// Public base URL of this Backline (for link-token URLs); default `http://<listen>`.
    pub public_url: Option<String>,
    /// Most executions one poll receives.
    pub poll_batch: i64,
    /// Most players one poll may report (all sources and states together); a poll reporting
    /// more is refused with a 422 and changes nothing.
    pub max_players_per_poll: usize,
    /// Requests per minute one server may make before it gets 429s.
    pub rate_limit_per_minute: u32,
    /// Send `X-RateLimit-Reset` as a UNIX timestamp instead of seconds to wait.
    pub rate_limit_reset_as_timestamp: bool,
    /// Games added to (or replacing) the built-in ones, by key.
    pub games: std::collections::BTreeMap<String, backline_domain::ember::games::Game>,
}

impl Default for EmberConfig {
    fn default() -> Self {
        Self {
            lease_seconds: 120,
            link_token_ttl_seconds: 900,
            public_url: None,
            poll_batch: 100,
            max_players_per_poll: 1000,
            rate_limit_per_minute: 600,
            rate_limit_reset_as_timestamp: false,
            games: Default::default(),
        }
    }
}
/// Settings of the Nakama-compatible surface. Keys left unset are generated on first start,
/// stored in the database (so every node agrees) and printed once.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NakamaConfig {
    /// Basic-auth key of `/v2/account/authenticate/*` and session refresh.
    pub server_key: Option<Secret>,
    /// Key of server-to-server RPC calls (`?http_key=`).
    pub http_key: Option<Secret>,
    /// HMAC key of session tokens.
    pub session_encryption_key: Option<Secret>,
    /// HMAC key of refresh tokens.
    pub refresh_encryption_key: Option<Secret>,
    pub session_token_expiry_seconds: i64,
    pub refresh_token_expiry_seconds: i64,
    /// Node name, the suffix of match ids (`<uuid>.<node>`).
    pub node: String,
    /// A broadcaster silent this long is removed (EVR: 90 s).
    pub broadcaster_timeout_seconds: i64,
    /// A prepared match nobody joined starts this long after preparation (EVR: 15 min).
    pub prepared_match_start_seconds: i64,
    /// A started match empty this long ends (EVR: 60 s).
    pub empty_match_end_seconds: i64,
    /// How often the match timers run, in milliseconds.
    pub timer_interval_millis: u64,
}

impl Default for NakamaConfig {
    fn default() -> Self {
        Self {
            server_key: None,
            http_key: None,
            session_encryption_key: None,
            refresh_encryption_key: None,
            session_token_expiry_seconds: 7200,
            refresh_token_expiry_seconds: 86400,
            node: "backline".into(),
            broadcaster_timeout_seconds: 90,
            prepared_match_start_seconds: 900,
            empty_match_end_seconds: 60,
            timer_interval_millis: 1000,
        }
    }
}

/// Settings of the Spectra surface.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpectraConfig {
    /// Lifetime of a player-cam session. The Spectra client keeps a session for 6 hours and
    /// a match may start near the end of that, so the default leaves two hours of margin.
    pub playercam_session_ttl_seconds: i64,
}

impl Default for SpectraConfig {
    fn default() -> Self {
        Self {
            playercam_session_ttl_seconds: 8 * 3600,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 7350)),
            metrics_listen: None,
            database_url: "sqlite://backline.db".into(),
            database_max_connections: 8,
            database_busy_timeout_millis: 5000,
            body_limit_bytes: 1024 * 1024,
            log_level: "info".into(),
            log_format: LogFormat::Text,
            admin_token: None,
            shutdown_grace_seconds: 10,
            max_connections: 4096,
            max_connections_per_address: 64,
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
            guess_limit: GuessLimitConfig::default(),
            tls: TlsConfig::default(),
            spectra: SpectraConfig::default(),
            nakama: NakamaConfig::default(),
            ember: EmberConfig::default(),
            events: EventsConfig::default(),
            cache: CacheConfig::default(),
            backup: BackupConfig::default(),
            retention: RetentionConfig::default(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("metrics_listen", &self.metrics_listen)
            .field("database_url", &redact_url(&self.database_url))
            .field("database_max_connections", &self.database_max_connections)
            .field(
                "database_busy_timeout_millis",
                &self.database_busy_timeout_millis,
            )
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("log_level", &self.log_level)
            .field("log_format", &self.log_format)
            .field("admin_token", &self.admin_token)
            .field("shutdown_grace_seconds", &self.shutdown_grace_seconds)
            .field("max_connections", &self.max_connections)
            .field(
                "max_connections_per_address",
                &self.max_connections_per_address,
            )
            .field(
                "header_read_timeout_seconds",
                &self.header_read_timeout_seconds,
            )
            .field("body_read_timeout_seconds", &self.body_read_timeout_seconds)
            .field("guess_limit", &self.guess_limit)
            .field("tls", &self.tls)
            .field("spectra", &self.spectra)
            .field("nakama", &self.nakama)
            .field("ember", &self.ember)
            .field("events", &self.events)
            .field("cache", &self.cache)
            .field("backup", &self.backup)
            .field("retention", &self.retention)
            .finish()
    }
}

/// A database URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("<redacted>"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Values given on the command line, which win over everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub database_url: Option<String>,
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file `{0}` does not exist")]
    MissingFile(String),
    #[error("invalid configuration: {0}")]
    Parse(String),
    #[error("invalid configuration: {field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
}

impl Config {
    /// Defaults, then `file`, then the environment (`env` pairs, usually `std::env::vars()`),
    /// then `overrides`; validated.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::MissingFile(path.display().to_string()));
            }
            figment = figment.merge(Toml::file(path));
        }
        // Environment variables are applied from the pairs given, not read from the process,
        // so a test can run several servers with different configurations.
        for (name, value) in env {
            let Some(key) = name.strip_prefix("BACKLINE_") else {
                continue;
            };
            let path = key.to_ascii_lowercase().replace("__", ".");
            let value: figment::value::Value = value
                .parse()
                .unwrap_or_else(|never: std::convert::Infallible| match never {});
            figment = figment.merge(Serialized::default(&path, value));
        }
        let mut config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        if let Some(listen) = overrides.listen {
            config.listen = listen;
        }
        if let Some(url) = &overrides.database_url {
            config.database_url = url.clone();
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if backline_store::Backend::of_url(&self.database_url).is_none() {
            return Err(ConfigError::Invalid {
                field: "database_url",
                problem: format!(
                    "`{}` is neither sqlite://FILE nor postgres://…",
                    redact_url(&self.database_url)
                ),
            });
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::Invalid {
                field: "database_max_connections",
                problem: "must be at least 1".into(),
            });
        }
        if self.body_limit_bytes < 1024 {
            return Err(ConfigError::Invalid {
                field: "body_limit_bytes",
                problem: format!("{} is too small; Spectra match bodies are about 20 KB, use at least 1024 (default 1048576)", self.body_limit_bytes),
            });
        }
        for (field, value) in [
            ("max_connections", self.max_connections as u64),
            (
                "max_connections_per_address",
                self.max_connections_per_address as u64,
            ),
            (
                "header_read_timeout_seconds",
                self.header_read_timeout_seconds,
            ),
            ("body_read_timeout_seconds", self.body_read_timeout_seconds),
            (
                "guess_limit.max_failures",
                u64::from(self.guess_limit.max_failures),
            ),
            (
                "guess_limit.access_key_max_failures",
                u64::from(self.guess_limit.access_key_max_failures),
            ),
            (
                "guess_limit.window_seconds",
                self.guess_limit.window_seconds,
            ),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    field,
                    problem: "must be at least 1".into(),
                });
            }
        }
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            return Err(ConfigError::Invalid {
                field: "tls",
                problem: "set both `tls.cert` and `tls.key` (PEM files) for HTTPS, or neither"
                    .into(),
            });
        }
        if !(10..=3_600_000).contains(&self.tls.reload_interval_millis) {
            return Err(ConfigError::Invalid {
                field: "tls.reload_interval_millis",
                problem: "must be 10 to 3600000 (an hour)".into(),
            });
        }
        let v = &self.events;
        if !(1..=MAX_RETENTION_SECONDS).contains(&v.retention_seconds)
            || !(10..=60_000).contains(&v.interval_millis)
            || v.keep_alive_seconds < 1
            || v.recheck_seconds < 1
        {
            return Err(ConfigError::Invalid {
                field: "events",
                problem: "retention_seconds 1 to 315360000 (ten years), interval_millis 10 to 60000, keep_alive_seconds ≥ 1, recheck_seconds ≥ 1".into(),
            });
        }
        if !(10..=500).contains(&self.cache.recheck_millis) || self.cache.max_entries == 0 {
            return Err(ConfigError::Invalid {
                field: "cache",
                problem: "recheck_millis 10 to 500 (changes elsewhere are seen within twice it, at most 1 s), max_entries ≥ 1".into(),
            });
        }
        if self.spectra.playercam_session_ttl_seconds < 60 {
            return Err(ConfigError::Invalid {
                field: "spectra.playercam_session_ttl_seconds",
                problem: "must be at least 60".into(),
            });
        }
        let e = &self.ember;
        if e.lease_seconds < 1
            || e.link_token_ttl_seconds < 60
            || !(1..=1000).contains(&e.poll_batch)
            || !(1..=100_000).contains(&e.max_players_per_poll)
            || e.rate_limit_per_minute == 0
        {
            return Err(ConfigError::Invalid {
                field: "ember",
                problem: "lease_seconds ≥ 1, link_token_ttl_seconds ≥ 60, poll_batch 1 to 1000, max_players_per_poll 1 to 100000, rate_limit_per_minute ≥ 1".into(),
            });
        }
        for (key, game) in &e.games {
            if !game.commands.contains_key("kick") {
                return Err(ConfigError::Invalid {
                    field: "ember.games",
                    problem: format!("game `{key}` needs a `kick` command"),
                });
            }
        }
        let n = &self.nakama;
        if n.session_token_expiry_seconds < 60
            || n.refresh_token_expiry_seconds < n.session_token_expiry_seconds
        {
            return Err(ConfigError::Invalid {
                field: "nakama.session_token_expiry_seconds",
                problem: "must be at least 60, and refresh_token_expiry_seconds at least as long"
                    .into(),
            });
        }
        if n.node.is_empty()
            || !n
                .node
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ConfigError::Invalid {
                field: "nakama.node",
                problem: format!("`{}` must be letters, digits, - or _", n.node),
            });
        }
        if n.timer_interval_millis < 10 || n.timer_interval_millis > 60_000 {
            return Err(ConfigError::Invalid {
                field: "nakama.timer_interval_millis",
                problem: "must be 10 to 60000".into(),
            });
        }
        for (field, value) in [
            (
                "nakama.broadcaster_timeout_seconds",
                n.broadcaster_timeout_seconds,
            ),
            (
                "nakama.prepared_match_start_seconds",
                n.prepared_match_start_seconds,
            ),
            ("nakama.empty_match_end_seconds", n.empty_match_end_seconds),
        ] {
            if value < 0 {
                return Err(ConfigError::Invalid {
                    field,
                    problem: "must not be negative".into(),
                });
            }
        }
        for (field, key) in [
            ("nakama.server_key", &n.server_key),
            ("nakama.http_key", &n.http_key),
            ("nakama.session_encryption_key", &n.session_encryption_key),
            ("nakama.refresh_encryption_key", &n.refresh_encryption_key),
        ] {
            if key.as_ref().is_some_and(|k| k.expose().is_empty()) {
                return Err(ConfigError::Invalid {
                    field,
                    problem: "must not be empty; leave it unset to have one generated".into(),
                });
            }
        }
        self.backup.schedule()?;
        self.retention.settings()?;
        if let Some(token) = &self.admin_token {
            if token.expose().len() < 16 {
                return Err(ConfigError::Invalid {
                    field: "admin_token",
                    problem: "must be at least 16 characters; leave it unset to have one generated"
                        .into(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
