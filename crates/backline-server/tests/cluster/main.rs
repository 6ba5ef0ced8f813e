//! Several real `backline serve` processes on one database, and processes killed with
//! SIGKILL mid-load. Cluster stories need PostgreSQL (SQLite is one process's database);
//! the crash stories run on SQLite and PostgreSQL.

mod harness;

mod cache_bound;
mod cleanup;
mod crash;

mod ember_polls;
mod evr_timers;
mod live_events;
mod revocations;
