//! No thread per request: an IP literal is never resolved, and a host name only when a new connection is
//! made. Alone in its own test binary, so no other test's threads are counted.

mod common;

use common::Server;
use sxt_auth_core::{Client, ClientConfig};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

/// The thread id a new thread gets now. Linux hands out ids in sequence, so the difference between two probes
/// counts the threads (and processes) created in between, including ones that have already exited.
fn next_tid() -> i64 {
    std::thread::spawn(|| {
        let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
        link.to_string_lossy().rsplit('/').next().unwrap().parse::<i64>().unwrap()
    })
    .join()
    .unwrap()
}

fn client(base_url: &str) -> Client {
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true);
    Client::with_config(base_url, &config).unwrap()
}

/// Makes 100 requests; returns the thread count before and the most seen right after any of them, and how
/// many thread ids were handed out meanwhile (threads that already exited included).
fn hundred_requests(c: &Client) -> (usize, usize, i64) {
    assert!(!c.user_exists("warm-up").unwrap());
    let before = threads();
    let first = next_tid();
    let mut most = before;
    for i in 0..100 {
        assert!(!c.user_exists(&format!("nobody{i}")).unwrap());
        most = most.max(threads());
    }
    (before, most, next_tid() - first - 1)
}

#[test]
fn requests_create_no_threads() {
    if !std::path::Path::new("/proc/self/task").exists() {
        panic!("/proc/self/task is needed to count threads");
    }
    let server = Server::start(&[]);
    // An IP literal: never resolved.
    let (before, most, created) = hundred_requests(&client(&server.base_url));
    assert_eq!(most, before, "threads grew from {before} to {most} over 100 requests to an IP literal");
    // Other processes on the machine take ids too: allow some, far fewer than one per request.
    assert!(created < 50, "{created} thread ids handed out during 100 requests to an IP literal");
    // A host name on a pooled connection: resolved once, when the connection was made (during the warm-up).
    let by_name = server.base_url.replace("127.0.0.1", "localhost");
    let (before, most, created) = hundred_requests(&client(&by_name));
    assert_eq!(most, before, "threads grew from {before} to {most} over 100 requests on a pooled connection");
    assert!(created < 50, "{created} thread ids handed out during 100 requests on a pooled connection");
}
