//! The Rust SDK of Backline: typed async clients for its surfaces, with production defaults.
//!
//! - [`game`]: the game integration (`/api/game/…`) a game server or an agent uses: meta,
//!   poll, finish, bans, roles, primary role, link tokens.
//! - [`spectra`]: the Spectra backend (`/spectra/…`): key validation, matches, stats, player
//!   cams.
//! - [`nakama`]: the Nakama-compatible surface (`/v2/…`): sign-ins, a self-refreshing
//!   [`nakama::Session`], RPCs, the EVR RPCs typed.
//! - [`admin`]: the admin API (`/admin/v1/…`).
//!
//! Every client shares one [`Transport`]: a timeout on every call, retries with exponential
//! backoff and full jitter only where repeating is safe ([`retry`]), `Retry-After` and
//! `X-RateLimit-Reset` honoured, a warning for slow calls, a `tracing` span per call, and one
//! [`Error`] that keeps the status and the surface's own error body. `docs/sdk.md` in the
//! repository describes all of it.
//!
//! ```no_run
//! # async fn run() -> backline_client::Result<()> {
//! use backline_client::{game::GameClient, Config, Transport};
//! use std::time::Duration;
//!
//! let transport = Transport::with_config(
//!     "http://127.0.0.1:7350",
//!     Config { timeout: Duration::from_secs(5), ..Config::default() },
//! )?;
//! let game = GameClient::new(transport, "SERVER_TOKEN");
//! let settings = game.meta().await?;
//! println!("{settings:?}");
//! # Ok(())
//! # }
//! ```

pub mod admin;
mod error;
pub mod game;
pub mod nakama;
pub mod retry;
mod secret;
pub mod spectra;
mod transport;

pub use error::{
    BacklineErrorBody, Error, ErrorBody, GameErrorBody, NakamaErrorBody, Result, Surface,
};
pub use retry::{Repeat, RetryPolicy};
pub use secret::Secret;
pub use transport::{Config, Transport};
