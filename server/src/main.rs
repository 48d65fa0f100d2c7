//! The `sxt-auth-server` binary: parses the command line, binds, prints the listening line and serves
//! until SIGINT/SIGTERM. Everything else is the library (`src/lib.rs`).

use sxt_auth_server::{cli, routes, serve, state, tls};

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

fn main() -> ExitCode {
    let config = match cli::parse(std::env::args_os().skip(1)) {
        Ok(cli::Command::Run(config)) => config,
        Ok(cli::Command::Help) => {
            print!("{}", cli::HELP);
            return ExitCode::SUCCESS;
        }
        Ok(cli::Command::Version) => {
            println!("sxt-auth-server {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("sxt-auth-server: {msg}\nRun `sxt-auth-server --help` for usage.");
            return ExitCode::from(2);
        }
    };
    unblock_stop_signals();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sxt-auth-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("sxt-auth-server: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// A parent may hand down a signal mask with SIGINT/SIGTERM blocked (Foundation's `Process` on Linux does), which
/// would make the server ignore a polite stop. Unblock both before any runtime thread inherits the mask.
fn unblock_stop_signals() {
    // SAFETY: plain libc calls on a local, initialised signal set, made before any other thread exists.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGHUP);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}

async fn run(config: cli::Config) -> Result<(), String> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| format!("cannot read the listening address: {e}"))?;

    let tls = if config.tls {
        let material = tls::generate(addr.ip())?;
        if let Some(path) = &config.ca_out {
            std::fs::write(path, &material.ca_pem)
                .map_err(|e| format!("cannot write the CA certificate to {}: {e}", path.display()))?;
        }
        Some(TlsAcceptor::from(material.server_config))
    } else {
        None
    };

    let state = Arc::new(state::AuthState::new(state::Policy::from_config(&config)));
    let reloader = match &config.api_keys_file {
        Some(path) => {
            state.set_file_api_keys(&cli::read_api_keys_file(path)?);
            Some(serve::reload_on_hangup(state.clone(), path.clone()).map_err(|e| format!("cannot install signal handlers: {e}"))?)
        }
        None => None,
    };
    let app = routes::with_request_timeout(routes::router(state.clone()), Duration::from_secs(config.request_timeout));

    // Purge expired challenges, tokens and sessions in the background.
    let purger = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                state.purge_expired();
            }
        })
    };

    let stop = serve::shutdown_signal().map_err(|e| format!("cannot install signal handlers: {e}"))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    {
        // Tests read this line from a pipe: print it in one piece and flush.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {scheme}://{addr}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
    }

    serve::serve(listener, tls, app, config.max_connections, stop).await;
    purger.abort();
    if let Some(r) = reloader {
        r.abort();
    }
    let _ = writeln!(std::io::stderr(), "shutting down");
    Ok(())
}
