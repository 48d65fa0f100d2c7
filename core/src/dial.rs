//! Opening one TCP connection, within a time limit, so that the calling thread's cancellable call (`call`)
//! can interrupt it.
//!
//! On Linux and Android the socket is made first and registered with the call before the connect starts,
//! so a cancellation shuts it down and the wait for the TCP handshake ends at once (the kernel aborts a
//! connect under way when its socket is shut down, and wakes the `poll` waiting for it). Elsewhere the
//! connect is std's `connect_timeout`, which gives no handle to the socket before it connects: a
//! cancellation then takes effect when the connect ends, within its time limit.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Connects to `addr` within `limit` (no limit: the system's own). Errors: `TimedOut` when the limit passes;
/// the connect's own error (refused, unreachable, or the one a cancellation's shutdown causes).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn connect(addr: &SocketAddr, limit: Option<Duration>) -> io::Result<TcpStream> {
    match limit {
        Some(limit) => TcpStream::connect_timeout(addr, limit),
        None => TcpStream::connect(addr),
    }
}

/// Connects to `addr` within `limit` (no limit: the system's own), registered with the calling thread's
/// cancellable call for the whole wait. Errors: `TimedOut` when the limit passes; the connect's own error
/// (refused, unreachable, or the one a cancellation's shutdown causes).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn connect(addr: &SocketAddr, limit: Option<Duration>) -> io::Result<TcpStream> {
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::sync::{Arc, Weak};
    use std::time::Instant;
    use ureq::unversioned::transport::ShutdownHandle;

    let domain = if addr.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    // SAFETY: socket(2) with constant arguments; the descriptor it returns is owned by `stream` at once.
    let fd = unsafe { libc::socket(domain, libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a socket just made, which nothing else owns or closes.
    let stream = Arc::new(unsafe { TcpStream::from_raw_fd(fd) });
    let handle: Weak<dyn ShutdownHandle> = Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>;
    crate::call::register(&handle);
    let (address, length) = raw_address(addr);
    // SAFETY: `address` holds a socket address of `length` bytes and outlives the call.
    let started = unsafe { libc::connect(stream.as_raw_fd(), (&address as *const libc::sockaddr_storage).cast(), length) };
    if started != 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(e);
        }
        let deadline = limit.and_then(|l| Instant::now().checked_add(l));
        loop {
            let wait_ms = match deadline {
                None => -1,
                Some(d) => match d.saturating_duration_since(Instant::now()) {
                    left if left.is_zero() => return Err(io::ErrorKind::TimedOut.into()),
                    left => left.as_millis().clamp(1, i32::MAX as u128) as i32,
                },
            };
            let mut waiting = libc::pollfd { fd: stream.as_raw_fd(), events: libc::POLLOUT, revents: 0 };
            // SAFETY: one pollfd, alive for the whole call.
            match unsafe { libc::poll(&mut waiting, 1, wait_ms) } {
                n if n > 0 => break,
                0 => continue,
                _ => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
            }
        }
        if let Some(e) = stream.take_error()? {
            return Err(e);
        }
        // A socket shut down while connecting can report no error of its own: ask the peer's address.
        stream.peer_addr()?;
    }
    stream.set_nonblocking(false)?;
    drop(handle);
    // Only a cancellation shutting the socket down at this very moment holds another reference; the call
    // fails as cancelled then, whatever this error says.
    Arc::try_unwrap(stream).map_err(|_| io::Error::other("the connecting socket is still shared"))
}

/// `addr` as the C socket API takes it.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn raw_address(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all zeroes is a valid (empty) sockaddr_storage.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let length = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than, and aligned for, every socket address.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: as above.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, length as libc::socklen_t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    #[test]
    fn connects_over_ipv4_and_ipv6_and_reports_refusal_and_the_limit() {
        for bind in ["127.0.0.1:0", "[::1]:0"] {
            let Ok(listener) = TcpListener::bind(bind) else { continue }; // a machine without IPv6
            let addr = listener.local_addr().unwrap();
            let mut ours = connect(&addr, Some(Duration::from_secs(5))).unwrap();
            let (mut theirs, from) = listener.accept().unwrap();
            assert_eq!(ours.local_addr().unwrap(), from);
            ours.write_all(b"ping").unwrap();
            let mut got = [0u8; 4];
            theirs.read_exact(&mut got).unwrap();
            assert_eq!(&got, b"ping");
            // Blocking again: a read with a socket timeout waits for it.
            ours.set_read_timeout(Some(Duration::from_millis(60))).unwrap();
            let started = std::time::Instant::now();
            assert!(ours.read(&mut got).is_err());
            assert!(started.elapsed() >= Duration::from_millis(50));
            drop(listener);
            let refused = connect(&addr, Some(Duration::from_secs(5))).unwrap_err();
            assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused, "{refused}");
        }
    }
}
