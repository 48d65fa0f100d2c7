package sxtauth

import com.sun.jna.Pointer
import com.sun.jna.ptr.ByteByReference
import com.sun.jna.ptr.PointerByReference
import java.lang.ref.Cleaner

/**
 * A connection to one SxT auth service: its base URL, settings, and a connection pool shared by every session
 * started from it (`sxt_client`). Sessions keep what they need of it, so it may be closed while they live on.
 *
 * Every network call comes twice: as a `suspend` function that runs on `Dispatchers.IO` (so it can be called
 * from the main thread of an Android app) and is cancelled with its coroutine, before it starts or while it
 * is in flight (see [SxtCall]), and as a `…Blocking` function for threads that may block (and for Java),
 * which takes an optional [SxtCall] for a deadline and a cancellation. Each fails with an [SxtException] carrying the status,
 * and with an [IllegalStateException] once the client is closed.
 *
 * Thread safety: immutable once created; any number of threads and coroutines may use one client at once,
 * and may close it while others are inside calls (those calls finish or see it closed). Close it when done;
 * a client that becomes unreachable unclosed is released by the JVM's cleaner.
 *
 * @param baseUrl the service, with or without a trailing `/` and `/v1` (`https://api.spaceandtime.dev`).
 * @param options settings; the defaults are the library's.
 * @throws SxtException [SxtStatus.INVALID_URL], [SxtStatus.INSECURE_URL] (`http://` without
 *   [SxtClientOptions.allowHttp]), [SxtStatus.INVALID_CERTIFICATE], [SxtStatus.INVALID_ARGUMENT] (an option
 *   out of range).
 */
public class SxtClient @JvmOverloads constructor(
    baseUrl: String,
    options: SxtClientOptions = SxtClientOptions(),
) : AutoCloseable {
    private val handle: NativeHandle
    private val cleanable: Cleaner.Cleanable

    init {
        val lib = SxtLibrary.native
        val out = PointerByReference()
        options.withNative { cOptions ->
            NativeArgs().use { args ->
                val cUrl = args.text("base_url", baseUrl)
                nativeCall { lib.sxt_client_new(cUrl, cOptions, out, it) }
            }
        }
        handle = NativeHandle("client", out.value) { lib.sxt_client_free(it) }
        cleanable = CLEANER.register(this, handle)
    }

    /** The normalised base URL (no trailing `/` or `/v1`). */
    public val baseUrl: String
        get() = handle.call { h ->
            val out = PointerByReference()
            nativeCall { SxtLibrary.native.sxt_client_base_url(h, out, it) }
            takeString(out.value)
        }

    /** Whether [close] has run. */
    public val isClosed: Boolean get() = handle.isClosed

    /**
     * Whether [userId] is taken (`GET /v1/auth/idexists/{userId}`).
     *
     * @throws SxtException [SxtStatus.INVALID_ARGUMENT] (empty, over 256 bytes, control characters, `.` or
     *   `..`), the transport statuses and the server's refusals.
     */
    public suspend fun userExists(userId: String): Boolean = onIo { c -> userExists(userId, c) }

    /** [userExists], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun userExistsBlocking(userId: String, call: SxtCall? = null): Boolean = withCall(call) { c -> userExists(userId, c) }

    /**
     * Signs in [userId] with [privateKey] (any encoding [SxtKeys] accepts): a challenge, signed, traded for
     * tokens. The session keeps a copy of the key to sign in again by itself (see
     * [SxtClientOptions.keepKey]). An unknown user id is [SxtStatus.NOT_FOUND] (with HTTP status 0): a
     * mistyped id never creates an account; [register] does that.
     *
     * The key as a `String` cannot be wiped (the JVM has no way to); pass a `CharArray` or `ByteArray` to
     * have it wiped when the call returns.
     *
     * @throws SxtException [SxtStatus.NOT_FOUND], [SxtStatus.BAD_REQUEST] (signature refused, key not on the
     *   keyring), [SxtStatus.INVALID_KEY], [SxtStatus.INVALID_ARGUMENT], transport statuses.
     */
    public suspend fun login(userId: String, privateKey: String): SxtSession =
        KeyText.Text(privateKey).let { k -> onIoSession(k) { c -> login(userId, k, c) } }

    /** [login] with the key's characters, which are wiped when the call ends. */
    public suspend fun login(userId: String, privateKey: CharArray): SxtSession =
        KeyText.Chars(privateKey).let { k -> onIoSession(k) { c -> login(userId, k, c) } }

    /** [login] with the key's UTF-8 text, which is wiped when the call ends. */
    public suspend fun login(userId: String, privateKey: ByteArray): SxtSession =
        KeyText.Bytes(privateKey).let { k -> onIoSession(k) { c -> login(userId, k, c) } }

    /** [login], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun loginBlocking(userId: String, privateKey: String, call: SxtCall? = null): SxtSession =
        KeyText.Text(privateKey).consume { k -> withCall(call) { c -> login(userId, k, c) } }

    /** [login], blocking the calling thread; [privateKey] is wiped. */
    @JvmOverloads
    public fun loginBlocking(userId: String, privateKey: CharArray, call: SxtCall? = null): SxtSession =
        KeyText.Chars(privateKey).consume { k -> withCall(call) { c -> login(userId, k, c) } }

    /** [login], blocking the calling thread; [privateKey] is wiped. */
    @JvmOverloads
    public fun loginBlocking(userId: String, privateKey: ByteArray, call: SxtCall? = null): SxtSession =
        KeyText.Bytes(privateKey).consume { k -> withCall(call) { c -> login(userId, k, c) } }

    /**
     * Registers the new user [userId] with [privateKey] as its first key and signs it in. [joinCode] (the
     * organisation's code, which joins its subscription) is optional unless the deployment requires one;
     * with an [email], registration goes through `auth/code-register`. For an existing user whose keyring
     * holds the key, this is a plain sign-in.
     *
     * @throws SxtException as [login] (but never [SxtStatus.NOT_FOUND] for a new user); an unknown join code
     *   or a user id registered with another key is [SxtStatus.BAD_REQUEST] (or [SxtStatus.CONFLICT] /
     *   [SxtStatus.UNAUTHORIZED], as the deployment answers); a missing join code the deployment requires is
     *   [SxtStatus.NOT_FOUND] or [SxtStatus.BAD_REQUEST].
     */
    public suspend fun register(userId: String, privateKey: String, joinCode: String? = null, email: String? = null): SxtSession =
        KeyText.Text(privateKey).let { k -> onIoSession(k) { c -> register(userId, k, joinCode, email, c) } }

    /** [register] with the key's characters, which are wiped when the call ends. */
    public suspend fun register(userId: String, privateKey: CharArray, joinCode: String? = null, email: String? = null): SxtSession =
        KeyText.Chars(privateKey).let { k -> onIoSession(k) { c -> register(userId, k, joinCode, email, c) } }

    /** [register] with the key's UTF-8 text, which is wiped when the call ends. */
    public suspend fun register(userId: String, privateKey: ByteArray, joinCode: String? = null, email: String? = null): SxtSession =
        KeyText.Bytes(privateKey).let { k -> onIoSession(k) { c -> register(userId, k, joinCode, email, c) } }

    /** [register], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun registerBlocking(
        userId: String,
        privateKey: String,
        joinCode: String? = null,
        email: String? = null,
        call: SxtCall? = null,
    ): SxtSession = KeyText.Text(privateKey).consume { k -> withCall(call) { c -> register(userId, k, joinCode, email, c) } }

    /** [register], blocking the calling thread; [privateKey] is wiped. */
    @JvmOverloads
    public fun registerBlocking(
        userId: String,
        privateKey: CharArray,
        joinCode: String? = null,
        email: String? = null,
        call: SxtCall? = null,
    ): SxtSession = KeyText.Chars(privateKey).consume { k -> withCall(call) { c -> register(userId, k, joinCode, email, c) } }

    /** [register], blocking the calling thread; [privateKey] is wiped. */
    @JvmOverloads
    public fun registerBlocking(
        userId: String,
        privateKey: ByteArray,
        joinCode: String? = null,
        email: String? = null,
        call: SxtCall? = null,
    ): SxtSession = KeyText.Bytes(privateKey).consume { k -> withCall(call) { c -> register(userId, k, joinCode, email, c) } }

    /**
     * Signs in with an SxT API key (made in Space and Time Studio) at the proxy (`POST {proxy}/auth/apikey`,
     * see [SxtClientOptions.proxyUrl]). The session has no refresh token: it signs in again with the API key
     * when its access token is due (single flight), keeping a copy of the key that is wiped when the session
     * is closed, unless [SxtClientOptions.keepKey] is off (then [SxtStatus.SESSION_EXPIRED] once the token
     * expires). Its [SxtSession.userId] is the reply's, or what `GET /v1/auth/validtoken` says (one more
     * exchange). [SxtSession.refreshToken] fails with [SxtStatus.NOT_FOUND]; [SxtSession.logout] sends the
     * access token. The key is a secret like a private key: never in an error; pass a `CharArray` or
     * `ByteArray` to have the caller's copy wiped when the call ends.
     *
     * @throws SxtException [SxtStatus.INVALID_ARGUMENT] naming `api_key` (empty, over 1024 bytes, a character
     *   other than printable ASCII; nothing is sent); transport statuses; [SxtStatus.UNAUTHORIZED] for a key
     *   the proxy refuses (401 or 403, with its title and detail); [SxtStatus.MALFORMED_RESPONSE].
     */
    public suspend fun loginApiKey(apiKey: String): SxtSession =
        KeyText.Text(apiKey).let { k -> onIoSession(k) { c -> loginApiKey(k, c) } }

    /** [loginApiKey] with the key's characters, which are wiped when the call ends. */
    public suspend fun loginApiKey(apiKey: CharArray): SxtSession =
        KeyText.Chars(apiKey).let { k -> onIoSession(k) { c -> loginApiKey(k, c) } }

    /** [loginApiKey] with the key's UTF-8 text, which is wiped when the call ends. */
    public suspend fun loginApiKey(apiKey: ByteArray): SxtSession =
        KeyText.Bytes(apiKey).let { k -> onIoSession(k) { c -> loginApiKey(k, c) } }

    /** [loginApiKey], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun loginApiKeyBlocking(apiKey: String, call: SxtCall? = null): SxtSession =
        KeyText.Text(apiKey).consume { k -> withCall(call) { c -> loginApiKey(k, c) } }

    /** [loginApiKey], blocking the calling thread; [apiKey] is wiped. */
    @JvmOverloads
    public fun loginApiKeyBlocking(apiKey: CharArray, call: SxtCall? = null): SxtSession =
        KeyText.Chars(apiKey).consume { k -> withCall(call) { c -> loginApiKey(k, c) } }

    /** [loginApiKey], blocking the calling thread; [apiKey] is wiped. */
    @JvmOverloads
    public fun loginApiKeyBlocking(apiKey: ByteArray, call: SxtCall? = null): SxtSession =
        KeyText.Bytes(apiKey).consume { k -> withCall(call) { c -> loginApiKey(k, c) } }

    /**
     * Signs in the existing user [userId] through [signer]: the private key never enters the library. The
     * session keeps the signer's [SxtSign] and signs in through it again when its refresh chain ends.
     *
     * @throws SxtException as [login]; [SxtStatus.SIGNER_FAILED] (the signer threw, was too slow, or signed
     *   with another key: nothing more is sent).
     */
    public suspend fun loginWithSigner(userId: String, signer: SxtSigner): SxtSession = onIoSession { c -> loginWithSigner(userId, signer, c) }

    /** [loginWithSigner], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun loginWithSignerBlocking(userId: String, signer: SxtSigner, call: SxtCall? = null): SxtSession =
        withCall(call) { c -> loginWithSigner(userId, signer, c) }

    /**
     * Registers the new user [userId] whose first key is [signer]'s (its public key and scheme) and signs it
     * in; with an [email], through `auth/code-register`.
     *
     * @throws SxtException as [register]; [SxtStatus.SIGNER_FAILED].
     */
    public suspend fun registerWithSigner(userId: String, signer: SxtSigner, joinCode: String? = null, email: String? = null): SxtSession =
        onIoSession { c -> registerWithSigner(userId, signer, joinCode, email, c) }

    /** [registerWithSigner], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun registerWithSignerBlocking(
        userId: String,
        signer: SxtSigner,
        joinCode: String? = null,
        email: String? = null,
        call: SxtCall? = null,
    ): SxtSession = withCall(call) { c -> registerWithSigner(userId, signer, joinCode, email, c) }

    /**
     * Restores a session from [SxtSession.export]'s bytes for this client's service. [secret] is what it
     * signed in with (the private key, or the API key of an API-key session): with it the session also signs
     * in again when its tokens run out. No network call.
     *
     * @throws SxtException [SxtStatus.INVALID_ARGUMENT] naming `blob` (not an exported session, another
     *   version, truncated, altered, or another service), [SxtStatus.INVALID_KEY] naming `secret`,
     *   [SxtStatus.SESSION_EXPIRED].
     */
    @JvmOverloads
    public fun importSession(blob: ByteArray, secret: String? = null): SxtSession = handle.call { h ->
        NativeArgs().use { args ->
            val cBlob = args.utf8("blob", blob)
            val cSecret = secret?.let { args.text("secret", it) }
            val out = PointerByReference()
            nativeCall { SxtLibrary.native.sxt_session_import(h, cBlob, cSecret, out, it) }
            SxtSession(out.value)
        }
    }

    /** As [importSession], for a session that signed in through [signer] (same scheme and public key). */
    public fun importSession(blob: ByteArray, signer: SxtSigner): SxtSession = handle.call { h ->
        signer.withPointer { s ->
            NativeArgs().use { args ->
                val cBlob = args.utf8("blob", blob)
                val out = PointerByReference()
                nativeCall { SxtLibrary.native.sxt_session_import_signer(h, cBlob, s, out, it) }
                SxtSession(out.value)
            }
        }
    }

    /** Releases the client (idempotent). Sessions started from it keep working. */
    override fun close() {
        cleanable.clean()
    }

    private fun userExists(userId: String, call: Pointer?): Boolean = handle.call { h ->
        NativeArgs().use { args ->
            val cUser = args.text("user_id", userId)
            val exists = ByteByReference()
            nativeCall { SxtLibrary.native.sxt_user_exists_call(h, call, cUser, exists, it) }
            exists.value != 0.toByte()
        }
    }

    private fun login(userId: String, key: KeyText, call: Pointer?): SxtSession = handle.call { h ->
        NativeArgs().use { args ->
            val cUser = args.text("user_id", userId)
            val cKey = key.put(args, "private_key")
            val out = PointerByReference()
            nativeCall { SxtLibrary.native.sxt_login_call(h, call, cUser, cKey, out, it) }
            SxtSession(out.value)
        }
    }

    private fun loginWithSigner(userId: String, signer: SxtSigner, call: Pointer?): SxtSession = handle.call { h ->
        signer.withPointer { s ->
            NativeArgs().use { args ->
                val cUser = args.text("user_id", userId)
                val out = PointerByReference()
                nativeCall { SxtLibrary.native.sxt_login_signer_call(h, call, cUser, s, out, it) }
                SxtSession(out.value)
            }
        }
    }

    private fun registerWithSigner(userId: String, signer: SxtSigner, joinCode: String?, email: String?, call: Pointer?): SxtSession =
        handle.call { h ->
            signer.withPointer { s ->
                NativeArgs().use { args ->
                    val cUser = args.text("user_id", userId)
                    val cEmail = args.optional("email", email)
                    val cJoin = args.optional("join_code", joinCode)
                    val out = PointerByReference()
                    nativeCall { SxtLibrary.native.sxt_register_signer_call(h, call, cUser, s, cEmail, cJoin, out, it) }
                    SxtSession(out.value)
                }
            }
        }

    private fun loginApiKey(key: KeyText, call: Pointer?): SxtSession = handle.call { h ->
        NativeArgs().use { args ->
            val cKey = key.put(args, "api_key")
            val out = PointerByReference()
            nativeCall { SxtLibrary.native.sxt_login_api_key_call(h, call, cKey, out, it) }
            SxtSession(out.value)
        }
    }

    private fun register(userId: String, key: KeyText, joinCode: String?, email: String?, call: Pointer?): SxtSession =
        handle.call { h ->
            NativeArgs().use { args ->
                val cUser = args.text("user_id", userId)
                val cKey = key.put(args, "private_key")
                val cJoin = args.optional("join_code", joinCode)
                val out = PointerByReference()
                if (email == null) {
                    nativeCall { SxtLibrary.native.sxt_register_call(h, call, cUser, cKey, cJoin, out, it) }
                } else {
                    val cEmail = args.text("email", email)
                    nativeCall { SxtLibrary.native.sxt_register_with_email_call(h, call, cUser, cKey, cEmail, cJoin, out, it) }
                }
                SxtSession(out.value)
            }
        }
}
