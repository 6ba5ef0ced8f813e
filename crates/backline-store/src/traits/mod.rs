//! The store's capabilities, one trait per area.
//!
//! Methods are whole units of work. The futures are `Send` so handlers can hold them across
//! awaits on a multi-threaded runtime.

mod accounts;
mod ember;
mod events;
mod evr;
mod operators;
mod spectra;

pub use accounts::*;
pub use ember::*;
pub use events::*;
pub use evr::*;
pub use operators::*;
pub use spectra::*;

use backline_domain::Timestamp;
use std::future::Future;

use crate::StoreResult;

/// Which rows of a list to read: those after `after` (the sort key of the last row the
/// caller already has), at most `limit` of them (keyset pagination: a page never repeats or
/// skips a row when others are added meanwhile).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seek<K> {
    pub after: Option<K>,
    pub limit: i64,
}

impl<K> Seek<K> {
    /// The first `limit` rows.
    pub fn first(limit: i64) -> Self {
        Self { after: None, limit }
    }
}

/// The sort key of a list ordered by a time, then by a unique text (an id, a PUUID).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeKey {
    pub at: Timestamp,
    pub id: String,
}

/// Small named values Backline keeps for itself (generated secrets' hashes and the like).
pub trait SettingStore {
    fn get_setting(&self, name: &str) -> impl Future<Output = StoreResult<Option<String>>> + Send;
    /// Stores `value` unless the setting exists; true when it was stored.
    fn put_setting_if_absent(
        &self,
        name: &str,
        value: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn set_setting(&self, name: &str, value: &str) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Everything the server needs from a store.
pub trait Store:
    SettingStore
    + OrgStore
    + AccessKeyStore
    + ApiTokenStore
    + PlayerStore
    + MatchStore
    + StatsStore
    + PlayercamStore
    + UserStore
    + EvrStore
    + EvrAdminStore
    + GameServerStore
    + ExecutionStore
    + BanStore
    + RoleStore
    + LinkTokenStore
    + AdminTokenStore
    + AuditStore
    + ConsoleSessionStore
    + LinkTokenAdminStore
    + EventStore
    + PollingStateStore
    + GaugeStore
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: SettingStore
        + OrgStore
        + AccessKeyStore
        + ApiTokenStore
        + PlayerStore
        + MatchStore
        + StatsStore
        + PlayercamStore
        + UserStore
        + EvrStore
        + EvrAdminStore
        + GameServerStore
        + ExecutionStore
        + BanStore
        + RoleStore
        + LinkTokenStore
        + AdminTokenStore
        + AuditStore
        + ConsoleSessionStore
        + LinkTokenAdminStore
        + EventStore
        + PollingStateStore
        + GaugeStore
        + Clone
        + Send
        + Sync
        + 'static
{
}
