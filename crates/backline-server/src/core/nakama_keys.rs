//! The Nakama surface's keys: server key, http key, and the HMAC keys of session and refresh
//! tokens. Configured explicitly, or generated on first start and stored in the database so
//! every node and every restart agrees.

use super::access::{Administer, Grant};
use super::CoreResult;
use crate::config::NakamaConfig;
use backline_domain::secret::IssuedSecret;
use backline_store::SettingStore;
use jsonwebtoken::{DecodingKey, EncodingKey};
use std::fmt;

/// The four keys, ready to use.
#[derive(Clone)]
pub struct NakamaKeys {
    pub server_key: String,
    pub http_key: String,
    pub(super) session: (EncodingKey, DecodingKey),
    pub(super) refresh: (EncodingKey, DecodingKey),
}

impl fmt::Debug for NakamaKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NakamaKeys(<redacted>)")
    }
}

/// Keys this start generated, to print once.
#[derive(Debug, Default)]
pub struct GeneratedKeys {
    pub server_key: Option<String>,
    pub http_key: Option<String>,
    pub signing_keys: bool,
}

impl GeneratedKeys {
    pub fn any(&self) -> bool {
        self.server_key.is_some() || self.http_key.is_some() || self.signing_keys
    }
}

fn pair(secret: &str) -> (EncodingKey, DecodingKey) {
    (
        EncodingKey::from_secret(secret.as_bytes()),
        DecodingKey::from_secret(secret.as_bytes()),
    )
}

/// One key: the configured value, else the stored one, else a new one stored now (the
/// first node to store wins; everyone reads back the winner). True when generated here.
async fn key(
    store: &impl SettingStore,
    name: &str,
    configured: Option<&str>,
    len: usize,
) -> CoreResult<(String, bool)> {
    if let Some(value) = configured {
        return Ok((value.to_owned(), false));
    }
    let setting = format!("nakama.{name}");
    if let Some(value) = store.get_setting(&setting).await? {
        return Ok((value, false));
    }
    let fresh = IssuedSecret::generate(len);
    let stored = store
        .put_setting_if_absent(&setting, fresh.expose())
        .await?;
    let value = store
        .get_setting(&setting)
        .await?
        .unwrap_or_else(|| fresh.expose().to_owned());
    Ok((value, stored))
}

/// Loads (or generates) the Nakama keys.
pub async fn load(
    store: &impl SettingStore,
    config: &NakamaConfig,
) -> CoreResult<(NakamaKeys, GeneratedKeys)> {
    let expose = |s: &Option<crate::config::Secret>| s.as_ref().map(|s| s.expose().to_owned());
    let (server_key, server_new) = key(
        store,
        "server_key",
        expose(&config.server_key).as_deref(),
        24,
    )
    .await?;
    let (http_key, http_new) =
        key(store, "http_key", expose(&config.http_key).as_deref(), 32).await?;
    let (session, session_new) = key(
        store,
        "session_encryption_key",
        expose(&config.session_encryption_key).as_deref(),
        48,
    )
    .await?;
    let (refresh, refresh_new) = key(
        store,
        "refresh_encryption_key",
        expose(&config.refresh_encryption_key).as_deref(),
        48,
    )
    .await?;
    let generated = GeneratedKeys {
        server_key: server_new.then(|| server_key.clone()),
        http_key: http_new.then(|| http_key.clone()),
        signing_keys: session_new || refresh_new,
    };
    let keys = NakamaKeys {
        server_key,
        http_key,
        session: pair(&session),
        refresh: pair(&refresh),
    };
    Ok((keys, generated))
}

/// Where a Nakama key in use comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// The configuration file or environment (`nakama.*`).
    Configured,
    /// Generated on a first start and stored in the database.
    Database,
}

/// One key as operators see it: where it comes from and, for the two keys clients are given,
/// its value.
#[derive(Clone, serde::Serialize)]
pub struct KeyReport {
    pub source: KeySource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl fmt::Debug for KeyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyReport({:?}, <redacted>)", self.source)
    }
}

/// The four Nakama keys as operators see them.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NakamaKeyReport {
    pub server_key: KeyReport,
    pub http_key: KeyReport,
    pub session_encryption_key: KeyReport,
    pub refresh_encryption_key: KeyReport,
}

impl<S> super::Core<S> {
    /// Where each key in use comes from, with the server key and the http key (which every
    /// client or server-to-server caller is given, and `backline nakama keys` prints). The
    /// session and refresh signing keys are never shown: whoever holds one can make sessions
    /// for any user.
    /// Owners only: the two keys shown are secrets.
    pub fn nakama_key_report(
        &self,
        _: &Grant<Administer>,
        config: &NakamaConfig,
    ) -> NakamaKeyReport {
        let source = |configured: &Option<crate::config::Secret>| {
            if configured.is_some() {
                KeySource::Configured
            } else {
                KeySource::Database
            }
        };
        NakamaKeyReport {
            server_key: KeyReport {
                source: source(&config.server_key),
                value: Some(self.keys.server_key.clone()),
            },
            http_key: KeyReport {
                source: source(&config.http_key),
                value: Some(self.keys.http_key.clone()),
            },
            session_encryption_key: KeyReport {
                source: source(&config.session_encryption_key),
                value: None,
            },
            refresh_encryption_key: KeyReport {
                source: source(&config.refresh_encryption_key),
                value: None,
            },
        }
    }
}
