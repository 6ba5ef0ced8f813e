//! EVR: symbols, modes, teams, the match label and its query language, features.

pub mod bounds;
pub mod features;
pub mod label;
pub mod lobby;
pub mod modes;
pub mod query;
pub mod records;
pub mod symbol;
pub mod team;
