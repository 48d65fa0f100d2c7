package sxtauth

import com.sun.jna.Callback
import com.sun.jna.NativeLong
import com.sun.jna.Pointer
import com.sun.jna.ptr.PointerByReference
import java.lang.ref.Cleaner
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong

/**
 * Signs challenges with a key the app holds (an Android Keystore entry, an HSM or KMS, a wallet): the private
 * key never enters the library. [sign] gets the exact `authCode` bytes and returns the signature as the
 * scheme writes it in the protocol's `signature` field (for `ed25519`, 128 lowercase hex characters); to
 * fail, it throws (the exception's message becomes that of an [SxtStatus.SIGNER_FAILED] error; nothing
 * reaches the library). It may be called from any thread, once per sign-in (a session's sign-in again
 * included), from several threads at once, with no lock of the library held, so it may wait for the user (up
 * to the 30 seconds a challenge lives). It must not call the session it signs for.
 */
public fun interface SxtSign {
    public fun sign(message: ByteArray): String
}

/**
 * A public key, its scheme and the [SxtSign] that signs for it (`sxt_signer`). Sessions signed in with it keep
 * the [SxtSign] (and sign in through it again when their refresh chain ends) after [close]. Thread-safe.
 *
 * @param publicKey as SxT wants it in the `key` field (for `ed25519`, the standard base64 of the 32 bytes).
 * @param scheme null for `ed25519`; wallet sign-in puts the chain id there (such as `"1"`).
 * @throws SxtException [SxtStatus.INVALID_KEY] naming `public_key` (an `ed25519` key that does not parse),
 *   [SxtStatus.INVALID_ARGUMENT] naming `scheme` or `public_key`.
 */
public class SxtSigner @JvmOverloads constructor(publicKey: String, scheme: String? = null, sign: SxtSign) : AutoCloseable {
    private val handle: NativeHandle
    private val cleanable: Cleaner.Cleanable

    init {
        val id = Callbacks.register(sign)
        val out = PointerByReference()
        var handedOver = false
        try {
            NativeArgs().use { args ->
                val cKey = args.text("public_key", publicKey)
                val cScheme = args.optional("scheme", scheme)
                handedOver = true // the library owns the registration now: it calls RELEASE exactly once
                nativeCall { SxtLibrary.native.sxt_signer_new(cKey, cScheme, Callbacks.SIGN, Pointer(id), Callbacks.RELEASE, out, it) }
            }
        } catch (e: Throwable) {
            if (!handedOver) Callbacks.forget(id)
            throw e
        }
        handle = NativeHandle("signer", out.value) { SxtLibrary.native.sxt_signer_free(it) }
        cleanable = CLEANER.register(this, handle)
    }

    internal inline fun <T> withPointer(block: (Pointer) -> T): T = handle.call(block)

    /** Releases the caller's reference (idempotent); sessions signed in with it keep theirs. */
    override fun close() {
        cleanable.clean()
    }
}

/** What changed in a session, as its observer hears it ([SxtSession.setObserver]). */
public enum class SxtEvent(public val code: Int) {
    /** New tokens (a refresh, a sign-in again, a subscription join): export the session again now. */
    ROTATED(1),

    /** The session logged out: a stored copy is worth nothing now. */
    LOGGED_OUT(2),
}

internal interface SignCallback : Callback {
    fun invoke(context: Pointer?, message: Pointer?, messageLen: NativeLong, out: Pointer?, capacity: NativeLong, outLen: Pointer?): Int
}

internal interface ReleaseCallback : Callback {
    fun invoke(context: Pointer?)
}

internal interface ObserveCallback : Callback {
    fun invoke(context: Pointer?, event: Int)
}

/**
 * The C callbacks: one object of each kind for the process (JNA needs them reachable for as long as C may
 * call them), and a registry from the context number C passes back to the Kotlin function it stands for.
 * Nothing thrown in a callback reaches C: JNA would report it and return 0, which would read as success.
 */
internal object Callbacks {
    private val next = AtomicLong(1)
    private val entries = ConcurrentHashMap<Long, Any>()

    fun register(f: Any): Long = next.getAndIncrement().also { entries[it] = f }

    fun forget(id: Long) {
        entries.remove(id)
    }

    private fun entry(context: Pointer?): Any? = context?.let { entries[Pointer.nativeValue(it)] }

    /** Live registrations, for the leak checks of the tests. */
    fun live(): Int = entries.size

    val SIGN: SignCallback = object : SignCallback {
        override fun invoke(context: Pointer?, message: Pointer?, messageLen: NativeLong, out: Pointer?, capacity: NativeLong, outLen: Pointer?): Int {
            val cap = capacity.toInt()
            fun write(text: String): Int {
                val bytes = text.toByteArray(Charsets.UTF_8)
                val n = minOf(bytes.size, cap)
                out?.write(0, bytes, 0, n)
                outLen?.setNativeLong(0, NativeLong(n.toLong()))
                bytes.fill(0)
                return bytes.size
            }
            return try {
                val sign = entry(context) as? SxtSign ?: return SxtStatus.SIGNER_FAILED.code.also { write("the signer is gone") }
                val bytes = message?.getByteArray(0, messageLen.toInt()) ?: ByteArray(0)
                val signature = sign.sign(bytes)
                if (write(signature) > cap) {
                    write("the signature is longer than the library takes")
                    SxtStatus.SIGNER_FAILED.code
                } else {
                    SxtStatus.OK.code
                }
            } catch (e: Throwable) {
                write(e.message ?: e.javaClass.name)
                SxtStatus.SIGNER_FAILED.code
            }
        }
    }

    val RELEASE: ReleaseCallback = object : ReleaseCallback {
        override fun invoke(context: Pointer?) {
            context?.let { forget(Pointer.nativeValue(it)) }
        }
    }

    val OBSERVE: ObserveCallback = object : ObserveCallback {
        override fun invoke(context: Pointer?, event: Int) {
            try {
                @Suppress("UNCHECKED_CAST")
                val observer = entry(context) as? (SxtEvent) -> Unit ?: return
                SxtEvent.entries.firstOrNull { it.code == event }?.let(observer)
            } catch (_: Throwable) {
                // An observer's failure is the app's; it must not reach C.
            }
        }
    }
}
