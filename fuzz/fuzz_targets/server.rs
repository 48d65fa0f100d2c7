//! The local server's request handling, driven in-process: random sequences of requests (well-formed
//! sign-ins, refreshes, logouts, keyring calls signed with real keys, mixed with fuzzed methods, paths,
//! headers and bodies, and jumps of the server's clock) against one fresh server per input.
//!
//! Besides "no panic", every answer must keep the protocol's promises: every response is `no-store`; a
//! refusal is an RFC 7807 problem (`application/problem+json`, its `status` the HTTP status, with `type`,
//! `title`, `detail`) and never a 500; a token set the server hands out parses with the client's own parser
//! (`sxt_auth_core::wire`); and a token that must be dead stays dead: a refresh token once used, and every
//! token of a user who logged out.
#![no_main]

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use http_body_util::BodyExt as _;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use sxt_auth_core::wire;
use sxt_auth_server::routes::unlogged_router;
use sxt_auth_server::state::{AuthState, Limits, Policy};
use tower::ServiceExt as _;

const USERS: [&str; 3] = ["alice", "bob", "carol"];

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Fuzzed(String),
}

#[derive(Arbitrary, Debug)]
enum Token {
    LastAccess,
    LastRefresh,
    /// A token issued earlier, by index.
    Earlier(u8),
    Fuzzed(String),
    Missing,
}

#[derive(Arbitrary, Debug)]
enum Signature {
    /// The last challenge, signed with the named key.
    Valid,
    /// The last challenge, signed with another key than the one sent.
    WrongKey,
    Fuzzed(String),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Exists(Text),
    Code { user: Text, join_code: Option<Text>, register_email: Option<String> },
    Token { user: Text, key: u8, signature: Signature, fuzzed_code: Option<String>, scheme: Option<String> },
    Refresh(Token),
    Logout(Token),
    ValidToken(Token),
    ListKeys(Token),
    KeysCode(Token),
    AddKey { token: Token, key: u8, signature: Signature },
    Advance { seconds: u16 },
    Raw { method: u8, path: String, authorization: Option<String>, json: bool, body: Vec<u8> },
}

struct Driver {
    app: axum::Router,
    state: Arc<AuthState>,
    keys: &'static [SigningKey],
    last_code: String,
    last_access: String,
    last_refresh: String,
    /// Every token issued, with its user.
    issued: Vec<(String, String)>,
    /// Tokens that must never work again.
    dead: HashSet<String>,
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap())
}

/// Three signing keys, made once (deriving a public key is the costly part of a key).
fn keys() -> &'static [SigningKey] {
    static KEYS: OnceLock<Vec<SigningKey>> = OnceLock::new();
    KEYS.get_or_init(|| (1..=3u8).map(|n| SigningKey::from_bytes(&[n; 32])).collect())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Driver {
    fn new() -> Driver {
        let policy = Policy {
            challenge_ttl_ms: 30_000,
            access_ttl_ms: 60_000,
            refresh_ttl_ms: 120_000,
            session_ttl_ms: 600_000,
            join_code_ttl_ms: 3_600_000,
            invite_ttl_ms: sxt_auth_server::state::INVITE_TTL_MS,
            join_codes: vec!["TEAM".into()],
            require_join_code: false,
            limits: Limits::default(),
            token_size: None,
        opaque_tokens: false,
        api_keys: Vec::new(),
        };
        let state = Arc::new(AuthState::new(policy));
        Driver {
            app: unlogged_router(state.clone()),
            state,
            keys: keys(),
            last_code: String::new(),
            last_access: String::new(),
            last_refresh: String::new(),
            issued: Vec::new(),
            dead: HashSet::new(),
        }
    }

    fn text(&self, t: &Text) -> String {
        match t {
            Text::Known(n) => USERS[*n as usize % USERS.len()].to_string(),
            Text::Fuzzed(s) => s.clone(),
        }
    }

    fn token(&self, t: &Token) -> Option<String> {
        match t {
            Token::LastAccess => Some(self.last_access.clone()),
            Token::LastRefresh => Some(self.last_refresh.clone()),
            Token::Earlier(i) if !self.issued.is_empty() => Some(self.issued[*i as usize % self.issued.len()].1.clone()),
            Token::Earlier(_) => None,
            Token::Fuzzed(s) => Some(s.clone()),
            Token::Missing => None,
        }
    }

    fn key(&self, n: u8) -> &SigningKey {
        &self.keys[n as usize % self.keys.len()]
    }

    fn signature(&self, s: &Signature, key: u8) -> String {
        match s {
            Signature::Valid => hex(&self.key(key).sign(self.last_code.as_bytes()).to_bytes()),
            Signature::WrongKey => hex(&self.key(key.wrapping_add(1)).sign(self.last_code.as_bytes()).to_bytes()),
            Signature::Fuzzed(s) => s.clone(),
        }
    }

    /// Sends one request with `authorization` as its raw `Authorization` value; checks what every answer
    /// must be; returns the status and body. A request that cannot even be built (a path or header value
    /// no HTTP parser would deliver) is not sent: (0-like) BAD_REQUEST with no body.
    fn send(&self, method: Method, path: &str, authorization: Option<&str>, body: Option<Vec<u8>>, json: bool) -> (StatusCode, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(a) = authorization {
            req = req.header(header::AUTHORIZATION, a);
        }
        if json {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let Ok(req) = req.body(body.map(Body::from).unwrap_or_else(Body::empty)) else {
            return (StatusCode::BAD_REQUEST, Vec::new());
        };
        let resp = runtime().block_on(self.app.clone().oneshot(req)).expect("the router is infallible");
        let status = resp.status();
        assert_eq!(resp.headers().get(header::CACHE_CONTROL).map(|v| v.as_bytes()), Some(&b"no-store"[..]));
        let content_type = resp.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or("").to_string());
        let bytes = runtime().block_on(resp.into_body().collect()).expect("body").to_bytes().to_vec();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "a 500 for {path}");
        if !status.is_success() {
            assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{status} for {path}");
            let v: Value = serde_json::from_slice(&bytes).expect("a problem body is JSON");
            assert_eq!(v["status"], status.as_u16(), "{v}");
            for field in ["type", "title", "detail"] {
                assert!(v[field].is_string(), "{field} missing in {v}");
            }
        }
        (status, bytes)
    }

    fn signed_body(&self, user: Option<&str>, key: u8, signature: &Signature, fuzzed_code: Option<&str>, scheme: Option<&str>) -> Vec<u8> {
        let code = fuzzed_code.unwrap_or(&self.last_code);
        let mut body = json!({
            "authCode": code,
            "signature": self.signature(signature, key),
            "key": STANDARD.encode(self.key(key).verifying_key().as_bytes()),
            "scheme": scheme.unwrap_or("ed25519"),
        });
        if let Some(u) = user {
            body["userId"] = json!(u);
        }
        body.to_string().into_bytes()
    }

    /// A token set handed out: the client must accept it; it becomes the last one.
    fn took_tokens(&mut self, bytes: &[u8], user: &str) {
        let set = wire::parse_token_set(bytes).expect("the client accepts the server's token set");
        self.last_access = set.access_token.as_str().to_string();
        self.last_refresh = set.refresh_token.as_str().to_string();
        self.issued.push((user.to_string(), self.last_access.clone()));
        self.issued.push((user.to_string(), self.last_refresh.clone()));
    }

    fn user_of(&self, token: &str) -> Option<String> {
        self.issued.iter().find(|(_, t)| t == token).map(|(u, _)| u.clone())
    }

    /// A call with `token` that succeeded: the token must not have been dead.
    fn check_alive(&self, token: Option<&str>, status: StatusCode) {
        if let Some(t) = token {
            assert!(!(status.is_success() && self.dead.contains(t)), "a dead token worked");
        }
    }

    fn run(&mut self, op: &Op) {
        match op {
            Op::Exists(user) => {
                let path = format!("/v1/auth/idexists/{}", self.text(user));
                if let (StatusCode::OK, body) = self.send(Method::GET, &path, None, None, false) {
                    wire::parse_bool(&body).expect("idexists answers a JSON boolean");
                }
            }
            Op::Code { user, join_code, register_email } => {
                let mut body = json!({ "userId": self.text(user) });
                if let Some(j) = join_code {
                    body["joinCode"] = json!(match j {
                        Text::Known(_) => "TEAM".to_string(),
                        Text::Fuzzed(s) => s.clone(),
                    });
                }
                let path = match register_email {
                    Some(email) => {
                        body["email"] = json!(email);
                        "/v1/auth/code-register"
                    }
                    None => "/v1/auth/code",
                };
                if let (StatusCode::OK, bytes) = self.send(Method::POST, path, None, Some(body.to_string().into_bytes()), true) {
                    self.last_code = wire::parse_auth_code(&bytes).expect("the client accepts the challenge").to_string();
                }
            }
            Op::Token { user, key, signature, fuzzed_code, scheme } => {
                let user = self.text(user);
                let body = self.signed_body(Some(&user), *key, signature, fuzzed_code.as_deref(), scheme.as_deref());
                if let (StatusCode::OK, bytes) = self.send(Method::POST, "/v1/auth/token", None, Some(body), true) {
                    self.took_tokens(&bytes, &user);
                }
            }
            Op::Refresh(t) => {
                let token = self.token(t);
                let (status, bytes) = self.send(Method::POST, "/v1/auth/refresh", bearer(&token).as_deref(), None, false);
                self.check_alive(token.as_deref(), status);
                if status == StatusCode::OK {
                    let token = token.expect("a refresh without a token cannot succeed");
                    let user = self.user_of(&token).expect("only an issued token refreshes");
                    self.dead.insert(token);
                    self.took_tokens(&bytes, &user);
                }
            }
            Op::Logout(t) => {
                let token = self.token(t);
                let (status, _) = self.send(Method::POST, "/v1/auth/logout", bearer(&token).as_deref(), None, false);
                self.check_alive(token.as_deref(), status);
                if status.is_success() {
                    let user = self.user_of(token.as_deref().unwrap_or_default()).expect("only an issued token logs out");
                    let of_user: Vec<String> = self.issued.iter().filter(|(u, _)| *u == user).map(|(_, t)| t.clone()).collect();
                    self.dead.extend(of_user);
                }
            }
            Op::ValidToken(t) | Op::ListKeys(t) | Op::KeysCode(t) => {
                let token = self.token(t);
                let (method, path) = match op {
                    Op::ValidToken(_) => (Method::GET, "/v1/auth/validtoken"),
                    Op::ListKeys(_) => (Method::GET, "/v1/auth/keys"),
                    _ => (Method::POST, "/v1/auth/keys/code"),
                };
                let (status, bytes) = self.send(method, path, bearer(&token).as_deref(), None, false);
                self.check_alive(token.as_deref(), status);
                if status == StatusCode::OK {
                    match op {
                        Op::KeysCode(_) => self.last_code = wire::parse_auth_code(&bytes).expect("a challenge").to_string(),
                        Op::ValidToken(_) => {
                            let v: Value = serde_json::from_slice(&bytes).expect("token info is JSON");
                            let user = self.user_of(token.as_deref().unwrap_or_default()).expect("an issued token");
                            assert_eq!(v["userId"], user.as_str(), "token info names the token's user");
                        }
                        _ => assert!(serde_json::from_slice::<Value>(&bytes).expect("keys are JSON").is_array()),
                    }
                }
            }
            Op::AddKey { token, key, signature } => {
                let token = self.token(token);
                let body = self.signed_body(None, *key, signature, None, None);
                let (status, _) = self.send(Method::POST, "/v1/auth/keys", bearer(&token).as_deref(), Some(body), true);
                self.check_alive(token.as_deref(), status);
            }
            Op::Advance { seconds } => self.state.clock.advance(u64::from(*seconds) * 1000),
            Op::Raw { method, path, authorization, json, body } => {
                let path = if path.starts_with('/') { path.clone() } else { format!("/v1/auth/{path}") };
                let (status, _) = self.send(method_of(*method), &path, authorization.as_deref(), Some(body.clone()), *json);
                self.check_alive(authorization.as_deref().and_then(|a| a.strip_prefix("Bearer ")), status);
            }
        }
    }
}

fn bearer(token: &Option<String>) -> Option<String> {
    token.as_ref().map(|t| format!("Bearer {t}"))
}

fn method_of(n: u8) -> Method {
    [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS][n as usize % 5].clone()
}

fuzz_target!(|ops: Vec<Op>| {
    let mut driver = Driver::new();
    // Every input starts signed in, so that the fuzzed calls reach the states behind a sign-in: a
    // well-formed sign-in must work.
    driver.run(&Op::Code { user: Text::Known(0), join_code: None, register_email: None });
    driver.run(&Op::Token { user: Text::Known(0), key: 0, signature: Signature::Valid, fuzzed_code: None, scheme: None });
    assert!(!driver.last_access.is_empty(), "a well-formed sign-in failed");
    for op in ops.iter().take(64) {
        driver.run(op);
    }
});
