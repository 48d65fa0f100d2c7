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
//! Every TCP connection is [`Watched`]: before each read or write it registers its socket with the calling
//! thread's cancellable call (see `call`), so a cancellation shuts the socket down and the blocked I/O
//! returns; a host name lookup registers likewise.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::sync::{mpsc, Arc, Mutex, Weak};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, NextTimeout, RustlsConnector, ShutdownHandle, TcpConnector, Transport,
};

use crate::call;

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
    type Out = Watched<<TcpConnector as Connector<In>>::Out>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        call::check().map_err(|_| interrupted())?;
        let mut addrs = details.addrs.clone();
        if chained.is_none() && details.addrs.iter().any(|a| a.ip() == UNRESOLVED) {
            let (host, port) = host_port(details.uri)?;
            let resolved = resolve_within(host, port, details.timeout)?;
            addrs.truncate(0);
            for a in resolved.into_iter().take(16) {
                addrs.push(a);
            }
        }
        // The socket's shutdown handle, as the TCP connector registers it with the agent.
        let socket: Arc<Mutex<Option<Weak<dyn ShutdownHandle>>>> = Arc::default();
        let (seen, agent) = (Arc::clone(&socket), details.register_shutdown.clone());
        let watched_details = ConnectionDetails {
            uri: details.uri,
            addrs,
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: Arc::new(move |handle: Weak<dyn ShutdownHandle>| {
                *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle.clone());
                agent(handle)
            }),
        };
        let connected = self.0.connect(&watched_details, chained)?;
        let handle = socket.lock().unwrap_or_else(|p| p.into_inner()).take();
        Ok(connected.map(|inner| Watched { inner, socket: handle }))
    }
}

/// The error a transport reports for I/O refused because its call was cancelled (the call itself then fails
/// as cancelled: see `call::within`).
fn interrupted() -> ureq::Error {
    ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::Interrupted, "the call was cancelled"))
}

/// A connection whose socket the calling thread's cancellable call can shut down (see the module docs).
#[derive(Debug)]
pub(crate) struct Watched<T> {
    inner: T,
    socket: Option<Weak<dyn ShutdownHandle>>,
}

impl<T> Watched<T> {
    /// Before any I/O: refuse it when the call is stopped; let the call's cancellation reach this socket.
    fn enlist(&self) -> Result<(), ureq::Error> {
        call::enlist(self.socket.as_ref()).map_err(|_| interrupted())
    }
}

impl<T: Transport> Transport for Watched<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.enlist()?;
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.enlist()?;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
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
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => Err(interrupted()),
        Ok(_) => Err(ureq::Error::HostNotFound),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(ureq::Error::Timeout(timeout.reason)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(ureq::Error::HostNotFound),
    }
}
