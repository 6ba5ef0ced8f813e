//! Floods and abuse: limits on guessing secrets per client address (429 with `Retry-After`
//! in each surface's shape), and slow or oversized clients that must not stall others.
//!
//! Guessing stories run with 3 failures per 3-second window (8 s where passwords are hashed). A second client address is
//! another loopback address (`127.0.0.2`): Linux routes all of `127.0.0.0/8` to loopback.

use crate::ember_helpers::{form, server};
use crate::helpers::{reply, Reply, TestApp, SERVER_KEY};
use crate::nakama_helpers::{basic, signed_in};
use backline_server::config::Config;
use backline_store::Backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::net::IpAddr;
use std::time::{Duration, Instant};

const MAX_FAILURES: u32 = 3;

fn guessing(config: &mut Config) {
    config.guess_limit.max_failures = MAX_FAILURES;
    config.guess_limit.window_seconds = 3;
}

/// Password hashing is slow in debug builds: the window must outlast a few of them.
fn guessing_passwords(config: &mut Config) {
    guessing(config);
    config.guess_limit.window_seconds = LONGEST_WINDOW;
}

const LONGEST_WINDOW: u64 = 8;

/// A client whose connections come from `ip`.
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// A request from `client`, with a JSON body when given.
async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Reply {
    let mut request = client.request(method, app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap());
    }
    reply(request.send().await.expect("the server answers")).await
}

/// The `Retry-After` seconds of a 429 (checked to be 1..=the window).
fn retry_after(reply: &reqwest::Response) -> u64 {
    let seconds: u64 = reply.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=LONGEST_WINDOW).contains(&seconds),
        "Retry-After {seconds}"
    );
    seconds
}

/// Sends `request` expecting a 429 in Backline's own `{"error", "message"}` shape or Nakama's
/// (`code` 8); returns the seconds to wait.
async fn refused(request: reqwest::RequestBuilder, nakama: bool) -> u64 {
    let response = request.send().await.unwrap();
    if !response.headers().contains_key("retry-after") {
        panic!("expected a 429: {:?}", reply(response).await);
    }
    let wait = retry_after(&response);
    let r = reply(response).await;
    if nakama {
        r.assert_nakama_error_429();
    } else {
        r.assert_error(StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.body["error"], "too_many_requests", "{r:?}");
    }
    wait
}

impl Reply {
    fn assert_nakama_error_429(&self) {
        assert_eq!(self.status, StatusCode::TOO_MANY_REQUESTS, "{self:?}");
        assert_eq!(self.body["code"], 8, "{self:?}");
        assert!(self.body["message"].is_string() && self.body["error"].is_string());
    }
}

async fn wrong_access_keys_from_one_address_are_limited_and_others_are_not(app: &TestApp) {
    let org = app.create_org("Guessed", None).await;
    let key = app.issue_key(&org, None).await;
    let token = app.issue_token("spectra-backend").await;
    let here = client_from("127.0.0.1");
    let elsewhere = client_from("127.0.0.2");
    let validate = |client: &reqwest::Client, key: &str| {
        client
            .get(app.url(&format!("/spectra/system/validateAccessKey/{key}")))
            .header("x-user-token", token.as_str())
    };
    for guess in 0..MAX_FAILURES {
        let r = reply(
            validate(&here, &format!("guess{guess}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        r.assert_error(StatusCode::UNAUTHORIZED);
    }
    // Over the allowance even the right key is refused, before it is looked at.
    let wait = refused(validate(&here, &key), false).await;
    let r = reply(validate(&elsewhere, &key).send().await.unwrap()).await;
    assert_eq!(
        (r.status, r.body.clone()),
        (StatusCode::OK, json!({"id": org, "name": "Guessed"}))
    );
    // Wrong backend tokens are guesses too.
    let bad_token = here
        .get(app.url(&format!("/spectra/system/validateAccessKey/{key}")))
        .header("x-user-token", "wrong");
    refused(bad_token, false).await;
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let r = reply(validate(&here, &key).send().await.unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn wrong_passwords_are_limited_per_address_and_a_refused_login_creates_nothing(
    app: &TestApp,
) {
    let auth = basic(SERVER_KEY);
    let headers = [("authorization", auth.as_str())];
    let here = client_from("127.0.0.1");
    let elsewhere = client_from("127.0.0.2");
    let email = |client: &reqwest::Client, query: &str, email: &str, password: &str| {
        client
            .post(app.url(&format!("/v2/account/authenticate/email?{query}")))
            .header("authorization", auth.as_str())
            .json(&json!({"email": email, "password": password}))
    };
    let created = reply(
        email(&here, "create=true", "owner@example.org", "correct horse")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{created:?}");
    for _ in 0..MAX_FAILURES - 1 {
        let r = send(
            app,
            &here,
            Method::POST,
            "/v2/account/authenticate/email?create=false",
            &headers,
            Some(&json!({"email": "owner@example.org", "password": "wrong guess"})),
        )
        .await;
        r.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    }
    // The EVR password RPC counts against the same allowance.
    let rpc = |client: &reqwest::Client, password: &str| {
        client
            .post(app.url(&format!(
                "/v2/rpc/account/authenticate/password?unwrap&http_key={}",
                crate::helpers::HTTP_KEY
            )))
            .json(&json!({"username": created_username(&created), "password": password}))
    };
    let r = reply(rpc(&here, "wrong again").send().await.unwrap()).await;
    r.assert_nakama_error(StatusCode::UNAUTHORIZED, 16);
    refused(
        email(&here, "create=false", "owner@example.org", "correct horse"),
        true,
    )
    .await;
    refused(rpc(&here, "correct horse"), true).await;
    // A login that would create an account is refused before it does.
    let wait = refused(
        email(
            &here,
            "create=true",
            "newcomer@example.org",
            "fresh password",
        ),
        true,
    )
    .await;
    let r = reply(
        email(
            &elsewhere,
            "create=false",
            "owner@example.org",
            "correct horse",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let r = reply(rpc(&here, "correct horse").send().await.unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert!(r.body["token"].is_string());
    let r = reply(
        email(
            &here,
            "create=false",
            "newcomer@example.org",
            "fresh password",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    r.assert_nakama_error(StatusCode::NOT_FOUND, 5);
}

fn created_username(created: &Reply) -> String {
    let token = created.body["token"].as_str().unwrap();
    crate::nakama_helpers::claims(token)["usn"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn unknown_link_tokens_are_limited_and_a_refused_redemption_links_nothing(app: &TestApp) {
    let (_, server_token) = server(app, "Minecraft", &[]).await;
    let link = form(
        app,
        &server_token,
        Method::POST,
        "/players/minecraft/Notch/linktoken",
        "",
    )
    .await;
    assert_eq!(link.status, StatusCode::CREATED, "{link:?}");
    let code = link.body["token"].as_str().unwrap().to_owned();
    let (user_id, session) = signed_in(app, "link-guesser", &[]).await;
    let here = client_from("127.0.0.1");
    let elsewhere = client_from("127.0.0.2");
    let redeem = |client: &reqwest::Client, token: &str| {
        client
            .post(app.url("/v2/rpc/link/redeem?unwrap"))
            .header("authorization", format!("Bearer {session}"))
            .json(&json!({"token": token}))
    };
    for guess in 0..MAX_FAILURES {
        let r = reply(
            redeem(&here, &format!("guess{guess}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        r.assert_nakama_error(StatusCode::NOT_FOUND, 5);
    }
    let wait = refused(redeem(&here, &code), true).await;
    let core = app.core().await;
    let linked = |view: backline_server::core::accounts::AccountView| {
        view.external_accounts
            .iter()
            .any(|a| a.source == "minecraft" && a.account_id == "Notch")
    };
    let view = core
        .account_view(core.find_user(&user_id).await.unwrap())
        .await
        .unwrap();
    assert!(!linked(view), "a refused redemption links nothing");
    let r = reply(redeem(&elsewhere, &code).send().await.unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let view = core
        .account_view(core.find_user(&user_id).await.unwrap())
        .await
        .unwrap();
    assert!(linked(view));
    core.store.close().await;
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let r = reply(redeem(&here, "still-unknown").send().await.unwrap()).await;
    r.assert_nakama_error(StatusCode::NOT_FOUND, 5);
}

async fn wrong_session_secrets_are_limited_and_a_refused_change_stores_nothing(app: &TestApp) {
    let org = app.create_org("Cams", None).await;
    let created = app
        .admin(
            Method::POST,
            &format!("/orgs/{org}/playercam-sessions"),
            None,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let identifier = created.body["identifier"].as_str().unwrap().to_owned();
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let here = client_from("127.0.0.1");
    let elsewhere = client_from("127.0.0.2");
    let players = format!("/spectra/playercam/api/session/{identifier}/players");
    let list = |client: &reqwest::Client, secret: &str| {
        client
            .get(app.url(&players))
            .header("x-session-secret", secret)
    };
    for guess in 0..MAX_FAILURES {
        let r = reply(list(&here, &format!("guess{guess}")).send().await.unwrap()).await;
        r.assert_error(StatusCode::NOT_FOUND);
    }
    refused(list(&here, &secret), false).await;
    // Spectra's own read of the session is guarded the same way.
    let spectra = here.get(app.url(&format!(
        "/spectra/playercam/api/getNameOverridesAndPlayercams/{identifier}/{secret}"
    )));
    refused(spectra, false).await;
    let change = here
        .put(app.url(&format!("{players}/Player%23EUW")))
        .header("x-session-secret", secret.as_str())
        .json(&json!({"camera_enabled": true}));
    let wait = refused(change, false).await;
    let r = reply(list(&elsewhere, &secret).send().await.unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.body["players"],
        json!([]),
        "the refused change stored nothing"
    );
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let r = reply(list(&here, &secret).send().await.unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn successful_calls_are_never_limited(app: &TestApp) {
    let org = app.create_org("Busy", None).await;
    let key = app.issue_key(&org, None).await;
    let token = app.issue_token("spectra-backend").await;
    for _ in 0..5 * MAX_FAILURES {
        let r = app
            .get(
                &format!("/spectra/system/validateAccessKey/{key}"),
                &[("x-user-token", &token)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
    // Malformed input is not a guess either.
    for _ in 0..5 * MAX_FAILURES {
        let r = app
            .post_json(
                "/v2/rpc/account/authenticate/password?unwrap&http_key=test-http-key",
                &[],
                &json!({"password": "x"}),
            )
            .await;
        r.assert_nakama_error(StatusCode::BAD_REQUEST, 3);
    }
}

/// Bounds of the slow-client stories: a normal request during the attack answers within
/// this, and the slow client is answered within the timeout plus this.
const PROMPT: Duration = Duration::from_secs(1);

fn slow_clients(config: &mut Config) {
    config.header_read_timeout_seconds = 1;
    config.body_read_timeout_seconds = 2;
}

fn capped(config: &mut Config) {
    slow_clients(config);
    config.max_connections = 2;
}

/// A normal request's round trip, asserted to be within [`PROMPT`].
async fn normal_request_is_prompt(app: &TestApp) -> Duration {
    let started = Instant::now();
    let r = app.get("/healthz", &[]).await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert!(took < PROMPT, "a normal request took {took:?}");
    took
}

/// Reads what the server sends until it closes (or `limit` passes).
async fn read_until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

async fn a_slow_loris_is_answered_408_and_does_not_delay_others(app: &TestApp) {
    use tokio::io::AsyncWriteExt;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut loris = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = b"GET /spectra/supporter/some-org HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let started = Instant::now();
    let (mut reader, mut writer) = loris.split();
    let trickle = async {
        for byte in head {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let answer = async {
        use tokio::io::AsyncReadExt;
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut out)).await;
        (
            started.elapsed(),
            String::from_utf8_lossy(&out).into_owned(),
        )
    };
    let normal = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut worst = Duration::ZERO;
        for _ in 0..5 {
            worst = worst.max(normal_request_is_prompt(app).await);
        }
        worst
    };
    let (_, (closed_after, answer), worst) = tokio::join!(trickle, answer, normal);
    assert!(
        answer.starts_with("HTTP/1.1 408 "),
        "the slow client gets a 408: {answer:?}"
    );
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["error"], "request_timeout", "Spectra's shape: {body}");
    assert!(
        closed_after >= Duration::from_secs(1) && closed_after < Duration::from_secs(1) + PROMPT,
        "closed after {closed_after:?}"
    );
    eprintln!("slow loris: closed after {closed_after:?}; normal requests at most {worst:?}");
}

async fn an_idle_connection_is_closed_without_an_answer(app: &TestApp) {
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    let said = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    assert_eq!(said, "", "nothing was asked, so nothing is answered");
    assert!(started.elapsed() < Duration::from_secs(1) + PROMPT);
}

async fn a_trickled_body_is_answered_408_in_the_surfaces_shape(app: &TestApp) {
    use tokio::io::AsyncWriteExt;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"POST /v2/account/authenticate/custom HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":")
        .await
        .unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut stream, Duration::from_secs(6)).await;
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"));
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["code"], 4, "Nakama's shape: {body}");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(2) + PROMPT,
        "answered after {took:?}"
    );
}

async fn a_100_mb_upload_is_refused_and_does_not_delay_others(app: &TestApp) {
    use tokio::io::AsyncWriteExt;
    const SIZE: usize = 100 * 1024 * 1024;
    let stats_token = app.issue_token("spectra-stats").await;
    let address = app.base.trim_start_matches("http://").to_owned();
    for chunked in [false, true] {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let framing = if chunked {
            "Transfer-Encoding: chunked".to_owned()
        } else {
            format!("Content-Length: {SIZE}")
        };
        let head = format!(
            "POST /spectra/stats/addMatch HTTP/1.1\r\nHost: x\r\nAuthentication: {stats_token}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
        );
        let (mut reader, mut writer) = stream.split();
        let upload = async {
            writer.write_all(head.as_bytes()).await?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            while sent < SIZE {
                if chunked {
                    writer
                        .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                        .await?;
                }
                writer.write_all(&chunk).await?;
                if chunked {
                    writer.write_all(b"\r\n").await?;
                }
                sent += chunk.len();
            }
            Ok::<usize, std::io::Error>(sent)
        };
        let answer = async {
            use tokio::io::AsyncReadExt;
            let mut out = vec![0u8; 4096];
            let n = tokio::time::timeout(Duration::from_secs(10), reader.read(&mut out))
                .await
                .expect("an answer")
                .unwrap_or(0);
            String::from_utf8_lossy(&out[..n]).into_owned()
        };
        let normal = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mut worst = Duration::ZERO;
            for _ in 0..5 {
                worst = worst.max(normal_request_is_prompt(app).await);
            }
            worst
        };
        let (sent, answer, worst) = tokio::join!(upload, answer, normal);
        assert!(
            answer.starts_with("HTTP/1.1 413 "),
            "chunked {chunked}: {answer:?}"
        );
        eprintln!(
            "100 MB upload (chunked {chunked}): upload ended with {:?}; normal requests at most {worst:?}",
            sent.map_err(|e| e.kind())
        );
    }
}

async fn connections_over_the_cap_wait_and_are_then_served(app: &TestApp) {
    let address = app.base.trim_start_matches("http://").to_owned();
    // Both slots taken by idle connections; the header timeout frees them.
    let first = tokio::net::TcpStream::connect(&address).await.unwrap();
    let second = tokio::net::TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    let r = app.get("/healthz", &[]).await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(1) + PROMPT,
        "the third connection waited for a slot: {took:?}"
    );
    drop((first, second));
}

/// Declares each story once per backend with the configuration `adjust` makes.
macro_rules! configured_stories {
    ($adjust:ident => $($story:ident),* $(,)?) => {
        $(mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::run(backline_store::Backend::Sqlite, super::$adjust, super::$story).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::run(backline_store::Backend::Postgres, super::$adjust, super::$story).await
            }
        })*
    };
}

async fn run(backend: Backend, adjust: fn(&mut Config), story: impl AsyncFnOnce(&TestApp)) {
    let Some(app) = TestApp::spawn_with(backend, adjust).await else {
        return;
    };
    story(&app).await;
    app.stop().await;
}

configured_stories!(guessing =>
    wrong_access_keys_from_one_address_are_limited_and_others_are_not,
    unknown_link_tokens_are_limited_and_a_refused_redemption_links_nothing,
    wrong_session_secrets_are_limited_and_a_refused_change_stores_nothing,
    successful_calls_are_never_limited,
);

configured_stories!(guessing_passwords =>
    wrong_passwords_are_limited_per_address_and_a_refused_login_creates_nothing,
);

configured_stories!(slow_clients =>
    a_slow_loris_is_answered_408_and_does_not_delay_others,
    an_idle_connection_is_closed_without_an_answer,
    a_trickled_body_is_answered_408_in_the_surfaces_shape,
    a_100_mb_upload_is_refused_and_does_not_delay_others,
);

configured_stories!(capped =>
    connections_over_the_cap_wait_and_are_then_served,
);
