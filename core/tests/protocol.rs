//! Every call of the protocol against the local server: success paths and the server's refusals.

mod common;

use common::{new_user, unique_user, Server};
use sxt_auth_core::http::Transport;
use sxt_auth_core::TransportConfig;
use sxt_auth_core::keys::SCHEME;
use sxt_auth_core::{wire, ErrorKind, PrivateKey};

fn raw(server: &Server) -> Transport {
    let mut config = TransportConfig::default();
    config.set_allow_http(true);
    Transport::new(&server.base_url, &config).unwrap()
}

fn challenge(t: &Transport, user: &str) -> String {
    let reply = t.post("/v1/auth/code", None, Some(&wire::CodeRequest { user_id: user, join_code: None })).unwrap();
    wire::parse_auth_code(&reply.body).unwrap()
}

fn token_call(t: &Transport, user: &str, code: &str, signature: &str, key: &PrivateKey) -> sxt_auth_core::Result<wire::TokenSet> {
    let public = key.public_key().to_base64();
    let body = wire::TokenRequest { user_id: user, auth_code: code, signature, key: &public, scheme: SCHEME };
    t.post("/v1/auth/token", None, Some(&body)).and_then(|r| wire::parse_token_set(&r.body))
}

#[test]
fn full_flow_every_call_succeeds() {
    let server = Server::start(&["--join-code", "ORG-1"]);
    let client = server.client();
    let user = unique_user("flow");
    let key = PrivateKey::generate();

    assert!(!client.user_exists(&user).unwrap());
    let session = client.register(&user, &key, Some("ORG-1")).unwrap();
    assert!(client.user_exists(&user).unwrap());
    assert_eq!(session.user_id(), user);

    let first = session.access_token().unwrap();
    let first_refresh = session.refresh_token().unwrap();
    let (access_exp, refresh_exp) = session.expiries_ms().unwrap();
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!(access_exp > now_ms && refresh_exp > now_ms, "expiries are epoch milliseconds in the future");

    session.refresh().unwrap();
    assert_ne!(session.access_token().unwrap(), first, "refresh rotates the access token");
    assert_ne!(session.refresh_token().unwrap(), first_refresh, "refresh rotates the refresh token");

    let info = session.token_info().unwrap();
    assert_eq!(info["userId"], user.as_str());
    for field in ["subscriptionId", "sessionId", "restricted", "quotaExceeded", "trial"] {
        assert!(info.get(field).is_some(), "validtoken has {field}: {info}");
    }

    let keys = session.keys().unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert!(keys.to_string().contains(&key.public_key().to_base64()));

    let second = PrivateKey::generate();
    session.add_key(&second).unwrap();
    let keys = session.keys().unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 2);
    assert!(keys.to_string().contains(&second.public_key().to_base64()));
    let by_second = client.login(&user, &second).expect("the added key signs in");
    assert_eq!(by_second.token_info().unwrap()["userId"], user.as_str());

    let again = client.login(&user, &key).unwrap();
    again.logout().unwrap();
    assert!(again.is_logged_out());
    assert_eq!(again.access_token().unwrap_err().kind(), ErrorKind::LoggedOut);
    assert_eq!(again.logout().unwrap_err().kind(), ErrorKind::LoggedOut);
}

#[test]
fn register_with_email_uses_code_register() {
    let server = Server::start(&[]);
    let client = server.client();
    let user = unique_user("mail");
    let key = PrivateKey::generate();
    let session = client.register_with_email(&user, &key, "someone@example.com", None).unwrap();
    assert_eq!(session.token_info().unwrap()["userId"], user.as_str());
    assert!(client.user_exists(&user).unwrap());
}

#[test]
fn login_of_unknown_user_is_not_found_and_creates_nothing() {
    let server = Server::start(&[]);
    let client = server.client();
    let user = unique_user("ghost");
    let e = client.login(&user, &PrivateKey::generate()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(!client.user_exists(&user).unwrap(), "a failed login must not register the id");
}

#[test]
fn wrong_key_for_existing_user_is_refused() {
    let server = Server::start(&[]);
    let client = server.client();
    let (user, _key, _s) = new_user(&client, None);
    let e = client.login(&user, &PrivateKey::generate()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::BadRequest | ErrorKind::Unauthorized), "{e}");
    assert!(e.http_status() >= 400);
}

#[test]
fn duplicate_registration_with_another_key_is_refused() {
    let server = Server::start(&[]);
    let client = server.client();
    let (user, key, _s) = new_user(&client, None);
    let e = client.register(&user, &PrivateKey::generate(), None).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::BadRequest | ErrorKind::Conflict | ErrorKind::Unauthorized), "{e}");
    // Registering again with the key already on the keyring is a plain sign-in.
    client.register(&user, &key, None).unwrap();
}

#[test]
fn join_codes_required_unknown_and_accepted() {
    let server = Server::start(&["--join-code", "GOOD", "--require-join-code"]);
    let client = server.client();
    let key = PrivateKey::generate();
    let missing = client.register(&unique_user("nojoin"), &key, None).unwrap_err();
    assert!(matches!(missing.kind(), ErrorKind::BadRequest | ErrorKind::NotFound), "{missing}");
    let wrong = client.register(&unique_user("badjoin"), &key, Some("BAD")).unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::BadRequest, "{wrong}");
    assert!(wrong.title().is_some() || wrong.detail().is_some(), "the server's problem text reaches the caller");
    client.register(&unique_user("okjoin"), &key, Some("GOOD")).unwrap();

    let open = Server::start(&["--join-code", "GOOD"]);
    let e = open.client().register(&unique_user("badjoin"), &key, Some("BAD")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest, "an unknown join code is refused even when optional");
    open.client().register(&unique_user("nojoin"), &key, None).expect("join code optional by default");
}

#[test]
fn wrong_signature_other_code_reused_and_expired_challenges_are_refused() {
    let server = Server::start(&["--challenge-ttl", "1"]);
    let client = server.client();
    let (user, key, _s) = new_user(&client, None);
    let t = raw(&server);

    let code = challenge(&t, &user);
    let mut bad = key.sign_hex(&code);
    bad.replace_range(0..2, if &bad[0..2] == "00" { "01" } else { "00" });
    assert_eq!(token_call(&t, &user, &code, &bad, &key).err().unwrap().kind(), ErrorKind::BadRequest, "flipped signature");

    let code = challenge(&t, &user);
    let other = key.sign_hex("not-the-code");
    assert_eq!(token_call(&t, &user, &code, &other, &key).err().unwrap().kind(), ErrorKind::BadRequest, "signature over another code");

    let code = challenge(&t, &user);
    token_call(&t, &user, &code, &key.sign_hex(&code), &key).expect("a good signature works");
    let reuse = token_call(&t, &user, &code, &key.sign_hex(&code), &key).err().unwrap();
    assert_eq!(reuse.kind(), ErrorKind::BadRequest, "a challenge is single use: {reuse}");

    let code = challenge(&t, &user);
    std::thread::sleep(std::time::Duration::from_millis(1600));
    let late = token_call(&t, &user, &code, &key.sign_hex(&code), &key).err().unwrap();
    assert_eq!(late.kind(), ErrorKind::BadRequest, "an expired challenge is refused: {late}");
}

#[test]
fn old_refresh_token_is_refused_after_rotation() {
    let server = Server::start(&[]);
    let client = server.client();
    let (_user, _key, session) = new_user(&client, None);
    let old = session.refresh_token().unwrap();
    session.refresh().unwrap();
    let e = raw(&server).post("/v1/auth/refresh", Some(&old), None::<&()>).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(e.http_status(), 401);
    let current = session.refresh_token().unwrap();
    raw(&server).post("/v1/auth/refresh", Some(&current), None::<&()>).expect("the current one works");
}

#[test]
fn logout_ends_every_session_of_the_user() {
    let server = Server::start(&[]);
    let keeps = server.client();
    let forgets = server.client_with(|c| { c.set_keep_key(false); });
    let (user, key, a) = new_user(&keeps, None);
    let b = forgets.login(&user, &key).unwrap();
    let c = keeps.login(&user, &key).unwrap();
    let b_refresh = b.refresh_token().unwrap();
    let c_access = c.access_token().unwrap();

    a.logout().unwrap();

    let t = raw(&server);
    assert_eq!(t.post("/v1/auth/refresh", Some(&b_refresh), None::<&()>).err().unwrap().kind(), ErrorKind::Unauthorized);
    assert_eq!(t.get("/v1/auth/validtoken", Some(&c_access)).err().unwrap().kind(), ErrorKind::Unauthorized);
    // A session without the key cannot recover...
    let e = b.token_info().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Unauthorized | ErrorKind::SessionExpired), "{e}");
    // ...one with the key signs in again by itself.
    assert_eq!(c.token_info().unwrap()["userId"], user.as_str());
    assert_ne!(c.access_token().unwrap(), c_access);
}

#[test]
fn idexists_answers_exactly_true_or_false() {
    let server = Server::start(&[]);
    let client = server.client();
    let (user, _k, _s) = new_user(&client, None);
    let t = raw(&server);
    assert_eq!(&t.get(&format!("/v1/auth/idexists/{user}"), None).unwrap().body[..], b"true");
    assert_eq!(&t.get("/v1/auth/idexists/nobody_here", None).unwrap().body[..], b"false");
}

#[test]
fn bad_inputs_fail_before_the_network() {
    let server = Server::start(&[]);
    let client = server.client();
    let key = PrivateKey::generate();
    assert_eq!(client.login("", &key).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(client.user_exists(&"x".repeat(300)).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(client.register("a\u{7}b", &key, None).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(client.register("ok", &key, Some("")).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(client.register_with_email("ok", &key, "", None).unwrap_err().kind(), ErrorKind::InvalidArgument);
    // Unusual characters travel percent-encoded; the server judges them and its refusal reaches the caller.
    assert!(!client.user_exists("odd~id.with-chars@x").unwrap());
    let e = client.user_exists("a b/c?d").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest, "{e}");
    assert!(e.detail().is_some());
}

#[test]
fn debug_output_and_errors_never_show_secrets() {
    let server = Server::start(&[]);
    let client = server.client();
    let (user, key, session) = new_user(&client, None);
    let access = session.access_token().unwrap();
    let refresh = session.refresh_token().unwrap();
    let seed = key.to_base64();
    let shown = format!("{session:?} {key:?} {client:?}");
    for secret in [access.as_str(), refresh.as_str(), seed.as_str()] {
        assert!(!shown.contains(secret), "Debug leaked a secret: {shown}");
    }
    assert!(shown.contains(&user), "Debug still says which user: {shown}");
    let e = client.login(&user, &PrivateKey::generate()).unwrap_err();
    let text = format!("{e} {e:?} {:?} {:?}", e.title(), e.detail());
    for secret in [access.as_str(), refresh.as_str(), seed.as_str()] {
        assert!(!text.contains(secret), "an error leaked a secret: {text}");
    }
}

#[test]
fn a_user_seen_to_exist_signs_in_with_two_exchanges() {
    let server = Server::start(&[]);
    let client = server.client();
    let (user, key, _s) = new_user(&client, None);
    // The registration taught the client that the user exists: no idexists before the next sign-in. Another
    // client has not seen it and asks.
    let fresh = server.client();
    let log = |c: &sxt_auth_core::Client| c.login(&user, &key).map(drop);
    log(&client).unwrap();
    log(&fresh).unwrap();
    log(&fresh).unwrap();
    let asked = server.log_count(&format!("GET /v1/auth/idexists/{user} "));
    assert_eq!(asked, 1, "only the fresh client asked, and only once");
    // An unknown user is still refused before any token call.
    let e = client.login(&unique_user("nobody"), &key).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn jwt_sized_tokens_pass_through_whole() {
    let server = Server::start(&["--token-size", "500"]);
    let (_u, _k, session) = new_user(&server.client(), None);
    assert_eq!(session.access_token().unwrap().len(), 500);
    assert_eq!(session.refresh_token().unwrap().len(), 500);
    session.refresh().unwrap();
    assert_eq!(session.access_token().unwrap().len(), 500);
    session.logout().unwrap();
}
