//! The Backline service: core use cases, HTTP surfaces, configuration, start-up, and the
//! command line of the `backline` binary.

pub mod apis;
pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod http;
pub mod server;
#[cfg(test)]
mod source_rules;
