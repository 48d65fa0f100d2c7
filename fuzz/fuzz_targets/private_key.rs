//! Private key text in any form: never a panic; a key that parses signs the protocol's test message so that
//! its own public key verifies it, and its base64 form parses back to the same key.
#![no_main]

use base64::Engine;
use ed25519_dalek::{Signature, VerifyingKey};
use libfuzzer_sys::fuzz_target;
use sxt_auth_core::{PrivateKey, PublicKey};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = PublicKey::parse(text);
    let Ok(key) = PrivateKey::parse(text) else { return };
    let public = key.public_key().to_base64();
    let signature = key.sign_hex("469867d9660b67f8aa12b2");
    let raw = base64::engine::general_purpose::STANDARD.decode(&public).expect("public key is base64");
    let verifying = VerifyingKey::from_bytes(&raw.try_into().expect("32 bytes")).expect("a valid point");
    let bytes: Vec<u8> = (0..64).map(|i| u8::from_str_radix(&signature[2 * i..2 * i + 2], 16).unwrap()).collect();
    let signature = Signature::from_slice(&bytes).expect("64 bytes");
    verifying.verify_strict(b"469867d9660b67f8aa12b2", &signature).expect("the signature verifies");
    let again = PrivateKey::parse(&key.to_base64()).expect("the base64 form parses");
    assert_eq!(again.public_key(), key.public_key());
});
