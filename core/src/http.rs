//! HTTP transport: one ureq agent per client, with the limits an auth client needs.
//!
//! * Timeouts are always set (ureq's own default is none): connect, per read, and overall per call.
//! * Redirects are never followed (a 3xx is [`ErrorKind::Redirect`]): credentials must not wander to another host.
//! * Replies are capped at [`MAX_REPLY_BYTES`]; auth replies are tiny. Compression is neither asked for nor
//!   decoded, so there is no decompression bomb to defuse.
//! * No thread per request (see `connect`): IP literals are never resolved, host names only for a new connection.
//! * TLS uses rustls with the ring provider; trusted roots are Mozilla's plus any extra PEM CAs the caller gives.
//! * Proxies from the environment are not used.
//! * Reply bodies are wiped from memory after parsing (they hold tokens).
//!
//! A [`Transport`] is `Send + Sync`; its agent pools connections for every thread that uses it.

use std::time::{Duration, SystemTime};

use ureq::Agent;
use zeroize::Zeroizing;

use crate::base_url::BaseUrl;
use crate::call;
use crate::config::TransportConfig;
use crate::connect;
use crate::error::{Error, ErrorKind, Result};
use crate::wire;

/// The largest reply body accepted, after decompression.
pub const MAX_REPLY_BYTES: u64 = 64 * 1024;

/// The largest reply head (status line and headers) accepted.
pub const MAX_REPLY_HEADER_BYTES: usize = 16 * 1024;

/// Each connection's input buffer (ureq's default is 128 KB, zero-filled for every new connection, TCP and
/// TLS layer each): room for the largest reply head, with some to spare.
const INPUT_BUFFER_BYTES: usize = MAX_REPLY_HEADER_BYTES + 8 * 1024;

/// Each connection's output buffer. The TCP layer holds output back until half of it is used (`socket`), so
/// the other half must take the largest request head: a bearer token of at most `MAX_TOKEN_LEN` (8 KB) and
/// a few short headers.
const OUTPUT_BUFFER_BYTES: usize = 2 * (crate::wire::MAX_TOKEN_LEN + 8 * 1024);

/// A successful (2xx) reply.
pub struct Reply {
    /// The body, wiped on drop.
    pub body: Zeroizing<Vec<u8>>,
    /// The server's `Date` header, when present and well formed.
    pub date: Option<SystemTime>,
}

/// An agent bound to one base URL.
pub struct Transport {
    agent: Agent,
    base: BaseUrl,
    call_timeout: Duration,
}

impl Transport {
    /// Builds the agent. Errors: those of [`BaseUrl::parse`].
    pub fn new(base_url: &str, config: &TransportConfig) -> Result<Transport> {
        let base = BaseUrl::parse(base_url, config.allow_http())?;
        let agent_config = Agent::config_builder()
            .https_only(!config.allow_http())
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(config.user_agent())
            .timeout_connect(Some(config.connect_timeout()))
            .timeout_per_read(Some(config.read_timeout()))
            .timeout_global(Some(config.call_timeout()))
            .max_response_header_size(MAX_REPLY_HEADER_BYTES)
            .input_buffer_size(INPUT_BUFFER_BYTES)
            .output_buffer_size(OUTPUT_BUFFER_BYTES)
            .max_idle_age(config.max_idle_age())
            .build();
        let agent = Agent::with_parts(agent_config, connect::connector(config.extra_roots()), connect::LazyResolver);
        Ok(Transport { agent, base, call_timeout: config.call_timeout() })
    }

    /// The normalised base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// `GET path`, with an optional bearer token. Within a call's deadline and cancellation (`call`).
    pub fn get(&self, path: &str, bearer: Option<&str>) -> Result<Reply> {
        call::check()?;
        let mut req = self.agent.get(self.base.join(path)).header("accept", "application/json");
        if let Some(left) = call::remaining() {
            req = req.config().timeout_global(Some(left.min(self.call_timeout))).build();
        }
        if let Some(token) = bearer {
            req = req.header("authorization", Zeroizing::new(format!("Bearer {token}")).as_str());
        }
        self.finish(req.call())
    }

    /// `POST path` with an optional JSON body and an optional bearer token. Within a call's deadline and
    /// cancellation (`call`).
    pub fn post(&self, path: &str, bearer: Option<&str>, body: Option<&impl serde::Serialize>) -> Result<Reply> {
        call::check()?;
        let mut req = self.agent.post(self.base.join(path)).header("accept", "application/json");
        if let Some(left) = call::remaining() {
            req = req.config().timeout_global(Some(left.min(self.call_timeout))).build();
        }
        if let Some(token) = bearer {
            req = req.header("authorization", Zeroizing::new(format!("Bearer {token}")).as_str());
        }
        let result = match body {
            Some(b) => {
                let json = Zeroizing::new(
                    serde_json::to_vec(b).map_err(|_| Error::with_message(ErrorKind::Internal, "cannot encode the request"))?,
                );
                req.header("content-type", "application/json").send(&json[..])
            }
            None => req.send_empty(),
        };
        self.finish(result)
    }

    /// `POST {base}{path}` with the `apikey` header and no body: API-key sign-in at the SxT proxy, on this
    /// agent's pool. Within a call's deadline and cancellation (`call`).
    pub(crate) fn post_api_key(&self, base: &BaseUrl, path: &str, api_key: &str) -> Result<Reply> {
        call::check()?;
        let mut req = self.agent.post(base.join(path)).header("accept", "application/json").header("apikey", api_key);
        if let Some(left) = call::remaining() {
            req = req.config().timeout_global(Some(left.min(self.call_timeout))).build();
        }
        self.finish(req.send_empty())
    }

    fn finish(&self, result: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Reply> {
        let mut response = result.map_err(map_ureq_error)?;
        let status = response.status().as_u16();
        let date = response.headers().get("date").and_then(|v| v.to_str().ok()).and_then(parse_http_date);
        if (300..400).contains(&status) {
            return Err(Error::with_message(ErrorKind::Redirect, format!("HTTP {status}: redirects are not followed")));
        }
        let hint = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let body = read_wiped(response.body_mut().with_config().limit(MAX_REPLY_BYTES + 1).reader(), hint)?;
        if !(200..300).contains(&status) {
            let (title, detail) = wire::parse_problem(&body);
            return Err(Error::http(status, title, detail));
        }
        Ok(Reply { body, date })
    }
}

/// Reads a reply body of at most [`MAX_REPLY_BYTES`] into a buffer that is wiped when dropped. The reader
/// writes straight into that buffer (sized by `size_hint`, the `Content-Length`, when there is one), so no
/// other copy of the body is made. The buffer never grows in place: a larger one is made and the old one
/// wiped, so no unwiped copy of a token is left behind in freed memory by our own reading (`Vec`'s own growth
/// would leave every smaller copy there). A full buffer is probed with a one-byte read before it grows, so a
/// body of exactly the announced length is read without growing.
///
/// Errors: [`ErrorKind::ResponseTooLarge`]; the transport's read errors.
fn read_wiped(mut reader: impl std::io::Read, size_hint: usize) -> Result<Zeroizing<Vec<u8>>> {
    const MAX: usize = MAX_REPLY_BYTES as usize;
    let read = |reader: &mut dyn std::io::Read, into: &mut [u8]| loop {
        match reader.read(into) {
            // A signal: read again, unless the call was stopped meanwhile.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted && !call::stopped() => continue,
            other => return other.map_err(|e| map_ureq_error(ureq::Error::from(e))),
        }
    };
    let mut body = Zeroizing::new(vec![0u8; size_hint.clamp(256, MAX)]);
    let mut len = 0;
    loop {
        if len < body.len() {
            match read(&mut reader, &mut body[len..])? {
                0 => break,
                n => len += n,
            }
            continue;
        }
        let mut probe = [0u8; 1];
        if read(&mut reader, &mut probe)? == 0 {
            break;
        }
        if len == MAX {
            return Err(Error::with_message(ErrorKind::ResponseTooLarge, format!("reply larger than {MAX} bytes")));
        }
        let mut bigger = Zeroizing::new(vec![0u8; (len * 2).min(MAX)]);
        bigger[..len].copy_from_slice(&body[..len]);
        bigger[len] = probe[0];
        zeroize::Zeroize::zeroize(&mut probe);
        len += 1;
        body = bigger;
    }
    body.truncate(len);
    Ok(body)
}

fn map_ureq_error(e: ureq::Error) -> Error {
    use ureq::Error as U;
    let (code, what) = match &e {
        U::Timeout(t) => (ErrorKind::Timeout, format!("timed out ({t})")),
        U::Io(io) if matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) => {
            (ErrorKind::Timeout, "timed out reading the reply".to_string())
        }
        U::Io(io) => match io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
            Some(tls) => (ErrorKind::Tls, format!("TLS: {tls}")),
            None => (ErrorKind::Network, format!("I/O error: {}", io.kind())),
        },
        U::HostNotFound => (ErrorKind::Network, "host not found".to_string()),
        U::ConnectionFailed => (ErrorKind::Network, "connection failed".to_string()),
        U::BodyExceedsLimit(n) => (ErrorKind::ResponseTooLarge, format!("reply larger than {n} bytes")),
        U::TooManyRedirects | U::RedirectFailed => (ErrorKind::Redirect, "redirects are not followed".to_string()),
        U::RequireHttpsOnly(_) | U::TlsRequired => (ErrorKind::InsecureUrl, "https is required".to_string()),
        U::Tls(why) => (ErrorKind::Tls, format!("TLS: {why}")),
        U::Protocol(p) => (ErrorKind::MalformedResponse, format!("HTTP protocol error: {p}")),
        U::LargeResponseHeader(..) => (ErrorKind::ResponseTooLarge, "reply headers too large".to_string()),
        U::BodyStalled => (ErrorKind::Timeout, "the reply body stalled".to_string()),
        U::BadUri(_) | U::Http(_) => (ErrorKind::InvalidUrl, "the request URL is invalid".to_string()),
        other => (ErrorKind::Network, other.to_string()),
    };
    Error::with_message(code, what)
}

/// Parses an RFC 7231 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only form servers may send now.
fn parse_http_date(text: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = text.split_ascii_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    let day: i64 = day.parse().ok()?;
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| m == month)? as i64
        + 1;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else { return None };
    if !(1..=31).contains(&day) || !(1970..=9999).contains(&year) || *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    // Days from the civil date (proleptic Gregorian), Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + m * 60 + s;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out `data` in pieces of `step` bytes.
    struct Drip<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Drip<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn replies_are_read_whole_up_to_the_cap_whatever_the_hint() {
        let max = MAX_REPLY_BYTES as usize;
        let data: Vec<u8> = (0..max + 1).map(|i| (i % 251) as u8).collect();
        for (len, hint, step) in [(0, 0, 7), (1023, 0, 1000), (1025, 10, 4096), (5000, 5000, 333), (max, 0, 4096), (max, max, 1)] {
            let body = read_wiped(Drip { data: &data[..len], step }, hint).unwrap();
            assert_eq!(&body[..], &data[..len], "{len} bytes, hint {hint}, step {step}");
            assert!(body.capacity() <= max, "never more than the cap is allocated");
        }
        let e = read_wiped(Drip { data: &data, step: 4096 }, 0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResponseTooLarge);
    }

    /// A reader whose every read is interrupted, as a cancelled call's transport refuses I/O.
    struct AlwaysInterrupted(usize);

    impl std::io::Read for AlwaysInterrupted {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            self.0 += 1;
            assert!(self.0 < 1000, "read again and again: a cancelled call would spin until its deadline");
            Err(std::io::ErrorKind::Interrupted.into())
        }
    }

    #[test]
    fn a_stopped_call_does_not_read_a_reply_body_again_and_again() {
        let cancel = crate::call::Cancel::new();
        let options = crate::call::CallOptions::new().with_cancel(cancel.clone());
        let mut reader = AlwaysInterrupted(0);
        let result = crate::call::within(&options, || {
            cancel.cancel(); // as another thread would, while the body is being read
            read_wiped(&mut reader, 100).map(drop)
        });
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Cancelled);
        assert_eq!(reader.0, 1, "one read, then the call's stop is seen");
        // And the transport's own refusal of a stopped call's I/O is of a kind nobody retries.
        match crate::socket::call_stopped() {
            ureq::Error::Io(e) => assert_ne!(e.kind(), std::io::ErrorKind::Interrupted),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn http_dates() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 784_111_777);
        let t = parse_http_date("Mon, 23 Nov 2026 20:14:29 GMT").unwrap();
        assert_eq!(t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 1_795_464_869);
        for bad in ["", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 32 Nov 1994 08:49:37 GMT"] {
            assert!(parse_http_date(bad).is_none(), "{bad}");
        }
    }
}
