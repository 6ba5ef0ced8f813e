//! Persistence for Backline.
//!
//! The store is split by area into traits ([`traits`]); each method is a whole unit of work
//! with its transaction inside and returns domain types or a [`StoreError`]. One SQL
//! implementation, [`SqlStore`], serves SQLite and PostgreSQL through sqlx's `Any` driver:
//! the backend is chosen by the URL scheme, each backend has its own migrations
//! (`migrations/sqlite`, `migrations/postgres`), and the few statements whose dialects
//! differ are chosen per backend next to each other. The same conformance stories run
//! against both (`tests/conformance`).

pub mod cached;
pub mod error;
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;
pub mod traits;

pub use cached::{CacheArea, CacheOptions, CachedStore, ChangeCounters};
pub use error::{StoreError, StoreResult};
pub use sql::events::{EventListener, EVENTS_CHANNEL};
pub use sql::{Backend, MigrationState, PoolOptions, SnapshotGroups, SqlStore};
pub use traits::*;
