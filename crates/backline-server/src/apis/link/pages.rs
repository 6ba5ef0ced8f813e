//! The link page's steps: show the token's game account, sign in (or create an account),
//! confirm, done. The player's sign-in is a Nakama session token in an HttpOnly cookie on
//! `/link`; the forms' anti-forgery token is derived from it (before sign-in: the
//! pre-session cookie of [`forms`]).

use crate::apis::console::extract::Path;
use crate::apis::console::forms::{self, cookie, PostedForm};
use crate::apis::console::html::{document, HtmlError, HtmlPage};
use crate::core::accounts::NewUser;
use crate::core::authentication::Login;
use crate::core::console::form_token;
use crate::core::sessions::Claims;
use crate::core::CoreError;
use crate::http::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use backline_store::LinkTokenView;
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The cookie holding the player's session token.
const PLAYER_COOKIE: &str = "backline_link";

/// Why a token cannot be used, as a page: unknown 404, used or expired 410.
fn token_refusal(e: CoreError) -> HtmlError {
    let error = match e {
        CoreError::NotFound { .. } => HtmlError::new(
            StatusCode::NOT_FOUND,
            "This link is not valid",
            "Check that you opened the whole address the game showed you, or ask the game for a new link.",
        ),
        CoreError::LinkTokenUsed => HtmlError::new(
            StatusCode::GONE,
            "This link was already used",
            "The game account of this link is linked already. Ask the game for a new link to link it again.",
        ),
        CoreError::LinkTokenExpired => HtmlError::new(
            StatusCode::GONE,
            "This link has expired",
            "Links work for a limited time. Ask the game for a new link.",
        ),
        other => HtmlError::from(other),
    };
    error.without_back()
}

/// The player signed in on this browser, if any (an expired or revoked session is none).
async fn player(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(String, Claims)>, HtmlError> {
    let Some(token) = cookie(headers, PLAYER_COOKIE) else {
        return Ok(None);
    };
    match state.core.verify_session(token).await {
        Ok(claims) => Ok(Some((token.to_owned(), claims))),
        Err(CoreError::Unauthorized | CoreError::Expired) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

fn game_account(view: &LinkTokenView, server: &str) -> Markup {
    html! {
        dl.facts #game-account {
            dt { "Game account" } dd { span.mono { (view.player.source) " · " (view.player.account_id) } }
            dt { "Requested on" } dd { (server) }
        }
    }
}

async fn server_name(state: &AppState, view: &LinkTokenView) -> Result<String, HtmlError> {
    match state.core.get_server(view.server.as_str()).await {
        Ok(server) => Ok(server.name),
        Err(CoreError::NotFound { .. }) => Ok("a server that no longer exists".to_owned()),
        Err(e) => Err(e.into()),
    }
}

/// The page for `token`: sign-in and sign-up forms, or the confirmation for a signed-in
/// player.
async fn link_page(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    status: StatusCode,
    notice: Option<&str>,
) -> Result<HtmlPage, HtmlError> {
    let view = state
        .core
        .preview_link_token(token)
        .await
        .map_err(token_refusal)?;
    let server = server_name(state, &view).await?;
    let here = format!("/link/{token}");
    let signed_in = player(state, headers).await?;
    let (csrf, set) = match &signed_in {
        Some((session, _)) => (form_token(session, "link"), None),
        None => forms::pre_session_token(state, headers),
    };
    let body = html! {
        main.narrow {
            h1 { "Link your game account" }
            (game_account(&view, &server))
            @if let Some(notice) = notice { p.error { (notice) } }
            @match &signed_in {
                Some((_, claims)) => {
                    p { "Signed in as " strong #signed-in-as { (claims.usn) } "." }
                    form.stack method="post" action=(here) {
                        input type="hidden" name="csrf" value=(csrf);
                        button #confirm type="submit" { "Link this game account to " (claims.usn) }
                    }
                    form method="post" action={ (here) "/sign-out" } {
                        input type="hidden" name="csrf" value=(csrf);
                        button.quiet type="submit" { "Not you? Sign out" }
                    }
                }
                None => {
                    h2 { "Sign in to your Backline account" }
                    form.stack method="post" action={ (here) "/sign-in" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="login" { "Username or email" }
                        input #login name="login" autocomplete="username" required;
                        label for="password" { "Password" }
                        input #password type="password" name="password" autocomplete="current-password" required;
                        button type="submit" { "Sign in" }
                    }
                    h2 { "New here? Create an account" }
                    form.stack method="post" action={ (here) "/account" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="new-username" { "Username" }
                        input #new-username name="username" autocomplete="username" required;
                        label for="new-email" { "Email (optional)" }
                        input #new-email type="email" name="email" autocomplete="email";
                        label for="new-password" { "Password (at least 8 characters)" }
                        input #new-password type="password" name="password" autocomplete="new-password" required;
                        button type="submit" { "Create account and continue" }
                    }
                }
            }
        }
    };
    let page = HtmlPage::with_status(status, document("Link your game account", body));
    Ok(match set {
        Some(cookie) => page.cookie(cookie),
        None => page,
    })
}

/// `GET /link/{token}`.
pub async fn show_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<HtmlPage, HtmlError> {
    link_page(&state, &headers, &token, StatusCode::OK, None).await
}

fn signed_in(state: &AppState, token: &str, session: &str) -> Response {
    let mut response = Redirect::to(&format!("/link/{token}")).into_response();
    let cookie = forms::set_cookie(state, PLAYER_COOKIE, session, "/link", None);
    if let Ok(value) = cookie.parse() {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
pub struct SignInForm {
    login: String,
    password: String,
}

/// `POST /link/{token}/sign-in`: a wrong password answers 401 (counted by the guessing
/// limiter like every password check).
pub async fn sign_in(
    State(state): State<AppState>,
    Path(token): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: SignInForm = posted.check_pre_session(&state)?;
    state
        .core
        .preview_link_token(&token)
        .await
        .map_err(token_refusal)?;
    let login = form.login.trim();
    let outcome = if login.contains('@') {
        let no_create = Login {
            create: false,
            username: None,
            vars: BTreeMap::new(),
        };
        state
            .core
            .authenticate_email(login, &form.password, no_create)
            .await
            .map(|a| a.tokens)
    } else {
        state
            .core
            .authenticate_password(None, None, Some(login), &form.password)
            .await
    };
    match outcome {
        Ok(tokens) => Ok(signed_in(&state, &token, &tokens.token)),
        Err(
            CoreError::Unauthorized
            | CoreError::NotFound { .. }
            | CoreError::Invalid { .. }
            | CoreError::LoginField { .. },
        ) => {
            let page = link_page(
                &state,
                &posted.headers,
                &token,
                StatusCode::UNAUTHORIZED,
                Some("That username or email and password do not match an account."),
            )
            .await?;
            Ok(page.into_response())
        }
        Err(CoreError::AccountDisabled) => Err(HtmlError::forbidden("This account is disabled.")
            .back_to(format!("/link/{token}"), "Back")),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct AccountForm {
    username: String,
    #[serde(default)]
    email: String,
    password: String,
}

/// `POST /link/{token}/account`: creates a Backline account and signs it in.
pub async fn create_account(
    State(state): State<AppState>,
    Path(token): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: AccountForm = posted.check_pre_session(&state)?;
    state
        .core
        .preview_link_token(&token)
        .await
        .map_err(token_refusal)?;
    let new = NewUser {
        username: Some(form.username.trim().to_owned()),
        email: Some(form.email.trim().to_owned()).filter(|e| !e.is_empty()),
        password: Some(form.password),
        ..NewUser::default()
    };
    match state.core.create_user(new).await {
        Ok(user) => {
            let tokens = state.core.issue_tokens(&user, BTreeMap::new(), None)?;
            Ok(signed_in(&state, &token, &tokens.token))
        }
        Err(e @ (CoreError::Invalid { .. } | CoreError::Conflict(_))) => {
            let status = if matches!(e, CoreError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let message = format!("The account could not be created: {e}");
            let page = link_page(&state, &posted.headers, &token, status, Some(&message)).await?;
            Ok(page.into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /link/{token}`: links the game account to the signed-in player, as `link/redeem`.
pub async fn confirm_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    posted: PostedForm,
) -> Result<HtmlPage, HtmlError> {
    let Some((session, claims)) = player(&state, &posted.headers).await? else {
        let page = link_page(
            &state,
            &posted.headers,
            &token,
            StatusCode::UNAUTHORIZED,
            Some("Your sign-in has expired; please sign in again."),
        )
        .await?;
        return Ok(page);
    };
    let _: serde::de::IgnoredAny = posted.check(&state, &form_token(&session, "link"))?;
    let linked = state
        .core
        .redeem_link_token(&claims.user_id(), &token)
        .await
        .map_err(token_refusal)?;
    let body = html! {
        main.narrow {
            h1 #linked { "Linked" }
            p { "The game account " span.mono { (linked.source) " · " (linked.account_id) } " is now linked to "
                strong { (claims.usn) } ". You can close this page and return to the game." }
        }
    };
    Ok(HtmlPage::ok(document("Linked", body)))
}

/// `POST /link/{token}/sign-out`.
pub async fn sign_out(
    State(state): State<AppState>,
    Path(token): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    if let Some((session, _)) = player(&state, &posted.headers).await? {
        let _: serde::de::IgnoredAny = posted.check(&state, &form_token(&session, "link"))?;
    }
    let mut response = Redirect::to(&format!("/link/{token}")).into_response();
    let gone = forms::set_cookie(&state, PLAYER_COOKIE, "", "/link", Some(0));
    if let Ok(value) = gone.parse() {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
    Ok(response)
}
