package sxtauth

import com.sun.jna.Pointer
import com.sun.jna.ptr.LongByReference
import com.sun.jna.ptr.PointerByReference
import java.lang.ref.Cleaner
import java.time.Instant

/**
 * A signed-in session (`sxt_session`): the user's tokens, refreshed ahead of expiry (one refresh at a time,
 * however many threads or coroutines ask), and renewed by a new sign-in when the refresh chain or the 24-hour
 * session runs out (if it keeps the key: [SxtClientOptions.keepKey]). Made by [SxtClient.login] and
 * [SxtClient.register].
 *
 * Network calls come as `suspend` functions (run on `Dispatchers.IO`, cancelled with their coroutine) and
 * `…Blocking` twins taking an optional [SxtCall], as on [SxtClient]. A renewal cut short keeps the tokens. After [logout], calls fail with [SxtStatus.LOGGED_OUT];
 * after [close], with [IllegalStateException].
 *
 * Thread safety: any number of threads and coroutines may use one session at once, and close it while
 * others are inside calls. [close] wipes the library's copies of its tokens and key; it does not log out.
 * A session that becomes unreachable unclosed is released by the JVM's cleaner.
 */
public class SxtSession internal constructor(pointer: Pointer) : AutoCloseable {
    private val handle = NativeHandle("session", pointer) { SxtLibrary.native.sxt_session_free(it) }
    private val cleanable: Cleaner.Cleanable = CLEANER.register(this, handle)

    /** Whether [close] has run. */
    public val isClosed: Boolean get() = handle.isClosed

    /**
     * A valid access token, for `Authorization: Bearer <token>`: refreshed first when within the refresh
     * margin of expiry, or signed in again when the refresh chain has run out. If a due refresh fails but
     * the token has not expired yet, that token is returned. The token comes back as a `String`, which the JVM
     * cannot wipe; the library's own copies are wiped when the session is closed.
     *
     * @throws SxtException [SxtStatus.LOGGED_OUT], [SxtStatus.SESSION_EXPIRED], and the transport and
     *   server statuses of the refresh or sign-in.
     */
    public suspend fun accessToken(): String = onIo { c -> accessToken(c) }

    /** [accessToken], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun accessTokenBlocking(call: SxtCall? = null): String = withCall(call) { c -> accessToken(c) }

    private fun accessToken(call: Pointer?): String =
        string { h, out, err -> SxtLibrary.native.sxt_session_access_token_call(h, call, out, err) }

    /**
     * Refreshes now: both tokens rotate and the old refresh token stops working; when the chain has run out,
     * signs in again with the session's key. On failure the old tokens are kept.
     *
     * @throws SxtException [SxtStatus.LOGGED_OUT], [SxtStatus.SESSION_EXPIRED], transport and server statuses.
     */
    public suspend fun refresh(): Unit = onIo { c -> refresh(c) }

    /** [refresh], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun refreshBlocking(call: SxtCall? = null): Unit = withCall(call) { c -> refresh(c) }

    private fun refresh(call: Pointer?): Unit = handle.call { h -> nativeCall { SxtLibrary.native.sxt_refresh_call(h, call, it) } }

    /**
     * Logs out, which ends every session of this user on the server; afterwards every call but [close] fails
     * with [SxtStatus.LOGGED_OUT]. A server answer of 401 (tokens already dead) counts as success; on any
     * other failure nothing changes and the call may be retried.
     *
     * @throws SxtException [SxtStatus.LOGGED_OUT] (already), transport and server statuses.
     */
    public suspend fun logout(): Unit = onIo { c -> logout(c) }

    /** [logout], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun logoutBlocking(call: SxtCall? = null): Unit = withCall(call) { c -> logout(c) }

    private fun logout(call: Pointer?): Unit = handle.call { h -> nativeCall { SxtLibrary.native.sxt_logout_call(h, call, it) } }

    /**
     * `"Bearer <access token>"`: the `Authorization` header value for the SxT APIs, with a valid token (as
     * [accessToken]). When an API answers 401 to it before the token's expiry, report the token with
     * [tokenRejected] and retry the request once with a new value ([sxtauth.okhttp.SxtAuthInterceptor] does
     * both for OkHttp).
     *
     * @throws SxtException as [accessToken].
     */
    public suspend fun authorization(): String = onIo { c -> authorization(c) }

    /** [authorization], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun authorizationBlocking(call: SxtCall? = null): String = withCall(call) { c -> authorization(c) }

    private fun authorization(call: Pointer?): String =
        string { h, out, err -> SxtLibrary.native.sxt_session_authorization_call(h, call, out, err) }

    /**
     * Reports that an API answered 401 to [accessToken] (a token from this session, without `Bearer `)
     * before its expiry: the token was revoked (a logout elsewhere, say). Renews the tokens unless the session
     * has moved on from that one already, so however many callers report the same token, one renewal serves
     * them all; then [accessToken] gives the token for one retry.
     *
     * @throws SxtException [SxtStatus.LOGGED_OUT], [SxtStatus.SESSION_EXPIRED], the renewal's transport and
     *   server statuses; [SxtStatus.INVALID_ARGUMENT] naming `access_token` for a NUL character.
     */
    public suspend fun tokenRejected(accessToken: String): Unit = onIo { c -> tokenRejected(accessToken, c) }

    /** [tokenRejected], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun tokenRejectedBlocking(accessToken: String, call: SxtCall? = null): Unit =
        withCall(call) { c -> tokenRejected(accessToken, c) }

    private fun tokenRejected(accessToken: String, call: Pointer?): Unit = handle.call { h ->
        NativeArgs().use { args ->
            val cToken = args.text("access_token", accessToken)
            nativeCall { SxtLibrary.native.sxt_session_token_rejected_call(h, call, cToken, it) }
        }
    }

    /**
     * The current refresh token (no network call, no refresh).
     *
     * @throws SxtException [SxtStatus.LOGGED_OUT]; [SxtStatus.NOT_FOUND] for a session from
     *   [SxtClient.loginApiKey], which has none.
     */
    public fun refreshToken(): String = string { h, out, err -> SxtLibrary.native.sxt_session_refresh_token(h, out, err) }

    /**
     * When the current tokens expire, as the server said (no network call, no refresh); for a session from
     * [SxtClient.loginApiKey], which has no refresh token, the refresh expiry is [Instant.EPOCH].
     *
     * @throws SxtException [SxtStatus.LOGGED_OUT].
     */
    public fun expiries(): SxtExpiries = handle.call { h ->
        val access = LongByReference()
        val refresh = LongByReference()
        nativeCall { SxtLibrary.native.sxt_session_expiries(h, access, refresh, it) }
        SxtExpiries(Instant.ofEpochMilli(access.value), Instant.ofEpochMilli(refresh.value))
    }

    /** The user id the session signed in as (also after [logout]). */
    public val userId: String
        get() = string { h, out, err -> SxtLibrary.native.sxt_session_user_id(h, out, err) }

    /**
     * What the server says about the access token (`GET /v1/auth/validtoken`); refreshes first when due, and
     * on a 401 renews once and retries.
     *
     * @throws SxtException as [accessToken]; [SxtStatus.MALFORMED_RESPONSE] when the reply is not a JSON
     *   object or names another user.
     */
    public suspend fun tokenInfo(): SxtTokenInfo = onIo { c -> tokenInfo(c) }

    /** [tokenInfo], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun tokenInfoBlocking(call: SxtCall? = null): SxtTokenInfo = withCall(call) { c -> tokenInfo(c) }

    private fun tokenInfo(call: Pointer?): SxtTokenInfo =
        SxtTokenInfo.parse(string { h, out, err -> SxtLibrary.native.sxt_session_token_info_call(h, call, out, err) })

    /**
     * The keys on the user's keyring (`GET /v1/auth/keys`); refreshes first when due.
     *
     * @throws SxtException as [tokenInfo].
     */
    public suspend fun keys(): List<SxtKeyInfo> = onIo { c -> keys(c) }

    /** [keys], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun keysBlocking(call: SxtCall? = null): List<SxtKeyInfo> = withCall(call) { c -> keys(c) }

    private fun keys(call: Pointer?): List<SxtKeyInfo> =
        SxtKeyInfo.parseList(string { h, out, err -> SxtLibrary.native.sxt_session_keys_call(h, call, out, err) })

    /**
     * Adds [newPrivateKey] (any encoding [SxtKeys] accepts) to the user's keyring: a challenge signed with the
     * new key. Only its public half leaves the process.
     *
     * @throws SxtException [SxtStatus.INVALID_KEY], [SxtStatus.LOGGED_OUT], transport and server statuses (a
     *   key already on the keyring is refused by the server, typically [SxtStatus.BAD_REQUEST]).
     */
    public suspend fun addKey(newPrivateKey: String): Unit = KeyText.Text(newPrivateKey).let { k -> onIo(k) { c -> addKey(k, c) } }

    /** [addKey] with the key's characters, which are wiped when the call ends. */
    public suspend fun addKey(newPrivateKey: CharArray): Unit = KeyText.Chars(newPrivateKey).let { k -> onIo(k) { c -> addKey(k, c) } }

    /** [addKey] with the key's UTF-8 text, which is wiped when the call ends. */
    public suspend fun addKey(newPrivateKey: ByteArray): Unit = KeyText.Bytes(newPrivateKey).let { k -> onIo(k) { c -> addKey(k, c) } }

    /** [addKey], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun addKeyBlocking(newPrivateKey: String, call: SxtCall? = null): Unit =
        KeyText.Text(newPrivateKey).consume { k -> withCall(call) { c -> addKey(k, c) } }

    /** [addKey], blocking the calling thread; [newPrivateKey] is wiped. */
    @JvmOverloads
    public fun addKeyBlocking(newPrivateKey: CharArray, call: SxtCall? = null): Unit =
        KeyText.Chars(newPrivateKey).consume { k -> withCall(call) { c -> addKey(k, c) } }

    /** [addKey], blocking the calling thread; [newPrivateKey] is wiped. */
    @JvmOverloads
    public fun addKeyBlocking(newPrivateKey: ByteArray, call: SxtCall? = null): Unit =
        KeyText.Bytes(newPrivateKey).consume { k -> withCall(call) { c -> addKey(k, c) } }

    /** Releases the session and wipes its tokens and key (idempotent). Does not log out. */
    override fun close() {
        cleanable.clean()
    }

    override fun toString(): String = if (isClosed) "SxtSession(closed)" else "SxtSession(<tokens redacted>)"

    /**
     * Joins the subscription [joinCode] names (`POST /v1/subscription/invite/{joinCode}`): the user leaves its
     * subscription for that one, with the role the code gives, and the session adopts the server's new token
     * set at once for every thread, as a rotation (the old tokens stop working). Renews first when due; a 401
     * renews once and retries.
     *
     * @throws SxtException [SxtStatus.INVALID_ARGUMENT] naming `join_code` (empty, over 256 bytes, control
     *   characters, NUL); [SxtStatus.LOGGED_OUT], [SxtStatus.SESSION_EXPIRED], transport statuses;
     *   [SxtStatus.BAD_REQUEST] for an unknown, expired or used code (with the server's detail);
     *   [SxtStatus.MALFORMED_RESPONSE].
     */
    public suspend fun joinSubscription(joinCode: String): Unit = onIo { c -> joinSubscription(joinCode, c) }

    /** [joinSubscription], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun joinSubscriptionBlocking(joinCode: String, call: SxtCall? = null): Unit =
        withCall(call) { c -> joinSubscription(joinCode, c) }

    /**
     * A new join code (`POST /v1/subscription/invite?role=...`) that makes whoever joins with it a [role] of
     * this user's subscription.
     *
     * @throws SxtException [SxtStatus.UNAUTHORIZED] (HTTP 403, with the server's detail; not retried) for a
     *   member's request or a role above the caller's; [SxtStatus.LOGGED_OUT], [SxtStatus.SESSION_EXPIRED],
     *   transport statuses, [SxtStatus.MALFORMED_RESPONSE].
     */
    public suspend fun createJoinCode(role: SxtRole): String = onIo { c -> createJoinCode(role, c) }

    /** [createJoinCode], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun createJoinCodeBlocking(role: SxtRole, call: SxtCall? = null): String = withCall(call) { c -> createJoinCode(role, c) }

    /**
     * Adds [signer]'s key (its public key and scheme) to the user's keyring; it signs the challenge.
     *
     * @throws SxtException as [addKey]; [SxtStatus.SIGNER_FAILED].
     */
    public suspend fun addKeyWithSigner(signer: SxtSigner): Unit = onIo { c -> addKeyWithSigner(signer, c) }

    /** [addKeyWithSigner], blocking the calling thread, with [call]'s deadline and cancellation if given. */
    @JvmOverloads
    public fun addKeyWithSignerBlocking(signer: SxtSigner, call: SxtCall? = null): Unit = withCall(call) { c -> addKeyWithSigner(signer, c) }

    private fun addKeyWithSigner(signer: SxtSigner, call: Pointer?): Unit = handle.call { h ->
        signer.withPointer { s -> nativeCall { SxtLibrary.native.sxt_session_add_key_signer_call(h, call, s, it) } }
    }

    /**
     * The session as bytes to keep where the platform keeps secrets (the Android Keystore, encrypted
     * preferences: it holds the tokens) and restore after a restart with [SxtClient.importSession]; never a
     * private key or an API key. Export again after every [SxtEvent.ROTATED]. No network call. The library's
     * copy is wiped; the returned array is the caller's to wipe.
     *
     * @throws SxtException [SxtStatus.LOGGED_OUT].
     */
    public fun export(): ByteArray = handle.call { h ->
        val out = PointerByReference()
        nativeCall { SxtLibrary.native.sxt_session_export(h, out, it) }
        val p = out.value ?: throw SxtException.internal("the library handed out no string")
        try {
            bytesAt(p)
        } finally {
            SxtLibrary.native.sxt_string_free(p)
        }
    }

    /**
     * Sets the function told of every rotation ([SxtEvent.ROTATED]) and of logout ([SxtEvent.LOGGED_OUT]),
     * once per event, on the thread whose call made the change, after that call has released every lock of
     * the session: it may call the session (to [export] it). null removes it. What it throws is dropped.
     */
    public fun setObserver(observer: ((SxtEvent) -> Unit)?): Unit = handle.call { h ->
        if (observer == null) {
            nativeCall { SxtLibrary.native.sxt_session_set_observer(h, null, null, null, it) }
        } else {
            val id = Callbacks.register(observer)
            // The library owns the registration from here: it calls RELEASE exactly once.
            nativeCall { SxtLibrary.native.sxt_session_set_observer(h, Callbacks.OBSERVE, Pointer(id), Callbacks.RELEASE, it) }
        }
    }

    private fun joinSubscription(joinCode: String, call: Pointer?): Unit = handle.call { h ->
        NativeArgs().use { args ->
            val cCode = args.text("join_code", joinCode)
            nativeCall { SxtLibrary.native.sxt_session_join_subscription_call(h, call, cCode, it) }
        }
    }

    private fun createJoinCode(role: SxtRole, call: Pointer?): String =
        string { h, out, err -> SxtLibrary.native.sxt_session_create_join_code_call(h, call, role.code, out, err) }

    private fun addKey(key: KeyText, call: Pointer?): Unit = handle.call { h ->
        NativeArgs().use { args ->
            val cKey = key.put(args, "new_private_key")
            nativeCall { SxtLibrary.native.sxt_session_add_key_call(h, call, cKey, it) }
        }
    }

    private inline fun string(crossinline f: (Pointer, PointerByReference, PointerByReference) -> Int): String = handle.call { h ->
        val out = PointerByReference()
        nativeCall { f(h, out, it) }
        takeString(out.value)
    }
}
