//! Normalising the base URL users paste.
//!
//! `https://api.spaceandtime.dev`, `https://api.spaceandtime.dev/`, `https://api.spaceandtime.dev/v1` and
//! `https://api.spaceandtime.dev/v1/` (the public example scripts' `API_URL`) all name the same service. The
//! normal form has no trailing `/` and no trailing `/v1`; endpoint paths (`/v1/auth/...`) are appended to it.
//! A path prefix other than `/v1` is kept (a deployment behind a reverse proxy).
//!
//! Plain `http://` is accepted only when the caller explicitly allows it (for a local server: loopback, or a
//! test container); the rule lives in [`BaseUrl::parse`].

use crate::error::{ErrorKind, Error, Result};

/// A normalised base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    normal: String,
    https: bool,
}

impl BaseUrl {
    /// Parses and normalises `text`.
    ///
    /// Errors: [`ErrorKind::InvalidUrl`] when it is not an absolute `http`/`https` URL with a host (or carries a
    /// query, fragment, user info or white space); [`ErrorKind::InsecureUrl`] when it is `http://` and
    /// `allow_http` is false.
    pub fn parse(text: &str, allow_http: bool) -> Result<BaseUrl> {
        let bad = |why: &str| Error::argument(ErrorKind::InvalidUrl, "base_url", why);
        let text = text.trim();
        if text.is_empty() {
            return Err(bad("empty"));
        }
        if text.len() > 2048 {
            return Err(bad("longer than 2048 characters"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains white space or control characters"));
        }
        let (scheme, rest) = text.split_once("://").ok_or_else(|| bad("expected https://host"))?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return Err(bad("the scheme must be https (or http, when explicitly allowed, for a local test server)")),
        };
        if rest.contains(['?', '#']) {
            return Err(bad("a base URL has no query or fragment"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(bad("credentials in the URL are not supported"));
        }
        host_of(authority).ok_or_else(|| bad("no valid host"))?;
        if !https && !allow_http {
            return Err(Error::argument(
                ErrorKind::InsecureUrl,
                "base_url",
                "plain http is refused; use https, or allow http explicitly for a local test server",
            ));
        }
        // Every trailing `/v1` goes (not just the last), so that the normal form normalises to itself.
        let mut path = path.trim_end_matches('/');
        while let Some(p) = path.strip_suffix("/v1") {
            path = p.trim_end_matches('/');
        }
        let normal = format!("{}://{}{}", if https { "https" } else { "http" }, authority.to_ascii_lowercase(), path);
        Ok(BaseUrl { normal, https })
    }

    /// The normal form (no trailing `/`, no trailing `/v1`).
    pub fn as_str(&self) -> &str {
        &self.normal
    }

    /// The URL of an endpoint path such as `/v1/auth/code`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.normal, path)
    }

    /// Whether the scheme is https.
    pub fn is_https(&self) -> bool {
        self.https
    }
}

/// A request URI's host as sockets and TLS name it: an IPv6 literal without its brackets (`[::1]` -> `::1`).
pub(crate) fn bare_host(uri: &ureq::http::Uri) -> Option<&str> {
    let host = uri.host()?;
    Some(host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host))
}

/// Checks `host[:port]` or `[v6]:port`; returns the host, lowercased, or None when malformed.
fn host_of(authority: &str) -> Option<String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        h.parse::<std::net::Ipv6Addr>().ok()?;
        (format!("[{h}]"), port)
    } else {
        let (h, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        if h.is_empty() || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_') {
            return None;
        }
        (h.to_ascii_lowercase(), port)
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.chars().all(|c| c.is_ascii_digit()) || p.parse::<u32>().ok()? > 65535 {
            return None;
        }
    }
    Some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_hosts() {
        let host = |u: &str| bare_host(&u.parse::<ureq::http::Uri>().unwrap()).map(str::to_string);
        assert_eq!(host("https://[::1]:8443/v1").as_deref(), Some("::1"));
        assert_eq!(host("http://127.0.0.1:9/").as_deref(), Some("127.0.0.1"));
        assert_eq!(host("https://api.spaceandtime.dev").as_deref(), Some("api.spaceandtime.dev"));
    }

    #[test]
    fn all_pasted_forms_normalise_alike() {
        for text in [
            "https://api.spaceandtime.dev",
            "https://api.spaceandtime.dev/",
            "https://api.spaceandtime.dev/v1",
            "https://api.spaceandtime.dev/v1/",
            "HTTPS://API.SpaceAndTime.dev//v1//",
            " https://api.spaceandtime.dev/v1/ ",
        ] {
            let u = BaseUrl::parse(text, false).unwrap();
            assert_eq!(u.as_str(), "https://api.spaceandtime.dev", "{text}");
            assert_eq!(u.join("/v1/auth/code"), "https://api.spaceandtime.dev/v1/auth/code");
        }
        assert_eq!(BaseUrl::parse("https://h.example/sxt/v1/", false).unwrap().as_str(), "https://h.example/sxt");
        assert_eq!(BaseUrl::parse("https://h.example/v1//v1/", false).unwrap().as_str(), "https://h.example");
        assert_eq!(BaseUrl::parse("https://v1//", false).unwrap().as_str(), "https://v1", "a host named v1 stays");
        assert_eq!(BaseUrl::parse("https://[::1]:8443", false).unwrap().as_str(), "https://[::1]:8443");
    }

    /// Found by the base_url fuzz target: a path ending in `/v1//v1//` normalised to one ending in `/v1`, which
    /// normalised again to something else.
    #[test]
    fn normalising_is_idempotent() {
        let found = "HTTPS://[::1]/:841\u{36d}x//[::1]/:841\u{36d}x//v1//v1//";
        for text in [found, "https://h/a/v1/v1", "https://h/v1v1/v1", "https://h/x/v1/", "https://v1/v1"] {
            let once = BaseUrl::parse(text, false).unwrap();
            assert_eq!(BaseUrl::parse(once.as_str(), false).unwrap(), once, "{text}");
            assert!(!once.as_str().ends_with("/v1") || once.as_str() == "https://v1", "{text} -> {}", once.as_str());
        }
    }

    #[test]
    fn http_needs_opt_in() {
        assert_eq!(BaseUrl::parse("http://127.0.0.1:8080", false).unwrap_err().kind(), ErrorKind::InsecureUrl);
        assert_eq!(BaseUrl::parse("http://localhost", false).unwrap_err().kind(), ErrorKind::InsecureUrl);
        let u = BaseUrl::parse("http://127.0.0.1:8080/v1/", true).unwrap();
        assert!(!u.is_https());
        assert_eq!(u.as_str(), "http://127.0.0.1:8080");
        // The opt-in is explicit and covers any host (a local server in a container has a name, not 127.0.0.1).
        assert!(BaseUrl::parse("http://sxt-mock:8080", true).is_ok());
    }

    #[test]
    fn malformed_urls_are_refused() {
        for text in [
            "", "api.spaceandtime.dev", "ftp://x", "https://", "https://:80", "https://a b", "https://h?x=1",
            "https://u:p@h", "https://h:99999", "https://h:", "https://[zz]:1", "https://h#f", "https://h\u{0}",
        ] {
            assert_eq!(BaseUrl::parse(text, true).unwrap_err().kind(), ErrorKind::InvalidUrl, "{text:?}");
        }
    }
}
