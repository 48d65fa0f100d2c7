/*
 * sxt_auth.hpp: a header-only C++17 interface to sxt_auth.h, for signing in to the Space and Time (SxT)
 * network from C++.
 *
 * Quick start:
 *   sxt::client client("https://api.spaceandtime.dev");
 *   sxt::session session = client.login("alice", private_key_base64);
 *   use(session.access_token());                 // refreshed ahead of expiry, as often as it is asked for
 *   // on failure: catch (const sxt::error& e) { e.status(), e.http_status(), e.title(), e.detail(), e.what() }
 *
 * Conventions (they hold for everything below):
 *  - Everything lives in namespace `sxt`; names follow the C functions they wrap (`sxt_session_keys` is
 *    `sxt::session::keys_json`). Link with the C library exactly as for C (`-lsxt_auth`, or `libsxt_auth.a`
 *    with `-lpthread -ldl -lm`).
 *  - Errors: every call that can fail throws `sxt::error` (a `std::runtime_error`) carrying the library's
 *    status, message, HTTP status and the server's title/detail; nothing is reported through return values.
 *    Memory exhaustion while copying results throws `std::bad_alloc`, as anywhere in C++.
 *  - Strings are passed as `const std::string &` and must be UTF-8. A string holding a NUL byte is refused
 *    with `sxt::status::invalid_argument` before the library sees it (C strings end at the first NUL, so the
 *    library would otherwise act on a shortened value).
 *  - Ownership: `sxt::client` and `sxt::session` are move-only owners of one library handle each; their
 *    destructors release it. Strings the library hands out are copied into `std::string` and released (and
 *    wiped by the library) at once. A moved-from or default-constructed object is empty: every call on it
 *    throws `sxt::error` with status `sxt::status::invalid_handle` (the library's answer for a NULL handle).
 *  - Threads: clients and sessions may be used from any number of threads at once, through one shared
 *    object (const or not), because the library serialises what needs it (one refresh at a time, however
 *    many threads ask). As with any C++ object, moving, assigning or destroying the wrapper itself must not
 *    race with other uses of that same wrapper object.
 *  - Nothing here throws from a destructor.
 *  - Secrets: keys and tokens returned as `std::string` are ordinary C++ strings: the library wipes its own
 *    copy, but the `std::string` is not wiped when destroyed. Keep them no longer than needed.
 */
#ifndef SXT_AUTH_HPP
#define SXT_AUTH_HPP

#if __cplusplus < 201703L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 201703L)
#error "sxt_auth.hpp needs C++17 or later"
#endif

#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sxt_auth.h"

/// The C++ interface of the sxt-auth library (see the top of this file for its conventions).
namespace sxt {

// ---- status -------------------------------------------------------------------------------------------

/// The library's stable status codes, the same numbers as the C `SXT_STATUS_*` constants (checked below at
/// compile time). Ranges: 0 success; 1-99 the caller's input; 100-199 transport; 200-299 the server refused;
/// 300-399 session state; 900-999 bugs inside the library. New codes may be added; an `sxt::error` may carry
/// a number that has no name here yet (it still converts with `static_cast<std::int32_t>`).
enum class status : std::int32_t {
    /// Success (never carried by an `sxt::error`).
    ok = 0,
    /// A required pointer argument was NULL (cannot come from this wrapper's own arguments).
    null_argument = 1,
    /// A string argument was not valid UTF-8.
    invalid_utf8 = 2,
    /// An argument was empty, too long, held a NUL byte or was otherwise out of range.
    invalid_argument = 3,
    /// A private or public key is not in any accepted encoding, or a 64-byte key's halves do not match.
    invalid_key = 4,
    /// The base URL cannot be parsed or normalised.
    invalid_url = 5,
    /// The base URL is plain `http://` and `client_options::allow_http` was not set.
    insecure_url = 6,
    /// The object is empty (moved-from or default-constructed), or the handle is otherwise not live.
    invalid_handle = 7,
    /// A PEM CA bundle in `client_options::ca_pems` could not be parsed or held no certificate.
    invalid_certificate = 8,
    /// An external signer failed, took longer than a challenge lives, or returned an invalid signature.
    signer_failed = 9,
    /// Could not connect or the connection broke (DNS, refused, reset).
    network = 100,
    /// A connect, read or whole-call deadline passed.
    timeout = 101,
    /// The TLS handshake failed (untrusted certificate, wrong host name, protocol error).
    tls = 102,
    /// The reply was larger than the library accepts for an auth call.
    response_too_large = 103,
    /// The server answered with a redirect, which the library never follows.
    redirect = 104,
    /// The reply is not what the protocol says (bad JSON, missing field, wrong type).
    malformed_response = 105,
    /// The call was cancelled through its `sxt::call` (`call::cancel`).
    cancelled = 106,
    /// HTTP 400: malformed request, bad or expired challenge, bad signature, bad join code.
    bad_request = 200,
    /// HTTP 401 or 403: missing, invalid or expired token.
    unauthorized = 201,
    /// HTTP 404, or `client::login` for a user id that does not exist.
    not_found = 202,
    /// HTTP 409: the user already exists.
    conflict = 203,
    /// HTTP 429: rate limited.
    rate_limited = 204,
    /// Any other HTTP 4xx.
    client_error = 205,
    /// HTTP 5xx.
    server_error = 206,
    /// The session was logged out; it can only be destroyed (and `session::user_id` still answers).
    logged_out = 300,
    /// The session's tokens ran out and it holds no key to sign in again (`client_options::keep_key` off).
    session_expired = 301,
    /// The library hit an internal bug (a panic was caught at its C boundary).
    panic = 900,
    /// An internal invariant of the library failed.
    internal = 901,
};

static_assert(static_cast<std::int32_t>(status::ok) == static_cast<std::int32_t>(SXT_STATUS_OK), "SXT_STATUS_OK");
static_assert(static_cast<std::int32_t>(status::null_argument) == static_cast<std::int32_t>(SXT_STATUS_NULL_ARGUMENT),
              "SXT_STATUS_NULL_ARGUMENT");
static_assert(static_cast<std::int32_t>(status::invalid_utf8) == static_cast<std::int32_t>(SXT_STATUS_INVALID_UTF8),
              "SXT_STATUS_INVALID_UTF8");
static_assert(static_cast<std::int32_t>(status::invalid_argument) ==
                  static_cast<std::int32_t>(SXT_STATUS_INVALID_ARGUMENT),
              "SXT_STATUS_INVALID_ARGUMENT");
static_assert(static_cast<std::int32_t>(status::invalid_key) == static_cast<std::int32_t>(SXT_STATUS_INVALID_KEY),
              "SXT_STATUS_INVALID_KEY");
static_assert(static_cast<std::int32_t>(status::invalid_url) == static_cast<std::int32_t>(SXT_STATUS_INVALID_URL),
              "SXT_STATUS_INVALID_URL");
static_assert(static_cast<std::int32_t>(status::insecure_url) == static_cast<std::int32_t>(SXT_STATUS_INSECURE_URL),
              "SXT_STATUS_INSECURE_URL");
static_assert(static_cast<std::int32_t>(status::invalid_handle) ==
                  static_cast<std::int32_t>(SXT_STATUS_INVALID_HANDLE),
              "SXT_STATUS_INVALID_HANDLE");
static_assert(static_cast<std::int32_t>(status::invalid_certificate) ==
                  static_cast<std::int32_t>(SXT_STATUS_INVALID_CERTIFICATE),
              "SXT_STATUS_INVALID_CERTIFICATE");
static_assert(static_cast<std::int32_t>(status::signer_failed) == static_cast<std::int32_t>(SXT_STATUS_SIGNER_FAILED),
              "SXT_STATUS_SIGNER_FAILED");
static_assert(static_cast<std::int32_t>(status::network) == static_cast<std::int32_t>(SXT_STATUS_NETWORK),
              "SXT_STATUS_NETWORK");
static_assert(static_cast<std::int32_t>(status::timeout) == static_cast<std::int32_t>(SXT_STATUS_TIMEOUT),
              "SXT_STATUS_TIMEOUT");
static_assert(static_cast<std::int32_t>(status::tls) == static_cast<std::int32_t>(SXT_STATUS_TLS), "SXT_STATUS_TLS");
static_assert(static_cast<std::int32_t>(status::response_too_large) ==
                  static_cast<std::int32_t>(SXT_STATUS_RESPONSE_TOO_LARGE),
              "SXT_STATUS_RESPONSE_TOO_LARGE");
static_assert(static_cast<std::int32_t>(status::redirect) == static_cast<std::int32_t>(SXT_STATUS_REDIRECT),
              "SXT_STATUS_REDIRECT");
static_assert(static_cast<std::int32_t>(status::malformed_response) ==
                  static_cast<std::int32_t>(SXT_STATUS_MALFORMED_RESPONSE),
              "SXT_STATUS_MALFORMED_RESPONSE");
static_assert(static_cast<std::int32_t>(status::cancelled) ==
                  static_cast<std::int32_t>(SXT_STATUS_CANCELLED),
              "SXT_STATUS_CANCELLED");
static_assert(static_cast<std::int32_t>(status::bad_request) == static_cast<std::int32_t>(SXT_STATUS_BAD_REQUEST),
              "SXT_STATUS_BAD_REQUEST");
static_assert(static_cast<std::int32_t>(status::unauthorized) == static_cast<std::int32_t>(SXT_STATUS_UNAUTHORIZED),
              "SXT_STATUS_UNAUTHORIZED");
static_assert(static_cast<std::int32_t>(status::not_found) == static_cast<std::int32_t>(SXT_STATUS_NOT_FOUND),
              "SXT_STATUS_NOT_FOUND");
static_assert(static_cast<std::int32_t>(status::conflict) == static_cast<std::int32_t>(SXT_STATUS_CONFLICT),
              "SXT_STATUS_CONFLICT");
static_assert(static_cast<std::int32_t>(status::rate_limited) == static_cast<std::int32_t>(SXT_STATUS_RATE_LIMITED),
              "SXT_STATUS_RATE_LIMITED");
static_assert(static_cast<std::int32_t>(status::client_error) == static_cast<std::int32_t>(SXT_STATUS_CLIENT_ERROR),
              "SXT_STATUS_CLIENT_ERROR");
static_assert(static_cast<std::int32_t>(status::server_error) == static_cast<std::int32_t>(SXT_STATUS_SERVER_ERROR),
              "SXT_STATUS_SERVER_ERROR");
static_assert(static_cast<std::int32_t>(status::logged_out) == static_cast<std::int32_t>(SXT_STATUS_LOGGED_OUT),
              "SXT_STATUS_LOGGED_OUT");
static_assert(static_cast<std::int32_t>(status::session_expired) ==
                  static_cast<std::int32_t>(SXT_STATUS_SESSION_EXPIRED),
              "SXT_STATUS_SESSION_EXPIRED");
static_assert(static_cast<std::int32_t>(status::panic) == static_cast<std::int32_t>(SXT_STATUS_PANIC),
              "SXT_STATUS_PANIC");
static_assert(static_cast<std::int32_t>(status::internal) == static_cast<std::int32_t>(SXT_STATUS_INTERNAL),
              "SXT_STATUS_INTERNAL");

/// The stable name of a status, e.g. `"SXT_STATUS_INVALID_KEY"` (`"SXT_STATUS_UNKNOWN"` for a number that
/// is not a status). Static storage; never throws; any thread.
[[nodiscard]] inline const char *status_name(status s) noexcept { return sxt_status_name(static_cast<std::int32_t>(s)); }

/// A one-line description of a status, e.g. `"the key is not in an accepted encoding"`. Static storage;
/// never throws; any thread.
[[nodiscard]] inline const char *status_description(status s) noexcept {
    return sxt_status_description(static_cast<std::int32_t>(s));
}

// ---- error --------------------------------------------------------------------------------------------

/// What every failing call throws: the library's status and message (`what()`), the HTTP status the server
/// answered with (0 when the failure was not an HTTP error reply), the server's RFC 7807 `title` and
/// `detail` when it sent them, and for input errors the name of the argument that was wrong. Messages are
/// for people and may change; `status()` and `argument()` are stable. Never contains a key or a token.
/// Copying never throws (the fields are shared), so it can be caught by value or rethrown freely; safe to
/// read from any number of threads.
class error : public std::runtime_error {
public:
    /// Builds an error. Used by this header; public so that code wrapping these calls can make its own.
    error(sxt::status code, const std::string &message, std::uint16_t http_status = 0,
          std::optional<std::string> title = std::nullopt, std::optional<std::string> detail = std::nullopt,
          std::optional<std::string> argument = std::nullopt)
        : std::runtime_error(message),
          status_(code),
          http_status_(http_status),
          fields_(std::make_shared<const fields>(fields{std::move(title), std::move(detail), std::move(argument)})) {}

    /// The status code (never `sxt::status::ok`).
    sxt::status status() const noexcept { return status_; }

    /// The HTTP status of the server's reply, or 0 when the failure was not an HTTP error reply (input
    /// errors, transport failures, session state, and `client::login` for an unknown user).
    std::uint16_t http_status() const noexcept { return http_status_; }

    /// The server's RFC 7807 `title`, when it sent one.
    const std::optional<std::string> &title() const noexcept { return fields_->title; }

    /// The server's RFC 7807 `detail`, when it sent one.
    const std::optional<std::string> &detail() const noexcept { return fields_->detail; }

    /// For input errors, the name of the argument that was wrong: the parameter names of this header
    /// (`"user_id"`, `"private_key"`, `"message"`, `"email"`, `"join_code"`, `"new_private_key"`,
    /// `"base_url"`), the `client_options` field for option errors (`"connect_timeout"`, `"read_timeout"`,
    /// `"timeout"`, `"refresh_margin"`, `"ca_pems"`, `"user_agent"`), and `"client"` or `"session"` for an
    /// empty object. Otherwise none.
    const std::optional<std::string> &argument() const noexcept { return fields_->argument; }

private:
    struct fields {
        std::optional<std::string> title;
        std::optional<std::string> detail;
        std::optional<std::string> argument;
    };
    sxt::status status_;
    std::uint16_t http_status_;
    std::shared_ptr<const fields> fields_;
};

// ---- implementation helpers (not part of the interface) --------------------------------------------------

/// Implementation details of this header; not part of the interface and subject to change.
namespace detail {

/// Owns the `sxt_error` a call may write and frees it on every path.
class error_slot {
public:
    error_slot() noexcept = default;
    error_slot(const error_slot &) = delete;
    error_slot &operator=(const error_slot &) = delete;
    ~error_slot() { sxt_error_free(error_); }
    /// The address to pass as `error_out`.
    sxt_error **out() noexcept { return &error_; }
    /// The error written by the call, if any.
    const sxt_error *get() const noexcept { return error_; }

private:
    sxt_error *error_ = nullptr;
};

/// Owns a string the library hands out and releases it (`sxt_string_free`, which wipes it) on every path,
/// including when copying it into a `std::string` throws.
class library_string {
public:
    library_string() noexcept = default;
    library_string(const library_string &) = delete;
    library_string &operator=(const library_string &) = delete;
    ~library_string() { sxt_string_free(text_); }
    /// The address to pass as the call's `*_out` string parameter.
    char **out() noexcept { return &text_; }
    /// A copy of the string (empty if the library wrote none, which its contract rules out on success).
    std::string str() const { return text_ != nullptr ? std::string(text_) : std::string(); }

private:
    char *text_ = nullptr;
};

/// A borrowed C string of an error as an optional copy.
inline std::optional<std::string> optional_string(const char *text) {
    return text != nullptr ? std::optional<std::string>(std::string(text)) : std::nullopt;
}

/// Throws the `sxt::error` for a failed call: read from the library's error object when it wrote one, else
/// from the status alone. `argument` (when not NULL) replaces the argument name the library gave, if any.
[[noreturn]] inline void throw_error(sxt_status code, const sxt_error *err, const char *argument) {
    const auto st = static_cast<sxt::status>(static_cast<std::int32_t>(code));
    if (err == nullptr) {
        throw sxt::error(st, sxt_status_description(static_cast<std::int32_t>(code)), 0, std::nullopt, std::nullopt,
                         optional_string(argument));
    }
    const char *named = sxt_error_argument(err);
    throw sxt::error(st, sxt_error_message(err), sxt_error_http_status(err), optional_string(sxt_error_title(err)),
                     optional_string(sxt_error_detail(err)),
                     optional_string(named != nullptr && argument != nullptr ? argument : named));
}

/// Runs `call(sxt_error **)`, which returns the C status, and throws `sxt::error` unless it is OK. The error
/// object is always freed. `argument` (optional) renames the argument an input error names.
template <class Call>
inline void check(Call &&call, const char *argument = nullptr) {
    error_slot slot;
    const sxt_status code = std::forward<Call>(call)(slot.out());
    if (code != SXT_STATUS_OK) {
        throw_error(code, slot.get(), argument);
    }
}

/// `text.c_str()`, after refusing a string with a NUL byte (`sxt::status::invalid_argument`, naming
/// `argument`). The value never appears in the message: it may be a key.
inline const char *c_string(const std::string &text, const char *argument) {
    if (text.find('\0') != std::string::npos) {
        throw sxt::error(sxt::status::invalid_argument, std::string(argument) + " contains a NUL byte", 0, std::nullopt,
                         std::nullopt, std::string(argument));
    }
    return text.c_str();
}

/// As `c_string`, with no value becoming NULL.
inline const char *c_string_or_null(const std::optional<std::string> &text, const char *argument) {
    return text.has_value() ? c_string(*text, argument) : nullptr;
}

/// Unix epoch milliseconds as a `system_clock` time point, clamped to what the clock can represent.
inline std::chrono::system_clock::time_point from_epoch_ms(std::int64_t ms) noexcept {
    using clock = std::chrono::system_clock;
    constexpr std::int64_t max_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock::duration::max()).count();
    constexpr std::int64_t min_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock::duration::min()).count();
    if (ms >= max_ms) {
        return clock::time_point::max();
    }
    if (ms <= min_ms) {
        return clock::time_point::min();
    }
    return clock::time_point(std::chrono::duration_cast<clock::duration>(std::chrono::milliseconds(ms)));
}

/// Releases an options handle.
struct free_options {
    void operator()(sxt_client_options *options) const noexcept { sxt_client_options_free(options); }
};
/// Releases a client handle.
struct free_client {
    void operator()(sxt_client *client) const noexcept { sxt_client_free(client); }
};
/// Releases a session handle.
struct free_session {
    void operator()(sxt_session *session) const noexcept { sxt_session_free(session); }
};
struct free_call {
    void operator()(sxt_call *call) const noexcept { sxt_call_free(call); }
};
/// Releases a signer handle.
struct free_signer {
    void operator()(sxt_signer *signer) const noexcept { sxt_signer_free(signer); }
};

}  // namespace detail

// ---- signer -------------------------------------------------------------------------------------------

/// A key the app holds (Keychain, Keystore, HSM, wallet) and signs with: the library never sees it. Give it
/// the public key as SxT wants it in the `key` field, and a function that signs a challenge:
///
///     sxt::signer s(public_key, [&](std::string_view auth_code) { return my_hsm.sign_hex(auth_code); });
///     sxt::session session = client.login("alice", s);
///
/// The function gets the exact `authCode` and returns the signature as the scheme writes it (for `ed25519`,
/// 128 lowercase hex characters); to fail, it throws (the exception's `what()` becomes the message of the
/// `signer_failed` error; it never reaches the library). It may be called from any thread, once per sign-in
/// (a session's sign-in again included), from several threads at once, with no lock of the library held, and
/// it must not call into the session it signs for. The library checks an `ed25519` answer against the public
/// key before sending it; a signer slower than a challenge's 30 seconds fails with `signer_failed`.
///
/// Ownership: move-only; owns one library signer handle. Sessions signed in with it share the function (it
/// is destroyed when the last of them and this object are gone), so it may outlive this object.
class signer {
public:
    /// The signing function: the `authCode`, to the signature text.
    using sign_function = std::function<std::string(std::string_view auth_code)>;

    /// A signer for `public_key` in `scheme` (none: `ed25519`). Throws `sxt::error`: `invalid_key` naming
    /// `"public_key"` (an `ed25519` key that does not parse), `invalid_argument` naming `"scheme"` or
    /// `"public_key"`, `invalid_utf8`.
    signer(const std::string &public_key, sign_function sign, const std::optional<std::string> &scheme = std::nullopt) {
        const char *key = detail::c_string(public_key, "public_key");
        const char *sch = detail::c_string_or_null(scheme, "scheme");
        auto *state = new sign_function(std::move(sign));
        sxt_signer *raw = nullptr;
        // The library owns `state` from here, and calls destroy() exactly once (at once if this fails).
        detail::check([&](sxt_error **err) { return sxt_signer_new(key, sch, &trampoline, state, &destroy, &raw, err); });
        handle_.reset(raw);
    }

    /// Takes over `other`'s handle; `other` becomes empty.
    signer(signer &&other) noexcept = default;
    /// Releases this object's handle and takes over `other`'s.
    signer &operator=(signer &&other) noexcept = default;
    signer(const signer &) = delete;
    signer &operator=(const signer &) = delete;
    ~signer() = default;

    /// The underlying C handle, still owned by this object (NULL when empty). Do not free it.
    const sxt_signer *native_handle() const noexcept { return handle_.get(); }

private:
    static std::int32_t trampoline(void *context, const std::uint8_t *message, std::size_t message_len, char *out,
                                   std::size_t capacity, std::size_t *out_len) noexcept {
        std::string text;
        std::int32_t status = SXT_STATUS_OK;
        try {
            text = (*static_cast<sign_function *>(context))(
                std::string_view(reinterpret_cast<const char *>(message), message_len));
        } catch (const std::exception &e) {
            text = e.what();
            status = SXT_STATUS_SIGNER_FAILED;
        } catch (...) {
            text = "the signing function threw an exception that is not a std::exception";
            status = SXT_STATUS_SIGNER_FAILED;
        }
        const std::size_t n = text.size() < capacity ? text.size() : capacity;
        std::memcpy(out, text.data(), n);
        *out_len = n;
        if (status == SXT_STATUS_OK && text.size() > capacity) {
            status = SXT_STATUS_SIGNER_FAILED;
        }
        return status;
    }
    static void destroy(void *context) noexcept { delete static_cast<sign_function *>(context); }

    std::unique_ptr<sxt_signer, detail::free_signer> handle_;
};

/// What changed in a session (`session::set_observer`); the values are the header's `SXT_EVENT_*`.
enum class event : std::int32_t {
    /// New tokens (a refresh, a sign-in again, a subscription join): export the session again now.
    rotated = SXT_EVENT_ROTATED,
    /// The session logged out: a stored copy is worth nothing now.
    logged_out = SXT_EVENT_LOGGED_OUT,
};

// ---- keys ---------------------------------------------------------------------------------------------

/// A new Ed25519 key pair, both halves in standard base64 (44 characters each).
struct key_pair {
    /// Base64 of the 32-byte seed: the form SxT tools print and `client::login` accepts. Secret.
    std::string private_key;
    /// Base64 of the 32-byte public key: what the network records for the user.
    std::string public_key;
};

/// Generates a new key pair from the operating system's random number generator. Any thread.
/// Throws `sxt::error` (not expected in practice).
[[nodiscard]] inline key_pair keygen() {
    detail::library_string private_key;
    detail::library_string public_key;
    detail::check([&](sxt_error **err) { return sxt_keygen(private_key.out(), public_key.out(), err); });
    return key_pair{private_key.str(), public_key.str()};
}

/// The public key (standard base64) of `private_key`, given in any accepted encoding: base64 of the 32-byte
/// seed, 64 hex characters, or base64 of the 64 bytes `seed || public key`. Also a way to validate a key.
/// Any thread. Throws `sxt::error`: `invalid_key`, `invalid_utf8`, `invalid_argument` (NUL byte), each
/// naming `"private_key"`.
[[nodiscard]] inline std::string public_key(const std::string &private_key) {
    const char *key = detail::c_string(private_key, "private_key");
    detail::library_string out;
    detail::check([&](sxt_error **err) { return sxt_key_public(key, out.out(), err); });
    return out.str();
}

/// Signs the exact bytes of `message` (UTF-8, for example an `authCode`) with `private_key` (any accepted
/// encoding) and returns the 64-byte Ed25519 signature as lowercase hex (128 characters). For custom flows:
/// `client::login` and friends sign for you. Any thread. Throws `sxt::error`: `invalid_key`,
/// `invalid_utf8`, `invalid_argument` (NUL byte), naming `"private_key"` or `"message"`.
[[nodiscard]] inline std::string sign(const std::string &private_key, const std::string &message) {
    const char *key = detail::c_string(private_key, "private_key");
    const char *text = detail::c_string(message, "message");
    detail::library_string out;
    detail::check([&](sxt_error **err) { return sxt_key_sign(key, text, out.out(), err); });
    return out.str();
}

// ---- session ------------------------------------------------------------------------------------------

/// A role in a subscription (`session::create_join_code`), lowest first; the values are the header's
/// `SXT_ROLE_*`.
enum class role : std::int32_t {
    member = SXT_ROLE_MEMBER,
    admin = SXT_ROLE_ADMIN,
    owner = SXT_ROLE_OWNER,
};

/// When the current tokens of a session expire, as the server stated.
struct token_expiries {
    /// Expiry of the current access token.
    std::chrono::system_clock::time_point access;
    /// Expiry of the current refresh token.
    std::chrono::system_clock::time_point refresh;
};

/// Options for network calls: a deadline and a cancellation that any thread can trigger. Pass one as the
/// last argument of a network call (`session.access_token(c)`, `client.login(user, key, c)`); without one a
/// call has neither.
///
/// `cancel()` stops every call running with this object at once, and makes later ones fail at once: each
/// throws `sxt::error` with status `cancelled`. A blocked read, write, TLS handshake or host name lookup is
/// woken, and so is a TCP connect under way on Linux and Android (elsewhere a connect ends within the
/// connect timeout). A deadline
/// (`call(std::chrono::milliseconds)` or `set_timeout`) counts from when it is set; a call past it throws
/// `timeout` ("the call's deadline passed"). A session's renewal cut short keeps its tokens as they were.
///
/// Ownership: move-only; owns one library `sxt_call` handle, released by the destructor (calls still
/// running with it keep its options). `call::none()` is an empty object: no options.
///
/// Threads: `cancel()` may be called from any thread while other threads are inside calls made with this
/// object (that is its purpose); setting the deadline, moving or destroying must not race with other use.
class call {
public:
    /// Options with no deadline, not cancelled. Throws `sxt::error` if the library cannot make one.
    call() {
        sxt_call *raw = nullptr;
        detail::check([&](sxt_error **err) { return sxt_call_new(&raw, err); });
        handle_.reset(raw);
    }
    /// Options whose calls must end within `timeout` of now (1 ms to 24 h; else throws `invalid_argument`).
    explicit call(std::chrono::milliseconds timeout) : call() { set_timeout(timeout); }
    /// Takes over `other`'s handle; `other` becomes empty (no options).
    call(call &&other) noexcept = default;
    /// Releases this object's handle and takes over `other`'s.
    call &operator=(call &&other) noexcept = default;
    /// Not copyable: share by reference.
    call(const call &) = delete;
    /// Not copyable.
    call &operator=(const call &) = delete;
    /// Releases the handle. Never throws.
    ~call() = default;

    /// The empty options object: calls made with it have no deadline and cannot be cancelled.
    static const call &none() noexcept {
        static const call empty{empty_tag{}};
        return empty;
    }

    /// Cancels every call running with this object and every later one. Any thread; idempotent; never blocks.
    /// Throws `sxt::error` (`invalid_handle`) on an empty object.
    void cancel() const {
        detail::check([&](sxt_error **err) { return sxt_call_cancel(handle_.get(), err); });
    }

    /// Gives calls made with this object a deadline `timeout` from now, replacing an earlier one (1 ms to
    /// 24 h; else throws `invalid_argument` naming `"timeout_ms"`). A call reads it when it starts.
    void set_timeout(std::chrono::milliseconds timeout) {
        const auto ms = timeout.count();
        const std::uint32_t value = ms <= 0 ? 0u : (ms > 86400000 ? 86400001u : static_cast<std::uint32_t>(ms));
        detail::check([&](sxt_error **err) { return sxt_call_set_timeout_ms(handle_.get(), value, err); });
    }

    /// True unless the object is empty (moved-from, or `none()`).
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    /// The underlying C handle, still owned by this object (NULL when empty). Do not free it.
    const sxt_call *native_handle() const noexcept { return handle_.get(); }

private:
    struct empty_tag {};
    explicit call(empty_tag) noexcept {}
    std::unique_ptr<sxt_call, detail::free_call> handle_;
};

class client;

/// A signed-in session (made by `client::login`, `client::register_user` or `client::register_with_email`):
/// the user's tokens, refreshed ahead of expiry, and renewed by a new sign-in when the refresh chain or the
/// 24-hour session runs out (unless `client_options::keep_key` was off).
///
/// Ownership: move-only; owns one library session handle, released by the destructor (which does not log
/// out: the server keeps the tokens valid until they expire; call `logout()` first to end them). A
/// moved-from or default-constructed session is empty and every call on it throws `sxt::error` with status
/// `invalid_handle` (argument `"session"`). It keeps working after its client is destroyed.
///
/// Threads: every member may be called from any number of threads at once on the same object; the library
/// performs one refresh at a time however many threads ask. Moving, assigning or destroying the object must
/// not race with other calls on it.
///
/// After `logout()`, every call but `user_id()` throws `sxt::error` with status `logged_out`.
class session {
public:
    /// An empty session (every call throws `invalid_handle`); assign a real one to it.
    session() noexcept = default;
    /// Takes over `other`'s handle; `other` becomes empty.
    session(session &&other) noexcept = default;
    /// Releases this session's handle (if any) and takes over `other`'s; `other` becomes empty.
    session &operator=(session &&other) noexcept = default;
    /// Not copyable: one object owns one handle (share a session by reference, or move it).
    session(const session &) = delete;
    /// Not copyable (see the copy constructor).
    session &operator=(const session &) = delete;
    /// Releases the handle (wiping the tokens and key held by the library). Never throws.
    ~session() = default;

    /// True unless the session is empty (moved-from or default-constructed).
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    /// The underlying C handle, still owned by this object (NULL when empty): for calls of sxt_auth.h that
    /// this header does not wrap. Do not free it.
    sxt_session *native_handle() const noexcept { return handle_.get(); }

    /// A valid access token, refreshed first when it is within the refresh margin of expiry, or renewed by a
    /// new sign-in when the refresh chain has run out. If a due refresh fails but the current token has not
    /// yet expired, that token is returned. Throws `sxt::error`: `invalid_handle`, `logged_out`,
    /// `session_expired`, and the transport and server codes of the refresh or sign-in.
    /// With `options`: its deadline and cancellation apply (see `sxt::call`).
    [[nodiscard]] std::string access_token(const call &options = call::none()) const {
        detail::library_string out;
        detail::check([&](sxt_error **err) {
            return sxt_session_access_token_call(handle_.get(), options.native_handle(), out.out(), err);
        });
        return out.str();
    }

    /// Refreshes now: both tokens rotate (the old refresh token stops working); when the refresh chain has
    /// run out, signs in again with the session's key. If another thread renews at the same moment, one
    /// network exchange serves both. On failure the old tokens are kept. Throws `sxt::error`:
    /// `invalid_handle`, `logged_out`, `session_expired`, transport and server codes.
    /// With `options`: its deadline and cancellation apply; a refresh cut short keeps the tokens.
    void refresh(const call &options = call::none()) {
        detail::check([&](sxt_error **err) { return sxt_refresh_call(handle_.get(), options.native_handle(), err); });
    }

    /// Logs out, which ends every session of this user on the server. Afterwards every call but `user_id()`
    /// throws `logged_out`; the object must still be destroyed as usual. A transport failure changes nothing
    /// and the call may be retried. Throws `sxt::error`: `invalid_handle`, `logged_out` (already),
    /// transport and server codes.
    /// With `options`: its deadline and cancellation apply.
    void logout(const call &options = call::none()) {
        detail::check([&](sxt_error **err) { return sxt_logout_call(handle_.get(), options.native_handle(), err); });
    }

    /// `"Bearer <access token>"`: the `Authorization` header value for the SxT APIs, with a valid token (as
    /// `access_token()`). When an API answers 401 to it before the token's expiry, report the token with
    /// `token_rejected` and retry the request once with a new value. Throws as `access_token()`.
    [[nodiscard]] std::string authorization(const call &options = call::none()) const {
        detail::library_string out;
        detail::check([&](sxt_error **err) {
            return sxt_session_authorization_call(handle_.get(), options.native_handle(), out.out(), err);
        });
        return out.str();
    }

    /// Reports that an API answered 401 to `access_token` (a token from this session, without `Bearer `)
    /// before its expiry: renews once, however many threads report the same token, and not at all when the
    /// session has moved on from it. Throws `sxt::error`: `logged_out`, `session_expired`, the renewal's
    /// transport and server codes; input errors naming `"access_token"`.
    void token_rejected(const std::string &access_token, const call &options = call::none()) {
        const char *token = detail::c_string(access_token, "access_token");
        detail::check([&](sxt_error **err) {
            return sxt_session_token_rejected_call(handle_.get(), options.native_handle(), token, err);
        });
    }

    /// The current refresh token (secret). Does not refresh. Throws `sxt::error`: `invalid_handle`,
    /// `logged_out`; `not_found` for a session started by `client::login_api_key`, which has none.
    [[nodiscard]] std::string refresh_token() const {
        detail::library_string out;
        detail::check([&](sxt_error **err) { return sxt_session_refresh_token(handle_.get(), out.out(), err); });
        return out.str();
    }

    /// The expiry times the server gave for the current access and refresh tokens (for an API-key session,
    /// which has no refresh token, `refresh` is the epoch). Does not refresh.
    /// Throws `sxt::error`: `invalid_handle`, `logged_out`.
    [[nodiscard]] token_expiries expiries() const {
        std::int64_t access_ms = 0;
        std::int64_t refresh_ms = 0;
        detail::check(
            [&](sxt_error **err) { return sxt_session_expiries(handle_.get(), &access_ms, &refresh_ms, err); });
        return token_expiries{detail::from_epoch_ms(access_ms), detail::from_epoch_ms(refresh_ms)};
    }

    /// The user id the session signed in as. Works after `logout()`. Throws `sxt::error`: `invalid_handle`.
    [[nodiscard]] std::string user_id() const {
        detail::library_string out;
        detail::check([&](sxt_error **err) { return sxt_session_user_id(handle_.get(), out.out(), err); });
        return out.str();
    }

    /// Asks the server about the access token (`GET /v1/auth/validtoken`) and returns its JSON reply: an
    /// object with `userId`, `subscriptionId`, `sessionId`, `restricted`, `quotaExceeded`, `trial` and
    /// possibly more. Refreshes first when due; on a 401 renews once and retries. Throws `sxt::error`:
    /// `invalid_handle`, `logged_out`, `session_expired`, transport and server codes.
    /// With `options`: its deadline and cancellation apply.
    [[nodiscard]] std::string token_info_json(const call &options = call::none()) const {
        detail::library_string out;
        detail::check([&](sxt_error **err) {
            return sxt_session_token_info_call(handle_.get(), options.native_handle(), out.out(), err);
        });
        return out.str();
    }

    /// Lists the keys on the user's keyring (`GET /v1/auth/keys`): the server's JSON array, unchanged, one
    /// object per key. Refreshes first when due. Throws `sxt::error`: as `token_info_json()`;
    /// `malformed_response` when the reply is not a JSON array.
    /// With `options`: its deadline and cancellation apply.
    [[nodiscard]] std::string keys_json(const call &options = call::none()) const {
        detail::library_string out;
        detail::check([&](sxt_error **err) {
            return sxt_session_keys_call(handle_.get(), options.native_handle(), out.out(), err);
        });
        return out.str();
    }

    /// Adds the key `new_private_key` (any accepted encoding) to the user's keyring; only its public half
    /// leaves the process. Throws `sxt::error`: `invalid_key`, `invalid_utf8`, `invalid_argument` (NUL byte),
    /// naming `"new_private_key"`; `invalid_handle`, `logged_out`, transport and server codes (a key already
    /// on the keyring is refused by the server, typically `bad_request`).
    /// With `options`: its deadline and cancellation apply.
    void add_key(const std::string &new_private_key, const call &options = call::none()) {
        const char *key = detail::c_string(new_private_key, "new_private_key");
        detail::check(
            [&](sxt_error **err) { return sxt_session_add_key_call(handle_.get(), options.native_handle(), key, err); });
    }

    /// Joins the subscription `join_code` names (`POST /v1/subscription/invite/{joinCode}`): the user leaves
    /// its subscription for that one, with the role the code gives, and the session adopts the server's new
    /// token set at once for every thread, as a rotation (the old tokens stop working). Renews first when
    /// due; a 401 renews once and retries. Throws `sxt::error`: `invalid_argument` (empty, over 256 bytes,
    /// control characters, NUL) or `invalid_utf8` naming `"join_code"`; `invalid_handle`, `logged_out`,
    /// `session_expired`, transport codes; `bad_request` for an unknown, expired or used code (with the
    /// server's detail); `malformed_response`.
    /// With `options`: its deadline and cancellation apply.
    void join_subscription(const std::string &join_code, const call &options = call::none()) {
        const char *code = detail::c_string(join_code, "join_code");
        detail::check([&](sxt_error **err) {
            return sxt_session_join_subscription_call(handle_.get(), options.native_handle(), code, err);
        });
    }

    /// A new join code (`POST /v1/subscription/invite?role=...`) that makes whoever joins with it a `member`
    /// (the role given: `sxt::role::member`, `admin` or `owner`) of this user's subscription. The service refuses a member's request and a role above the caller's:
    /// `unauthorized` (HTTP 403, with its detail; not retried). Throws `sxt::error`: also `invalid_argument`
    /// (argument `"role"`) for a value outside the enum, `invalid_handle`, `logged_out`, `session_expired`,
    /// transport codes, `malformed_response`.
    /// With `options`: its deadline and cancellation apply.
    [[nodiscard]] std::string create_join_code(sxt::role member, const call &options = call::none()) const {
        static_assert(static_cast<std::int32_t>(sxt::role::owner) == SXT_ROLE_OWNER, "roles follow the header");
        detail::library_string out;
        detail::check([&](sxt_error **err) {
            return sxt_session_create_join_code_call(handle_.get(), options.native_handle(),
                                                     static_cast<std::int32_t>(member), out.out(), err);
        });
        return out.str();
    }

    /// Adds the key `new_key` holds (its public key and scheme) to the user's keyring; it signs the
    /// challenge. Throws `sxt::error`: as `add_key`; `signer_failed`; `invalid_handle` naming `"signer"`.
    /// With `options`: its deadline and cancellation apply.
    void add_key(const sxt::signer &new_key, const call &options = call::none()) {
        detail::check([&](sxt_error **err) {
            return sxt_session_add_key_signer_call(handle_.get(), options.native_handle(), new_key.native_handle(), err);
        });
    }

    /// The session as text to keep where the platform keeps secrets (it holds the tokens: a secret) and to
    /// restore after a restart with `client::import_session`; never a private key or API key. Export again
    /// after every `event::rotated`. No network call. Throws `sxt::error`: `invalid_handle`, `logged_out`.
    [[nodiscard]] std::string export_session() const {
        detail::library_string out;
        detail::check([&](sxt_error **err) { return sxt_session_export(handle_.get(), out.out(), err); });
        return out.str();
    }

    /// Sets the function told of every rotation (`event::rotated`) and of logout (`event::logged_out`), once
    /// per event, on the thread whose call made the change, after that call has released every lock of the
    /// session: it may call this session (to export it). An empty function removes it. It must not throw
    /// (an exception is caught and dropped). Throws `sxt::error`: `invalid_handle`.
    void set_observer(std::function<void(sxt::event)> observer) {
        if (!observer) {
            detail::check([&](sxt_error **err) { return sxt_session_set_observer(handle_.get(), nullptr, nullptr, nullptr, err); });
            return;
        }
        auto *state = new std::function<void(sxt::event)>(std::move(observer));
        detail::check([&](sxt_error **err) {
            return sxt_session_set_observer(handle_.get(), &notify, state, &forget, err);
        });
    }

private:
    friend class client;
    explicit session(sxt_session *owned) noexcept : handle_(owned) {}
    static void notify(void *context, std::int32_t code) noexcept {
        try {
            (*static_cast<std::function<void(sxt::event)> *>(context))(static_cast<sxt::event>(code));
        } catch (...) {
        }
    }
    static void forget(void *context) noexcept { delete static_cast<std::function<void(sxt::event)> *>(context); }
    std::unique_ptr<sxt_session, detail::free_session> handle_;
};

// ---- client -------------------------------------------------------------------------------------------

/// Settings of a `client`. A plain value: fields left as they are keep the library's defaults.
struct client_options {
    /// How long establishing a connection (DNS, TCP, TLS) may take; 1 ms to 24 h. Default 10 s.
    std::optional<std::chrono::milliseconds> connect_timeout;
    /// How long any single read from the server may stall; 1 ms to 24 h. Default 15 s.
    std::optional<std::chrono::milliseconds> read_timeout;
    /// Deadline of one whole HTTP call (connect, send, receive); 1 ms to 24 h. Default 30 s. A sign-in
    /// makes several calls.
    std::optional<std::chrono::milliseconds> timeout;
    /// How long before an access token expires a session refreshes it; 0 ms (refresh only once expired) to
    /// 24 h, clamped per token to half its lifetime. Default 60 s.
    std::optional<std::chrono::milliseconds> refresh_margin;
    /// PEM bundles (each one or more `CERTIFICATE` blocks) to trust in addition to Mozilla's roots: for a
    /// private deployment, or the local server's `--ca-out` file.
    std::vector<std::string> ca_pems;
    /// Allow plain `http://` base URLs (off by default). For a local test server only: tokens and signatures
    /// then cross the network unencrypted.
    bool allow_http = false;
    /// The `User-Agent` header (1 to 256 bytes, no control characters). Default `sxt-auth/<version>`.
    std::optional<std::string> user_agent;
    /// Whether sessions keep a copy of the private key so they can sign in again by themselves when the
    /// refresh chain or the 24-hour session runs out (and API-key sessions a copy of the API key, to sign in
    /// again when the access token is due). When false, such a session throws `session_expired` and the
    /// caller signs in again.
    bool keep_key = true;
    /// The SxT proxy that `client::login_api_key` signs in at. Default `https://proxy.api.makeinfinite.dev`
    /// (the current public Python SDK's); held to https unless `allow_http`.
    std::optional<std::string> proxy_url;
};

/// A connection to one SxT auth service: base URL, settings and a connection pool shared by every session
/// started from it.
///
/// Ownership: move-only; owns one library client handle, released by the destructor. Sessions started from
/// it keep working after it is destroyed. A moved-from or default-constructed client is empty and every
/// call on it throws `sxt::error` with status `invalid_handle` (argument `"client"`).
///
/// Threads: immutable once made; every member may be called from any number of threads at once. Moving,
/// assigning or destroying the object must not race with other calls on it.
class client {
public:
    /// An empty client (every call throws `invalid_handle`); assign a real one to it.
    client() noexcept = default;

    /// A client for the service at `base_url`, which may end with or without `/` and `/v1`
    /// (`https://api.spaceandtime.dev`, `https://api.spaceandtime.dev/v1/`, ...). Makes no network call.
    /// Throws `sxt::error`: `invalid_url`, `insecure_url` (`http://` without `options.allow_http`),
    /// `invalid_utf8` or `invalid_argument` (NUL byte) naming `"base_url"`; for a bad option
    /// `invalid_argument` (a duration of 0 where not allowed, negative or above 24 h; a bad user agent),
    /// `invalid_certificate`, or `invalid_utf8`, naming the `client_options` field.
    explicit client(const std::string &base_url, const client_options &options = client_options{}) {
        const char *url = detail::c_string(base_url, "base_url");
        sxt_client_options *raw_options = nullptr;
        detail::check([&](sxt_error **err) { return sxt_client_options_new(&raw_options, err); });
        const std::unique_ptr<sxt_client_options, detail::free_options> opts(raw_options);

        const auto set_ms = [&](const std::optional<std::chrono::milliseconds> &value, const char *field,
                                auto setter) {
            if (!value.has_value()) {
                return;
            }
            // The library judges the value; this only converts it to the C type. A negative duration has no
            // uint32 form; one too long for it becomes the largest, which the library refuses as over its limit.
            const auto count = value->count();
            if (count < 0) {
                throw sxt::error(sxt::status::invalid_argument, std::string(field) + " is negative", 0, std::nullopt,
                                 std::nullopt, std::string(field));
            }
            constexpr auto max = static_cast<std::chrono::milliseconds::rep>(std::numeric_limits<std::uint32_t>::max());
            const auto ms = static_cast<std::uint32_t>(count > max ? max : count);
            detail::check([&](sxt_error **err) { return setter(opts.get(), ms, err); }, field);
        };
        set_ms(options.connect_timeout, "connect_timeout",
               [](sxt_client_options *o, std::uint32_t ms, sxt_error **err) {
                   return sxt_client_options_set_connect_timeout_ms(o, ms, err);
               });
        set_ms(options.read_timeout, "read_timeout", [](sxt_client_options *o, std::uint32_t ms, sxt_error **err) {
            return sxt_client_options_set_read_timeout_ms(o, ms, err);
        });
        set_ms(options.timeout, "timeout", [](sxt_client_options *o, std::uint32_t ms, sxt_error **err) {
            return sxt_client_options_set_timeout_ms(o, ms, err);
        });
        set_ms(options.refresh_margin, "refresh_margin", [](sxt_client_options *o, std::uint32_t ms, sxt_error **err) {
            return sxt_client_options_set_refresh_margin_ms(o, ms, err);
        });
        for (const std::string &pem : options.ca_pems) {
            const char *text = detail::c_string(pem, "ca_pems");
            detail::check([&](sxt_error **err) { return sxt_client_options_add_ca_pem(opts.get(), text, err); },
                          "ca_pems");
        }
        detail::check(
            [&](sxt_error **err) { return sxt_client_options_set_allow_http(opts.get(), options.allow_http, err); });
        if (options.user_agent.has_value()) {
            const char *agent = detail::c_string(*options.user_agent, "user_agent");
            detail::check(
                [&](sxt_error **err) { return sxt_client_options_set_user_agent(opts.get(), agent, err); },
                "user_agent");
        }
        detail::check(
            [&](sxt_error **err) { return sxt_client_options_set_keep_key(opts.get(), options.keep_key, err); });
        if (options.proxy_url.has_value()) {
            const char *proxy = detail::c_string(*options.proxy_url, "proxy_url");
            detail::check(
                [&](sxt_error **err) { return sxt_client_options_set_proxy_url(opts.get(), proxy, err); }, "proxy_url");
        }

        sxt_client *raw_client = nullptr;
        detail::check([&](sxt_error **err) { return sxt_client_new(url, opts.get(), &raw_client, err); });
        handle_.reset(raw_client);
    }

    /// Takes over `other`'s handle; `other` becomes empty.
    client(client &&other) noexcept = default;
    /// Releases this client's handle (if any) and takes over `other`'s; `other` becomes empty.
    client &operator=(client &&other) noexcept = default;
    /// Not copyable: one object owns one handle (share a client by reference, or move it).
    client(const client &) = delete;
    /// Not copyable (see the copy constructor).
    client &operator=(const client &) = delete;
    /// Releases the handle; sessions started from it keep working. Never throws.
    ~client() = default;

    /// True unless the client is empty (moved-from or default-constructed).
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    /// The underlying C handle, still owned by this object (NULL when empty): for calls of sxt_auth.h that
    /// this header does not wrap. Do not free it.
    sxt_client *native_handle() const noexcept { return handle_.get(); }

    /// The normalised base URL (no trailing `/` or `/v1`). Throws `sxt::error`: `invalid_handle`.
    [[nodiscard]] std::string base_url() const {
        detail::library_string out;
        detail::check([&](sxt_error **err) { return sxt_client_base_url(handle_.get(), out.out(), err); });
        return out.str();
    }

    /// Whether `user_id` is taken (`GET /v1/auth/idexists/{userId}`). Throws `sxt::error`: `invalid_handle`;
    /// `invalid_argument` (empty, over 256 bytes, control characters or NUL) or `invalid_utf8` naming
    /// `"user_id"`; transport and server codes.
    /// With `options`: its deadline and cancellation apply (see `sxt::call`).
    [[nodiscard]] bool user_exists(const std::string &user_id, const call &options = call::none()) const {
        const char *id = detail::c_string(user_id, "user_id");
        bool exists = false;
        detail::check([&](sxt_error **err) {
            return sxt_user_exists_call(handle_.get(), options.native_handle(), id, &exists, err);
        });
        return exists;
    }

    /// Signs in the existing user `user_id` with `private_key` (any accepted encoding) and returns the
    /// session. A user id that does not exist is refused with `not_found` (argument `"user_id"`, HTTP status
    /// 0) rather than registered: `register_user` does that. Throws `sxt::error`: `invalid_handle`; input
    /// errors naming `"user_id"` or `"private_key"` (`invalid_argument`, `invalid_utf8`, `invalid_key`);
    /// transport codes; `not_found`, `bad_request` (signature refused, key not on the keyring),
    /// `unauthorized`.
    /// With `options`: its deadline and cancellation apply.
    session login(const std::string &user_id, const std::string &private_key, const call &options = call::none()) const {
        const char *id = detail::c_string(user_id, "user_id");
        const char *key = detail::c_string(private_key, "private_key");
        sxt_session *raw = nullptr;
        detail::check(
            [&](sxt_error **err) { return sxt_login_call(handle_.get(), options.native_handle(), id, key, &raw, err); });
        return session(raw);
    }

    /// Signs in the existing user `user_id` with `key`, an app's signer: the private key never enters the
    /// library. The session shares the signer and signs in through it again when its refresh chain ends.
    /// Throws `sxt::error`: as `login`; `signer_failed` (nothing more is sent); `invalid_handle` naming
    /// `"signer"` for an empty one.
    /// With `options`: its deadline and cancellation apply.
    session login(const std::string &user_id, const sxt::signer &key, const call &options = call::none()) const {
        const char *id = detail::c_string(user_id, "user_id");
        sxt_session *raw = nullptr;
        detail::check([&](sxt_error **err) {
            return sxt_login_signer_call(handle_.get(), options.native_handle(), id, key.native_handle(), &raw, err);
        });
        return session(raw);
    }

    /// Registers the new user `user_id` whose first key is `key`'s (its public key and scheme) and signs it
    /// in; `join_code` and `email` are optional (with an email, through `auth/code-register`). Throws
    /// `sxt::error`: as `register_user`; `signer_failed`.
    /// With `options`: its deadline and cancellation apply.
    session register_user(const std::string &user_id, const sxt::signer &key,
                          const std::optional<std::string> &join_code = std::nullopt,
                          const std::optional<std::string> &email = std::nullopt,
                          const call &options = call::none()) const {
        const char *id = detail::c_string(user_id, "user_id");
        const char *code = detail::c_string_or_null(join_code, "join_code");
        const char *mail = detail::c_string_or_null(email, "email");
        sxt_session *raw = nullptr;
        detail::check([&](sxt_error **err) {
            return sxt_register_signer_call(handle_.get(), options.native_handle(), id, key.native_handle(), mail, code,
                                            &raw, err);
        });
        return session(raw);
    }

    /// Restores a session from `session::export_session()` text for this client's service. `secret` is what
    /// it signed in with (the private key, or the API key of an API-key session): with it the session also
    /// signs in again when its tokens run out. No network call. Throws `sxt::error`: `invalid_argument`
    /// naming `"blob"` (not an exported session, another version, truncated, altered, or another service),
    /// `invalid_key` naming `"secret"`, `session_expired`.
    session import_session(const std::string &blob, const std::optional<std::string> &secret = std::nullopt) const {
        const char *text = detail::c_string(blob, "blob");
        const char *key = detail::c_string_or_null(secret, "secret");
        sxt_session *raw = nullptr;
        detail::check([&](sxt_error **err) { return sxt_session_import(handle_.get(), text, key, &raw, err); });
        return session(raw);
    }

    /// As `import_session`, for a session that signed in through `key` (same scheme and public key).
    session import_session(const std::string &blob, const sxt::signer &key) const {
        const char *text = detail::c_string(blob, "blob");
        sxt_session *raw = nullptr;
        detail::check([&](sxt_error **err) {
            return sxt_session_import_signer(handle_.get(), text, key.native_handle(), &raw, err);
        });
        return session(raw);
    }

    /// Signs in with an SxT API key at the proxy (`POST {proxy}/auth/apikey`, `client_options::proxy_url`).
    /// The session has no refresh token: it signs in again with the API key when the access token is due
    /// (unless `keep_key` is off), and its user id comes from the reply or `auth/validtoken`. The key is a
    /// secret: never in an error. Throws `sxt::error`: `invalid_argument` (empty, over 1024 bytes, not
    /// printable ASCII, NUL) or `invalid_utf8` naming `"api_key"`; `invalid_handle`; transport codes;
    /// `unauthorized` (the proxy's 401 or 403, with its detail); `malformed_response`.
    /// With `options`: its deadline and cancellation apply.
    session login_api_key(const std::string &api_key, const call &options = call::none()) const {
        const char *key = detail::c_string(api_key, "api_key");
        sxt_session *raw = nullptr;
        detail::check([&](sxt_error **err) {
            return sxt_login_api_key_call(handle_.get(), options.native_handle(), key, &raw, err);
        });
        return session(raw);
    }

    /// Registers the new user `user_id` with `private_key` as its first key and signs it in. `join_code`
    /// (the organisation's code) is optional unless the deployment requires one. For an existing user whose
    /// keyring holds the key, this is a plain sign-in. Throws `sxt::error`: as `login` (but never
    /// `not_found` for a new user), input errors may also name `"join_code"`; an unknown join code or a user
    /// id registered with another key is `bad_request` (or `conflict` / `unauthorized`, as the deployment
    /// answers); a missing join code the deployment requires is `not_found` or `bad_request`.
    /// With `options`: its deadline and cancellation apply.
    session register_user(const std::string &user_id, const std::string &private_key,
                          const std::optional<std::string> &join_code = std::nullopt,
                          const call &options = call::none()) const {
        const char *id = detail::c_string(user_id, "user_id");
        const char *key = detail::c_string(private_key, "private_key");
        const char *code = detail::c_string_or_null(join_code, "join_code");
        sxt_session *raw = nullptr;
        detail::check([&](sxt_error **err) {
            return sxt_register_call(handle_.get(), options.native_handle(), id, key, code, &raw, err);
        });
        return session(raw);
    }

    /// Registers the new user `user_id` through `POST /v1/auth/code-register`, which also takes an e-mail
    /// address. Otherwise as `register_user`; input errors may also name `"email"`.
    /// With `options`: its deadline and cancellation apply.
    session register_with_email(const std::string &user_id, const std::string &private_key, const std::string &email,
                                const std::optional<std::string> &join_code = std::nullopt,
                                const call &options = call::none()) const {
        const char *id = detail::c_string(user_id, "user_id");
        const char *key = detail::c_string(private_key, "private_key");
        const char *mail = detail::c_string(email, "email");
        const char *code = detail::c_string_or_null(join_code, "join_code");
        sxt_session *raw = nullptr;
        detail::check([&](sxt_error **err) {
            return sxt_register_with_email_call(handle_.get(), options.native_handle(), id, key, mail, code, &raw, err);
        });
        return session(raw);
    }

private:
    std::unique_ptr<sxt_client, detail::free_client> handle_;
};

// ---- library ------------------------------------------------------------------------------------------

/// The version of the library the program runs with, `"MAJOR.MINOR.PATCH"` (compare `SXT_VERSION_STRING`,
/// the version of the header it was compiled with). Any thread.
[[nodiscard]] inline std::string version() { return std::string(sxt_version()); }

}  // namespace sxt

#endif /* SXT_AUTH_HPP */
