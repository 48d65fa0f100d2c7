//! How the transport reaches the server, without a thread per request.
//!
//! ureq resolves the host before every request, pooled connection or not, and its default resolver does so on
//! a thread of its own whenever a timeout is set. Here instead:
//! * an IP literal (`127.0.0.1`, `[::1]`) is never resolved: the resolver answers it at once;
//! * a host name is resolved only when a new connection is made, by the connector, within the connect
//!   timeout (on a short-lived thread, since `getaddrinfo` cannot be interrupted); a request on a pooled
//!   connection resolves nothing.
//!
//! The resolver hands ureq a placeholder address for a host name; [`ResolvingTcp`] resolves it when it opens
//! the socket. The pool is keyed by scheme and authority, not by address, so the placeholder never reaches it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{ConnectionDetails, Connector, NextTimeout, RustlsConnector, TcpConnector, Transport};

/// What the resolver returns for a host name: "resolve me when connecting".
const UNRESOLVED: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

/// The connector chain: TCP (resolving host names on connect), then TLS for https.
pub(crate) fn connector() -> impl Connector {
    ().chain(ResolvingTcp::default()).chain(RustlsConnector::default())
}

/// The host and port of `uri`, IPv6 brackets removed.
fn host_port(uri: &Uri) -> Result<(String, u16), ureq::Error> {
    let authority = uri.authority().ok_or(ureq::Error::HostNotFound)?;
    let port = authority
        .port_u16()
        .or_else(|| uri.scheme().and_then(|s| if s.as_str() == "https" { Some(443) } else { Some(80) }))
        .ok_or(ureq::Error::HostNotFound)?;
    let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_string();
    Ok((host, port))
}

/// Answers IP literals at once and defers host names to [`ResolvingTcp`].
#[derive(Debug, Default)]
pub(crate) struct LazyResolver;

impl Resolver for LazyResolver {
    fn resolve(&self, uri: &Uri, _config: &Config, _timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (host, port) = host_port(uri)?;
        let mut out = self.empty();
        out.push(SocketAddr::new(host.parse::<IpAddr>().unwrap_or(UNRESOLVED), port));
        Ok(out)
    }
}

/// TCP connector that resolves a deferred host name when it opens the socket.
#[derive(Debug, Default)]
pub(crate) struct ResolvingTcp(TcpConnector);

impl<In: Transport> Connector<In> for ResolvingTcp {
    type Out = <TcpConnector as Connector<In>>::Out;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        let deferred = details.addrs.iter().any(|a| a.ip() == UNRESOLVED);
        if chained.is_some() || !deferred {
            return self.0.connect(details, chained);
        }
        let (host, port) = host_port(details.uri)?;
        let resolved = resolve_within(host, port, details.timeout)?;
        let mut addrs = details.addrs.clone();
        addrs.truncate(0);
        for a in resolved.into_iter().take(16) {
            addrs.push(a);
        }
        let resolved_details = ConnectionDetails {
            uri: details.uri,
            addrs,
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        self.0.connect(&resolved_details, chained)
    }
}

/// Resolves `host:port` within `timeout`. Errors: `HostNotFound`, or `Timeout` with the timeout's reason.
fn resolve_within(host: String, port: u16, timeout: NextTimeout) -> Result<Vec<SocketAddr>, ureq::Error> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::spawn(move || {
        let _ = tx.send((host.as_str(), port).to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    match rx.recv_timeout(*timeout.after) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(_) => Err(ureq::Error::HostNotFound),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(ureq::Error::Timeout(timeout.reason)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(ureq::Error::HostNotFound),
    }
}
