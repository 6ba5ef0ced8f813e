//! A request line too long to serve (a 100 KB path) is answered 414 in the shape of the
//! surface its path names, like every other answer, with the connection closed after it.
//! hyper would refuse such a target itself with an empty 414; the server answers first.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

backline_store::stories!(crate::helpers::with_app =>
    a_100_kb_path_is_answered_414_in_each_surfaces_shape,
    a_too_long_line_after_a_kept_alive_request_is_answered_414_too,
);

/// A path of about 100 KB under `prefix`.
fn long_path(prefix: &str) -> String {
    format!("{prefix}/{}", "a".repeat(100 * 1024))
}

/// An answer read off a raw connection (HTTP clients refuse to send such a path).
struct Raw {
    status_line: String,
    /// Lowercased `name: value` lines.
    headers: Vec<String>,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find_map(|h| h.strip_prefix(&format!("{name}: ")))
    }
}

/// Sends `GET path` on a new connection and reads the answer until the server closes.
async fn raw_get(app: &TestApp, path: &str) -> Raw {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut out),
    )
    .await
    .expect("the server answers and closes")
    .unwrap();
    let answer = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a whole answer");
    let mut lines = head.split("\r\n");
    Raw {
        status_line: lines.next().unwrap().to_owned(),
        headers: lines.map(str::to_ascii_lowercase).collect(),
        body: body.to_owned(),
    }
}

async fn a_100_kb_path_is_answered_414_in_each_surfaces_shape(app: &TestApp) {
    let cases: [(&str, Value); 5] = [
        (
            "/admin/v1/orgs",
            json!({"error": "uri_too_long", "message": "the request's path and query are too long"}),
        ),
        (
            "/spectra/supporter",
            json!({"error": "uri_too_long", "message": "the request's path and query are too long"}),
        ),
        (
            "/v2/rpc",
            json!({"error": "URI Too Long", "message": "URI Too Long", "code": 3}),
        ),
        (
            "/api/game/poll",
            json!({"message": "The request URI is too long."}),
        ),
        (
            "/unknown",
            json!({"error": "uri_too_long", "message": "the request's path and query are too long"}),
        ),
    ];
    for (prefix, body) in cases {
        let r = raw_get(app, &long_path(prefix)).await;
        assert_eq!(r.status_line, "HTTP/1.1 414 URI Too Long", "{prefix}");
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{prefix}: {:?}",
            r.headers
        );
        assert_eq!(r.header("connection"), Some("close"), "{prefix}");
        let parsed: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(parsed, body, "{prefix}");
    }
    // The console answers its errors as HTML pages, with its pages' headers.
    let r = raw_get(app, &long_path("/console/orgs")).await;
    assert_eq!(r.status_line, "HTTP/1.1 414 URI Too Long");
    assert!(r
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html")));
    assert_eq!(r.header("x-frame-options"), Some("deny"));
    assert!(
        r.body.contains("The address of this request is too long."),
        "{}",
        r.body
    );
    // A long path the server does read is routed as usual.
    let r = app
        .get(&format!("/admin/v1/{}", "b".repeat(16 * 1024)), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["error"], "not_found");
    assert_eq!(app.get("/healthz", &[]).await.status, StatusCode::OK);
}

/// Over one raw connection: a normal request, then a too long one on the same connection.
async fn a_too_long_line_after_a_kept_alive_request_is_answered_414_too(app: &TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = vec![0u8; 4096];
    let n = stream.read(&mut first).await.unwrap();
    let first = String::from_utf8_lossy(&first[..n]).into_owned();
    assert!(first.starts_with("HTTP/1.1 200 "), "{first:?}");
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\n\r\n",
        long_path("/spectra/supporter")
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut out),
    )
    .await;
    let answer = String::from_utf8_lossy(&out).into_owned();
    assert!(
        answer.starts_with("HTTP/1.1 414 URI Too Long\r\n"),
        "{answer:?}"
    );
    assert!(answer.to_ascii_lowercase().contains("connection: close"));
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"], "uri_too_long", "Spectra's shape: {body}");
}
