//! One call's own deadline and cancellation (`sxt_auth_core::call`), against scripted loopback servers that
//! stall: a cancellation from another thread wakes a blocked read at once, a deadline ends a call before the
//! transport's timeouts would, and a session's renewal cut short keeps its tokens and blocks no other caller.
//! Time bounds here are generous ones that catch a hang, not measures of speed.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::scripted::{json, sign_in_reply, token_set, Action, Scripted};
use common::{cancel_later, scripted_client};
use sxt_auth_core::call::{within, CallOptions, Cancel};
use sxt_auth_core::{ErrorKind, PrivateKey};

const STALL: Duration = Duration::from_secs(20);
const TRANSPORT_TIMEOUT: Duration = Duration::from_secs(15);


#[test]
fn a_cancel_from_another_thread_wakes_a_blocked_read() {
    let server = Scripted::start(|_| Action::Stall(STALL));
    let client = scripted_client(&server.base_url, TRANSPORT_TIMEOUT, true);
    let cancel = Cancel::new();
    let canceller = cancel_later(&cancel, Duration::from_millis(200));
    let started = Instant::now();
    let e = within(&CallOptions::new().with_cancel(cancel.clone()), || client.user_exists("alice")).unwrap_err();
    canceller.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert_eq!(e.message(), "the call was cancelled");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!(server.hits("/v1/auth/idexists/alice"), 1, "the request was in flight");

    // A call started with a triggered cancellation sends nothing.
    let e = within(&CallOptions::new().with_cancel(cancel), || client.user_exists("alice")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert_eq!(server.hits("/v1/auth/idexists/alice"), 1);
}

#[test]
fn a_deadline_ends_a_call_before_the_transport_timeouts() {
    let server = Scripted::start(|_| Action::Stall(STALL));
    let client = scripted_client(&server.base_url, TRANSPORT_TIMEOUT, true);
    let started = Instant::now();
    let options = CallOptions::new().with_deadline(Instant::now() + Duration::from_millis(300));
    let e = within(&options, || client.login("alice", &PrivateKey::generate())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(e.message(), "the call's deadline passed");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    // A call whose deadline has passed sends nothing.
    let hits = server.hits("/v1/auth/idexists/alice");
    let e = within(&options, || client.user_exists("alice")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(server.hits("/v1/auth/idexists/alice"), hits);
}

#[test]
fn a_cancelled_sign_in_leaves_the_client_usable() {
    // The first challenge stalls; everything after it works.
    let codes = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&codes);
    let server = Scripted::start(move |req| {
        if req.path == "/v1/auth/code" && n.fetch_add(1, Ordering::SeqCst) == 0 {
            return Action::Stall(STALL);
        }
        sign_in_reply(req, || token_set("access-1", "refresh-1", 600_000, 1_200_000)).unwrap_or(Action::Stall(STALL))
    });
    let client = scripted_client(&server.base_url, TRANSPORT_TIMEOUT, true);
    let key = PrivateKey::generate();
    let cancel = Cancel::new();
    let canceller = cancel_later(&cancel, Duration::from_millis(200));
    let e = within(&CallOptions::new().with_cancel(cancel), || client.login("alice", &key)).unwrap_err();
    canceller.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    let session = client.login("alice", &key).expect("the next sign-in works");
    assert_eq!(session.access_token().unwrap().as_str(), "access-1");
}

#[test]
fn a_renewal_cut_short_keeps_the_tokens_and_another_caller_renews_by_itself() {
    // The first refresh stalls; the second answers.
    let refreshes = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&refreshes);
    let server = Scripted::start(move |req| {
        if req.path == "/v1/auth/refresh" {
            return match n.fetch_add(1, Ordering::SeqCst) {
                0 => Action::Stall(STALL),
                _ => json("200 OK", "", &token_set("access-2", "refresh-2", 600_000, 1_200_000)),
            };
        }
        sign_in_reply(req, || token_set("access-1", "refresh-1", 600_000, 1_200_000)).unwrap_or(Action::Stall(STALL))
    });
    let client = scripted_client(&server.base_url, TRANSPORT_TIMEOUT, true);
    let session = Arc::new(client.login("alice", &PrivateKey::generate()).unwrap());

    let cancel = Cancel::new();
    let leader = {
        let (session, cancel) = (Arc::clone(&session), cancel.clone());
        std::thread::spawn(move || within(&CallOptions::new().with_cancel(cancel), || session.refresh()))
    };
    while server.hits("/v1/auth/refresh") == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    // Another caller asks for a refresh while the first is in flight: it waits for that one...
    let follower = {
        let session = Arc::clone(&session);
        std::thread::spawn(move || session.refresh())
    };
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    cancel.cancel();
    let e = leader.join().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5), "the cancel took {:?}", started.elapsed());
    // ... and, the first cut short by its own caller, renews by itself rather than sharing the cancellation.
    follower.join().unwrap().expect("the follower's own renewal");
    assert_eq!(server.hits("/v1/auth/refresh"), 2);
    assert_eq!(session.refresh_token().unwrap().as_str(), "refresh-2");

    // A cancelled renewal of a valid token: the token is kept, and no back-off follows.
    let session = Arc::new(client.login("alice", &PrivateKey::generate()).unwrap());
    let cancel = Cancel::new();
    cancel.cancel();
    let e = within(&CallOptions::new().with_cancel(cancel), || session.refresh()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert_eq!(session.refresh_token().unwrap().as_str(), "refresh-1", "the tokens are as they were");
    session.refresh().expect("no back-off after a cancelled renewal");
    assert_eq!(session.refresh_token().unwrap().as_str(), "refresh-2");
}
