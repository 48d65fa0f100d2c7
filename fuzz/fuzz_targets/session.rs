//! The session state machine, structure-aware: random sequences of calls (access token, refresh, logout,
//! reads of the current tokens, bursts of concurrent readers, free) on one session, against an in-process
//! scripted server (a loopback listener in this process: `core/tests/common/scripted.rs`, the misbehaving-
//! server tests' own) whose token calls answer with random well-formed and malformed token sets, expiries
//! already past or seconds ahead, and refusals.
//!
//! Invariants checked besides "no panic":
//! - a token handed out is one the server issued and, when its expiry is known, not expired;
//! - while the current access token is valid, `access_token` succeeds (a failed renewal never costs a
//!   caller a valid token), and a failed `refresh` leaves the session's tokens and expiries as they were;
//! - one renewal in flight: the server never sees two token-issuing calls (`auth/refresh`, `auth/token`) at
//!   once from one session, however many threads ask;
//! - after a logout that succeeded, every call fails as logged out.
#![no_main]

#[path = "../../core/tests/common/scripted.rs"]
#[allow(dead_code)]
mod scripted;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use scripted::{json, now_ms, Action, Request, Scripted};
use sxt_auth_core::{Client, ClientConfig, ErrorKind, PrivateKey, Session};

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Expiry {
    /// Epoch ms, 5-20 s ahead.
    Ahead(u8),
    /// Epoch ms, 2-31 s past.
    Past(u8),
    /// A lifetime in seconds, 5-20.
    Seconds(u8),
    /// Any number: what the library makes of it is not checked, only that it copes.
    Raw(i64),
}

#[derive(Arbitrary, Debug, Clone)]
enum Reply {
    Tokens { access: Expiry, refresh: Expiry },
    /// A refusal with this status (400, 401, 403, 404, 429, 500, 503).
    Refusal(u8),
    /// Bytes as the body of a 200.
    Garbage(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Op {
    AccessToken,
    Refresh,
    Logout,
    ReadTokens,
    /// Two to five threads asking for the access token at once.
    Readers(u8),
    Free,
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// What `auth/token`, `auth/refresh` and `auth/logout` answer, in turn (then 503).
    replies: Vec<Reply>,
    ops: Vec<Op>,
}

/// What the server did, shared with the script.
#[derive(Default)]
struct Record {
    replies: VecDeque<Reply>,
    /// Access token -> its expiry in epoch ms (None: not known, a raw expiry), and refresh token -> its pair.
    access_expiry: HashMap<String, Option<i64>>,
    pair_of_refresh: HashMap<String, String>,
    issued: u64,
    in_flight: u32,
    max_in_flight: u32,
}

/// Set while concurrent readers run: token calls then take a millisecond, widening the window in which a
/// second renewal would overlap the first.
static READERS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn record() -> &'static Mutex<Record> {
    static RECORD: OnceLock<Mutex<Record>> = OnceLock::new();
    RECORD.get_or_init(Mutex::default)
}

fn expiry_value(e: Expiry, now: i64) -> (i64, Option<i64>) {
    match e {
        Expiry::Ahead(n) => {
            let at = now + 5_000 + i64::from(n % 16) * 1_000;
            (at, Some(at))
        }
        Expiry::Past(n) => {
            let at = now - 2_000 - i64::from(n % 30) * 1_000;
            (at, Some(at))
        }
        Expiry::Seconds(n) => {
            let s = 5 + i64::from(n % 16);
            (s, Some(now + s * 1_000))
        }
        Expiry::Raw(v) => (v, None),
    }
}

const STATUSES: [&str; 7] = ["400 Bad Request", "401 Unauthorized", "403 Forbidden", "404 Not Found", "429 Too Many Requests", "500 Internal Server Error", "503 Service Unavailable"];

fn problem(status: &str) -> Action {
    json(status, "", r#"{"title":"scripted","detail":"a scripted refusal"}"#)
}

/// The script: the sign-in's first steps always work; token-issuing calls and logout take the next reply.
fn script(req: &Request) -> Action {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", p) if p.starts_with("/v1/auth/idexists/") => return json("200 OK", "", "true"),
        ("POST", "/v1/auth/code") => return json("200 OK", "", r#"{"authCode":"469867d9660b67f8aa12b2"}"#),
        ("POST", "/v1/auth/token" | "/v1/auth/refresh" | "/v1/auth/logout") => {}
        _ => return problem("404 Not Found"),
    }
    let issuing = req.path != "/v1/auth/logout";
    let reply = {
        let mut r = record().lock().unwrap();
        if issuing {
            r.in_flight += 1;
            r.max_in_flight = r.max_in_flight.max(r.in_flight);
        }
        r.replies.pop_front()
    };
    if issuing {
        std::thread::sleep(Duration::from_micros(if READERS.load(std::sync::atomic::Ordering::Relaxed) { 1000 } else { 0 }));
    }
    let action = match reply {
        None => problem("503 Service Unavailable"),
        Some(Reply::Refusal(n)) => problem(STATUSES[n as usize % STATUSES.len()]),
        Some(Reply::Garbage(bytes)) => json("200 OK", "", &String::from_utf8_lossy(&bytes)),
        Some(Reply::Tokens { .. }) if !issuing => json("200 OK", "", "{}"),
        Some(Reply::Tokens { access, refresh }) => {
            let now = now_ms();
            let mut r = record().lock().unwrap();
            r.issued += 1;
            let (access_token, refresh_token) = (format!("access-{}", r.issued), format!("refresh-{}", r.issued));
            let (access_value, access_at) = expiry_value(access, now);
            let (refresh_value, _) = expiry_value(refresh, now);
            r.access_expiry.insert(access_token.clone(), access_at);
            r.pair_of_refresh.insert(refresh_token.clone(), access_token.clone());
            json(
                "200 OK",
                "",
                &format!(
                    r#"{{"accessToken":"{access_token}","refreshToken":"{refresh_token}","accessTokenExpires":{access_value},"refreshTokenExpires":{refresh_value}}}"#
                ),
            )
        }
    };
    if issuing {
        record().lock().unwrap().in_flight -= 1;
    }
    action
}

struct Fixture {
    client: Client,
    key: PrivateKey,
    server: Scripted,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let server = Scripted::start(script);
        let mut config = ClientConfig::default();
        config.transport_mut().set_allow_http(true).set_call_timeout(Duration::from_secs(5)).unwrap();
        let client = Client::with_config(&server.base_url, &config).expect("client");
        Fixture { client, key: PrivateKey::parse("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=").unwrap(), server }
    })
}

/// Checks a token handed out: issued by the server, and not expired when its expiry is known.
fn check_handed_out(token: &str) {
    let r = record().lock().unwrap();
    let expiry = r.access_expiry.get(token).unwrap_or_else(|| panic!("a token the server never issued: {token}"));
    if let Some(at) = expiry {
        assert!(*at > now_ms(), "an expired access token was handed out ({} ms past)", now_ms() - at);
    }
}

/// The session's current access token and its known expiry, from its refresh token (never a network call).
fn current(session: &Session) -> Option<(String, Option<i64>)> {
    let refresh = session.refresh_token().ok()?;
    let r = record().lock().unwrap();
    let access = r.pair_of_refresh.get(refresh.as_str())?.clone();
    let expiry = r.access_expiry[&access];
    Some((access, expiry))
}

fn access_token(session: &Session) {
    let valid_before = matches!(current(session), Some((_, Some(at))) if at > now_ms() + 1_000);
    match session.access_token() {
        Ok(token) => check_handed_out(&token),
        Err(e) => {
            assert!(!valid_before, "access_token failed ({:?}: {}) while the current token was valid", e.kind(), e.message());
        }
    }
}

fuzz_target!(|input: Input| {
    let fx = fixture();
    {
        let mut r = record().lock().unwrap();
        *r = Record::default();
        r.replies = input.replies.iter().take(32).cloned().collect();
    }
    let Ok(session) = fx.client.login("alice", &fx.key) else {
        fx.server.join_connections();
        return;
    };
    let session = Arc::new(session);
    let mut logged_out = false;
    for op in input.ops.iter().take(24) {
        match op {
            Op::AccessToken => access_token(&session),
            Op::Refresh => {
                let before = (session.refresh_token().ok(), session.expiries_ms().ok());
                if session.refresh().is_err() {
                    assert_eq!(before, (session.refresh_token().ok(), session.expiries_ms().ok()), "a failed refresh changed the tokens");
                }
            }
            Op::Logout => {
                if session.logout().is_ok() {
                    logged_out = true;
                }
            }
            Op::ReadTokens => {
                let _ = (session.refresh_token(), session.expiries_ms(), session.user_id());
            }
            Op::Readers(n) => {
                READERS.store(true, std::sync::atomic::Ordering::Relaxed);
                let threads: Vec<_> = (0..2 + n % 4)
                    .map(|_| {
                        let s = Arc::clone(&session);
                        std::thread::spawn(move || access_token(&s))
                    })
                    .collect();
                let joined: Vec<_> = threads.into_iter().map(|t| t.join()).collect();
                READERS.store(false, std::sync::atomic::Ordering::Relaxed);
                for result in joined {
                    if let Err(panic) = result {
                        std::panic::resume_unwind(panic);
                    }
                }
            }
            Op::Free => break,
        }
        if logged_out {
            for result in [session.access_token().map(|_| ()), session.refresh(), session.refresh_token().map(|_| ())] {
                assert_eq!(result.map_err(|e| e.kind()), Err(ErrorKind::LoggedOut));
            }
        }
        assert!(record().lock().unwrap().max_in_flight <= 1, "two renewals were in flight at once");
    }
    drop(session);
    // Every connection of this input served and its thread gone, so the per-input leak check sees no thread
    // half-way through its exit.
    fx.server.join_connections();
});
