//! Load test of `sxt-auth-server` (`make load`; not part of `make test`): CONNECTIONS keep-alive connections
//! held open at once, each signing in again and again (`auth/code`, sign, `auth/token`) until TOTAL sign-ins
//! are done, while the server's resident memory is sampled. Also, before and during the load, slow clients:
//! half-open connections that send nothing, and a body dripped byte by byte, which must not stall the others.
//!
//! Usage: load URL SERVER_PID CONNECTIONS TOTAL
//! Prints `LOAD <tab> name <tab> value` lines: sign-ins, errors, sign-ins per second, p50/p99 latency in ms,
//! the server's RSS (kB) a third of the way in (past the lifetimes: the steady state) and at the end, and
//! whether the dripped body was cut off. Exit status 0 when there was no error and it was.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};

/// One keep-alive connection speaking just enough HTTP/1.1 for the auth endpoints.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn open(addr: &str) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn { stream, buf: Vec::new() })
    }

    /// POSTs `body` to `path`; returns the status and the body.
    fn post(&mut self, path: &str, body: &str) -> std::io::Result<(u16, String)> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nhost: load\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.write_all(request.as_bytes())?;
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_ascii_lowercase();
                let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if self.buf.len() >= end + 4 + length {
                    let body = String::from_utf8_lossy(&self.buf[end + 4..end + 4 + length]).to_string();
                    self.buf.drain(..end + 4 + length);
                    return Ok((status, body));
                }
            }
            let mut chunk = [0u8; 8192];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn field<'a>(json: &'a str, name: &str) -> Option<&'a str> {
    let start = json.find(&format!("\"{name}\":\""))? + name.len() + 4;
    Some(&json[start..start + json[start..].find('"')?])
}

/// One sign-in of `user` with `key` on `conn`.
fn sign_in(conn: &mut Conn, user: &str, key: &SigningKey, public: &str) -> Result<(), String> {
    let (status, body) = conn.post("/v1/auth/code", &format!(r#"{{"userId":"{user}"}}"#)).map_err(|e| e.to_string())?;
    let code = field(&body, "authCode").filter(|_| status == 200).ok_or(format!("auth/code: {status} {body}"))?;
    let signature: String = key.sign(code.as_bytes()).to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let request = format!(
        r#"{{"userId":"{user}","authCode":"{code}","signature":"{signature}","key":"{public}","scheme":"ed25519"}}"#
    );
    let (status, body) = conn.post("/v1/auth/token", &request).map_err(|e| e.to_string())?;
    if status != 200 || field(&body, "accessToken").is_none() {
        return Err(format!("auth/token: {status} {body}"));
    }
    Ok(())
}

fn rss_kb(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .map_or(0, |pages| pages * 4)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, pid, connections, total] = args.as_slice() else {
        eprintln!("usage: load URL SERVER_PID CONNECTIONS TOTAL");
        std::process::exit(2);
    };
    let addr = url.trim_start_matches("http://").to_string();
    let (connections, total): (usize, usize) = (connections.parse().unwrap(), total.parse().unwrap());

    // Slow clients first: half-open connections that never send a byte, and one dripping a body.
    let idle: Vec<TcpStream> = (0..50).filter_map(|_| TcpStream::connect(&addr).ok()).collect();
    let drip_addr = addr.clone();
    let dripper = std::thread::spawn(move || {
        let Ok(mut s) = TcpStream::connect(&drip_addr) else { return false };
        let _ = s.write_all(b"POST /v1/auth/code HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{");
        let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
        let started = Instant::now();
        let mut reply = [0u8; 64];
        while started.elapsed() < Duration::from_secs(60) {
            if s.write_all(b" ").is_err() {
                return true;
            }
            if let Ok(n) = s.read(&mut reply) {
                return n == 0 || reply.starts_with(b"HTTP/1.1 408");
            }
        }
        false
    });

    let done = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let rss_early = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|i| {
            let (addr, done, errors, latencies, rss_early, pid) =
                (addr.clone(), done.clone(), errors.clone(), latencies.clone(), rss_early.clone(), pid.clone());
            std::thread::Builder::new()
                .stack_size(128 * 1024)
                .spawn(move || {
                    let key = SigningKey::from_bytes(&[(i % 251) as u8 + 1; 32]);
                    let public = STANDARD.encode(key.verifying_key().as_bytes());
                    let user = format!("load{i}");
                    let mut conn = match Conn::open(&addr) {
                        Ok(c) => c,
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                    };
                    let mut mine = Vec::new();
                    while done.fetch_add(1, Ordering::Relaxed) < total {
                        let t = Instant::now();
                        match sign_in(&mut conn, &user, &key, &public) {
                            Ok(()) => mine.push(t.elapsed().as_secs_f64() * 1e3),
                            Err(e) => {
                                if errors.fetch_add(1, Ordering::Relaxed) < 5 {
                                    eprintln!("load: {e}");
                                }
                                if let Ok(c) = Conn::open(&addr) {
                                    conn = c;
                                }
                            }
                        }
                        let n = done.load(Ordering::Relaxed);
                        if n >= total / 3 && rss_early.load(Ordering::Relaxed) == 0 {
                            rss_early.store(rss_kb(&pid) as usize, Ordering::Relaxed);
                        }
                    }
                    latencies.lock().unwrap().extend(mine);
                })
                .expect("spawn a load thread")
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut lat = std::mem::take(&mut *latencies.lock().unwrap());
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied().unwrap_or(0.0);
    let errors = errors.load(Ordering::Relaxed);
    let dripped_cut = dripper.join().unwrap_or(false);
    drop(idle);
    println!("LOAD\tconnections\t{connections}");
    println!("LOAD\tsign_ins\t{}", lat.len());
    println!("LOAD\terrors\t{errors}");
    println!("LOAD\tsign_ins_per_second\t{:.0}", lat.len() as f64 / elapsed);
    println!("LOAD\tp50_ms\t{:.1}", pct(0.50));
    println!("LOAD\tp99_ms\t{:.1}", pct(0.99));
    println!("LOAD\tserver_rss_kb_at_a_third\t{}", rss_early.load(Ordering::Relaxed));
    println!("LOAD\tserver_rss_kb_at_the_end\t{}", rss_kb(pid));
    println!("LOAD\tidle_connections_held\t50");
    println!("LOAD\tdripped_body_cut_off\t{dripped_cut}");
    std::process::exit(if errors == 0 && dripped_cut { 0 } else { 1 });
}
