//! Every reply parser, on the same bytes: token sets, idexists, challenges, JSON, problem bodies. Never a
//! panic, and what is accepted keeps the promises made of it: tokens are bearer tokens, a challenge is
//! printable ASCII of a bounded length, and no error text built from a problem body holds a control character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sxt_auth_core::wire::{self, Expiry, MAX_AUTH_CODE_LEN};
use sxt_auth_core::Error;

fuzz_target!(|data: &[u8]| {
    if let Ok(set) = wire::parse_token_set(data) {
        wire::check_bearer_token("accessToken", &set.access_token).expect("an accepted access token is a bearer token");
        wire::check_bearer_token("refreshToken", &set.refresh_token).expect("an accepted refresh token is a bearer token");
        for e in [Some(set.access_expires), Some(set.refresh_expires), set.session_expires].into_iter().flatten() {
            assert!(matches!(e, Expiry::AtMs(n) | Expiry::InSeconds(n) if n > 0));
        }
    }
    if let Ok(code) = wire::parse_auth_code(data) {
        assert!(!code.is_empty() && code.len() <= MAX_AUTH_CODE_LEN && code.bytes().all(|b| b.is_ascii_graphic()));
    }
    let _ = wire::parse_bool(data);
    let _ = wire::parse_json(data);
    let (title, detail) = wire::parse_problem(data);
    let e = Error::http(400, title, detail);
    for text in [Some(e.message()), e.title(), e.detail()].into_iter().flatten() {
        assert!(!text.chars().any(char::is_control), "control character in {text:?}");
    }
});
