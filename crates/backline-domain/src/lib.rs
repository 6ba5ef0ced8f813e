//! Pure types and rules of Backline.
//!
//! Nothing in this crate does I/O: it holds the identifiers, secrets, timestamps and the
//! rules every surface shares (which snapshot of a match is newer, how statistics are computed,
//! when an access key is valid), so they can be unit- and property-tested in isolation.

pub mod accounts;
pub mod admin;
pub mod clock;
pub mod ember;
pub mod events;
pub mod evr;
pub mod ids;
pub mod json;
pub mod org;
pub mod secret;
pub mod spectra;
pub mod timestamp;
pub mod tokens;

pub use clock::Clock;
pub use timestamp::Timestamp;
