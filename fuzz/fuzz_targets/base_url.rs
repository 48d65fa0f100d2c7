//! Base URLs as users paste them: never a panic; a URL that normalises normalises to itself again, and every
//! endpoint joined to it stays under it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sxt_auth_core::base_url::BaseUrl;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for allow_http in [false, true] {
        let Ok(url) = BaseUrl::parse(text, allow_http) else { continue };
        let again = BaseUrl::parse(url.as_str(), allow_http).expect("a normal form parses");
        assert_eq!(again.as_str(), url.as_str(), "normalising is idempotent");
        assert!(url.as_str().starts_with("https://") || (allow_http && url.as_str().starts_with("http://")));
        let rest = url.as_str().split_once("://").expect("a scheme").1;
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        assert!(!path.ends_with('/') && !path.ends_with("/v1"), "path {path:?} of {:?}", url.as_str());
        assert!(url.join("/v1/auth/code").starts_with(url.as_str()));
    }
});
