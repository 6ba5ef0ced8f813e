//! The game-integration (Ember) parameter decoder: PHP-style forms
//! (`backline_server::apis::ember::form`) and the request pipeline that picks form or JSON by
//! content type and merges the query (`backline_server::apis::ember::decode_params`).
//! Input: the content type on the first line, the query string on the second, the body after.
//!
//! Invariants: nothing panics; a form decodes to a JSON object or to a [`FormError`] whose
//! field is the start of its key; re-encoding a decoded form (every leaf as `a[b][0]=v`,
//! percent-encoded) and decoding it again gives the same tree (up to lists read as objects
//! keyed `0..n`, as key order is not kept) and looks like a form; the pipeline answers an
//! object or a 400/415/422, and for a form body it is the query merged with the body.

use backline_server::apis::ember::form::{self, parse_form, FormError};
use backline_server::apis::ember::{decode_params, EmberError};
use serde_json::{Map, Value};
use url::form_urlencoded::byte_serialize;

/// Checks one input; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    let [content_type, query, body] = crate::parts::<3>(data);
    let content_type = String::from_utf8_lossy(content_type);
    let query = String::from_utf8_lossy(query);
    let parsed_query = check_form(&query);
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = check_form(text);
    }
    match decode_params(&query, &content_type, body) {
        Ok(params) => {
            assert!(params.is_object(), "parameters are not an object: {params}");
            let is_form = content_type
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded");
            if let (true, Ok(query), Ok(text)) = (is_form, parsed_query, std::str::from_utf8(body))
            {
                if !text.trim().is_empty() {
                    let body = parse_form(text).expect("the pipeline accepted this form");
                    assert_eq!(params, form::merge(query, body));
                }
            }
        }
        Err(EmberError { status, .. }) => {
            assert!(
                matches!(status.as_u16(), 400 | 415 | 422),
                "unexpected status {status}"
            );
        }
    }
}

/// Decodes `input` as a form and checks the decoded value (or error).
fn check_form(input: &str) -> Result<Value, FormError> {
    let result = parse_form(input);
    match &result {
        Err(err) => {
            assert!(err.key().starts_with(err.field()), "{err:?}");
            assert!(!err.field().is_empty(), "{err:?}");
            assert!(!err.to_string().is_empty());
        }
        Ok(value) => {
            let Value::Object(fields) = value else {
                panic!("a form decoded to a non-object: {value}");
            };
            for leaf in fields.values() {
                let _ = form::as_list(leaf);
            }
            let encoded = encode(value);
            let again = parse_form(&encoded)
                .unwrap_or_else(|err| panic!("re-encoded form {encoded:?} failed: {err}"));
            assert_eq!(
                normalise(&again),
                normalise(value),
                "{input:?} re-encoded as {encoded:?}"
            );
            assert_eq!(
                form::looks_like_form(&encoded),
                !fields.is_empty(),
                "{encoded:?}"
            );
        }
    }
    result
}

/// A decoded form as a form string: one `key[seg]…=value` pair per leaf.
fn encode(value: &Value) -> String {
    let mut pairs = Vec::new();
    if let Value::Object(fields) = value {
        for (name, child) in fields {
            leaves(&escape(name), child, &mut pairs);
        }
    }
    pairs.join("&")
}

fn leaves(key: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                leaves(&format!("{key}[{index}]"), item, out);
            }
        }
        Value::Object(map) => {
            for (segment, item) in map {
                leaves(&format!("{key}[{}]", escape(segment)), item, out);
            }
        }
        Value::String(text) => out.push(format!("{key}={}", escape(text))),
        other => panic!("a form decoded to a non-string leaf: {other}"),
    }
}

fn escape(text: &str) -> String {
    byte_serialize(text.as_bytes()).collect()
}

/// Lists as objects keyed by index, so trees compare without key order.
fn normalise(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Object(
            items
                .iter()
                .enumerate()
                .map(|(index, item)| (index.to_string(), normalise(item)))
                .collect::<Map<_, _>>(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| (key.clone(), normalise(item)))
                .collect(),
        ),
        other => other.clone(),
    }
}
