package sxtauth

import com.sun.jna.Memory
import com.sun.jna.Pointer
import java.nio.ByteBuffer
import java.nio.CharBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction
import java.nio.charset.StandardCharsets.UTF_8

/*
 * The one way text crosses the C boundary, in both directions.
 *
 * In: [NativeArgs] copies each argument into native memory as NUL-terminated UTF-8 and, when the call is
 * over, overwrites every copy with zeros before releasing it (all arguments are treated as secrets: it costs
 * nothing and no caller has to decide). Text that cannot cross is refused before any C call: a NUL character
 * (C would silently cut the text there) is SXT_STATUS_INVALID_ARGUMENT, text that is not valid UTF-16 (an
 * unpaired surrogate, which a lenient encoder would silently turn into '?') is SXT_STATUS_INVALID_UTF8;
 * both name the argument as the C header does. The intermediate byte buffers are wiped too.
 *
 * Out: [takeString] and [takeChars] read a string the library handed out, wipe the byte copy they read it
 * through, and release the library's copy with sxt_string_free (which wipes it). [borrowString] reads a
 * string the library keeps (an error's message, a status name) without releasing it.
 */

/** The native copies of one call's text arguments; [close] wipes and frees them all. Not thread-safe. */
internal class NativeArgs : AutoCloseable {
    private val held = ArrayList<Memory>(4)

    /** A NUL-terminated UTF-8 copy of [value] for the C parameter named [argument]. */
    fun text(argument: String, value: CharSequence): Pointer = encoded(argument, CharBuffer.wrap(value))

    /** As [text]; [value] is not changed (the caller wipes it). */
    fun text(argument: String, value: CharArray): Pointer = encoded(argument, CharBuffer.wrap(value))

    /** A NUL-terminated copy of [value], taken to be UTF-8 already (the library checks it). */
    fun utf8(argument: String, value: ByteArray): Pointer {
        if (value.contains(0)) throw SxtException.input(SxtStatus.INVALID_ARGUMENT, argument, "contains a NUL character")
        return copy(value, value.size)
    }

    /** [text], or NULL for null. */
    fun optional(argument: String, value: String?): Pointer? = value?.let { text(argument, it) }

    private fun encoded(argument: String, chars: CharBuffer): Pointer {
        val encoder = UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
        val bytes: ByteBuffer = try {
            encoder.encode(chars)
        } catch (e: CharacterCodingException) {
            throw SxtException.input(SxtStatus.INVALID_UTF8, argument, "is not valid Unicode text (an unpaired surrogate)")
        }
        val array = bytes.array()
        try {
            val length = bytes.limit()
            for (i in 0 until length) {
                if (array[i] == 0.toByte()) {
                    throw SxtException.input(SxtStatus.INVALID_ARGUMENT, argument, "contains a NUL character")
                }
            }
            return copy(array, length)
        } finally {
            array.fill(0)
        }
    }

    private fun copy(bytes: ByteArray, length: Int): Pointer {
        val memory = Memory(length + 1L)
        held.add(memory)
        memory.write(0, bytes, 0, length)
        memory.setByte(length.toLong(), 0)
        return memory
    }

    override fun close() {
        for (memory in held) {
            memory.clear()
            memory.close()
        }
        held.clear()
    }
}

/** The UTF-8 bytes of the NUL-terminated string at [p]; the caller wipes them. */
internal fun bytesAt(p: Pointer): ByteArray {
    val length = p.indexOf(0, 0.toByte())
    return p.getByteArray(0, length.toInt())
}

/** Reads and releases (sxt_string_free) a string the library handed out. */
internal fun takeString(p: Pointer?): String {
    if (p == null) throw SxtException.internal("the library handed out no string")
    val bytes = bytesAt(p)
    try {
        return String(bytes, UTF_8)
    } finally {
        bytes.fill(0)
        SxtLibrary.native.sxt_string_free(p)
    }
}

/** As [takeString], into a [CharArray] the caller can wipe (for a private key). */
internal fun takeChars(p: Pointer?): CharArray {
    if (p == null) throw SxtException.internal("the library handed out no string")
    val bytes = bytesAt(p)
    try {
        val chars = UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes))
        try {
            return CharArray(chars.remaining()).also { chars.get(it) }
        } finally {
            chars.array().fill('\u0000')
        }
    } finally {
        bytes.fill(0)
        SxtLibrary.native.sxt_string_free(p)
    }
}

/** Reads a string the library keeps (static, or owned by an error handle); null for NULL. */
internal fun borrowString(p: Pointer?): String? = p?.let { String(bytesAt(it), UTF_8) }
