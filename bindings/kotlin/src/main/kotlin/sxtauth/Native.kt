package sxtauth

import com.sun.jna.Library
import com.sun.jna.NativeLong
import com.sun.jna.Pointer
import com.sun.jna.ptr.ByteByReference
import com.sun.jna.ptr.LongByReference
import com.sun.jna.ptr.PointerByReference

/**
 * The C ABI of `libsxt_auth` (include/sxt_auth.h) as JNA sees it: one method per C function, same name, same
 * parameter order. Mapping rules, which every method follows:
 * - `sxt_status` is `Int`; `uint32_t` is `Int` (bit pattern); `uint16_t` is `Short`; `bool` is `Byte`
 *   (0 or 1); `size_t` is [NativeLong] (`long` and `size_t` have one size on every platform JNA runs
 *   this library on: Linux, Android, macOS).
 * - Handles (`sxt_client *`, ...) and C strings are [Pointer]s: strings go in through [NativeArgs] (which
 *   wipes its copies) and come out through [takeString], never through JNA's own String conversion, which
 *   leaves unwiped copies behind.
 * - `T **out` is a [PointerByReference]; `sxt_error **error_out` is always passed, so that every failure
 *   carries its message.
 * - Network calls are mapped in their `*_call` form only; the binding passes NULL for "no sxt_call".
 * Nothing else in the binding calls JNA.
 */
@Suppress("FunctionName", "ktlint:standard:function-naming")
internal interface SxtNative : Library {
    fun sxt_keygen(privateKeyOut: PointerByReference, publicKeyOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_key_public(privateKey: Pointer, publicKeyOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_key_sign(privateKey: Pointer, message: Pointer, signatureOut: PointerByReference, errorOut: PointerByReference): Int

    fun sxt_client_options_new(optionsOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_client_options_set_connect_timeout_ms(options: Pointer, ms: Int, errorOut: PointerByReference): Int
    fun sxt_client_options_set_read_timeout_ms(options: Pointer, ms: Int, errorOut: PointerByReference): Int
    fun sxt_client_options_set_timeout_ms(options: Pointer, ms: Int, errorOut: PointerByReference): Int
    fun sxt_client_options_set_refresh_margin_ms(options: Pointer, ms: Int, errorOut: PointerByReference): Int
    fun sxt_client_options_add_ca_pem(options: Pointer, caPem: Pointer, errorOut: PointerByReference): Int
    fun sxt_client_options_set_allow_http(options: Pointer, allow: Byte, errorOut: PointerByReference): Int
    fun sxt_client_options_set_keep_key(options: Pointer, keep: Byte, errorOut: PointerByReference): Int
    fun sxt_client_options_set_user_agent(options: Pointer, userAgent: Pointer, errorOut: PointerByReference): Int
    fun sxt_client_options_set_proxy_url(options: Pointer, proxyUrl: Pointer, errorOut: PointerByReference): Int
    fun sxt_client_options_free(options: Pointer?)

    fun sxt_client_new(baseUrl: Pointer, options: Pointer?, clientOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_client_base_url(client: Pointer, baseUrlOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_client_free(client: Pointer?)


    fun sxt_session_refresh_token(session: Pointer, refreshTokenOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_session_expiries(session: Pointer, accessOut: LongByReference, refreshOut: LongByReference, errorOut: PointerByReference): Int
    fun sxt_session_user_id(session: Pointer, userIdOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_session_free(session: Pointer?)

    fun sxt_user_exists_call(client: Pointer, call: Pointer?, userId: Pointer, existsOut: ByteByReference, errorOut: PointerByReference): Int
    fun sxt_login_call(
        client: Pointer,
        call: Pointer?,
        userId: Pointer,
        privateKey: Pointer,
        sessionOut: PointerByReference,
        errorOut: PointerByReference,
    ): Int
    fun sxt_register_call(
        client: Pointer,
        call: Pointer?,
        userId: Pointer,
        privateKey: Pointer,
        joinCode: Pointer?,
        sessionOut: PointerByReference,
        errorOut: PointerByReference,
    ): Int
    fun sxt_register_with_email_call(
        client: Pointer,
        call: Pointer?,
        userId: Pointer,
        privateKey: Pointer,
        email: Pointer,
        joinCode: Pointer?,
        sessionOut: PointerByReference,
        errorOut: PointerByReference,
    ): Int
    fun sxt_session_access_token_call(session: Pointer, call: Pointer?, accessTokenOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_refresh_call(session: Pointer, call: Pointer?, errorOut: PointerByReference): Int
    fun sxt_logout_call(session: Pointer, call: Pointer?, errorOut: PointerByReference): Int
    fun sxt_session_token_info_call(session: Pointer, call: Pointer?, jsonOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_session_keys_call(session: Pointer, call: Pointer?, jsonOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_session_add_key_call(session: Pointer, call: Pointer?, newPrivateKey: Pointer, errorOut: PointerByReference): Int

    fun sxt_session_authorization_call(session: Pointer, call: Pointer?, authorizationOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_session_token_rejected_call(session: Pointer, call: Pointer?, accessToken: Pointer, errorOut: PointerByReference): Int
    fun sxt_signer_new(
        publicKey: Pointer,
        scheme: Pointer?,
        sign: SignCallback,
        context: Pointer?,
        destroy: ReleaseCallback?,
        signerOut: PointerByReference,
        errorOut: PointerByReference,
    ): Int
    fun sxt_signer_free(signer: Pointer?)
    fun sxt_login_signer_call(client: Pointer, call: Pointer?, userId: Pointer, signer: Pointer, sessionOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_register_signer_call(
        client: Pointer,
        call: Pointer?,
        userId: Pointer,
        signer: Pointer,
        email: Pointer?,
        joinCode: Pointer?,
        sessionOut: PointerByReference,
        errorOut: PointerByReference,
    ): Int
    fun sxt_session_add_key_signer_call(session: Pointer, call: Pointer?, signer: Pointer, errorOut: PointerByReference): Int
    fun sxt_session_export(session: Pointer, blobOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_session_import(client: Pointer, blob: Pointer, secret: Pointer?, sessionOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_session_import_signer(client: Pointer, blob: Pointer, signer: Pointer, sessionOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_session_set_observer(session: Pointer, notify: ObserveCallback?, context: Pointer?, destroy: ReleaseCallback?, errorOut: PointerByReference): Int
    fun sxt_login_api_key_call(client: Pointer, call: Pointer?, apiKey: Pointer, sessionOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_session_join_subscription_call(session: Pointer, call: Pointer?, joinCode: Pointer, errorOut: PointerByReference): Int
    fun sxt_session_create_join_code_call(session: Pointer, call: Pointer?, role: Int, joinCodeOut: PointerByReference, errorOut: PointerByReference): Int

    fun sxt_call_new(callOut: PointerByReference, errorOut: PointerByReference): Int
    fun sxt_call_set_timeout_ms(call: Pointer, ms: Int, errorOut: PointerByReference): Int
    fun sxt_call_cancel(call: Pointer, errorOut: PointerByReference): Int
    fun sxt_call_free(call: Pointer?)

    fun sxt_error_code(error: Pointer?): Int
    fun sxt_error_message(error: Pointer?): Pointer?
    fun sxt_error_http_status(error: Pointer?): Short
    fun sxt_error_title(error: Pointer?): Pointer?
    fun sxt_error_detail(error: Pointer?): Pointer?
    fun sxt_error_argument(error: Pointer?): Pointer?
    fun sxt_error_free(error: Pointer?)

    fun sxt_status_name(status: Int): Pointer?
    fun sxt_status_description(status: Int): Pointer?
    fun sxt_version(): Pointer?
    fun sxt_string_free(string: Pointer?)
    fun sxt_live_objects(): NativeLong
}
