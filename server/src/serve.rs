//! Accept loop: plain TCP or TLS (tokio-rustls), HTTP/1.1 via hyper, the axum
//! router as the service, and graceful shutdown.

use std::future::Future;
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Time a client gets to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a client gets to send a request's headers; hyper also starts it while
/// a kept-alive connection waits for its next request, so it doubles as the
/// idle timeout (the same order as common load balancers).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Time in-flight requests get to finish once shutdown starts.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

fn log(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// What a connection over the cap is told before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\n\
connection: close\r\ncontent-length: 102\r\n\r\n\
{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,\"detail\":\"too many open connections\"}";

/// Counts a connection while it is open.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open
/// connections finish their current request (up to a few seconds). At most
/// `max_connections` are served at once: one more is answered 503 and closed at
/// once, so slow or idle clients cannot make others wait.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let open = Arc::new(AtomicUsize::new(0));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Typically out of file descriptors: back off instead of spinning.
                    log(format_args!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        if open.fetch_add(1, Ordering::SeqCst) >= max_connections {
            open.fetch_sub(1, Ordering::SeqCst);
            // Plain HTTP, also on a TLS listener: the client is refused either way, and no handshake is spent.
            tokio::spawn(async move {
                if let Ok(Ok(())) = tokio::time::timeout(Duration::from_secs(1), stream.writable()).await {
                    let _ = stream.try_write(BUSY);
                }
            });
            continue;
        }
        let counted = Open(Arc::clone(&open));
        let watcher = graceful.watcher();
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _counted = counted;
            match tls {
                None => serve_connection(stream, app, watcher).await,
                Some(acceptor) => {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls_stream)) => serve_connection(tls_stream, app, watcher).await,
                        Ok(Err(e)) => log(format_args!("TLS handshake failed: {e}")),
                        Err(_) => log(format_args!("TLS handshake timed out")),
                    }
                }
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => log(format_args!("gave up waiting for open connections")),
    }
}

async fn serve_connection<S>(stream: S, app: Router, watcher: hyper_util::server::graceful::Watcher)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(IDLE_TIMEOUT)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    // Connection errors (client went away, malformed HTTP) are the client's
    // business; hyper already answered what could be answered.
    let _ = watcher.watch(conn).await;
}

/// Registers for SIGINT (Ctrl-C) and SIGTERM now, and returns a future that resolves on either. Registering
/// before the listening line is printed means a stop sent right after that line is never lost to the default
/// action.
#[cfg(unix)]
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// Reads `path` again on every SIGHUP and puts its API keys in force (a key no longer listed is revoked),
/// logging one line to stderr (`reloaded N API keys from FILE`, or why not: then the keys in force stay).
#[cfg(unix)]
pub fn reload_on_hangup(state: std::sync::Arc<crate::state::AuthState>, path: std::path::PathBuf) -> std::io::Result<tokio::task::JoinHandle<()>> {
    use std::io::Write as _;
    use tokio::signal::unix::{signal, SignalKind};
    let mut hup = signal(SignalKind::hangup())?;
    Ok(tokio::spawn(async move {
        while hup.recv().await.is_some() {
            let line = match crate::cli::read_api_keys_file(&path) {
                Ok(keys) => format!("reloaded {} API keys from {}", state.set_file_api_keys(&keys), path.display()),
                Err(e) => format!("cannot reload the API keys ({e}); the keys in force stay"),
            };
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }))
}

/// Without SIGHUP, the file is read once, at start-up.
#[cfg(not(unix))]
pub fn reload_on_hangup(_state: std::sync::Arc<crate::state::AuthState>, _path: std::path::PathBuf) -> std::io::Result<tokio::task::JoinHandle<()>> {
    Ok(tokio::spawn(async {}))
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
