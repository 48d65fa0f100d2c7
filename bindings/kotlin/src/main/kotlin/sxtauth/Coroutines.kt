package sxtauth

import com.sun.jna.Pointer
import com.sun.jna.ptr.PointerByReference
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.withContext
import kotlin.coroutines.cancellation.CancellationException

/*
 * How the suspending calls run: each C call on Dispatchers.IO, so that it never blocks the caller's thread
 * (on Android, the main thread), with an `sxt_call` of its own. A coroutine cancelled before the call starts
 * sends nothing; one cancelled while the call is in flight cancels the C call (a blocked read or write is
 * woken), waits for it to end, and throws CancellationException: the call's result is discarded, a session
 * it made is closed, and a session's renewal cut short keeps its tokens.
 */

/** Where the C calls of suspending functions run, outside the caller's job (so the caller can stop waiting). */
private val ioScope = CoroutineScope(Dispatchers.IO + SupervisorJob())

/**
 * Runs [block] (given the call's own `sxt_call`) on [Dispatchers.IO]; [key] is wiped afterwards, however the
 * call ends. [discard] releases a result the cancelled caller will never see.
 */
internal suspend fun <T> onIo(key: KeyText? = null, discard: (T) -> Unit = {}, block: (Pointer) -> T): T {
    try {
        currentCoroutineContext().ensureActive()
        val out = PointerByReference()
        nativeCall { SxtLibrary.native.sxt_call_new(out, it) }
        val call = out.value
        try {
            val work = ioScope.async { block(call) }
            try {
                return work.await()
            } catch (e: CancellationException) {
                SxtLibrary.native.sxt_call_cancel(call, PointerByReference())
                withContext(NonCancellable) { runCatching { work.await() } }.getOrNull()?.let(discard)
                throw e
            }
        } finally {
            SxtLibrary.native.sxt_call_free(call)
        }
    } finally {
        key?.wipe()
    }
}

/** [onIo] for a call that returns a new session: a session the cancelled caller will never see is closed. */
internal suspend fun onIoSession(key: KeyText? = null, block: (Pointer) -> SxtSession): SxtSession =
    onIo(key, { it.close() }, block)
