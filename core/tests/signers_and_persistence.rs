//! Keys that never enter the library (`Signer`) and sessions that survive a restart (`Session::export`,
//! `Client::import_session`, `Session::set_observer`), against the local server over http and https, and a
//! scripted server for what the local one does not do (schemes other than ed25519).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use common::{unique_user, Server};
use common::scripted::{json, sign_in_reply, token_set, Scripted};
use sxt_auth_core::{ApiKey, ErrorKind, Event, PrivateKey, Resume, Signer};

/// A signer for `key` that counts its calls and its drops.
struct Counting {
    key: PrivateKey,
    calls: Arc<AtomicUsize>,
    drops: Arc<AtomicUsize>,
}

impl sxt_auth_core::Sign for Counting {
    fn sign(&self, message: &[u8]) -> Result<String, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.key.sign_hex(std::str::from_utf8(message).map_err(|_| "not text".to_string())?))
    }
}

impl Drop for Counting {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting(key: &PrivateKey) -> (Signer, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (calls, drops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let s = Signer::new(&key.public_key().to_base64(), None, Counting { key: key.clone(), calls: calls.clone(), drops: drops.clone() });
    (s.unwrap(), calls, drops)
}

#[test]
fn a_signer_registers_signs_in_and_signs_in_again_when_the_chain_ends() {
    for tls in [false, true] {
        let flags = ["--access-ttl", "1", "--refresh-ttl", "2"];
        let server = if tls { Server::start_tls(&flags) } else { Server::start(&flags) };
        let client = server.client_with(|c| {
            c.set_refresh_margin(Duration::ZERO).unwrap();
            c.set_keep_key(false); // a signer is kept whatever keep_key says: it holds no secret
        });
        let key = PrivateKey::generate();
        let (signer, calls, drops) = counting(&key);
        let user = unique_user("signer");
        let registered = client.register_signer(&user, &signer, None, None).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let session = client.login_signer(&user, &signer).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(session.keys().unwrap()[0]["key"], key.public_key().to_base64());
        // The refresh chain ends: the session signs in again through the signer.
        std::thread::sleep(Duration::from_millis(2200));
        assert!(session.access_token().is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        // The signer goes when the last holder does.
        drop(signer);
        drop(registered);
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(session);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped exactly once");
    }
}

#[test]
fn failing_wrong_and_garbage_signers_send_nothing() {
    let server = Server::start(&[]);
    let client = server.client();
    let key = PrivateKey::generate();
    let user = unique_user("signer");
    let (good, _, _) = counting(&key);
    client.register_signer(&user, &good, None, None).unwrap();
    let tokens_before = server.log_count("POST /v1/auth/token");
    let public = key.public_key().to_base64();
    let other = PrivateKey::generate();
    let cases: Vec<(Signer, &str)> = vec![
        (Signer::new(&public, None, |_: &[u8]| Err("the user declined".to_string())).unwrap(), "the signer failed: the user declined"),
        (Signer::new(&public, None, move |m: &[u8]| Ok(other.sign_hex(std::str::from_utf8(m).unwrap()))).unwrap(), "does not verify"),
        (Signer::new(&public, None, |_: &[u8]| Ok("not hex".to_string())).unwrap(), "128 lowercase hex"),
    ];
    for (signer, why) in cases {
        let e = client.login_signer(&user, &signer).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignerFailed);
        assert!(e.message().contains(why), "{}", e.message());
    }
    assert_eq!(server.log_count("POST /v1/auth/token"), tokens_before, "nothing was sent with a bad signature");
}

#[test]
fn a_signer_slower_than_the_servers_challenge_is_refused_by_the_server() {
    let server = Server::start(&["--challenge-ttl", "1"]);
    let client = server.client();
    let key = PrivateKey::generate();
    let k = key.clone();
    let slow = Signer::new(&key.public_key().to_base64(), None, move |m: &[u8]| {
        std::thread::sleep(Duration::from_millis(1300));
        Ok(k.sign_hex(std::str::from_utf8(m).unwrap()))
    })
    .unwrap();
    let e = client.register_signer(&unique_user("slow"), &slow, None, None).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::BadRequest, 400));
    // Expired, or already purged by the server's once-a-second sweep: either way the challenge is gone.
    let detail = e.detail().unwrap();
    assert!(detail.contains("expired") || detail.contains("unknown or already used"), "{detail}");
}

#[test]
fn many_threads_sign_in_through_one_signer() {
    let server = Server::start(&[]);
    let client = server.client();
    let key = PrivateKey::generate();
    let (signer, calls, drops) = counting(&key);
    let user = unique_user("many");
    client.register_signer(&user, &signer, None, None).unwrap();
    let barrier = Arc::new(Barrier::new(12));
    let threads: Vec<_> = (0..12)
        .map(|_| {
            let (c, s, b, u) = (client.clone(), signer.clone(), barrier.clone(), user.clone());
            std::thread::spawn(move || {
                b.wait();
                c.login_signer(&u, &s).unwrap().access_token().unwrap().len()
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().unwrap() > 0);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 13);
    drop(signer);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn other_schemes_and_keys_go_to_the_server_unchanged() {
    let seen: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let s2 = seen.clone();
    let scripted = Scripted::start(move |req| {
        if req.path == "/v1/auth/token" {
            s2.lock().unwrap().push(serde_json::from_slice(&req.body).unwrap());
        }
        sign_in_reply(req, || token_set("a", "r", 600_000, 900_000)).unwrap_or_else(|| json("404 Not Found", "", "{}"))
    });
    let client = common::scripted_client(&scripted.base_url, Duration::from_secs(5), true);
    let wallet = Signer::new("0x52908400098527886E0F7030069857D2E4169EE7", Some("1"), |m: &[u8]| {
        Ok(format!("0xsig-of-{}", std::str::from_utf8(m).unwrap()))
    })
    .unwrap();
    client.login_signer("walletuser", &wallet).unwrap();
    let body = &seen.lock().unwrap()[0];
    assert_eq!(body["scheme"], "1");
    assert_eq!(body["key"], "0x52908400098527886E0F7030069857D2E4169EE7");
    assert_eq!(body["signature"], "0xsig-of-469867d9660b67f8aa12b2");
    // The local server verifies ed25519 only, and says so.
    let server = Server::start(&[]);
    let e = server.client().register_signer(&unique_user("wallet"), &wallet, None, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert!(e.detail().unwrap().contains("scheme not supported by this server"), "{:?}", e.detail());
}

#[test]
fn a_session_is_exported_and_imported_into_another_client_and_refreshes() {
    for tls in [false, true] {
        let server = if tls { Server::start_tls(&[]) } else { Server::start(&[]) };
        let (user, key, session) = common::new_user(&server.client(), None);
        let blob = session.export().unwrap();
        assert!(!blob.contains(key.to_base64().as_str()), "never the private key");
        let other = server.client();
        let restored = other.import_session(&blob, Resume::Key(&key)).unwrap();
        assert_eq!(restored.user_id(), user);
        assert_eq!(restored.access_token().unwrap(), session.access_token().unwrap());
        assert_eq!(restored.expiries_ms().unwrap(), session.expiries_ms().unwrap());
        restored.refresh().unwrap();
        assert_ne!(restored.access_token().unwrap(), session.access_token().unwrap());
        assert_eq!(restored.token_info().unwrap()["userId"], user.as_str());
        // Without a credential it works as long as its tokens do.
        let bare = other.import_session(&restored.export().unwrap(), Resume::Nothing).unwrap();
        assert!(bare.refresh().is_ok());
        // Another key, a signer of another key, an API key: refused.
        let wrong = PrivateKey::generate();
        assert_eq!(other.import_session(&blob, Resume::Key(&wrong)).unwrap_err().kind(), ErrorKind::InvalidKey);
        let api = ApiKey::parse("k").unwrap();
        assert_eq!(other.import_session(&blob, Resume::ApiKey(&api)).unwrap_err().kind(), ErrorKind::InvalidKey);
        // Another service.
        let elsewhere = if tls { Server::start_tls(&[]) } else { Server::start(&[]) };
        let e = elsewhere.client().import_session(&blob, Resume::Nothing).unwrap_err();
        assert!(e.message().contains("another service"), "{}", e.message());
        // After logout there is nothing to export.
        session.logout().unwrap();
        assert_eq!(session.export().unwrap_err().kind(), ErrorKind::LoggedOut);
    }
}

#[test]
fn expired_and_damaged_blobs_are_refused() {
    let server = Server::start(&["--access-ttl", "1", "--refresh-ttl", "1"]);
    let client = server.client();
    let (_, key, session) = common::new_user(&client, None);
    let blob = session.export().unwrap();
    let mut altered = blob.as_bytes().to_vec();
    altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for (bad, why) in [
        (&blob[..blob.len() - 5], "altered or truncated"),
        (altered.as_str(), "altered"),
        ("sxts9.abc.def", "version 9"),
        ("", "empty"),
    ] {
        let e = client.import_session(bad, Resume::Key(&key)).unwrap_err();
        assert_eq!((e.kind(), e.argument_name()), (ErrorKind::InvalidArgument, Some("blob")));
        assert!(e.message().contains(why), "{}", e.message());
    }
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(client.import_session(&blob, Resume::Key(&key)).unwrap_err().kind(), ErrorKind::SessionExpired);
}

#[test]
fn an_api_key_session_is_exported_and_imported_with_its_key() {
    let server = Server::start(&["--api-key", "apiuser:KEY-1", "--access-ttl", "2"]);
    let client = server.client_with(|c| {
        c.set_proxy_url(&server.base_url).unwrap();
        c.set_refresh_margin(Duration::ZERO).unwrap();
    });
    let key = ApiKey::parse("KEY-1").unwrap();
    let session = client.login_api_key(&key).unwrap();
    let blob = session.export().unwrap();
    assert!(!blob.contains("KEY-1"));
    let restored = client.import_session(&blob, Resume::ApiKey(&key)).unwrap();
    assert_eq!(restored.user_id(), "apiuser");
    assert_eq!(restored.refresh_token().unwrap_err().kind(), ErrorKind::NotFound);
    std::thread::sleep(Duration::from_millis(2100));
    assert!(restored.access_token().is_ok(), "signed in again with the API key");
    assert_eq!(client.import_session(&blob, Resume::Key(&PrivateKey::generate())).unwrap_err().kind(), ErrorKind::InvalidKey);
}

#[test]
fn the_observer_hears_each_rotation_once_and_the_logout_and_may_export() {
    let server = Server::start(&[]);
    let (_, _, session) = common::new_user(&server.client(), None);
    let rotations = Arc::new(AtomicUsize::new(0));
    let logouts = Arc::new(AtomicUsize::new(0));
    let last_blob: Arc<Mutex<Option<String>>> = Arc::default();
    let (r, l, b, s) = (rotations.clone(), logouts.clone(), last_blob.clone(), session.clone());
    session.set_observer(Some(Arc::new(move |event| match event {
        Event::Rotated => {
            r.fetch_add(1, Ordering::SeqCst);
            // Outside every lock: the session can be exported from here.
            *b.lock().unwrap() = s.export().ok().map(|z| z.to_string());
        }
        Event::LoggedOut => {
            l.fetch_add(1, Ordering::SeqCst);
        }
    })));
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (s, b) = (session.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait();
                for _ in 0..3 {
                    s.refresh().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let refreshes = server.log_count("POST /v1/auth/refresh -> 200");
    assert!(refreshes >= 3, "{refreshes}");
    assert_eq!(rotations.load(Ordering::SeqCst), refreshes, "once per rotation");
    let exported = last_blob.lock().unwrap().clone().unwrap();
    assert_eq!(exported.as_str(), session.export().unwrap().as_str(), "the observer's export is the latest");
    session.logout().unwrap();
    assert_eq!(logouts.load(Ordering::SeqCst), 1);
    session.set_observer(None);
}
