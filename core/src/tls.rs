//! TLS: rustls with the ring provider, trusting Mozilla's roots (compiled in from `webpki-roots` as trust
//! anchors, the same on every platform: nothing to parse when a client is made) plus any PEM CAs the caller
//! adds.
//!
//! The TLS layer under ureq is ours ([`TlsConnector`]), so that ureq is built without TLS features of its
//! own: its rustls integration would add rustls's `logging` (format strings for every record) and its own
//! certificate and PEM types to the library, and could only take roots as DER certificates to parse.

use std::io::{Read, Write};
use std::sync::{Arc, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::crypto::{CryptoProvider, KeyProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::sign::SigningKey;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use ureq::unversioned::transport::time::{Duration, Instant};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport, TransportAdapter,
};

use crate::base_url::bare_host;
use crate::error::{Error, ErrorKind, Result};

/// Parses a PEM bundle into certificates to trust in addition to the defaults. Blocks other than
/// `CERTIFICATE` (a private key pasted along, say) are skipped.
///
/// Errors: [`ErrorKind::InvalidCertificate`] when the PEM is malformed, a certificate block does not parse as
/// X.509, or there is no certificate at all.
pub fn parse_pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    let bad = |why: &str| Error::argument(ErrorKind::InvalidCertificate, "ca_pem", why);
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(pem) {
        let der = item.map_err(|_| bad("malformed PEM"))?;
        // Parse it as a trust anchor now, so a broken block fails here rather than at the handshake.
        RootCertStore::empty()
            .add(der.clone())
            .map_err(|_| bad("a CERTIFICATE block does not hold a valid X.509 certificate"))?;
        certs.push(der);
    }
    if certs.is_empty() {
        return Err(bad("no CERTIFICATE block found"));
    }
    Ok(certs)
}

/// Loads no private key: this client never presents a certificate, so ring's key loading and signing (RSA,
/// ECDSA, Ed25519) stay out of the library.
#[derive(Debug)]
struct NoClientKeys;

impl KeyProvider for NoClientKeys {
    fn load_private_key(&self, _key: PrivateKeyDer<'static>) -> std::result::Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General("client certificates are not supported".into()))
    }
}

/// The rustls configuration of a transport: Mozilla's roots and `extra_roots`, TLS 1.3 and 1.2, ring.
fn client_config(extra_roots: &[CertificateDer<'static>]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for der in extra_roots {
        // Checked by parse_pem_certificates already.
        let _ = roots.add(der.clone());
    }
    let provider = Arc::new(CryptoProvider { key_provider: &NoClientKeys, ..rustls::crypto::ring::default_provider() });
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .expect("ring supports TLS 1.3 and 1.2")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// The connector that puts TLS over the TCP connection of an `https` URL. Shared by every thread using the
/// agent: its rustls configuration is made once, on the first https connection (threads racing for it wait
/// for that one), and shared by the later ones, and so is their session resumption cache.
#[derive(Debug)]
pub(crate) struct TlsConnector {
    extra_roots: Vec<CertificateDer<'static>>,
    config: OnceLock<Arc<ClientConfig>>,
}

impl TlsConnector {
    pub(crate) fn new(extra_roots: &[CertificateDer<'static>]) -> TlsConnector {
        TlsConnector { extra_roots: extra_roots.to_vec(), config: OnceLock::new() }
    }
}

/// A TLS failure as ureq carries it: an I/O error holding the rustls error, which `http` reports as TLS.
fn tls_error(e: rustls::Error) -> ureq::Error {
    ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsConnection>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> std::result::Result<Option<Self::Out>, ureq::Error> {
        let Some(tcp) = chained else { return Ok(None) };
        if !details.needs_tls() || tcp.is_tls() {
            return Ok(Some(Either::A(tcp)));
        }
        let config = Arc::clone(self.config.get_or_init(|| client_config(&self.extra_roots)));
        let host = bare_host(details.uri).ok_or(ureq::Error::HostNotFound)?;
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| ureq::Error::Tls("the host is not a valid TLS server name"))?;
        let conn = ClientConnection::new(config, name).map_err(tls_error)?;
        let mut sock = TransportAdapter::new(tcp.boxed(), details.current_time.clone());
        // The handshake gets what is left of the connect timeout after the TCP connect.
        let left = match (details.timeout.after, (details.current_time)(), details.now) {
            (Duration::Exact(limit), Instant::Exact(now), Instant::Exact(start)) => {
                Duration::Exact(limit.saturating_sub(now.saturating_duration_since(start)))
            }
            (after, _, _) => after,
        };
        sock.set_timeout(NextTimeout { after: left, ..details.timeout });
        let mut stream = StreamOwned::new(conn, sock);
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock)?;
        }
        let buffers = LazyBuffers::new(details.config.input_buffer_size(), details.config.output_buffer_size());
        Ok(Some(Either::B(TlsConnection { buffers, stream })))
    }
}

/// An https connection: plaintext buffers for ureq over a rustls stream over the TCP connection.
pub(crate) struct TlsConnection {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl std::fmt::Debug for TlsConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConnection").finish_non_exhaustive()
    }
}

impl Transport for TlsConnection {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> std::result::Result<(), ureq::Error> {
        self.stream.sock.set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> std::result::Result<bool, ureq::Error> {
        self.stream.sock.set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let n = self.stream.read(input)?;
        self.buffers.input_appended(n);
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.sock.get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_errors() {
        assert_eq!(parse_pem_certificates(b"").unwrap_err().kind(), ErrorKind::InvalidCertificate);
        assert_eq!(parse_pem_certificates(b"hello").unwrap_err().kind(), ErrorKind::InvalidCertificate);
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert_eq!(parse_pem_certificates(broken).unwrap_err().kind(), ErrorKind::InvalidCertificate);
        for not_x509 in [&b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"[..], b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"] {
            assert_eq!(parse_pem_certificates(not_x509).unwrap_err().kind(), ErrorKind::InvalidCertificate);
        }
    }
}
