//! HTTPS on the main listener, so that a small deployment needs no proxy in front: the
//! certificate chain and key are read from PEM files (`tls.cert`, `tls.key`), and read again
//! when either file changes (a renewal by certbot or an ACME client is taken without a
//! restart). A new pair that cannot be used (unreadable, not PEM, a key that does not match
//! the certificate) is refused with an error in the log and the old pair keeps serving.
//!
//! Only HTTP/1.1 is offered through ALPN, like the plain listener. A client that speaks
//! plain HTTP to the HTTPS port gets a plain `400` in the shape of the surface its request
//! line names, saying to use `https://` (as nginx does), rather than a dropped connection.

use super::metrics::Metrics;
use crate::config::TlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// The first byte of a TLS record carrying a handshake (a `ClientHello`).
pub const HANDSHAKE_RECORD: u8 = 0x16;

/// Why a certificate and key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("{path}: {problem}")]
    Pem { path: PathBuf, problem: String },
    #[error("the key in {key} does not fit the certificate in {cert}: {problem}")]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        problem: String,
    },
}

/// What identifies a version of a file: the SHA-256 of its bytes (modification times are
/// coarser than two quick writes, and sizes of renewed certificates are often equal).
type Digest = Option<[u8; 32]>;

fn digest(bytes: &io::Result<Vec<u8>>) -> Digest {
    use sha2::Digest as _;
    bytes.as_ref().ok().map(|b| sha2::Sha256::digest(b).into())
}

/// The listener's certificate and key, as last loaded.
#[derive(Debug)]
pub struct Certificates {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<ServerConfig>>,
    /// The files' digests when last tried, loaded or refused: a refused pair is tried again
    /// only once either file changes again.
    tried: Mutex<(Digest, Digest)>,
}

/// The server configuration for the files `cert` and `key`: HTTP/1.1 by ALPN, no client
/// certificates.
pub fn load(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    from_pem(cert, std::fs::read(cert), key, std::fs::read(key))
}

/// [`load`] of the bytes read from `cert` and `key`.
fn from_pem(
    cert: &Path,
    chain_pem: io::Result<Vec<u8>>,
    key: &Path,
    key_pem: io::Result<Vec<u8>>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let read = |path: &Path, bytes: io::Result<Vec<u8>>| {
        bytes.map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let chain_pem = read(cert, chain_pem)?;
    let chain = CertificateDer::pem_slice_iter(&chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            path: cert.to_owned(),
            problem: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert.to_owned(),
        });
    }
    let key_pem = read(key, key_pem)?;
    let private = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::Pem {
        path: key.to_owned(),
        problem: format!("no usable private key ({e})"),
    })?;
    let mismatch = |problem: String| TlsError::Mismatch {
        cert: cert.to_owned(),
        key: key.to_owned(),
        problem,
    };
    // ring, which the workspace already builds for reqwest. rustls 0.23.48 deprecates its
    // ring provider for lacking post-quantum key exchange (X25519MLKEM768 needs aws-lc-rs,
    // a C library to build); the classic exchanges it offers are what clients negotiate
    // today.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let signing = provider
        .key_provider
        .load_private_key(private)
        .map_err(|e| mismatch(e.to_string()))?;
    let certified = rustls::sign::CertifiedKey::new(chain, signing);
    certified
        .keys_match()
        .map_err(|e| mismatch(e.to_string()))?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| mismatch(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

impl Certificates {
    /// Loads the configured pair; `None` when TLS is not configured.
    pub fn open(config: &TlsConfig) -> Result<Option<Arc<Self>>, TlsError> {
        let (Some(cert), Some(key)) = (&config.cert, &config.key) else {
            return Ok(None);
        };
        let (cert_pem, key_pem) = (std::fs::read(cert), std::fs::read(key));
        let digests = (digest(&cert_pem), digest(&key_pem));
        let current = from_pem(cert, cert_pem, key, key_pem)?;
        Ok(Some(Arc::new(Self {
            cert: cert.clone(),
            key: key.clone(),
            current: RwLock::new(current),
            tried: Mutex::new(digests),
        })))
    }

    /// An acceptor with the pair in use now.
    pub fn acceptor(&self) -> TlsAcceptor {
        let current = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        TlsAcceptor::from(current)
    }

    /// Loads the pair again if either file changed since it was last tried: `Some(true)`
    /// when the new pair is in use, `Some(false)` when it was refused (the old one stays,
    /// the error is logged), `None` when nothing changed.
    pub fn reload_if_changed(&self) -> Option<bool> {
        let (cert_pem, key_pem) = (std::fs::read(&self.cert), std::fs::read(&self.key));
        let digests = (digest(&cert_pem), digest(&key_pem));
        {
            let mut tried = self.tried.lock().unwrap_or_else(PoisonError::into_inner);
            if *tried == digests {
                return None;
            }
            *tried = digests;
        }
        match from_pem(&self.cert, cert_pem, &self.key, key_pem) {
            Ok(config) => {
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = config;
                tracing::info!(cert = %self.cert.display(), "TLS certificate reloaded");
                Some(true)
            }
            Err(error) => {
                tracing::error!(%error, "the changed TLS certificate or key cannot be used; still serving the previous pair");
                Some(false)
            }
        }
    }

    /// Compares the files every `interval` until `stop`, counting each reload in `metrics`.
    pub async fn watch(
        self: Arc<Self>,
        interval: std::time::Duration,
        metrics: Metrics,
        stop: impl std::future::Future<Output = ()>,
    ) {
        crate::core::periodic::every(interval, stop, || {
            if let Some(loaded) = self.reload_if_changed() {
                metrics.count_tls_reload(loaded);
            }
            std::future::ready(())
        })
        .await;
    }
}

/// A client's stream, encrypted or not: what the connection serves.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(name: &str) -> (String, String) {
        let certified = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
        (certified.cert.pem(), certified.key_pair.serialize_pem())
    }

    #[test]
    fn a_pair_loads_and_a_changed_bad_pair_is_refused_keeping_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let (a_cert, a_key) = pair("a.example");
        std::fs::write(&cert, &a_cert).unwrap();
        std::fs::write(&key, &a_key).unwrap();
        let config = TlsConfig {
            cert: Some(cert.clone()),
            key: Some(key.clone()),
            ..TlsConfig::default()
        };
        let certificates = Certificates::open(&config).unwrap().expect("configured");
        assert_eq!(certificates.reload_if_changed(), None, "nothing changed");
        let before = certificates.acceptor().config().clone();
        assert_eq!(before.alpn_protocols, vec![b"http/1.1".to_vec()]);

        // A certificate whose key is not the one configured.
        let (b_cert, b_key) = pair("b.example");
        std::fs::write(&cert, &b_cert).unwrap();
        assert_eq!(certificates.reload_if_changed(), Some(false));
        assert!(Arc::ptr_eq(&before, certificates.acceptor().config()));
        assert_eq!(certificates.reload_if_changed(), None, "tried once");
        // Its key arrives: the pair is taken.
        std::fs::write(&key, &b_key).unwrap();
        assert_eq!(certificates.reload_if_changed(), Some(true));
        assert!(!Arc::ptr_eq(&before, certificates.acceptor().config()));
    }

    #[test]
    fn unusable_files_are_errors_that_name_them() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let missing = load(&cert, &key).unwrap_err().to_string();
        assert!(missing.contains("cert.pem"), "{missing}");
        std::fs::write(&cert, "not pem").unwrap();
        let empty = load(&cert, &key).unwrap_err().to_string();
        assert!(empty.contains("no PEM certificate"), "{empty}");
        let (a_cert, _) = pair("a.example");
        std::fs::write(&cert, a_cert).unwrap();
        std::fs::write(
            &key,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let bad_key = load(&cert, &key).unwrap_err().to_string();
        assert!(bad_key.contains("key.pem"), "{bad_key}");
    }
}
