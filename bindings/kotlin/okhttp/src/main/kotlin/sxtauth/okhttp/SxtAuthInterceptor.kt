package sxtauth.okhttp

import okhttp3.Interceptor
import okhttp3.Response
import sxtauth.SxtSession

/**
 * An OkHttp [Interceptor] that sends every request with [session]'s `Authorization: Bearer <access token>`
 * header, the token renewed as [SxtSession.accessToken] renews it. When the API answers 401, it reports the
 * token ([SxtSession.tokenRejected]: one renewal however many requests were refused with it) and retries the
 * request once with the new token, if the request can be sent again (no body, or one that is not one-shot);
 * otherwise the 401 is returned as it came.
 *
 * Add it with `OkHttpClient.Builder().addInterceptor(SxtAuthInterceptor(session))`. It comes in the artifact
 * `dev.sxt-auth:sxt-auth-okhttp`, which brings OkHttp 4; `dev.sxt-auth:sxt-auth` itself needs no HTTP client.
 * The interceptor runs on OkHttp's threads and blocks them for a renewal, as interceptors do. A failure to
 * get a token is thrown as the [sxtauth.SxtException], which OkHttp reports as the call's failure. Safe for
 * concurrent use, as the session is.
 */
public class SxtAuthInterceptor(private val session: SxtSession) : Interceptor {
    override fun intercept(chain: Interceptor.Chain): Response {
        val request = chain.request()
        val token = session.accessTokenBlocking()
        val first = chain.proceed(request.newBuilder().header("Authorization", "Bearer $token").build())
        val replayable = request.body?.isOneShot() != true
        if (first.code != 401 || !replayable) return first
        session.tokenRejectedBlocking(token)
        val fresh = session.accessTokenBlocking()
        if (fresh == token) return first
        first.close()
        return chain.proceed(request.newBuilder().header("Authorization", "Bearer $fresh").build())
    }
}
