//! `/v2/rpc/{id}`: Nakama's HTTP RPC transport and the RPC table.
//!
//! Upstream: Nakama `api_rpc.go`. Authentication, first match wins: `?http_key=`, Basic with
//! the http key, Bearer session, else 401. With `?unwrap` (any value) the body is the payload
//! and the result is the body; without it the body is a JSON string holding the payload and
//! the answer is `{"id", "payload": "<result as JSON text>"}`.

mod accounts;
pub mod doc;
mod evr;

use super::error::NakamaError;
use super::extract::{Path, QueryPairs, RawBody};
use crate::core::evr::Actor;
use crate::core::sessions::Claims;
use crate::http::{credentials, AppState};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use backline_domain::secret::secrets_match;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::net::{IpAddr, SocketAddr};

/// Who is calling an RPC.
#[derive(Clone, Debug)]
pub enum Caller {
    /// Server-to-server with the http key: no user.
    HttpKey,
    User(Claims),
}

/// Everything an RPC gets.
pub struct RpcCall {
    pub state: AppState,
    pub caller: Caller,
    /// The payload text (`""` for GET or an empty body).
    pub payload: String,
    pub query: QueryPairs,
    pub client_ip: Option<IpAddr>,
}

impl RpcCall {
    /// The payload as `T`; an empty payload reads as `{}`, and for GET-style calls the query
    /// parameters stand in for an empty payload.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, NakamaError> {
        parse_payload(&self.payload, &self.query)
    }

    /// The caller as the core sees it (with the user's groups).
    pub async fn actor(&self) -> Result<Actor, NakamaError> {
        Ok(match &self.caller {
            Caller::HttpKey => Actor::HttpKey,
            Caller::User(claims) => self.state.core.actor(claims.clone()).await?,
        })
    }

    /// The signed-in user, or 401 for http-key calls of RPCs that need one.
    pub fn user(&self) -> Result<&Claims, NakamaError> {
        match &self.caller {
            Caller::User(claims) => Ok(claims),
            Caller::HttpKey => Err(NakamaError::unauthenticated("Auth token required")),
        }
    }
}

type RpcResult = Result<Value, NakamaError>;

/// The RPC table: ids are matched case-insensitively.
async fn dispatch(id: &str, call: RpcCall) -> RpcResult {
    match id.to_ascii_lowercase().as_str() {
        "account/authenticate/password" => accounts::authenticate_password(call).await,
        "account/lookup" => accounts::lookup(call).await,
        "link/redeem" => accounts::redeem_link_token(call).await,
        "match" => evr::list_matches(call).await,
        "match/prepare" => evr::prepare_match(call).await,
        "match/allocate" => evr::allocate_match(call).await,
        "match/join" => evr::join_match(call).await,
        "match/leave" => evr::leave_match(call).await,
        "broadcaster/register" => evr::register_broadcaster(call).await,
        "broadcaster/heartbeat" => evr::heartbeat_broadcaster(call).await,
        "broadcaster/unregister" => evr::unregister_broadcaster(call).await,
        _ => Err(NakamaError::not_found("RPC function not found")),
    }
}

fn authenticate(
    state: &AppState,
    query: &QueryPairs,
    headers: &HeaderMap,
) -> Result<Option<Caller>, NakamaError> {
    let http_key = &state.core.keys.http_key;
    // Upstream: Nakama treats an empty `http_key=` as absent.
    if let Some(given) = query.get("http_key").filter(|k| !k.is_empty()) {
        return if secrets_match(given, http_key) {
            Ok(Some(Caller::HttpKey))
        } else {
            Err(NakamaError::unauthenticated("HTTP key invalid"))
        };
    }
    if let Some(given) = credentials::basic_user(headers) {
        return if secrets_match(&given, http_key) {
            Ok(Some(Caller::HttpKey))
        } else {
            Err(NakamaError::unauthenticated("HTTP key invalid"))
        };
    }
    Ok(None)
}

/// `GET|POST /v2/rpc/{id}`.
pub async fn call_rpc(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    query: QueryPairs,
    connect: Option<axum::extract::Extension<ConnectInfo<SocketAddr>>>,
    body: RawBody,
) -> Result<Response, NakamaError> {
    let caller = match authenticate(&state, &query, &headers)? {
        Some(caller) => caller,
        None => match credentials::bearer(&headers) {
            Some(token) => Caller::User(
                state
                    .core
                    .verify_session(token)
                    .await
                    .map_err(|e| NakamaError::credential(e, "Auth token invalid"))?,
            ),
            None => {
                return Err(NakamaError::unauthenticated(
                    "Auth token or HTTP key required",
                ))
            }
        },
    };
    let unwrap = query.has("unwrap");
    let payload = payload_from_body(method == Method::GET, unwrap, &body.0)?;
    let client_ip = connect.map(|c| c.0 .0.ip());
    let call = RpcCall {
        state,
        caller,
        payload,
        query,
        client_ip,
    };
    let result = dispatch(&id, call).await?;
    Ok(if unwrap {
        (StatusCode::OK, Json(result)).into_response()
    } else {
        Json(wrap_result(&id, &result)).into_response()
    })
}

/// The payload text of an RPC request body: `""` for GET or a blank body; with `?unwrap` the
/// body itself; otherwise the body must be a JSON string, whose content is the payload.
pub fn payload_from_body(is_get: bool, unwrap: bool, body: &[u8]) -> Result<String, NakamaError> {
    let raw = std::str::from_utf8(body).map_err(|_| NakamaError::invalid("Body is not UTF-8."))?;
    if is_get || raw.trim().is_empty() {
        Ok(String::new())
    } else if unwrap {
        Ok(raw.to_owned())
    } else {
        serde_json::from_str::<String>(raw).map_err(|_| {
            NakamaError::invalid("Unable to unmarshal payload: the body must be a JSON string")
        })
    }
}

/// The payload as `T`: an empty payload reads as `{}`, and the query parameters (less
/// `http_key` and `unwrap`) stand in for it as string fields.
pub fn parse_payload<T: DeserializeOwned>(
    payload: &str,
    query: &QueryPairs,
) -> Result<T, NakamaError> {
    let text = if payload.trim().is_empty() {
        let params: serde_json::Map<String, Value> = query
            .0
            .iter()
            .filter(|(k, _)| k != "http_key" && k != "unwrap")
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        Value::Object(params).to_string()
    } else {
        payload.to_owned()
    };
    crate::http::body::parse_json(text.as_bytes())
        .map_err(|(_, message)| NakamaError::invalid(message))
}

/// The answer of an RPC called without `?unwrap`: the result as JSON text in `payload`.
pub fn wrap_result(id: &str, result: &Value) -> Value {
    json!({ "id": id, "payload": result.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through_the_wrapped_answer(payload: &str) -> (Value, Value) {
        let value: Value = parse_payload(payload, &QueryPairs::parse("")).unwrap();
        let answer = wrap_result("rpc", &value);
        let text = answer["payload"].as_str().unwrap();
        (value.clone(), serde_json::from_str(text).unwrap())
    }

    /// Found by the `nakama_rpc` fuzz target (fuzz/crashes/nakama_rpc/): without serde_json's
    /// `float_roundtrip`, a number re-read from its own JSON text could differ in the last bit.
    #[test]
    fn numbers_in_a_payload_come_back_unchanged_in_the_wrapped_answer() {
        for payload in [
            "1111111111111111111111111",
            "8888888888888888888E88",
            r#"{"x": 0.014762357610593567890, "z": -147623576162357610593567890}"#,
        ] {
            let (value, back) = through_the_wrapped_answer(payload);
            assert_eq!(back, value, "{payload}");
        }
    }

    #[test]
    fn the_body_is_a_json_string_unless_unwrap_or_get_or_blank() {
        assert_eq!(
            payload_from_body(false, false, br#""{\"a\":1}""#).unwrap(),
            r#"{"a":1}"#
        );
        assert_eq!(
            payload_from_body(false, true, br#"{"a":1}"#).unwrap(),
            r#"{"a":1}"#
        );
        assert_eq!(payload_from_body(true, false, b"anything").unwrap(), "");
        assert_eq!(payload_from_body(false, false, b" \n").unwrap(), "");
        let err = payload_from_body(false, false, br#"{"a":1}"#).unwrap_err();
        assert_eq!(err.code as i32, 3);
        let err = payload_from_body(false, true, b"\xff").unwrap_err();
        assert_eq!(err.message, "Body is not UTF-8.");
    }
}
