package sxtauth.okhttp

import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody
import okhttp3.RequestBody.Companion.toRequestBody
import okio.BufferedSink
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import sxtauth.LibraryTest
import sxtauth.SxtException
import sxtauth.SxtKeys
import sxtauth.SxtSession
import sxtauth.SxtStatus
import sxtauth.TestServer
import sxtauth.newUserId
import java.security.KeyStore
import java.security.cert.CertificateFactory
import java.util.concurrent.TimeUnit
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509TrustManager

/** The interceptor against the local server's authenticated endpoint, auth/validtoken. */
class SxtAuthInterceptorTest : LibraryTest() {
    private val clients = mutableListOf<OkHttpClient>()

    /** An OkHttp client with the interceptor, trusting [srv]'s CA when it serves https. */
    private fun http(srv: TestServer, session: SxtSession): OkHttpClient {
        val builder = OkHttpClient.Builder().addInterceptor(SxtAuthInterceptor(session))
        srv.caPem?.let { pem ->
            val store = KeyStore.getInstance(KeyStore.getDefaultType()).apply { load(null) }
            CertificateFactory.getInstance("X.509").generateCertificates(pem.byteInputStream())
                .forEachIndexed { i, cert -> store.setCertificateEntry("ca$i", cert) }
            val factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).apply { init(store) }
            val trust = factory.trustManagers.single() as X509TrustManager
            val tls = SSLContext.getInstance("TLS").apply { init(null, arrayOf(trust), null) }
            builder.sslSocketFactory(tls.socketFactory, trust)
        }
        return builder.build().also { clients += it }
    }

    @AfterEach
    fun stopOkHttp() {
        for (c in clients) {
            c.dispatcher.executorService.shutdown()
            c.connectionPool.evictAll()
            c.dispatcher.executorService.awaitTermination(5, TimeUnit.SECONDS)
        }
    }

    /** A session of a new user, and [other], a second sign-in of the same user. */
    private inline fun withTwoSessions(tls: Boolean, body: (TestServer, SxtSession, SxtSession) -> Unit) {
        TestServer(tls).use { srv ->
            srv.client().use { c ->
                val user = newUserId("okhttp")
                val key = String(SxtKeys.generate().privateKey)
                c.registerBlocking(user, key).use { s -> c.loginBlocking(user, key).use { other -> body(srv, s, other) } }
            }
        }
    }

    @Test
    fun requestsCarryTheTokenAndARevokedOneIsRenewedOnceAndRetried() {
        for (tls in listOf(false, true)) {
            withTwoSessions(tls) { srv, s, other ->
                val token = s.accessTokenBlocking()
                val request = Request.Builder().url(srv.url + "/v1/auth/validtoken").build()
                http(srv, s).newCall(request).execute().use {
                    assertEquals(200, it.code)
                    assertTrue(it.body!!.string().contains("\"userId\""))
                }
                // A logout elsewhere revokes the token: one 401, one renewal, the retry works.
                other.logoutBlocking()
                val refused = srv.count("GET /v1/auth/validtoken -> 401")
                val signIns = srv.count("POST /v1/auth/token -> 200")
                http(srv, s).newCall(request).execute().use { assertEquals(200, it.code) }
                assertEquals(refused + 1, srv.count("GET /v1/auth/validtoken -> 401"))
                assertEquals(signIns + 1, srv.count("POST /v1/auth/token -> 200"))
                assertNotEquals(token, s.accessTokenBlocking())
            }
        }
    }

    @Test
    fun aOneShotBodyIsNotSentTwice() {
        withTwoSessions(false) { srv, s, other ->
            other.logoutBlocking()
            val oneShot = object : RequestBody() {
                override fun contentType() = "application/json".toMediaType()
                override fun isOneShot() = true
                override fun writeTo(sink: BufferedSink) {
                    sink.writeUtf8("{}")
                }
            }
            // auth/keys/code takes the bearer token and ignores the body: 401 for the revoked token.
            val url = srv.url + "/v1/auth/keys/code"
            val before = srv.count("POST /v1/auth/keys/code")
            http(srv, s).newCall(Request.Builder().url(url).post(oneShot).build()).execute().use { assertEquals(401, it.code) }
            assertEquals(before + 1, srv.count("POST /v1/auth/keys/code"), "a one-shot body is not sent again")
            // A body that can be sent again is: the 401, one renewal, then the retry's 200.
            http(srv, s).newCall(Request.Builder().url(url).post("{}".toRequestBody()).build()).execute().use { assertEquals(200, it.code) }
            assertEquals(before + 3, srv.count("POST /v1/auth/keys/code"))
        }
    }

    @Test
    fun aSessionThatCannotGiveATokenFailsTheCall() {
        withTwoSessions(false) { srv, s, _ ->
            s.logoutBlocking()
            val request = Request.Builder().url(srv.url + "/v1/auth/validtoken").build()
            val e = assertThrows(SxtException::class.java) { http(srv, s).newCall(request).execute().close() }
            assertEquals(SxtStatus.LOGGED_OUT, e.status)
        }
    }
}
