package sxtauth

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Test
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/**
 * The access token where requests are made: authorization() and tokenRejected(), used as an app with its own
 * HTTP client uses them (the JDK's here; the OkHttp interceptor has its own module and tests).
 */
class AuthorizationTest : LibraryTest() {
    private val http: HttpClient = HttpClient.newHttpClient()

    private fun validtoken(srv: TestServer, authorization: String): Int =
        http.send(
            HttpRequest.newBuilder(URI.create(srv.url + "/v1/auth/validtoken")).header("Authorization", authorization).build(),
            HttpResponse.BodyHandlers.discarding(),
        ).statusCode()

    @Test
    fun theHeaderValueAndOneRenewalPerRejectedToken() {
        TestServer(false).use { srv ->
            srv.client().use { c ->
                val user = newUserId("authz")
                val key = String(SxtKeys.generate().privateKey)
                c.registerBlocking(user, key).use { s ->
                    c.loginBlocking(user, key).use { other ->
                        val token = s.accessTokenBlocking()
                        assertEquals("Bearer $token", s.authorizationBlocking())
                        assertEquals("Bearer $token", runBlocking { s.authorization() })
                        assertEquals(200, validtoken(srv, s.authorizationBlocking()))

                        // A logout elsewhere revokes the token: the API answers 401; reporting it renews once,
                        // however often it is reported.
                        other.logoutBlocking()
                        assertEquals(401, validtoken(srv, s.authorizationBlocking()))
                        val signIns = srv.count("POST /v1/auth/token -> 200")
                        s.tokenRejectedBlocking(token)
                        runBlocking { s.tokenRejected(token) }
                        assertEquals(signIns + 1, srv.count("POST /v1/auth/token -> 200"))
                        assertNotEquals(token, s.accessTokenBlocking())
                        assertEquals(200, validtoken(srv, s.authorizationBlocking()))

                        // A token the session no longer holds renews nothing.
                        s.tokenRejectedBlocking(token)
                        runBlocking { s.tokenRejected("not-a-token-of-this-session") }
                        assertEquals(signIns + 1, srv.count("POST /v1/auth/token -> 200"))
                        assertEquals("access_token", expectStatus(SxtStatus.INVALID_ARGUMENT) { s.tokenRejectedBlocking("a\u0000b") }.argument)
                    }
                }
            }
        }
    }
}
