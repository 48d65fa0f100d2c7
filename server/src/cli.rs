//! Command-line parsing. Hand-written: the option set is small and a parser
//! crate would cost more compile time than it saves.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

pub const HELP: &str = "\
sxt-auth-server: a local, offline stand-in for the Space and Time (SxT) auth service

It speaks the SxT authentication protocol (/v1/auth/...) with real Ed25519
challenge signatures, rotating refresh tokens, session limits and logout, API-key
sign-in (POST /auth/apikey, as the SxT proxy) and subscriptions with invitations
(/v1/subscription/invite), and keeps everything in memory. Tokens are ES256-signed
JWTs like the public network's, verified on every call. Point an SxT client or SDK at the URL it prints to test your
login code in CI without network access or a real SxT account; users register
themselves on first login, exactly as on the real network.

USAGE:
    sxt-auth-server [OPTIONS]

OPTIONS:
    --listen ADDR           Address to listen on [default: 127.0.0.1:0]; port 0 picks a free port
    --tls                   Serve HTTPS with a freshly generated CA and a certificate for
                            localhost, 127.0.0.1 and ::1 (and the --listen IP); needs --ca-out
    --ca-out FILE           Where to write the CA certificate (PEM) that clients must trust;
                            written before the listening line is printed
    --join-code CODE        A valid join (organisation) code; repeat for several codes
    --require-join-code     Refuse to register new users that do not present a join code
    --challenge-ttl SECS    Lifetime of an authCode challenge [default: 30]
    --access-ttl SECS       Lifetime of an access token [default: 1500]
    --refresh-ttl SECS      Lifetime of a refresh token [default: 1800]
    --session-ttl SECS      Absolute lifetime of a login session, across refreshes [default: 86400]
    --join-code-ttl SECS    How long --join-code codes stay valid after start-up [default: 86400]
    --invite-ttl SECS       How long a join code made by POST /v1/subscription/invite stays
                            valid (single use) [default: 86400]
    --api-key USER_ID:KEY   An API key that signs USER_ID in at POST /auth/apikey (header
                            `apikey: KEY`); the user is created if absent, with an empty
                            keyring that its first key sign-in fills. Repeatable
    --api-keys-file FILE    More API keys, one USER_ID:KEY per line (# comments); the file is
                            read again on SIGHUP, so a key removed from it is revoked
    --request-timeout SECS  Time a request gets from its headers to its answer (a body dripped
                            slower than this gets 408 and the connection is closed) [default: 10]
    --max-connections N     Open connections served at once; one more is answered 503 and
                            closed [default: 1024]
    --opaque-tokens         Issue short random tokens (43 characters) instead of JWTs
    --token-size CHARS      Issue opaque tokens of this length, 16 to 4096 characters (implies
                            --opaque-tokens)
    -h, --help              Print this help
    -V, --version           Print the version

OUTPUT:
    The first line on stdout is `listening on <base URL>` (e.g. http://127.0.0.1:40123),
    printed once the server accepts connections; use that URL as the client's API URL.
    One line per request (method, path, status, time) goes to stderr; tokens, keys and
    signatures are never logged. SIGINT or SIGTERM stops the server (exit status 0).

EXAMPLE (in a CI job):
    sxt-auth-server --listen 127.0.0.1:0 --tls --ca-out ca.pem --join-code TEAM > server.out &
    until grep -q '^listening on ' server.out; do sleep 0.1; done
    API_URL=$(sed -n 's/^listening on //p' server.out)
";

/// Everything the server needs from the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub listen: SocketAddr,
    pub tls: bool,
    pub ca_out: Option<PathBuf>,
    pub join_codes: Vec<String>,
    pub require_join_code: bool,
    pub challenge_ttl: u64,
    pub access_ttl: u64,
    pub refresh_ttl: u64,
    pub session_ttl: u64,
    pub join_code_ttl: u64,
    pub invite_ttl: u64,
    pub request_timeout: u64,
    pub max_connections: usize,
    pub token_size: Option<usize>,
    /// Opaque random tokens instead of JWTs (`--opaque-tokens`, or `--token-size`).
    pub opaque_tokens: bool,
    /// `--api-key USER_ID:KEY` pairs, in order.
    pub api_keys: Vec<(String, String)>,
    /// `--api-keys-file FILE`.
    pub api_keys_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
            ca_out: None,
            join_codes: Vec::new(),
            require_join_code: false,
            challenge_ttl: 30,
            access_ttl: 25 * 60,
            refresh_ttl: 30 * 60,
            session_ttl: 24 * 60 * 60,
            join_code_ttl: 24 * 60 * 60,
            invite_ttl: 24 * 60 * 60,
            request_timeout: 10,
            max_connections: 1024,
            token_size: None,
            opaque_tokens: false,
            api_keys: Vec::new(),
            api_keys_file: None,
        }
    }
}

#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // made once per process
pub enum Command {
    Run(Config),
    Help,
    Version,
}

/// Upper bound for every lifetime option: ten years, far from overflowing
/// millisecond arithmetic.
const MAX_TTL_SECS: u64 = 10 * 365 * 24 * 60 * 60;

pub fn parse<I: IntoIterator<Item = OsString>>(args: I) -> Result<Command, String> {
    let mut cfg = Config::default();
    let mut args = args.into_iter();
    while let Some(raw) = args.next() {
        let raw = raw.into_string().map_err(|a| format!("argument is not valid UTF-8: {a:?}"))?;
        // Accept both `--opt value` and `--opt=value`.
        let (name, inline) = match raw.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (raw.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            match args.next() {
                Some(v) => v.into_string().map_err(|_| format!("{name}: {what} is not valid UTF-8")),
                None => Err(format!("{name} needs a value ({what})")),
            }
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" => {
                let v = value("ADDR")?;
                cfg.listen = v.parse().map_err(|_| format!("--listen: `{v}` is not an IP:port address"))?;
            }
            "--tls" => cfg.tls = true,
            "--ca-out" => {
                let v = value("FILE")?;
                if v.is_empty() {
                    return Err("--ca-out: empty file name".into());
                }
                cfg.ca_out = Some(PathBuf::from(v));
            }
            "--join-code" => {
                let v = value("CODE")?;
                if v.is_empty() || v.len() > 128 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(format!(
                        "--join-code: `{v}` is not a usable code (1-128 characters, no spaces)"
                    ));
                }
                if !cfg.join_codes.contains(&v) {
                    cfg.join_codes.push(v);
                }
            }
            "--require-join-code" => cfg.require_join_code = true,
            "--challenge-ttl" => cfg.challenge_ttl = secs(&name, &value("SECS")?)?,
            "--access-ttl" => cfg.access_ttl = secs(&name, &value("SECS")?)?,
            "--refresh-ttl" => cfg.refresh_ttl = secs(&name, &value("SECS")?)?,
            "--session-ttl" => cfg.session_ttl = secs(&name, &value("SECS")?)?,
            "--join-code-ttl" => cfg.join_code_ttl = secs(&name, &value("SECS")?)?,
            "--invite-ttl" => cfg.invite_ttl = secs(&name, &value("SECS")?)?,
            "--request-timeout" => {
                cfg.request_timeout = secs(&name, &value("SECS")?)?;
                if cfg.request_timeout > 3600 {
                    return Err("--request-timeout: at most 3600 seconds".into());
                }
            }
            "--token-size" => {
                let v = value("CHARS")?;
                cfg.token_size = match v.parse::<usize>() {
                    Ok(n) if (16..=4096).contains(&n) => Some(n),
                    _ => return Err(format!("--token-size: `{v}` is not a number between 16 and 4096")),
                };
                cfg.opaque_tokens = true;
            }
            "--opaque-tokens" => cfg.opaque_tokens = true,
            "--api-key" => {
                let (user, key) = parse_api_key(&value("USER_ID:KEY")?).map_err(|e| format!("--api-key: {e}"))?;
                if cfg.api_keys.iter().any(|(_, k)| *k == key) {
                    return Err(format!("--api-key: the key for `{user}` is given twice"));
                }
                cfg.api_keys.push((user, key));
            }
            "--api-keys-file" => {
                let v = value("FILE")?;
                if v.is_empty() {
                    return Err("--api-keys-file: empty file name".into());
                }
                cfg.api_keys_file = Some(PathBuf::from(v));
            }
            "--max-connections" => {
                let v = value("N")?;
                cfg.max_connections = match v.parse::<usize>() {
                    Ok(n) if (1..=65_536).contains(&n) => n,
                    _ => return Err(format!("--max-connections: `{v}` is not a number between 1 and 65536")),
                };
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
        if inline.is_some() && matches!(name.as_str(), "--tls" | "--require-join-code" | "--opaque-tokens") {
            return Err(format!("{name} takes no value"));
        }
    }
    if cfg.tls && cfg.ca_out.is_none() {
        return Err("--tls needs --ca-out FILE, so that clients can trust the generated CA".into());
    }
    if !cfg.tls && cfg.ca_out.is_some() {
        return Err("--ca-out only makes sense with --tls".into());
    }
    if cfg.require_join_code && cfg.join_codes.is_empty() {
        return Err("--require-join-code needs at least one --join-code CODE".into());
    }
    Ok(Command::Run(cfg))
}

/// One `USER_ID:KEY` entry. The key is a secret: an error never repeats it.
pub fn parse_api_key(entry: &str) -> Result<(String, String), String> {
    let Some((user, key)) = entry.split_once(':') else {
        return Err("expected USER_ID:KEY".into());
    };
    let user_ok =
        !user.is_empty() && user.chars().count() <= 128 && !user.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/');
    if !user_ok {
        return Err(format!("`{user}` is not a usable user id (1-128 characters, no spaces or `/`)"));
    }
    if key.is_empty() || key.len() > 1024 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("the key for `{user}` must be 1-1024 printable ASCII characters"));
    }
    Ok((user.to_string(), key.to_string()))
}

/// The entries of an `--api-keys-file`: one `USER_ID:KEY` per line; blank lines and `#` comments are skipped.
pub fn read_api_keys_file(path: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        keys.push(parse_api_key(line).map_err(|e| format!("{} line {}: {e}", path.display(), i + 1))?);
    }
    Ok(keys)
}

fn secs(name: &str, v: &str) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(n) if (1..=MAX_TTL_SECS).contains(&n) => Ok(n),
        _ => Err(format!("{name}: `{v}` is not a number of seconds between 1 and {MAX_TTL_SECS}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn defaults_follow_the_protocol_lifetimes() {
        let Command::Run(c) = run(&[]).unwrap() else { panic!() };
        assert_eq!(c, Config::default());
        assert_eq!((c.challenge_ttl, c.access_ttl, c.refresh_ttl, c.session_ttl), (30, 1500, 1800, 86400));
    }

    #[test]
    fn parses_every_option() {
        let got = run(&[
            "--listen",
            "127.0.0.1:8080",
            "--tls",
            "--ca-out=ca.pem",
            "--join-code",
            "A",
            "--join-code=B",
            "--require-join-code",
            "--challenge-ttl",
            "2",
            "--access-ttl=3",
            "--refresh-ttl",
            "4",
            "--session-ttl",
            "5",
            "--join-code-ttl",
            "6",
        ])
        .unwrap();
        let Command::Run(c) = got else { panic!() };
        assert_eq!(c.listen, "127.0.0.1:8080".parse().unwrap());
        assert!(c.tls && c.require_join_code);
        assert_eq!(c.ca_out, Some(PathBuf::from("ca.pem")));
        assert_eq!(c.join_codes, vec!["A".to_string(), "B".to_string()]);
        assert_eq!(
            (c.challenge_ttl, c.access_ttl, c.refresh_ttl, c.session_ttl, c.join_code_ttl),
            (2, 3, 4, 5, 6)
        );
    }

    #[test]
    fn rejects_bad_input() {
        assert!(run(&["--listen", "localhost"]).is_err());
        assert!(run(&["--tls"]).is_err());
        assert!(run(&["--ca-out", "x.pem"]).is_err());
        assert!(run(&["--require-join-code"]).is_err());
        assert!(run(&["--access-ttl", "0"]).is_err());
        assert!(run(&["--access-ttl", "-1"]).is_err());
        assert!(run(&["--join-code", "has space"]).is_err());
        assert!(run(&["--session-ttl"]).is_err());
        assert!(run(&["--tls=yes", "--ca-out", "x"]).is_err());
        assert!(run(&["--frobnicate"]).is_err());
        assert_eq!(run(&["--help"]).unwrap(), Command::Help);
        assert_eq!(run(&["-V"]).unwrap(), Command::Version);
    }

    #[test]
    fn api_keys_files() {
        let dir = std::env::temp_dir().join(format!("sxt-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.txt");
        std::fs::write(&good, "# keys\n\nalice:K-1\n  bob:K-2  \n").unwrap();
        assert_eq!(read_api_keys_file(&good).unwrap(), vec![("alice".into(), "K-1".into()), ("bob".into(), "K-2".into())]);
        let bad = dir.join("bad.txt");
        std::fs::write(&bad, "alice:K-1\nbob:secret with space\n").unwrap();
        let e = read_api_keys_file(&bad).unwrap_err();
        assert!(e.contains("line 2") && !e.contains("secret"), "{e}");
        assert!(read_api_keys_file(&dir.join("missing.txt")).is_err());
        let Command::Run(c) = run(&["--api-keys-file", good.to_str().unwrap()]).unwrap() else { panic!() };
        assert_eq!(c.api_keys_file, Some(good.clone()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn api_keys_and_token_formats() {
        let Command::Run(c) = run(&["--api-key", "alice:K-1", "--api-key=bob:a:b", "--opaque-tokens"]).unwrap() else { panic!() };
        assert_eq!(c.api_keys, vec![("alice".into(), "K-1".into()), ("bob".into(), "a:b".into())]);
        assert!(c.opaque_tokens && c.token_size.is_none());
        let Command::Run(c) = run(&["--token-size", "500"]).unwrap() else { panic!() };
        assert!(c.opaque_tokens && c.token_size == Some(500));
        let Command::Run(c) = run(&[]).unwrap() else { panic!() };
        assert!(!c.opaque_tokens, "JWTs by default");
        for bad in [&["--api-key", "alice"][..], &["--api-key", ":k"], &["--api-key", "a b:k"], &["--api-key", "a:"],
                    &["--api-key", "a:k y"], &["--api-key", "a:k", "--api-key", "b:k"], &["--opaque-tokens=1"]] {
            let e = run(bad).unwrap_err();
            assert!(!e.contains("k y") && !e.contains(":k"), "the key is not echoed: {e}");
        }
    }
}
