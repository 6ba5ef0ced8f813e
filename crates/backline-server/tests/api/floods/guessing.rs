//! Guessing limits: wrong access keys, passwords, link tokens and player-cam secrets from one
//! address get 429 with `Retry-After` in the surface's shape; other addresses and callers
//! with good credentials are unaffected; a refused call stores nothing.
//!
//! Stories run with 3 failures per 3-second window (60 s where passwords are hashed); a story
//! waits a window out by advancing the server's clock by the `Retry-After` seconds. A
//! second client address is another loopback address (`127.0.0.2`): Linux routes all of
//! `127.0.0.0/8` to loopback.

use crate::ember_helpers::{form, server};
use crate::helpers::{reply, Reply, TestApp, SERVER_KEY};
use crate::nakama_helpers::{basic, signed_in};
use backline_server::config::Config;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::net::IpAddr;
use std::time::Duration;

const MAX_FAILURES: u32 = 3;

fn guessing(config: &mut Config) {
    config.guess_limit.max_failures = MAX_FAILURES;
    config.guess_limit.access_key_max_failures = MAX_FAILURES;
    config.guess_limit.window_seconds = 3;
}

/// The shipped allowances.
fn shipped(_: &mut Config) {}

/// Password hashing is slow in debug builds (slower still on a loaded machine): the window
/// must outlast a few of them. Waiting it out costs nothing: the story advances the clock.
fn guessing_passwords(config: &mut Config) {
    guessing(config);
    config.guess_limit.window_seconds = LONGEST_WINDOW;
}

const LONGEST_WINDOW: u64 = 60;

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
    app.advance(Duration::from_secs(wait));
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
    app.advance(Duration::from_secs(wait));
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
    app.advance(Duration::from_secs(wait));
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
    app.advance(Duration::from_secs(wait));
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

backline_store::stories!(crate::helpers::with_configured_app, guessing =>
    wrong_access_keys_from_one_address_are_limited_and_others_are_not,
    unknown_link_tokens_are_limited_and_a_refused_redemption_links_nothing,
    wrong_session_secrets_are_limited_and_a_refused_change_stores_nothing,
    successful_calls_are_never_limited,
);

/// Spectra Server checks every observer's key from its own address with its backend token:
/// the observers' typos share one allowance, which is sized so that they do not lock the
/// others out, while guessing a key stays hopeless (docs/operations.md, "Guessing limits").
async fn observers_typos_behind_one_spectra_server_do_not_lock_the_others_out(app: &TestApp) {
    let allowance = app.config.guess_limit.access_key_max_failures;
    let general = app.config.guess_limit.max_failures;
    assert!(allowance > 10 * general, "{allowance} vs {general}");
    let org = app.create_org("Tournament", None).await;
    let key = app.issue_key(&org, None).await;
    let token = app.issue_token("spectra-backend").await;
    let spectra_server = client_from("127.0.0.1");
    let validate = |key: &str| {
        spectra_server
            .get(app.url(&format!("/spectra/system/validateAccessKey/{key}")))
            .header("x-user-token", token.as_str())
    };
    // Observers mistype their keys five times as often as any other family allows, and an
    // observer with the right key still gets in after each round of typos.
    for round in 0..5 {
        for typo in 0..general {
            let r = reply(
                validate(&format!("typo{round}x{typo}"))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            r.assert_error(StatusCode::UNAUTHORIZED);
        }
        let r = reply(validate(&key).send().await.unwrap()).await;
        assert_eq!(
            (r.status, r.body.clone()),
            (StatusCode::OK, json!({"id": org, "name": "Tournament"})),
            "after {} typos",
            (round + 1) * general
        );
    }
    // Guessing is still bounded, at exactly the allowance: measured here, the arithmetic of
    // what it leaves a guesser is in the docs.
    let started = std::time::Instant::now();
    let mut wrong = 5 * general;
    while wrong < allowance {
        let r = reply(validate(&format!("guess{wrong}")).send().await.unwrap()).await;
        r.assert_error(StatusCode::UNAUTHORIZED);
        wrong += 1;
    }
    eprintln!(
        "{allowance} wrong access keys from one address in {:?}, then 429",
        started.elapsed()
    );
    let response = validate(&key).send().await.unwrap();
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=app.config.guess_limit.window_seconds).contains(&wait),
        "Retry-After {wait}"
    );
    let r = reply(response).await;
    r.assert_error(StatusCode::TOO_MANY_REQUESTS);
    // Another address is counted on its own.
    let elsewhere = client_from("127.0.0.2");
    let r = reply(
        elsewhere
            .get(app.url(&format!("/spectra/system/validateAccessKey/{key}")))
            .header("x-user-token", token.as_str())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

backline_store::stories!(crate::helpers::with_configured_app, shipped =>
    observers_typos_behind_one_spectra_server_do_not_lock_the_others_out,
);

backline_store::stories!(crate::helpers::with_configured_app, guessing_passwords =>
    wrong_passwords_are_limited_per_address_and_a_refused_login_creates_nothing,
);
