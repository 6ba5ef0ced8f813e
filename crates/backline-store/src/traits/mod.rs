//! The store's capabilities, one trait per area.
//!
//! Methods are whole units of work. The futures are `Send` so handlers can hold them across
//! awaits on a multi-threaded runtime.

/// Declares a store trait whose calls a caching decorator hands on unchanged, and implements
/// it for every [`Forwarding`](crate::cached::Forwarding) store by calling the same method of
/// its inner store with the same arguments.
///
/// The forwarding is generated from the declaration itself, so a method added to one of these
/// traits is forwarded without another edit. Each forwarding method returns the inner store's
/// future as it is (no boxing, no extra `async` state machine).
///
/// Methods are written as everywhere else: `fn name(&self, arg: Type, …) -> impl Future<…>
/// + Send;`, with `///` docs. A trait with a method that is cached is declared as a plain
/// trait and implemented by hand in `cached/`.
macro_rules! forwarded_store_trait {
    (
        $(#[$attr:meta])*
        $vis:vis trait $name:ident {
            $(
                $(#[$method_attr:meta])*
                fn $method:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;
            )*
        }
    ) => {
        $(#[$attr])*
        $vis trait $name {
            $(
                $(#[$method_attr])*
                fn $method(&self $(, $arg: $ty)*) -> $ret;
            )*
        }

        impl<T: crate::cached::Forwarding> $name for T {
            $(
                #[inline]
                fn $method(&self $(, $arg: $ty)*) -> $ret {
                    self.inner().$method($($arg),*)
                }
            )*
        }
    };
}

mod accounts;
mod ember;
mod events;
mod evr;
mod operators;
mod retention;
mod spectra;

pub use accounts::*;
pub use ember::*;
pub use events::*;
pub use evr::*;
pub use operators::*;
pub use retention::*;
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

forwarded_store_trait! {
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
    + IdempotencyStore
    + LinkTokenAdminStore
    + EventStore
    + PollingStateStore
    + GaugeStore
    + RetentionStore
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
        + IdempotencyStore
        + LinkTokenAdminStore
        + EventStore
        + PollingStateStore
        + GaugeStore
        + RetentionStore
        + Clone
        + Send
        + Sync
        + 'static
{
}
