package sxtauth

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.net.ServerSocket
import java.net.Socket
import java.time.Duration

class ClientTest : LibraryTest() {
    private val server get() = TestServer.shared

    @Test
    fun baseUrlIsNormalised() {
        for (suffix in listOf("", "/", "/v1", "/v1/")) {
            SxtClient(server.url + suffix, SxtClientOptions(allowHttp = true)).use { assertEquals(server.url, it.baseUrl) }
        }
        SxtClient("https://api.spaceandtime.dev/v1/").use { assertEquals("https://api.spaceandtime.dev", it.baseUrl) }
    }

    @Test
    fun refusedSettings() {
        data class Case(val name: String, val url: String, val options: SxtClientOptions, val status: SxtStatus, val argument: String?)
        val http = SxtClientOptions(allowHttp = true)
        val cases = listOf(
            Case("http without allowHttp", server.url, SxtClientOptions(), SxtStatus.INSECURE_URL, null),
            Case("not a URL", "::not a url::", http, SxtStatus.INVALID_URL, "base_url"),
            Case("empty URL", "", http, SxtStatus.INVALID_URL, "base_url"),
            Case("ftp URL", "ftp://127.0.0.1", http, SxtStatus.INVALID_URL, "base_url"),
            Case("NUL in URL", "https://a\u0000b", http, SxtStatus.INVALID_ARGUMENT, "base_url"),
            Case("zero timeout", server.url, http.copy(timeout = Duration.ZERO), SxtStatus.INVALID_ARGUMENT, "timeout_ms"),
            Case("negative timeout", server.url, http.copy(timeout = Duration.ofSeconds(-1)), SxtStatus.INVALID_ARGUMENT, "timeout_ms"),
            Case("huge timeout", server.url, http.copy(timeout = Duration.ofDays(365_000_000)), SxtStatus.INVALID_ARGUMENT, "timeout_ms"),
            Case("timeout over 24 h", server.url, http.copy(timeout = Duration.ofHours(24).plusMillis(1)), SxtStatus.INVALID_ARGUMENT, "timeout_ms"),
            Case("zero connect timeout", server.url, http.copy(connectTimeout = Duration.ZERO), SxtStatus.INVALID_ARGUMENT, "connect_timeout_ms"),
            Case("negative read timeout", server.url, http.copy(readTimeout = Duration.ofMillis(-1)), SxtStatus.INVALID_ARGUMENT, "read_timeout_ms"),
            Case("refresh margin over 24 h", server.url, http.copy(refreshMargin = Duration.ofHours(25)), SxtStatus.INVALID_ARGUMENT, "refresh_margin_ms"),
            Case("empty user agent", server.url, http.copy(userAgent = ""), SxtStatus.INVALID_ARGUMENT, "user_agent"),
            Case("control character in user agent", server.url, http.copy(userAgent = "a\nb"), SxtStatus.INVALID_ARGUMENT, "user_agent"),
            Case("overlong user agent", server.url, http.copy(userAgent = "a".repeat(257)), SxtStatus.INVALID_ARGUMENT, "user_agent"),
            Case("garbage CA", server.url, http.copy(caPem = listOf("not a certificate")), SxtStatus.INVALID_CERTIFICATE, "ca_pem"),
            Case("NUL in CA", server.url, http.copy(caPem = listOf("a\u0000b")), SxtStatus.INVALID_ARGUMENT, "ca_pem"),
        )
        for (case in cases) {
            val e = expectStatus(case.status) { SxtClient(case.url, case.options).close() }
            if (case.argument != null) assertEquals(case.argument, e.argument, case.name)
        }
        // A sub-millisecond timeout rounds up to 1 ms, which is allowed.
        SxtClient(server.url, http.copy(timeout = Duration.ofNanos(1))).close()
    }

    @Test
    fun userExistsAndInputErrors() {
        server.client().use { c ->
            val user = newUserId("exists")
            assertFalse(c.userExistsBlocking(user))
            SxtKeys.generate().use { k -> c.registerBlocking(user, k.privateKey).close() }
            assertTrue(c.userExistsBlocking(user))
            for (bad in listOf("", "u".repeat(300), "a\u0001b", ".", "..", "a\u0000b")) {
                assertEquals("user_id", expectStatus(SxtStatus.INVALID_ARGUMENT) { c.userExistsBlocking(bad) }.argument, bad)
            }
            // The server's own refusal, with its RFC 7807 title and detail.
            val e = expectStatus(SxtStatus.BAD_REQUEST) { c.userExistsBlocking("has space") }
            assertEquals(400, e.httpStatus)
            assertNotNull(e.title)
            assertNotNull(e.detail)
        }
    }

    @Test
    fun loginAndRegister() {
        server.client().use { c ->
            val user = newUserId("login")
            val key = SxtKeys.generate()
            val privateKey = String(key.privateKey)
            // An unknown user is not created by a sign-in.
            val e = expectStatus(SxtStatus.NOT_FOUND) { c.loginBlocking(user, privateKey) }
            assertEquals(0, e.httpStatus)
            assertEquals("user_id", e.argument)
            assertFalse(c.userExistsBlocking(user))

            c.registerBlocking(user, privateKey).use { s -> assertEquals(user, s.userId) }
            c.loginBlocking(user, privateKey).use { s ->
                assertEquals(user, s.userId)
                assertTrue(s.accessTokenBlocking().isNotEmpty())
            }
            // Registering again with the same key is a plain sign-in.
            c.registerBlocking(user, privateKey).close()
            // Key forms: CharArray and ByteArray are wiped after the call.
            val chars = privateKey.toCharArray()
            c.loginBlocking(user, chars).close()
            assertTrue(chars.all { it == '\u0000' })
            val bytes = privateKey.toByteArray()
            c.loginBlocking(user, bytes).close()
            assertTrue(bytes.all { it == 0.toByte() })

            // Another key for the same user: the server refuses the signature.
            SxtKeys.generate().use { other ->
                val refused = expectStatus(SxtStatus.BAD_REQUEST) { c.loginBlocking(user, other.privateKey) }
                assertEquals(400, refused.httpStatus)
                assertTrue(other.privateKey.all { it == '\u0000' }, "wiped after a failure too")
                expectStatus(SxtStatus.BAD_REQUEST) { c.registerBlocking(user, SxtKeys.generate().privateKey) }
            }
            expectStatus(SxtStatus.INVALID_KEY) { c.loginBlocking(user, "not a key") }

            // Registration with an e-mail address.
            val emailUser = newUserId("email")
            SxtKeys.generate().use { k -> c.registerBlocking(emailUser, k.privateKey, email = "someone@example.com").close() }
            assertTrue(c.userExistsBlocking(emailUser))
            key.close()
        }
    }

    @Test
    fun joinCodes() {
        TestServer(false, "--join-code", "ORG-ONE", "--join-code", "ORG-TWO", "--require-join-code").use { srv ->
            srv.client().use { c ->
                val key = String(SxtKeys.generate().privateKey)
                val missing = expectStatus(SxtStatus.NOT_FOUND) { c.registerBlocking(newUserId("nocode"), key) }
                assertEquals(404, missing.httpStatus)
                assertNotNull(missing.detail)
                val unknown = expectStatus(SxtStatus.BAD_REQUEST) { c.registerBlocking(newUserId("badcode"), key, "NOPE") }
                assertEquals(400, unknown.httpStatus)
                expectStatus(SxtStatus.BAD_REQUEST) { c.registerBlocking(newUserId("bademail"), key, "NOPE", "x@example.com") }

                val a = c.registerBlocking(newUserId("code-a"), key, "ORG-ONE")
                val b = c.registerBlocking(newUserId("code-b"), SxtKeys.generate().privateKey, "ORG-ONE", "b@example.com")
                val d = c.registerBlocking(newUserId("code-c"), SxtKeys.generate().privateKey, "ORG-TWO")
                for (s in listOf(a, b, d)) s.use { assertTrue(it.accessTokenBlocking().isNotEmpty()) }
            }
        }
    }

    @Test
    fun subscriptionsFollowJoinCodes() {
        TestServer(false, "--join-code", "ORG-ONE", "--join-code", "ORG-TWO").use { srv ->
            srv.client().use { c ->
                c.registerBlocking(newUserId("sub-a"), SxtKeys.generate().privateKey, "ORG-ONE").use { a ->
                    c.registerBlocking(newUserId("sub-b"), SxtKeys.generate().privateKey, "ORG-ONE").use { b ->
                        c.registerBlocking(newUserId("sub-c"), SxtKeys.generate().privateKey, "ORG-TWO").use { d ->
                            val ia = a.tokenInfoBlocking()
                            val ib = b.tokenInfoBlocking()
                            val id = d.tokenInfoBlocking()
                            assertNotNull(ia.subscriptionId)
                            assertEquals(ia.subscriptionId, ib.subscriptionId)
                            assertNotEquals(ia.subscriptionId, id.subscriptionId)
                        }
                    }
                }
            }
        }
    }

    @Test
    fun tls() {
        TestServer(true).use { srv ->
            assertTrue(srv.url.startsWith("https://"))
            // Without the CA the handshake fails.
            SxtClient(srv.url).use { plain -> expectStatus(SxtStatus.TLS) { plain.userExistsBlocking("anyone") } }
            srv.client().use { c ->
                val user = newUserId("tls")
                val key = String(SxtKeys.generate().privateKey)
                c.registerBlocking(user, key).use { s ->
                    assertTrue(c.userExistsBlocking(user))
                    s.refreshBlocking()
                    assertEquals(user, s.tokenInfoBlocking().userId)
                }
                c.loginBlocking(user, key).close()
            }
        }
    }

    @Test
    fun transportFailures() {
        val freePort = ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { it.localPort }
        SxtClient("http://127.0.0.1:$freePort", SxtClientOptions(allowHttp = true, connectTimeout = Duration.ofSeconds(2))).use { c ->
            assertEquals(0, expectStatus(SxtStatus.NETWORK) { c.userExistsBlocking("anyone") }.httpStatus)
        }
        // A server that accepts and never answers: the read timeout fires.
        ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()).use { tarpit ->
            val held = mutableListOf<Socket>()
            val acceptor = Thread {
                try {
                    while (true) held.add(tarpit.accept())
                } catch (_: Exception) {
                }
            }.apply { isDaemon = true; start() }
            val options = SxtClientOptions(allowHttp = true, readTimeout = Duration.ofMillis(300), timeout = Duration.ofSeconds(2))
            SxtClient("http://127.0.0.1:${tarpit.localPort}", options).use { c ->
                expectStatus(SxtStatus.TIMEOUT) { c.userExistsBlocking("anyone") }
            }
            tarpit.close()
            acceptor.join(2000)
            held.forEach { it.close() }
        }
    }

    /** Statuses the local server never gives, from a server that answers every request the same way. */
    @Test
    fun everyKindOfRefusal() {
        val problem = """{"title":"Nope","detail":"because\nreasons"}"""
        val cases = listOf(
            Triple(429, problem, SxtStatus.RATE_LIMITED),
            Triple(500, problem, SxtStatus.SERVER_ERROR),
            Triple(503, "", SxtStatus.SERVER_ERROR),
            Triple(409, problem, SxtStatus.CONFLICT),
            Triple(418, problem, SxtStatus.CLIENT_ERROR),
            Triple(401, problem, SxtStatus.UNAUTHORIZED),
            Triple(403, problem, SxtStatus.UNAUTHORIZED),
            Triple(404, problem, SxtStatus.NOT_FOUND),
            Triple(400, problem, SxtStatus.BAD_REQUEST),
            Triple(200, "not json", SxtStatus.MALFORMED_RESPONSE),
            Triple(200, """{"exists":"yes"}""", SxtStatus.MALFORMED_RESPONSE),
        )
        for ((status, body, want) in cases) {
            CannedServer(status, body, mapOf("Content-Type" to "application/json")).use { canned ->
                SxtClient(canned.url, SxtClientOptions(allowHttp = true)).use { c ->
                    val e = expectStatus(want) { c.userExistsBlocking("anyone") }
                    if (want != SxtStatus.MALFORMED_RESPONSE) assertEquals(status, e.httpStatus, "$status")
                    if (body == problem) {
                        assertEquals("Nope", e.title)
                        assertEquals("because\\nreasons", e.detail, "control characters escaped")
                    }
                    assertFalse(e.message!!.contains('\n'))
                }
            }
        }
        CannedServer(302, "", mapOf("Location" to "http://127.0.0.1:1/")).use { canned ->
            SxtClient(canned.url, SxtClientOptions(allowHttp = true)).use { c -> expectStatus(SxtStatus.REDIRECT) { c.userExistsBlocking("anyone") } }
        }
    }

    @Test
    fun closedClient() {
        val c = server.client()
        assertFalse(c.isClosed)
        c.close()
        c.close() // a second close is a no-op
        assertTrue(c.isClosed)
        expectClosed { c.baseUrl }
        expectClosed { c.userExistsBlocking("anyone") }
        expectClosed { c.loginBlocking("anyone", Vectors.SEED) }
        expectClosed { c.registerBlocking("anyone", Vectors.SEED) }
        // A session outlives its client.
        val user = newUserId("outlive")
        val s = server.client().use { c2 -> c2.registerBlocking(user, SxtKeys.generate().privateKey) }
        s.use { assertEquals(user, it.tokenInfoBlocking().userId) }
    }
}
