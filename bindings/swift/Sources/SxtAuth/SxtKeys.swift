internal import CSxtAuth

/// Ed25519 key operations of the Space and Time (SxT) sign-in protocol: generating a key pair, deriving a
/// public key, and signing a challenge. Pure computations (no network); safe to call from any thread.
///
/// Private keys are accepted in any encoding the library accepts: standard base64 of the 32-byte seed
/// (44 characters, the form SxT tools print), 64 hex characters of the seed, or base64 of the 64 bytes
/// `seed || public key`. Public keys are standard base64 of 32 bytes (44 characters).
///
/// Keys and signatures are returned as Swift `String`s, which Swift cannot wipe from memory; the library's
/// own copies are wiped when released.
public enum SxtKeys {
    /// Generates a new Ed25519 key pair from the operating system's random number generator.
    ///
    /// - Returns: the private key (base64 of the 32-byte seed, 44 characters; keep it secret) and its public
    ///   key (base64, 44 characters).
    /// - Throws: ``SxtError`` if the library fails (it cannot for valid calls).
    public static func generate() throws -> (privateKey: String, publicKey: String) {
        var privateKey: UnsafeMutablePointer<CChar>? = nil
        var publicKey: UnsafeMutablePointer<CChar>? = nil
        defer {
            sxt_string_free(privateKey)
            sxt_string_free(publicKey)
        }
        try check { sxt_keygen(&privateKey, &publicKey, $0) }
        guard let privateKey, let publicKey else {
            throw SxtError(code: .internal, message: "the library reported success but returned no key")
        }
        return (String(cString: privateKey), String(cString: publicKey))
    }

    /// Derives the public key (standard base64) of a private key in any accepted encoding. Also a way to
    /// validate a private key.
    ///
    /// - Throws: ``SxtError`` with ``SxtError/Code/invalidKey`` when `privateKey` is not a valid key, or
    ///   ``SxtError/Code/invalidArgument`` when it contains a NUL character.
    public static func publicKey(of privateKey: String) throws -> String {
        try withCString(privateKey, name: "privateKey") { key throws(SxtError) in
            try callReturningString { sxt_key_public(key, $0, $1) }
        }
    }

    /// Signs the exact UTF-8 bytes of `message` (for example an SxT `authCode`) with `privateKey`.
    /// For custom flows: ``SxtClient/login(userID:privateKey:)`` and friends sign for you.
    ///
    /// - Returns: the 64-byte Ed25519 signature as lowercase hex (128 characters).
    /// - Throws: ``SxtError`` with ``SxtError/Code/invalidKey`` for a bad key, or
    ///   ``SxtError/Code/invalidArgument`` when an argument contains a NUL character.
    public static func sign(_ message: String, with privateKey: String) throws -> String {
        try withCString(privateKey, name: "privateKey") { key throws(SxtError) in
            try withCString(message, name: "message") { text throws(SxtError) in
                try callReturningString { sxt_key_sign(key, text, $0, $1) }
            }
        }
    }
}

/// Facts about the C library the binding is running against.
public enum SxtLibrary {
    /// The version of the loaded library, `"MAJOR.MINOR.PATCH"`.
    public static var version: String { String(cString: sxt_version()) }
}
