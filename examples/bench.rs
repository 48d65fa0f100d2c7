//! Benchmarks of sxt-auth against a local `sxt-auth-server`. Every figure is measured next to a peer or a
//! floor in the same process and the same run, so the ratio, not the absolute time, is what to compare.
//!
//! `scripts/bench.sh` builds this in release mode, starts the server and collects the `RESULT` lines printed
//! here (tab separated: metric, value, unit, runs, operations per run, min, max). Times are per operation:
//! each run takes the median over its turns (see `interleave`), the value is the median of the runs, min and
//! max are those of the runs. Everything else goes to stderr.
//!
//! Usage: bench --url URL --user USER_ID --key PRIVATE_KEY_BASE64 --capi-lib LIBSXT_AUTH_SO [--runs N] [--logins N]
//!              [--tls-url HTTPS_URL --ca-pem CA_FILE] [--peer-python PYTHON --peer-script tests/bench/peer.py]
//! `--capi-lib` is the shared library whose C ABI is measured. `--url` is a plain-http server, `--tls-url` an https one whose CA is in CA_FILE. The user is registered
//! with that key first on a server that does not know it.
//!
//! The measurements that are compared take turns in small steps in random order (see `interleave`), so that
//! load from other processes on the machine falls on all sides alike. The Python peer (the official SxT SDK
//! and PyNaCl) runs as a child process driven over a pipe for the same reason. The C ABI is called through
//! function pointers the optimiser cannot see through, as a C program would call it.
//!
//! Metrics:
//! * sign-in: `login` (`Client::user_exists` + `Client::login`: idexists + code + sign + token + session),
//!   `login_known` (`Client::login` of a user the client knows exists: code + sign + token + session),
//!   `login_floor` (the same three exchanges as `login` and signature on a bare `Transport`, token reply parsed,
//!   no session), `capi_login` (`sxt_login` of a known user + `sxt_session_free`), `sdk_auth` and
//!   `sdk_exists_auth` (the Python SDK, see peer.py). Over https: `login_tls`, `login_known_tls`,
//!   `login_tls_floor`, `sdk_auth_tls`, `sdk_exists_auth_tls`.
//! * `client_new`: building a `Client` (agent, trusted roots): paid once per application.
//! * signing a 22-character authCode: `sign` (`PrivateKey::sign_hex`), `capi_sign` (`sxt_key_sign`, which
//!   parses the key text every call), `nacl_sign`, `sdk_sign`.
//! * the hot path, a fresh token: `token_hot` (`Session::access_token`), `token_hot_floor` (lock a
//!   `Mutex<String>` and clone it), `capi_token_hot` (`sxt_session_access_token` + `sxt_string_free`).
//!   `clock_now` (`Instant::now()`, which `access_token` reads on every call) explains part of the difference.
//! * concurrency, throughput in ops/s: `token_1t`, `token_2t`, `token_8t` (`access_token` on one session from
//!   1, 2 and 8 threads), `floor_1t`, `floor_2t`, `floor_8t` (the same for the floor), `clock_floor_1t`,
//!   `clock_floor_2t` (the floor reading `Instant::now()` inside the lock, as `access_token` does).

use std::cell::RefCell;
use std::error::Error;
use std::ffi::{c_char, CStr, CString};
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Instant;

use sxt_auth_core::http::Transport;
use sxt_auth_core::keys::SCHEME;
use sxt_auth_core::{wire, Client, ClientConfig, PrivateKey};

type Res<T> = Result<T, Box<dyn Error>>;

const AUTH_CODE: &str = "469867d9660b67f8aa12b2";
const TEST_SEED: &str = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=";
const TEST_SIGNATURE: &str = "1b4217c3fadf9b2cee981a16069eb7047d79315513af57ccae91fe890e21371ed8724724203d9b904241eeafac50f3934feafa476f8c6a90973d157ee97eb102";

struct Args {
    url: String,
    user: String,
    key: String,
    runs: usize,
    logins: usize,
    tls_url: Option<String>,
    ca_pem: Option<String>,
    peer_python: Option<String>,
    peer_script: Option<String>,
    capi_lib: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: String::new(),
        user: String::new(),
        key: String::new(),
        runs: 9,
        logins: 60,
        tls_url: None,
        ca_pem: None,
        peer_python: None,
        peer_script: None,
        capi_lib: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => args.url = value()?,
            "--user" => args.user = value()?,
            "--key" => args.key = value()?,
            "--runs" => args.runs = value()?.parse().map_err(|_| "--runs: not a number".to_string())?,
            "--logins" => args.logins = value()?.parse().map_err(|_| "--logins: not a number".to_string())?,
            "--tls-url" => args.tls_url = Some(value()?),
            "--ca-pem" => args.ca_pem = Some(value()?),
            "--peer-python" => args.peer_python = Some(value()?),
            "--peer-script" => args.peer_script = Some(value()?),
            "--capi-lib" => args.capi_lib = value()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.url.is_empty() || args.user.is_empty() || args.key.is_empty() || args.capi_lib.is_empty() {
        return Err("usage: bench --url URL --user USER_ID --key PRIVATE_KEY_BASE64 --capi-lib LIBSXT_AUTH_SO \
                    [--runs N] [--logins N] [--tls-url HTTPS_URL --ca-pem CA_FILE] [--peer-python PYTHON --peer-script PEER_PY]"
            .into());
    }
    if args.runs == 0 || args.logins == 0 {
        return Err("--runs and --logins must be at least 1".into());
    }
    if args.tls_url.is_some() != args.ca_pem.is_some() {
        return Err("--tls-url and --ca-pem go together".into());
    }
    if args.peer_python.is_some() != args.peer_script.is_some() {
        return Err("--peer-python and --peer-script go together".into());
    }
    Ok(args)
}

/// Per-run values of one metric.
struct Samples {
    metric: &'static str,
    unit: &'static str,
    iterations: usize,
    values: Vec<f64>,
}

impl Samples {
    fn new(metric: &'static str, unit: &'static str, iterations: usize) -> Samples {
        Samples { metric, unit, iterations, values: Vec::new() }
    }

    /// Prints the RESULT line. Values are nanoseconds per operation; a metric in ops/s is printed as throughput.
    fn report(&self) {
        let mut v: Vec<f64> = self.values.iter().map(|&ns| if self.unit == "ops/s" { 1e9 / ns } else { ns }).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let mid = median(v.clone());
        println!(
            "RESULT\t{}\t{mid:.1}\t{}\t{n}\t{}\t{:.1}\t{:.1}",
            self.metric,
            self.unit,
            self.iterations,
            v[0],
            v[n - 1]
        );
    }
}

/// One measurement taking part in an interleaved comparison. `step(n)` performs `n` operations and returns the
/// nanoseconds they took.
struct Task<'a> {
    samples: Samples,
    step: Box<dyn FnMut(usize) -> Res<f64> + 'a>,
}

impl<'a> Task<'a> {
    fn new(metric: &'static str, unit: &'static str, step: impl FnMut(usize) -> Res<f64> + 'a) -> Task<'a> {
        Task { samples: Samples::new(metric, unit, 0), step: Box::new(step) }
    }
}

/// Measures every task `runs` times and prints the results.
///
/// Within a run the tasks take turns in small steps of `per_step` operations, `steps` turns each, in a fresh
/// random order every turn. Turns spread a burst of load from elsewhere on the machine over all tasks rather
/// than whichever happened to be running; the random order keeps any task from always following the same
/// one (with a fixed rotation, the sign-in that always came right after the Python peer measured several times
/// slower than the others). A run's value is the median over its turns of the time per operation, so that
/// the turns a burst did hit do not decide it.
fn interleave(runs: usize, steps: usize, per_step: usize, mut tasks: Vec<Task<'_>>) -> Res<()> {
    let n = tasks.len();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut order: Vec<usize> = (0..n).collect();
    for _ in 0..runs {
        let mut per_op: Vec<Vec<f64>> = vec![Vec::with_capacity(steps); n];
        for _ in 0..steps {
            rng.shuffle(&mut order);
            for &k in &order {
                per_op[k].push((tasks[k].step)(per_step)? / per_step as f64);
            }
        }
        for (task, values) in tasks.iter_mut().zip(per_op) {
            task.samples.values.push(median(values));
        }
    }
    for task in &mut tasks {
        task.samples.iterations = steps * per_step;
        task.samples.report();
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// A small deterministic generator for the turn order (no crates in this bench).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn shuffle(&mut self, v: &mut [usize]) {
        for i in (1..v.len()).rev() {
            v.swap(i, (self.next() % (i as u64 + 1)) as usize);
        }
    }
}

/// Hands a value to the optimiser as used, then drops it (as a caller would).
fn consume<T>(value: T) -> Res<()> {
    drop(black_box(value));
    Ok(())
}

/// CPU time (user + system) this process has used, in nanoseconds (getrusage).
fn cpu_now_ns() -> f64 {
    // SAFETY: getrusage writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e9 + t.tv_usec as f64 * 1e3;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Nanoseconds taken by `iterations` calls of `f`.
fn time_total(iterations: usize, mut f: impl FnMut() -> Res<()>) -> Res<f64> {
    let start = Instant::now();
    for _ in 0..iterations {
        f()?;
    }
    Ok(start.elapsed().as_nanos() as f64)
}

/// The sign-in floor: the same three exchanges and the signature on a bare transport; the token reply is
/// parsed (any client must read it) but nothing else is built.
fn floor_sign_in(t: &Transport, user: &str, key: &PrivateKey, public: &str) -> Res<wire::TokenSet> {
    if !wire::parse_bool(&t.get(&format!("/v1/auth/idexists/{user}"), None)?.body)? {
        return Err(format!("the server does not know the bench user {user}").into());
    }
    let code_reply = t.post("/v1/auth/code", None, Some(&wire::CodeRequest { user_id: user, join_code: None }))?;
    let auth_code = wire::parse_auth_code(&code_reply.body)?;
    let signature = key.sign_hex(&auth_code);
    let body =
        wire::TokenRequest { user_id: user, auth_code: &auth_code, signature: &signature, key: public, scheme: SCHEME };
    Ok(wire::parse_token_set(&t.post("/v1/auth/token", None, Some(&body))?.body)?)
}

/// Wall-clock nanoseconds for `threads` threads, started together, each to make `per_thread` calls of `op`: from
/// the first thread's first call to the last thread's last one, as the threads themselves clock it (the main
/// thread may be descheduled at the barrier, so its own clock would start late).
fn run_threads(threads: usize, per_thread: usize, op: &Arc<dyn Fn() + Send + Sync>) -> f64 {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let op = Arc::clone(op);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let start = Instant::now();
                for _ in 0..per_thread {
                    op();
                }
                (start, Instant::now())
            })
        })
        .collect();
    let spans: Vec<(Instant, Instant)> =
        handles.into_iter().map(|h| h.join().expect("a bench thread panicked")).collect();
    let first = spans.iter().map(|s| s.0).min().expect("at least one thread");
    let last = spans.iter().map(|s| s.1).max().expect("at least one thread");
    last.duration_since(first).as_nanos() as f64
}

/// A TCP proxy on loopback that delays every chunk by a fixed one-way latency in each direction (20 ms round
/// trip for 10 ms), chunks in flight at once as on a real link, so sign-ins can be timed as over a real network, and that counts the connections made
/// through it (over https, each is one TLS handshake).
mod delay_proxy {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc};
    use std::time::{Duration, Instant};

    pub struct DelayProxy {
        pub addr: String,
        connections: Arc<AtomicUsize>,
    }

    impl DelayProxy {
        /// Listens on 127.0.0.1 and forwards to `upstream` (`host:port`); lives as long as the process.
        pub fn start(upstream: String, one_way: Duration) -> std::io::Result<DelayProxy> {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let addr = listener.local_addr()?.to_string();
            let connections = Arc::new(AtomicUsize::new(0));
            let counted = Arc::clone(&connections);
            std::thread::spawn(move || {
                for client in listener.incoming().flatten() {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let Ok(server) = TcpStream::connect(&upstream) else { continue };
                    let _ = (client.set_nodelay(true), server.set_nodelay(true));
                    for (from, to) in [(client.try_clone(), server.try_clone()), (server.try_clone(), client.try_clone())] {
                        if let (Ok(from), Ok(to)) = (from, to) {
                            std::thread::spawn(move || pump(from, to, one_way));
                        }
                    }
                }
            });
            Ok(DelayProxy { addr, connections })
        }

        /// Connections accepted so far.
        pub fn connections(&self) -> usize {
            self.connections.load(Ordering::SeqCst)
        }
    }

    /// One direction of the link: every chunk read is written `delay` after it arrived, whatever came before
    /// it, as a network of that latency delivers back-to-back segments (a chunk does not wait for the one
    /// ahead of it to be delivered first; reading and writing are separate threads).
    fn pump(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
        let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
        let writer = std::thread::spawn(move || {
            for (due, chunk) in rx {
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                if to.write_all(&chunk).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        });
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send((Instant::now() + delay, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
        drop(tx);
        let _ = writer.join();
    }
}

/// The C ABI, exactly as `include/sxt_auth.h` declares it, loaded from the shared library with `dlopen` (as a
/// C program links it: only its exported `sxt_*` symbols are reachable). Handles are opaque pointers; statuses
/// are C `int`s.
mod capi {
    use std::ffi::{c_char, c_void, CStr, CString};

    pub type Handle = *mut c_void;
    pub type Status = i32;
    pub type LoginFn = unsafe extern "C" fn(Handle, *const c_char, *const c_char, *mut Handle, *mut Handle) -> Status;
    pub type SignFn = unsafe extern "C" fn(*const c_char, *const c_char, *mut *mut c_char, *mut Handle) -> Status;
    pub type TokenFn = unsafe extern "C" fn(Handle, *mut *mut c_char, *mut Handle) -> Status;
    pub type FreeFn = unsafe extern "C" fn(Handle);
    pub type StringFreeFn = unsafe extern "C" fn(*mut c_char);

    /// The functions the benchmark calls.
    pub struct Api {
        pub sxt_client_options_new: unsafe extern "C" fn(*mut Handle, *mut Handle) -> Status,
        pub sxt_client_options_set_allow_http: unsafe extern "C" fn(Handle, bool, *mut Handle) -> Status,
        pub sxt_client_options_free: FreeFn,
        pub sxt_client_new: unsafe extern "C" fn(*const c_char, Handle, *mut Handle, *mut Handle) -> Status,
        pub sxt_client_free: FreeFn,
        pub sxt_login: LoginFn,
        pub sxt_session_access_token: TokenFn,
        pub sxt_session_free: FreeFn,
        pub sxt_key_sign: SignFn,
        pub sxt_string_free: StringFreeFn,
        pub sxt_live_objects: unsafe extern "C" fn() -> usize,
    }

    /// Loads `libsxt_auth.so` from `path`. The library stays loaded for the life of the process.
    pub fn load(path: &str) -> Result<Api, String> {
        let c_path = CString::new(path).map_err(|_| "library path with a NUL".to_string())?;
        // SAFETY: a NUL-terminated path; RTLD_NOW resolves every symbol up front.
        let lib = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if lib.is_null() {
            // SAFETY: dlerror returns NULL or a NUL-terminated message.
            let why = unsafe { libc::dlerror() };
            let why = if why.is_null() { "unknown".into() } else { unsafe { CStr::from_ptr(why) }.to_string_lossy() };
            return Err(format!("cannot load {path}: {why}"));
        }
        let symbol = |name: &CStr| {
            // SAFETY: `lib` is a live handle and `name` NUL-terminated.
            let p = unsafe { libc::dlsym(lib, name.as_ptr()) };
            if p.is_null() {
                Err(format!("{path} does not export {name:?}"))
            } else {
                Ok(p)
            }
        };
        // SAFETY: each symbol is the function the header declares with exactly this signature.
        unsafe {
            Ok(Api {
                sxt_client_options_new: std::mem::transmute(symbol(c"sxt_client_options_new")?),
                sxt_client_options_set_allow_http: std::mem::transmute(symbol(c"sxt_client_options_set_allow_http")?),
                sxt_client_options_free: std::mem::transmute(symbol(c"sxt_client_options_free")?),
                sxt_client_new: std::mem::transmute(symbol(c"sxt_client_new")?),
                sxt_client_free: std::mem::transmute(symbol(c"sxt_client_free")?),
                sxt_login: std::mem::transmute(symbol(c"sxt_login")?),
                sxt_session_access_token: std::mem::transmute(symbol(c"sxt_session_access_token")?),
                sxt_session_free: std::mem::transmute(symbol(c"sxt_session_free")?),
                sxt_key_sign: std::mem::transmute(symbol(c"sxt_key_sign")?),
                sxt_string_free: std::mem::transmute(symbol(c"sxt_string_free")?),
                sxt_live_objects: std::mem::transmute(symbol(c"sxt_live_objects")?),
            })
        }
    }
}

/// `SXT_STATUS_OK` is 0.
fn check(what: &str, status: capi::Status) -> Res<()> {
    if status == 0 {
        Ok(())
    } else {
        Err(format!("{what} failed: status {status}").into())
    }
}

/// The Python peer (tests/bench/peer.py) as a child process: one request line in, one number out.
struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    fn spawn(python: &str, script: &str, args: &Args, latency_url: Option<&str>) -> Res<Peer> {
        let mut child = Command::new(python)
            .arg(script)
            .args(["--url", &args.url, "--user", &args.user, "--key", &args.key])
            .args(args.tls_url.iter().flat_map(|u| ["--tls-url", u.as_str()]))
            .args(latency_url.iter().flat_map(|u| ["--latency-url", *u]))
            .args(args.ca_pem.iter().flat_map(|c| ["--ca", c.as_str()]))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the Python peer {python} {script}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin for the peer")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout for the peer")?);
        let mut peer = Peer { child, stdin, stdout };
        let first = peer.read_line()?;
        if first != "ready" {
            return Err(format!("the Python peer did not start: {first}").into());
        }
        Ok(peer)
    }

    fn read_line(&mut self) -> Res<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            return Err("the Python peer exited".into());
        }
        Ok(line.trim().to_string())
    }

    /// Nanoseconds taken by `count` runs of `measurement`.
    fn measure(&mut self, measurement: &str, count: usize) -> Res<f64> {
        writeln!(self.stdin, "{measurement} {count}")?;
        self.stdin.flush()?;
        let line = self.read_line()?;
        let mean: f64 = line.parse().map_err(|_| format!("the Python peer answered {measurement}: {line}"))?;
        Ok(mean * count as f64)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("bench: failed: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Res<()> {
    // The https server behind a 20 ms round trip, for the latency measurements below.
    let latency = match &args.tls_url {
        Some(url) => {
            let upstream = url.strip_prefix("https://").ok_or("--tls-url must be https://")?.to_string();
            Some(delay_proxy::DelayProxy::start(upstream, std::time::Duration::from_millis(10))?)
        }
        None => None,
    };
    let latency_url = latency.as_ref().map(|p| format!("https://{}", p.addr));
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(true);
    let transport_config = config.transport().clone();
    let key = PrivateKey::parse(&args.key)?;
    let public = key.public_key().to_base64();
    let runs = args.runs;
    let logins = args.logins;

    // One client and one transport, built once as an application would; each pools its connection.
    let client = Client::with_config(&args.url, &config)?;
    let transport = Transport::new(&args.url, &transport_config)?;
    if !client.user_exists(&args.user)? {
        client.register(&args.user, &key, None)?.logout()?;
    }

    // The same through the C ABI. The function pointers go through black_box so that no call is inlined.
    let api = capi::load(&args.capi_lib)?;
    let c_url = CString::new(args.url.as_str())?;
    let c_user = CString::new(args.user.as_str())?;
    let c_key = CString::new(args.key.as_str())?;
    let c_seed = CString::new(TEST_SEED)?;
    let c_code = CString::new(AUTH_CODE)?;
    let c_login: capi::LoginFn = black_box(api.sxt_login);
    let c_sign: capi::SignFn = black_box(api.sxt_key_sign);
    let c_token: capi::TokenFn = black_box(api.sxt_session_access_token);
    let c_session_free: capi::FreeFn = black_box(api.sxt_session_free);
    let c_string_free: capi::StringFreeFn = black_box(api.sxt_string_free);
    let null: capi::Handle = std::ptr::null_mut();
    // Errors are not requested: the status is enough here.
    let no_err: *mut capi::Handle = std::ptr::null_mut();
    let mut c_client: capi::Handle = null;
    // SAFETY: every pointer passed is valid for the call, outputs are written only on success, and each
    // handle and string is freed once with its own free function.
    unsafe {
        let mut options: capi::Handle = null;
        check("sxt_client_options_new", (api.sxt_client_options_new)(&mut options, no_err))?;
        check("sxt_client_options_set_allow_http", (api.sxt_client_options_set_allow_http)(options, true, no_err))?;
        let created = (api.sxt_client_new)(c_url.as_ptr(), options, &mut c_client, no_err);
        (api.sxt_client_options_free)(options);
        check("sxt_client_new", created)?;
    }

    let peer = match (&args.peer_python, &args.peer_script) {
        (Some(python), Some(script)) => Some(RefCell::new(Peer::spawn(python, script, args, latency_url.as_deref())?)),
        _ => None,
    };

    // --- Sign-in -------------------------------------------------------------------------------------------
    for _ in 0..3 {
        drop(client.login(&args.user, &key)?);
        floor_sign_in(&transport, &args.user, &key, &public)?;
    }
    let mut tasks = vec![
        // The client knows the user exists, so `login` makes two exchanges; asking first makes the three the SDK's
        // exists + authenticate and the floor make.
        Task::new("login", "ns", |n| {
            time_total(n, || {
                client.user_exists(&args.user)?;
                consume(client.login(&args.user, &key)?)
            })
        }),
        Task::new("login_known", "ns", |n| time_total(n, || consume(client.login(&args.user, &key)?))),
        Task::new("login_floor", "ns", |n| {
            time_total(n, || consume(floor_sign_in(&transport, &args.user, &key, &public)?))
        }),
        Task::new("capi_login", "ns", |n| {
            time_total(n, || {
                let mut session: capi::Handle = null;
                // SAFETY: valid client handle and C strings; the session is freed right after.
                unsafe {
                    check("sxt_login", c_login(c_client, c_user.as_ptr(), c_key.as_ptr(), &mut session, no_err))?;
                    c_session_free(black_box(session));
                }
                Ok(())
            })
        }),
    ];
    if let Some(peer) = &peer {
        tasks.push(Task::new("sdk_auth", "ns", move |n| peer.borrow_mut().measure("sdk_auth", n)));
        tasks.push(Task::new("sdk_exists_auth", "ns", move |n| peer.borrow_mut().measure("sdk_exists_auth", n)));
    }
    interleave(runs, logins, 1, tasks)?;

    // CPU per sign-in through the Rust API (getrusage; this process only, not the server or the peer): a known
    // user (two exchanges on a pooled connection), and one signature, as the C ABI's figures in signin_cpu.c.
    let mut cpu_known = Samples::new("rust_cpu_known", "ns", logins * 4);
    let mut cpu_sign = Samples::new("rust_cpu_sign", "ns", 1000);
    for _ in 0..runs {
        let start = cpu_now_ns();
        for _ in 0..logins * 4 {
            consume(client.login(&args.user, &key)?)?;
        }
        cpu_known.values.push((cpu_now_ns() - start) / (logins * 4) as f64);
        let start = cpu_now_ns();
        for _ in 0..1000 {
            consume(key.sign_hex(AUTH_CODE))?;
        }
        cpu_sign.values.push((cpu_now_ns() - start) / 1000.0);
    }
    cpu_known.report();
    cpu_sign.report();

    // --- Sign-in over https: the same, with TLS on every connection (the public service is https only) --------
    if let (Some(tls_url), Some(ca_pem)) = (&args.tls_url, &args.ca_pem) {
        let pem = std::fs::read(ca_pem).map_err(|e| format!("cannot read {ca_pem}: {e}"))?;
        let mut tls_config = ClientConfig::default();
        tls_config.transport_mut().add_ca_pem(&pem)?;
        let tls_transport_config = tls_config.transport().clone();
        let tls_client = Client::with_config(tls_url, &tls_config)?;
        let tls_transport = Transport::new(tls_url, &tls_transport_config)?;
        if !tls_client.user_exists(&args.user)? {
            tls_client.register(&args.user, &key, None)?.logout()?;
        }
        for _ in 0..3 {
            drop(tls_client.login(&args.user, &key)?);
            floor_sign_in(&tls_transport, &args.user, &key, &public)?;
        }
        let mut tasks = vec![
            Task::new("login_tls", "ns", |n| {
                time_total(n, || {
                    tls_client.user_exists(&args.user)?;
                    consume(tls_client.login(&args.user, &key)?)
                })
            }),
            Task::new("login_known_tls", "ns", |n| time_total(n, || consume(tls_client.login(&args.user, &key)?))),
            Task::new("login_tls_floor", "ns", |n| {
                time_total(n, || consume(floor_sign_in(&tls_transport, &args.user, &key, &public)?))
            }),
        ];
        if let Some(peer) = &peer {
            tasks.push(Task::new("sdk_auth_tls", "ns", move |n| peer.borrow_mut().measure("sdk_auth_tls", n)));
            tasks.push(Task::new("sdk_exists_auth_tls", "ns", move |n| {
                peer.borrow_mut().measure("sdk_exists_auth_tls", n)
            }));
        }
        interleave(runs, logins, 1, tasks)?;
    }

    // --- Over a 20 ms round trip: wall time per sign-in and per sign-in + refresh + logout flow, and the TCP
    // connections (TLS handshakes) each makes. Ours starts each from a new client, as an app that just started.
    if let (Some(proxy), Some(url), Some(ca_pem)) = (&latency, &latency_url, &args.ca_pem) {
        let pem = std::fs::read(ca_pem)?;
        let mut lat_config = ClientConfig::default();
        lat_config.transport_mut().add_ca_pem(&pem)?;
        let new_client = || Client::with_config(url, &lat_config);
        let sign_in = || -> Res<sxt_auth_core::Session> {
            let c = new_client()?;
            c.user_exists(&args.user)?;
            Ok(c.login(&args.user, &key)?)
        };
        let flow = || -> Res<()> {
            let s = sign_in()?;
            s.refresh()?;
            s.logout()?;
            Ok(())
        };
        let mut tasks = vec![
            Task::new("signin_lat", "ns", |n| time_total(n, || consume(sign_in()?))),
            Task::new("flow_lat", "ns", |n| time_total(n, flow)),
        ];
        if let Some(peer) = &peer {
            tasks.push(Task::new("sdk_signin_lat", "ns", move |n| peer.borrow_mut().measure("sdk_signin_lat", n)));
            tasks.push(Task::new("sdk_flow_lat", "ns", move |n| peer.borrow_mut().measure("sdk_flow_lat", n)));
        }
        interleave(runs.min(5), 2, 1, tasks)?;
        let count = |f: &mut dyn FnMut() -> Res<()>| -> Res<usize> {
            let before = proxy.connections();
            f()?;
            std::thread::sleep(std::time::Duration::from_millis(50));
            Ok(proxy.connections() - before)
        };
        let connections = |metric: &str, n: usize| {
            println!("RESULT\t{metric}\t{n}\tconn\t1\t1\t{n}\t{n}");
        };
        connections("conn_flow", count(&mut || flow())?);
        if let Some(peer) = &peer {
            connections("sdk_conn_flow", count(&mut || peer.borrow_mut().measure("sdk_flow_lat", 1).map(drop))?);
        }
    }

    // Building a client (once per application): the agent and the parsed trusted roots.
    let mut client_new = Samples::new("client_new", "ns", 20);
    for _ in 0..runs {
        client_new.values.push(time_total(20, || consume(Client::with_config(&args.url, &config)?))? / 20.0);
    }
    client_new.report();

    // --- Signature over an authCode, each side checked against the protocol's test vector first ---------------
    let vector_key = PrivateKey::parse(TEST_SEED)?;
    if vector_key.sign_hex(AUTH_CODE) != TEST_SIGNATURE {
        return Err("sign_hex does not reproduce the test vector".into());
    }
    // SAFETY: valid C strings; the signature is read, then freed once.
    unsafe {
        let mut sig: *mut c_char = std::ptr::null_mut();
        check("sxt_key_sign", c_sign(c_seed.as_ptr(), c_code.as_ptr(), &mut sig, no_err))?;
        let same = CStr::from_ptr(sig).to_bytes() == TEST_SIGNATURE.as_bytes();
        c_string_free(sig);
        if !same {
            return Err("sxt_key_sign does not reproduce the test vector".into());
        }
    }
    let mut tasks = vec![
        Task::new("sign", "ns", |n| time_total(n, || consume(vector_key.sign_hex(black_box(AUTH_CODE))))),
        Task::new("capi_sign", "ns", |n| {
            time_total(n, || {
                let mut sig: *mut c_char = std::ptr::null_mut();
                // SAFETY: valid C strings; the signature is freed right after.
                unsafe {
                    check("sxt_key_sign", c_sign(c_seed.as_ptr(), c_code.as_ptr(), &mut sig, no_err))?;
                    c_string_free(black_box(sig));
                }
                Ok(())
            })
        }),
    ];
    if let Some(peer) = &peer {
        tasks.push(Task::new("nacl_sign", "ns", move |n| peer.borrow_mut().measure("nacl_sign", n)));
        tasks.push(Task::new("sdk_sign", "ns", move |n| peer.borrow_mut().measure("sdk_sign", n)));
    }
    interleave(runs, 20, 100, tasks)?;
    drop(peer);

    // --- The hot path: a fresh token, no network ---------------------------------------------------------------
    let session = client.login(&args.user, &key)?;
    let token = session.access_token()?;
    let floor_mutex = Arc::new(Mutex::new(token.to_string()));
    let mut c_session: capi::Handle = null;
    // SAFETY: valid client handle and C strings.
    unsafe { check("sxt_login", c_login(c_client, c_user.as_ptr(), c_key.as_ptr(), &mut c_session, no_err))? };
    for _ in 0..100_000 {
        black_box(session.access_token()?);
    }
    let tasks = vec![
        Task::new("token_hot", "ns", |n| time_total(n, || consume(session.access_token()?))),
        Task::new("token_hot_floor", "ns", |n| {
            time_total(n, || consume(floor_mutex.lock().map_err(|_| "poisoned")?.clone()))
        }),
        // Not compared: part of what access_token does on every call, to read its cost against the floor.
        Task::new("clock_now", "ns", |n| {
            time_total(n, || {
                black_box(Instant::now());
                Ok(())
            })
        }),
        Task::new("capi_token_hot", "ns", |n| {
            time_total(n, || {
                let mut t: *mut c_char = std::ptr::null_mut();
                // SAFETY: valid session handle; the string is freed right after.
                unsafe {
                    check("sxt_session_access_token", c_token(c_session, &mut t, no_err))?;
                    c_string_free(black_box(t));
                }
                Ok(())
            })
        }),
    ];
    interleave(runs, 100, 10_000, tasks)?;
    if *session.access_token()? != *token {
        return Err("the token changed during the hot-path loop: it was not fresh".into());
    }
    // SAFETY: the handles are live and freed once; nothing uses them afterwards.
    unsafe {
        c_session_free(c_session);
        (api.sxt_client_free)(c_client);
        let live = (api.sxt_live_objects)();
        if live != 0 {
            return Err(format!("{live} C ABI objects still alive after freeing everything").into());
        }
    }

    // --- Concurrency: 1, 2 (one per core here) and 8 threads sharing one session; turns of 200,000 calls -------
    let token_op: Arc<dyn Fn() + Send + Sync> = {
        let s = session.clone();
        Arc::new(move || drop(black_box(s.access_token().expect("fresh token"))))
    };
    let floor_op: Arc<dyn Fn() + Send + Sync> = {
        let m = Arc::clone(&floor_mutex);
        Arc::new(move || drop(black_box(m.lock().expect("not poisoned").clone())))
    };
    // The floor with the clock read inside the lock, as access_token does: how much of the loss that explains.
    let clock_floor_op: Arc<dyn Fn() + Send + Sync> = {
        let m = Arc::clone(&floor_mutex);
        Arc::new(move || {
            let guard = m.lock().expect("not poisoned");
            black_box(Instant::now());
            let copy = guard.clone();
            drop(guard);
            drop(black_box(copy));
        })
    };
    let mut tasks = Vec::new();
    for (metric, op, threads) in [
        ("token_1t", &token_op, 1),
        ("token_2t", &token_op, 2),
        ("token_8t", &token_op, 8),
        ("floor_1t", &floor_op, 1),
        ("floor_2t", &floor_op, 2),
        ("floor_8t", &floor_op, 8),
        ("clock_floor_1t", &clock_floor_op, 1),
        ("clock_floor_2t", &clock_floor_op, 2),
    ] {
        tasks.push(Task::new(metric, "ops/s", move |n| Ok(run_threads(threads, n / threads, op))));
    }
    interleave(runs, 10, 200_000, tasks)?;
    if *session.access_token()? != *token {
        return Err("the token changed during the concurrency loop: it was not fresh".into());
    }
    session.logout()?;
    Ok(())
}
