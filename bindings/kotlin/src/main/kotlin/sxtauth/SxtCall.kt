package sxtauth

import com.sun.jna.Pointer
import com.sun.jna.ptr.PointerByReference
import java.lang.ref.Cleaner
import java.time.Duration

/**
 * Options for blocking calls (`sxt_call`): a deadline and a cancellation that any thread can trigger. Pass
 * one to a `…Blocking` call (`client.loginBlocking(user, key, call)`); the `suspend` calls need none, since
 * cancelling their coroutine cancels them.
 *
 * [cancel] stops every call running with this object at once and makes later ones fail at once, each with
 * [SxtStatus.CANCELLED]: a blocked read, write, TLS handshake or host name lookup is woken, and so is a TCP
 * connect under way on Linux and Android (on other systems a connect ends within the connect timeout). A deadline ([setTimeout], or the
 * constructor's `timeout`) counts from when it is set; a call past it fails with [SxtStatus.TIMEOUT] ("the
 * call's deadline passed"). A session's renewal cut short keeps its tokens as they were.
 *
 * Thread safety: any thread, including [cancel] while other threads are inside calls made with it. Close it
 * when done (the cleaner releases one nobody closed); a closed one is an [IllegalStateException] when used.
 *
 * @param timeout a deadline from now, 1 ms to 24 h; null for none.
 */
public class SxtCall @JvmOverloads constructor(timeout: Duration? = null) : AutoCloseable {
    private val handle: NativeHandle
    private val cleanable: Cleaner.Cleanable

    init {
        val out = PointerByReference()
        nativeCall { SxtLibrary.native.sxt_call_new(out, it) }
        handle = NativeHandle("call", out.value) { SxtLibrary.native.sxt_call_free(it) }
        cleanable = CLEANER.register(this, handle)
        if (timeout != null) {
            try {
                setTimeout(timeout)
            } catch (e: SxtException) {
                close()
                throw e
            }
        }
    }

    /** Cancels every call running with this object, and every later one. Idempotent; returns at once. */
    public fun cancel(): Unit = handle.call { h -> nativeCall { SxtLibrary.native.sxt_call_cancel(h, it) } }

    /**
     * Gives calls made with this object a deadline [timeout] from now (1 ms to 24 h, rounded up to whole
     * milliseconds), replacing an earlier one. A call reads it when it starts.
     *
     * @throws SxtException [SxtStatus.INVALID_ARGUMENT] naming `timeout_ms`.
     */
    public fun setTimeout(timeout: Duration) {
        val ms = cMillis("timeout_ms", timeout)
        handle.call { h -> nativeCall { SxtLibrary.native.sxt_call_set_timeout_ms(h, ms, it) } }
    }

    /** Whether [close] has run. */
    public val isClosed: Boolean get() = handle.isClosed

    /** Releases the options (idempotent). Calls running with them keep them until they end. */
    override fun close() {
        cleanable.clean()
    }

    /** Runs [block] with the live handle. */
    internal fun <T> withHandle(block: (Pointer) -> T): T = handle.call(block)
}

/** Runs [block] with [call]'s native handle, or NULL for no options. */
internal fun <T> withCall(call: SxtCall?, block: (Pointer?) -> T): T = if (call == null) block(null) else call.withHandle(block)
