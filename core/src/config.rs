//! Settings of a [`Client`](crate::Client) and its transport. Fields are private: every setter checks its
//! value, so a config that exists is a valid one (the C library's option setters call these and report what
//! they say).

use std::time::Duration;

use rustls::pki_types::CertificateDer;

use crate::error::{Error, ErrorKind, Result};
use crate::tls::parse_pem_certificates;
use crate::input::check_user_agent;

/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("sxt-auth/", env!("CARGO_PKG_VERSION"));

/// The longest timeout, or refresh margin, accepted (24 hours: no auth call should wait longer, and no
/// token lives longer).
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// Transport settings. Defaults: connect 10 s, each read 15 s, whole call 30 s, https only, Mozilla's roots,
/// user agent [`DEFAULT_USER_AGENT`].
#[derive(Clone)]
pub struct TransportConfig {
    connect_timeout: Duration,
    read_timeout: Duration,
    call_timeout: Duration,
    allow_http: bool,
    extra_roots: Vec<CertificateDer<'static>>,
    user_agent: String,
    max_idle_age: Duration,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(15),
            call_timeout: Duration::from_secs(30),
            allow_http: false,
            extra_roots: Vec::new(),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            max_idle_age: Duration::from_secs(15),
        }
    }
}

/// A timeout: greater than zero, at most [`MAX_DURATION`].
fn check_timeout(name: &'static str, value: Duration) -> Result<Duration> {
    if value.is_zero() {
        return Err(Error::argument(ErrorKind::InvalidArgument, name, "must be greater than 0"));
    }
    if value > MAX_DURATION {
        return Err(Error::argument(ErrorKind::InvalidArgument, name, "must be at most 24 hours"));
    }
    Ok(value)
}

impl TransportConfig {
    /// Deadline for DNS, TCP and TLS set-up of one connection.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// Sets [`TransportConfig::connect_timeout`]. Errors: [`ErrorKind::InvalidArgument`] (argument
    /// `connect_timeout`) for zero or more than [`MAX_DURATION`].
    pub fn set_connect_timeout(&mut self, timeout: Duration) -> Result<&mut Self> {
        self.connect_timeout = check_timeout("connect_timeout", timeout)?;
        Ok(self)
    }

    /// Longest stall allowed on any single read from the server.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }
    /// Sets [`TransportConfig::read_timeout`]. Errors: as [`TransportConfig::set_connect_timeout`]
    /// (argument `read_timeout`).
    pub fn set_read_timeout(&mut self, timeout: Duration) -> Result<&mut Self> {
        self.read_timeout = check_timeout("read_timeout", timeout)?;
        Ok(self)
    }

    /// Deadline for one whole HTTP exchange (a sign-in makes several).
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout
    }
    /// Sets [`TransportConfig::call_timeout`]. Errors: as [`TransportConfig::set_connect_timeout`]
    /// (argument `timeout`).
    pub fn set_call_timeout(&mut self, timeout: Duration) -> Result<&mut Self> {
        self.call_timeout = check_timeout("timeout", timeout)?;
        Ok(self)
    }

    /// Whether `http://` base URLs are accepted (any host; meant for a local test server). Default false.
    pub fn allow_http(&self) -> bool {
        self.allow_http
    }
    /// Sets [`TransportConfig::allow_http`].
    pub fn set_allow_http(&mut self, allow: bool) -> &mut Self {
        self.allow_http = allow;
        self
    }

    /// CA certificates trusted in addition to Mozilla's roots.
    pub fn extra_roots(&self) -> &[CertificateDer<'static>] {
        &self.extra_roots
    }
    /// Adds the certificates of a PEM bundle to the trusted roots. Errors: [`ErrorKind::InvalidCertificate`]
    /// (argument `ca_pem`) as [`parse_pem_certificates`] says; nothing is added then.
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> Result<&mut Self> {
        let certs = parse_pem_certificates(pem)?;
        self.extra_roots.extend(certs);
        Ok(self)
    }

    /// How long a pooled connection may sit idle and still be reused (default 15 s). An older one is not
    /// used: a connection that went quiet while a phone app was suspended, or that a NAT dropped without a
    /// word, would otherwise take a whole read timeout to fail. (A connection the server closed is noticed
    /// anyway, by a probe before reuse.)
    pub fn max_idle_age(&self) -> Duration {
        self.max_idle_age
    }
    /// Sets [`TransportConfig::max_idle_age`]. Errors: as [`TransportConfig::set_connect_timeout`] (argument
    /// `max_idle_age`).
    pub fn set_max_idle_age(&mut self, age: Duration) -> Result<&mut Self> {
        self.max_idle_age = check_timeout("max_idle_age", age)?;
        Ok(self)
    }

    /// The `User-Agent` header.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
    /// Sets [`TransportConfig::user_agent`]. Errors: [`ErrorKind::InvalidArgument`] (argument `user_agent`)
    /// unless 1 to 256 bytes without control characters.
    pub fn set_user_agent(&mut self, user_agent: &str) -> Result<&mut Self> {
        check_user_agent(user_agent)?;
        self.user_agent = user_agent.to_string();
        Ok(self)
    }
}

impl std::fmt::Debug for TransportConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportConfig")
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("allow_http", &self.allow_http)
            .field("extra_roots", &self.extra_roots.len())
            .field("user_agent", &self.user_agent)
            .field("max_idle_age", &self.max_idle_age)
            .finish()
    }
}

/// Where API-key sign-in goes by default: the proxy the current public Python SDK (`spaceandtime` 1.1.73)
/// uses. Older SDKs and docs name `https://proxy.api.spaceandtime.dev`.
pub const DEFAULT_PROXY_URL: &str = "https://proxy.api.makeinfinite.dev";

/// Settings for a [`Client`](crate::Client): its transport and how its sessions renew.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    transport: TransportConfig,
    refresh_margin: Duration,
    keep_key: bool,
    proxy_url: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            transport: TransportConfig::default(),
            refresh_margin: Duration::from_secs(60),
            keep_key: true,
            proxy_url: DEFAULT_PROXY_URL.to_string(),
        }
    }
}

impl ClientConfig {
    /// Timeouts, trusted roots, plain-http permission, user agent.
    pub fn transport(&self) -> &TransportConfig {
        &self.transport
    }
    /// The transport settings, to change (each setter checks its value).
    pub fn transport_mut(&mut self) -> &mut TransportConfig {
        &mut self.transport
    }

    /// How long before an access token's expiry a session refreshes it (default 60 s). Clamped per token to
    /// half its lifetime, so short-lived tokens are not refreshed on every use. Also absorbs clock skew.
    pub fn refresh_margin(&self) -> Duration {
        self.refresh_margin
    }
    /// Sets [`ClientConfig::refresh_margin`] (0 allowed: refresh only once expired). Errors:
    /// [`ErrorKind::InvalidArgument`] (argument `refresh_margin`) for more than [`MAX_DURATION`].
    pub fn set_refresh_margin(&mut self, margin: Duration) -> Result<&mut Self> {
        if margin > MAX_DURATION {
            return Err(Error::argument(ErrorKind::InvalidArgument, "refresh_margin", "must be at most 24 hours"));
        }
        self.refresh_margin = margin;
        Ok(self)
    }

    /// Whether sessions keep a copy of the private key so they can sign in again by themselves when the
    /// refresh chain or the 24-hour session runs out (default true). Without it such a session fails with
    /// [`ErrorKind::SessionExpired`] and the caller signs in again.
    pub fn keep_key(&self) -> bool {
        self.keep_key
    }
    /// Sets [`ClientConfig::keep_key`].
    pub fn set_keep_key(&mut self, keep: bool) -> &mut Self {
        self.keep_key = keep;
        self
    }

    /// The base URL of the SxT proxy that API-key sign-in goes to (`POST {proxy}/auth/apikey`), default
    /// [`DEFAULT_PROXY_URL`]. Normalised and held to https like the API's base URL, when the client is made.
    pub fn proxy_url(&self) -> &str {
        &self.proxy_url
    }
    /// Sets [`ClientConfig::proxy_url`]. Errors: [`ErrorKind::InvalidUrl`] (argument `proxy_url`) for what is
    /// not an absolute http(s) URL with a host; whether plain http is allowed is decided with
    /// [`TransportConfig::allow_http`] when the client is made ([`ErrorKind::InsecureUrl`]).
    pub fn set_proxy_url(&mut self, url: &str) -> Result<&mut Self> {
        crate::base_url::BaseUrl::parse(url, true).map_err(|e| e.renamed_argument("proxy_url"))?;
        self.proxy_url = url.trim().to_string();
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_checked_here_for_every_caller() {
        let mut c = TransportConfig::default();
        for (name, result) in [
            ("connect_timeout", c.clone().set_connect_timeout(Duration::ZERO).map(drop)),
            ("read_timeout", c.clone().set_read_timeout(Duration::ZERO).map(drop)),
            ("timeout", c.clone().set_call_timeout(MAX_DURATION + Duration::from_millis(1)).map(drop)),
        ] {
            let e = result.unwrap_err();
            assert_eq!((e.kind(), e.argument_name()), (ErrorKind::InvalidArgument, Some(name)));
        }
        c.set_connect_timeout(Duration::from_millis(1)).unwrap().set_call_timeout(MAX_DURATION).unwrap();
        assert_eq!((c.connect_timeout(), c.call_timeout()), (Duration::from_millis(1), MAX_DURATION));
        assert_eq!(c.read_timeout(), Duration::from_secs(15), "a refused value leaves the old one");
    }

    #[test]
    fn user_agent_and_margin_rules() {
        let mut c = ClientConfig::default();
        assert!(c.transport_mut().set_user_agent("a\r\nX-Injected: 1").is_err());
        assert_eq!(c.transport().user_agent(), DEFAULT_USER_AGENT);
        assert!(c.set_refresh_margin(Duration::ZERO).is_ok());
        assert_eq!(c.set_refresh_margin(MAX_DURATION * 2).unwrap_err().argument_name(), Some("refresh_margin"));
        assert!(c.transport_mut().add_ca_pem(b"not pem").is_err());
        assert!(c.transport().extra_roots().is_empty());
    }
}
