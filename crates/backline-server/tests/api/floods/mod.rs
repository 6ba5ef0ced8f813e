//! Floods and abuse: limits on guessing secrets per client address (429 with `Retry-After`
//! in each surface's shape), and slow or oversized clients that must not stall others.

use crate::helpers::TestApp;
use backline_server::config::Config;
use backline_store::Backend;

/// Declares each story once per backend with the configuration `adjust` makes.
macro_rules! configured_stories {
    ($adjust:ident => $($story:ident),* $(,)?) => {
        $(mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::floods::run(backline_store::Backend::Sqlite, super::$adjust, super::$story)
                    .await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                crate::floods::run(backline_store::Backend::Postgres, super::$adjust, super::$story)
                    .await
            }
        })*
    };
}

mod guessing;
mod slow_clients;

/// Runs `story` on a fresh server of `backend` configured by `adjust`, then stops it.
pub async fn run(backend: Backend, adjust: fn(&mut Config), story: impl AsyncFnOnce(&TestApp)) {
    let Some(app) = TestApp::spawn_with(backend, adjust).await else {
        return;
    };
    story(&app).await;
    app.stop().await;
}
