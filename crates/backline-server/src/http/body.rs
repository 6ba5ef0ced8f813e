//! Reading request bodies within the configured limit, and parsing JSON with messages that
//! name the offending field.

use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Why a body could not be used: the status to answer and a sentence.
pub type BodyFailure = (StatusCode, String);

/// Maps axum's body rejection (over the limit, or a broken stream) to a status and message.
pub fn read_failure(rejection: BytesRejection, limit: usize) -> BodyFailure {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {limit} bytes"),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            format!("the body could not be read: {rejection}"),
        )
    }
}

/// True when reading a body failed because it is over the limit (not a broken stream or a
/// client that stopped sending).
pub fn is_over_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// Parses a JSON body: 400 when it is not JSON, 422 naming the field when a value has the
/// wrong type or is missing.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyFailure> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            (
                StatusCode::BAD_REQUEST,
                format!("the body is not valid JSON: {inner}"),
            )
        } else if path == "." {
            (StatusCode::UNPROCESSABLE_ENTITY, inner.to_string())
        } else {
            (StatusCode::UNPROCESSABLE_ENTITY, format!("{path}: {inner}"))
        }
    })
}

/// For `Option<Option<T>>` fields: absent stays `None` (with `#[serde(default)]`), `null`
/// becomes `Some(None)`, a value `Some(Some(v))`, so a patch can clear a field.
pub fn present_or_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Ok(Some(Option::deserialize(d)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Probe {
        a: u32,
        b: Vec<String>,
    }

    #[test]
    fn syntax_errors_are_400_and_type_errors_422_with_the_path() {
        assert_eq!(
            parse_json::<Probe>(b"{\"a\":").unwrap_err().0,
            StatusCode::BAD_REQUEST
        );
        let (status, msg) = parse_json::<Probe>(br#"{"a": 1, "b": [1]}"#).unwrap_err();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(msg.starts_with("b[0]"), "{msg}");
        let (status, msg) = parse_json::<Probe>(br#"{"b": []}"#).unwrap_err();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(msg.contains("missing field `a`"), "{msg}");
    }

    #[tokio::test]
    async fn only_a_body_over_the_limit_reads_as_over_the_limit() {
        let over = axum::body::to_bytes(axum::body::Body::from(vec![b'x'; 11]), 10)
            .await
            .unwrap_err();
        assert!(is_over_limit(&over));
        let broken = axum::body::Body::from_stream(futures::stream::once(async {
            Err::<axum::body::Bytes, _>(std::io::Error::other("client went away"))
        }));
        let broken = axum::body::to_bytes(broken, 10).await.unwrap_err();
        assert!(!is_over_limit(&broken));
    }
}
