//! API tests: the real server on `127.0.0.1:0` with a fresh database, spoken to over HTTP.
//! Every story runs against SQLite and PostgreSQL.

mod ember_cli;
mod ember_helpers;
mod ember_link_tokens;
mod helpers;
mod nakama_helpers;
// Shared with the browser test, which steps through it with `Capture::until`.
#[allow(dead_code)]
mod spectra_capture;

mod admin_api;
mod admin_audit;
mod admin_bans;
mod admin_broadcasters;
mod admin_evr_matches;
mod admin_executions;
mod admin_idempotency;
mod admin_link_tokens;
mod admin_nakama_keys;
mod admin_pages;
mod admin_roles;
mod admin_roles_and_grants;
mod admin_servers;
mod admin_user_accounts;
mod admin_users;
mod bad_input;
mod cache_bound;
mod capabilities;
mod cli;
mod cli_passwords;
mod console;
mod console_writes;
mod ember_bans_hold;
mod ember_players;
mod ember_polling;
mod ember_reference;
mod ember_transport;
mod events;
mod evr_broadcasters;
mod evr_lobby;
mod evr_matches;
mod evr_ownership;
mod evr_team_size;
mod floods;
mod harness;
mod honest_errors;
mod hostile_ids;
mod isolation;
mod link_page;
mod list_bounds;
mod metrics;
mod nakama_cli;
mod nakama_js;
mod nakama_rpc;
mod nakama_sessions;
mod no_waiting;
mod openapi;
mod secrets_in_logs;
mod spectra_keys;
mod spectra_match_groups;
mod spectra_matches;
mod spectra_playercam;
mod spectra_replay;
mod spectra_stats;
mod surface_rejections;
mod tls;
