package sxtauth

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.job
import kotlinx.coroutines.withContext
import kotlin.coroutines.cancellation.CancellationException

/*
 * How the suspending calls run: each blocking C call on Dispatchers.IO, so that it never blocks the
 * caller's thread (on Android, the main thread). Cancellation is honoured before the call starts (a cancelled
 * coroutine makes no network call). A C call cannot be interrupted yet: a coroutine cancelled while its call
 * is in flight waits for the call to end (at most the client's timeouts), then throws CancellationException
 * and discards the result, closing a session it would have returned.
 */

/**
 * Runs [block] on [Dispatchers.IO]; [key] is wiped afterwards, however the call ends. A call that fails
 * after its coroutine was cancelled ends in CancellationException (with the failure as its cause), as a
 * cancelled coroutine should, whatever the call's own outcome.
 */
internal suspend fun <T> onIo(key: KeyText? = null, block: () -> T): T = try {
    withContext(Dispatchers.IO) { block() }
} catch (e: SxtException) {
    currentCoroutineContext().job.let { job ->
        if (job.isCancelled) throw CancellationException("the coroutine was cancelled during the call", e)
    }
    throw e
} finally {
    key?.wipe()
}

/** [onIo] for a call that returns a new session: a session the cancelled caller will never see is closed. */
internal suspend fun onIoSession(key: KeyText? = null, block: () -> SxtSession): SxtSession {
    var made: SxtSession? = null
    try {
        return onIo(key) { block().also { made = it } }
    } catch (e: CancellationException) {
        made?.close()
        throw e
    }
}
