//! Use cases: what Backline does, independent of the surface that asked.
//!
//! HTTP handlers and CLI commands both call these; they parse input into domain types first
//! and render the results in their own shape afterwards.

pub mod admin_token;
pub mod error;
pub mod issued;
pub mod matches;
pub mod orgs;
pub mod playercams;
pub mod players;
pub mod stats;
pub mod tokens;

pub use error::{CoreError, CoreResult};

use backline_store::SqlStore;

/// Settings the use cases need from the configuration.
#[derive(Clone, Debug)]
pub struct CoreSettings {
    pub playercam_session_ttl_seconds: i64,
}

/// The use cases over one store.
#[derive(Clone, Debug)]
pub struct Core {
    pub store: SqlStore,
    pub settings: CoreSettings,
}

impl Core {
    pub fn new(store: SqlStore, settings: CoreSettings) -> Self {
        Self { store, settings }
    }
}
