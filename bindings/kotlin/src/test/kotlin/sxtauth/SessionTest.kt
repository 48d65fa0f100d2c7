package sxtauth

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource
import java.time.Duration
import java.time.Instant

class SessionTest : LibraryTest() {
    /** Every session call's success path (and logout's aftermath), over http and over https with the server's CA. */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = [false, true])
    fun everyCall(tls: Boolean) {
        val server = if (tls) TestServer(true) else TestServer.shared
        try {
            everyCallOn(server)
        } catch (e: Throwable) {
            System.err.println("server log (tail):\n" + server.logTail())
            throw e
        } finally {
            if (tls) server.close()
        }
    }

    private fun everyCallOn(server: TestServer) {
        server.client().use { c ->
            val user = newUserId("calls")
            val key = SxtKeys.generate()
            val privateKey = String(key.privateKey)
            c.registerBlocking(user, privateKey).use { s ->
                val token = s.accessTokenBlocking()
                val refreshToken = s.refreshToken()
                assertTrue(token.isNotEmpty() && refreshToken.isNotEmpty())
                assertEquals(token, s.accessTokenBlocking(), "a valid token is not refreshed")
                val (accessExpiry, refreshExpiry) = s.expiries()
                val now = Instant.now()
                assertTrue(accessExpiry.isAfter(now.plusSeconds(1400)) && accessExpiry.isBefore(now.plusSeconds(1600)), "$accessExpiry")
                assertTrue(refreshExpiry.isAfter(accessExpiry), "$refreshExpiry")
                assertEquals(user, s.userId)

                val info = s.tokenInfoBlocking()
                assertEquals(user, info.userId)
                assertTrue(info.raw.contains("\"userId\""))
                assertTrue(info.sessionId!!.isNotEmpty())

                s.refreshBlocking()
                assertNotEquals(token, s.accessTokenBlocking(), "refresh rotates the access token")
                assertNotEquals(refreshToken, s.refreshToken(), "and the refresh token")
                assertEquals(info.sessionId, s.tokenInfoBlocking().sessionId, "a refresh keeps the session")

                val keys = s.keysBlocking()
                assertEquals(listOf(key.publicKey), keys.map { it.key })
                assertEquals("ed25519", keys[0].scheme)
                SxtKeys.generate().use { second ->
                    val secondPublic = second.publicKey
                    val text = String(second.privateKey)
                    s.addKeyBlocking(second.privateKey)
                    assertTrue(second.privateKey.all { it == '\u0000' })
                    assertEquals(setOf(key.publicKey, secondPublic), s.keysBlocking().map { it.key }.toSet())
                    // The same key again is refused by the server.
                    expectStatus(SxtStatus.BAD_REQUEST) { s.addKeyBlocking(text.toByteArray()) }
                    // The new key signs in.
                    c.loginBlocking(user, text).close()
                }
                assertEquals("new_private_key", expectStatus(SxtStatus.INVALID_KEY) { s.addKeyBlocking("nope") }.argument)

                s.logoutBlocking()
                for (call in listOf<() -> Unit>(
                    { s.accessTokenBlocking() }, { s.refreshBlocking() }, { s.refreshToken() }, { s.expiries() },
                    { s.tokenInfoBlocking() }, { s.keysBlocking() }, { s.logoutBlocking() },
                )) {
                    expectStatus(SxtStatus.LOGGED_OUT) { call() }
                }
                assertEquals(user, s.userId, "the user id is still known after logout")
            }
            key.close()
        }
    }

    @Test
    fun logoutEndsOtherSessionsWhichSignInAgain() {
        TestServer.shared.client().use { c ->
            val user = newUserId("logout")
            val key = String(SxtKeys.generate().privateKey)
            c.registerBlocking(user, key).use { a ->
                c.loginBlocking(user, key).use { b ->
                    val before = b.tokenInfoBlocking().sessionId
                    a.logoutBlocking()
                    // b's tokens died with the logout: it signs in again with its key.
                    val after = b.tokenInfoBlocking()
                    assertEquals(user, after.userId)
                    assertNotEquals(before, after.sessionId)
                }
            }
            // Without the key, the same situation is the server's 401.
            TestServer.shared.client(SxtClientOptions(keepKey = false)).use { noKey ->
                noKey.loginBlocking(user, key).use { a ->
                    noKey.loginBlocking(user, key).use { b ->
                        a.logoutBlocking()
                        val e = expectStatus(SxtStatus.SESSION_EXPIRED) { b.tokenInfoBlocking() }
                        assertEquals(401, e.httpStatus)
                    }
                }
            }
        }
    }

    @Test
    fun expiredAccessTokenRefreshesItself() {
        TestServer(false, "--access-ttl", "2").use { srv ->
            srv.client(SxtClientOptions(refreshMargin = Duration.ZERO)).use { c ->
                c.registerBlocking(newUserId("expiry"), SxtKeys.generate().privateKey).use { s ->
                    val token = s.accessTokenBlocking()
                    val session = s.tokenInfoBlocking().sessionId
                    val expiry = s.expiries().accessToken
                    val left = Duration.between(Instant.now(), expiry)
                    assertTrue(left <= Duration.ofMillis(2500) && left >= Duration.ofMillis(500), "expires in $left")
                    sleepPast(expiry)
                    val refreshed = s.accessTokenBlocking()
                    assertNotEquals(token, refreshed)
                    assertEquals(session, s.tokenInfoBlocking().sessionId)
                    assertEquals(1, srv.count("POST /v1/auth/refresh -> 200"))
                }
            }
        }
    }

    @Test
    fun signsInAgainAfterTheRefreshTokenExpires() {
        TestServer(false, "--access-ttl", "1", "--refresh-ttl", "2").use { srv ->
            val user = newUserId("relogin")
            val key = String(SxtKeys.generate().privateKey)
            srv.client(SxtClientOptions(refreshMargin = Duration.ZERO)).use { c ->
                srv.client(SxtClientOptions(refreshMargin = Duration.ZERO, keepKey = false)).use { noKey ->
                    c.registerBlocking(user, key).use { s ->
                        noKey.loginBlocking(user, key).use { s2 ->
                            val session = s.tokenInfoBlocking().sessionId
                            sleepPast(maxOf(s.expiries().refreshToken, s2.expiries().refreshToken))
                            assertTrue(s.accessTokenBlocking().isNotEmpty())
                            val info = s.tokenInfoBlocking()
                            assertEquals(user, info.userId)
                            assertNotEquals(session, info.sessionId, "a new sign-in")
                            expectStatus(SxtStatus.SESSION_EXPIRED) { s2.accessTokenBlocking() }
                        }
                    }
                }
            }
        }
    }

    @Test
    fun theSessionCapEndsAKeylessSession() {
        TestServer(false, "--access-ttl", "1", "--session-ttl", "2").use { srv ->
            srv.client(SxtClientOptions(refreshMargin = Duration.ZERO, keepKey = false)).use { c ->
                c.registerBlocking(newUserId("cap"), SxtKeys.generate().privateKey).use { s ->
                    Thread.sleep(2600)
                    expectStatus(SxtStatus.SESSION_EXPIRED) { s.accessTokenBlocking() }
                    assertEquals(1, srv.count("POST /v1/auth/token"), "no sign-in but the first: the session has no key")
                }
            }
        }
    }

    @Test
    fun closedSession() {
        TestServer.shared.client().use { c ->
            val s = c.registerBlocking(newUserId("closed"), SxtKeys.generate().privateKey)
            assertFalse(s.isClosed)
            s.close()
            s.close()
            assertTrue(s.isClosed)
            assertEquals("SxtSession(closed)", s.toString())
            for (call in listOf<() -> Unit>(
                { s.accessTokenBlocking() }, { s.refreshBlocking() }, { s.logoutBlocking() }, { s.refreshToken() },
                { s.expiries() }, { s.userId }, { s.tokenInfoBlocking() }, { s.keysBlocking() }, { s.addKeyBlocking(Vectors.SEED) },
            )) {
                expectClosed(call)
            }
        }
    }

    private fun sleepPast(t: Instant) {
        val ms = Duration.between(Instant.now(), t).toMillis() + 400
        if (ms > 0) Thread.sleep(ms)
    }
}
