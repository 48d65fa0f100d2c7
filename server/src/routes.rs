//! The HTTP surface: one handler per `/v1/auth/...` and `/v1/subscription/...` endpoint and the proxy's
//! `/auth/apikey`, request parsing
//! and validation, error mapping, and request logging.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::crypto;
use crate::problem::Problem;
use crate::state::{AuthState, Role, SignedChallenge};

/// Largest request body accepted; every valid request is far smaller.
pub const BODY_LIMIT: usize = 64 * 1024;

type AppState = Arc<AuthState>;

/// The service's routes over `state`, logging one line per request to stderr (see [`log_request`]).
pub fn router(state: AppState) -> Router {
    unlogged_router(state).layer(middleware::from_fn(log_request))
}

/// [`router`] without the request log: for driving the service in-process (tests, the fuzz target), where a
/// line per request would only be noise. Every response is still marked `no-store`.
pub fn unlogged_router(state: AppState) -> Router {
    Router::new()
        .route("/v1/auth/idexists/{user_id}", get(idexists))
        .route("/v1/auth/code", post(code))
        .route("/v1/auth/code-register", post(code_register))
        .route("/v1/auth/token", post(token))
        .route("/v1/auth/refresh", post(refresh))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/auth/validtoken", get(validtoken))
        .route("/v1/auth/keys", get(list_keys).post(add_key))
        .route("/v1/auth/keys/code", post(keys_code))
        .route("/auth/apikey", post(api_key))
        .route("/v1/subscription/invite", post(invite))
        .route("/v1/subscription/invite/{join_code}", post(join))
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(harden))
        .with_state(state)
}

// ---------------------------------------------------------------------------
// Request bodies. Every field is optional at the JSON level so that a missing
// field gets a precise message; unknown fields are ignored, as services do.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CodeRequest {
    user_id: Option<String>,
    prefix: Option<String>,
    join_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CodeRegisterRequest {
    user_id: Option<String>,
    email: Option<String>,
    join_code: Option<String>,
    prefix: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignedRequest {
    user_id: Option<String>,
    auth_code: Option<String>,
    signature: Option<String>,
    key: Option<String>,
    scheme: Option<String>,
}

/// A JSON request body: requires `content-type: application/json`, enforces the
/// size limit, and reports problems without echoing the body.
struct JsonBody<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json_content_type);
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::payload_too_large(BODY_LIMIT)
            } else {
                Problem::bad_request("could not read the request body")
            }
        })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Problem::bad_request("a JSON object body is required"));
        }
        if !json_type {
            return Err(Problem::unsupported_media_type());
        }
        serde_json::from_slice(&body).map(JsonBody).map_err(|e| {
            use serde_json::error::Category;
            let what = match e.classify() {
                Category::Data => "has the wrong shape: expected a JSON object whose fields are strings",
                _ => "is not valid JSON",
            };
            Problem::bad_request(format!("request body {what} (line {}, column {})", e.line(), e.column()))
        })
    }
}

fn is_json_content_type(v: &str) -> bool {
    let mime = v.split(';').next().unwrap_or("").trim();
    mime.eq_ignore_ascii_case("application/json")
}

fn required<'a>(field: &'static str, v: &'a Option<String>) -> Result<&'a str, Problem> {
    match v.as_deref() {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Problem::bad_request(format!("missing field `{field}`"))),
    }
}

/// userIds: 1-128 characters, none of them whitespace, control characters or `/`.
fn check_user_id(id: &str) -> Result<(), Problem> {
    let n = id.chars().count();
    if n == 0 || n > 128 || id.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/') {
        return Err(Problem::bad_request(
            "userId must be 1-128 characters without whitespace, control characters or `/`",
        ));
    }
    Ok(())
}

fn check_prefix(prefix: Option<&str>) -> Result<&str, Problem> {
    let p = prefix.unwrap_or("");
    if p.chars().count() > 256 || p.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Problem::bad_request("prefix must be at most 256 characters of text"));
    }
    Ok(p)
}

fn check_email(email: &str) -> Result<(), Problem> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if ok {
        Ok(())
    } else {
        Err(Problem::bad_request("email is not a valid e-mail address"))
    }
}

/// Decodes the `authCode`/`signature`/`key`/`scheme` fields shared by
/// `auth/token` and `POST auth/keys`.
fn signed_challenge(r: &SignedRequest) -> Result<SignedChallenge, Problem> {
    let auth_code = required("authCode", &r.auth_code)?;
    let signature = required("signature", &r.signature)?;
    let key = required("key", &r.key)?;
    let scheme = required("scheme", &r.scheme)?;
    if auth_code.len() > 1024 {
        return Err(Problem::bad_challenge("unknown or already used authCode"));
    }
    crypto::check_scheme(scheme).map_err(Problem::bad_request)?;
    let verifying_key = crypto::parse_public_key(key).map_err(Problem::bad_request)?;
    let signature = crypto::parse_signature(signature).map_err(Problem::bad_request)?;
    Ok(SignedChallenge {
        auth_code: auth_code.to_string(),
        signature,
        key: verifying_key,
        key_b64: key.to_string(),
    })
}

/// The token from `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Result<&str, Problem> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| Problem::unauthorized("missing `Authorization: Bearer <token>` header"))?
        .to_str()
        .map_err(|_| Problem::unauthorized("Authorization header is not valid text"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim())
        }
        _ => Err(Problem::unauthorized("Authorization header must be `Bearer <token>`")),
    }
}

fn auth_code_response(code: String) -> Response {
    Json(serde_json::json!({ "authCode": code })).into_response()
}

// ---------------------------------------------------------------------------
// Handlers.

async fn idexists(
    State(st): State<AppState>,
    user_id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Path(user_id) = user_id.map_err(|_| Problem::bad_request("userId in the path is not valid UTF-8"))?;
    check_user_id(&user_id)?;
    // A bare JSON boolean: the body is exactly `true` or `false`.
    Ok(Json(st.user_exists(&user_id)).into_response())
}

async fn code(State(st): State<AppState>, JsonBody(r): JsonBody<CodeRequest>) -> Result<Response, Problem> {
    let user_id = required("userId", &r.user_id)?;
    check_user_id(user_id)?;
    let prefix = check_prefix(r.prefix.as_deref())?;
    let code = st.login_challenge(user_id, r.join_code.as_deref(), None, prefix)?;
    Ok(auth_code_response(code))
}

async fn code_register(
    State(st): State<AppState>,
    JsonBody(r): JsonBody<CodeRegisterRequest>,
) -> Result<Response, Problem> {
    let user_id = required("userId", &r.user_id)?;
    check_user_id(user_id)?;
    let email = required("email", &r.email)?;
    check_email(email)?;
    let prefix = check_prefix(r.prefix.as_deref())?;
    let code = st.login_challenge(user_id, r.join_code.as_deref(), Some(email), prefix)?;
    Ok(auth_code_response(code))
}

async fn token(
    State(st): State<AppState>,
    JsonBody(r): JsonBody<SignedRequest>,
) -> Result<Response, Problem> {
    let user_id = required("userId", &r.user_id)?;
    check_user_id(user_id)?;
    let signed = signed_challenge(&r)?;
    Ok(Json(st.exchange(user_id, &signed)?).into_response())
}

// The handlers that need no body still take it (`_body`): hyper answers as soon as the handler does, and a
// body that arrives after the answer would otherwise make it close the connection, so a client that sends
// headers and body in two writes would find its kept-alive connection dead on the next request.

async fn refresh(State(st): State<AppState>, headers: HeaderMap, _body: Bytes) -> Result<Response, Problem> {
    Ok(Json(st.refresh(bearer(&headers)?)?).into_response())
}

async fn logout(State(st): State<AppState>, headers: HeaderMap, _body: Bytes) -> Result<Response, Problem> {
    st.logout(bearer(&headers)?)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn validtoken(State(st): State<AppState>, headers: HeaderMap, _body: Bytes) -> Result<Response, Problem> {
    Ok(Json(st.token_info(bearer(&headers)?)?).into_response())
}

async fn list_keys(State(st): State<AppState>, headers: HeaderMap, _body: Bytes) -> Result<Response, Problem> {
    Ok(Json(st.list_keys(bearer(&headers)?)?).into_response())
}

async fn keys_code(State(st): State<AppState>, headers: HeaderMap, _body: Bytes) -> Result<Response, Problem> {
    Ok(auth_code_response(st.add_key_challenge(bearer(&headers)?)?))
}

async fn add_key(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Result<JsonBody<SignedRequest>, Problem>,
) -> Result<Response, Problem> {
    // Authentication first: without a valid token the body does not matter.
    let token = bearer(&headers)?;
    let JsonBody(r) = body?;
    let signed = signed_challenge(&r)?;
    Ok(Json(st.add_key(token, &signed)?).into_response())
}

/// `POST /auth/apikey` (the SxT proxy's path, without `/v1`): the key in the `apikey` header, no body needed.
async fn api_key(State(st): State<AppState>, headers: HeaderMap, _body: Bytes) -> Result<Response, Problem> {
    let key = headers
        .get("apikey")
        .ok_or_else(|| Problem::bad_api_key("missing `apikey` header"))?
        .to_str()
        .map_err(|_| Problem::bad_api_key("the `apikey` header is not valid text"))?
        .trim();
    if key.is_empty() {
        return Err(Problem::bad_api_key("empty `apikey` header"));
    }
    Ok(Json(st.api_key_sign_in(key)?).into_response())
}

/// `POST /v1/subscription/invite?role=MEMBER|ADMIN|OWNER`: the new join code as plain text.
async fn invite(State(st): State<AppState>, headers: HeaderMap, uri: axum::http::Uri, _body: Bytes) -> Result<Response, Problem> {
    let token = bearer(&headers)?;
    let role = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("role="))
        .ok_or_else(|| Problem::bad_request("missing query parameter `role` (MEMBER, ADMIN or OWNER)"))?;
    let role = Role::parse(role).ok_or_else(|| Problem::bad_request("role must be MEMBER, ADMIN or OWNER"))?;
    let code = st.invite(token, role)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], code).into_response())
}

/// `POST /v1/subscription/invite/{joinCode}`: joins, and answers with the session's new token set.
async fn join(
    State(st): State<AppState>,
    headers: HeaderMap,
    code: Result<Path<String>, PathRejection>,
    _body: Bytes,
) -> Result<Response, Problem> {
    let token = bearer(&headers)?;
    let Path(code) = code.map_err(|_| Problem::bad_join_code("the join code in the path is not valid UTF-8"))?;
    if code.is_empty() || code.len() > 256 {
        return Err(Problem::bad_join_code("unknown join code, or one already used"));
    }
    Ok(Json(st.join(token, &code)?).into_response())
}

async fn no_such_endpoint() -> Problem {
    Problem::not_found("no-such-endpoint", "no such endpoint")
}

async fn method_not_allowed() -> Problem {
    Problem::method_not_allowed()
}

/// Marks every response `no-store`: tokens must never be cached.
async fn harden(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Logs one line per request to stderr: method, path, status, time; never headers, query strings or bodies,
/// and never a join code (the path of a join is logged as `/v1/subscription/invite/<code>`).
async fn log_request(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let mut path: String = req.uri().path().chars().take(200).collect();
    if path.len() < req.uri().path().len() {
        path.push_str("...");
    }
    // A join code grants a place in a subscription: it is not logged.
    if let Some(rest) = path.strip_prefix("/v1/subscription/invite/") {
        if !rest.is_empty() {
            path = "/v1/subscription/invite/<code>".to_string();
        }
    }
    let resp = next.run(req).await;
    let _ = writeln!(
        std::io::stderr(),
        "{method} {path} -> {} ({} ms)",
        resp.status().as_u16(),
        start.elapsed().as_millis()
    );
    resp
}

/// `router` with a deadline for each request, from its headers to its answer: a client that drips its body
/// slower than that gets 408 and its connection is closed, so it cannot hold a connection forever.
pub fn with_request_timeout(router: Router, timeout: std::time::Duration) -> Router {
    router.layer(middleware::from_fn(move |req: Request, next: Next| async move {
        match tokio::time::timeout(timeout, next.run(req)).await {
            Ok(resp) => resp,
            Err(_) => {
                let mut resp = Problem::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "request-timeout",
                    "Request Timeout",
                    format!("the request was not complete within {} s", timeout.as_secs()),
                )
                .into_response();
                resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                resp
            }
        }
    }))
}

#[cfg(test)]
mod tests;
