//! RFC 7807 error responses (`application/problem+json`), the shape the SxT
//! service uses: `{"type", "title", "detail", "status"}`.
//!
//! Details are written by the server itself and never include request data that
//! could be secret (tokens, keys, signatures).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    /// Short machine-readable kind, turned into the `type` URI.
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
}

/// Title of every 401, as on the public network.
pub const JWT_FAILED: &str = "JWT authorization failed";

impl Problem {
    pub fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Problem { status, kind, title, detail: detail.into() }
    }

    /// 400: malformed request.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Bad Request", detail)
    }

    /// 400: unknown, used, expired or misdirected authCode.
    pub fn bad_challenge(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-auth-code", "Invalid authCode", detail)
    }

    /// 400: signature does not verify, or the key may not be used.
    pub fn bad_signature(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-signature", "Signature verification failed", detail)
    }

    /// 400: join code problems.
    pub fn bad_join_code(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-join-code", "Invalid join code", detail)
    }

    /// 401: missing, unknown, expired, revoked or wrong-kind bearer token.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "jwt-authorization-failed", JWT_FAILED, detail)
    }

    /// 401: missing, empty or unknown `apikey` header at `auth/apikey`.
    pub fn bad_api_key(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid-api-key", "Invalid API key", detail)
    }

    /// 403: the caller's role does not allow this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "role-not-allowed", "Forbidden", detail)
    }

    /// 404: unknown userId, or no such endpoint.
    pub fn not_found(kind: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, kind, "Not Found", detail)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method Not Allowed",
            "this endpoint does not accept that HTTP method",
        )
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Payload Too Large",
            format!("request bodies are limited to {limit} bytes"),
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported Media Type",
            "a request body must be sent with content-type: application/json",
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service Unavailable", detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            r#type: String,
            title: &'a str,
            status: u16,
            detail: &'a str,
        }
        let body = Body {
            r#type: format!("urn:sxt-auth-server:problem:{}", self.kind),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        let headers = resp.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
        }
        resp
    }
}
