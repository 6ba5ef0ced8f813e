//! The console and the link page in a real browser: headless Chromium through Debian's
//! `chromedriver`, driven from Rust with fantoccini, against the real server on SQLite and
//! (when reachable) PostgreSQL.
//!
//! Signs in, watches a match appear and advance on the dashboard while the captured Spectra
//! session is replayed (no reload: the page updates from the event stream), re-runs a failed
//! execution, lifts a ban, sees a `viewer` refused a write, and links a game account on the
//! player's link page. Screenshots go to `target/console-screenshots/<backend>/` (printed).

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

#[allow(dead_code)]
#[path = "../api/ember_helpers.rs"]
mod ember_helpers;

#[allow(dead_code)]
#[path = "../api/spectra_capture.rs"]
mod spectra_capture;

mod driver;
mod story;

use backline_store::Backend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_in_a_browser() {
    // One backend after the other: two browsers at once are too much for a small machine.
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if !story::run(backend).await {
            return;
        }
    }
}
