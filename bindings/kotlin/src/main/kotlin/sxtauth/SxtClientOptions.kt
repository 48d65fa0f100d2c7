package sxtauth

import com.sun.jna.Pointer
import com.sun.jna.ptr.PointerByReference
import java.time.Duration

/**
 * Settings for an [SxtClient]; every one has the library's default when left out (null or omitted):
 * connect timeout 10 s, read timeout 15 s, whole-call timeout 30 s, refresh margin 60 s, https only,
 * Mozilla's trusted roots, user agent `sxt-auth/<version>`, sessions keep the key.
 *
 * Durations are whole milliseconds, rounded up; timeouts must be 1 ms to 24 h and the refresh margin 0 to
 * 24 h, or [SxtClient]'s constructor fails with [SxtStatus.INVALID_ARGUMENT] naming the C parameter
 * (`connect_timeout_ms`, ...). An immutable value: safe to share between threads and clients.
 *
 * @property connectTimeout how long establishing a connection (DNS, TCP, TLS) may take.
 * @property readTimeout how long any single read from the server may stall.
 * @property timeout the deadline of one whole HTTP call (a sign-in makes several).
 * @property refreshMargin how long before an access token expires a session refreshes it (clamped per token
 *   to half its lifetime; zero: only once expired).
 * @property caPem PEM bundles (one or more `CERTIFICATE` blocks each) to trust besides Mozilla's roots: for a
 *   private deployment, or the local server's `--ca-out` file.
 * @property allowHttp allows plain `http://` base URLs, to any host: meant for a local test server, since
 *   tokens and signatures then cross the network unencrypted.
 * @property keepKey whether sessions keep a copy of the private key to sign in again by themselves when the
 *   refresh chain or the 24-hour session runs out; when false such a session fails with
 *   [SxtStatus.SESSION_EXPIRED] and the app signs in again.
 * @property userAgent the `User-Agent` header (1 to 256 bytes, no control characters).
 * @property proxyUrl the SxT proxy that [SxtClient.loginApiKey] signs in at; default
 *   `https://proxy.api.makeinfinite.dev` (the current public Python SDK's). Held to https unless [allowHttp]
 *   ([SxtStatus.INVALID_URL] or [SxtStatus.INSECURE_URL] naming `proxy_url` otherwise).
 */
public data class SxtClientOptions @JvmOverloads constructor(
    val connectTimeout: Duration? = null,
    val readTimeout: Duration? = null,
    val timeout: Duration? = null,
    val refreshMargin: Duration? = null,
    val caPem: List<String> = emptyList(),
    val allowHttp: Boolean = false,
    val keepKey: Boolean = true,
    val userAgent: String? = null,
    val proxyUrl: String? = null,
) {
    /** Builds the C options, runs [block] with them and frees them. */
    internal fun <T> withNative(block: (Pointer) -> T): T {
        val lib = SxtLibrary.native
        val out = PointerByReference()
        nativeCall { lib.sxt_client_options_new(out, it) }
        val options = out.value
        try {
            NativeArgs().use { args ->
                val timeouts: List<Triple<String, Duration?, (Pointer, Int, PointerByReference) -> Int>> = listOf(
                    Triple("connect_timeout_ms", connectTimeout, lib::sxt_client_options_set_connect_timeout_ms),
                    Triple("read_timeout_ms", readTimeout, lib::sxt_client_options_set_read_timeout_ms),
                    Triple("timeout_ms", timeout, lib::sxt_client_options_set_timeout_ms),
                    Triple("refresh_margin_ms", refreshMargin, lib::sxt_client_options_set_refresh_margin_ms),
                )
                for ((argument, duration, setter) in timeouts) {
                    if (duration == null) continue
                    val ms = cMillis(argument, duration)
                    nativeCall { setter(options, ms, it) }
                }
                for (pem in caPem) {
                    val cPem = args.text("ca_pem", pem)
                    nativeCall { lib.sxt_client_options_add_ca_pem(options, cPem, it) }
                }
                if (allowHttp) nativeCall { lib.sxt_client_options_set_allow_http(options, 1, it) }
                if (!keepKey) nativeCall { lib.sxt_client_options_set_keep_key(options, 0, it) }
                userAgent?.let { ua ->
                    val cUa = args.text("user_agent", ua)
                    nativeCall { lib.sxt_client_options_set_user_agent(options, cUa, it) }
                }
                proxyUrl?.let { url ->
                    val cUrl = args.text("proxy_url", url)
                    nativeCall { lib.sxt_client_options_set_proxy_url(options, cUrl, it) }
                }
            }
            return block(options)
        } finally {
            lib.sxt_client_options_free(options)
        }
    }
}
