package sxtauth

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration
import java.time.Instant

/** API-key sign-in (the local server's /auth/apikey stands in for the SxT proxy) and subscriptions. */
class SubscriptionTest : LibraryTest() {
    private val apiKey = "kotlin-test-api-key-3"

    private fun TestServer.proxied(keepKey: Boolean = true): SxtClient =
        client(SxtClientOptions(proxyUrl = url, keepKey = keepKey, refreshMargin = Duration.ZERO))

    private fun subscriptionOf(s: SxtSession): String? = s.tokenInfoBlocking().subscriptionId

    @Test
    fun anApiKeySignsInOverHttpAndHttps() {
        for (tls in listOf(false, true)) {
            TestServer(tls, "--api-key", "ktapi:$apiKey").use { srv ->
                srv.proxied().use { c ->
                    c.loginApiKeyBlocking(apiKey.toCharArray()).use { s ->
                        assertEquals("ktapi", s.userId)
                        assertEquals(1, srv.count("GET /v1/auth/validtoken -> 200"))
                        expectStatus(SxtStatus.NOT_FOUND) { s.refreshToken() }
                        assertEquals(Instant.EPOCH, s.expiries().refreshToken)
                        val before = s.accessTokenBlocking()
                        s.refreshBlocking()
                        assertNotEquals(before, s.accessTokenBlocking())
                        assertEquals(2, srv.count("POST /auth/apikey -> 200"))
                        assertEquals(0, srv.count("POST /v1/auth/refresh"))
                        s.logoutBlocking()
                        expectStatus(SxtStatus.LOGGED_OUT) { s.accessTokenBlocking() }
                    }
                    runBlocking { c.loginApiKey(apiKey) }.close()
                    val wrong = expectStatus(SxtStatus.UNAUTHORIZED) { c.loginApiKeyBlocking("kt-wrong-key") }
                    assertEquals(401, wrong.httpStatus)
                    assertEquals("unknown API key", wrong.detail)
                    assertFalse(wrong.message!!.contains("kt-wrong-key"))
                    for (bad in listOf("", "has space", "caf\u00e9")) {
                        assertEquals("api_key", expectStatus(SxtStatus.INVALID_ARGUMENT) { c.loginApiKeyBlocking(bad) }.argument)
                    }
                    val chars = "kt-another-wrong".toCharArray()
                    expectStatus(SxtStatus.UNAUTHORIZED) { c.loginApiKeyBlocking(chars) }
                    assertTrue(chars.all { it == '\u0000' }, "the caller's copy is wiped")
                }
            }
        }
        val e = expectStatus(SxtStatus.INSECURE_URL) { SxtClient("https://api.example", SxtClientOptions(proxyUrl = "http://127.0.0.1:9")) }
        assertEquals("proxy_url", e.argument)
    }

    @Test
    fun anExpiredApiKeySessionSignsInAgainOrExpiresWithoutTheKey() {
        TestServer(false, "--api-key", "ktapi:$apiKey", "--access-ttl", "2").use { srv ->
            srv.proxied().use { keep ->
                srv.proxied(keepKey = false).use { bare ->
                    keep.loginApiKeyBlocking(apiKey).use { s ->
                        bare.loginApiKeyBlocking(apiKey).use { b ->
                            val first = s.accessTokenBlocking()
                            Thread.sleep(2100)
                            assertNotEquals(first, s.accessTokenBlocking())
                            expectStatus(SxtStatus.SESSION_EXPIRED) { b.accessTokenBlocking() }
                        }
                    }
                }
            }
        }
    }

    @Test
    fun anExpiredJoinCodeIsRefused() {
        TestServer(false, "--invite-ttl", "1").use { srv ->
            srv.client().use { c ->
                c.registerBlocking(newUserId("owner"), String(SxtKeys.generate().privateKey)).use { owner ->
                    c.registerBlocking(newUserId("member"), String(SxtKeys.generate().privateKey)).use { member ->
                        val code = owner.createJoinCodeBlocking(SxtRole.MEMBER)
                        Thread.sleep(1100)
                        assertEquals("join code has expired", expectStatus(SxtStatus.BAD_REQUEST) { member.joinSubscriptionBlocking(code) }.detail)
                    }
                }
            }
        }
    }

    @Test
    fun aRevokedApiKeyIsRefusedAndItsSessionCannotSignInAgain() {
        val file = java.nio.file.Files.createTempFile("sxt-keys", ".txt")
        try {
            java.nio.file.Files.writeString(file, "# keys\nfileuser:KT-FILE-KEY\n")
            TestServer(false, "--api-keys-file", file.toString(), "--access-ttl", "2").use { srv ->
                srv.proxied().use { c ->
                    c.loginApiKeyBlocking("KT-FILE-KEY").use { s ->
                        java.nio.file.Files.writeString(file, "# none\n")
                        srv.hangUp()
                        var tries = 0
                        while (srv.count("reloaded 0 API keys") == 0 && tries++ < 50) Thread.sleep(50)
                        assertEquals(1, srv.count("reloaded 0 API keys"))
                        val e = expectStatus(SxtStatus.UNAUTHORIZED) { c.loginApiKeyBlocking("KT-FILE-KEY") }
                        assertEquals("unknown API key", e.detail)
                        Thread.sleep(2100)
                        assertEquals(401, expectStatus(SxtStatus.UNAUTHORIZED) { s.accessTokenBlocking() }.httpStatus)
                    }
                }
            }
        } finally {
            java.nio.file.Files.deleteIfExists(file)
        }
    }

    @Test
    fun inviteAndJoin() {
        for (tls in listOf(false, true)) {
            TestServer(tls).use { srv ->
                srv.client().use { c ->
                    c.registerBlocking(newUserId("owner"), String(SxtKeys.generate().privateKey)).use { owner ->
                        c.registerBlocking(newUserId("member"), String(SxtKeys.generate().privateKey)).use { member ->
                            val ownerSub = subscriptionOf(owner)
                            assertNotEquals(ownerSub, subscriptionOf(member))
                            val code = owner.createJoinCodeBlocking(SxtRole.ADMIN)
                            val before = member.accessTokenBlocking()
                            runBlocking { member.joinSubscription(code) }
                            assertNotEquals(before, member.accessTokenBlocking())
                            assertEquals(ownerSub, subscriptionOf(member))
                            assertTrue(runBlocking { member.createJoinCode(SxtRole.MEMBER) }.isNotEmpty())
                            assertEquals(403, expectStatus(SxtStatus.UNAUTHORIZED) { member.createJoinCodeBlocking(SxtRole.OWNER) }.httpStatus)
                            assertEquals(
                                "unknown join code, or one already used",
                                expectStatus(SxtStatus.BAD_REQUEST) { owner.joinSubscriptionBlocking(code) }.detail,
                            )
                            assertEquals("join_code", expectStatus(SxtStatus.INVALID_ARGUMENT) { owner.joinSubscriptionBlocking("") }.argument)
                        }
                    }
                }
            }
        }
    }
}
