//! Slow or idle clients cannot hold the server: a body dripped slower than `--request-timeout` gets 408 and the
//! connection is closed; past `--max-connections`, a new connection is answered 503 and closed at once, and
//! others are served again as soon as a slot frees.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sxt-auth-server"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on http://").expect("listening line").to_string();
    Server { child, addr }
}

/// Reads until the server closes the connection (or `limit` passes); returns what came and when it closed.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Option<Duration>) {
    let started = Instant::now();
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while started.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).to_string(), Some(started.elapsed())),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return (String::from_utf8_lossy(&got).to_string(), Some(started.elapsed())),
        }
    }
    (String::from_utf8_lossy(&got).to_string(), None)
}

fn idexists(addr: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /v1/auth/idexists/alice HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
    read_until_closed(&mut s, Duration::from_secs(5)).0
}

#[test]
fn a_dripped_body_gets_408_and_the_connection_is_closed() {
    let server = start(&["--request-timeout", "1"]);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(b"POST /v1/auth/code HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{").unwrap();
    let writer = {
        let mut s = s.try_clone().unwrap();
        std::thread::spawn(move || {
            for _ in 0..30 {
                std::thread::sleep(Duration::from_millis(200));
                if s.write_all(b" ").is_err() {
                    return;
                }
            }
        })
    };
    let (reply, closed) = read_until_closed(&mut s, Duration::from_secs(8));
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply:?}");
    assert!(closed.is_some(), "the connection stayed open");
    drop(writer);
    assert!(idexists(&server.addr).starts_with("HTTP/1.1 200"), "others are served");
}

#[test]
fn connections_over_the_cap_are_refused_at_once_and_served_again_later() {
    let server = start(&["--max-connections", "3"]);
    let idle: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(&server.addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut extra = TcpStream::connect(&server.addr).unwrap();
    let (reply, closed) = read_until_closed(&mut extra, Duration::from_secs(5));
    assert!(reply.starts_with("HTTP/1.1 503"), "{reply:?}");
    assert!(reply.contains("too many open connections"), "{reply:?}");
    assert!(closed.is_some_and(|d| d < Duration::from_secs(3)), "refused at once: {closed:?}");
    drop(idle);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let reply = idexists(&server.addr);
        if reply.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "still refused after the idle connections closed: {reply:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn bad_limit_flags_are_refused() {
    for args in [&["--max-connections", "0"][..], &["--request-timeout", "0"], &["--request-timeout", "4000"], &["--max-connections", "x"]] {
        let status = Command::new(env!("CARGO_BIN_EXE_sxt-auth-server")).args(args).stderr(Stdio::null()).status().unwrap();
        assert_eq!(status.code(), Some(2), "{args:?}");
    }
}

/// A body written after its headers (two writes, apart) is read before the answer, so the kept-alive
/// connection serves the next request. Before, the server answered at once, then closed the connection when
/// the unread body came, and the client's next request on it failed with an unexpected end of file.
#[test]
fn a_body_sent_after_its_headers_keeps_the_connection_alive() {
    let server = start(&[]);
    for (method, path) in [
        ("POST", "/v1/auth/keys/code"),
        ("POST", "/v1/auth/refresh"),
        ("POST", "/v1/auth/logout"),
        ("POST", "/auth/apikey"),
        ("POST", "/v1/subscription/invite?role=MEMBER"),
        ("POST", "/v1/subscription/invite/jc_x"),
        ("GET", "/v1/auth/validtoken"),
        ("GET", "/v1/auth/keys"),
    ] {
        let mut stream = TcpStream::connect(&server.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer nope\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        stream.write_all(b"{}").unwrap();
        let mut first = [0u8; 4096];
        let n = stream.read(&mut first).unwrap();
        assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 401"), "{path}");
        stream.write_all(b"GET /v1/auth/idexists/bob HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
        let mut second = [0u8; 4096];
        let n = stream.read(&mut second).unwrap_or(0);
        assert!(String::from_utf8_lossy(&second[..n]).starts_with("HTTP/1.1 200"), "{path}: the connection was closed");
    }
}
