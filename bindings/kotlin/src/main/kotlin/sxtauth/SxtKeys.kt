package sxtauth

import com.sun.jna.ptr.PointerByReference

/**
 * An Ed25519 key pair from [SxtKeys.generate]. [privateKey] is the standard base64 of the 32-byte seed (44
 * characters, the form SxT tools print and sign-in accepts), held in a [CharArray] so that [close] can wipe
 * it; [publicKey] is standard base64 too. [toString] never shows the private key. Not thread-safe to close
 * while another thread reads [privateKey].
 */
public class SxtKeyPair internal constructor(
    /** The private key's text; zeros after [close]. */
    public val privateKey: CharArray,
    /** The public key, standard base64 (44 characters). */
    public val publicKey: String,
) : AutoCloseable {
    /** Wipes [privateKey]. */
    override fun close() {
        privateKey.fill('\u0000')
    }

    override fun toString(): String = "SxtKeyPair(publicKey=$publicKey, privateKey=<redacted>)"
}

/**
 * Ed25519 keys, without any network call. A private key may be given in any encoding the library accepts:
 * standard base64 of the 32-byte seed, 64 hex characters, or base64 of the 64 bytes `seed || public key`.
 * The `CharArray` and `ByteArray` forms are wiped when the call returns (see [SxtClient.login]).
 *
 * Errors: [SxtException] with [SxtStatus.INVALID_KEY] for a key in no accepted encoding,
 * [SxtStatus.INVALID_ARGUMENT] / [SxtStatus.INVALID_UTF8] for text that cannot cross to C.
 * Thread safety: any thread.
 */
public object SxtKeys {
    /** A new key pair from the operating system's random number generator. */
    @JvmStatic
    public fun generate(): SxtKeyPair {
        val privateOut = PointerByReference()
        val publicOut = PointerByReference()
        nativeCall { SxtLibrary.native.sxt_keygen(privateOut, publicOut, it) }
        val publicKey = takeString(publicOut.value)
        return SxtKeyPair(takeChars(privateOut.value), publicKey)
    }

    /** The public key (standard base64) of [privateKey]; also a way to validate a key. */
    @JvmStatic
    public fun publicKey(privateKey: String): String = publicKeyOf(KeyText.Text(privateKey))

    /** As [publicKey]; [privateKey] is wiped. */
    @JvmStatic
    public fun publicKey(privateKey: CharArray): String = publicKeyOf(KeyText.Chars(privateKey))

    /** As [publicKey], from the key's UTF-8 text; [privateKey] is wiped. */
    @JvmStatic
    public fun publicKey(privateKey: ByteArray): String = publicKeyOf(KeyText.Bytes(privateKey))

    /**
     * Signs the exact UTF-8 bytes of [message] (an `authCode`, for a custom flow) with [privateKey]: the
     * 64-byte Ed25519 signature as 128 lowercase hex characters.
     */
    @JvmStatic
    public fun sign(privateKey: String, message: String): String = signWith(KeyText.Text(privateKey), message)

    /** As [sign]; [privateKey] is wiped. */
    @JvmStatic
    public fun sign(privateKey: CharArray, message: String): String = signWith(KeyText.Chars(privateKey), message)

    /** As [sign], from the key's UTF-8 text; [privateKey] is wiped. */
    @JvmStatic
    public fun sign(privateKey: ByteArray, message: String): String = signWith(KeyText.Bytes(privateKey), message)

    private fun publicKeyOf(key: KeyText): String = key.consume {
        NativeArgs().use { args ->
            val out = PointerByReference()
            val cKey = key.put(args, "private_key")
            nativeCall { SxtLibrary.native.sxt_key_public(cKey, out, it) }
            takeString(out.value)
        }
    }

    private fun signWith(key: KeyText, message: String): String = key.consume {
        NativeArgs().use { args ->
            val out = PointerByReference()
            val cKey = key.put(args, "private_key")
            val cMessage = args.text("message", message)
            nativeCall { SxtLibrary.native.sxt_key_sign(cKey, cMessage, out, it) }
            takeString(out.value)
        }
    }
}
