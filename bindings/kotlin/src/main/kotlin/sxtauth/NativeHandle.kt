package sxtauth

import com.sun.jna.Pointer
import java.lang.ref.Cleaner
import java.util.concurrent.atomic.AtomicReference

/** One cleaner thread for the whole binding: the safety net for objects nobody closed. */
internal val CLEANER: Cleaner = Cleaner.create()

/**
 * The C handle an [SxtClient] or [SxtSession] owns, and the one place it is released.
 *
 * [run] releases it once (later runs do nothing): [AutoCloseable.close] runs it through the owner's
 * [Cleaner.Cleanable], and so does the [CLEANER] when the owner becomes unreachable without being closed.
 * It must not refer to its owner, or the owner would never become unreachable.
 *
 * Racing a close is safe: the C ABI's handles are ids, not addresses, so a call that loaded the handle just
 * before another thread released it gets SXT_STATUS_INVALID_HANDLE from the library (never undefined
 * behaviour), which [call] reports as the same [IllegalStateException] as a call made after the close. For
 * the same reason no reachability fence is needed while a call runs: the library lets a handle be freed while
 * a call on it is in flight, and that call finishes normally.
 */
internal class NativeHandle(
    private val what: String,
    pointer: Pointer,
    private val release: (Pointer) -> Unit,
) : Runnable {
    private val cell = AtomicReference<Pointer?>(pointer)

    val isClosed: Boolean get() = cell.get() == null

    fun closed(): IllegalStateException = IllegalStateException("the $what is closed")

    /** Runs [block] with the live handle; a closed handle is an [IllegalStateException]. */
    inline fun <T> call(block: (Pointer) -> T): T {
        val p = cell.get() ?: throw closed()
        try {
            return block(p)
        } catch (e: SxtException) {
            if (e.status == SxtStatus.INVALID_HANDLE && isClosed) throw closed().apply { initCause(e) }
            throw e
        }
    }

    override fun run() {
        cell.getAndSet(null)?.let(release)
    }
}
