//! The TCP connection under the HTTP client: as few system calls per request as HTTP/1.1 allows.
//!
//! ureq's own TCP transport makes, for every request on a pooled connection, one `send` per piece it writes
//! (a request's head and its body: two), two liveness probes of two mode switches (`ioctl`) and a `recv`
//! each, and a `setsockopt` before every read and write (the deadline moved). Each of those costs a trip into
//! the kernel, and each separate `send` a trip through the TCP stack and a wake-up of the server. Here:
//! * **output is held until the connection must wait for input** (or the buffer is half full), so a request's
//!   head and body, or a TLS flight's records, leave in one `send`;
//! * **a liveness probe is one non-blocking `recv(MSG_PEEK)`**: no mode switch;
//! * **a socket timeout is set only when the one in force is longer than the time left, or less than half
//!   of it**; a read or write whose socket timeout fires with time left goes on waiting. No read or write
//!   blocks past its deadline.
//!
//! So a request on a pooled connection is one `send`, its reply one `recv` (when it arrives whole), plus the
//! probes ureq asks for. Every connection is also watched by the calling thread's cancellable call (`call`):
//! before each read or write it registers its socket, so a cancellation shuts the socket down and the blocked
//! I/O returns.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::{Buffers, LazyBuffers, NextTimeout, ShutdownHandle, Transport};
use ureq::Timeout;

use crate::call;
use crate::dial;

/// The shortest connect attempt given to one address of several.
const MIN_PER_ADDRESS: Duration = Duration::from_millis(10);

/// Connects to the first of `addrs` that answers, within `timeout` in all. Each address but the last gets
/// half of the time left, so a host whose first address is unreachable still reaches its second.
///
/// Each attempt is interruptible by the calling thread's cancellable call where `dial` can make it so.
///
/// Errors: `Timeout(Connect)` when the time runs out; an interruption when the call is cancelled; the last
/// address's I/O error otherwise.
pub(crate) fn connect(addrs: &[SocketAddr], timeout: NextTimeout) -> Result<TcpStream, ureq::Error> {
    let deadline = Deadline::of(timeout);
    let mut last = None;
    for (i, addr) in addrs.iter().enumerate() {
        // A cancelled call tries no further address.
        call::check().map_err(|_| call_stopped())?;
        let attempt = match deadline.left() {
            None => dial::connect(addr, None),
            Some(left) if left.is_zero() => break,
            Some(left) => {
                let share = if i + 1 == addrs.len() { left } else { (left / 2).max(MIN_PER_ADDRESS).min(left) };
                dial::connect(addr, Some(share))
            }
        };
        match attempt {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => {
                last = Some(ureq::Error::Timeout(Timeout::Connect))
            }
            Err(e) => last = Some(ureq::Error::Io(e)),
        }
    }
    Err(match (deadline.left(), last) {
        (Some(left), _) if left.is_zero() => ureq::Error::Timeout(timeout.reason),
        (_, Some(e)) => e,
        (_, None) => ureq::Error::ConnectionFailed,
    })
}

/// When an I/O operation must end, and what to call it if it does not.
#[derive(Clone, Copy)]
struct Deadline {
    at: Option<Instant>,
    reason: Timeout,
}

impl Deadline {
    fn of(timeout: NextTimeout) -> Deadline {
        let at = if timeout.after.is_not_happening() { None } else { Instant::now().checked_add(*timeout.after) };
        Deadline { at, reason: timeout.reason }
    }

    /// The time left (zero once past), or `None` without a deadline.
    fn left(&self) -> Option<Duration> {
        self.at.map(|at| at.saturating_duration_since(Instant::now()))
    }
}

/// The timeout in force on one direction of the socket, as last set.
#[derive(Debug, Default)]
struct InForce(Option<Duration>);

impl InForce {
    /// Makes the socket's timeout fit `left`: at most `left`, and not less than half of it. When the one in
    /// force does not fit, sets (one system call) three quarters of `left`, so that the next few calls, with
    /// a little less time left each, still fit.
    fn fit(&mut self, left: Option<Duration>, set: impl FnOnce(Option<Duration>) -> io::Result<()>) -> io::Result<()> {
        let fits = match (self.0, left) {
            (None, None) => true,
            (Some(now), Some(left)) => now <= left && now * 2 >= left,
            _ => false,
        };
        if !fits {
            let value = left.map(|l| if l > Duration::from_millis(4) { l * 3 / 4 } else { l });
            set(value)?;
            self.0 = value;
        }
        Ok(())
    }
}

/// Runs `op` on `stream` until it succeeds, fails for another reason than its socket timeout (or a signal),
/// or `deadline` passes (then `Timeout` with the deadline's reason).
fn until<T>(
    stream: &TcpStream,
    deadline: Deadline,
    in_force: &mut InForce,
    set: fn(&TcpStream, Option<Duration>) -> io::Result<()>,
    mut op: impl FnMut(&TcpStream) -> io::Result<T>,
) -> Result<T, ureq::Error> {
    loop {
        let left = deadline.left();
        if left.is_some_and(|l| l.is_zero()) {
            return Err(ureq::Error::Timeout(deadline.reason));
        }
        in_force.fit(left, |d| set(stream, d))?;
        match op(stream) {
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted) => {
                continue
            }
            other => return other.map_err(ureq::Error::Io),
        }
    }
}

/// ureq's buffers, with output held back: `pending` bytes at the start of the output buffer wait to be sent,
/// and ureq writes after them.
#[derive(Debug)]
struct HeldBuffers {
    inner: LazyBuffers,
    pending: usize,
}

impl Buffers for HeldBuffers {
    fn output(&mut self) -> &mut [u8] {
        &mut self.inner.output()[self.pending..]
    }

    fn input(&self) -> &[u8] {
        self.inner.input()
    }

    fn input_append_buf(&mut self) -> &mut [u8] {
        self.inner.input_append_buf()
    }

    fn input_appended(&mut self, amount: usize) {
        self.inner.input_appended(amount)
    }

    fn input_consume(&mut self, amount: usize) {
        self.inner.input_consume(amount)
    }

    fn tmp_and_output(&mut self) -> (&mut [u8], &mut [u8]) {
        let (tmp, output) = self.inner.tmp_and_output();
        (tmp, &mut output[self.pending..])
    }

    fn can_use_input(&self) -> bool {
        self.inner.can_use_input()
    }
}

/// A TCP connection (see the module docs). Used by one thread at a time (ureq hands it from the pool to one
/// call); the socket is shared, weakly, with the agent's and the call's shutdown handles, which any thread may
/// fire. Its buffers (ureq's) are not wiped: the output held back is a request, bearer token and all, until
/// it is sent and overwritten (docs/design.md, "What is wiped, and what is not").
#[derive(Debug)]
pub(crate) struct TcpConnection {
    stream: Arc<TcpStream>,
    handle: Weak<dyn ShutdownHandle>,
    buffers: HeldBuffers,
    output_size: usize,
    read_timeout: InForce,
    write_timeout: InForce,
}

impl TcpConnection {
    /// Wraps a connected socket, with buffers of the given sizes (allocated on first use).
    pub(crate) fn new(stream: TcpStream, input_size: usize, output_size: usize) -> TcpConnection {
        let stream = Arc::new(stream);
        let handle = Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>;
        TcpConnection {
            stream,
            handle,
            buffers: HeldBuffers { inner: LazyBuffers::new(input_size, output_size), pending: 0 },
            output_size,
            read_timeout: InForce::default(),
            write_timeout: InForce::default(),
        }
    }

    /// What shuts the socket down, for the agent and for cancellation.
    pub(crate) fn shutdown_handle(&self) -> Weak<dyn ShutdownHandle> {
        self.handle.clone()
    }

    /// Before any I/O: refuse it when the call is stopped; let the call's cancellation reach this socket.
    fn enlist(&self) -> Result<(), ureq::Error> {
        call::enlist(Some(&self.handle)).map_err(|_| call_stopped())
    }

    /// Sends the output held back, in one `send` when the socket takes it whole.
    fn flush(&mut self, deadline: Deadline) -> Result<(), ureq::Error> {
        let pending = self.buffers.pending;
        if pending == 0 {
            return Ok(());
        }
        let out = &self.buffers.inner.output()[..pending];
        let mut sent = 0;
        while sent < pending {
            let n = until(&self.stream, deadline, &mut self.write_timeout, TcpStream::set_write_timeout, |mut s| {
                s.write(&out[sent..])
            })?;
            if n == 0 {
                return Err(ureq::Error::Io(io::ErrorKind::WriteZero.into()));
            }
            sent += n;
        }
        self.buffers.pending = 0;
        Ok(())
    }
}

/// The error for I/O refused because its call was cancelled (the call itself then fails as cancelled: see
/// `call::within`). Not of kind `Interrupted`: readers and writers retry that kind (std's `write_all`, a
/// reply body's read loop), and would spin on a cancelled call until its deadline.
pub(crate) fn call_stopped() -> ureq::Error {
    ureq::Error::Io(io::Error::new(io::ErrorKind::ConnectionAborted, "the call was cancelled"))
}

impl Transport for TcpConnection {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.enlist()?;
        self.buffers.pending += amount;
        if self.buffers.pending >= self.output_size / 2 {
            self.flush(Deadline::of(timeout.for_write()))?;
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.enlist()?;
        self.flush(Deadline::of(timeout.for_write()))?;
        let deadline = Deadline::of(timeout.for_read());
        let input = self.buffers.inner.input_append_buf();
        let n = until(&self.stream, deadline, &mut self.read_timeout, TcpStream::set_read_timeout, |mut s| s.read(input))?;
        self.buffers.inner.input_appended(n);
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        self.buffers.pending == 0 && probe(&self.stream)
    }
}

/// Whether an idle connection can take a request: nothing has arrived on it (bytes nobody asked for mean
/// the last reply was not what it seemed) and the peer has not closed it.
#[cfg(unix)]
fn probe(stream: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut byte = 0u8;
    loop {
        // SAFETY: `stream` is an open socket for the whole call, and the buffer is one byte we own.
        let n = unsafe {
            libc::recv(stream.as_raw_fd(), (&mut byte as *mut u8).cast(), 1, libc::MSG_PEEK | libc::MSG_DONTWAIT)
        };
        if n >= 0 {
            return false; // 0: closed by the peer; 1: bytes nobody asked for
        }
        match io::Error::last_os_error().kind() {
            io::ErrorKind::WouldBlock => return true,
            io::ErrorKind::Interrupted => continue,
            _ => return false,
        }
    }
}

/// Whether an idle connection can take a request (see the unix version), by a non-blocking read.
#[cfg(not(unix))]
fn probe(stream: &TcpStream) -> bool {
    probe_by_mode_switch(stream)
}

/// The portable probe: switch the socket to non-blocking, read, switch back (three system calls). Compiled
/// on unix too, for the test that it answers as the one-`recv` probe does.
#[cfg(any(test, not(unix)))]
fn probe_by_mode_switch(mut stream: &TcpStream) -> bool {
    let mut byte = [0u8];
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let idle = matches!(stream.read(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
    stream.set_nonblocking(false).is_ok() && idle
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_timeout_is_set_only_when_the_one_in_force_does_not_fit() {
        let mut in_force = InForce::default();
        let mut sets = Vec::new();
        let ms = Duration::from_millis;
        for left in [10_000, 9000, 8000, 7500, 7000, 5000, 30_000].map(|l| Some(ms(l))).into_iter().chain([None, None]) {
            in_force
                .fit(left, |d| {
                    sets.push(d);
                    Ok(())
                })
                .unwrap();
        }
        // 10 s sets 7.5 s, which fits 9, 8 and 7.5 s; 7 s sets 5.25 s; 5 s sets 3.75 s; 30 s (more than twice
        // 3.75) sets 22.5 s; no deadline clears it once.
        assert_eq!(sets, [Some(ms(7500)), Some(ms(5250)), Some(ms(3750)), Some(ms(22_500)), None]);
        let mut in_force = InForce(Some(ms(6000)));
        in_force.fit(Some(ms(12_000)), |_| panic!("6 s is at most 12 s and at least half of it")).unwrap();
        in_force.fit(Some(ms(6000)), |_| panic!("6 s fits 6 s")).unwrap();
        in_force
            .fit(Some(ms(3)), |d| {
                assert_eq!(d, Some(ms(3)), "a few milliseconds are set as they are");
                Ok(())
            })
            .unwrap();
    }

    /// A connected pair: our end and the peer's.
    fn pair() -> (TcpConnection, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (theirs, _) = listener.accept().unwrap();
        (TcpConnection::new(ours, 4096, 4096), theirs)
    }

    fn secs(s: u64) -> NextTimeout {
        NextTimeout { after: ureq::unversioned::transport::time::Duration::from_secs(s), ..NextTimeout::default() }
    }

    #[test]
    fn output_is_held_until_input_is_awaited_and_then_leaves_whole() {
        let (mut conn, mut peer) = pair();
        for piece in [&b"POST / HTTP/1.1\r\n\r\n"[..], b"{\"a\":1}"] {
            conn.buffers().output()[..piece.len()].copy_from_slice(piece);
            conn.transmit_output(piece.len(), secs(5)).unwrap();
        }
        peer.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let mut got = [0u8; 64];
        assert!(peer.read(&mut got).is_err(), "nothing is sent before the connection waits for input");
        let waiter = std::thread::spawn(move || {
            let mut got = vec![0u8; 64];
            peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let n = peer.read(&mut got).unwrap();
            peer.write_all(b"ok").unwrap();
            got.truncate(n);
            (got, peer)
        });
        assert!(conn.await_input(secs(5)).unwrap());
        assert_eq!(conn.buffers().input(), b"ok");
        let (got, _peer) = waiter.join().unwrap();
        assert_eq!(got, b"POST / HTTP/1.1\r\n\r\n{\"a\":1}", "both pieces in one read");
    }

    #[test]
    fn a_full_half_of_the_buffer_is_sent_at_once() {
        let (mut conn, mut peer) = pair();
        let big = vec![b'x'; 2048];
        conn.buffers().output()[..big.len()].copy_from_slice(&big);
        conn.transmit_output(big.len(), secs(5)).unwrap();
        peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut got = vec![0u8; 4096];
        let mut n = 0;
        while n < big.len() {
            n += peer.read(&mut got[n..]).unwrap();
        }
        assert_eq!(&got[..n], &big[..]);
    }

    #[test]
    fn the_probe_tells_idle_from_held_output_from_unasked_bytes_and_from_closed() {
        let (mut idle, _peer) = pair();
        assert!(idle.is_open(), "idle");
        idle.buffers().output()[..1].copy_from_slice(b"x");
        idle.transmit_output(1, secs(5)).unwrap();
        assert!(!idle.is_open(), "output still held: not reusable");

        let (mut talked_to, mut peer) = pair();
        peer.write_all(b"junk").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(!talked_to.is_open(), "bytes nobody asked for");

        let (mut closed, peer) = pair();
        drop(peer);
        std::thread::sleep(Duration::from_millis(50));
        assert!(!closed.is_open(), "closed by the peer");

        // The portable probe answers the same, and leaves the socket blocking.
        let (idle, _peer) = pair();
        assert!(probe_by_mode_switch(&idle.stream));
        idle.stream.set_read_timeout(Some(Duration::from_millis(60))).unwrap();
        let started = Instant::now();
        assert!((&*idle.stream).read(&mut [0u8; 1]).is_err());
        assert!(started.elapsed() >= Duration::from_millis(50), "the socket blocks again after the probe");
        let (talked_to, mut peer) = pair();
        peer.write_all(b"junk").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(!probe_by_mode_switch(&talked_to.stream));
        let (closed, peer) = pair();
        drop(peer);
        std::thread::sleep(Duration::from_millis(50));
        assert!(!probe_by_mode_switch(&closed.stream));
    }

    #[test]
    fn a_read_ends_by_its_deadline_with_its_reason() {
        let (mut conn, _peer) = pair();
        let started = Instant::now();
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::from_millis(150),
            reason: Timeout::Global,
            ..NextTimeout::default()
        };
        match conn.await_input(timeout) {
            Err(ureq::Error::Timeout(Timeout::Global)) => {}
            other => panic!("expected the global timeout, got {other:?}"),
        }
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(150) && took < Duration::from_secs(3), "{took:?}");
    }
}
