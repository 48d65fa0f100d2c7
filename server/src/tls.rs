//! Throw-away TLS material for `--tls`: a fresh CA (self-signed, CA:true) and a
//! server certificate it signs for `localhost`, `127.0.0.1` and `::1`.
//!
//! Both are generated with rcgen on every start and live only in memory; the
//! CA certificate (never its key) is written out so clients can trust it.

use std::net::IpAddr;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

pub struct TlsMaterial {
    /// PEM of the CA certificate, for clients to trust.
    pub ca_pem: String,
    pub server_config: Arc<rustls::ServerConfig>,
}

/// Builds the CA, the server certificate and a rustls config (ring provider,
/// TLS 1.2 and 1.3, HTTP/1.1 via ALPN). `listen_ip` is added to the
/// certificate's names when it is a specific address other than loopback.
pub fn generate(listen_ip: IpAddr) -> Result<TlsMaterial, String> {
    fn err(what: &'static str) -> impl Fn(rcgen::Error) -> String {
        move |e| format!("cannot generate the {what}: {e}")
    }
    // Short validity: the material is regenerated on every start, and some
    // platforms reject server certificates valid for more than 825 days.
    let now = OffsetDateTime::now_utc();
    let not_before = now - Duration::hours(1);
    let not_after = now + Duration::days(30);

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err("CA parameters"))?;
    ca_params.distinguished_name = name("sxt-auth-server local test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    ca_params.not_before = not_before;
    ca_params.not_after = not_after;
    let ca_key = KeyPair::generate().map_err(err("CA key"))?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err("CA certificate"))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    if !listen_ip.is_unspecified() && !listen_ip.is_loopback() {
        names.push(listen_ip.to_string());
    }
    let mut leaf_params = CertificateParams::new(names).map_err(err("server certificate parameters"))?;
    leaf_params.distinguished_name = name("localhost");
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.use_authority_key_identifier_extension = true;
    leaf_params.not_before = not_before;
    leaf_params.not_after = not_after;
    let leaf_key = KeyPair::generate().map_err(err("server key"))?;
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).map_err(err("server certificate"))?;

    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS configuration: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];

    Ok(TlsMaterial { ca_pem: ca_cert.pem(), server_config: Arc::new(config) })
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "sxt-auth-server (local testing only)");
    dn.push(DnType::CommonName, common_name);
    dn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_a_usable_config_and_a_ca_pem() {
        let m = generate("127.0.0.1".parse().unwrap()).unwrap();
        assert!(m.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(m.server_config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        // Fresh material every time.
        let again = generate("127.0.0.1".parse().unwrap()).unwrap();
        assert_ne!(m.ca_pem, again.ca_pem);
    }
}
