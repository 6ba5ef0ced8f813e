//! The web console over HTTP: sign-in and sessions, the cookie's attributes, the form checks
//! (anti-forgery token and origin), roles limiting what is shown and allowed, the audit of
//! console writes, revocation ending sessions.

use crate::console_writes::ember_world;
use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

backline_store::stories!(crate::helpers::with_app =>
    console_pages_need_a_session_and_sign_in_sets_a_strict_http_only_cookie,
    a_form_without_the_session_token_or_from_another_origin_changes_nothing,
    console_writes_go_through_the_use_cases_and_are_audited_with_the_operator,
    a_viewer_sees_no_write_forms_and_is_refused_a_write,
    revoking_the_admin_token_or_signing_out_ends_the_console_session,
    unknown_console_pages_and_bad_filters_answer_html_pages,
    every_page_renders_and_a_viewer_gets_no_write_form_on_any,
    wrong_admin_tokens_at_sign_in_are_limited_like_other_secrets,
    the_icon_is_served_at_the_root_with_the_pages_policy,
    a_next_with_a_line_break_signs_in_to_the_console_and_injects_no_header,
);

/// The console's pages, as the top bar lists them.
const PAGES: [&str; 11] = [
    "/console",
    "/console/orgs",
    "/console/matches",
    "/console/servers",
    "/console/executions",
    "/console/bans",
    "/console/roles",
    "/console/users",
    "/console/broadcasters",
    "/console/lobbies",
    "/console/audit",
];

/// An HTML answer with the cookies it set.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub text: String,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub content_type: String,
}

/// A browser without JavaScript: keeps cookies, sends forms with this server's `Origin`.
pub struct Visitor<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    pub cookies: Vec<(String, String)>,
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            app,
            client,
            cookies: Vec::new(),
        }
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        fields: Option<&[(&str, &str)]>,
        origin: Option<&str>,
    ) -> Page {
        let mut request = self.client.request(method, self.app.url(path));
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header("cookie", jar.join("; "));
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(fields) = fields {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields.iter())
                .finish();
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("location");
        let content_type = header("content-type").unwrap_or_default();
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() && !cookie.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        let text = response.text().await.unwrap_or_default();
        Page {
            status,
            text,
            location,
            set_cookies,
            content_type,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.request(Method::GET, path, None, None).await
    }

    /// Posts a form as the page of this server would.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let origin = self.app.base.clone();
        self.request(Method::POST, path, Some(fields), Some(&origin))
            .await
    }

    /// Signs in with `token` through the sign-in form; the answer to the form.
    pub async fn sign_in(&mut self, token: &str) -> Page {
        let form = self.get("/console/sign-in").await;
        assert_eq!(form.status, StatusCode::OK, "{form:?}");
        let csrf = csrf_of(&form.text);
        self.post(
            "/console/sign-in",
            &[("csrf", &csrf), ("token", token), ("next", "/console")],
        )
        .await
    }

    /// Signs in and returns the anti-forgery token of the session's forms.
    pub async fn signed_in(&mut self, token: &str) -> String {
        let done = self.sign_in(token).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{done:?}");
        let dashboard = self.get("/console").await;
        assert_eq!(dashboard.status, StatusCode::OK, "{dashboard:?}");
        csrf_of(&dashboard.text)
    }
}

/// The anti-forgery token of the first form of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no form in {html}"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

async fn stored_count(app: &TestApp, sql: &str) -> i64 {
    use sqlx::Connection;
    match app.db.backend {
        backline_store::Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
            conn.close().await.unwrap();
            n
        }
        backline_store::Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
            conn.close().await.unwrap();
            n
        }
    }
}

async fn console_pages_need_a_session_and_sign_in_sets_a_strict_http_only_cookie(app: &TestApp) {
    let mut visitor = Visitor::new(app);
    let refused = visitor.get("/console/orgs").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{refused:?}");
    assert!(refused.content_type.starts_with("text/html"), "{refused:?}");
    assert!(refused.text.contains("action=\"/console/sign-in\""));
    assert!(
        refused.text.contains("value=\"/console/orgs\""),
        "back to the page asked for"
    );
    let wrong = visitor.sign_in("not-a-token").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
    assert!(wrong.text.contains("unknown or revoked"));
    assert!(!visitor.cookies.iter().any(|(k, _)| k == "backline_console"));

    let done = visitor.sign_in(&app.admin_token).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{done:?}");
    assert_eq!(done.location.as_deref(), Some("/console"));
    let cookie = done
        .set_cookies
        .iter()
        .find(|c| c.starts_with("backline_console="))
        .expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{cookie} has {attribute}");
    }
    assert!(!cookie.contains("Secure"), "plain http: no Secure");
    let session = visitor
        .cookies
        .iter()
        .find(|(k, _)| k == "backline_console")
        .unwrap()
        .1
        .clone();
    assert!(session.len() >= 40, "a long random id");
    // Only the hash is stored.
    assert_eq!(
        stored_count(app, "SELECT COUNT(*) FROM console_sessions").await,
        1
    );
    let leaked = format!("SELECT COUNT(*) FROM console_sessions WHERE id_hash = '{session}'");
    assert_eq!(stored_count(app, &leaked).await, 0);

    let dashboard = visitor.get("/console").await;
    assert_eq!(dashboard.status, StatusCode::OK, "{dashboard:?}");
    assert!(dashboard.text.contains("bootstrap · owner"));
    assert!(dashboard.text.contains("id=\"live-matches\""));
    let csp = app
        .client
        .get(app.url("/console/sign-in"))
        .send()
        .await
        .unwrap();
    let policy = csp.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"));
    let script = app.get("/console/assets/console.js", &[]).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.content_type.starts_with("text/javascript"));
    assert!(script.text.contains("EventSource"));

    // Another origin's `next` is not followed.
    let mut other = Visitor::new(app);
    let form = other.get("/console/sign-in").await;
    let csrf = csrf_of(&form.text);
    let done = other
        .post(
            "/console/sign-in",
            &[
                ("csrf", &csrf),
                ("token", &app.admin_token),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/console"), "{done:?}");
}

async fn a_form_without_the_session_token_or_from_another_origin_changes_nothing(app: &TestApp) {
    let mut visitor = Visitor::new(app);
    let csrf = visitor.signed_in(&app.admin_token).await;
    let no_token = visitor.post("/console/orgs", &[("name", "Forged")]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{no_token:?}");
    let wrong_token = visitor
        .post(
            "/console/orgs",
            &[("csrf", "0123456789abcdef"), ("name", "Forged")],
        )
        .await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    let cross_site = visitor
        .request(
            Method::POST,
            "/console/orgs",
            Some(&[("csrf", &csrf), ("name", "Forged")]),
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN, "{cross_site:?}");
    assert!(cross_site.text.contains("another site"));
    let no_origin = visitor
        .request(
            Method::POST,
            "/console/orgs",
            Some(&[("csrf", &csrf), ("name", "Forged")]),
            None,
        )
        .await;
    assert_eq!(no_origin.status, StatusCode::FORBIDDEN);
    // The sign-in form itself: its token is the pre-session cookie's.
    let mut stranger = Visitor::new(app);
    let forged_sign_in = stranger
        .post(
            "/console/sign-in",
            &[("csrf", "x"), ("token", &app.admin_token)],
        )
        .await;
    assert_eq!(
        forged_sign_in.status,
        StatusCode::FORBIDDEN,
        "{forged_sign_in:?}"
    );
    let orgs = app.admin(Method::GET, "/orgs", None).await;
    assert!(!orgs.text.contains("Forged"), "{orgs:?}");
    let audited = app.admin(Method::GET, "/audit", None).await;
    assert!(!audited.text.contains("console:"), "{audited:?}");
}

async fn console_writes_go_through_the_use_cases_and_are_audited_with_the_operator(app: &TestApp) {
    let mut visitor = Visitor::new(app);
    let csrf = visitor.signed_in(&app.admin_token).await;
    let created = visitor
        .post(
            "/console/orgs",
            &[
                ("csrf", &csrf),
                ("name", "Console Org"),
                ("supporter_until", ""),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{created:?}");
    let org_path = created.location.unwrap();
    let org_id = org_path.trim_start_matches("/console/orgs/").to_owned();
    let stored = app
        .admin(Method::GET, &format!("/orgs/{org_id}"), None)
        .await;
    assert_eq!(stored.status, StatusCode::OK);
    assert_eq!(stored.body["name"], "Console Org");

    let issued = visitor
        .post(
            &format!("{org_path}/keys"),
            &[("csrf", &csrf), ("expires_at", "")],
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{issued:?}");
    let shown = issued
        .text
        .split("<code>")
        .nth(1)
        .unwrap()
        .split("</code>")
        .next()
        .unwrap();
    let valid = app
        .get(
            &format!("/spectra/system/validateAccessKey/{shown}"),
            &[("x-user-token", &app.issue_token("spectra-backend").await)],
        )
        .await;
    assert_eq!(
        valid.status,
        StatusCode::OK,
        "the key shown once works: {valid:?}"
    );
    let again = visitor.get(&org_path).await;
    assert!(!again.text.contains(shown), "shown once only");

    let keys = app
        .admin(Method::GET, &format!("/orgs/{org_id}/keys"), None)
        .await;
    let key_id = keys.body["items"][0]["id"].as_str().unwrap().to_owned();
    let revoked = visitor
        .post(
            &format!("/console/keys/{key_id}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{revoked:?}");
    let keys = app
        .admin(Method::GET, &format!("/orgs/{org_id}/keys"), None)
        .await;
    assert!(keys.body["items"][0]["revoked_at"].is_string(), "{keys:?}");

    let audit = app.admin(Method::GET, "/audit?limit=10", None).await;
    let entries = audit.body["items"]
        .as_array()
        .or(audit.body["entries"].as_array())
        .unwrap()
        .clone();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "console: create organisation",
        "console: issue access key",
        "console: revoke access key",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    let revoke = entries
        .iter()
        .find(|e| e["action"] == "console: revoke access key")
        .unwrap();
    assert_eq!(revoke["actor"], "bootstrap");
    assert_eq!(revoke["entity_type"], "keys");
    assert_eq!(revoke["entity_id"], json!(key_id));
    assert_eq!(revoke["source"], "127.0.0.1");
    let page = visitor
        .get("/console/audit?action=console%3A+revoke+access+key")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains(&key_id),
        "the console lists the audit log"
    );
}

async fn a_viewer_sees_no_write_forms_and_is_refused_a_write(app: &TestApp) {
    let viewer = crate::admin_roles::issue(app, "eyes", "viewer").await;
    let mut visitor = Visitor::new(app);
    let csrf = visitor.signed_in(&viewer).await;
    let orgs = visitor.get("/console/orgs").await;
    assert_eq!(orgs.status, StatusCode::OK);
    assert!(orgs.text.contains("eyes · viewer"));
    assert!(
        !orgs.text.contains("action=\"/console/orgs\""),
        "no create form for a viewer"
    );
    let refused = visitor
        .post("/console/orgs", &[("csrf", &csrf), ("name", "Viewer Org")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert!(
        refused.text.contains("viewer role may not"),
        "{}",
        refused.text
    );
    let orgs = app.admin(Method::GET, "/orgs", None).await;
    assert!(!orgs.text.contains("Viewer Org"));
    let bans = visitor.get("/console/bans").await;
    assert_eq!(bans.status, StatusCode::OK);
    assert!(!bans.text.contains("id=\"create-ban\""));
    let lift = visitor
        .post("/console/bans/some-ban/lift", &[("csrf", &csrf)])
        .await;
    assert_eq!(lift.status, StatusCode::FORBIDDEN);
    // A moderator may lift bans but not create organisations.
    let moderator = crate::admin_roles::issue(app, "mod", "moderator").await;
    let mut visitor = Visitor::new(app);
    let csrf = visitor.signed_in(&moderator).await;
    let refused = visitor
        .post("/console/orgs", &[("csrf", &csrf), ("name", "Mod Org")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Lifting bans: as the admin API answers the same moderator.
    let through_the_api = crate::admin_roles::as_token(
        app,
        Some(&moderator),
        Method::POST,
        "/bans/some-ban/lift",
        None,
    )
    .await;
    let may = through_the_api.status != StatusCode::FORBIDDEN;
    assert!(may, "moderators lift bans: {through_the_api:?}");
    let unknown = visitor
        .post("/console/bans/some-ban/lift", &[("csrf", &csrf)])
        .await;
    let expected = if may {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::FORBIDDEN
    };
    assert_eq!(unknown.status, expected, "{unknown:?}");
}

async fn revoking_the_admin_token_or_signing_out_ends_the_console_session(app: &TestApp) {
    let token = crate::admin_roles::issue(app, "temp", "owner").await;
    let mut visitor = Visitor::new(app);
    visitor.signed_in(&token).await;
    let revoked = app.admin(Method::DELETE, "/admin-tokens/temp", None).await;
    assert_eq!(revoked.status, StatusCode::OK, "{revoked:?}");
    let after = visitor.get("/console").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{after:?}");

    let mut visitor = Visitor::new(app);
    let csrf = visitor.signed_in(&app.admin_token).await;
    let cookie = visitor.cookies.clone();
    let out = visitor.post("/console/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{out:?}");
    assert!(out
        .set_cookies
        .iter()
        .any(|c| c.starts_with("backline_console=;") && c.contains("Max-Age=0")));
    // The old cookie does not work either.
    visitor.cookies = cookie;
    let after = visitor.get("/console").await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

async fn unknown_console_pages_and_bad_filters_answer_html_pages(app: &TestApp) {
    let mut visitor = Visitor::new(app);
    visitor.signed_in(&app.admin_token).await;
    let missing = visitor.get("/console/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.content_type.starts_with("text/html"));
    let bad = visitor.get("/console/matches?state=sideways").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{bad:?}");
    assert!(bad.content_type.starts_with("text/html"));
    let unknown_param = visitor.get("/console/audit?colour=red").await;
    assert_eq!(unknown_param.status, StatusCode::BAD_REQUEST);
    let no_match = visitor.get("/console/matches/nope").await;
    assert_eq!(no_match.status, StatusCode::NOT_FOUND);
    let asset = app.get("/console/assets/nope.js", &[]).await;
    assert_eq!(asset.status, StatusCode::NOT_FOUND);
}

async fn every_page_renders_and_a_viewer_gets_no_write_form_on_any(app: &TestApp) {
    ember_world(app).await;
    let viewer = crate::admin_roles::issue(app, "eyes", "viewer").await;
    let mut owner = Visitor::new(app);
    owner.signed_in(&app.admin_token).await;
    let mut watcher = Visitor::new(app);
    watcher.signed_in(&viewer).await;
    for path in PAGES {
        let page = owner.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {page:?}");
        assert!(page.text.contains("<h1>"), "{path}");
        let seen = watcher.get(path).await;
        assert_eq!(seen.status, StatusCode::OK, "{path}: {seen:?}");
        let posts = seen.text.matches("method=\"post\"").count();
        assert_eq!(posts, 1, "{path}: only the sign-out form for a viewer");
    }
    let executions = owner.get("/console/executions").await;
    assert!(executions.text.contains("Unknown command"));
    assert!(executions.text.contains("/rerun\""), "the owner may re-run");
    let live = owner.get("/console/live").await;
    assert_eq!(live.status, StatusCode::OK);
    assert!(live.text.contains("id=\"failed-executions\""));
    assert!(live.text.contains("Unknown command"));
    assert!(!live.text.contains("<html"), "only the live part");
}

/// Browsers ask every origin for `/favicon.ico`: an icon (no JSON 404 logged as an error on
/// each page), public, with the pages' strict policy; pages link it too.
async fn the_icon_is_served_at_the_root_with_the_pages_policy(app: &TestApp) {
    let r = app
        .client
        .get(app.url("/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let header = |name: &str| r.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "image/x-icon");
    assert!(header("content-security-policy").starts_with("default-src 'none'"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    let icon = r.bytes().await.unwrap();
    assert_eq!(&icon[..4], &[0, 0, 1, 0], "an ICO file");
    let sign_in = app.get("/console/sign-in", &[]).await;
    assert!(
        sign_in
            .text
            .contains(r#"<link rel="icon" href="/favicon.ico""#),
        "{sign_in:?}"
    );
}

async fn wrong_admin_tokens_at_sign_in_are_limited_like_other_secrets(app: &TestApp) {
    let mut visitor = Visitor::new(app);
    let max = app.config.guess_limit.max_failures;
    for _ in 0..max {
        let wrong = visitor.sign_in("not-a-token").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let limited = visitor.sign_in(&app.admin_token).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{limited:?}");
    assert!(limited.content_type.starts_with("text/html"));
    assert!(!visitor.cookies.iter().any(|(k, _)| k == "backline_console"));
}

/// Behind an https public URL the cookies are `Secure`, and forms posted from that origin
/// are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_secure_behind_an_https_public_url() {
    let Some(app) = TestApp::spawn_with(backline_store::Backend::Sqlite, |config| {
        config.ember.public_url = Some("https://console.example.org".into());
    })
    .await
    else {
        return;
    };
    let mut visitor = Visitor::new(&app);
    let form = visitor.get("/console/sign-in").await;
    assert!(form.set_cookies[0].contains("; Secure"), "{form:?}");
    let csrf = csrf_of(&form.text);
    let done = visitor
        .request(
            Method::POST,
            "/console/sign-in",
            Some(&[("csrf", &csrf), ("token", &app.admin_token)]),
            Some("https://console.example.org"),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{done:?}");
    let session = done
        .set_cookies
        .iter()
        .find(|c| c.starts_with("backline_console="))
        .unwrap();
    assert!(session.contains("; Secure"));
    app.stop().await;
}

/// A `next` holding CR/LF (`/console%0d%0aSet-Cookie:x`) cannot become a `Location` header:
/// the sign-in goes to the console's home, with the session cookie and no other.
async fn a_next_with_a_line_break_signs_in_to_the_console_and_injects_no_header(app: &TestApp) {
    for next in [
        "/console\r\nSet-Cookie:x=1",
        "/console\nSet-Cookie:x=1",
        "/console/orgs?q=a b",
        "/console/é",
    ] {
        let mut visitor = Visitor::new(app);
        let form = visitor
            .get("/console/sign-in?next=%2Fconsole%0d%0aSet-Cookie:x=1")
            .await;
        assert_eq!(form.status, StatusCode::OK, "{form:?}");
        assert!(
            form.text.contains("name=\"next\" value=\"/console\""),
            "{}",
            form.text
        );
        let csrf = csrf_of(&form.text);
        let done = visitor
            .post(
                "/console/sign-in",
                &[("csrf", &csrf), ("token", &app.admin_token), ("next", next)],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{next:?}: {done:?}");
        assert_eq!(done.location.as_deref(), Some("/console"), "{next:?}");
        assert!(
            done.set_cookies
                .iter()
                .any(|c| c.starts_with("backline_console=")),
            "{:?}",
            done.set_cookies
        );
        assert!(
            done.set_cookies.iter().all(|c| !c.starts_with("x=")),
            "{:?}",
            done.set_cookies
        );
        assert!(!visitor.cookies.iter().any(|(name, _)| name == "x"));
        let dashboard = visitor.get("/console").await;
        assert_eq!(dashboard.status, StatusCode::OK, "{dashboard:?}");
    }
    // A console path of printable characters is still followed.
    let mut visitor = Visitor::new(app);
    let form = visitor.get("/console/sign-in").await;
    let csrf = csrf_of(&form.text);
    let done = visitor
        .post(
            "/console/sign-in",
            &[
                ("csrf", &csrf),
                ("token", &app.admin_token),
                ("next", "/console/orgs?q=a%20b"),
            ],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/console/orgs?q=a%20b"));
}
