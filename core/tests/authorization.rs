//! The access token where requests are made: `Session::authorization` (the header value) and
//! `Session::token_rejected` (a 401 before expiry renews once, however many callers report the same token),
//! against the local server, with a token it has revoked (a logout from another session of the same user).

mod common;

use std::sync::{Arc, Barrier};

use common::{new_user, Server};
use sxt_auth_core::http::Transport;
use sxt_auth_core::TransportConfig;

/// `GET /v1/auth/validtoken` with `authorization` as the header value, through a transport of our own (an
/// application's request to an SxT API): the HTTP status.
fn validtoken_status(server: &Server, authorization: &str) -> u16 {
    let mut config = TransportConfig::default();
    config.set_allow_http(true);
    let t = Transport::new(&server.base_url, &config).unwrap();
    let token = authorization.strip_prefix("Bearer ").expect("a Bearer value");
    match t.get("/v1/auth/validtoken", Some(token)) {
        Ok(_) => 200,
        Err(e) => e.http_status(),
    }
}

#[test]
fn authorization_is_a_bearer_value_the_server_accepts() {
    let server = Server::start(&[]);
    let (_, _, session) = new_user(&server.client(), None);
    let value = session.authorization().unwrap();
    assert_eq!(value.as_str(), format!("Bearer {}", session.access_token().unwrap().as_str()));
    assert_eq!(validtoken_status(&server, &value), 200);
}

#[test]
fn a_revoked_token_renews_once_and_the_retry_works() {
    let server = Server::start(&[]);
    let client = server.client();
    let (user, key, session) = new_user(&client, None);
    let other = client.login(&user, &key).unwrap();
    let before = session.authorization().unwrap();
    // A logout elsewhere revokes every token of the user, before its expiry.
    other.logout().unwrap();
    assert_eq!(validtoken_status(&server, &before), 401);

    // Eight threads report the same refused token at once: one renewal (the refresh is refused, so one new
    // sign-in with the kept key).
    let session = Arc::new(session);
    let rejected = before.strip_prefix("Bearer ").unwrap().to_string();
    let sign_ins = server.log_count("POST /v1/auth/token -> 200");
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (session, rejected, barrier) = (Arc::clone(&session), rejected.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                session.token_rejected(&rejected)
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap().expect("the renewal");
    }
    assert_eq!(server.log_count("POST /v1/auth/token -> 200"), sign_ins + 1, "one renewal for eight reports");
    let after = session.authorization().unwrap();
    assert_ne!(after, before);
    assert_eq!(validtoken_status(&server, &after), 200, "the retry works");

    // A token the session no longer holds renews nothing.
    let refreshes = server.log_count("POST /v1/auth/refresh");
    session.token_rejected(&rejected).unwrap();
    session.token_rejected("not-a-token-of-this-session").unwrap();
    assert_eq!(server.log_count("POST /v1/auth/refresh"), refreshes);
    assert_eq!(session.authorization().unwrap(), after);
}
