package sxtauth

import com.sun.jna.Pointer
import com.sun.jna.ptr.PointerByReference

/**
 * A call of the library failed. Carries what `sxt_error` carries: the [status] (and its number, [code]), a
 * message for people (never a key or token, no control characters: safe to log), the server's [httpStatus]
 * (0 when the failure was not an HTTP error reply) and RFC 7807 [title] and [detail], and for an input error
 * the [argument], named as the C header names the parameter (`user_id`, `private_key`, ...). Immutable; safe
 * to share between threads.
 *
 * Using a closed [SxtClient] or [SxtSession] is not an SxtException but an [IllegalStateException].
 */
public class SxtException internal constructor(
    /** What went wrong, as a status code. */
    public val status: SxtStatus,
    /** The status number as the library gave it (differs from [status]'s only for [SxtStatus.UNKNOWN]). */
    public val code: Int,
    message: String,
    /** The HTTP status the server answered with, or 0. */
    public val httpStatus: Int,
    /** The server's problem `title`, or null. */
    public val title: String?,
    /** The server's problem `detail`, or null. */
    public val detail: String?,
    /** The C parameter name of the bad argument of an input error, or null. */
    public val argument: String?,
) : Exception(message) {
    override fun toString(): String = "SxtException(${SxtAuth.statusName(code)}): $message"

    internal companion object {
        /** An input error found by the binding itself, before any C call. */
        fun input(status: SxtStatus, argument: String, why: String): SxtException =
            SxtException(status, status.code, "$argument $why", 0, null, null, argument)

        fun internal(why: String): SxtException =
            SxtException(SxtStatus.INTERNAL, SxtStatus.INTERNAL.code, why, 0, null, null, null)

        fun malformed(what: String, why: String?): SxtException = SxtException(
            SxtStatus.MALFORMED_RESPONSE,
            SxtStatus.MALFORMED_RESPONSE.code,
            "$what is not what the protocol says" + (why?.let { ": $it" } ?: ""),
            0,
            null,
            null,
            null,
        )

        /** Reads and frees the `sxt_error` of a failed call with [status]. */
        fun fromNative(status: Int, error: Pointer?): SxtException {
            val lib = SxtLibrary.native
            try {
                if (error == null) {
                    val text = borrowString(lib.sxt_status_description(status)) ?: "failed"
                    return SxtException(SxtStatus.of(status), status, text, 0, null, null, null)
                }
                return SxtException(
                    SxtStatus.of(status),
                    status,
                    borrowString(lib.sxt_error_message(error)) ?: "failed",
                    lib.sxt_error_http_status(error).toInt() and 0xFFFF,
                    borrowString(lib.sxt_error_title(error)),
                    borrowString(lib.sxt_error_detail(error)),
                    borrowString(lib.sxt_error_argument(error)),
                )
            } finally {
                lib.sxt_error_free(error)
            }
        }
    }
}

/**
 * Makes one C call: [block] gets a fresh `sxt_error **` to pass as the call's last argument and returns its
 * status; a failure becomes an [SxtException] (the error handle is freed either way).
 */
internal inline fun nativeCall(block: (PointerByReference) -> Int) {
    val error = PointerByReference()
    val status = block(error)
    if (status != 0) throw SxtException.fromNative(status, error.value)
}
