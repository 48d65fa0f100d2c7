//! The server stops cleanly on SIGTERM and SIGINT, even when its parent handed down a mask that blocks them.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stops_on(signal: libc::c_int, blocked_by_parent: bool) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sxt-auth-server"));
    cmd.args(["--listen", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null());
    if blocked_by_parent {
        // SAFETY: only async-signal-safe libc calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGINT);
                libc::sigaddset(&mut set, libc::SIGTERM);
                libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    // SAFETY: signalling our own child by its pid.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server ignored signal {signal} (blocked by parent: {blocked_by_parent})");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_stops_the_server() {
    stops_on(libc::SIGTERM, false);
}

#[test]
fn sigint_stops_the_server() {
    stops_on(libc::SIGINT, false);
}

#[test]
fn a_blocked_mask_from_the_parent_does_not_stop_a_polite_stop() {
    stops_on(libc::SIGTERM, true);
    stops_on(libc::SIGINT, true);
}
