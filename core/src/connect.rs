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
//!
//! The connection itself, and how it is watched by the calling thread's cancellable call, is `socket`'s; a
//! host name lookup registers with the call likewise, so a cancellation wakes its waiter.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::sync::{mpsc, Arc};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use rustls::pki_types::CertificateDer;
use ureq::unversioned::transport::{ConnectionDetails, Connector, Either, NextTimeout, ShutdownHandle, Transport};

use crate::base_url::bare_host;
use crate::call;
use crate::socket::{self, TcpConnection};
use crate::tls::TlsConnector;

/// What the resolver returns for a host name: "resolve me when connecting".
const UNRESOLVED: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

/// The connector chain: TCP (resolving host names on connect), then TLS for https, trusting Mozilla's roots
/// and `extra_roots`.
pub(crate) fn connector(extra_roots: &[CertificateDer<'static>]) -> impl Connector {
    ().chain(ResolvingTcp).chain(TlsConnector::new(extra_roots))
}

/// The host and port of `uri`, IPv6 brackets removed.
fn host_port(uri: &Uri) -> Result<(String, u16), ureq::Error> {
    let authority = uri.authority().ok_or(ureq::Error::HostNotFound)?;
    let port = authority
        .port_u16()
        .or_else(|| uri.scheme().map(|s| if s.as_str() == "https" { 443 } else { 80 }))
        .ok_or(ureq::Error::HostNotFound)?;
    let host = bare_host(uri).ok_or(ureq::Error::HostNotFound)?.to_string();
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

/// TCP connector that resolves a deferred host name when it opens the socket, and makes a
/// [`TcpConnection`](crate::socket::TcpConnection) of it.
#[derive(Debug, Default)]
pub(crate) struct ResolvingTcp;

impl<In: Transport> Connector<In> for ResolvingTcp {
    type Out = Either<In, TcpConnection>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        if let Some(chained) = chained {
            return Ok(Some(Either::A(chained)));
        }
        call::check().map_err(|_| socket::call_stopped())?;
        let mut addrs: Vec<SocketAddr> = details.addrs.to_vec();
        if addrs.iter().any(|a| a.ip() == UNRESOLVED) {
            let (host, port) = host_port(details.uri)?;
            addrs = resolve_within(host, port, details.timeout)?;
            addrs.truncate(16);
        }
        let stream = socket::connect(&addrs, details.timeout)?;
        let config = details.config;
        let connection = TcpConnection::new(stream, config.input_buffer_size(), config.output_buffer_size());
        (details.register_shutdown)(connection.shutdown_handle())?;
        Ok(Some(Either::B(connection)))
    }
}

/// Wakes a host name lookup's waiter when its call is cancelled.
struct LookupWaker(mpsc::SyncSender<std::io::Result<Vec<SocketAddr>>>);

impl ShutdownHandle for LookupWaker {
    fn shutdown(&self) {
        let _ = self.0.try_send(Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "the call was cancelled")));
    }
}

/// Resolves `host:port` within `timeout`, woken early by the call's cancellation. Errors: `HostNotFound`,
/// `Timeout` with the timeout's reason, or an interruption when cancelled.
fn resolve_within(host: String, port: u16, timeout: NextTimeout) -> Result<Vec<SocketAddr>, ureq::Error> {
    let (tx, rx) = mpsc::sync_channel(2);
    let waker: Arc<dyn ShutdownHandle> = Arc::new(LookupWaker(tx.clone()));
    call::register(&Arc::downgrade(&waker));
    std::thread::spawn(move || {
        let _ = tx.try_send((host.as_str(), port).to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    match rx.recv_timeout(*timeout.after) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => Err(socket::call_stopped()),
        Ok(_) => Err(ureq::Error::HostNotFound),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(ureq::Error::Timeout(timeout.reason)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(ureq::Error::HostNotFound),
    }
}
