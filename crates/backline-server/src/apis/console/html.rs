//! What every HTML page of the operator surface shares (the console and the player's link
//! page): security headers, cookies, the page shell, and error pages.

use crate::core::CoreError;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

/// An HTML answer: status, document, and cookies to set.
pub struct HtmlPage {
    pub status: StatusCode,
    pub body: Markup,
    pub cookies: Vec<String>,
}

impl HtmlPage {
    pub fn ok(body: Markup) -> Self {
        Self::with_status(StatusCode::OK, body)
    }

    pub fn with_status(status: StatusCode, body: Markup) -> Self {
        Self {
            status,
            body,
            cookies: Vec::new(),
        }
    }

    pub fn cookie(mut self, cookie: String) -> Self {
        self.cookies.push(cookie);
        self
    }
}

impl IntoResponse for HtmlPage {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body.into_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        for cookie in self.cookies {
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                headers.append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

/// Adds the headers every page carries (policy, no caching, no sniffing, no framing).
pub fn secure_headers(headers: &mut HeaderMap) {
    crate::apis::page_headers::insert(headers, "same-origin");
    // Event streams set their own `Cache-Control`.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Middleware of the HTML routes: [`secure_headers`] on every answer.
pub async fn with_secure_headers(mut response: Response) -> Response {
    secure_headers(response.headers_mut());
    response
}

/// A whole document: `<head>` with the embedded stylesheet and script, then `body`.
pub fn document(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Backline" }
                link rel="icon" href=(super::assets::FAVICON) type="image/x-icon";
                link rel="stylesheet" href=(super::assets::STYLESHEET);
                script src=(super::assets::SCRIPT) defer {}
            }
            body { (body) }
        }
    }
}

/// A page that says what went wrong and where to go next.
pub fn message_page(title: &str, message: &str, back: Option<(&str, &str)>) -> Markup {
    document(
        title,
        html! {
            main.narrow {
                h1 { (title) }
                p { (message) }
                @if let Some((href, label)) = back {
                    p { a href=(href) { (label) } }
                }
            }
        },
    )
}

/// A refusal or failure, answered as an HTML page.
#[derive(Debug)]
pub struct HtmlError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
    /// Where the page links back to (none on the player's pages).
    pub back: Option<(String, String)>,
}

impl HtmlError {
    pub fn new(status: StatusCode, title: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            title: title.into(),
            message: message.into(),
            back: Some(("/console".to_owned(), "Back to the console".to_owned())),
        }
    }

    pub fn back_to(mut self, href: impl Into<String>, label: impl Into<String>) -> Self {
        self.back = Some((href.into(), label.into()));
        self
    }

    /// No link back (pages for players, who have no console to go back to).
    pub fn without_back(mut self) -> Self {
        self.back = None;
        self
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Not allowed", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("{what} was not found."),
        )
    }
}

/// The console's titles, sentences and statuses for every decision of the core: the one
/// place the HTML pages word a [`CoreError`] (the player's link page words a few of them
/// its own way first, for players rather than operators).
impl From<CoreError> for HtmlError {
    fn from(e: CoreError) -> Self {
        match e {
            e @ (CoreError::NotFound { .. } | CoreError::NoBroadcasterAvailable) => {
                Self::new(StatusCode::NOT_FOUND, "Not found", format!("{e}."))
            }
            CoreError::Malformed(m) => Self::new(StatusCode::BAD_REQUEST, "Bad request", m),
            e @ (CoreError::Invalid { .. } | CoreError::LoginField { .. }) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Please check the form",
                e.to_string(),
            ),
            CoreError::Unauthorized | CoreError::Expired => Self::new(
                StatusCode::UNAUTHORIZED,
                "Please sign in",
                "Your credentials were not accepted.",
            ),
            e @ (CoreError::AccountDisabled
            | CoreError::MatchMakerRequired
            | CoreError::RolesNotSent) => Self::forbidden(e.to_string()),
            CoreError::NotPermitted { role, action, .. } => Self::forbidden(format!(
                "The {} role may not make this change ({}). Nothing was changed; ask an owner \
                 for a token with a role that may.",
                role.as_str(),
                action.trim_start_matches("console: "),
            )),
            e @ (CoreError::UsernameTaken
            | CoreError::AdminTokenExists { .. }
            | CoreError::LinkTokenNotRevocable { .. }
            | CoreError::Conflict(_)
            | CoreError::IdempotencyKeyInUse) => {
                Self::new(StatusCode::CONFLICT, "Conflict", e.to_string())
            }
            e @ CoreError::IdempotencyKeyReused => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Please check the form",
                e.to_string(),
            ),
            e @ (CoreError::MatchAlreadyPrepared
            | CoreError::ExecutionNotDone { .. }
            | CoreError::LinkTokenUsed
            | CoreError::LinkTokenExpired) => {
                Self::new(StatusCode::CONFLICT, "Not possible now", e.to_string())
            }
            other @ (CoreError::Internal(_) | CoreError::Store(_)) => {
                tracing::error!(error = %other, "a page failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not answer; the error was logged.",
                )
            }
        }
    }
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        let back = self.back.as_ref().map(|(h, l)| (h.as_str(), l.as_str()));
        let page = message_page(&self.title, &self.message, back);
        HtmlPage::with_status(self.status, page).into_response()
    }
}

/// The answer for a status with nothing more to say (panics, unknown routes).
pub fn render_status(status: StatusCode) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let message = match status {
        StatusCode::URI_TOO_LONG => "The address of this request is too long.",
        _ => "The console could not answer this request.",
    };
    let mut response = HtmlError::new(status, title, message).into_response();
    secure_headers(response.headers_mut());
    response
}

/// Unknown paths under an HTML prefix.
pub async fn unknown_page() -> HtmlError {
    HtmlError::not_found("This page")
}

/// A method the route does not take.
pub async fn wrong_method() -> HtmlError {
    HtmlError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "This page does not accept that kind of request.",
    )
}
