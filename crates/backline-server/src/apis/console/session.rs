//! Console sessions: signing in with an admin token, the session every page reads from its
//! cookie, the grants its role gives its pages and forms, and signing out.

use super::forms::{cookie, pre_session_token, set_cookie, PostedForm};
use super::html::{document, HtmlError, HtmlPage};
use crate::core::access::{Actor, Capability, Grant, View};
use crate::core::admin_token::Operator;
use crate::core::console::{form_token, CONSOLE_SESSION_TTL_SECONDS};
use crate::core::CoreError;
use crate::http::guessing::client_address;
use crate::http::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use std::marker::PhantomData;
use std::net::SocketAddr;

/// The cookie holding the console session's id.
pub const SESSION_COOKIE: &str = "backline_console";

/// A console write: what the audit log calls it (`console: lift ban`) and, as its type, the
/// capability its use case requires (the same as through the admin API).
pub struct Write<C: Capability> {
    /// The audit log's action.
    pub action: &'static str,
    capability: PhantomData<C>,
}

impl<C: Capability> Write<C> {
    pub const fn new(action: &'static str) -> Self {
        Self {
            action,
            capability: PhantomData,
        }
    }
}

/// A signed-in operator on a console page.
pub struct Console {
    pub operator: Operator,
    /// The anti-forgery token of this session's forms.
    pub csrf: String,
    /// The client address, for the audit log.
    pub source: String,
}

impl Console {
    /// This operator acting as `action` (what the audit log calls it).
    fn actor(&self, action: &str) -> Actor {
        Actor {
            operator: self.operator.clone(),
            source: self.source.clone(),
            action: action.to_owned(),
        }
    }

    /// Whether this operator's role may make `write` (forms for it are hidden otherwise).
    pub fn may<C: Capability>(&self, _write: &Write<C>) -> bool {
        C::granted_to(self.operator.role)
    }

    /// The grant to make `write`; 403 (a page saying why) when this operator's role lacks it.
    pub fn grant<C: Capability>(&self, write: &Write<C>) -> Result<Grant<C>, HtmlError> {
        Ok(self.actor(write.action).grant::<C>()?)
    }

    /// The grant to read what a page shows (every role has it).
    pub fn view(&self) -> Result<Grant<View>, HtmlError> {
        Ok(self.actor("console: view").grant::<View>()?)
    }

    /// The fields of a posted form of this session, checked ([`PostedForm::check`]).
    pub fn form<T: serde::de::DeserializeOwned>(
        &self,
        state: &AppState,
        posted: &PostedForm,
    ) -> Result<T, HtmlError> {
        posted.check(state, &self.csrf)
    }

    /// The hidden anti-forgery field of this session's forms.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.csrf); }
    }
}

fn source_of(parts: &Parts, state: &AppState) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    client_address(peer, &parts.headers, &state.config.guess_limit)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// Refusal of a console page without a valid session: 401 with the sign-in form, which
/// brings the operator back to the page asked for.
pub struct SignInRequired(Response);

impl IntoResponse for SignInRequired {
    fn into_response(self) -> Response {
        self.0
    }
}

impl FromRequestParts<AppState> for Console {
    type Rejection = SignInRequired;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = cookie(&parts.headers, SESSION_COOKIE).unwrap_or_default();
        let configured = state.config.admin_token.as_ref().map(|s| s.expose());
        match state.core.console_operator(configured, session).await {
            Ok(operator) => Ok(Console {
                operator,
                csrf: form_token(session, "console"),
                source: source_of(parts, state),
            }),
            Err(CoreError::Unauthorized) => {
                // Nested under `/console`, the request's own URI lacks the prefix.
                let back = if parts.method == Method::GET {
                    parts
                        .extensions
                        .get::<OriginalUri>()
                        .map(|u| &u.0)
                        .unwrap_or(&parts.uri)
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default()
                } else {
                    "/console".to_owned()
                };
                let page = sign_in_page(
                    state,
                    &parts.headers,
                    StatusCode::UNAUTHORIZED,
                    &back,
                    Some("Sign in with an admin token to continue."),
                );
                Err(SignInRequired(page.into_response()))
            }
            Err(other) => Err(SignInRequired(HtmlError::from(other).into_response())),
        }
    }
}

/// Where to go after signing in: a console path, never another site, and only printable
/// ASCII (what a `Location` header may carry: a CR/LF, a space or any other character would
/// either split the header or fail to become one), else the console's home.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/console")
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.bytes().all(|b| b.is_ascii_graphic())
    {
        next
    } else {
        "/console"
    }
}

fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    notice: Option<&str>,
) -> HtmlPage {
    let (token, set) = pre_session_token(state, headers);
    let body = html! {
        main.narrow {
            h1 { "Backline console" }
            @if let Some(notice) = notice { p.notice { (notice) } }
            form method="post" action="/console/sign-in" {
                input type="hidden" name="csrf" value=(token);
                input type="hidden" name="next" value=(safe_next(next));
                label for="token" { "Admin token" }
                input #token type="password" name="token" autocomplete="current-password" required autofocus;
                button type="submit" { "Sign in" }
            }
            p.hint #sign-in-hint { "The first owner token is printed when Backline starts for the first time; "
                code { "backline admin-token issue NAME --role viewer" } " issues more." }
        }
    };
    let page = HtmlPage::with_status(status, document("Sign in", body));
    match set {
        Some(cookie) => page.cookie(cookie),
        None => page,
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /console/sign-in`.
pub async fn show_sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    super::extract::Query(query): super::extract::Query<NextQuery>,
) -> HtmlPage {
    let next = query.next.unwrap_or_else(|| "/console".to_owned());
    sign_in_page(&state, &headers, StatusCode::OK, &next, None)
}

#[derive(Deserialize)]
pub struct SignInForm {
    token: String,
    #[serde(default)]
    next: String,
}

/// `POST /console/sign-in`: opens a session for a valid admin token.
pub async fn sign_in(
    State(state): State<AppState>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: SignInForm = posted.check_pre_session(&state)?;
    let configured = state.config.admin_token.as_ref().map(|s| s.expose());
    match state
        .core
        .open_console_session(configured, &form.token)
        .await
    {
        Ok(opened) => {
            let cookie = set_cookie(
                &state,
                SESSION_COOKIE,
                opened.id.expose(),
                "/",
                Some(CONSOLE_SESSION_TTL_SECONDS),
            );
            tracing::info!(operator = %opened.operator.name, "console sign-in");
            let mut response = Redirect::to(safe_next(&form.next)).into_response();
            response.headers_mut().append(
                axum::http::header::SET_COOKIE,
                cookie
                    .parse()
                    .map_err(|_| HtmlError::from(CoreError::Internal("cookie".into())))?,
            );
            Ok(response)
        }
        Err(CoreError::Unauthorized) => Ok(sign_in_page(
            &state,
            &posted.headers,
            StatusCode::UNAUTHORIZED,
            &form.next,
            Some("That admin token is unknown or revoked."),
        )
        .into_response()),
        Err(other) => Err(other.into()),
    }
}

/// `POST /console/sign-out`: ends the session and forgets the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    console: Console,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let _: serde::de::IgnoredAny = console.form(&state, &posted)?;
    let session = cookie(&posted.headers, SESSION_COOKIE).unwrap_or_default();
    state.core.close_console_session(session).await?;
    let mut response = Redirect::to("/console/sign-in").into_response();
    let gone = set_cookie(&state, SESSION_COOKIE, "", "/", Some(0));
    if let Ok(value) = gone.parse() {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
    Ok(response)
}
