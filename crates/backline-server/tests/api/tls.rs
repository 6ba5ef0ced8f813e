//! HTTPS on the main listener with a certificate the test makes (a test CA and leaf
//! certificates for 127.0.0.1): requests succeed with the CA trusted, plain HTTP to the port
//! is answered 400 in the surface's shape, cookies are `Secure`, a renewed certificate is
//! served to new connections without a restart and a broken one is refused (the old one
//! keeps serving), and a client that never handshakes holds its slot only until the header
//! timeout, within its address's allowance.

use crate::helpers::TestApp;
use backline_server::config::Config;
use backline_store::Backend;
use reqwest::StatusCode;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a change may take to be seen (the reload interval is 20 ms).
const SEEN_WITHIN: Duration = Duration::from_secs(5);

/// A test certificate authority and the leaf certificates it signs.
struct TestCa {
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

/// A leaf certificate (PEM, DER) and its key (PEM).
struct Leaf {
    pem: String,
    der: Vec<u8>,
    key: String,
}

impl TestCa {
    fn new() -> Self {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Backline test CA");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Self { cert, key }
    }

    fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A leaf for 127.0.0.1 named `name`, with serial `serial`.
    fn leaf(&self, name: &str, serial: u64) -> Leaf {
        let mut params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        Leaf {
            pem: cert.pem(),
            der: cert.der().to_vec(),
            key: key.serialize_pem(),
        }
    }
}

/// Writes `contents` to `path` as a renewal tool does: a new file renamed over the old one.
fn replace(path: &Path, contents: &str) {
    let next = path.with_extension("next");
    std::fs::write(&next, contents).unwrap();
    std::fs::rename(&next, path).unwrap();
}

/// A server speaking HTTPS with `leaf`, its files in `dir`.
async fn https_app(
    dir: &Path,
    leaf: &Leaf,
    adjust: impl FnOnce(&mut Config),
) -> (TestApp, PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, &leaf.pem).unwrap();
    std::fs::write(&key, &leaf.key).unwrap();
    let (c, k) = (cert.clone(), key.clone());
    let app = TestApp::spawn_with(Backend::Sqlite, move |config| {
        config.tls.cert = Some(c);
        config.tls.key = Some(k);
        config.tls.reload_interval_millis = 20;
        adjust(config);
    })
    .await
    .expect("SQLite is always there");
    (app, cert, key)
}

/// A client trusting only `ca`, opening a new connection for every request (so each sees
/// the certificate served at that moment).
fn client(ca: &TestCa) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap())
        .tls_info(true)
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn https(app: &TestApp, path: &str) -> String {
    app.url(path).replacen("http://", "https://", 1)
}

/// The certificate a new connection is served (DER).
async fn served_certificate(client: &reqwest::Client, app: &TestApp) -> Vec<u8> {
    let response = client
        .get(https(app, "/healthz"))
        .send()
        .await
        .expect("an HTTPS answer");
    assert_eq!(response.status(), StatusCode::OK);
    response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .expect("the peer's certificate")
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_is_served_with_the_configured_certificate_and_cookies_are_secure() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let leaf = ca.leaf("backline-one", 1);
    let (app, _, _) = https_app(dir.path(), &leaf, |_| {}).await;
    let client = client(&ca);
    assert_eq!(served_certificate(&client, &app).await, leaf.der);

    // The console's pre-session cookie and, after signing in, its session cookie.
    let form = client
        .get(https(&app, "/console/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let csrf_cookie = form.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(csrf_cookie.ends_with("; Secure"), "{csrf_cookie}");
    let html = form.text().await.unwrap();
    let csrf = crate::console::csrf_of(&html);
    let origin = https(&app, "");
    let signed_in = client
        .post(https(&app, "/console/sign-in"))
        .header("cookie", csrf_cookie.split(';').next().unwrap())
        .header("origin", origin.trim_end_matches('/'))
        .form(&[
            ("csrf", csrf.as_str()),
            ("token", app.admin_token.as_str()),
            ("next", "/console"),
        ])
        .send()
        .await
        .unwrap();
    let cookies: Vec<_> = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        signed_in.status(),
        StatusCode::SEE_OTHER,
        "signed in: {signed_in:?}"
    );
    assert!(!cookies.is_empty(), "signed in: {signed_in:?}");
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_the_https_port_is_answered_400_in_the_surfaces_shape() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let (app, _, _) = https_app(dir.path(), &ca.leaf("backline-one", 1), |_| {}).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /spectra/supporter/some-org HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("answered and closed")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer:?}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"));
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert!(body["error"].is_string(), "Spectra's shape: {body}");

    // An HTTP client gets that answer too, not a hang or a reset.
    let plain = app.get("/v2/healthcheck", &[]).await;
    assert_eq!(plain.status, StatusCode::BAD_REQUEST, "{plain:?}");
    assert!(plain.body["code"].is_number(), "Nakama's shape: {plain:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_certificate_is_served_without_restart_and_a_broken_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let first = ca.leaf("backline-one", 1);
    let (app, cert, key) = https_app(dir.path(), &first, |_| {}).await;
    let client = client(&ca);
    assert_eq!(served_certificate(&client, &app).await, first.der);

    // Renewed: new key, new name, new serial. The key goes first, so the reloader may see a
    // certificate that does not fit for a moment; it then takes the pair once both are new.
    let second = ca.leaf("backline-two", 2);
    replace(&key, &second.key);
    replace(&cert, &second.pem);
    let started = Instant::now();
    while served_certificate(&client, &app).await != second.der {
        assert!(
            started.elapsed() < SEEN_WITHIN,
            "the renewed certificate never served"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eprintln!("renewed certificate served after {:?}", started.elapsed());

    // Broken: not a certificate at all. Refused (counted), the second pair keeps serving.
    let refused_before = reloads(&client, &app, "refused").await;
    replace(
        &cert,
        "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n",
    );
    let started = Instant::now();
    while reloads(&client, &app, "refused").await == refused_before {
        assert!(
            started.elapsed() < SEEN_WITHIN,
            "the broken pair was never tried"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(served_certificate(&client, &app).await, second.der);
    assert!(reloads(&client, &app, "loaded").await >= 1);
    app.stop().await;
}

/// `backline_tls_reloads_total{outcome="…"}` as `/metrics` shows it (0 when absent).
async fn reloads(client: &reqwest::Client, app: &TestApp, outcome: &str) -> u64 {
    let text = client
        .get(https(app, "/metrics"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = format!("backline_tls_reloads_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .map_or(0, |value| value.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_handshakes_holds_a_slot_only_until_the_header_timeout() {
    use tokio::io::AsyncReadExt;
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let (app, _, _) = https_app(dir.path(), &ca.leaf("backline-one", 1), |config| {
        config.header_read_timeout_seconds = 1;
        config.max_connections_per_address = 2;
    })
    .await;
    let address: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let from = |ip: [u8; 4]| {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(std::net::SocketAddr::from((ip, 0))).unwrap();
        socket.connect(address)
    };
    // Two silent clients from one address take its allowance; a third is closed at once.
    let started = Instant::now();
    let mut silent = [
        from([127, 0, 0, 2]).await.unwrap(),
        from([127, 0, 0, 2]).await.unwrap(),
    ];
    let mut third = from([127, 0, 0, 2]).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(1), third.read_to_end(&mut out))
        .await
        .expect("the third is closed before any timeout")
        .ok();
    assert!(out.is_empty());
    // Others are served meanwhile.
    assert!(!served_certificate(&client(&ca), &app).await.is_empty());
    // The silent ones are closed, unanswered, at the header timeout.
    for stream in &mut silent {
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut out))
            .await
            .expect("closed at the header timeout")
            .ok();
        assert!(out.is_empty(), "nothing asked, nothing answered");
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(2),
        "{took:?}"
    );
    app.stop().await;
}
