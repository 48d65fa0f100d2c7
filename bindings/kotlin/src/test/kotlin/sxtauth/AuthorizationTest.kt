package sxtauth

import kotlinx.coroutines.runBlocking
import okhttp3.OkHttpClient
import okhttp3.Request
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Test
import sxtauth.okhttp.SxtAuthInterceptor
import java.util.concurrent.TimeUnit

/** The access token where requests are made: authorization(), tokenRejected(), and the OkHttp interceptor. */
class AuthorizationTest : LibraryTest() {
    @Test
    fun anInterceptedClientIsAuthorizedAndRetriesOnceAfterARevokedToken() {
        TestServer(false).use { srv ->
            srv.client().use { c ->
                val user = newUserId("authz")
                val key = String(SxtKeys.generate().privateKey)
                c.registerBlocking(user, key).use { s ->
                    c.loginBlocking(user, key).use { other ->
                        val token = s.accessTokenBlocking()
                        assertEquals("Bearer $token", s.authorizationBlocking())
                        assertEquals("Bearer $token", runBlocking { s.authorization() })

                        val http = OkHttpClient.Builder().addInterceptor(SxtAuthInterceptor(s)).build()
                        val request = Request.Builder().url(srv.url + "/v1/auth/validtoken").build()
                        http.newCall(request).execute().use { assertEquals(200, it.code) }

                        // A logout elsewhere revokes the token: one 401, one renewal, the retry works.
                        other.logoutBlocking()
                        val refused = srv.count("GET /v1/auth/validtoken -> 401")
                        val signIns = srv.count("POST /v1/auth/token -> 200")
                        http.newCall(request).execute().use { assertEquals(200, it.code) }
                        assertEquals(refused + 1, srv.count("GET /v1/auth/validtoken -> 401"))
                        assertEquals(signIns + 1, srv.count("POST /v1/auth/token -> 200"))
                        assertNotEquals(token, s.accessTokenBlocking())

                        // A token the session no longer holds renews nothing.
                        s.tokenRejectedBlocking(token)
                        runBlocking { s.tokenRejected("not-a-token-of-this-session") }
                        assertEquals(signIns + 1, srv.count("POST /v1/auth/token -> 200"))
                        assertEquals("access_token", expectStatus(SxtStatus.INVALID_ARGUMENT) { s.tokenRejectedBlocking("a\u0000b") }.argument)
                        http.dispatcher.executorService.shutdown()
                        http.connectionPool.evictAll()
                        http.dispatcher.executorService.awaitTermination(5, TimeUnit.SECONDS)
                    }
                }
            }
        }
    }
}
