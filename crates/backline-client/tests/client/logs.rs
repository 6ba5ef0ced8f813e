//! What the SDK logs: a span per call with the route template, a warning for slow calls, a
//! line per retry, and never a secret (tokens, keys, passwords travel in headers, paths,
//! queries and bodies; none of them reaches a log line or an error's `Debug`).

use crate::harness::{quick_config, App, HTTP_KEY, SERVER_KEY};
use crate::proxy::{Fault, Proxy};
use backline_client::admin::{AdminClient, PageRequest};
use backline_client::nakama::{LookupBy, NakamaClient, SignIn};
use backline_client::spectra::SpectraClient;
use backline_client::{Secret, Transport};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::instrument::WithSubscriber;

backline_store::stories!(crate::harness::with_app =>
    calls_are_logged_by_route_with_slow_calls_and_retries_and_no_secret,
);

/// Log lines written into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

async fn calls_are_logged_by_route_with_slow_calls_and_retries_and_no_secret(app: &App) {
    let admin = app.admin();
    let org = admin.create_org("Logged", None).await.expect("org");
    let key = admin.issue_key(&org.id, None).await.expect("key");
    let backend = admin
        .issue_token("spectra-backend", None)
        .await
        .expect("token");
    let password = "a password never logged";

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();

    // Every call counts as slow: the threshold is zero.
    let mut config = quick_config();
    config.slow_call = Duration::ZERO;
    let transport = Transport::with_config(&app.base, config.clone()).expect("a transport");
    let proxy = Proxy::start(&app.base, vec![Fault::Reset, Fault::Reset]).await;
    let proxied = Transport::with_config(&proxy.base, config).expect("a transport");
    let secrets = [
        key.access_key.expose().to_owned(),
        backend.token.expose().to_owned(),
        app.admin_token.clone(),
        HTTP_KEY.to_owned(),
        SERVER_KEY.to_owned(),
        password.to_owned(),
    ];

    let errors = async {
        let spectra =
            SpectraClient::new(transport.clone()).with_backend_token(backend.token.clone());
        spectra
            .validate_key(key.access_key.expose())
            .await
            .expect("valid");
        let nakama = NakamaClient::new(transport.clone(), SERVER_KEY).with_http_key(HTTP_KEY);
        let refused = nakama
            .authenticate_email(
                "logged@example.org",
                &Secret::new(password),
                &SignIn {
                    create: Some(false),
                    ..SignIn::default()
                },
            )
            .await
            .unwrap_err();
        // The http key travels in the query; the first two attempts are reset.
        let through_proxy = NakamaClient::new(proxied.clone(), SERVER_KEY).with_http_key(HTTP_KEY);
        let missing = through_proxy
            .evr_with_http_key()
            .lookup(&LookupBy::Username("nobody".into()))
            .await
            .unwrap_err();
        let stranger = AdminClient::new(transport.clone(), app.admin_token.as_str());
        stranger
            .list_orgs(&PageRequest::default())
            .await
            .expect("listed");
        vec![
            format!("{refused:?} {refused}"),
            format!("{missing:?} {missing}"),
        ]
    }
    .with_subscriber(subscriber)
    .await;

    let logs = captured.text();
    assert_eq!(proxy.count(), 3);
    assert!(
        logs.contains("route=\"/spectra/system/validateAccessKey/{key}\""),
        "{logs}"
    );
    assert!(logs.contains("route=\"/v2/rpc/{id}\""), "{logs}");
    assert!(logs.contains("slow Backline call"), "{logs}");
    assert!(logs.contains("retrying Backline call"), "{logs}");
    assert!(logs.contains("attempt=3"), "{logs}");
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret in the logs: {logs}"
        );
        for error in &errors {
            assert!(
                !error.contains(secret.as_str()),
                "a secret in an error: {error}"
            );
        }
    }
}
