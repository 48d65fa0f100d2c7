//! Transport rules: https required, certificate trust, and what a misbehaving server cannot do to a client
//! (redirect it, flood it, stall it, confuse it).

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::{cancelled_after, new_user, unique_user, Server};
use sxt_auth_core::{Client, ClientConfig, ErrorKind, PrivateKey};

#[test]
fn https_with_the_servers_ca_works_end_to_end() {
    let server = Server::start_tls(&[]);
    assert!(server.base_url.starts_with("https://"));
    let client = server.client();
    let (user, _k, session) = new_user(&client, None);
    assert!(client.user_exists(&user).unwrap());
    assert_eq!(session.token_info().unwrap()["userId"], user.as_str());
    session.logout().unwrap();
}

#[test]
fn untrusted_certificate_is_refused() {
    let server = Server::start_tls(&[]);
    let client = Client::new(&server.base_url).unwrap();
    let e = client.user_exists("anyone").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
}

#[test]
fn plain_http_is_refused_unless_allowed() {
    let server = Server::start(&[]);
    let e = Client::new(&server.base_url).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InsecureUrl);
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true);
    assert!(!Client::with_config(&server.base_url, &config).unwrap().user_exists("nobody").unwrap());
}

#[test]
fn pasted_url_forms_reach_the_same_server() {
    let server = Server::start(&[]);
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true);
    let (user, _k, _s) = new_user(&server.client(), None);
    for suffix in ["", "/", "/v1", "/v1/"] {
        let client = Client::with_config(&format!("{}{suffix}", server.base_url), &config).unwrap();
        assert!(client.user_exists(&user).unwrap(), "{suffix}");
    }
}

#[test]
fn connection_refused_is_a_network_error() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = client_for(port, Duration::from_secs(5));
    assert_eq!(client.user_exists("x").unwrap_err().kind(), ErrorKind::Network);
}

/// A one-shot loopback server that answers every connection with `reply` (after `delay`).
fn misbehaving(reply: Vec<u8>, delay: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut s) = stream else { continue };
            let reply = reply.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                let _ = s.write_all(&reply);
                std::thread::sleep(Duration::from_millis(200));
            });
        }
    });
    port
}

fn client_for(port: u16, timeout: Duration) -> Client {
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true);
    config.transport_mut().set_call_timeout(timeout).unwrap().set_read_timeout(timeout).unwrap();
    Client::with_config(&format!("http://127.0.0.1:{port}"), &config).unwrap()
}

fn response(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n", body.len()).into_bytes();
    r.extend_from_slice(body);
    r
}

#[test]
fn redirects_are_not_followed() {
    let port = misbehaving(response("302 Found", "location: http://127.0.0.1:9/steal\r\n", b""), Duration::ZERO);
    let e = client_for(port, Duration::from_secs(5)).user_exists("x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Redirect, "{e}");
}

#[test]
fn oversized_replies_are_refused() {
    let big = vec![b' '; 1024 * 1024];
    let port = misbehaving(response("200 OK", "content-type: application/json\r\n", &big), Duration::ZERO);
    let e = client_for(port, Duration::from_secs(5)).user_exists("x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{e}");
}

#[test]
fn a_gzip_bomb_is_never_decompressed() {
    // No compression is asked for and none is decoded: a gzip body (here the start of one that would inflate
    // to gigabytes) is just bytes that are not JSON.
    let mut gz = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xff];
    gz.extend(std::iter::repeat_n(0xedu8, 4096));
    let port = misbehaving(response("200 OK", "content-type: application/json\r\ncontent-encoding: gzip\r\n", &gz), Duration::ZERO);
    let e = client_for(port, Duration::from_secs(5)).user_exists("x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MalformedResponse, "{e}");
}

#[test]
fn a_stalled_server_times_out() {
    let port = misbehaving(response("200 OK", "", b"true"), Duration::from_secs(5));
    let start = Instant::now();
    let e = client_for(port, Duration::from_millis(500)).user_exists("x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn replies_that_break_the_protocol_are_malformed_not_crashes() {
    for body in [&b"\"true\""[..], b"yes", b"{}", b"", b"\xff\xfe"] {
        let port = misbehaving(response("200 OK", "content-type: application/json\r\n", body), Duration::ZERO);
        let e = client_for(port, Duration::from_secs(5)).user_exists("x").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MalformedResponse, "{body:?}: {e}");
    }
    for body in [&br#"{"authCode":""}"#[..], br#"{"authCode":5}"#, b"[]", b"<html>"] {
        let port = misbehaving(response("200 OK", "", body), Duration::ZERO);
        let e = client_for(port, Duration::from_secs(5)).register(&unique_user("m"), &PrivateKey::generate(), None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MalformedResponse, "{body:?}: {e}");
    }
    let port = misbehaving(b"this is not http\r\n\r\n".to_vec(), Duration::ZERO);
    let e = client_for(port, Duration::from_secs(5)).user_exists("x").unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::MalformedResponse | ErrorKind::Network), "{e}");
}

#[test]
fn server_errors_carry_status_title_and_detail_but_not_secrets() {
    let problem = br#"{"type":"about:blank","title":"Internal Server Error","detail":"database down","status":503}"#;
    let port = misbehaving(response("503 Service Unavailable", "content-type: application/problem+json\r\n", problem), Duration::ZERO);
    let key = PrivateKey::generate();
    let e = client_for(port, Duration::from_secs(5)).register(&unique_user("e"), &key, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerError);
    assert_eq!(e.http_status(), 503);
    assert_eq!(e.title(), Some("Internal Server Error"));
    assert_eq!(e.detail(), Some("database down"));
    assert!(!e.to_string().contains(key.to_base64().as_str()));
}

/// Records the raw bytes of the first request on a connection and answers `reply`.
fn recording(reply: Vec<u8>) -> (u16, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Some(Ok(mut s)) = listener.incoming().next() {
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&seen);
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let length = text[..head_end]
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                        .unwrap_or(0);
                    if seen.len() >= head_end + 4 + length {
                        break;
                    }
                }
            }
            let _ = s.write_all(&reply);
            let _ = tx.send(String::from_utf8_lossy(&seen).into_owned());
        }
    });
    (port, rx)
}

#[test]
fn requests_carry_the_protocol_headers_and_body() {
    let (port, seen) = recording(response("200 OK", "content-type: application/json\r\n", br#"{"authCode":"abc"}"#));
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true);
    config.transport_mut().set_user_agent("my-app/2.0").unwrap();
    let client = Client::with_config(&format!("http://127.0.0.1:{port}/v1/"), &config).unwrap();
    let _ = client.register("alice", &PrivateKey::generate(), Some("ORG"));
    let request = seen.recv_timeout(Duration::from_secs(5)).unwrap();
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("post /v1/auth/code http/1.1\r\n"), "{head}");
    assert!(head.contains("\r\naccept: application/json"), "{head}");
    assert!(head.contains("\r\ncontent-type: application/json"), "{head}");
    assert!(head.contains("\r\nuser-agent: my-app/2.0"), "{head}");
    assert!(!head.contains("authorization"), "{head}");
    assert!(!head.contains("accept-encoding"), "no compression is asked for: {head}");
    assert_eq!(body, r#"{"userId":"alice","joinCode":"ORG"}"#);

    let (port, seen) = recording(response("200 OK", "", b"false"));
    let default_ua = client_for(port, Duration::from_secs(5));
    assert!(!default_ua.user_exists("bob").unwrap());
    let head = seen.recv_timeout(Duration::from_secs(5)).unwrap().to_ascii_lowercase();
    assert!(head.starts_with("get /v1/auth/idexists/bob http/1.1\r\n"), "{head}");
    assert!(head.contains(&format!("\r\nuser-agent: sxt-auth/{}", sxt_auth_core::VERSION)), "{head}");
}

/// A keep-alive server: each connection gets one answer to `idexists` (`false`), then `after` happens to it.
fn keep_alive_server(close_after_reply: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5\r\n\r\nfalse");
                if close_after_reply {
                    // The server side closes the idle connection (as a load balancer does).
                    std::thread::sleep(Duration::from_millis(100));
                    return;
                }
                // Silently dropped: whatever comes next is swallowed and never answered.
                let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
                while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
            });
        }
    });
    port
}

#[test]
fn a_pooled_connection_the_server_closed_is_not_reused() {
    let port = keep_alive_server(true);
    let client = client_for(port, Duration::from_secs(5));
    assert!(!client.user_exists("a").unwrap());
    std::thread::sleep(Duration::from_millis(400));
    let started = Instant::now();
    assert!(!client.user_exists("b").unwrap(), "the second request went out on a new connection");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_silently_dropped_connection_is_not_reused_past_its_idle_age() {
    let port = keep_alive_server(false);
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true);
    config.transport_mut().set_read_timeout(Duration::from_secs(5)).unwrap().set_max_idle_age(Duration::from_millis(300)).unwrap();
    let client = Client::with_config(&format!("http://127.0.0.1:{port}"), &config).unwrap();
    assert!(!client.user_exists("a").unwrap());
    std::thread::sleep(Duration::from_millis(600));
    let started = Instant::now();
    assert!(!client.user_exists("b").unwrap(), "a connection idle past its age is not used");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}: the dead connection was reused", started.elapsed());
    // Within its idle age the connection would have been reused (and the request swallowed): the age is what
    // protects the caller.
    assert_eq!(config.transport().max_idle_age(), Duration::from_millis(300));
}

#[test]
fn proxies_named_in_the_environment_are_not_used() {
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
        std::env::set_var(name, &proxy_url);
    }
    let server = Server::start(&[]);
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true);
    let client = Client::with_config(&server.base_url.replace("127.0.0.1", "localhost"), &config).unwrap();
    assert!(!client.user_exists("nobody").unwrap());
    assert!(proxy.accept().is_err(), "the request went through the environment's proxy");
}

/// A JSON reply whose head (status line, headers and the blank line) is `MAX_REPLY_HEADER_BYTES + over` bytes
/// long, made so by one filler header.
fn reply_with_head_of_limit_plus(over: usize, body: &str) -> Vec<u8> {
    let head = |filler: usize| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nx-filler: {}\r\n\r\n",
            body.len(),
            "f".repeat(filler)
        )
    };
    let filler = sxt_auth_core::http::MAX_REPLY_HEADER_BYTES + over - head(0).len();
    let reply = head(filler) + body;
    assert_eq!(reply.len() - body.len(), sxt_auth_core::http::MAX_REPLY_HEADER_BYTES + over);
    reply.into_bytes()
}

#[test]
fn the_largest_tokens_and_reply_heads_go_through_and_one_byte_more_does_not() {
    use common::scripted::{json, token_set, Action, Scripted};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use sxt_auth_core::wire::MAX_TOKEN_LEN;
    // Tokens of the largest length accepted, so a refresh sends an 8 KB bearer header; every reply's head is
    // as long as the limit allows, then one byte longer.
    let (access, refresh) = ("a".repeat(MAX_TOKEN_LEN), "r".repeat(MAX_TOKEN_LEN));
    let over = Arc::new(AtomicUsize::new(0));
    let (a, r, over_in_script) = (access.clone(), refresh.clone(), Arc::clone(&over));
    let server = Scripted::start(move |req| {
        let reply = |body: &str| Action::Raw(reply_with_head_of_limit_plus(over_in_script.load(Ordering::SeqCst), body));
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", p) if p.starts_with("/v1/auth/idexists/") => reply("true"),
            ("POST", "/v1/auth/code") => reply(r#"{"authCode":"469867d9660b67f8aa12b2"}"#),
            ("POST", "/v1/auth/token") => reply(&token_set(&a, &r, 3_600_000, 7_200_000)),
            ("POST", "/v1/auth/refresh") => {
                let bearer = req.header("authorization").unwrap_or_default();
                assert_eq!(bearer.len(), "Bearer ".len() + MAX_TOKEN_LEN, "the whole refresh token was sent");
                reply(&token_set(&a, &r, 3_600_000, 7_200_000))
            }
            _ => json("404 Not Found", "", "{}"),
        }
    });
    let client = common::scripted_client(&server.base_url, Duration::from_secs(10), false);
    let session = client.login("alice", &PrivateKey::generate()).expect("reply heads as long as the limit");
    assert_eq!(session.access_token().unwrap().as_str(), access);
    session.refresh().expect("a refresh with an 8 KB bearer token");
    assert_eq!(server.hits("/v1/auth/refresh"), 1);
    over.store(1, Ordering::SeqCst);
    let e = session.refresh().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "a reply head one byte over the limit is refused: {e}");
    assert_eq!(server.hits("/v1/auth/refresh"), 2);
}

/// An https client for a loopback port whose listener speaks no TLS, with a short connect timeout.
fn https_client_for(port: u16, connect_timeout: Duration) -> Client {
    let mut config = ClientConfig::default();
    config.transport_mut().set_connect_timeout(connect_timeout).unwrap();
    config.transport_mut().set_call_timeout(Duration::from_secs(10)).unwrap();
    Client::with_config(&format!("https://127.0.0.1:{port}"), &config).unwrap()
}

#[test]
fn a_tls_handshake_that_never_comes_ends_by_the_connect_timeout() {
    // Accepts the connection, reads the ClientHello, and says nothing for 5 s.
    let port = misbehaving(Vec::new(), Duration::from_secs(5));
    let start = Instant::now();
    let e = https_client_for(port, Duration::from_millis(400)).user_exists("x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(400) && took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_server_that_answers_the_client_hello_with_plain_http_is_a_tls_error() {
    let port = misbehaving(response("400 Bad Request", "", b"speak http"), Duration::ZERO);
    let e = https_client_for(port, Duration::from_secs(2)).user_exists("x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
}

#[test]
fn a_tls_handshake_is_cancelled_at_once() {
    let port = misbehaving(Vec::new(), Duration::from_secs(5));
    let client = https_client_for(port, Duration::from_secs(4));
    let (result, took) = cancelled_after(Duration::from_millis(200), || client.user_exists("x"));
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

/// A listener whose accept queue is full (a backlog of 0 holds one connection, and one is made): the kernel
/// drops every new SYN, so a connect to it waits until its caller gives up.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn listener_that_completes_no_connect() -> (TcpListener, std::net::TcpStream) {
    use std::os::fd::AsRawFd;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    // SAFETY: listen(2) again on our own listening socket, to shrink its backlog.
    assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
    let filler = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    (listener, filler)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_connect_that_never_completes_ends_by_the_connect_timeout() {
    let (listener, _filler) = listener_that_completes_no_connect();
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true).set_connect_timeout(Duration::from_millis(500)).unwrap();
    let client = Client::with_config(&format!("http://{}", listener.local_addr().unwrap()), &config).unwrap();
    let start = Instant::now();
    let e = client.user_exists("x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(450) && took < Duration::from_secs(4), "{took:?}");
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_connect_under_way_is_cancelled_at_once() {
    let (listener, _filler) = listener_that_completes_no_connect();
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true).set_connect_timeout(Duration::from_secs(10)).unwrap();
    let client = Client::with_config(&format!("http://{}", listener.local_addr().unwrap()), &config).unwrap();
    let (result, took) = cancelled_after(Duration::from_millis(300), || client.user_exists("x"));
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(took >= Duration::from_millis(250) && took < Duration::from_secs(3), "woken at once, not at the connect timeout: {took:?}");
}

#[test]
fn a_call_cancelled_while_it_reads_a_reply_body_ends_at_once() {
    // The reply's head and the first bytes of its body, then nothing for 10 s.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"auth");
            std::thread::sleep(Duration::from_secs(10));
        }
    });
    let client = client_for(port, Duration::from_secs(8));
    let (result, took) = cancelled_after(Duration::from_millis(300), || client.user_exists("x"));
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e}");
    assert!(took < Duration::from_secs(3), "no retrying until the timeout: {took:?}");
}
