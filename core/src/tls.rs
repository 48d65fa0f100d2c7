//! TLS settings: rustls with the ring provider, trusting Mozilla's roots (compiled in from
//! `webpki-root-certs`, the same on every platform) plus any PEM CAs the caller adds.

use std::sync::Arc;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};

use crate::error::{Error, ErrorKind, Result};

/// Parses a PEM bundle into certificates to trust in addition to the defaults.
///
/// Errors: [`ErrorKind::InvalidCertificate`] when the PEM is malformed, a certificate block does not parse as
/// X.509, or there is no certificate at all.
pub fn parse_pem_certificates(pem: &[u8]) -> Result<Vec<Certificate<'static>>> {
    let bad = |why: &str| Error::argument(ErrorKind::InvalidCertificate, "ca_pem", why);
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item.map_err(|_| bad("malformed PEM"))? {
            PemItem::Certificate(c) => {
                // Parse it as a trust anchor now, so a broken block fails here rather than at the handshake.
                let der = rustls::pki_types::CertificateDer::from(c.der().to_vec());
                rustls::RootCertStore::empty()
                    .add(der)
                    .map_err(|_| bad("a CERTIFICATE block does not hold a valid X.509 certificate"))?;
                certs.push(c)
            }
            _ => continue,
        }
    }
    if certs.is_empty() {
        return Err(bad("no CERTIFICATE block found"));
    }
    Ok(certs)
}

/// The TLS configuration of a transport: Mozilla's roots and `extra_roots`, rustls with ring. The roots are
/// borrowed from the library's read-only data, not copied (a client is cheap to make); they are parsed when
/// the first https connection is made.
pub(crate) fn config(extra_roots: &[Certificate<'static>]) -> TlsConfig {
    let mut roots: Vec<Certificate<'static>> =
        webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().map(|der| Certificate::from_der(der)).collect();
    roots.extend(extra_roots.iter().cloned());
    TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(RootCerts::Specific(Arc::new(roots)))
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .build()
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
