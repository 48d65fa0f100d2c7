//! Single flight for failures as well as successes, and the back-off after a failed renewal, against scripted
//! loopback servers whose `auth/refresh` stalls, fails or answers slowly, counting what reaches them.

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::scripted::{json, sign_in_reply, token_set, Action, Scripted};
use common::scripted_client;
use sxt_auth_core::{ErrorKind, PrivateKey, Session};

const REFRESH: &str = "/v1/auth/refresh";

/// Runs `f` on `n` threads released together; returns each thread's result and how long it took.
fn together<T: Send + 'static>(n: usize, f: impl Fn() -> T + Send + Sync + 'static) -> Vec<(T, Duration)> {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (f, barrier) = (Arc::clone(&f), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let started = Instant::now();
                let out = f();
                (out, started.elapsed())
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

fn sign_in(server: &Scripted, call_timeout: Duration) -> Session {
    let client = scripted_client(&server.base_url, call_timeout, true);
    client.login("alice", &PrivateKey::generate()).expect("sign in")
}

#[test]
fn a_stalled_refresh_is_tried_once_while_the_token_is_valid_and_once_when_it_expired() {
    // Access token: 4 s, due after 2 s (the 60 s margin is clamped to half its life). Refresh never answers.
    let server = Scripted::start(|req| {
        sign_in_reply(req, || token_set("access-1", "refresh-1", 4000, 600_000)).unwrap_or(Action::Stall(Duration::from_secs(20)))
    });
    let session = Arc::new(sign_in(&server, Duration::from_secs(1)));
    std::thread::sleep(Duration::from_millis(2100));

    // Due but valid: one thread tries, the others get the valid token at once, nobody waits for another.
    let s = Arc::clone(&session);
    let results = together(8, move || s.access_token().map(|t| t.to_string()));
    for (token, took) in &results {
        assert_eq!(token.as_deref().ok(), Some("access-1"));
        assert!(*took < Duration::from_secs(3), "a caller waited {took:?}");
    }
    assert_eq!(server.hits(REFRESH), 1, "one refresh for eight callers");

    // Backing off: more calls before the token expires send nothing.
    for _ in 0..20 {
        assert_eq!(session.access_token().unwrap().as_str(), "access-1");
    }
    assert_eq!(server.hits(REFRESH), 1, "no renewal during the back-off");

    // Expired: eight callers, one attempt, all eight get its failure together (not one after another).
    let expires_ms = session.expiries_ms().unwrap().0;
    while common::scripted::now_ms() < expires_ms + 100 {
        std::thread::sleep(Duration::from_millis(50));
    }
    let s = Arc::clone(&session);
    let results = together(8, move || s.access_token().map(|t| t.to_string()));
    for (result, took) in &results {
        assert_eq!(result.as_ref().unwrap_err().kind(), ErrorKind::Timeout, "{result:?}");
        assert!(*took < Duration::from_secs(4), "a caller waited {took:?}: failures were retried in turn");
    }
    assert_eq!(server.hits(REFRESH), 2, "one more refresh for the eight callers of an expired token");

    // And the failure backs off: the next call answers at once with the same error, sending nothing.
    let started = Instant::now();
    assert_eq!(session.access_token().unwrap_err().kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(server.hits(REFRESH), 2);

    // An explicit refresh is the caller's own decision: it is sent.
    assert_eq!(session.refresh().unwrap_err().kind(), ErrorKind::Timeout);
    assert_eq!(server.hits(REFRESH), 3);
}

#[test]
fn sixteen_threads_asking_for_a_due_token_cause_exactly_one_refresh() {
    // The first token is already due (1 s lifetime, margin clamped to 0.5 s); refresh answers after 300 ms
    // with a token that stays fresh.
    let server = Scripted::start(|req| {
        sign_in_reply(req, || token_set("access-1", "refresh-1", 1000, 600_000)).unwrap_or_else(|| {
            std::thread::sleep(Duration::from_millis(300));
            json("200 OK", "", &token_set("access-2", "refresh-2", 600_000, 600_000))
        })
    });
    let session = Arc::new(sign_in(&server, Duration::from_secs(10)));
    std::thread::sleep(Duration::from_millis(1100));
    let s = Arc::clone(&session);
    let results = together(16, move || s.access_token().map(|t| t.to_string()));
    for (token, _) in &results {
        assert_eq!(token.as_deref().ok(), Some("access-2"), "every caller gets the refreshed token");
    }
    assert_eq!(server.hits(REFRESH), 1, "exactly one refresh for sixteen callers");
    assert_eq!(session.access_token().unwrap().as_str(), "access-2");
    assert_eq!(server.hits(REFRESH), 1);
}

#[test]
fn a_refresh_after_a_failure_recovers_when_the_server_does() {
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = Arc::clone(&failing);
    let server = Scripted::start(move |req| {
        sign_in_reply(req, || token_set("access-1", "refresh-1", 600_000, 600_000)).unwrap_or_else(|| {
            if flag.load(std::sync::atomic::Ordering::SeqCst) {
                json("503 Service Unavailable", "", r#"{"title":"down"}"#)
            } else {
                json("200 OK", "", &token_set("access-2", "refresh-2", 600_000, 600_000))
            }
        })
    });
    let session = sign_in(&server, Duration::from_secs(5));
    assert_eq!(session.refresh().unwrap_err().kind(), ErrorKind::ServerError);
    assert_eq!(session.access_token().unwrap().as_str(), "access-1", "the old token is kept");
    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    session.refresh().unwrap();
    assert_eq!(session.access_token().unwrap().as_str(), "access-2");
}
