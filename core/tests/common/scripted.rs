//! A scripted loopback HTTP server for the misbehaving-server tests: every request is answered as a script
//! says (a fabricated reply, a stall, or forwarded to a real `sxt-auth-server`), and every request is counted
//! by path. One request per connection (`connection: close`), so nothing is pooled across replies.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

/// One request as the server saw it.
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What to do with a request.
pub enum Action {
    /// Send these bytes (a whole HTTP response) and close.
    Raw(Vec<u8>),
    /// Hold the connection open without answering for this long, then close.
    Stall(Duration),
    /// Forward to the real server at this `host:port` and relay its answer.
    Forward(String),
}

/// A JSON reply with the given status line (`"200 OK"`) and extra header lines (each ending in `\r\n`).
pub fn json(status: &str, extra_headers: &str, body: &str) -> Action {
    Action::Raw(
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra_headers}\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// Now, Unix epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A token set whose access token expires `access_ms` from now and refresh token `refresh_ms` from now.
pub fn token_set(access: &str, refresh: &str, access_ms: i64, refresh_ms: i64) -> String {
    let now = now_ms();
    format!(
        r#"{{"accessToken":"{access}","refreshToken":"{refresh}","accessTokenExpires":{},"refreshTokenExpires":{}}}"#,
        now + access_ms,
        now + refresh_ms
    )
}

/// The replies of a sign-in that always works: `idexists` true, a fixed challenge, and `token` for
/// `auth/token`; None for any other path.
pub fn sign_in_reply(req: &Request, token: impl FnOnce() -> String) -> Option<Action> {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", p) if p.starts_with("/v1/auth/idexists/") => Some(json("200 OK", "", "true")),
        ("POST", "/v1/auth/code") => Some(json("200 OK", "", r#"{"authCode":"469867d9660b67f8aa12b2"}"#)),
        ("POST", "/v1/auth/token") => Some(json("200 OK", "", &token())),
        _ => None,
    }
}

type Script = dyn Fn(&Request) -> Action + Send + Sync;

/// The server. It lives until the test process ends.
pub struct Scripted {
    pub base_url: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    /// The threads serving connections, one per connection, until [`Scripted::join_connections`] joins them.
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Scripted {
    pub fn start(script: impl Fn(&Request) -> Action + Send + Sync + 'static) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let (counted, threads) = (Arc::clone(&hits), Arc::clone(&connections));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (script, hits) = (Arc::clone(&script), Arc::clone(&counted));
                let thread = std::thread::spawn(move || serve(stream, &*script, &hits));
                threads.lock().unwrap().push(thread);
            }
        });
        Scripted { base_url, hits, connections }
    }

    /// Waits until every connection accepted so far has been served and its thread has exited (for a leak
    /// check that must not catch a thread half-way through its exit).
    pub fn join_connections(&self) {
        let threads: Vec<JoinHandle<()>> = std::mem::take(&mut *self.connections.lock().unwrap());
        for t in threads {
            let _ = t.join();
        }
    }

    /// How many requests reached `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

fn serve(mut stream: TcpStream, script: &Script, hits: &Mutex<HashMap<String, usize>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((head, request)) = read_request(&mut stream) else { return };
    *hits.lock().unwrap().entry(request.path.clone()).or_default() += 1;
    match script(&request) {
        Action::Raw(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Action::Stall(d) => std::thread::sleep(d),
        Action::Forward(upstream) => {
            let Ok(mut up) = TcpStream::connect(&upstream) else { return };
            let head: String = head
                .lines()
                .filter(|l| !l.to_ascii_lowercase().starts_with("connection:") && !l.is_empty())
                .map(|l| format!("{l}\r\n"))
                .collect();
            let _ = up.write_all(format!("{head}connection: close\r\n\r\n").as_bytes());
            let _ = up.write_all(&request.body);
            let mut reply = Vec::new();
            let _ = up.read_to_end(&mut reply);
            let _ = stream.write_all(&reply);
        }
    }
    let _ = stream.flush();
}

fn read_request(stream: &mut TcpStream) -> Option<(String, Request)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = data[end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some((head, Request { method, path, headers, body }))
}
