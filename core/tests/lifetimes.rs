//! Token lifetimes, shortened with the server's flags: self-refresh, re-login, the session cap, and the
//! single-flight refresh under concurrency.

mod common;

use std::sync::{Arc, Barrier};
use std::thread::sleep;
use std::time::Duration;

use common::{new_user, Server};
use sxt_auth_core::http::Transport;
use sxt_auth_core::TransportConfig;
use sxt_auth_core::ErrorKind;

fn raw(server: &Server) -> Transport {
    Transport::new(&server.base_url, TransportConfig::default().set_allow_http(true)).unwrap()
}

#[test]
fn expired_access_token_is_refreshed_by_the_session() {
    let server = Server::start(&["--access-ttl", "2"]);
    let client = server.client();
    let (user, _k, session) = new_user(&client, None);
    let first = session.access_token().unwrap();
    let first_refresh = session.refresh_token().unwrap();
    assert_eq!(session.access_token().unwrap(), first, "no refresh while fresh");
    sleep(Duration::from_millis(2200));
    let t = raw(&server);
    assert_eq!(t.get("/v1/auth/validtoken", Some(&first)).err().unwrap().kind(), ErrorKind::Unauthorized, "the server expired it");
    let second = session.access_token().unwrap();
    assert_ne!(second, first);
    assert_ne!(session.refresh_token().unwrap(), first_refresh, "a refresh (not a new sign-in) rotated the refresh token");
    assert_eq!(session.token_info().unwrap()["userId"], user.as_str());
}

#[test]
fn refresh_ahead_of_expiry_within_the_margin() {
    // Access tokens live 4 s; the margin (60 s) is clamped to half the lifetime, so at 2+ s it refreshes early.
    let server = Server::start(&["--access-ttl", "4"]);
    let client = server.client();
    let (_u, _k, session) = new_user(&client, None);
    let first = session.access_token().unwrap();
    sleep(Duration::from_millis(2300));
    let t = raw(&server);
    t.get("/v1/auth/validtoken", Some(&first)).expect("the old token is still valid on the server");
    assert_ne!(session.access_token().unwrap(), first, "but the session already refreshed it");
}

#[test]
fn expired_refresh_token_signs_in_again_with_the_key() {
    let server = Server::start(&["--access-ttl", "1", "--refresh-ttl", "2"]);
    let client = server.client();
    let (user, _k, session) = new_user(&client, None);
    let old_refresh = session.refresh_token().unwrap();
    sleep(Duration::from_millis(2300));
    let t = raw(&server);
    assert_eq!(t.post("/v1/auth/refresh", Some(&old_refresh), None::<&()>).err().unwrap().kind(), ErrorKind::Unauthorized);
    assert_eq!(session.token_info().unwrap()["userId"], user.as_str());
    assert_ne!(session.refresh_token().unwrap(), old_refresh);
}

#[test]
fn expired_chain_without_the_key_is_session_expired() {
    let server = Server::start(&["--access-ttl", "1", "--refresh-ttl", "2"]);
    let client = server.client_with(|c| { c.set_keep_key(false); });
    let (_u, _k, session) = new_user(&client, None);
    sleep(Duration::from_millis(2300));
    assert_eq!(session.access_token().unwrap_err().kind(), ErrorKind::SessionExpired);
    assert_eq!(session.refresh().unwrap_err().kind(), ErrorKind::SessionExpired);
}

#[test]
fn the_session_cap_ends_the_refresh_chain() {
    let server = Server::start(&["--access-ttl", "60", "--refresh-ttl", "60", "--session-ttl", "3"]);
    let keeps = server.client();
    let forgets = server.client_with(|c| { c.set_keep_key(false); });
    let (user, key, with_key) = new_user(&keeps, None);
    let without_key = forgets.login(&user, &key).unwrap();
    with_key.refresh().unwrap();
    without_key.refresh().unwrap();
    let (access_exp, refresh_exp) = with_key.expiries_ms().unwrap();
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!(refresh_exp <= now_ms + 3_500 && access_exp <= now_ms + 3_500, "tokens never outlive the session");
    let stale = without_key.refresh_token().unwrap();
    sleep(Duration::from_millis(3300));
    assert_eq!(raw(&server).post("/v1/auth/refresh", Some(&stale), None::<&()>).err().unwrap().kind(), ErrorKind::Unauthorized);
    let e = without_key.refresh().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unauthorized | ErrorKind::SessionExpired), "{e}");
    with_key.refresh().expect("a session holding the key starts a new chain");
    assert_eq!(with_key.token_info().unwrap()["userId"], user.as_str());
}

#[test]
fn concurrent_callers_share_one_refresh() {
    let server = Server::start(&["--access-ttl", "2"]);
    let client = server.client();
    let (_u, _k, session) = new_user(&client, None);
    let before = session.access_token().unwrap();
    sleep(Duration::from_millis(1200)); // past the clamped margin (1 s): every caller finds it due
    let threads = 16;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (s, b) = (session.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait();
                s.access_token().map(|t| t.to_string())
            })
        })
        .collect();
    let tokens: Vec<String> = handles.into_iter().map(|h| h.join().unwrap().unwrap()).collect();
    // The token is due but still valid: a caller that finds the refresh in flight gets the current token at
    // once instead of waiting, so each caller holds either the old token or the one refreshed token.
    let after = session.access_token().unwrap().to_string();
    assert_ne!(after, *before, "the refresh happened");
    assert!(tokens.iter().all(|t| *t == after || *t == *before), "one refresh served every thread");
    // Had two refreshes raced, the rotated-out refresh token would have failed one of them; check it still works.
    session.refresh().unwrap();
}

#[test]
fn many_threads_use_one_session_at_once() {
    let server = Server::start(&["--access-ttl", "1"]);
    let client = server.client();
    let (user, _k, session) = new_user(&client, None);
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let s = session.clone();
            let user = user.clone();
            std::thread::spawn(move || {
                for j in 0..10 {
                    match (i + j) % 3 {
                        0 => assert_eq!(s.token_info().unwrap()["userId"], user.as_str()),
                        1 => s.refresh().unwrap(),
                        _ => assert!(!s.access_token().unwrap().is_empty()),
                    }
                    sleep(Duration::from_millis(30));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn a_failed_refresh_keeps_tokens_that_are_still_valid() {
    let mut server = Server::start(&["--access-ttl", "4"]);
    let client = server.client();
    let (_u, _k, session) = new_user(&client, None);
    let token = session.access_token().unwrap();
    let refresh = session.refresh_token().unwrap();
    sleep(Duration::from_millis(2300)); // due for refresh (margin clamped to 2 s), not yet expired
    server.stop();
    assert_eq!(session.access_token().unwrap(), token, "the refresh failed, the still-valid token is handed out");
    assert_eq!(session.refresh().unwrap_err().kind(), ErrorKind::Network);
    assert_eq!(session.refresh_token().unwrap(), refresh, "nothing was lost");
    sleep(Duration::from_millis(2000)); // now past expiry
    assert_eq!(session.access_token().unwrap_err().kind(), ErrorKind::Network, "an expired token is never handed out");
}
