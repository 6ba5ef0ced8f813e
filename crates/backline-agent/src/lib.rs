//! The Backline agent: drives one game server's console for Backline.
//!
//! Game servers that run no Backline (Ember-style) plugin can still be reached: the agent
//! runs beside the server, speaks the game's console protocol ([`console`]), reads who is
//! on the server ([`players`]), and keeps every execution it is handed at most once, across
//! crashes, with its [`journal`]. [`config`] reads the file and environment, [`exit`] names
//! the exit codes, [`error`] is the crate's one error type.
//!
//! The loop that polls Backline and finishes executions is not here yet: it will use the
//! `backline-client` crate. See `docs/agent.md`.

pub mod config;
pub mod console;
pub mod error;
pub mod exit;
pub mod journal;
pub mod players;

pub use error::AgentError;
