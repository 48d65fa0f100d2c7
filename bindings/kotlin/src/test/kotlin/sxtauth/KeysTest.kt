package sxtauth

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.Base64
import java.util.HexFormat

class KeysTest : LibraryTest() {
    @Test
    fun vectors() {
        assertEquals(Vectors.PUBLIC, SxtKeys.publicKey(Vectors.SEED))
        assertEquals(Vectors.OTHER_PUBLIC, SxtKeys.publicKey(Vectors.OTHER_SEED))
        assertEquals(Vectors.SIGNATURE, SxtKeys.sign(Vectors.SEED, Vectors.AUTH_CODE))
    }

    @Test
    fun everyEncodingOfOneKey() {
        val seed = Base64.getDecoder().decode(Vectors.SEED)
        val hex = HexFormat.of().formatHex(seed)
        val full = Base64.getEncoder().encodeToString(seed + Base64.getDecoder().decode(Vectors.PUBLIC))
        for (encoding in listOf(Vectors.SEED, hex, hex.uppercase(), full)) {
            assertEquals(Vectors.PUBLIC, SxtKeys.publicKey(encoding), encoding.take(8))
            assertEquals(Vectors.SIGNATURE, SxtKeys.sign(encoding, Vectors.AUTH_CODE))
        }
        val mismatched = Base64.getEncoder().encodeToString(seed + Base64.getDecoder().decode(Vectors.OTHER_PUBLIC))
        val e = expectStatus(SxtStatus.INVALID_KEY) { SxtKeys.publicKey(mismatched) }
        assertFalse(e.message!!.contains(mismatched.take(20)), "the message echoes the key")
    }

    @Test
    fun generatedKeysWork() {
        val pair = SxtKeys.generate()
        val other = SxtKeys.generate()
        pair.use {
            other.use {
                assertEquals(44, pair.privateKey.size)
                assertTrue(Regex("[A-Za-z0-9+/]{43}=").matches(pair.publicKey))
                assertEquals(pair.publicKey, SxtKeys.publicKey(String(pair.privateKey)))
                assertNotEquals(String(pair.privateKey), String(other.privateKey))
                assertFalse(pair.toString().contains(String(pair.privateKey)))
            }
        }
        assertTrue(pair.privateKey.all { it == '\u0000' }, "close wipes the private key")
    }

    @Test
    fun arraysAreWipedAfterUse() {
        val chars = Vectors.SEED.toCharArray()
        assertEquals(Vectors.PUBLIC, SxtKeys.publicKey(chars))
        assertTrue(chars.all { it == '\u0000' }, "CharArray wiped after success")
        val bytes = Vectors.SEED.toByteArray()
        assertEquals(Vectors.SIGNATURE, SxtKeys.sign(bytes, Vectors.AUTH_CODE))
        assertArrayEquals(ByteArray(bytes.size), bytes, "ByteArray wiped after success")
        val bad = "not a key".toCharArray()
        expectStatus(SxtStatus.INVALID_KEY) { SxtKeys.publicKey(bad) }
        assertTrue(bad.all { it == '\u0000' }, "CharArray wiped after failure")
        val badBytes = "AAAA".toByteArray()
        expectStatus(SxtStatus.INVALID_KEY) { SxtKeys.sign(badBytes, "m") }
        assertArrayEquals(ByteArray(4), badBytes)
    }

    @Test
    fun badKeysAndText() {
        val secretish = Vectors.SEED.take(43) + "!"
        for (bad in listOf("", "not a key", "AAAA", secretish, Vectors.SEED + "A", "g".repeat(64))) {
            val e = expectStatus(SxtStatus.INVALID_KEY) { SxtKeys.publicKey(bad) }
            assertEquals("private_key", e.argument)
            if (bad.isNotEmpty()) assertFalse(e.message!!.contains(bad), "the message echoes the key")
            expectStatus(SxtStatus.INVALID_KEY) { SxtKeys.sign(bad, "m") }
        }
        // A NUL cannot cross to C: refused before the call, never cut short.
        assertEquals("private_key", expectStatus(SxtStatus.INVALID_ARGUMENT) { SxtKeys.publicKey(Vectors.SEED + "\u0000x") }.argument)
        assertEquals("message", expectStatus(SxtStatus.INVALID_ARGUMENT) { SxtKeys.sign(Vectors.SEED, "a\u0000b") }.argument)
        assertEquals("private_key", expectStatus(SxtStatus.INVALID_ARGUMENT) { SxtKeys.publicKey(byteArrayOf(65, 0, 65)) }.argument)
        // Text that is not Unicode (an unpaired surrogate) is refused, not turned into '?'.
        assertEquals("message", expectStatus(SxtStatus.INVALID_UTF8) { SxtKeys.sign(Vectors.SEED, "a\uD800b") }.argument)
        // Bytes that are not UTF-8 reach the library, which names the argument.
        assertEquals("private_key", expectStatus(SxtStatus.INVALID_UTF8) { SxtKeys.publicKey(byteArrayOf(0xc3.toByte(), 0x28)) }.argument)
        // Non-ASCII text signs its UTF-8 bytes.
        assertEquals(128, SxtKeys.sign(Vectors.SEED, "héllo ✓").length)
    }

    @Test
    fun versionAndStatuses() {
        assertEquals(SxtAuth.BINDING_VERSION, SxtAuth.version)
        assertTrue(SxtLibrary.compatible("0.1.7", "0.1.0"))
        assertFalse(SxtLibrary.compatible("0.2.0", "0.1.0"))
        assertTrue(SxtLibrary.compatible("1.4.0", "1.0.0"))
        assertFalse(SxtLibrary.compatible("2.0.0", "1.0.0"))
        assertFalse(SxtLibrary.compatible("garbage", "0.1.0"))
    }
}
