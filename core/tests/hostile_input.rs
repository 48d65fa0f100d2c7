//! Hostile input never panics: random and mutated bytes through every parser the library exposes to
//! untrusted data (keys, URLs, PEM, and the server's replies). A deterministic generator keeps failures
//! reproducible: the seed and the input are printed on failure.

use sxt_auth_core::base_url::BaseUrl;
use sxt_auth_core::tls::parse_pem_certificates;
use sxt_auth_core::{wire, PrivateKey, PublicKey};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Inputs that start from valid ones and mutate them, plus pure noise.
fn inputs(seeds: &[&[u8]], count: usize, rng: &mut Rng) -> Vec<Vec<u8>> {
    const ALPHABET: &[u8] = b"AZaz09+/=-_:.[]{}\",%@?#\\ \t\n\x00\xff\xc3\xa9truefalsenull0123456789eE";
    (0..count)
        .map(|i| {
            if i % 4 == 0 {
                let len = rng.below(120);
                (0..len).map(|_| rng.next() as u8).collect()
            } else {
                let mut v = seeds[rng.below(seeds.len())].to_vec();
                for _ in 0..=rng.below(6) {
                    let at = if v.is_empty() { 0 } else { rng.below(v.len()) };
                    match rng.below(4) {
                        0 if !v.is_empty() => v[at] = ALPHABET[rng.below(ALPHABET.len())],
                        1 => v.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                        2 if !v.is_empty() => {
                            v.remove(at);
                        }
                        _ => v.truncate(at),
                    }
                }
                v
            }
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn no_panic(name: &str, seeds: &[&[u8]], f: impl Fn(&[u8])) {
    let mut rng = Rng(0x5eed_0000_0000_0001 ^ name.len() as u64);
    for input in inputs(seeds, 5000, &mut rng) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&input)));
        assert!(outcome.is_ok(), "{name} panicked on {input:?}");
    }
}

#[test]
fn keys() {
    let seeds: &[&[u8]] = &[
        b"Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=",
        b"4ddfc88423bf8f761619bcef2204d31603552bad0fe15db016a868f5a8cdd987",
        b"Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2YePHZ3EkZV8LVymnK1jTNQaghMyfZSxhpUG9MEeH0KOGw==",
    ];
    no_panic("private key", seeds, |b| {
        if let Ok(k) = PrivateKey::parse(&text(b)) {
            // Anything accepted must round-trip to a 44-character seed.
            assert_eq!(k.to_base64().len(), 44);
        }
    });
    no_panic("public key", seeds, |b| drop(PublicKey::parse(&text(b))));
}

#[test]
fn urls() {
    let seeds: &[&[u8]] = &[b"https://api.spaceandtime.dev/v1/", b"http://[::1]:8080", b"https://h.example:443/sxt"];
    no_panic("base url", seeds, |b| {
        if let Ok(u) = BaseUrl::parse(&text(b), true) {
            assert!(!u.as_str().ends_with('/') && !u.as_str().ends_with("/v1"), "{}", u.as_str());
            assert!(!u.as_str().contains(char::is_whitespace));
        }
    });
}

#[test]
fn pem() {
    let seeds: &[&[u8]] = &[b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ==\n-----END CERTIFICATE-----\n"];
    no_panic("pem", seeds, |b| drop(parse_pem_certificates(b)));
}

#[test]
fn replies() {
    let seeds: &[&[u8]] = &[
        br#"{"accessToken":"a.b.c","refreshToken":"r.s.t","accessTokenExpires":1795467524181,"refreshTokenExpires":1795467824181}"#,
        br#"{"authCode":"469867d9660b67f8aa12b2"}"#,
        br#"{"type":"about:blank","title":"Bad Request","detail":"bad signature","status":400}"#,
        b"true",
        br#"[{"key":"jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs=","scheme":"ed25519","created":1}]"#,
    ];
    no_panic("token set", seeds, |b| {
        if let Ok(t) = wire::parse_token_set(b) {
            let positive = |e: wire::Expiry| matches!(e, wire::Expiry::AtMs(n) | wire::Expiry::InSeconds(n) if n > 0);
            assert!(!t.access_token.is_empty() && positive(t.access_expires) && t.refresh_expires.is_some_and(positive));
            wire::check_bearer_token("accessToken", &t.access_token).unwrap();
            wire::check_bearer_token("refreshToken", &t.refresh_token).unwrap();
        }
    });
    no_panic("auth code", seeds, |b| drop(wire::parse_auth_code(b)));
    no_panic("bool", seeds, |b| drop(wire::parse_bool(b)));
    no_panic("problem", seeds, |b| drop(wire::parse_problem(b)));
    no_panic("json", seeds, |b| drop(wire::parse_json(b)));
}
