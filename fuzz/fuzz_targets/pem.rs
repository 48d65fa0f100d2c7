//! PEM CA bundles: never a panic; a bundle that is accepted holds at least one certificate and can be added
//! to a client's trusted roots.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sxt_auth_core::tls::parse_pem_certificates;
use sxt_auth_core::TransportConfig;

fuzz_target!(|data: &[u8]| {
    if let Ok(certs) = parse_pem_certificates(data) {
        assert!(!certs.is_empty());
        let mut config = TransportConfig::default();
        config.add_ca_pem(data).expect("an accepted bundle is accepted again");
        assert_eq!(config.extra_roots().len(), certs.len());
    }
});
