/*
 * whoami: signs a Space and Time (SxT) user in and asks the API who the token belongs to
 * (GET /v1/auth/validtoken), with an OkHttp client whose interceptor is sxt-auth-okhttp's
 * SxtAuthInterceptor: every request carries "Authorization: Bearer <access token>", renewed as the session
 * renews it, and a 401 with a token the server has revoked is retried once with a new one. The sign-in runs
 * in a coroutine under withTimeout (SXT_TIMEOUT_MS): when the time is up, the coroutine is cancelled and so
 * is the library's call in flight. The Kotlin counterpart of examples/go/whoami.
 *
 * Usage:
 *   examples/kotlin/run whoami <user_id>
 *
 * Settings come from the environment (export them, or `set -a; . ./.env; set +a`):
 *   API_URL            the SxT API, e.g. https://api.spaceandtime.dev/v1/ (with or without /v1/)
 *   USER_PRIVATE_KEY   the user's Ed25519 private key (base64 of the 32-byte seed, as printed by keygen)
 *   SXT_CA_CERT        optional: a PEM file of extra CAs to trust (for a private or local server)
 *   SXT_ALLOW_HTTP     set to 1 to allow a plain http:// API_URL (loopback testing only)
 *   SXT_TIMEOUT_MS     optional: the deadline for the sign-in in milliseconds (default 60000)
 *
 * Exit status: 0 on success, 1 on any failure (the reason goes to stderr), 2 on a usage error.
 */
package sxtauth.examples

import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import okhttp3.OkHttpClient
import okhttp3.Request
import org.json.JSONException
import org.json.JSONObject
import sxtauth.SxtAuth
import sxtauth.SxtClient
import sxtauth.SxtClientOptions
import sxtauth.SxtException
import sxtauth.SxtSession
import sxtauth.okhttp.SxtAuthInterceptor
import java.io.File
import java.io.IOException
import java.security.KeyStore
import java.security.cert.CertificateFactory
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509TrustManager
import kotlin.system.exitProcess

private fun failed(what: String, message: String?, status: String): Nothing {
    System.err.println("Error: $what failed: $message ($status)")
    exitProcess(1)
}

private fun failed(what: String, e: SxtException): Nothing = failed(what, e.message, SxtAuth.statusName(e.code))

/** OkHttp trusting the system's CAs, or those of [pem] when given (the CA of a private or local server). */
private fun httpClient(session: SxtSession, pem: String?): OkHttpClient {
    val builder = OkHttpClient.Builder().addInterceptor(SxtAuthInterceptor(session))
    if (pem != null) {
        val store = KeyStore.getInstance(KeyStore.getDefaultType()).apply { load(null) }
        CertificateFactory.getInstance("X.509").generateCertificates(pem.byteInputStream())
            .forEachIndexed { i, cert -> store.setCertificateEntry("ca$i", cert) }
        val trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm())
            .apply { init(store) }.trustManagers.single() as X509TrustManager
        builder.sslSocketFactory(SSLContext.getInstance("TLS").apply { init(null, arrayOf(trust), null) }.socketFactory, trust)
    }
    return builder.build()
}

fun main(args: Array<String>) {
    if (args.size != 1 || args[0].isEmpty()) {
        System.err.println("usage: whoami <user_id>   (settings: API_URL, USER_PRIVATE_KEY, SXT_CA_CERT, SXT_ALLOW_HTTP)")
        exitProcess(2)
    }
    val userId = args[0]
    val apiUrl = System.getenv("API_URL").orEmpty()
    val privateKey = System.getenv("USER_PRIVATE_KEY").orEmpty()
    if (apiUrl.isEmpty() || privateKey.isEmpty()) {
        System.err.println("Error: set API_URL and USER_PRIVATE_KEY in the environment")
        exitProcess(1)
    }
    val timeoutMs = System.getenv("SXT_TIMEOUT_MS")?.takeIf { it.isNotEmpty() }?.let {
        it.toLongOrNull()?.takeIf { ms -> ms > 0 } ?: run {
            System.err.println("Error: SXT_TIMEOUT_MS must be a positive number of milliseconds")
            exitProcess(1)
        }
    } ?: 60_000L
    val caFile = System.getenv("SXT_CA_CERT")?.takeIf { it.isNotEmpty() }
    val caPem = caFile?.let {
        try {
            File(it).readText()
        } catch (e: IOException) {
            System.err.println("Error: cannot read SXT_CA_CERT file $it")
            exitProcess(1)
        }
    }
    val client = try {
        SxtClient(apiUrl, SxtClientOptions(caPem = listOfNotNull(caPem), allowHttp = System.getenv("SXT_ALLOW_HTTP") == "1"))
    } catch (e: SxtException) {
        failed("setting up the client", e)
    }

    client.use { c ->
        val session = try {
            runBlocking { withTimeout(timeoutMs) { c.login(userId, privateKey) } }
        } catch (e: TimeoutCancellationException) {
            failed("signing in", "no answer within SXT_TIMEOUT_MS", "cancelled")
        } catch (e: SxtException) {
            failed("signing in", e)
        }
        session.use { s ->
            // Requests through this client carry the session's access token.
            val http = httpClient(s, caPem)
            val request = Request.Builder().url(c.baseUrl + "/v1/auth/validtoken").build()
            val (code, body) = try {
                http.newCall(request).execute().use { it.code to it.body?.string().orEmpty() }
            } catch (e: SxtException) {
                failed("getting the access token", e)
            } catch (e: IOException) {
                failed("asking the API", e.message, "I/O error")
            } finally {
                http.dispatcher.executorService.shutdown()
                http.connectionPool.evictAll()
            }
            if (code != 200) {
                System.err.println("Error: the API answered HTTP $code")
                exitProcess(1)
            }
            val info = try {
                JSONObject(body)
            } catch (e: JSONException) {
                null
            }
            val user = info?.optString("userId").orEmpty()
            if (user.isEmpty()) {
                System.err.println("Error: the API's answer has no userId")
                exitProcess(1)
            }
            println("Signed in as: $user")
            println("Subscription: ${info?.optString("subscriptionId").orEmpty()}")
        }
    }
    exitProcess(if (System.out.checkError()) 1 else 0)
}
