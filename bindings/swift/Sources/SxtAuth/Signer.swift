import Foundation
internal import CSxtAuth

/// A key the app holds (a Keychain or Secure Enclave item, an HSM, a wallet) and signs with: the private key
/// never enters the library.
///
/// `sign` gets the exact `authCode` bytes and returns the signature as the scheme writes it in the protocol's
/// `signature` field (for `ed25519`, 128 lowercase hex characters); to fail, it throws (the error's
/// description becomes the message of ``SxtError/Code/signerFailed``). It may be called from any thread,
/// once per sign-in (a session's sign-in again included), from several threads at once, with no lock of the
/// library held, so it may wait for the user (up to the 30 seconds a challenge lives); it must not call the
/// session it signs for. For `ed25519` the library checks every signature against `publicKey` before sending
/// it.
///
/// Sessions signed in with a signer keep its `sign` closure (and sign in through it again when their refresh
/// chain ends) after the signer object goes.
public final class SxtSigner: @unchecked Sendable {
    /// Signs a challenge.
    public typealias Sign = @Sendable (_ message: Data) throws -> String

    /// The C handle. Valid for the object's whole life.
    let handle: OpaquePointer

    /// A signer for `publicKey` (as SxT wants it in the `key` field: for `ed25519`, the standard base64 of
    /// the 32 bytes) in `scheme` (`nil`: `ed25519`; wallet sign-in puts the chain id there, such as `"1"`).
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/invalidKey`` naming `public_key` (an `ed25519` key that does
    ///   not parse), ``SxtError/Code/invalidArgument`` naming `scheme` or `public_key`.
    public init(publicKey: String, scheme: String? = nil, sign: @escaping Sign) throws {
        let box = Unmanaged.passRetained(SignBox(sign)).toOpaque()
        var out: OpaquePointer? = nil
        var handedOver = false
        do {
            // Once handed over, the library owns `box` and releases it exactly once (at once if this fails).
            try withCString(publicKey, name: "publicKey") { key throws(SxtError) in
                try withOptionalCString(scheme, name: "scheme") { scheme throws(SxtError) in
                    try check {
                        handedOver = true
                        return sxt_signer_new(key, scheme, signTrampoline, box, releaseBox, &out, $0)
                    }
                }
            }
        } catch {
            if !handedOver { Unmanaged<SignBox>.fromOpaque(box).release() }
            throw error
        }
        guard let out else {
            throw SxtError(code: .internal, message: "the library reported success but returned no signer")
        }
        handle = out
    }

    deinit {
        sxt_signer_free(handle)
    }
}

/// The closure a signer's or observer's C context points at.
final class SignBox: @unchecked Sendable {
    let sign: SxtSigner.Sign
    init(_ sign: @escaping SxtSigner.Sign) { self.sign = sign }
}

final class ObserverBox: @unchecked Sendable {
    let observe: @Sendable (SxtSession.Event) -> Void
    init(_ observe: @escaping @Sendable (SxtSession.Event) -> Void) { self.observe = observe }
}

/// Writes `text` (cut to `capacity` bytes) where the library asked.
private func write(_ text: String, _ out: UnsafeMutablePointer<CChar>?, _ capacity: Int, _ length: UnsafeMutablePointer<Int>?) {
    let bytes = Array(text.utf8.prefix(capacity))
    bytes.withUnsafeBufferPointer { src in
        if let out, let base = src.baseAddress {
            UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: src.count)
        }
    }
    length?.pointee = bytes.count
}

private let signTrampoline: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int,
                                            UnsafeMutablePointer<CChar>?, Int, UnsafeMutablePointer<Int>?) -> Int32 = {
    context, message, length, out, capacity, outLength in
    guard let context else { return Int32(SXT_STATUS_SIGNER_FAILED.rawValue) }
    let box = Unmanaged<SignBox>.fromOpaque(context).takeUnretainedValue()
    let data = message.map { Data(bytes: $0, count: length) } ?? Data()
    do {
        let signature = try box.sign(data)
        if signature.utf8.count > capacity {
            write("the signature is longer than the library takes", out, capacity, outLength)
            return Int32(SXT_STATUS_SIGNER_FAILED.rawValue)
        }
        write(signature, out, capacity, outLength)
        return Int32(SXT_STATUS_OK.rawValue)
    } catch {
        write(String(describing: error), out, capacity, outLength)
        return Int32(SXT_STATUS_SIGNER_FAILED.rawValue)
    }
}

private let releaseBox: @convention(c) (UnsafeMutableRawPointer?) -> Void = { context in
    if let context { Unmanaged<AnyObject>.fromOpaque(context).release() }
}

private let observeTrampoline: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void = { context, event in
    guard let context, let e = SxtSession.Event(rawValue: event) else { return }
    Unmanaged<ObserverBox>.fromOpaque(context).takeUnretainedValue().observe(e)
}

extension SxtClient {
    /// Signs in the existing user `userID` through `signer`: the private key never enters the library. The
    /// session keeps the signer's closure and signs in through it again when its refresh chain ends. Blocks
    /// the calling thread.
    ///
    /// - Throws: as ``login(userID:privateKey:)``; ``SxtError/Code/signerFailed`` (the signer threw, was too
    ///   slow, or signed with another key: nothing more is sent).
    public func login(userID: String, signer: SxtSigner) throws -> SxtSession {
        try withExtendedLifetime((self, signer)) { () throws(SxtError) -> SxtSession in
            try withCString(userID, name: "userID") { id throws(SxtError) in
                try SxtSession.make { sxt_login_signer_call(handle, CallContext.current, id, signer.handle, $0, $1) }
            }
        }
    }

    /// Registers the new user `userID` whose first key is `signer`'s and signs it in (with an `email`,
    /// through `auth/code-register`). Blocks the calling thread.
    ///
    /// - Throws: as ``register(userID:privateKey:joinCode:)``; ``SxtError/Code/signerFailed``.
    public func register(userID: String, signer: SxtSigner, email: String? = nil, joinCode: String? = nil) throws -> SxtSession {
        try withExtendedLifetime((self, signer)) { () throws(SxtError) -> SxtSession in
            try withCString(userID, name: "userID") { id throws(SxtError) in
                try withOptionalCString(email, name: "email") { mail throws(SxtError) in
                    try withOptionalCString(joinCode, name: "joinCode") { code throws(SxtError) in
                        try SxtSession.make {
                            sxt_register_signer_call(handle, CallContext.current, id, signer.handle, mail, code, $0, $1)
                        }
                    }
                }
            }
        }
    }

    /// Restores a session from ``SxtSession/export()``'s data for this client's service. `secret` is what it
    /// signed in with (the private key, or the API key of an API-key session): with it the session also
    /// signs in again when its tokens run out. No network call.
    ///
    /// - Throws: ``SxtError``: ``SxtError/Code/invalidArgument`` naming `blob` (not an exported session,
    ///   another version, truncated, altered, or another service); ``SxtError/Code/invalidKey`` naming
    ///   `secret`; ``SxtError/Code/sessionExpired``.
    public func importSession(_ blob: Data, secret: String? = nil) throws -> SxtSession {
        try withExtendedLifetime(self) { () throws(SxtError) -> SxtSession in
            try withCString(String(decoding: blob, as: UTF8.self), name: "blob") { text throws(SxtError) in
                try withOptionalCString(secret, name: "secret") { key throws(SxtError) in
                    try SxtSession.make { sxt_session_import(handle, text, key, $0, $1) }
                }
            }
        }
    }

    /// As ``importSession(_:secret:)``, for a session that signed in through `signer`.
    public func importSession(_ blob: Data, signer: SxtSigner) throws -> SxtSession {
        try withExtendedLifetime((self, signer)) { () throws(SxtError) -> SxtSession in
            try withCString(String(decoding: blob, as: UTF8.self), name: "blob") { text throws(SxtError) in
                try SxtSession.make { sxt_session_import_signer(handle, text, signer.handle, $0, $1) }
            }
        }
    }

    /// ``login(userID:signer:)`` without blocking the caller's executor; cancelled with its task (a signer
    /// already running is not interrupted).
    public func login(userID: String, signer: SxtSigner) async throws -> SxtSession {
        try await Blocking.run { try self.login(userID: userID, signer: signer) }
    }

    /// ``register(userID:signer:email:joinCode:)`` without blocking the caller's executor.
    public func register(userID: String, signer: SxtSigner, email: String? = nil, joinCode: String? = nil) async throws -> SxtSession {
        try await Blocking.run { try self.register(userID: userID, signer: signer, email: email, joinCode: joinCode) }
    }
}

extension SxtSession {
    /// What changed in a session, as its observer hears it (``setObserver(_:)``).
    public enum Event: Int32, Sendable {
        /// New tokens (a refresh, a sign-in again, a subscription join): export the session again now.
        case rotated = 1
        /// The session logged out: a stored copy is worth nothing now.
        case loggedOut = 2
    }

    /// Adds `signer`'s key (public key and scheme) to the user's keyring; it signs the challenge. Blocks the
    /// calling thread.
    ///
    /// - Throws: as ``addKey(privateKey:)``; ``SxtError/Code/signerFailed``.
    public func addKey(signer: SxtSigner) throws {
        try withExtendedLifetime((self, signer)) { () throws(SxtError) in
            try check { sxt_session_add_key_signer_call(handle, CallContext.current, signer.handle, $0) }
        }
    }

    /// The session as data to keep in the Keychain (it holds the tokens: a secret) and restore after a restart
    /// with ``SxtClient/importSession(_:secret:)``; never a private key or an API key. Export again after every
    /// ``Event/rotated``. No network call.
    ///
    /// - Throws: ``SxtError`` with ``SxtError/Code/loggedOut``.
    public func export() throws -> Data {
        try withExtendedLifetime(self) { () throws(SxtError) -> Data in
            Data(try callReturningString { sxt_session_export(handle, $0, $1) }.utf8)
        }
    }

    /// Sets the closure told of every rotation (``Event/rotated``) and of logout (``Event/loggedOut``), once
    /// per event, on the thread whose call made the change, after that call has released every lock of the
    /// session: it may call the session (to ``export()`` it). `nil` removes it.
    public func setObserver(_ observer: (@Sendable (Event) -> Void)?) {
        withExtendedLifetime(self) {
            guard let observer else {
                _ = sxt_session_set_observer(handle, nil, nil, nil, nil)
                return
            }
            let box = Unmanaged.passRetained(ObserverBox(observer)).toOpaque()
            // The library owns `box` from here and releases it exactly once.
            _ = sxt_session_set_observer(handle, observeTrampoline, box, releaseBox, nil)
        }
    }

    /// ``addKey(signer:)`` without blocking the caller's executor.
    public func addKey(signer: SxtSigner) async throws {
        try await Blocking.run { try self.addKey(signer: signer) }
    }
}
