//! What a hostile or broken server cannot make the library do: hand on a token that splits a header, sign an
//! arbitrary message, believe an absurd clock, count a refused logout as done, forge log lines, take a token
//! for another user, or follow a redirect with credentials. Each against a scripted loopback server.

mod common;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::scripted::{json, now_ms, sign_in_reply, token_set, Action, Request, Scripted};
use common::scripted_client;
use sxt_auth_core::http::MAX_REPLY_BYTES;
use sxt_auth_core::{Client, ErrorKind, PrivateKey, Session};

fn client(server: &Scripted) -> Client {
    scripted_client(&server.base_url, Duration::from_secs(5), true)
}

fn login(server: &Scripted) -> sxt_auth_core::Result<Session> {
    client(server).login("alice", &PrivateKey::generate())
}

/// A sign-in that works, with `other` answering everything else.
fn signs_in(token: &'static str, other: impl Fn(&Request) -> Action + Send + Sync + 'static) -> Scripted {
    Scripted::start(move |req| sign_in_reply(req, || token.to_string()).unwrap_or_else(|| other(req)))
}

fn fresh() -> String {
    token_set("access-1", "refresh-1", 600_000, 1_200_000)
}

#[test]
fn a_token_that_could_split_a_header_is_refused() {
    for bad in ["a\\r\\nX-Injected: 1", "a\\u0000b", "a b", ""] {
        let body = format!(r#"{{"accessToken":"{bad}","refreshToken":"r","accessTokenExpires":{},"refreshTokenExpires":{}}}"#, now_ms() + 60_000, now_ms() + 60_000);
        let server = Scripted::start(move |req| sign_in_reply(req, || body.clone()).unwrap_or(Action::Stall(Duration::ZERO)));
        let e = login(&server).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MalformedResponse, "{bad:?}: {e}");
    }
}

#[test]
fn a_refresh_reply_without_a_refresh_token_is_refused_and_the_old_tokens_kept() {
    let replies = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&replies);
    let server = Scripted::start(move |req| {
        sign_in_reply(req, fresh).unwrap_or_else(|| {
            let body = match n.fetch_add(1, Ordering::SeqCst) {
                0 => format!(r#"{{"accessToken":"access-2","accessTokenExpires":{}}}"#, now_ms() + 600_000),
                _ => format!(r#"{{"accessToken":"access-2","refreshToken":"","accessTokenExpires":{0},"refreshTokenExpires":{0}}}"#, now_ms() + 600_000),
            };
            json("200 OK", "", &body)
        })
    });
    let session = login(&server).unwrap();
    for _ in 0..2 {
        assert_eq!(session.refresh().unwrap_err().kind(), ErrorKind::MalformedResponse);
        assert_eq!(session.access_token().unwrap().as_str(), "access-1");
        assert_eq!(session.refresh_token().unwrap().as_str(), "refresh-1");
    }
}

#[test]
fn only_a_printable_bounded_challenge_is_signed() {
    let long = "f".repeat(257);
    for code in ["{\\\"pay\\\":\\\"mallory\\\"}\\n", "caf\\u00e9", long.as_str()] {
        let challenge = format!(r#"{{"authCode":"{code}"}}"#);
        let server = Scripted::start(move |req| match req.path.as_str() {
            "/v1/auth/code" => json("200 OK", "", &challenge),
            p if p.starts_with("/v1/auth/idexists/") => json("200 OK", "", "true"),
            _ => json("200 OK", "", &fresh()),
        });
        let e = login(&server).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MalformedResponse, "{code}: {e}");
        assert_eq!(server.hits("/v1/auth/token"), 0, "nothing was signed and sent");
    }
}

#[test]
fn a_date_of_1970_does_not_make_an_expired_token_look_valid() {
    let expired = || token_set("access-old", "refresh-1", -2000, 600_000);
    let server = Scripted::start(move |req| match sign_in_reply(req, expired) {
        Some(Action::Raw(_)) if req.path == "/v1/auth/token" => {
            json("200 OK", "date: Thu, 01 Jan 1970 00:00:00 GMT\r\n", &expired())
        }
        Some(other) => other,
        None => json("200 OK", "", &token_set("access-new", "refresh-2", 600_000, 600_000)),
    });
    let session = login(&server).unwrap();
    assert_eq!(session.access_token().unwrap().as_str(), "access-new", "the expired token was renewed");
    assert_eq!(server.hits("/v1/auth/refresh"), 1);
}

/// Found by the session fuzz target: a renewal that brought an access token already past its expiry handed
/// that token out. Now the renewal fails (the old tokens stay; renewal backs off) and no expired token is
/// handed out.
#[test]
fn a_renewal_that_brings_an_expired_access_token_fails() {
    let server = Scripted::start(move |req| {
        sign_in_reply(req, || token_set("access-1", "refresh-1", -30_000, -30_000))
            .unwrap_or_else(|| json("200 OK", "", &token_set("access-2", "refresh-2", -25_000, 600_000)))
    });
    let session = login(&server).unwrap();
    // Sign-in took an expired token set (the renewal on first use could have fixed it); its renewal, a new
    // sign-in since the refresh token is past too, brings another expired access token.
    let e = session.access_token().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedResponse, "{e}");
    assert_eq!(server.hits("/v1/auth/token"), 2);
    // Backing off: the next call fails at once, without a request.
    assert_eq!(session.access_token().unwrap_err().kind(), ErrorKind::MalformedResponse);
    assert_eq!(server.hits("/v1/auth/token"), 2);
    assert_eq!(session.refresh_token().unwrap().as_str(), "refresh-1", "the old tokens stay");

    // An explicit refresh of a live chain that brings an expired access token keeps the valid tokens.
    let server = signs_in(
        r#"{"accessToken":"access-1","refreshToken":"refresh-1","accessTokenExpires":1500,"refreshTokenExpires":1800}"#,
        |_| json("200 OK", "", &token_set("access-2", "refresh-2", -25_000, 600_000)),
    );
    let session = login(&server).unwrap();
    assert_eq!(session.refresh().unwrap_err().kind(), ErrorKind::MalformedResponse);
    assert_eq!(session.access_token().unwrap().as_str(), "access-1");
    assert_eq!(server.hits("/v1/auth/refresh"), 1);
}

#[test]
fn relative_expiries_do_not_cause_a_sign_in_on_every_call() {
    let server = signs_in(
        r#"{"accessToken":"access-1","refreshToken":"refresh-1","accessTokenExpires":1500,"refreshTokenExpires":1800}"#,
        |_| json("500 Internal Server Error", "", "{}"),
    );
    let session = login(&server).unwrap();
    for _ in 0..20 {
        assert_eq!(session.access_token().unwrap().as_str(), "access-1");
    }
    assert_eq!((server.hits("/v1/auth/token"), server.hits("/v1/auth/refresh")), (1, 0));
    let (access, _) = session.expiries_ms().unwrap();
    assert!((access - (now_ms() + 1_500_000)).abs() < 10_000, "reported as an epoch time: {access}");
}

#[test]
fn a_403_at_logout_is_not_a_logout() {
    let server = Scripted::start(|req| {
        sign_in_reply(req, fresh).unwrap_or_else(|| json("403 Forbidden", "", r#"{"title":"Forbidden","detail":"no"}"#))
    });
    let session = login(&server).unwrap();
    let e = session.logout().unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Unauthorized, 403), "{e}");
    assert!(!session.is_logged_out(), "the tokens are kept: the server session may live on");
    assert_eq!(session.access_token().unwrap().as_str(), "access-1");
}

#[test]
fn server_text_in_errors_has_no_control_characters() {
    let server = Scripted::start(|_| {
        json("400 Bad Request", "", r#"{"title":"Bad\rRequest","detail":"bad\n2026-12-01 INFO login ok for admin\u001b[2K"}"#)
    });
    let e = client(&server).user_exists("alice").unwrap_err();
    for text in [e.message(), e.title().unwrap(), e.detail().unwrap(), &e.to_string()] {
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
    assert!(e.detail().unwrap().contains("bad\\n2026-12-01 INFO"), "{e}");
}

#[test]
fn dot_segment_user_ids_are_refused_before_any_request() {
    let server = Scripted::start(|_| json("200 OK", "", "true"));
    let c = client(&server);
    for id in [".", ".."] {
        assert_eq!(c.user_exists(id).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(c.login(id, &PrivateKey::generate()).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(c.register(id, &PrivateKey::generate(), None).unwrap_err().kind(), ErrorKind::InvalidArgument);
    }
    assert_eq!(server.hits("/v1/auth/idexists/.."), 0);
    assert_eq!(server.hits("/v1/auth/code"), 0);
}

#[test]
fn token_info_for_another_user_is_an_error() {
    let server = Scripted::start(|req| {
        sign_in_reply(req, fresh).unwrap_or_else(|| json("200 OK", "", r#"{"userId":"mallory","sessionId":"s"}"#))
    });
    let e = login(&server).unwrap().token_info().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedResponse, "{e}");
    let server = Scripted::start(|req| {
        sign_in_reply(req, fresh).unwrap_or_else(|| json("200 OK", "", r#"{"userId":"alice","sessionId":"s"}"#))
    });
    assert_eq!(login(&server).unwrap().token_info().unwrap()["userId"], "alice");
}

#[test]
fn redirects_of_the_token_and_refresh_calls_are_not_followed() {
    // A live listener the redirects point at: it must never see a request (no signature, no token).
    let thief = TcpListener::bind("127.0.0.1:0").unwrap();
    thief.set_nonblocking(true).unwrap();
    let to = format!("http://{}/v1/auth", thief.local_addr().unwrap());
    for status in ["307 Temporary Redirect", "308 Permanent Redirect"] {
        let (to_token, to_refresh) = (format!("location: {to}/token\r\n"), format!("location: {to}/refresh\r\n"));
        let server = Scripted::start(move |req| match req.path.as_str() {
            "/v1/auth/token" => json(status, &to_token, "{}"),
            _ => sign_in_reply(req, fresh).unwrap_or(Action::Stall(Duration::ZERO)),
        });
        assert_eq!(login(&server).unwrap_err().kind(), ErrorKind::Redirect, "{status} at auth/token");
        let refreshing = Scripted::start(move |req| {
            sign_in_reply(req, fresh).unwrap_or_else(|| json(status, &to_refresh, "{}"))
        });
        let session = login(&refreshing).unwrap();
        assert_eq!(session.refresh().unwrap_err().kind(), ErrorKind::Redirect, "{status} at auth/refresh");
    }
    let deadline = Instant::now() + Duration::from_millis(300);
    while Instant::now() < deadline {
        assert!(thief.accept().is_err(), "a redirect was followed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_reply_size_cap_is_exact() {
    let limit = MAX_REPLY_BYTES as usize;
    for (size, fits) in [(limit, true), (limit + 1, false)] {
        let body = format!("true{}", " ".repeat(size - 4));
        let server = Scripted::start(move |_| json("200 OK", "", &body));
        let result = client(&server).user_exists("alice");
        if fits {
            assert!(result.unwrap(), "a reply of exactly {size} bytes is read");
        } else {
            assert_eq!(result.unwrap_err().kind(), ErrorKind::ResponseTooLarge, "{size} bytes");
        }
    }
}
