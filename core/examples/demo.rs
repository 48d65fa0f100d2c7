//! The whole sign-in flow against an SxT auth service, printing each step.
//!
//! `cargo run --example demo -- <base URL> [join code]` (plain http only for loopback; `SXT_CA_CERT` names a
//! PEM file of extra trusted CAs). With `SXT_API_KEY` set, it also signs in with that API key at
//! `SXT_PROXY_URL` (default: the base URL, where the local server serves the proxy's `/auth/apikey`) and
//! joins the first user to that user's subscription. `make demo` runs it against a freshly started local
//! server.

use std::process::ExitCode;

use sxt_auth_core::{ApiKey, Client, ClientConfig, PrivateKey, Role};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let base_url = args.next().ok_or("usage: demo <base URL> [join code]")?;
    let join_code = args.next();
    let mut config = ClientConfig::default();
    config.transport_mut().set_allow_http(base_url.starts_with("http://"));
    if let Ok(path) = std::env::var("SXT_CA_CERT") {
        config.transport_mut().add_ca_pem(&std::fs::read(path)?)?;
    }
    config.set_proxy_url(&std::env::var("SXT_PROXY_URL").unwrap_or_else(|_| base_url.clone()))?;
    let client = Client::with_config(&base_url, &config)?;
    println!("1. client for {}", client.base_url());

    let key = PrivateKey::generate();
    println!("2. keygen: public key {}", key.public_key().to_base64());

    let user = format!("demo_{}", std::process::id());
    println!("3. user exists? {user}: {}", client.user_exists(&user)?);

    let registered = client.register(&user, &key, join_code.as_deref())?;
    println!("4. registered {user} with join code {}", join_code.as_deref().unwrap_or("(none)"));
    println!("   user exists now? {}", client.user_exists(&user)?);
    registered.logout()?;

    let session = client.login(&user, &key)?;
    let (access_exp, refresh_exp) = session.expiries_ms()?;
    println!("5. login: access token expires at {access_exp} ms, refresh token at {refresh_exp} ms (Unix epoch)");

    let before = session.access_token()?;
    session.refresh()?;
    let after = session.access_token()?;
    println!("6. refresh: access token rotated: {}", *before != *after);

    let info = session.token_info()?;
    println!("7. token info: userId={} sessionId={} restricted={}", info["userId"], info["sessionId"], info["restricted"]);

    println!("   Access token: {}", after.as_str());

    if let Ok(api_key) = std::env::var("SXT_API_KEY") {
        let keyed = client.login_api_key(&ApiKey::parse(&api_key)?)?;
        println!("8. API-key sign-in: user {} (from validtoken), no refresh token: {}", keyed.user_id(), keyed.refresh_token().is_err());
        // The API key's user owns a subscription of its own: it invites the demo user, who joins it.
        let code = keyed.create_join_code(Role::Member)?;
        session.join_subscription(&code)?;
        let same = keyed.token_info()?["subscriptionId"] == session.token_info()?["subscriptionId"];
        println!("   {user} joined {}'s subscription with a join code from that user: {same}", keyed.user_id());
        keyed.logout()?;
    }

    session.logout()?;
    println!("9. logout: done; the session now reports: {}", session.access_token().unwrap_err());
    Ok(())
}
