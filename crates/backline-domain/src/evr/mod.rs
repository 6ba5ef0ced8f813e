//! EVR: symbols, modes, teams, the match label and its query language, features.

pub mod features;
pub mod label;
pub mod modes;
pub mod query;
pub mod symbol;
pub mod team;
