//! API-key sign-in (`Client::login_api_key` at the proxy URL) and subscriptions (`Session::join_subscription`,
//! `Session::create_join_code`), against the local server over http and https: its `/auth/apikey` stands in
//! for the SxT proxy (the client's proxy URL points at it), and its tokens are ES256 JWTs.

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::{new_user, Server};
use sxt_auth_core::{ApiKey, Client, ErrorKind, Role};

const KEY: &str = "sxt-test-api-key-1";

/// A client whose proxy URL is the server's own base URL.
fn proxied(server: &Server, keep_key: bool) -> Client {
    server.client_with(|c| {
        c.set_proxy_url(&server.base_url).unwrap();
        c.set_keep_key(keep_key);
    })
}

fn subscription_of(session: &sxt_auth_core::Session) -> String {
    session.token_info().unwrap()["subscriptionId"].as_str().unwrap().to_string()
}

#[test]
fn an_api_key_signs_in_over_http_and_https() {
    for tls in [false, true] {
        let flags = ["--api-key", &format!("apiuser:{KEY}")];
        let server = if tls { Server::start_tls(&flags) } else { Server::start(&flags) };
        let session = proxied(&server, true).login_api_key(&ApiKey::parse(KEY).unwrap()).unwrap();
        assert_eq!(session.user_id(), "apiuser", "from validtoken: the reply carries no user id");
        assert_eq!(server.log_count("GET /v1/auth/validtoken -> 200"), 1);
        let token = session.access_token().unwrap();
        assert_eq!(token.split('.').count(), 3, "a JWT");
        assert_eq!(session.token_info().unwrap()["userId"], "apiuser");
        assert_eq!(session.refresh_token().unwrap_err().kind(), ErrorKind::NotFound);
        let (access_exp, refresh_exp) = session.expiries_ms().unwrap();
        assert!(access_exp > 0 && refresh_exp == 0);
        // Logout sends the access token; the server ends the session.
        session.logout().unwrap();
        assert_eq!(server.log_count("POST /v1/auth/logout -> 204"), 1);
        assert_eq!(session.access_token().unwrap_err().kind(), ErrorKind::LoggedOut);
    }
}

#[test]
fn an_expiring_api_key_session_signs_in_again_with_its_key_never_refreshing() {
    let server = Server::start(&["--api-key", &format!("apiuser:{KEY}"), "--access-ttl", "2"]);
    let session = proxied(&server, true).login_api_key(&ApiKey::parse(KEY).unwrap()).unwrap();
    let first = session.access_token().unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    // Sixteen threads find the token expired: one sign-in serves them all.
    let barrier = Arc::new(Barrier::new(16));
    let tokens: Vec<String> = (0..16)
        .map(|_| {
            let (s, b) = (session.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait();
                s.access_token().unwrap().to_string()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    assert!(tokens.iter().all(|t| *t == tokens[0] && *t != *first));
    assert_eq!(server.log_count("POST /auth/apikey -> 200"), 2);
    assert_eq!(server.log_count("POST /v1/auth/refresh"), 0, "API-key sessions never refresh");
    // An explicit refresh signs in again too.
    session.refresh().unwrap();
    assert_eq!(server.log_count("POST /auth/apikey -> 200"), 3);
    assert_eq!(session.token_info().unwrap()["userId"], "apiuser");

    // Without the key kept: session expired once the token is.
    let bare = proxied(&server, false).login_api_key(&ApiKey::parse(KEY).unwrap()).unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(bare.access_token().unwrap_err().kind(), ErrorKind::SessionExpired);
}

#[test]
fn wrong_empty_and_malformed_api_keys() {
    let server = Server::start(&["--api-key", &format!("apiuser:{KEY}")]);
    let client = proxied(&server, true);
    let e = client.login_api_key(&ApiKey::parse("not-the-key").unwrap()).unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Unauthorized, 401));
    assert_eq!(e.detail(), Some("unknown API key"));
    assert!(!format!("{e:?}{e}").contains("not-the-key"));
    for bad in ["", "with space", "ctl\u{7}", "non-ascii-é"] {
        let e = ApiKey::parse(bad).unwrap_err();
        assert_eq!(e.argument_name(), Some("api_key"));
    }
    assert_eq!(server.log_count("POST /auth/apikey"), 1, "bad keys never reach the server");
    // The proxy URL follows the base URL's rules.
    let mut config = sxt_auth_core::ClientConfig::default();
    assert_eq!(config.set_proxy_url("ftp://x").unwrap_err().argument_name(), Some("proxy_url"));
    config.set_proxy_url("http://127.0.0.1:1").unwrap();
    let e = Client::with_config("https://api.example", &config).unwrap_err();
    assert_eq!((e.kind(), e.argument_name()), (ErrorKind::InsecureUrl, Some("proxy_url")));
    assert_eq!(sxt_auth_core::ClientConfig::default().proxy_url(), "https://proxy.api.makeinfinite.dev");
}

#[test]
fn invite_join_and_the_new_tokens_name_the_new_subscription() {
    for tls in [false, true] {
        let server = if tls { Server::start_tls(&[]) } else { Server::start(&[]) };
        let client = server.client();
        let (_, _, owner) = new_user(&client, None);
        let (_, _, member) = new_user(&client, None);
        let owner_sub = subscription_of(&owner);
        assert_ne!(subscription_of(&member), owner_sub);

        let code = owner.create_join_code(Role::Admin).unwrap();
        let before = member.access_token().unwrap();
        let refresh_before = member.refresh_token().unwrap();
        member.join_subscription(&code).unwrap();
        assert_ne!(member.access_token().unwrap(), before);
        assert_ne!(member.refresh_token().unwrap(), refresh_before, "a whole new pair");
        assert_eq!(subscription_of(&member), owner_sub);
        // The new pair refreshes; the joined member, now an admin, invites members but not owners.
        member.refresh().unwrap();
        assert!(member.create_join_code(Role::Member).is_ok());
        let e = member.create_join_code(Role::Owner).unwrap_err();
        assert_eq!((e.kind(), e.http_status()), (ErrorKind::Unauthorized, 403));
        assert!(e.detail().unwrap().contains("higher"));
        // A 403 is not a revoked token: no renewal.
        assert_eq!(server.log_count("POST /v1/auth/token"), 2, "no re-sign-in after the 403");

        // Used, unknown codes; bad input never sent.
        let (_, _, third) = new_user(&client, None);
        let e = third.join_subscription(&code).unwrap_err();
        assert_eq!((e.kind(), e.http_status()), (ErrorKind::BadRequest, 400));
        assert_eq!(e.detail(), Some("unknown join code, or one already used"));
        assert_eq!(third.join_subscription("jc_nonesuch").unwrap_err().kind(), ErrorKind::BadRequest);
        for bad in ["", "a\nb", &"x".repeat(257)] {
            assert_eq!(third.join_subscription(bad).unwrap_err().argument_name(), Some("join_code"));
        }
        // A code with characters that need escaping in a path is escaped, not injected.
        assert_eq!(third.join_subscription("../../auth/logout").unwrap_err().kind(), ErrorKind::BadRequest);
        assert!(third.access_token().is_ok(), "still signed in");
    }
}

#[test]
fn joining_with_an_expired_access_token_refreshes_first() {
    let server = Server::start(&["--access-ttl", "2"]);
    let client = server.client();
    let (_, _, owner) = new_user(&client, None);
    let (_, _, member) = new_user(&client, None);
    let code = owner.create_join_code(Role::Member).unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    let refreshes = server.log_count("POST /v1/auth/refresh -> 200");
    member.join_subscription(&code).unwrap();
    assert_eq!(server.log_count("POST /v1/auth/refresh -> 200"), refreshes + 1);
    assert_eq!(server.log_count("POST /v1/subscription/invite/"), 1, "one join request");
    assert_eq!(server.log_count("POST /v1/subscription/invite/<code> -> 200"), 1, "the server never logs a join code");
    assert_eq!(server.log_count(&format!("POST /v1/subscription/invite/{code}")), 0);
    assert_eq!(subscription_of(&member), subscription_of(&owner));
}

#[test]
fn readers_never_see_a_torn_pair_while_a_join_rotates_the_tokens() {
    let server = Server::start(&[]);
    let client = server.client();
    let (_, _, owner) = new_user(&client, None);
    let (_, _, member) = new_user(&client, None);
    let code = owner.create_join_code(Role::Member).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let (s, stop) = (member.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut seen = 0;
                loop {
                    // Whatever access token a reader gets, the server accepts it at that moment or it is
                    // from the set the join just replaced; never a mixture that fails to refresh.
                    let token = s.access_token().unwrap();
                    assert_eq!(token.split('.').count(), 3);
                    seen += 1;
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                }
                seen
            })
        })
        .collect();
    member.join_subscription(&code).unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        assert!(r.join().unwrap() > 0);
    }
    member.refresh().unwrap();
    assert_eq!(subscription_of(&member), subscription_of(&owner));
}

#[test]
fn an_api_key_session_joins_and_keeps_signing_in_with_its_key() {
    let server = Server::start(&["--api-key", &format!("apiuser:{KEY}")]);
    let (_, _, owner) = new_user(&server.client(), None);
    let code = owner.create_join_code(Role::Member).unwrap();
    let session = proxied(&server, true).login_api_key(&ApiKey::parse(KEY).unwrap()).unwrap();
    session.join_subscription(&code).unwrap();
    assert_eq!(subscription_of(&session), subscription_of(&owner));
    assert_eq!(session.refresh_token().unwrap_err().kind(), ErrorKind::NotFound);
    session.refresh().unwrap();
    assert_eq!(server.log_count("POST /auth/apikey -> 200"), 2);
}

#[test]
fn an_expired_join_code_is_refused_with_the_servers_detail() {
    let server = Server::start(&["--invite-ttl", "1"]);
    let client = server.client();
    let (_, _, owner) = new_user(&client, None);
    let (_, _, member) = new_user(&client, None);
    let code = owner.create_join_code(Role::Member).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let e = member.join_subscription(&code).unwrap_err();
    assert_eq!((e.kind(), e.http_status(), e.detail()), (ErrorKind::BadRequest, 400, Some("join code has expired")));
    assert_ne!(subscription_of(&member), subscription_of(&owner));
}

#[test]
fn a_revoked_api_key_signs_in_no_more_and_its_session_cannot_sign_in_again() {
    let dir = std::env::temp_dir().join(common::unique_user("api-keys"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys.txt");
    std::fs::write(&file, "# API keys\nfileuser:FILE-KEY-1\n").unwrap();
    let server = Server::start(&["--api-keys-file", file.to_str().unwrap(), "--access-ttl", "2"]);
    let client = proxied(&server, true);
    let key = ApiKey::parse("FILE-KEY-1").unwrap();
    let session = client.login_api_key(&key).unwrap();
    assert_eq!(session.user_id(), "fileuser");
    // The key is removed from the file and the server told (SIGHUP): revoked.
    std::fs::write(&file, "# no keys\n").unwrap();
    let reloads = server.log_count("reloaded ");
    assert!(std::process::Command::new("kill").args(["-HUP", &server.pid().to_string()]).status().unwrap().success());
    for _ in 0..50 {
        if server.log_count("reloaded 0 API keys") > reloads {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(server.log_count("reloaded 0 API keys"), reloads + 1);
    let e = client.login_api_key(&key).unwrap_err();
    assert_eq!((e.kind(), e.http_status(), e.detail()), (ErrorKind::Unauthorized, 401, Some("unknown API key")));
    // The live session works until its token is due, then cannot sign in again: the proxy's 401 comes back.
    assert!(session.token_info().is_ok());
    std::thread::sleep(Duration::from_millis(2100));
    let e = session.access_token().unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Unauthorized, 401), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
