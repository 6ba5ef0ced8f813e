//! The browser story, on one backend.

use crate::driver::{self, Browser};
use crate::ember_helpers::{form, poll, server, STEAM_ID};
use crate::helpers::{TestApp, MATCH_ID};
use crate::spectra_capture::Capture;
use backline_domain::ember::actions::{ActionKind, PlayerRef};
use backline_server::core::ember::executions::Target;
use backline_store::Backend;
use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::path::PathBuf;

/// What the story sets up besides the Spectra replay: a game server with a failed
/// execution, a ban, a link token, a viewer's admin token.
struct World {
    server_id: String,
    failed_execution: i64,
    link_token: String,
    viewer_token: String,
}

async fn world(app: &TestApp) -> World {
    let (server_id, token) = server(app, "Arena EU", &["eu"]).await;
    let core = app.core().await;
    core.queue_action(
        &crate::helpers::grant::<backline_server::core::access::Administer>(),
        &Target::Server(server_id.clone()),
        ActionKind::Command,
        "say welcome",
        None,
        false,
    )
    .await
    .unwrap();
    core.store.close().await;
    let delivered = poll(app, &token, "").await;
    let failed_execution = delivered
        .iter()
        .find_map(|a| a["payload"]["execution_id"].as_i64())
        .expect("the action is delivered");
    let finish = form(
        app,
        &token,
        Method::POST,
        &format!("/actions/executions/{failed_execution}/finish"),
        "_method=PATCH&error=Unknown+command",
    )
    .await;
    assert_eq!(finish.status, StatusCode::NO_CONTENT, "{finish:?}");
    let ban = form(
        app,
        &token,
        Method::POST,
        &format!("/players/steam/{STEAM_ID}/bans"),
        "scope=global&reason=griefing",
    )
    .await;
    assert!(ban.status.is_success(), "{ban:?}");
    let link = form(
        app,
        &token,
        Method::POST,
        &format!("/players/steam/{STEAM_ID}/linktoken"),
        "",
    )
    .await;
    assert_eq!(link.status, StatusCode::CREATED, "{link:?}");
    let viewer = app
        .admin(
            Method::POST,
            "/admin-tokens",
            Some(json!({"name": "watcher", "role": "viewer"})),
        )
        .await;
    assert_eq!(viewer.status, StatusCode::CREATED, "{viewer:?}");
    World {
        server_id,
        failed_execution,
        link_token: link.body["token"].as_str().unwrap().to_owned(),
        viewer_token: viewer.body["token"].as_str().unwrap().to_owned(),
    }
}

/// Fails on any failed load the browser's console reported since the last look (a missing
/// icon was one on every page), but the 401 of the sign-in page a visitor without a session
/// gets at `/console`, which is by design.
async fn no_failed_loads(browser: &Browser) {
    let failed: Vec<_> = browser
        .console_log()
        .await
        .into_iter()
        .filter(|(level, message)| {
            (level == "SEVERE" && !message.contains("status of 401")) || message.contains("favicon")
        })
        .collect();
    assert!(failed.is_empty(), "the browser logged errors: {failed:?}");
}

async fn sign_in(browser: &Browser, app: &TestApp, token: &str) {
    browser.open(&app.url("/console")).await;
    browser.wait_text("h1", "Backline console").await;
    browser.fill("#token", token).await;
    browser
        .click("form[action='/console/sign-in'] button")
        .await;
    browser.wait_text("h1", "Dashboard").await;
}

/// Runs the story on `backend`; false when the browser is missing (skipped).
pub async fn run(backend: Backend) -> bool {
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/console-screenshots")
        .join(backend.name());
    let Some(app) = TestApp::spawn(backend).await else {
        eprintln!(
            "skipping the browser test on {}: no database",
            backend.name()
        );
        return true;
    };
    let Some(browser) = driver::start(&shots).await else {
        app.stop().await;
        return false;
    };
    eprintln!("console screenshots: {}", shots.display());
    let world = world(&app).await;
    let mut replay = Capture::prepare(&app).await;

    // Sign in: the hint names the command as code, not between backticks.
    browser.open(&app.url("/console")).await;
    browser
        .wait_text("#sign-in-hint code", "backline admin-token issue")
        .await;
    let hint = browser.client.find(Locator::Css("#sign-in-hint")).await;
    let hint = hint.unwrap().text().await.unwrap();
    assert!(!hint.contains('`'), "{hint}");
    browser.shot("sign-in").await;
    sign_in(&browser, &app, &app.admin_token).await;

    // The icon is served (no failed load in the console), with the pages' policy.
    let icon = browser
        .client
        .execute_async(
            "var done = arguments[arguments.length - 1]; \
             fetch('/favicon.ico').then(r => done([r.status, r.headers.get('content-type'), \
             r.headers.get('content-security-policy')]));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(icon[0], json!(200), "{icon}");
    assert!(
        icon[1].as_str().unwrap_or_default().starts_with("image/"),
        "{icon}"
    );
    assert!(
        icon[2]
            .as_str()
            .unwrap_or_default()
            .contains("default-src 'none'"),
        "{icon}"
    );
    no_failed_loads(&browser).await;

    // At 1280 px the areas fit one line.
    let lines = browser
        .client
        .execute(
            "return new Set(Array.from(document.querySelectorAll('header.top nav a'), \
             a => a.getBoundingClientRect().top)).size;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(lines, json!(1), "the navigation does not wrap at 1280 px");

    // A match appears and advances while the dashboard stays open (no reload).
    browser
        .client
        .execute("window.stayedOpen = true; return true;", vec![])
        .await
        .unwrap();
    replay.until(&app, "/register").await;
    browser.wait_text("#live-matches", MATCH_ID).await;
    browser.wait_text("#live-matches .round", "0 · LOBBY").await;
    replay.until(&app, "/update").await;
    browser.wait_text("#live-matches .score", "1 – 0").await;
    replay.until(&app, "/update").await;
    browser
        .wait_text("#live-matches .round", "3 · shopping")
        .await;
    browser.wait_text("#live-matches .score", "1 – 1").await;
    browser
        .wait_text("#failed-executions", "Unknown command")
        .await;
    let stayed = browser
        .client
        .execute("return window.stayedOpen === true;", vec![])
        .await
        .unwrap();
    assert_eq!(
        stayed,
        json!(true),
        "the dashboard updated without a reload"
    );
    browser.shot("dashboard").await;

    // On a phone, every column of a live match is on the screen (no cut-off table).
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.wait_text("#live-matches .score", "1 – 1").await;
    let outside = browser
        .client
        .execute(
            "var width = document.documentElement.clientWidth; \
             return Array.from(document.querySelectorAll('#live-matches tr[data-match] td'), \
             td => td.getBoundingClientRect()).filter(r => r.right > width + 0.5).length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        outside,
        json!(0),
        "no cell of a live match is cut off on a phone"
    );
    browser
        .client
        .execute(
            "document.querySelector('#live-matches').parentElement.previousElementSibling \
             .scrollIntoView(); return true;",
            vec![],
        )
        .await
        .unwrap();
    browser.shot("dashboard-phone").await;
    browser
        .client
        .execute("window.scrollTo(0, 0); return true;", vec![])
        .await
        .unwrap();
    browser.client.set_window_size(1280, 900).await.unwrap();
    replay.until(&app, "/complete").await;
    browser.wait_gone("#live-matches tr[data-match]").await;
    replay.until(&app, "/fetchMatchStats").await;

    // The match page with its statistics.
    browser
        .open(&app.url(&format!("/console/matches/{MATCH_ID}")))
        .await;
    browser.wait_text("#observers", "completed").await;
    browser.wait_text("#stats-csv", "Download CSV").await;
    browser.shot("match").await;
    let csv = browser
        .client
        .execute_async(
            "var done = arguments[arguments.length - 1]; \
             fetch(document.getElementById('stats-csv').href).then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let csv = csv.as_str().unwrap_or_default();
    assert!(csv.starts_with("match_id,map,team"), "{csv}");
    assert_eq!(csv.lines().count(), 11, "a header and ten players: {csv}");

    // Re-run the failed execution.
    browser.open(&app.url("/console/executions")).await;
    browser.shot("executions").await;
    browser
        .click(&format!(
            "tr[data-execution='{}'] button",
            world.failed_execution
        ))
        .await;
    browser.wait_text("#rerun-notice", "Queued again").await;
    let core = app.core().await;
    let executions = core
        .list_executions(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            Some(&world.server_id),
            None,
            10,
        )
        .await
        .unwrap();
    assert!(
        executions
            .iter()
            .any(|e| e.rerun_of.map(|id| id.0) == Some(world.failed_execution)),
        "a re-run was queued: {executions:?}"
    );

    // Lift the ban (the page asks first, then confirms).
    browser.open(&app.url("/console/bans")).await;
    browser.wait_text("#bans", "griefing").await;
    browser.click("#bans tr[data-ban] button").await;
    browser
        .client
        .accept_alert()
        .await
        .expect("the page asks first");
    browser.wait_text("#bans", "lifted").await;
    browser
        .wait_text(
            "#ban-notice",
            &format!("Lifted the ban of steam:{STEAM_ID}"),
        )
        .await;
    let player = PlayerRef::parse(&format!("steam:{STEAM_ID}")).unwrap();
    let bans = core
        .bans_of_player(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            &player,
        )
        .await
        .unwrap();
    assert!(bans.iter().all(|b| b.lifted_at.is_some()), "{bans:?}");

    // Create a ban: the search box shows the whole Steam id, the page confirms.
    browser.fill("#player", &format!("steam:{STEAM_ID}")).await;
    let clipped = browser
        .client
        .execute(
            "var box = document.getElementById('player'); \
             return box.scrollWidth > box.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        clipped,
        json!(false),
        "the search box shows a whole Steam id"
    );
    browser.click("details > summary").await;
    browser
        .fill("#ban-player", &format!("steam:{STEAM_ID}"))
        .await;
    browser.fill("#ban-reason", "smurfing").await;
    browser.click("#create-ban button").await;
    browser
        .wait_text("#ban-notice", &format!("Banned steam:{STEAM_ID}"))
        .await;
    browser.wait_text("#bans", "smurfing").await;
    browser.shot("bans").await;
    no_failed_loads(&browser).await;

    // The other pages.
    for (path, name) in [
        ("/console/servers", "servers"),
        ("/console/orgs", "orgs"),
        ("/console/roles", "roles"),
        ("/console/users", "users"),
        ("/console/broadcasters", "broadcasters"),
        ("/console/lobbies", "lobbies"),
        ("/console/audit", "audit"),
    ] {
        browser.open(&app.url(path)).await;
        browser.shot(name).await;
    }
    browser.wait_text("#audit", "console: lift ban").await;
    browser
        .wait_text("#audit", "console: re-run execution")
        .await;

    // A viewer sees no write forms and is refused a write.
    browser.click(".who button").await;
    browser.wait_text("h1", "Backline console").await;
    sign_in(&browser, &app, &world.viewer_token).await;
    browser.open(&app.url("/console/executions")).await;
    assert!(
        browser
            .client
            .find_all(fantoccini::Locator::Css("#executions button"))
            .await
            .unwrap()
            .is_empty(),
        "no re-run button for a viewer"
    );
    let before = core
        .list_executions(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            Some(&world.server_id),
            None,
            100,
        )
        .await
        .unwrap()
        .len();
    let forged = format!(
        "var f = document.createElement('form'); f.method = 'post'; \
         f.action = '/console/executions/{}/rerun'; \
         var i = document.createElement('input'); i.type = 'hidden'; i.name = 'csrf'; \
         i.value = document.querySelector('input[name=csrf]').value; f.appendChild(i); \
         document.body.appendChild(f); f.submit(); return true;",
        world.failed_execution
    );
    browser.client.execute(&forged, vec![]).await.unwrap();
    browser.wait_text("h1", "Not allowed").await;
    browser.wait_text("main", "viewer role may not").await;
    browser.shot("viewer-refused").await;
    let after = core
        .list_executions(
            &crate::helpers::grant::<backline_server::core::access::View>(),
            Some(&world.server_id),
            None,
            100,
        )
        .await
        .unwrap()
        .len();
    assert_eq!(before, after, "the viewer's write changed nothing");

    // The player's link page: create an account, confirm.
    browser
        .open(&app.url(&format!("/link/{}", world.link_token)))
        .await;
    browser.wait_text("#game-account", STEAM_ID).await;
    browser.shot("link").await;
    browser.fill("#new-username", "browser_player").await;
    browser.fill("#new-password", "a long password").await;
    browser.click("form[action$='/account'] button").await;
    browser.wait_text("#signed-in-as", "browser_player").await;
    browser.click("#confirm").await;
    browser.wait_text("h1", "Linked").await;
    browser.shot("linked").await;
    let user = core.find_user("browser_player").await.unwrap();
    let linked = core.user_for_player(&player).await.unwrap();
    assert_eq!(linked.id, user.id, "the game account is linked");
    core.store.close().await;

    browser.stop().await;
    app.stop().await;
    true
}
