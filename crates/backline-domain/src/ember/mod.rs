//! Game integration (Ember-compatible): games and their console commands, game servers,
//! bans and their scopes, roles and their hierarchy, actions and executions.

pub mod actions;
pub mod bans;
pub mod games;
pub mod roles;
pub mod servers;
