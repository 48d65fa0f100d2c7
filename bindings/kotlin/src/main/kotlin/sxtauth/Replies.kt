package sxtauth

import org.json.JSONArray
import org.json.JSONException
import org.json.JSONObject
import java.time.Instant

/**
 * When a session's current tokens expire, as the server said ([SxtSession.expiries]).
 *
 * @property accessToken when the access token expires.
 * @property refreshToken when the refresh token expires.
 */
public data class SxtExpiries(val accessToken: Instant, val refreshToken: Instant)

/**
 * What the server says about a session's access token (`GET /v1/auth/validtoken`). The fields are the ones
 * the protocol documents; one the server did not send is null (or false). [raw] is the whole reply, for the
 * fields a deployment adds. A plain immutable value.
 *
 * @property userId the user the token belongs to (always this session's user: the library checks it).
 * @property subscriptionId the subscription the user belongs to.
 * @property sessionId the sign-in the token descends from: the same across refreshes, new after a re-sign-in.
 * @property restricted the server's `restricted` flag.
 * @property quotaExceeded the server's `quotaExceeded` flag.
 * @property trial the server's `trial` flag.
 * @property raw the server's JSON object, unchanged.
 */
public data class SxtTokenInfo(
    val userId: String,
    val subscriptionId: String?,
    val sessionId: String?,
    val restricted: Boolean,
    val quotaExceeded: Boolean,
    val trial: Boolean,
    val raw: String,
) {
    internal companion object {
        fun parse(text: String): SxtTokenInfo {
            val o = try {
                JSONObject(text)
            } catch (e: JSONException) {
                throw SxtException.malformed("the validtoken reply", e.message)
            }
            val userId = o.opt("userId") as? String ?: throw SxtException.malformed("the validtoken reply", "no userId")
            return SxtTokenInfo(
                userId = userId,
                subscriptionId = o.opt("subscriptionId") as? String,
                sessionId = o.opt("sessionId") as? String,
                restricted = o.opt("restricted") == true,
                quotaExceeded = o.opt("quotaExceeded") == true,
                trial = o.opt("trial") == true,
                raw = text,
            )
        }
    }
}

/**
 * One entry of the user's keyring (`GET /v1/auth/keys`). The protocol only says the reply is an array of
 * objects describing keys: [key] and [scheme] are filled when the server uses those names (the local server
 * does), and [raw] always holds the entry's JSON object unchanged. A plain immutable value.
 *
 * @property key the public key, standard base64 (what [SxtKeys.publicKey] returns).
 * @property scheme the signature scheme, `ed25519`.
 * @property raw the entry's JSON object, unchanged.
 */
public data class SxtKeyInfo(val key: String?, val scheme: String?, val raw: String) {
    internal companion object {
        fun parseList(text: String): List<SxtKeyInfo> {
            val array = try {
                JSONArray(text)
            } catch (e: JSONException) {
                throw SxtException.malformed("the keys reply", e.message)
            }
            return (0 until array.length()).map { i ->
                val o = array.opt(i) as? JSONObject ?: throw SxtException.malformed("an entry of the keys reply", "not an object")
                SxtKeyInfo(o.opt("key") as? String, o.opt("scheme") as? String, o.toString())
            }
        }
    }
}
