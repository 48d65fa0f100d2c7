package sxtauth

import com.sun.jna.Pointer

/**
 * A private key as the caller gave it. Every public call that takes a key has three forms:
 * - `String`: convenient, but the JVM cannot wipe a String; it stays in the heap until collected;
 * - `CharArray` and `ByteArray` (UTF-8 text of the key): the binding fills the array with zeros when the call
 *   is over, whether it succeeded or not (also when a coroutine is cancelled before the call starts).
 * In every form, the binding's native copy is wiped after the call; what the library keeps is wiped when
 * the session is closed (or when sessions do not keep keys, [SxtClientOptions.keepKey]).
 */
internal sealed interface KeyText {
    fun put(args: NativeArgs, argument: String): Pointer

    /** Wipes the caller's array, if there is one. */
    fun wipe() {}

    class Text(val value: String) : KeyText {
        override fun put(args: NativeArgs, argument: String): Pointer = args.text(argument, value)
    }

    class Chars(val value: CharArray) : KeyText {
        override fun put(args: NativeArgs, argument: String): Pointer = args.text(argument, value)
        override fun wipe() = value.fill('\u0000')
    }

    class Bytes(val value: ByteArray) : KeyText {
        override fun put(args: NativeArgs, argument: String): Pointer = args.utf8(argument, value)
        override fun wipe() = value.fill(0)
    }
}

/** Runs [block] and then wipes [key], however [block] ends. */
internal inline fun <T> KeyText.consume(block: (KeyText) -> T): T {
    try {
        return block(this)
    } finally {
        wipe()
    }
}
