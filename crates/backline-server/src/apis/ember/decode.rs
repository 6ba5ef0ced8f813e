//! The surface's request middleware: reads the body once (within the limit), decodes query
//! and body into [`Params`] (PHP-style forms, `text/plain` bodies that are forms, JSON), and
//! applies the `_method` / `X-HTTP-Method-Override` override before routing.
//!
//! Upstream: Garry's Mod's HTTP sends form parameters only for GET/POST and defaults the body
//! type to `text/plain`; Laravel reads `_method` from the request to route PATCH and DELETE.

use super::error::EmberError;
use super::extract::Params;
use super::form;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

fn decode_body(content_type: &str, body: &[u8]) -> Result<Value, EmberError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| EmberError::new(StatusCode::BAD_REQUEST, "The body is not UTF-8."))?;
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    let form_error = |e: form::FormError| EmberError::invalid(e.field().to_owned(), e.to_string());
    if content_type.starts_with("application/json")
        || (!content_type.contains("form") && text.trim_start().starts_with('{'))
    {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            EmberError::new(
                StatusCode::BAD_REQUEST,
                format!("The body is not valid JSON: {e}"),
            )
        })?;
        // Upstream: Laravel reads a JSON `null` body as no input (`$request->all()` is `[]`).
        if value.is_null() {
            return Ok(Value::Object(Default::default()));
        }
        if !value.is_object() {
            return Err(EmberError::new(
                StatusCode::BAD_REQUEST,
                "The JSON body must be an object.",
            ));
        }
        return Ok(value);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        // PHP would read a bare word as a field with no value; a body that is not `key=value`
        // pairs is refused instead (pairs with an empty key are pairs, which PHP ignores).
        if !form::is_form_encoded(text) {
            return Err(EmberError::new(
                StatusCode::BAD_REQUEST,
                "The body is not a form: send `key=value` pairs joined by `&`.",
            ));
        }
        return form::parse_form(text).map_err(form_error);
    }
    if form::looks_like_form(text) {
        return form::parse_form(text).map_err(form_error);
    }
    Err(EmberError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Send parameters as a form or as JSON.",
    ))
}

/// The request's parameters: the query string (a PHP-style form) merged with the body decoded
/// by its content type (the body wins on conflicts), as Laravel merges them.
pub fn decode_params(query: &str, content_type: &str, body: &[u8]) -> Result<Value, EmberError> {
    let query = form::parse_form(query)
        .map_err(|e| EmberError::invalid(e.field().to_owned(), e.to_string()))?;
    let body = decode_body(&content_type.to_ascii_lowercase(), body)?;
    Ok(form::merge(query, body))
}

/// Whether `path` belongs to the game integration, whose requests [`decode_request`] decodes.
pub fn is_game_path(path: &str) -> bool {
    path.strip_prefix("/api/game")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Decodes the parameters of a request under `/api/game` ([`is_game_path`]) and applies the
/// method override, before routing (so the override picks the route): hands the request back
/// with its [`Params`] and its body read, or answers what it refuses.
pub async fn decode_request(limit: usize, request: Request) -> Result<Request, Response> {
    let (mut parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(e) if crate::http::body::is_over_limit(&e) => {
            return Err(EmberError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The body is larger than {limit} bytes."),
            )
            .into_response())
        }
        Err(e) => {
            tracing::info!(error = %e, "request body could not be read");
            return Err(
                EmberError::new(StatusCode::BAD_REQUEST, "The body could not be read.")
                    .into_response(),
            );
        }
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let params = match decode_params(parts.uri.query().unwrap_or_default(), content_type, &bytes) {
        Ok(params) => params,
        Err(e) => return Err(e.into_response()),
    };
    if parts.method == Method::POST {
        let wanted = params
            .get("_method")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                parts
                    .headers
                    .get("x-http-method-override")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            });
        if let Some(wanted) = wanted {
            match wanted.to_ascii_uppercase().as_str() {
                "PATCH" => parts.method = Method::PATCH,
                "DELETE" => parts.method = Method::DELETE,
                "PUT" => parts.method = Method::PUT,
                "POST" => {}
                other => {
                    return Err(EmberError::invalid(
                        "_method",
                        format!("The _method `{other}` is not supported."),
                    )
                    .into_response())
                }
            }
        }
    }
    parts.extensions.insert(Params(params));
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_null_body_is_no_input_and_other_non_objects_are_refused() {
        for body in [&b"null"[..], b" null\n", b""] {
            assert_eq!(
                decode_params("a=1", "application/json", body).unwrap(),
                serde_json::json!({"a": "1"}),
                "{body:?}"
            );
        }
        for body in [&b"[]"[..], b"1", b"\"x\""] {
            let refused = decode_params("", "application/json", body).unwrap_err();
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body:?}");
        }
    }
}
