//! Test harness: starts the local SxT-compatible server (`sxt-auth-server`) on an ephemeral loopback port.
//!
//! The binary comes from `SXT_SERVER_BIN`, else `<workspace target dir>/debug/sxt-auth-server` (build it with
//! `cargo build -p sxt-auth-server`; `make test` does).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub mod scripted;

use sxt_auth_core::{Client, ClientConfig, PrivateKey};

pub struct Server {
    child: Child,
    pub base_url: String,
    pub ca_pem: Option<Vec<u8>>,
    /// Holds the server's request log and, with TLS, its CA.
    dir: TempDir,
}

pub struct TempDir(pub PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn server_bin() -> PathBuf {
    if let Ok(p) = std::env::var("SXT_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug").join("sxt-auth-server")
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A unique user id for this test process.
pub fn unique_user(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

impl Server {
    /// Plain http with the given extra flags.
    pub fn start(flags: &[&str]) -> Server {
        Server::spawn(flags, false)
    }

    /// https with a fresh CA.
    pub fn start_tls(flags: &[&str]) -> Server {
        Server::spawn(flags, true)
    }

    fn spawn(flags: &[&str], tls: bool) -> Server {
        let bin = server_bin();
        assert!(bin.exists(), "{} is missing: run `cargo build -p sxt-auth-server` (make test does)", bin.display());
        let mut cmd = Command::new(&bin);
        let dir = TempDir(std::env::temp_dir().join(unique_user("sxt-server")));
        std::fs::create_dir_all(&dir.0).unwrap();
        let log = std::fs::File::create(dir.0.join("requests.log")).unwrap();
        cmd.args(["--listen", "127.0.0.1:0"]).args(flags).stdout(Stdio::piped()).stderr(log);
        if tls {
            cmd.arg("--tls").arg("--ca-out").arg(dir.0.join("ca.pem"));
        }
        let mut child = cmd.spawn().expect("start sxt-auth-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("read the listening line");
        let base_url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_string();
        let ca_pem = tls.then(|| std::fs::read(dir.0.join("ca.pem")).expect("CA written before the listening line"));
        Server { child, base_url, ca_pem, dir }
    }

    /// A client for this server: http allowed, or the server's CA trusted; refresh margin zero unless set.
    pub fn client(&self) -> Client {
        self.client_with(|_| {})
    }

    pub fn client_with(&self, tweak: impl FnOnce(&mut ClientConfig)) -> Client {
        let mut config = ClientConfig::default();
        config.transport_mut().set_allow_http(true).set_call_timeout(Duration::from_secs(10)).unwrap();
        if let Some(pem) = &self.ca_pem {
            config.transport_mut().add_ca_pem(pem).unwrap();
        }
        tweak(&mut config);
        Client::with_config(&self.base_url, &config).expect("client")
    }

    /// Stops the server now (its port then refuses connections).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// How many requests the server has logged whose line starts with `prefix` (`"POST /v1/auth/refresh "`).
    pub fn log_count(&self, prefix: &str) -> usize {
        let log = std::fs::read_to_string(self.dir.0.join("requests.log")).unwrap_or_default();
        log.lines().filter(|l| l.starts_with(prefix)).count()
    }

    /// The server's process id (to send it a signal).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn port(&self) -> u16 {
        self.base_url.rsplit(':').next().unwrap().parse().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Registers a fresh user and returns its id, key and session.
pub fn new_user(client: &Client, join_code: Option<&str>) -> (String, PrivateKey, sxt_auth_core::Session) {
    let user = unique_user("user");
    let key = PrivateKey::generate();
    let session = client.register(&user, &key, join_code).expect("register");
    (user, key, session)
}

/// A plain-http client for a scripted server, with the given call timeout and refresh margin 60 s (so a
/// short-lived token is due at half its lifetime).
pub fn scripted_client(base_url: &str, call_timeout: Duration, keep_key: bool) -> Client {
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true).set_call_timeout(call_timeout).unwrap().set_read_timeout(call_timeout).unwrap();
    config.set_keep_key(keep_key);
    Client::with_config(base_url, &config).expect("client")
}

/// Triggers `cancel` from another thread after `after`.
pub fn cancel_later(cancel: &sxt_auth_core::call::Cancel, after: Duration) -> std::thread::JoinHandle<()> {
    let cancel = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        cancel.cancel();
    })
}

/// Runs `call` with a cancellation that another thread triggers after `after`; returns what `call` returned
/// and how long it took.
pub fn cancelled_after<T>(after: Duration, call: impl FnOnce() -> sxt_auth_core::Result<T>) -> (sxt_auth_core::Result<T>, Duration) {
    use sxt_auth_core::call::{within, CallOptions, Cancel};
    let cancel = Cancel::new();
    let canceller = cancel_later(&cancel, after);
    let start = std::time::Instant::now();
    let result = within(&CallOptions::new().with_cancel(cancel), call);
    let took = start.elapsed();
    canceller.join().unwrap();
    (result, took)
}
