//! The Nakama RPC transport's body handling (`backline_server::apis::nakama`): a JSON string
//! holding the payload, or with `?unwrap` the payload itself, then the payload (or the query
//! standing in for an empty one) read as JSON. Input: the method on the first line (`GET`
//! or anything else), the query string on the second, the body after.
//!
//! Invariants: nothing panics; every refusal is `InvalidArgument`; GET and blank bodies give
//! an empty payload, `?unwrap` passes the body through, otherwise the payload is the body's
//! JSON string (re-encoding it gives it back); a payload that reads as JSON comes back
//! unchanged through the `{"id", "payload": "<JSON text>"}` answer.

use backline_server::apis::nakama::{
    parse_payload, payload_from_body, wrap_result, NakamaError, QueryPairs,
};
use serde_json::Value;

/// Checks one input; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    let [method, query, body] = crate::parts::<3>(data);
    let is_get = method == b"GET";
    let query = QueryPairs::parse(&String::from_utf8_lossy(query));
    let unwrap = query.has("unwrap");
    let payload = match payload_from_body(is_get, unwrap, body) {
        Ok(payload) => payload,
        Err(err) => return assert_invalid(&err),
    };
    let text = std::str::from_utf8(body).expect("a payload came from a non-UTF-8 body");
    if is_get || text.trim().is_empty() {
        assert_eq!(payload, "");
    } else if unwrap {
        assert_eq!(payload, text);
    } else {
        let reencoded = serde_json::to_string(&payload).expect("strings serialise");
        assert_eq!(
            serde_json::from_str::<String>(&reencoded).ok().as_ref(),
            Some(&payload)
        );
    }
    match parse_payload::<Value>(&payload, &query) {
        Err(err) => assert_invalid(&err),
        Ok(value) => {
            if payload.trim().is_empty() {
                assert!(value.is_object(), "query parameters read as {value}");
            }
            let answer = wrap_result("rpc", &value);
            let wire = serde_json::to_vec(&answer).expect("values serialise");
            let answer: Value = serde_json::from_slice(&wire).expect("the answer is JSON");
            let inner = answer["payload"].as_str().expect("payload is a string");
            let back: Value = serde_json::from_str(inner).expect("payload is JSON text");
            assert_eq!(back, value, "the answer changed the payload {payload:?}");
        }
    }
}

fn assert_invalid(err: &NakamaError) {
    assert_eq!(err.code as i32, 3, "not InvalidArgument: {err:?}");
    assert!(!err.message.is_empty());
}
