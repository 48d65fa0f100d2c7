//! End-to-end tests of the HTTP surface, driving the router directly with
//! requests signed by real Ed25519 keys and a clock the tests can move.

use super::*;
use crate::state::{Limits, Policy};
use axum::body::Body;
use axum::http::{Method, Request as HttpRequest};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use tower::ServiceExt as _;

const SEED_1: &str = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=";
const SEED_2: &str = "AlpbthdPZMnUYStjlw03n13atWl1AA33KVJ0If6+3Z4=";

fn policy() -> Policy {
    Policy {
        challenge_ttl_ms: 30_000,
        access_ttl_ms: 1_500_000,
        refresh_ttl_ms: 1_800_000,
        session_ttl_ms: 86_400_000,
        join_code_ttl_ms: 86_400_000,
        invite_ttl_ms: crate::state::INVITE_TTL_MS,
        join_codes: vec!["TEAM".into(), "OTHER".into()],
        require_join_code: false,
        limits: Limits::default(),
        token_size: None,
        opaque_tokens: false,
        api_keys: Vec::new(),
    }
}

struct Key(SigningKey);

impl Key {
    fn from_seed(seed_b64: &str) -> Key {
        Key(SigningKey::from_bytes(&STANDARD.decode(seed_b64).unwrap().try_into().unwrap()))
    }
    fn random(n: u8) -> Key {
        Key(SigningKey::from_bytes(&[n; 32]))
    }
    fn public(&self) -> String {
        STANDARD.encode(self.0.verifying_key().as_bytes())
    }
    fn sign(&self, msg: &str) -> String {
        self.0.sign(msg.as_bytes()).to_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

struct Server {
    state: Arc<AuthState>,
    app: Router,
}

struct Reply {
    status: StatusCode,
    content_type: String,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    /// Asserts an RFC 7807 error of the given status.
    fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(self.content_type, "application/problem+json");
        let v = self.json();
        assert_eq!(v["status"], status);
        for field in ["type", "title", "detail"] {
            assert!(v[field].is_string(), "{field} missing in {v}");
        }
        v
    }
}

impl Server {
    fn new(policy: Policy) -> Server {
        let state = Arc::new(AuthState::new(policy));
        Server { app: unlogged_router(state.clone()), state }
    }

    async fn send(&self, method: Method, path: &str, bearer: Option<&str>, body: Option<Value>) -> Reply {
        let mut req = HttpRequest::builder().method(method).uri(path);
        if let Some(t) = bearer {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.raw(req).await
    }

    async fn raw(&self, req: HttpRequest<Body>) -> Reply {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let content_type =
            resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Reply { status, content_type, text: String::from_utf8(bytes.to_vec()).unwrap() }
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, None, Some(body)).await
    }

    async fn exists(&self, user: &str) -> String {
        let r = self.send(Method::GET, &format!("/v1/auth/idexists/{user}"), None, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.content_type, "application/json");
        r.text
    }

    async fn code(&self, body: Value) -> String {
        let r = self.post("/v1/auth/code", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json()["authCode"].as_str().unwrap().to_string()
    }

    async fn token_with(&self, user: &str, code: &str, key: &Key) -> Reply {
        let body = json!({
            "userId": user, "authCode": code, "signature": key.sign(code),
            "key": key.public(), "scheme": "ed25519",
        });
        self.post("/v1/auth/token", body).await
    }

    /// Full login (or registration): challenge, signature, tokens.
    async fn login(&self, user: &str, key: &Key) -> Value {
        let code = self.code(json!({ "userId": user })).await;
        let r = self.token_with(user, &code, key).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json()
    }

    async fn get_auth(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None).await
    }

    async fn post_auth(&self, path: &str, token: &str) -> Reply {
        self.send(Method::POST, path, Some(token), None).await
    }
}

fn tok(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap().to_string()
}

#[tokio::test]
async fn idexists_answers_a_bare_boolean() {
    let s = Server::new(policy());
    assert_eq!(s.exists("alice").await, "false");
    s.login("alice", &Key::from_seed(SEED_1)).await;
    assert_eq!(s.exists("alice").await, "true");
    assert_eq!(s.exists("bob").await, "false");
    // Percent-encoded path segments are decoded.
    assert_eq!(s.exists("%61lice").await, "true");
}

#[tokio::test]
async fn register_login_refresh_validtoken_logout() {
    let s = Server::new(policy());
    let key = Key::from_seed(SEED_1);
    let before = s.state.clock.now_ms();
    let t = s.login("alice", &key).await;
    let (access, refresh) = (tok(&t, "accessToken"), tok(&t, "refreshToken"));
    assert_ne!(access, refresh);
    // Expiries are epoch milliseconds.
    let a_exp = t["accessTokenExpires"].as_u64().unwrap();
    let r_exp = t["refreshTokenExpires"].as_u64().unwrap();
    assert!(a_exp >= before + 1_500_000 && a_exp < before + 1_510_000, "{a_exp}");
    assert!(r_exp >= before + 1_800_000 && r_exp < before + 1_810_000, "{r_exp}");
    assert!(t["sessionExpires"].as_u64().unwrap() >= before + 86_400_000);

    let info = s.get_auth("/v1/auth/validtoken", &access).await;
    assert_eq!(info.status, StatusCode::OK);
    let info = info.json();
    assert_eq!(info["userId"], "alice");
    assert_eq!(info["restricted"], false);
    assert_eq!(info["quotaExceeded"], false);
    assert_eq!(info["trial"], false);
    assert!(info["subscriptionId"].as_str().unwrap().len() == 36);
    let session = tok(&info, "sessionId");

    // A refresh token is not an access token and vice versa.
    s.get_auth("/v1/auth/validtoken", &refresh).await.problem(401);
    s.post_auth("/v1/auth/refresh", &access).await.problem(401);

    // Refresh rotates: new pair, same session, old refresh token refused.
    let r = s.post_auth("/v1/auth/refresh", &refresh).await;
    assert_eq!(r.status, StatusCode::OK);
    let t2 = r.json();
    let (access2, refresh2) = (tok(&t2, "accessToken"), tok(&t2, "refreshToken"));
    assert!(access2 != access && refresh2 != refresh && access2 != refresh2);
    let v = s.problem_of(s.post_auth("/v1/auth/refresh", &refresh).await, 401);
    assert_eq!(v["title"], "JWT authorization failed");
    assert_eq!(s.get_auth("/v1/auth/validtoken", &access2).await.json()["sessionId"], session.as_str());

    // A second login is a second session; logout ends both.
    let other = s.login("alice", &key).await;
    let r = s.post_auth("/v1/auth/logout", &access2).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.text.is_empty());
    for t in [&access, &access2, &tok(&other, "accessToken")] {
        s.get_auth("/v1/auth/validtoken", t).await.problem(401);
    }
    for t in [&refresh2, &tok(&other, "refreshToken")] {
        s.post_auth("/v1/auth/refresh", t).await.problem(401);
    }
    s.post_auth("/v1/auth/logout", &access2).await.problem(401);
    // The user still exists and can log in again.
    let again = s.login("alice", &key).await;
    // Logout also accepts the refresh token.
    assert_eq!(
        s.post_auth("/v1/auth/logout", &tok(&again, "refreshToken")).await.status,
        StatusCode::NO_CONTENT
    );
    s.get_auth("/v1/auth/validtoken", &tok(&again, "accessToken")).await.problem(401);
}

impl Server {
    fn problem_of(&self, r: Reply, status: u16) -> Value {
        r.problem(status)
    }
}

#[tokio::test]
async fn existing_user_needs_a_key_from_its_keyring() {
    let s = Server::new(policy());
    s.login("alice", &Key::from_seed(SEED_1)).await;
    let code = s.code(json!({ "userId": "alice" })).await;
    let v = s.token_with("alice", &code, &Key::from_seed(SEED_2)).await.problem(400);
    assert!(v["detail"].as_str().unwrap().contains("keyring"));
    // Also through the registration endpoint.
    let r = s.post("/v1/auth/code-register", json!({ "userId": "alice", "email": "a@example.com" })).await;
    let code = tok(&r.json(), "authCode");
    s.token_with("alice", &code, &Key::from_seed(SEED_2)).await.problem(400);
    // The first key still works.
    s.login("alice", &Key::from_seed(SEED_1)).await;
}

#[tokio::test]
async fn join_codes_bind_new_users_to_a_subscription() {
    let s = Server::new(policy());
    let sub = |t: Value| {
        let s = &s;
        async move {
            tok(&s.get_auth("/v1/auth/validtoken", &tok(&t, "accessToken")).await.json(), "subscriptionId")
        }
    };
    let mut subs = Vec::new();
    for (i, (user, join)) in [
        ("u1", json!("TEAM")),
        ("u2", json!("TEAM")),
        ("u3", json!("OTHER")),
        ("u4", Value::Null),
        ("u5", json!("")),
    ]
    .into_iter()
    .enumerate()
    {
        let code = s.code(json!({ "userId": user, "joinCode": join })).await;
        let r = s.token_with(user, &code, &Key::random(i as u8 + 1)).await;
        assert_eq!(r.status, StatusCode::OK);
        subs.push(sub(r.json()).await);
    }
    assert_eq!(subs[0], subs[1]);
    assert_ne!(subs[0], subs[2]);
    // No join code (null or "" as some SDKs send): a subscription of one's own.
    assert_ne!(subs[3], subs[0]);
    assert_ne!(subs[3], subs[4]);

    let v = s.post("/v1/auth/code", json!({ "userId": "u6", "joinCode": "WRONG" })).await.problem(400);
    assert!(v["detail"].as_str().unwrap().contains("join code"));
    s.post(
        "/v1/auth/code-register",
        json!({ "userId": "u6", "email": "u6@example.com", "joinCode": "WRONG" }),
    )
    .await
    .problem(400);
}

#[tokio::test]
async fn join_codes_can_be_required_and_expire() {
    let s = Server::new(Policy { require_join_code: true, ..policy() });
    let v = s.post("/v1/auth/code", json!({ "userId": "newbie" })).await.problem(404);
    assert!(v["detail"].as_str().unwrap().contains("joinCode"));
    s.post("/v1/auth/code-register", json!({ "userId": "newbie", "email": "n@example.com" }))
        .await
        .problem(404);
    let code = s.code(json!({ "userId": "newbie", "joinCode": "TEAM" })).await;
    assert_eq!(s.token_with("newbie", &code, &Key::random(9)).await.status, StatusCode::OK);
    // Existing users log in without one.
    s.login("newbie", &Key::random(9)).await;

    // Codes stop working after their lifetime, also for a challenge issued before.
    let code = s.code(json!({ "userId": "late", "joinCode": "TEAM" })).await;
    s.state.clock.advance(86_400_000);
    s.token_with("late", &code, &Key::random(8)).await.problem(400);
    let v = s.post("/v1/auth/code", json!({ "userId": "late", "joinCode": "TEAM" })).await.problem(400);
    assert!(v["detail"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn code_register_validates_email_and_binds_it() {
    let s = Server::new(policy());
    s.post("/v1/auth/code-register", json!({ "userId": "r" })).await.problem(400);
    s.post("/v1/auth/code-register", json!({ "userId": "r", "email": "not-an-email" })).await.problem(400);
    s.post("/v1/auth/code-register", json!({ "userId": "r", "email": null })).await.problem(400);
    let r = s
        .post(
            "/v1/auth/code-register",
            json!({ "userId": "r", "email": "r@example.com", "joinCode": "TEAM" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let code = tok(&r.json(), "authCode");
    assert_eq!(s.token_with("r", &code, &Key::random(3)).await.status, StatusCode::OK);
    assert_eq!(s.exists("r").await, "true");
}

#[tokio::test]
async fn challenges_are_single_use_bound_and_short_lived() {
    let s = Server::new(policy());
    let key = Key::from_seed(SEED_1);
    let code = s.code(json!({ "userId": "alice" })).await;
    assert_eq!(s.token_with("alice", &code, &key).await.status, StatusCode::OK);
    s.token_with("alice", &code, &key).await.problem(400);

    // Bound to the userId that asked for it (and burnt by the attempt).
    let code = s.code(json!({ "userId": "alice" })).await;
    let v = s.token_with("mallory", &code, &key).await.problem(400);
    assert!(v["detail"].as_str().unwrap().contains("different userId"));
    s.token_with("alice", &code, &key).await.problem(400);

    // A bad signature burns it too.
    let code = s.code(json!({ "userId": "alice" })).await;
    let mut body = json!({
        "userId": "alice", "authCode": code, "signature": key.sign("something else"),
        "key": key.public(), "scheme": "ed25519",
    });
    let v = s.post("/v1/auth/token", body.clone()).await.problem(400);
    assert!(v["detail"].as_str().unwrap().contains("signature"));
    body["signature"] = json!(key.sign(&code));
    s.post("/v1/auth/token", body).await.problem(400);

    // Expiry.
    let code = s.code(json!({ "userId": "alice" })).await;
    s.state.clock.advance(30_001);
    let v = s.token_with("alice", &code, &key).await.problem(400);
    assert!(v["detail"].as_str().unwrap().contains("expired"));
    let code = s.code(json!({ "userId": "alice" })).await;
    s.state.clock.advance(29_000);
    assert_eq!(s.token_with("alice", &code, &key).await.status, StatusCode::OK);

    // Unknown code.
    s.token_with("alice", "0123456789abcdef", &key).await.problem(400);
}

#[tokio::test]
async fn prefix_is_part_of_the_signed_auth_code() {
    let s = Server::new(policy());
    let code = s.code(json!({ "userId": "p", "prefix": "Sign in to Example ✓: " })).await;
    assert!(code.starts_with("Sign in to Example ✓: "));
    assert_eq!(s.token_with("p", &code, &Key::random(4)).await.status, StatusCode::OK);
    let long = "x".repeat(257);
    s.post("/v1/auth/code", json!({ "userId": "p", "prefix": long })).await.problem(400);
}

#[tokio::test]
async fn tokens_expire_and_never_outlive_the_session() {
    let s = Server::new(Policy { session_ttl_ms: 2_000_000, ..policy() });
    let key = Key::from_seed(SEED_1);
    let start = s.state.clock.now_ms();
    let t = s.login("alice", &key).await;
    let session_end = t["sessionExpires"].as_u64().unwrap();
    assert!(session_end >= start + 2_000_000 && session_end < start + 2_010_000);

    // Access token expiry: validtoken refuses it, refresh still works.
    s.state.clock.advance(1_500_000);
    s.get_auth("/v1/auth/validtoken", &tok(&t, "accessToken")).await.problem(401);
    let r = s.post_auth("/v1/auth/refresh", &tok(&t, "refreshToken")).await;
    assert_eq!(r.status, StatusCode::OK);
    let t2 = r.json();
    // Both new expiries are clamped to the session end.
    assert_eq!(t2["accessTokenExpires"].as_u64().unwrap(), session_end);
    assert_eq!(t2["refreshTokenExpires"].as_u64().unwrap(), session_end);
    assert_eq!(t2["sessionExpires"].as_u64().unwrap(), session_end);

    // Past the session end nothing works, and a refresh cannot extend it.
    s.state.clock.advance(500_001);
    s.post_auth("/v1/auth/refresh", &tok(&t2, "refreshToken")).await.problem(401);
    s.get_auth("/v1/auth/validtoken", &tok(&t2, "accessToken")).await.problem(401);
    // A full login starts a new session.
    s.login("alice", &key).await;
}

#[tokio::test]
async fn refresh_token_expires_on_its_own() {
    let s = Server::new(policy());
    let t = s.login("alice", &Key::from_seed(SEED_1)).await;
    s.state.clock.advance(1_800_000);
    s.post_auth("/v1/auth/refresh", &tok(&t, "refreshToken")).await.problem(401);
}

#[tokio::test]
async fn keyring_list_and_add() {
    let s = Server::new(policy());
    let (first, second) = (Key::from_seed(SEED_1), Key::from_seed(SEED_2));
    let t = s.login("alice", &first).await;
    let access = tok(&t, "accessToken");

    let keys = s.get_auth("/v1/auth/keys", &access).await.json();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert_eq!(keys[0]["key"], first.public().as_str());
    assert_eq!(keys[0]["scheme"], "ed25519");
    assert!(keys[0]["created"].as_u64().unwrap() > 1_600_000_000_000);

    let add = |code: &str, key: &Key, signer: &Key| json!({ "authCode": code, "signature": signer.sign(code), "key": key.public(), "scheme": "ed25519" });
    let keys_code = || {
        let (s, access) = (&s, access.clone());
        async move { tok(&s.post_auth("/v1/auth/keys/code", &access).await.json(), "authCode") }
    };

    // Signed by the old key instead of the new one: refused.
    let code = keys_code().await;
    s.send(Method::POST, "/v1/auth/keys", Some(&access), Some(add(&code, &second, &first)))
        .await
        .problem(400);
    // A login challenge cannot add a key, and a key challenge cannot log in.
    let login_code = s.code(json!({ "userId": "alice" })).await;
    s.send(Method::POST, "/v1/auth/keys", Some(&access), Some(add(&login_code, &second, &second)))
        .await
        .problem(400);
    let code = keys_code().await;
    let v = s.token_with("alice", &code, &first).await.problem(400);
    assert!(v["detail"].as_str().unwrap().contains("adding a key"));

    // Properly signed by the new key.
    let code = keys_code().await;
    let r = s.send(Method::POST, "/v1/auth/keys", Some(&access), Some(add(&code, &second, &second))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["key"], second.public().as_str());
    let keys = s.get_auth("/v1/auth/keys", &access).await.json();
    assert_eq!(keys.as_array().unwrap().len(), 2);

    // Duplicate refused; the new key logs in.
    let code = keys_code().await;
    let v = s
        .send(Method::POST, "/v1/auth/keys", Some(&access), Some(add(&code, &second, &second)))
        .await
        .problem(400);
    assert!(v["detail"].as_str().unwrap().contains("already"));
    s.login("alice", &second).await;

    // Another user cannot use alice's key challenge.
    let bob = s.login("bob", &Key::random(5)).await;
    let code = keys_code().await;
    let third = Key::random(6);
    s.send(Method::POST, "/v1/auth/keys", Some(&tok(&bob, "accessToken")), Some(add(&code, &third, &third)))
        .await
        .problem(400);

    // All key endpoints need an access token.
    s.send(Method::GET, "/v1/auth/keys", None, None).await.problem(401);
    s.send(Method::POST, "/v1/auth/keys/code", None, None).await.problem(401);
    s.send(Method::POST, "/v1/auth/keys", None, Some(add(&code, &third, &third))).await.problem(401);
    s.get_auth("/v1/auth/keys", &tok(&bob, "refreshToken")).await.problem(401);
}

#[tokio::test]
async fn malformed_requests_get_400_and_never_echo_secrets() {
    let s = Server::new(policy());
    let key = Key::from_seed(SEED_1);
    let code = s.code(json!({ "userId": "alice" })).await;
    let good = json!({
        "userId": "alice", "authCode": code, "signature": key.sign(&code),
        "key": key.public(), "scheme": "ed25519",
    });
    let cases: Vec<(&str, Value)> = vec![
        ("scheme", json!("ED25519")),
        ("scheme", json!("ecdsa")),
        ("scheme", Value::Null),
        ("signature", json!(key.sign(&code).to_uppercase())),
        ("signature", json!(STANDARD.encode([0u8; 64]))),
        ("key", json!(key.public().trim_end_matches('='))),
        ("key", json!(STANDARD.encode([1u8; 64]))),
        ("userId", json!("has space")),
        ("userId", json!("")),
        ("authCode", Value::Null),
        ("key", json!(42)),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value.clone();
        let v = s.post("/v1/auth/token", body).await.problem(400);
        let text = v.to_string();
        assert!(!text.contains(&key.public()[..20]), "{text}");
        assert!(!text.contains(&key.sign(&code)[..40]), "{text}");
    }
    // None of those consumed the challenge.
    assert_eq!(s.post("/v1/auth/token", good).await.status, StatusCode::OK);

    s.post("/v1/auth/code", json!({})).await.problem(400);
    s.post("/v1/auth/code", json!(["alice"])).await.problem(400);
    s.post("/v1/auth/code", json!("alice")).await.problem(400);
    s.send(Method::POST, "/v1/auth/code", None, None).await.problem(400);
    let bad_json = HttpRequest::post("/v1/auth/code")
        .header("content-type", "application/json")
        .body(Body::from("{\"userId\": "))
        .unwrap();
    s.raw(bad_json).await.problem(400);
    let no_type = HttpRequest::post("/v1/auth/code").body(Body::from("{\"userId\":\"a\"}")).unwrap();
    s.raw(no_type).await.problem(415);
    let big = HttpRequest::post("/v1/auth/code")
        .header("content-type", "application/json")
        .body(Body::from(format!("{{\"userId\":\"{}\"}}", "a".repeat(BODY_LIMIT))))
        .unwrap();
    s.raw(big).await.problem(413);

    // Bearer tokens: missing, wrong scheme, unknown; the token is not echoed.
    s.send(Method::GET, "/v1/auth/validtoken", None, None).await.problem(401);
    let basic = HttpRequest::get("/v1/auth/validtoken")
        .header("authorization", "Basic abc")
        .body(Body::empty())
        .unwrap();
    s.raw(basic).await.problem(401);
    let v = s.get_auth("/v1/auth/validtoken", "made-up-token-value").await.problem(401);
    assert!(!v.to_string().contains("made-up-token-value"));
    let lower = HttpRequest::get("/v1/auth/validtoken")
        .header("authorization", "bearer x")
        .body(Body::empty())
        .unwrap();
    s.raw(lower).await.problem(401);
}

#[tokio::test]
async fn tolerates_what_sdks_send() {
    let s = Server::new(policy());
    let t = s.login("alice", &Key::from_seed(SEED_1)).await;
    let access = tok(&t, "accessToken");
    // The Python SDK sends `{}` with content-type JSON on GET and bodiless POSTs.
    let req = HttpRequest::get("/v1/auth/validtoken")
        .header("authorization", format!("Bearer {access}"))
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(s.raw(req).await.status, StatusCode::OK);
    let req = HttpRequest::post("/v1/auth/refresh")
        .header("authorization", format!("Bearer {}", tok(&t, "refreshToken")))
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(s.raw(req).await.status, StatusCode::OK);
    // Unknown fields are ignored; content-type parameters are fine.
    let req = HttpRequest::post("/v1/auth/code")
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(r#"{"userId":"alice","somethingElse":1}"#))
        .unwrap();
    assert_eq!(s.raw(req).await.status, StatusCode::OK);
    // HEAD works wherever GET does.
    let r = s.send(Method::HEAD, "/v1/auth/idexists/alice", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let s = Server::new(policy());
    s.send(Method::GET, "/v1/auth/nothing", None, None).await.problem(404);
    s.send(Method::GET, "/v2/auth/code", None, None).await.problem(404);
    s.send(Method::GET, "/v1/auth/code/", None, None).await.problem(404);
    s.send(Method::GET, "/v1/auth/code", None, None).await.problem(405);
    s.send(Method::POST, "/v1/auth/idexists/alice", None, Some(json!({}))).await.problem(405);
    s.send(Method::DELETE, "/v1/auth/keys", None, None).await.problem(405);
}

#[tokio::test]
async fn expired_entries_are_purged() {
    let s = Server::new(policy());
    let key = Key::from_seed(SEED_1);
    s.login("alice", &key).await;
    for _ in 0..10 {
        s.code(json!({ "userId": "alice" })).await;
    }
    let (users, challenges, tokens, sessions) = s.state.counts();
    assert_eq!((users, challenges, tokens, sessions), (1, 10, 2, 1));
    s.state.clock.advance(86_400_001);
    s.state.purge_expired();
    assert_eq!(s.state.counts(), (1, 0, 0, 0));
}

fn small(limits: Limits) -> Policy {
    Policy { limits, ..policy() }
}

#[tokio::test]
async fn a_flood_of_challenges_locks_nobody_out() {
    // More challenges than the table holds, for many user ids: the oldest are evicted, nobody gets a 503.
    let s = Server::new(small(Limits { max_challenges: 200, ..Limits::default() }));
    for i in 0..1000 {
        s.code(json!({ "userId": format!("flood{i}") })).await;
    }
    assert_eq!(s.state.counts().1, 200, "the table stays at its bound");
    let key = Key::from_seed(SEED_1);
    s.login("alice", &key).await;
}

#[tokio::test]
async fn one_user_id_holds_a_bounded_number_of_challenges_oldest_evicted() {
    let s = Server::new(small(Limits { max_challenges_per_user: 4, ..Limits::default() }));
    let key = Key::from_seed(SEED_1);
    let codes: Vec<String> = issue_codes(&s, "alice", 6).await;
    assert_eq!(s.state.counts().1, 4);
    for old in &codes[..2] {
        s.token_with("alice", old, &key).await.problem(400);
    }
    let r = s.token_with("alice", &codes[5], &key).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Another user id is not affected by alice's.
    s.login("bob", &Key::from_seed(SEED_2)).await;
}

async fn issue_codes(s: &Server, user: &str, n: usize) -> Vec<String> {
    let mut codes = Vec::new();
    for _ in 0..n {
        codes.push(s.code(json!({ "userId": user })).await);
    }
    codes
}

#[tokio::test]
async fn expired_challenges_are_dropped_as_new_ones_come_without_a_full_purge() {
    let s = Server::new(policy());
    for i in 0..50 {
        s.code(json!({ "userId": format!("u{i}") })).await;
    }
    s.state.clock.advance(30_001);
    s.code(json!({ "userId": "fresh" })).await;
    assert_eq!(s.state.counts().1, 1, "the expired ones went as the new one came");
}

#[tokio::test]
async fn users_sessions_and_tokens_are_bounded() {
    let s = Server::new(small(Limits { max_users: 2, max_sessions_per_user: 3, max_tokens_per_session: 4, ..Limits::default() }));
    let key = Key::from_seed(SEED_1);
    s.login("u1", &key).await;
    s.login("u2", &Key::from_seed(SEED_2)).await;
    let code = s.code(json!({ "userId": "u3" })).await;
    let p = s.token_with("u3", &code, &Key::random(3)).await.problem(503);
    assert!(p["detail"].as_str().unwrap().contains("maximum of 2 users"), "{p}");

    // Sessions per user: the fourth sign-in ends the first session.
    let first = s.login("u1", &key).await;
    for _ in 0..3 {
        s.login("u1", &key).await;
    }
    s.get_auth("/v1/auth/validtoken", &tok(&first, "accessToken")).await.problem(401);
    let (_, _, tokens, sessions) = s.state.counts();
    assert_eq!(sessions, 4, "three for u1, one for u2");

    // Tokens per session: refreshes revoke the oldest access tokens beyond the bound.
    let mut set = s.login("u2", &Key::from_seed(SEED_2)).await;
    let first_access = tok(&set, "accessToken");
    for _ in 0..5 {
        let r = s.post_auth("/v1/auth/refresh", &tok(&set, "refreshToken")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        set = r.json();
    }
    s.get_auth("/v1/auth/validtoken", &first_access).await.problem(401);
    let r = s.get_auth("/v1/auth/validtoken", &tok(&set, "accessToken")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (_, _, tokens_after, sessions_after) = s.state.counts();
    assert!(tokens_after <= sessions_after * 4, "{tokens_after} tokens for {sessions_after} sessions");
    assert!(tokens <= sessions * 4);
}

// ---------------------------------------------------------------------------
// API keys, subscriptions, JWTs.

fn with_api_keys() -> Policy {
    Policy { api_keys: vec![("keyed".into(), "K-secret-1".into()), ("alice".into(), "K-alice".into())], ..policy() }
}

impl Server {
    async fn api_key(&self, key: Option<&str>) -> Reply {
        let mut req = HttpRequest::builder().method(Method::POST).uri("/auth/apikey");
        if let Some(k) = key {
            req = req.header("apikey", k);
        }
        self.raw(req.body(Body::empty()).unwrap()).await
    }

    async fn invite(&self, token: &str, role: &str) -> Reply {
        self.post_auth(&format!("/v1/subscription/invite?role={role}"), token).await
    }
}

#[tokio::test]
async fn api_keys_sign_in_with_an_access_token_only() {
    let s = Server::new(with_api_keys());
    assert_eq!(s.exists("keyed").await, "true", "the user of --api-key is created");
    let before = s.state.clock.now_ms();
    let r = s.api_key(Some("K-secret-1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = r.json();
    assert!(t.get("refreshToken").is_none() && t.get("refreshTokenExpires").is_none(), "{t}");
    assert!(t.get("userId").is_none(), "the user id comes from validtoken: {t}");
    let access = tok(&t, "accessToken");
    let exp = t["accessTokenExpires"].as_u64().unwrap();
    assert!(exp >= before + 1_500_000 && exp < before + 1_510_000);
    let info = s.get_auth("/v1/auth/validtoken", &access).await.json();
    assert_eq!(info["userId"], "keyed");
    // No refresh with an access token; logout with it ends the session.
    s.post_auth("/v1/auth/refresh", &access).await.problem(401);
    assert_eq!(s.post_auth("/v1/auth/logout", &access).await.status, StatusCode::NO_CONTENT);
    s.get_auth("/v1/auth/validtoken", &access).await.problem(401);
    // A user given an API key may also have keys: alice signs in both ways.
    s.login("alice", &Key::from_seed(SEED_1)).await;
    assert_eq!(s.api_key(Some("K-alice")).await.status, StatusCode::OK);
    // Wrong, empty, missing keys: 401 with a problem body that never repeats the key.
    for key in [Some("K-wrong"), Some(""), Some("  "), None] {
        let v = s.api_key(key).await.problem(401);
        assert_eq!(v["title"], "Invalid API key");
        assert!(!v.to_string().contains("K-wrong"));
    }
}

#[tokio::test]
async fn api_key_sessions_expire_and_are_capped_like_others() {
    let s = Server::new(Policy { access_ttl_ms: 1000, ..with_api_keys() });
    let access = tok(&s.api_key(Some("K-secret-1")).await.json(), "accessToken");
    s.state.clock.advance(1000);
    assert_eq!(s.get_auth("/v1/auth/validtoken", &access).await.problem(401)["detail"], "token has expired");
}

#[tokio::test]
async fn invitations_join_users_to_the_inviters_subscription_with_its_role() {
    let s = Server::new(policy());
    let owner = s.login("owner", &Key::random(1)).await;
    let owner_access = tok(&owner, "accessToken");
    let owner_sub = s.get_auth("/v1/auth/validtoken", &owner_access).await.json()["subscriptionId"].clone();

    // The join code comes back as plain text that is not JSON (the Python SDK tries JSON first).
    let r = s.invite(&owner_access, "admin").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type.starts_with("text/plain"), "{}", r.content_type);
    assert!(serde_json::from_str::<Value>(&r.text).is_err());
    let admin_code = r.text.clone();

    // An existing user joins: new tokens in the same session, the old ones revoked.
    let bob = s.login("bob", &Key::random(2)).await;
    let bob_access = tok(&bob, "accessToken");
    let bob_info = s.get_auth("/v1/auth/validtoken", &bob_access).await.json();
    assert_ne!(bob_info["subscriptionId"], owner_sub, "bob starts in a subscription of his own");
    let r = s.post_auth(&format!("/v1/subscription/invite/{admin_code}"), &bob_access).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let joined = r.json();
    let new_access = tok(&joined, "accessToken");
    assert!(joined["refreshToken"].is_string() && joined["refreshTokenExpires"].is_u64());
    let info = s.get_auth("/v1/auth/validtoken", &new_access).await.json();
    assert_eq!(info["subscriptionId"], owner_sub);
    assert_eq!(info["sessionId"], bob_info["sessionId"], "the same session");
    s.get_auth("/v1/auth/validtoken", &bob_access).await.problem(401);
    s.post_auth("/v1/auth/refresh", &tok(&bob, "refreshToken")).await.problem(401);
    assert_eq!(s.post_auth("/v1/auth/refresh", &tok(&joined, "refreshToken")).await.status, StatusCode::OK);

    // Single use.
    let carol = s.login("carol", &Key::random(3)).await;
    let v = s.post_auth(&format!("/v1/subscription/invite/{admin_code}"), &tok(&carol, "accessToken")).await.problem(400);
    assert_eq!(v["detail"], "unknown join code, or one already used");
    s.post_auth("/v1/subscription/invite/jc_nonesuch", &tok(&carol, "accessToken")).await.problem(400);

    // Roles: bob (admin) can invite members and admins, not owners; a member cannot invite at all.
    assert_eq!(s.invite(&new_access, "MEMBER").await.status, StatusCode::OK);
    let v = s.invite(&new_access, "OWNER").await.problem(403);
    assert!(v["detail"].as_str().unwrap().contains("higher"), "{v}");
    let member_code = s.invite(&owner_access, "member").await.text;
    let carol_access = tok(&carol, "accessToken");
    let carol_joined = s.post_auth(&format!("/v1/subscription/invite/{member_code}"), &carol_access).await.json();
    s.invite(&tok(&carol_joined, "accessToken"), "member").await.problem(403);
    // Bad roles, no role, no token.
    s.invite(&owner_access, "king").await.problem(400);
    s.post_auth("/v1/subscription/invite", &owner_access).await.problem(400);
    s.send(Method::POST, "/v1/subscription/invite?role=MEMBER", None, None).await.problem(401);
    s.send(Method::POST, &format!("/v1/subscription/invite/{member_code}"), None, None).await.problem(401);
}

#[tokio::test]
async fn invitations_register_new_users_and_expire_in_a_day() {
    let s = Server::new(policy());
    let owner = tok(&s.login("owner", &Key::random(1)).await, "accessToken");
    let sub = s.get_auth("/v1/auth/validtoken", &owner).await.json()["subscriptionId"].clone();
    let code = s.invite(&owner, "MEMBER").await.text;
    // A new user registers with the invitation as its joinCode.
    let auth = s.code(json!({ "userId": "newbie", "joinCode": code })).await;
    let t = s.token_with("newbie", &auth, &Key::random(4)).await.json();
    assert_eq!(s.get_auth("/v1/auth/validtoken", &tok(&t, "accessToken")).await.json()["subscriptionId"], sub);
    s.post("/v1/auth/code", json!({ "userId": "second", "joinCode": code })).await.problem(400);

    let code = s.invite(&owner, "MEMBER").await.text;
    s.state.clock.advance(crate::state::INVITE_TTL_MS);
    let fresh = tok(&s.login("late", &Key::random(5)).await, "accessToken");
    let v = s.post_auth(&format!("/v1/subscription/invite/{code}"), &fresh).await.problem(400);
    assert_eq!(v["detail"], "join code has expired");
}

#[tokio::test]
async fn org_join_codes_make_members_and_can_be_joined_later() {
    let s = Server::new(policy());
    let a = tok(&s.login("a", &Key::random(1)).await, "accessToken");
    let r = s.post_auth("/v1/subscription/invite/TEAM", &a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a2 = tok(&r.json(), "accessToken");
    s.invite(&a2, "MEMBER").await.problem(403);
    let code = s.code(json!({ "userId": "b", "joinCode": "TEAM" })).await;
    let b = s.token_with("b", &code, &Key::random(2)).await.json();
    let sub_a = s.get_auth("/v1/auth/validtoken", &a2).await.json()["subscriptionId"].clone();
    let sub_b = s.get_auth("/v1/auth/validtoken", &tok(&b, "accessToken")).await.json()["subscriptionId"].clone();
    assert_eq!(sub_a, sub_b);
}

#[tokio::test]
async fn api_key_sessions_join_with_an_access_token_back() {
    let s = Server::new(with_api_keys());
    let owner = tok(&s.login("owner", &Key::random(1)).await, "accessToken");
    let code = s.invite(&owner, "MEMBER").await.text;
    let access = tok(&s.api_key(Some("K-secret-1")).await.json(), "accessToken");
    let joined = s.post_auth(&format!("/v1/subscription/invite/{code}"), &access).await.json();
    assert_eq!((&joined["refreshToken"], &joined["refreshTokenExpires"]), (&json!(""), &json!(0)), "{joined}");
    let info = s.get_auth("/v1/auth/validtoken", &tok(&joined, "accessToken")).await.json();
    assert_eq!(info["userId"], "keyed");
}

#[tokio::test]
async fn tokens_are_es256_jwts_that_are_checked_on_every_call() {
    let s = Server::new(policy());
    let t = s.login("alice", &Key::from_seed(SEED_1)).await;
    let access = tok(&t, "accessToken");
    assert!((450..700).contains(&access.len()), "about 500 characters: {}", access.len());
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(access.split('.').nth(1).unwrap()).unwrap(),
    )
    .unwrap();
    for c in ["iat", "nbf", "exp", "type", "user", "subscription", "session", "ssn_exp", "iteration", "trial"] {
        assert!(claims.get(c).is_some(), "claim {c} in {claims}");
    }
    assert_eq!(claims["user"], "alice");
    assert_eq!(claims["type"], "access");
    let info = s.get_auth("/v1/auth/validtoken", &access).await.json();
    assert_eq!(claims["session"], info["sessionId"]);
    assert_eq!(claims["subscription"], info["subscriptionId"]);
    // Altered (one character of the signature) and forged (another server's key) tokens are refused.
    let mut altered = access.clone().into_bytes();
    let last = altered.len() - 2;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    let v = s.get_auth("/v1/auth/validtoken", std::str::from_utf8(&altered).unwrap()).await.problem(401);
    assert_eq!(v["title"], "JWT authorization failed");
    let other = Server::new(policy());
    let foreign = tok(&other.login("alice", &Key::from_seed(SEED_1)).await, "accessToken");
    s.get_auth("/v1/auth/validtoken", &foreign).await.problem(401);
    // Opaque tokens when asked for.
    let opaque = Server::new(Policy { opaque_tokens: true, ..policy() });
    assert_eq!(tok(&opaque.login("alice", &Key::from_seed(SEED_1)).await, "accessToken").len(), 43);
}
