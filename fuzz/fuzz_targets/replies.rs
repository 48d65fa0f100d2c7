//! Every reply parser, on the same bytes: token sets (with a refresh token required, ignored or optional),
//! join codes, idexists, challenges, JSON, problem bodies. Never a
//! panic, and what is accepted keeps the promises made of it: tokens are bearer tokens, a challenge is
//! printable ASCII of a bounded length, and no error text built from a problem body holds a control character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sxt_auth_core::wire::{self, Expiry, Refresh, MAX_AUTH_CODE_LEN};
use sxt_auth_core::Error;

fuzz_target!(|data: &[u8]| {
    for refresh in [Refresh::Required, Refresh::Ignored, Refresh::Optional] {
        if let Ok(set) = wire::parse_token_reply(data, refresh) {
            wire::check_bearer_token("accessToken", &set.access_token).expect("an accepted access token is a bearer token");
            // A refresh token is there exactly when one is wanted, or offered and optional; then it is a bearer token.
            assert_eq!(set.refresh_token.is_empty(), set.refresh_expires.is_none());
            match refresh {
                Refresh::Required => assert!(!set.refresh_token.is_empty()),
                Refresh::Ignored => assert!(set.refresh_token.is_empty()),
                Refresh::Optional => {}
            }
            if !set.refresh_token.is_empty() {
                wire::check_bearer_token("refreshToken", &set.refresh_token).expect("an accepted refresh token is a bearer token");
            }
            for e in [Some(set.access_expires), set.refresh_expires, set.session_expires].into_iter().flatten() {
                assert!(matches!(e, Expiry::AtMs(n) | Expiry::InSeconds(n) if n > 0));
            }
            if let Some(user) = &set.user_id {
                assert!(sxt_auth_core::input::check_user_id(user).is_ok());
            }
        }
    }
    if let Ok(code) = wire::parse_join_code(data) {
        assert!(!code.is_empty() && code.len() <= wire::MAX_JOIN_CODE_REPLY_LEN);
        assert!(code.bytes().all(|b| b.is_ascii_graphic() && !b"/?#%".contains(&b)), "{code:?}");
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
