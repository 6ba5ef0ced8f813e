//! The SDK against a real Backline: every story starts the server on `127.0.0.1:0` with a
//! fresh database and runs once on SQLite and once on PostgreSQL
//! ([`backline_store::stories!`]); the retry stories put a fault-injecting TCP proxy
//! ([`proxy`]) between the SDK and that server.

mod admin;
mod admin_records;
mod game;
mod harness;
mod logs;
mod nakama;
mod proxy;
mod retries;
mod spectra;
