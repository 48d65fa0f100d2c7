package sxtauth

import java.time.Duration

private const val MAX_U32: Long = 0xFFFF_FFFFL

/**
 * [d] in whole milliseconds rounded up, as the bit pattern of a C `uint32_t`, for the C parameter named
 * [argument]; a duration too long for it becomes the largest value, which the library refuses as over its
 * limit. A negative duration is refused here ([SxtStatus.INVALID_ARGUMENT]).
 */
internal fun cMillis(argument: String, d: Duration): Int {
    if (d.isNegative) throw SxtException.input(SxtStatus.INVALID_ARGUMENT, argument, "is negative")
    val ms = try {
        val whole = d.toMillis()
        if (d.minusMillis(whole).isZero) whole else whole + 1
    } catch (e: ArithmeticException) {
        MAX_U32
    }
    return minOf(ms, MAX_U32).toInt()
}
