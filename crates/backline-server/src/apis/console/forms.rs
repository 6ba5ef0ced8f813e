//! Cookies, and the checks on every form post of the HTML pages: the request comes from this
//! origin (`Origin`, else `Referer`) and carries the anti-forgery token of the page that
//! showed the form (hidden field `csrf`).
//!
//! Before sign-in there is no session to tie the token to: the token is then a random value
//! in the `backline_csrf` cookie, which the form repeats (a cross-site page can neither read
//! nor set it: it is `HttpOnly` and `SameSite=Strict`).

use super::html::HtmlError;
use crate::http::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use backline_domain::secret::{secrets_match, IssuedSecret};
use serde::de::DeserializeOwned;

/// The cookie holding the pre-session anti-forgery token.
pub const CSRF_COOKIE: &str = "backline_csrf";

/// The value of cookie `name` in the request, if present.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// Whether cookies must be `Secure`: the listener speaks HTTPS, or the public URL is https
/// (behind a proxy that terminates TLS).
pub fn secure(state: &AppState) -> bool {
    state.config.tls.enabled()
        || state
            .config
            .ember
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
}

/// A `Set-Cookie` value: HttpOnly, `SameSite=Strict`, on `path`, `Secure` behind https;
/// `max_age` `Some(0)` deletes it, `None` keeps it for the browser session.
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
) -> String {
    let mut cookie = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure(state) {
        cookie.push_str("; Secure");
    }
    cookie
}

/// The pre-session anti-forgery token of this browser, and the cookie to set when it had none.
pub fn pre_session_token(state: &AppState, headers: &HeaderMap) -> (String, Option<String>) {
    match cookie(headers, CSRF_COOKIE).filter(|v| v.len() >= 32) {
        Some(token) => (token.to_owned(), None),
        None => {
            let token = IssuedSecret::generate(32).expose().to_owned();
            let set = set_cookie(state, CSRF_COOKIE, &token, "/", None);
            (token, Some(set))
        }
    }
}

/// `host[:port]` of an origin or URL (`None` for `null` and other non-URLs).
fn authority(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    Some(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Whether a form post comes from a page of this server: its `Origin` (else its `Referer`)
/// names the host the request was sent to, or the configured public URL's.
pub fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(authority);
    let Some(claimed) = claimed else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|h| h.trim_end_matches(":80").to_ascii_lowercase());
    let public = state.config.ember.public_url.as_deref().and_then(authority);
    let claimed = claimed.to_ascii_lowercase();
    host.as_deref() == Some(claimed.as_str())
        || public.is_some_and(|p| p.eq_ignore_ascii_case(&claimed))
}

/// A posted form's fields, read within the body limit.
pub struct PostedForm {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl FromRequest<AppState> for PostedForm {
    type Rejection = HtmlError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let limit = state.config.body_limit_bytes;
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            let (status, message) = crate::http::body::read_failure(e, limit);
            HtmlError::new(status, "The form could not be read", message)
        })?;
        Ok(Self { headers, body })
    }
}

impl PostedForm {
    /// The fields as `T`, after the origin check and the check that field `csrf` equals
    /// `expected` (403 otherwise); a form that does not fit `T` is a 422 naming the problem.
    pub fn check<T: DeserializeOwned>(
        &self,
        state: &AppState,
        expected: &str,
    ) -> Result<T, HtmlError> {
        if !same_origin(state, &self.headers) {
            return Err(HtmlError::forbidden(
                "This form was sent from another site (its Origin does not match); nothing was changed.",
            ));
        }
        let presented = url::form_urlencoded::parse(&self.body)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if presented.is_empty() || !secrets_match(&presented, expected) {
            return Err(HtmlError::forbidden(
                "This form has expired or was not sent from this console; reload the page and try again. Nothing was changed.",
            ));
        }
        serde_urlencoded::from_bytes(&self.body).map_err(|e| {
            HtmlError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Please check the form",
                e.to_string(),
            )
        })
    }

    /// [`PostedForm::check`] against the pre-session token of the `backline_csrf` cookie.
    pub fn check_pre_session<T: DeserializeOwned>(&self, state: &AppState) -> Result<T, HtmlError> {
        let expected = cookie(&self.headers, CSRF_COOKIE)
            .unwrap_or_default()
            .to_owned();
        if expected.is_empty() {
            return Err(HtmlError::forbidden(
                "Your browser did not send this page's cookie; enable cookies, reload the page and try again.",
            ));
        }
        self.check(state, &expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; backline_console=xyz; backline_console_old=no"
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie(&headers, "backline_console"), Some("xyz"));
        assert_eq!(cookie(&headers, "a"), Some("1"));
        assert_eq!(cookie(&headers, "b"), None);
    }

    #[test]
    fn authorities_ignore_default_ports_and_refuse_null() {
        assert_eq!(
            authority("http://127.0.0.1:7350").as_deref(),
            Some("127.0.0.1:7350")
        );
        assert_eq!(
            authority("https://example.com/console/x").as_deref(),
            Some("example.com")
        );
        assert_eq!(authority("null"), None);
    }
}
