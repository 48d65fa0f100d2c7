package sxtauth

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger

/** Signers, export/import and the observer, over http and https. */
class SignerTest : LibraryTest() {
    private fun signerFor(privateKey: String, publicKey: String, calls: AtomicInteger = AtomicInteger()): SxtSigner =
        SxtSigner(publicKey) { message ->
            calls.incrementAndGet()
            SxtKeys.sign(privateKey, String(message, Charsets.UTF_8))
        }

    @Test
    fun aSignerSignsInAndSignsInAgainWhenTheChainEnds() {
        for (tls in listOf(false, true)) {
            TestServer(tls, "--access-ttl", "1", "--refresh-ttl", "2").use { srv ->
                srv.client(SxtClientOptions(refreshMargin = Duration.ZERO, keepKey = false)).use { c ->
                    val keys = SxtKeys.generate()
                    val private = String(keys.privateKey)
                    val calls = AtomicInteger()
                    val user = newUserId("signer")
                    val session = signerFor(private, keys.publicKey, calls).use { s -> c.registerWithSignerBlocking(user, s) }
                    session.use {
                        assertEquals(1, calls.get())
                        Thread.sleep(2200)
                        assertTrue(it.accessTokenBlocking().isNotEmpty())
                        assertEquals(2, calls.get(), "signed in again through the closed signer's function")
                        val other = SxtKeys.generate()
                        signerFor(String(other.privateKey), other.publicKey).use { second -> it.addKeyWithSignerBlocking(second) }
                        assertEquals(2, it.keysBlocking().size)
                    }
                }
            }
        }
        assertEquals(0, Callbacks.live(), "every registration released")
    }

    @Test
    fun throwingGarbageAndWrongSignersSendNothing() {
        TestServer(false).use { srv ->
            srv.client().use { c ->
                val keys = SxtKeys.generate()
                val private = String(keys.privateKey)
                val user = newUserId("bad")
                signerFor(private, keys.publicKey).use { s -> c.registerWithSignerBlocking(user, s).close() }
                val tokens = srv.count("POST /v1/auth/token")
                SxtSigner(keys.publicKey) { throw IllegalStateException("declined on the device") }.use { s ->
                    val e = expectStatus(SxtStatus.SIGNER_FAILED) { c.loginWithSignerBlocking(user, s) }
                    assertTrue(e.message!!.contains("declined on the device"), e.message)
                }
                SxtSigner(keys.publicKey) { "zz" }.use { s -> expectStatus(SxtStatus.SIGNER_FAILED) { c.loginWithSignerBlocking(user, s) } }
                val other = String(SxtKeys.generate().privateKey)
                signerFor(other, keys.publicKey).use { s ->
                    assertTrue(expectStatus(SxtStatus.SIGNER_FAILED) { c.loginWithSignerBlocking(user, s) }.message!!.contains("does not verify"))
                }
                assertEquals(tokens, srv.count("POST /v1/auth/token"))
                assertEquals("public_key", expectStatus(SxtStatus.INVALID_KEY) { SxtSigner("not a key") { "" } }.argument)
            }
        }
        assertEquals(0, Callbacks.live())
    }

    @Test
    fun exportImportAndTheObserver() {
        for (tls in listOf(false, true)) {
            TestServer(tls).use { srv ->
                srv.client().use { c ->
                    val keys = SxtKeys.generate()
                    val private = String(keys.privateKey)
                    val user = newUserId("export")
                    c.registerBlocking(user, private).use { s ->
                        val rotations = AtomicInteger()
                        val exports = AtomicInteger()
                        val logouts = AtomicInteger()
                        s.setObserver { e ->
                            when (e) {
                                SxtEvent.ROTATED -> {
                                    rotations.incrementAndGet()
                                    if (s.export().isNotEmpty()) exports.incrementAndGet() // outside every lock
                                }
                                SxtEvent.LOGGED_OUT -> logouts.incrementAndGet()
                            }
                        }
                        s.refreshBlocking()
                        s.refreshBlocking()
                        assertEquals(2, rotations.get())
                        assertEquals(2, exports.get())
                        val blob = s.export()
                        val text = String(blob, Charsets.UTF_8)
                        assertTrue(text.startsWith("sxts1."))
                        assertFalse(text.contains(private))
                        srv.client().use { other ->
                            other.importSession(blob, private).use { restored ->
                                assertEquals(user, restored.userId)
                                restored.refreshBlocking()
                                assertNotEquals(s.accessTokenBlocking(), restored.accessTokenBlocking())
                            }
                        }
                        signerFor(private, keys.publicKey).use { signer -> c.importSession(s.export(), signer).close() }
                        assertEquals("blob", expectStatus(SxtStatus.INVALID_ARGUMENT) { c.importSession(blob.copyOf(blob.size - 3)) }.argument)
                        assertEquals("secret", expectStatus(SxtStatus.INVALID_KEY) { c.importSession(blob, String(SxtKeys.generate().privateKey)) }.argument)
                        s.logoutBlocking()
                        assertEquals(1, logouts.get())
                        expectStatus(SxtStatus.LOGGED_OUT) { s.export() }
                        s.setObserver(null)
                    }
                }
            }
        }
        assertEquals(0, Callbacks.live())
    }
}
