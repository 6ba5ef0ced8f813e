//! The Backline agent: drives one game server's console for Backline.
//!
//! Game servers that run no Backline (Ember-style) plugin can still be reached: the agent
//! runs beside the server, speaks the game's console protocol ([`console`]), reads who is
//! on the server ([`players`]), and keeps every execution it is handed at most once, across
//! crashes, with its [`journal`]. [`config`] reads the file and environment, [`exit`] names
//! the exit codes, [`error`] is the crate's one error type.
//!
//! [`cycle`] is one poll of Backline (through `backline-client`) with the game's players and
//! the actions run; [`run`] repeats it until told to stop; [`roles`] turns role changes into
//! console commands. See `docs/agent.md`.

pub mod config;
pub mod console;
pub mod cycle;
pub mod error;
pub mod exit;
pub mod journal;
pub mod players;
pub mod roles;
pub mod run;

pub use error::AgentError;
