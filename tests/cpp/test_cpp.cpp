/*
 * The C++ interface (include/sxt_auth.hpp) end to end, against local servers (tests/c/harness.c starts them):
 *
 *  - the type contract: move-only owners, nothrow moves and destructors, sxt::error copyable without throwing;
 *  - sxt::status against the library's own status table (every named number has an enumerator, same name);
 *  - version, keygen, public_key and sign (protocol test vectors; bad keys; NUL bytes; invalid UTF-8);
 *  - client options: each field reaches the library (timeouts against a silent socket, refresh margin against
 *    a short token lifetime, the user agent as seen by a socket, keep_key against an expired refresh chain,
 *    CAs against a TLS server) and each bad value throws naming its field, without leaking the options;
 *  - the sign-in flow: user_exists, register_user (with and without join codes), register_with_email, login;
 *    unknown user, wrong key, bad key; http refused without allow_http; TLS with and without the server's CA;
 *  - every session call, logout and LOGGED_OUT afterwards, moved-from and default-constructed objects
 *    (INVALID_HANDLE), one session used from 8 std::threads at once (one refresh for a burst, no failures under
 *    a mixed load);
 *  - sxt::error's status, HTTP status, title, detail and argument, from the server and from the wrapper;
 *  - sxt::call deadlines and cancel(); authorization() and token_rejected() with a revoked token;
 *  - login_api_key (proxy_url at the server, no refresh token, wrong and bad keys) and subscriptions
 *    (create_join_code with each role and a refused one, join_subscription, a used code), over http and https;
 *  - signers (a std::function, re-sign-in through it, a throwing one, garbage), export_session and
 *    import_session (with the key, with a signer, truncated, wrong key), the observer (rotations, logout,
 *    an export from inside it);
 *  - a second translation unit including the header (every function in it is inline);
 *  - sxt_live_objects() == 0 after every test and at the end.
 *
 * Prints `N passed, N failed` as its last line; exits non-zero on any failure.
 */
#include <cstdint>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <cstdlib>
#include <cstring>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

extern "C" {
#include "harness.h"
}

#include "sxt_auth.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SXT_EXPECTED_VERSION
#error "compile with -DSXT_EXPECTED_VERSION='\"x.y.z\"' (the version in Cargo.toml)"
#endif

// Defined in second_tu.cpp, which includes sxt_auth.hpp too.
std::string second_tu_version();
sxt::status second_tu_client_status(const std::string &base_url);

namespace {

const char *const SEED_B64 = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=";
const char *const SEED_HEX = "4ddfc88423bf8f761619bcef2204d31603552bad0fe15db016a868f5a8cdd987";
const char *const PUBLIC_B64 = "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs=";
const char *const AUTH_CODE = "469867d9660b67f8aa12b2";
const char *const SIGNATURE =
    "1b4217c3fadf9b2cee981a16069eb7047d79315513af57ccae91fe890e21371ed8724724203d9b904241eeafac50f3934feafa476f8c6a9"
    "0973d157ee97eb102";

// ---- the type contract (checked at compile time) ---------------------------------------------------------

static_assert(!std::is_copy_constructible_v<sxt::client> && !std::is_copy_assignable_v<sxt::client>);
static_assert(!std::is_copy_constructible_v<sxt::session> && !std::is_copy_assignable_v<sxt::session>);
static_assert(std::is_nothrow_move_constructible_v<sxt::client> && std::is_nothrow_move_assignable_v<sxt::client>);
static_assert(std::is_nothrow_move_constructible_v<sxt::session> && std::is_nothrow_move_assignable_v<sxt::session>);
static_assert(std::is_nothrow_destructible_v<sxt::client> && std::is_nothrow_destructible_v<sxt::session>);
static_assert(std::is_nothrow_default_constructible_v<sxt::client>);
static_assert(std::is_nothrow_default_constructible_v<sxt::session>);
static_assert(std::is_base_of_v<std::runtime_error, sxt::error>);
static_assert(std::is_nothrow_copy_constructible_v<sxt::error> && std::is_nothrow_destructible_v<sxt::error>);
static_assert(std::is_same_v<std::underlying_type_t<sxt::status>, std::int32_t>);
static_assert(!std::is_convertible_v<sxt::client, bool> && std::is_constructible_v<bool, sxt::client>);
static_assert(!std::is_convertible_v<std::string, sxt::client>); // the constructor is explicit
static_assert(std::is_convertible_v<const char *, std::optional<std::string>>); // join codes as literals
static_assert(std::is_same_v<decltype(std::declval<sxt::session &>().expiries().access),
                             std::chrono::system_clock::time_point>);

// ---- checks ----------------------------------------------------------------------------------------------

bool contains(const std::string &haystack, const std::string &needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string describe(const std::optional<std::string> &value) { return value ? "\"" + *value + "\"" : "(none)"; }

std::string describe(const sxt::error &e) {
    char line[128];
    std::snprintf(line, sizeof line, " (%s, %d), http %u", sxt::status_name(e.status()),
                  static_cast<int>(e.status()), static_cast<unsigned>(e.http_status()));
    return std::string("\"") + e.what() + "\"" + line + ", title " + describe(e.title()) + ", detail " +
           describe(e.detail()) + ", argument " + describe(e.argument());
}

// Runs `f`, which must throw sxt::error with status `want` and a non-empty message, naming `argument` when
// that is not NULL. Returns the error for further checks.
template <class F>
std::optional<sxt::error> expect_error(F &&f, sxt::status want, const char *argument, const char *file, int line,
                                       const char *what) {
    std::optional<sxt::error> got;
    std::string other = "no exception";
    try {
        f();
    } catch (const sxt::error &e) {
        got = e;
    } catch (const std::exception &e) {
        other = std::string("a std::exception that is not sxt::error: ") + e.what();
    } catch (...) {
        other = "an exception that is not a std::exception";
    }
    bool ok = got.has_value() && got->status() == want && std::strlen(got->what()) > 0;
    if (ok && argument != nullptr) {
        ok = got->argument().has_value() && *got->argument() == argument;
    }
    h_checkf(ok, file, line, what, "want %s (argument %s); got %s", sxt::status_name(want),
             argument != nullptr ? argument : "(any)", got ? describe(*got).c_str() : other.c_str());
    return got;
}

#define EXPECT_ERR(expr, want, argument)                                                                               \
    expect_error([&] { (void)(expr); }, (want), (argument), __FILE__, __LINE__, #expr)

// Runs `f`, which must not throw. Returns its result (std::optional of it; bool for void).
template <class F>
auto expect_ok(F &&f, const char *file, int line, const char *what) {
    using R = decltype(f());
    std::string failure;
    if constexpr (std::is_void_v<R>) {
        try {
            f();
            return h_check(true, file, line, what);
        } catch (const sxt::error &e) {
            failure = "threw sxt::error " + describe(e);
        } catch (const std::exception &e) {
            failure = std::string("threw ") + e.what();
        }
        return h_checkf(false, file, line, what, "%s", failure.c_str());
    } else {
        std::optional<R> result;
        try {
            result.emplace(f());
            h_check(true, file, line, what);
            return result;
        } catch (const sxt::error &e) {
            failure = "threw sxt::error " + describe(e);
        } catch (const std::exception &e) {
            failure = std::string("threw ") + e.what();
        }
        h_checkf(false, file, line, what, "%s", failure.c_str());
        return result;
    }
}

#define EXPECT_OK(expr) expect_ok([&] { return (expr); }, __FILE__, __LINE__, #expr)

#define CHECK_EQ_STR(a, b)                                                                                             \
    h_check_str(std::string(a).c_str(), std::string(b).c_str(), __FILE__, __LINE__, #a " == " #b)

#define CHECK_LIVE(n)                                                                                                  \
    h_checkf(sxt_live_objects() == (n), __FILE__, __LINE__, "sxt_live_objects() == " #n, "%lu live",              \
             static_cast<unsigned long>(sxt_live_objects()))

std::string user_id(const char *prefix) {
    char buf[96];
    return h_user_id(buf, sizeof buf, prefix);
}

bool is_base64_44(const std::string &s) {
    if (s.size() != 44 || s[43] != '=') {
        return false;
    }
    for (std::size_t i = 0; i < 43; i++) {
        const char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) {
            return false;
        }
    }
    return true;
}

bool is_lower_hex(const std::string &s, std::size_t n) {
    if (s.size() != n) {
        return false;
    }
    for (const char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

std::string read_file(const char *path) {
    char *text = h_read_file(path);
    std::string copy = text != nullptr ? text : "";
    std::free(text);
    return copy;
}

// A local server for the length of a scope.
class server {
public:
    explicit server(bool tls, std::vector<const char *> args = {}) {
        args.push_back(nullptr);
        up_ = h_server_start(&s_, tls, args.data());
    }
    server(const server &) = delete;
    server &operator=(const server &) = delete;
    ~server() { h_server_stop(&s_); }
    bool up() const { return up_; }
    std::string url() const { return s_.url; }
    std::string ca_pem() const { return read_file(s_.ca_path); }
    int log_count(const char *needle) const { return h_server_log_count(&s_, needle); }
    pid_t pid() const { return s_.pid; }
    void stop() { h_server_stop(&s_); }
    // Options that reach this server: allow_http for http, its CA for https.
    sxt::client_options options() const {
        sxt::client_options o;
        if (s_.tls) {
            o.ca_pems.push_back(ca_pem());
        } else {
            o.allow_http = true;
        }
        return o;
    }

private:
    h_server s_{};
    bool up_ = false;
};

// Gates threads so that they start at once.
class gate {
public:
    void wait() {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return open_; });
    }
    void open() {
        {
            std::lock_guard<std::mutex> lock(m_);
            open_ = true;
        }
        cv_.notify_all();
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    bool open_ = false;
};

// A loopback socket that accepts one HTTP request, keeps its text and answers with `reply`.
class one_shot_http {
public:
    explicit one_shot_http(std::string reply) : reply_(std::move(reply)) {
        fd_ = h_silent_listener(&port_);
        if (fd_ >= 0) {
            thread_ = std::thread([this] { serve(); });
        }
    }
    one_shot_http(const one_shot_http &) = delete;
    one_shot_http &operator=(const one_shot_http &) = delete;
    ~one_shot_http() {
        if (thread_.joinable()) {
            thread_.join();
        }
        if (fd_ >= 0) {
            close(fd_);
        }
    }
    bool up() const { return fd_ >= 0; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // The request as received (call after the client call returned).
    std::string request() {
        if (thread_.joinable()) {
            thread_.join();
        }
        return request_;
    }

private:
    void serve() {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 20000) != 1) {
            return;
        }
        const int conn = accept(fd_, nullptr, nullptr);
        if (conn < 0) {
            return;
        }
        char buf[4096];
        while (!contains(request_, "\r\n\r\n")) {
            pollfd c{conn, POLLIN, 0};
            if (poll(&c, 1, 20000) != 1) {
                break;
            }
            const ssize_t n = read(conn, buf, sizeof buf);
            if (n <= 0) {
                break;
            }
            request_.append(buf, static_cast<std::size_t>(n));
        }
        std::size_t sent = 0;
        while (sent < reply_.size()) {
            const ssize_t n = write(conn, reply_.data() + sent, reply_.size() - sent);
            if (n <= 0) {
                break;
            }
            sent += static_cast<std::size_t>(n);
        }
        shutdown(conn, SHUT_WR);
        // Wait for the client to close before closing (so the reply is not cut by a reset).
        pollfd c{conn, POLLIN, 0};
        if (poll(&c, 1, 5000) == 1) {
            (void)read(conn, buf, sizeof buf);
        }
        close(conn);
    }

    std::string reply_;
    std::string request_;
    int fd_ = -1;
    int port_ = 0;
    std::thread thread_;
};

std::string lower(std::string s) {
    for (char &c : s) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return s;
}

std::int64_t now_ms() { return h_now_ms(); }

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// ---- status, version, keys ---------------------------------------------------------------------------------

void test_status() {
    h_section("sxt::status mirrors the library's status table");
    struct named {
        sxt::status value;
        const char *name;
    };
    const named table[] = {
        {sxt::status::ok, "SXT_STATUS_OK"},
        {sxt::status::null_argument, "SXT_STATUS_NULL_ARGUMENT"},
        {sxt::status::invalid_utf8, "SXT_STATUS_INVALID_UTF8"},
        {sxt::status::invalid_argument, "SXT_STATUS_INVALID_ARGUMENT"},
        {sxt::status::invalid_key, "SXT_STATUS_INVALID_KEY"},
        {sxt::status::invalid_url, "SXT_STATUS_INVALID_URL"},
        {sxt::status::insecure_url, "SXT_STATUS_INSECURE_URL"},
        {sxt::status::invalid_handle, "SXT_STATUS_INVALID_HANDLE"},
        {sxt::status::invalid_certificate, "SXT_STATUS_INVALID_CERTIFICATE"},
        {sxt::status::signer_failed, "SXT_STATUS_SIGNER_FAILED"},
        {sxt::status::network, "SXT_STATUS_NETWORK"},
        {sxt::status::timeout, "SXT_STATUS_TIMEOUT"},
        {sxt::status::tls, "SXT_STATUS_TLS"},
        {sxt::status::response_too_large, "SXT_STATUS_RESPONSE_TOO_LARGE"},
        {sxt::status::redirect, "SXT_STATUS_REDIRECT"},
        {sxt::status::malformed_response, "SXT_STATUS_MALFORMED_RESPONSE"},
        {sxt::status::cancelled, "SXT_STATUS_CANCELLED"},
        {sxt::status::bad_request, "SXT_STATUS_BAD_REQUEST"},
        {sxt::status::unauthorized, "SXT_STATUS_UNAUTHORIZED"},
        {sxt::status::not_found, "SXT_STATUS_NOT_FOUND"},
        {sxt::status::conflict, "SXT_STATUS_CONFLICT"},
        {sxt::status::rate_limited, "SXT_STATUS_RATE_LIMITED"},
        {sxt::status::client_error, "SXT_STATUS_CLIENT_ERROR"},
        {sxt::status::server_error, "SXT_STATUS_SERVER_ERROR"},
        {sxt::status::logged_out, "SXT_STATUS_LOGGED_OUT"},
        {sxt::status::session_expired, "SXT_STATUS_SESSION_EXPIRED"},
        {sxt::status::panic, "SXT_STATUS_PANIC"},
        {sxt::status::internal, "SXT_STATUS_INTERNAL"},
    };
    std::set<std::int32_t> mirrored;
    for (const named &n : table) {
        CHECK_EQ_STR(sxt::status_name(n.value), n.name);
        CHECK(std::strlen(sxt::status_description(n.value)) > 0);
        mirrored.insert(static_cast<std::int32_t>(n.value));
    }
    // Every number the library has a name for has an enumerator (a new library code fails here).
    int named_by_library = 0;
    for (std::int32_t code = -100; code <= 1100; code++) {
        if (std::strcmp(sxt_status_name(code), "SXT_STATUS_UNKNOWN") != 0) {
            named_by_library++;
            h_checkf(mirrored.count(code) == 1, __FILE__, __LINE__, "library status has an sxt::status enumerator",
                     "%d (%s) is missing from sxt::status", static_cast<int>(code), sxt_status_name(code));
        }
    }
    CHECK(named_by_library == static_cast<int>(sizeof table / sizeof table[0]));
    CHECK_EQ_STR(sxt::status_name(static_cast<sxt::status>(12345)), "SXT_STATUS_UNKNOWN");
}

void test_version() {
    h_section("version");
    CHECK_EQ_STR(sxt::version(), SXT_VERSION_STRING);
    CHECK_EQ_STR(sxt::version(), SXT_EXPECTED_VERSION);
    CHECK_EQ_STR(sxt::version(), sxt_version());
    CHECK_EQ_STR(second_tu_version(), sxt::version());
}

void test_keys() {
    h_section("keygen, public_key, sign");
    if (auto pair = EXPECT_OK(sxt::keygen())) {
        CHECK(is_base64_44(pair->private_key));
        CHECK(is_base64_44(pair->public_key));
        CHECK(pair->private_key != pair->public_key);
        if (auto derived = EXPECT_OK(sxt::public_key(pair->private_key))) {
            CHECK_EQ_STR(*derived, pair->public_key);
        }
        if (auto other = EXPECT_OK(sxt::keygen())) {
            CHECK(other->private_key != pair->private_key);
        }
        if (auto sig = EXPECT_OK(sxt::sign(pair->private_key, "hello"))) {
            CHECK(is_lower_hex(*sig, 128));
        }
    }
    // The protocol's test vectors, base64 and hex seed.
    if (auto pub = EXPECT_OK(sxt::public_key(SEED_B64))) {
        CHECK_EQ_STR(*pub, PUBLIC_B64);
    }
    if (auto pub = EXPECT_OK(sxt::public_key(SEED_HEX))) {
        CHECK_EQ_STR(*pub, PUBLIC_B64);
    }
    if (auto sig = EXPECT_OK(sxt::sign(SEED_B64, AUTH_CODE))) {
        CHECK_EQ_STR(*sig, SIGNATURE);
    }
    if (auto sig = EXPECT_OK(sxt::sign(SEED_HEX, AUTH_CODE))) {
        CHECK_EQ_STR(*sig, SIGNATURE);
    }
    // Bad keys and messages.
    EXPECT_ERR(sxt::public_key("not a key"), sxt::status::invalid_key, "private_key");
    EXPECT_ERR(sxt::public_key(""), sxt::status::invalid_key, "private_key");
    EXPECT_ERR(sxt::public_key(PUBLIC_B64 + std::string("AAAA")), sxt::status::invalid_key, "private_key");
    EXPECT_ERR(sxt::public_key("\xff\xfe"), sxt::status::invalid_utf8, "private_key");
    EXPECT_ERR(sxt::sign("not a key", AUTH_CODE), sxt::status::invalid_key, "private_key");
    EXPECT_ERR(sxt::sign(SEED_B64, "\xc3"), sxt::status::invalid_utf8, "message");
    // NUL bytes are refused by the wrapper, before the library would see a shortened string.
    const std::string seed_nul = std::string(SEED_B64) + std::string("\0x", 2);
    if (auto e = EXPECT_ERR(sxt::public_key(seed_nul), sxt::status::invalid_argument, "private_key")) {
        CHECK(e->http_status() == 0 && !e->title() && !e->detail());
        CHECK(!contains(e->what(), SEED_B64));
    }
    EXPECT_ERR(sxt::sign(seed_nul, AUTH_CODE), sxt::status::invalid_argument, "private_key");
    EXPECT_ERR(sxt::sign(SEED_B64, std::string(AUTH_CODE) + std::string("\0tail", 5)), sxt::status::invalid_argument,
               "message");
    // Library input errors never show the key.
    if (auto e = EXPECT_ERR(sxt::public_key("secret-looking-value"), sxt::status::invalid_key, "private_key")) {
        CHECK(!contains(e->what(), "secret-looking-value"));
    }
}

void test_error_type() {
    h_section("sxt::error as a value");
    const sxt::error made(sxt::status::server_error, "made here", 503, std::string("Title"), std::string("Detail"));
    CHECK(made.status() == sxt::status::server_error);
    CHECK_EQ_STR(made.what(), "made here");
    CHECK(made.http_status() == 503);
    CHECK(made.title() == std::optional<std::string>("Title"));
    CHECK(made.detail() == std::optional<std::string>("Detail"));
    CHECK(!made.argument());
    const sxt::error copy = made; // shares the fields
    CHECK(copy.status() == made.status() && copy.http_status() == 503 && copy.title() == made.title());
    CHECK_EQ_STR(copy.what(), made.what());
    // Caught as its base class.
    bool caught = false;
    try {
        (void)sxt::public_key("not a key");
    } catch (const std::runtime_error &e) {
        caught = std::strlen(e.what()) > 0 && dynamic_cast<const sxt::error *>(&e) != nullptr;
    }
    CHECK(caught);
}

// ---- client options ---------------------------------------------------------------------------------------

void test_client_options() {
    using std::chrono::milliseconds;
    h_section("client construction and options: each bad value throws naming its field, nothing leaks");
    const std::string url = "https://api.spaceandtime.dev";
    if (auto c = EXPECT_OK(sxt::client(url + "/v1/"))) {
        CHECK(static_cast<bool>(*c) && c->native_handle() != nullptr);
        if (auto base = EXPECT_OK(c->base_url())) {
            CHECK_EQ_STR(*base, url);
        }
    }
    {
        sxt::client_options all;
        all.connect_timeout = milliseconds(1500);
        all.read_timeout = milliseconds(2500);
        all.timeout = milliseconds(4000);
        all.refresh_margin = milliseconds(0);
        all.user_agent = "sxt-cpp-test/1.0";
        all.keep_key = false;
        all.allow_http = true;
        if (auto c = EXPECT_OK(sxt::client("http://127.0.0.1:9/", all))) {
            if (auto base = EXPECT_OK(c->base_url())) {
                CHECK_EQ_STR(*base, "http://127.0.0.1:9");
            }
        }
        all.refresh_margin = milliseconds(86400000); // the largest value accepted: 24 h
        all.timeout = milliseconds(86400000);
        EXPECT_OK(sxt::client("http://127.0.0.1:9/", all));
        all.refresh_margin = milliseconds(86400001);
        EXPECT_ERR(sxt::client("http://127.0.0.1:9/", all), sxt::status::invalid_argument, "refresh_margin");
        all.refresh_margin = milliseconds(0);
        all.timeout = milliseconds(86400001);
        EXPECT_ERR(sxt::client("http://127.0.0.1:9/", all), sxt::status::invalid_argument, "timeout");
    }
    CHECK_LIVE(0);

    EXPECT_ERR(sxt::client("http://127.0.0.1:9"), sxt::status::insecure_url, "base_url");
    EXPECT_ERR(sxt::client("not a url"), sxt::status::invalid_url, "base_url");
    EXPECT_ERR(sxt::client(""), sxt::status::invalid_url, "base_url");
    EXPECT_ERR(sxt::client(url + "/\xff"), sxt::status::invalid_utf8, "base_url");
    EXPECT_ERR(sxt::client(url + std::string("\0/evil", 6)), sxt::status::invalid_argument, "base_url");
    EXPECT_ERR(sxt::client(url + std::string("\0", 1)), sxt::status::invalid_argument, "base_url");

    const auto with = [](auto set) {
        sxt::client_options o;
        set(o);
        return o;
    };
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.connect_timeout = milliseconds(0); })),
               sxt::status::invalid_argument, "connect_timeout");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.read_timeout = milliseconds(0); })),
               sxt::status::invalid_argument, "read_timeout");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.timeout = milliseconds(0); })), sxt::status::invalid_argument,
               "timeout");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.timeout = milliseconds(-1); })), sxt::status::invalid_argument,
               "timeout");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.connect_timeout = milliseconds(4294967296LL); })),
               sxt::status::invalid_argument, "connect_timeout");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.refresh_margin = milliseconds(-5); })),
               sxt::status::invalid_argument, "refresh_margin");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.refresh_margin = milliseconds(4294967296LL); })),
               sxt::status::invalid_argument, "refresh_margin");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.ca_pems = {"hello"}; })), sxt::status::invalid_certificate,
               "ca_pems");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.ca_pems = {""}; })), sxt::status::invalid_certificate,
               "ca_pems");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.ca_pems = {"\xfe\xff"}; })), sxt::status::invalid_utf8,
               "ca_pems");
    static const char pem_with_nul[] = "-----BEGIN CERTIFICATE-----\n\0\n-----END CERTIFICATE-----\n";
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.ca_pems = {std::string(pem_with_nul, sizeof pem_with_nul - 1)}; })),
               sxt::status::invalid_argument, "ca_pems");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.user_agent = ""; })), sxt::status::invalid_argument,
               "user_agent");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.user_agent = "bad\r\nX-Injected: 1"; })),
               sxt::status::invalid_argument, "user_agent");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.user_agent = std::string(257, 'a'); })),
               sxt::status::invalid_argument, "user_agent");
    EXPECT_ERR(sxt::client(url, with([](auto &o) { o.user_agent = std::string("agent\0X", 7); })),
               sxt::status::invalid_argument, "user_agent");
    // The options handle made inside the constructor is released on every one of those paths.
    CHECK_LIVE(0);
    CHECK(second_tu_client_status("http://127.0.0.1:9") == sxt::status::insecure_url);
    CHECK(second_tu_client_status(url) == sxt::status::ok);
}

void test_user_agent_and_problem_reply() {
    h_section("user agent on the wire; a 503 problem reply's fields reach sxt::error");
    const std::string body =
        R"({"type":"about:blank","title":"Test outage","status":503,"detail":"down on purpose for the test"})";
    one_shot_http socket("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
                         "Content-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    if (!CHECK(socket.up())) {
        return;
    }
    sxt::client_options o;
    o.allow_http = true;
    o.user_agent = "sxt-cpp-test/1.0 (wrapper)";
    o.timeout = std::chrono::milliseconds(15000);
    if (auto c = EXPECT_OK(sxt::client(socket.url(), o))) {
        if (auto e = EXPECT_ERR(c->user_exists("cpp-agent"), sxt::status::server_error, nullptr)) {
            CHECK(e->http_status() == 503);
            CHECK(e->title() == std::optional<std::string>("Test outage"));
            CHECK(e->detail() == std::optional<std::string>("down on purpose for the test"));
            CHECK(!e->argument());
        }
    }
    const std::string request = lower(socket.request());
    CHECK(contains(request, "get /v1/auth/idexists/cpp-agent "));
    h_checkf(contains(request, "\r\nuser-agent: sxt-cpp-test/1.0 (wrapper)\r\n"), __FILE__, __LINE__,
             "the request carries client_options::user_agent", "request: %s", request.c_str());

    // Without the option: the library's default agent.
    one_shot_http plain("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4\r\n"
                        "Connection: close\r\n\r\ntrue");
    if (!CHECK(plain.up())) {
        return;
    }
    sxt::client_options http_only;
    http_only.allow_http = true;
    if (auto c = EXPECT_OK(sxt::client(plain.url(), http_only))) {
        if (auto exists = EXPECT_OK(c->user_exists("cpp-agent"))) {
            CHECK(*exists == true);
        }
    }
    const std::string default_request = lower(plain.request());
    h_checkf(contains(default_request, "\r\nuser-agent: sxt-auth/" + sxt::version() + "\r\n"), __FILE__, __LINE__,
             "default user agent sxt-auth/<version>", "request: %s", default_request.c_str());
}

void test_transport() {
    h_section("timeouts (a socket that never answers) and a refused connection");
    int port = 0;
    const int fd = h_silent_listener(&port);
    if (!CHECK(fd >= 0)) {
        return;
    }
    // Each deadline on its own (the other ones keep their defaults of 15 s and 30 s): a call ends in TIMEOUT
    // well before any default would have ended it. (A connect timeout cannot be provoked on loopback: the
    // kernel completes the handshake for a listening socket. Its value is checked by the option tests.)
    const std::string url = "http://127.0.0.1:" + std::to_string(port);
    const auto timed = [&](const char *what, auto set) {
        sxt::client_options o;
        set(o);
        o.allow_http = true;
        o.connect_timeout = std::chrono::milliseconds(500);
        if (auto c = EXPECT_OK(sxt::client(url, o))) {
            const std::int64_t started = now_ms();
            if (auto e = EXPECT_ERR(c->user_exists("cpp-nobody"), sxt::status::timeout, nullptr)) {
                CHECK(e->http_status() == 0);
            }
            const std::int64_t took = now_ms() - started;
            h_checkf(took >= 400 && took < 10000, __FILE__, __LINE__, what, "%ld ms", static_cast<long>(took));
            EXPECT_ERR(c->login("cpp-nobody", SEED_B64), sxt::status::timeout, nullptr);
        }
    };
    timed("read_timeout was applied", [](sxt::client_options &o) { o.read_timeout = std::chrono::milliseconds(500); });
    timed("timeout was applied", [](sxt::client_options &o) { o.timeout = std::chrono::milliseconds(700); });
    close(fd);

    server srv(false);
    if (!srv.up()) {
        return;
    }
    std::optional<sxt::client> c = EXPECT_OK(sxt::client(srv.url(), srv.options()));
    srv.stop();
    if (c) {
        EXPECT_ERR(c->user_exists("cpp-nobody"), sxt::status::network, nullptr);
        EXPECT_ERR(c->register_user("cpp-nobody", SEED_B64), sxt::status::network, nullptr);
    }
}

// ---- the sign-in flow and sessions ------------------------------------------------------------------------

void test_flow() {
    h_section("user_exists, register_user, register_with_email, login; every session call; logout");
    server srv(false, {"--join-code", "TEAM-CPP"});
    if (!srv.up()) {
        return;
    }
    // Plain http is refused unless allowed.
    EXPECT_ERR(sxt::client(srv.url()), sxt::status::insecure_url, "base_url");
    std::optional<sxt::client> made = EXPECT_OK(sxt::client(srv.url() + "/v1/", srv.options()));
    if (!made) {
        return;
    }
    const sxt::client &c = *made;
    if (auto base = EXPECT_OK(c.base_url())) {
        CHECK_EQ_STR(*base, srv.url());
    }
    const sxt::key_pair key = sxt::keygen();
    const sxt::key_pair key2 = sxt::keygen();
    const sxt::key_pair stranger = sxt::keygen();
    const std::string user = user_id("cpp-flow");

    // A user that does not exist: login refuses it and creates nothing.
    if (auto exists = EXPECT_OK(c.user_exists(user))) {
        CHECK(*exists == false);
    }
    if (auto e = EXPECT_ERR(c.login(user, key.private_key), sxt::status::not_found, "user_id")) {
        CHECK(e->http_status() == 0);
    }
    if (auto exists = EXPECT_OK(c.user_exists(user))) {
        CHECK(*exists == false);
    }

    // Input errors of each parameter, from the library and from the wrapper (NUL).
    EXPECT_ERR(c.user_exists(""), sxt::status::invalid_argument, "user_id");
    EXPECT_ERR(c.user_exists(std::string("cpp\0x", 5)), sxt::status::invalid_argument, "user_id");
    EXPECT_ERR(c.user_exists("\xff"), sxt::status::invalid_utf8, "user_id");
    EXPECT_ERR(c.login(std::string("cpp\0x", 5), key.private_key), sxt::status::invalid_argument, "user_id");
    EXPECT_ERR(c.login(user, "not a key"), sxt::status::invalid_key, "private_key");
    EXPECT_ERR(c.login(user, key.private_key + std::string("\0", 1)), sxt::status::invalid_argument, "private_key");
    EXPECT_ERR(c.register_user(user, "not a key"), sxt::status::invalid_key, "private_key");
    EXPECT_ERR(c.register_user(user, key.private_key, std::string("")), sxt::status::invalid_argument, "join_code");
    EXPECT_ERR(c.register_user(user, key.private_key, std::string("TEAM\0CPP", 8)), sxt::status::invalid_argument,
               "join_code");
    EXPECT_ERR(c.register_with_email(user, key.private_key, ""), sxt::status::invalid_argument, "email");
    if (auto e = EXPECT_ERR(c.register_with_email(user, key.private_key, "not-an-e-mail"), sxt::status::bad_request,
                            nullptr)) {
        CHECK(e->http_status() == 400 && e->title().has_value());
    }
    EXPECT_ERR(c.register_with_email(user, key.private_key, std::string("a@example.com\0x", 15)),
               sxt::status::invalid_argument, "email");
    EXPECT_ERR(c.register_with_email(user, key.private_key, "a@example.com", std::string("\xc3")),
               sxt::status::invalid_utf8, "join_code");

    // An unknown join code: the server's refusal with its HTTP status, title and detail.
    if (auto e = EXPECT_ERR(c.register_user(user, key.private_key, std::string("NO-SUCH-CODE")),
                            sxt::status::bad_request, nullptr)) {
        CHECK(e->http_status() == 400);
        CHECK(e->title().has_value() && !e->title()->empty());
        CHECK(e->detail().has_value() && !e->detail()->empty());
        CHECK(!contains(e->what(), key.private_key));
    }

    // Register (with the join code), then sign in.
    std::optional<sxt::session> registered =
        EXPECT_OK(c.register_user(user, key.private_key, "TEAM-CPP"));
    if (!registered) {
        return;
    }
    if (auto exists = EXPECT_OK(c.user_exists(user))) {
        CHECK(*exists == true);
    }
    if (auto id = EXPECT_OK(registered->user_id())) {
        CHECK_EQ_STR(*id, user);
    }
    // Registering again with the same key is a plain sign-in.
    EXPECT_OK(c.register_user(user, key.private_key));

    // Wrong key: a signature the server refuses, with its fields.
    if (auto e = EXPECT_ERR(c.login(user, stranger.private_key), sxt::status::bad_request, nullptr)) {
        CHECK(e->http_status() == 400);
        CHECK(e->title().has_value() && !e->title()->empty());
        CHECK(e->detail().has_value() && !e->detail()->empty());
        CHECK(!contains(e->what(), stranger.private_key));
        CHECK(!e->argument());
    }

    std::optional<sxt::session> logged_in = EXPECT_OK(c.login(user, key.private_key));
    if (!logged_in) {
        return;
    }
    sxt::session &s = *logged_in;
    CHECK(static_cast<bool>(s) && s.native_handle() != nullptr);

    // Tokens.
    std::string access1;
    std::string refresh1;
    if (auto t = EXPECT_OK(s.access_token())) {
        access1 = *t;
    }
    if (auto t = EXPECT_OK(s.refresh_token())) {
        refresh1 = *t;
    }
    CHECK(!access1.empty() && !refresh1.empty() && access1 != refresh1);
    if (auto t = EXPECT_OK(s.access_token())) {
        CHECK_EQ_STR(*t, access1); // not due: the same token
    }
    const std::int64_t now = now_ms();
    std::int64_t access_ms = 0;
    std::int64_t refresh_ms = 0;
    if (auto ex = EXPECT_OK(s.expiries())) {
        access_ms = epoch_ms(ex->access);
        refresh_ms = epoch_ms(ex->refresh);
        // The server's defaults: 25 and 30 minutes.
        h_checkf(access_ms > now + 24 * 60000 && access_ms <= now + 26 * 60000, __FILE__, __LINE__,
                 "access token expires in about 25 minutes", "%ld ms from now", static_cast<long>(access_ms - now));
        h_checkf(refresh_ms > now + 29 * 60000 && refresh_ms <= now + 31 * 60000, __FILE__, __LINE__,
                 "refresh token expires in about 30 minutes", "%ld ms from now", static_cast<long>(refresh_ms - now));
    }
    if (auto info = EXPECT_OK(s.token_info_json())) {
        CHECK(contains(*info, "\"userId\":\"" + user + "\""));
        CHECK(contains(*info, "\"subscriptionId\""));
        CHECK(contains(*info, "\"sessionId\""));
    }

    // Refresh rotates both tokens.
    h_sleep_ms(5);
    EXPECT_OK(s.refresh());
    if (auto t = EXPECT_OK(s.access_token())) {
        CHECK(*t != access1);
    }
    if (auto t = EXPECT_OK(s.refresh_token())) {
        CHECK(*t != refresh1);
    }
    if (auto ex = EXPECT_OK(s.expiries())) {
        CHECK(epoch_ms(ex->access) >= access_ms && epoch_ms(ex->refresh) >= refresh_ms);
    }

    // Keyring.
    if (auto keys = EXPECT_OK(s.keys_json())) {
        CHECK(!keys->empty() && (*keys)[0] == '[');
        CHECK(contains(*keys, key.public_key));
        CHECK(!contains(*keys, key2.public_key));
    }
    EXPECT_OK(s.add_key(key2.private_key));
    if (auto keys = EXPECT_OK(s.keys_json())) {
        CHECK(contains(*keys, key.public_key) && contains(*keys, key2.public_key));
    }
    if (auto e = EXPECT_ERR(s.add_key(key2.private_key), sxt::status::bad_request, nullptr)) {
        CHECK(e->http_status() == 400);
    }
    EXPECT_ERR(s.add_key("not a key"), sxt::status::invalid_key, "new_private_key");
    EXPECT_ERR(s.add_key("\xff"), sxt::status::invalid_utf8, "new_private_key");
    EXPECT_ERR(s.add_key(key2.private_key + std::string("\0", 1)), sxt::status::invalid_argument, "new_private_key");
    EXPECT_OK(c.login(user, key2.private_key)); // the added key signs in

    // register_with_email, with and without a join code.
    const std::string mail_user = user_id("cpp-mail");
    if (auto m = EXPECT_OK(c.register_with_email(mail_user, key.private_key, "cpp@example.com"))) {
        if (auto id = EXPECT_OK(m->user_id())) {
            CHECK_EQ_STR(*id, mail_user);
        }
        if (auto info = EXPECT_OK(m->token_info_json())) {
            CHECK(contains(*info, "\"userId\":\"" + mail_user + "\""));
        }
    }
    if (auto exists = EXPECT_OK(c.user_exists(mail_user))) {
        CHECK(*exists == true);
    }
    const std::string mail_user2 = user_id("cpp-mail");
    EXPECT_OK(c.register_with_email(mail_user2, key.private_key, "cpp2@example.com", std::string("TEAM-CPP")));
    if (auto e = EXPECT_ERR(c.register_with_email(user_id("cpp-mail"), key.private_key, "cpp3@example.com",
                                                  std::string("NO-SUCH-CODE")),
                            sxt::status::bad_request, nullptr)) {
        CHECK(e->http_status() == 400);
    }

    // Logout: afterwards every call but user_id() is LOGGED_OUT.
    EXPECT_OK(s.logout());
    EXPECT_ERR(s.access_token(), sxt::status::logged_out, nullptr);
    EXPECT_ERR(s.refresh(), sxt::status::logged_out, nullptr);
    EXPECT_ERR(s.logout(), sxt::status::logged_out, nullptr);
    EXPECT_ERR(s.refresh_token(), sxt::status::logged_out, nullptr);
    EXPECT_ERR(s.expiries(), sxt::status::logged_out, nullptr);
    EXPECT_ERR(s.token_info_json(), sxt::status::logged_out, nullptr);
    EXPECT_ERR(s.keys_json(), sxt::status::logged_out, nullptr);
    if (auto e = EXPECT_ERR(s.add_key(stranger.private_key), sxt::status::logged_out, nullptr)) {
        CHECK(e->http_status() == 0);
    }
    if (auto id = EXPECT_OK(s.user_id())) {
        CHECK_EQ_STR(*id, user);
    }
    CHECK(static_cast<bool>(s)); // logged out is not empty: it is freed by its destructor
    CHECK(srv.log_count("POST /v1/auth/logout -> 2") == 1);
}

void test_moved_from() {
    h_section("moved-from and default-constructed objects: INVALID_HANDLE on every call");
    server srv(false);
    if (!srv.up()) {
        return;
    }
    const sxt::key_pair key = sxt::keygen();
    const std::string user = user_id("cpp-moved");

    sxt::client empty_client;
    CHECK(!empty_client && empty_client.native_handle() == nullptr);
    EXPECT_ERR(empty_client.base_url(), sxt::status::invalid_handle, "client");
    EXPECT_ERR(empty_client.user_exists(user), sxt::status::invalid_handle, "client");

    std::optional<sxt::client> made = EXPECT_OK(sxt::client(srv.url(), srv.options()));
    if (!made) {
        return;
    }
    sxt::client a = std::move(*made);
    CHECK(!*made && static_cast<bool>(a));
    CHECK(made->native_handle() == nullptr);
    EXPECT_ERR(made->base_url(), sxt::status::invalid_handle, "client");
    EXPECT_ERR(made->user_exists(user), sxt::status::invalid_handle, "client");
    EXPECT_ERR(made->login(user, key.private_key), sxt::status::invalid_handle, "client");
    EXPECT_ERR(made->register_user(user, key.private_key), sxt::status::invalid_handle, "client");
    EXPECT_ERR(made->register_user(user, key.private_key, std::string("X")), sxt::status::invalid_handle, "client");
    EXPECT_ERR(made->register_with_email(user, key.private_key, "a@example.com"), sxt::status::invalid_handle,
               "client");
    // A NUL byte is reported before the handle is looked at.
    EXPECT_ERR(made->user_exists(std::string("a\0b", 3)), sxt::status::invalid_argument, "user_id");

    // Move assignment: the target's old handle is released.
    std::optional<sxt::client> second = EXPECT_OK(sxt::client(srv.url(), srv.options()));
    if (!second) {
        return;
    }
    const std::size_t live_before = sxt_live_objects();
    a = std::move(*second);
    CHECK(sxt_live_objects() == live_before - 1);
    CHECK(!*second && static_cast<bool>(a));
    sxt::client &alias = a;
    a = std::move(alias); // self-move leaves it working
    CHECK(static_cast<bool>(a));
    if (auto base = EXPECT_OK(a.base_url())) {
        CHECK_EQ_STR(*base, srv.url());
    }
    *made = std::move(a); // a moved-from object can be assigned to again
    CHECK(static_cast<bool>(*made) && !a);

    std::optional<sxt::session> registered = EXPECT_OK(made->register_user(user, key.private_key));
    if (!registered) {
        return;
    }
    sxt::session s = std::move(*registered);
    sxt::session &gone = *registered;
    CHECK(!gone && gone.native_handle() == nullptr && static_cast<bool>(s));
    EXPECT_ERR(gone.access_token(), sxt::status::invalid_handle, "session");
    EXPECT_ERR(gone.refresh(), sxt::status::invalid_handle, "session");
    EXPECT_ERR(gone.logout(), sxt::status::invalid_handle, "session");
    EXPECT_ERR(gone.refresh_token(), sxt::status::invalid_handle, "session");
    EXPECT_ERR(gone.expiries(), sxt::status::invalid_handle, "session");
    EXPECT_ERR(gone.user_id(), sxt::status::invalid_handle, "session");
    EXPECT_ERR(gone.token_info_json(), sxt::status::invalid_handle, "session");
    EXPECT_ERR(gone.keys_json(), sxt::status::invalid_handle, "session");
    EXPECT_ERR(gone.add_key(key.private_key), sxt::status::invalid_handle, "session");
    if (auto e = EXPECT_ERR(gone.access_token(), sxt::status::invalid_handle, "session")) {
        CHECK(e->http_status() == 0 && !e->title() && !e->detail());
    }
    sxt::session empty_session;
    CHECK(!empty_session);
    EXPECT_ERR(empty_session.access_token(), sxt::status::invalid_handle, "session");
    EXPECT_ERR(empty_session.logout(), sxt::status::invalid_handle, "session");

    // Move assignment over a live session releases it; the moved session works.
    std::optional<sxt::session> other = EXPECT_OK(made->login(user, key.private_key));
    if (other) {
        const std::size_t before = sxt_live_objects();
        s = std::move(*other);
        CHECK(sxt_live_objects() == before - 1);
        CHECK(!*other);
    }
    sxt::session &self = s;
    s = std::move(self);
    CHECK(static_cast<bool>(s));

    // Sessions outlive their client.
    *made = sxt::client();
    CHECK(!*made);
    if (auto t = EXPECT_OK(s.access_token())) {
        CHECK(!t->empty());
    }
    EXPECT_OK(s.refresh());
    if (auto info = EXPECT_OK(s.token_info_json())) {
        CHECK(contains(*info, user));
    }
    // A session in a container, moved around.
    std::vector<sxt::session> sessions;
    sessions.push_back(std::move(s));
    sessions.emplace_back();
    sessions.resize(8);
    if (auto id = EXPECT_OK(sessions[0].user_id())) {
        CHECK_EQ_STR(*id, user);
    }
    EXPECT_ERR(sessions[1].user_id(), sxt::status::invalid_handle, "session");
}

void test_tls() {
    h_section("https: with the server's CA, without it, with another server's CA");
    server tls(true);
    server other(true);
    if (!tls.up() || !other.up()) {
        return;
    }
    const std::string pem = tls.ca_pem();
    CHECK(contains(pem, "BEGIN CERTIFICATE"));
    const sxt::key_pair key = sxt::keygen();
    const std::string user = user_id("cpp-tls");

    sxt::client_options trusted;
    trusted.ca_pems = {other.ca_pem(), pem}; // several CAs add up
    if (auto c = EXPECT_OK(sxt::client(tls.url(), trusted))) {
        if (auto exists = EXPECT_OK(c->user_exists(user))) {
            CHECK(*exists == false);
        }
        if (auto s = EXPECT_OK(c->register_user(user, key.private_key))) {
            if (auto t = EXPECT_OK(s->access_token())) {
                CHECK(!t->empty());
            }
        }
    }
    // Through `localhost` and the /v1/ form of the URL.
    const std::string port = tls.url().substr(tls.url().rfind(':'));
    if (auto c = EXPECT_OK(sxt::client("https://localhost" + port + "/v1/", trusted))) {
        if (auto s = EXPECT_OK(c->login(user, key.private_key))) {
            EXPECT_OK(s->logout());
        }
    }
    // Mozilla's roots only: the handshake fails.
    if (auto c = EXPECT_OK(sxt::client(tls.url()))) {
        if (auto e = EXPECT_ERR(c->user_exists(user), sxt::status::tls, nullptr)) {
            CHECK(e->http_status() == 0);
        }
        EXPECT_ERR(c->login(user, key.private_key), sxt::status::tls, nullptr);
        EXPECT_ERR(c->register_user(user_id("cpp-tls"), key.private_key), sxt::status::tls, nullptr);
    }
    // Another server's CA only.
    sxt::client_options wrong;
    wrong.ca_pems = {other.ca_pem()};
    if (auto c = EXPECT_OK(sxt::client(tls.url(), wrong))) {
        EXPECT_ERR(c->user_exists(user), sxt::status::tls, nullptr);
    }
    // allow_http does not turn https off.
    sxt::client_options both = trusted;
    both.allow_http = true;
    if (auto c = EXPECT_OK(sxt::client(tls.url(), both))) {
        if (auto exists = EXPECT_OK(c->user_exists(user))) {
            CHECK(*exists == true);
        }
    }
}

void test_keep_key() {
    h_section("keep_key: with the key a session survives its refresh chain; without it, SESSION_EXPIRED");
    server srv(false, {"--access-ttl", "2", "--refresh-ttl", "2"});
    if (!srv.up()) {
        return;
    }
    const sxt::key_pair key = sxt::keygen();
    const std::string user = user_id("cpp-keep");
    sxt::client_options keyless_options = srv.options();
    keyless_options.keep_key = false;
    std::optional<sxt::client> keeper = EXPECT_OK(sxt::client(srv.url(), srv.options()));
    std::optional<sxt::client> keyless = EXPECT_OK(sxt::client(srv.url(), keyless_options));
    if (!keeper || !keyless) {
        return;
    }
    std::optional<sxt::session> kept = EXPECT_OK(keeper->register_user(user, key.private_key));
    std::optional<sxt::session> nokey = EXPECT_OK(keyless->login(user, key.private_key));
    if (!kept || !nokey) {
        return;
    }
    const int logins = srv.log_count("POST /v1/auth/token -> 200");
    const int refreshes = srv.log_count("POST /v1/auth/refresh ");
    h_sleep_ms(2300); // both refresh tokens are dead now
    // The refresh chain has run out (known from its expiry, so nothing is asked of the server).
    if (auto e = EXPECT_ERR(nokey->refresh(), sxt::status::session_expired, nullptr)) {
        h_checkf(e->http_status() == 0, __FILE__, __LINE__, "no HTTP status for an expired chain", "%s",
                 describe(*e).c_str());
    }
    EXPECT_ERR(nokey->access_token(), sxt::status::session_expired, nullptr);
    EXPECT_ERR(nokey->token_info_json(), sxt::status::session_expired, nullptr);
    CHECK(srv.log_count("POST /v1/auth/token -> 200") == logins);
    CHECK(srv.log_count("POST /v1/auth/refresh ") == refreshes);
    EXPECT_OK(kept->refresh()); // signs in again with the kept key
    if (auto info = EXPECT_OK(kept->token_info_json())) {
        CHECK(contains(*info, user));
    }
    CHECK(srv.log_count("POST /v1/auth/token -> 200") == logins + 1);

    // A refresh the server refuses (logout ended every session of the user): SESSION_EXPIRED with its 401.
    std::optional<sxt::session> fresh = EXPECT_OK(keyless->login(user, key.private_key));
    EXPECT_OK(kept->logout());
    if (fresh) {
        if (auto e = EXPECT_ERR(fresh->refresh(), sxt::status::session_expired, nullptr)) {
            CHECK(e->http_status() == 401);
            CHECK(e->title().has_value() && e->detail().has_value());
        }
    }
}

void test_threads() {
    constexpr int THREADS = 8;
    h_section("one session from 8 std::threads: a burst for a due token makes one refresh; mixed load");
    server srv(false, {"--access-ttl", "4"});
    if (!srv.up()) {
        return;
    }
    const sxt::key_pair key = sxt::keygen();
    const std::string user = user_id("cpp-threads");
    sxt::client_options no_margin = srv.options();
    no_margin.refresh_margin = std::chrono::milliseconds(0);
    std::optional<sxt::client> c = EXPECT_OK(sxt::client(srv.url(), srv.options()));
    std::optional<sxt::client> late = EXPECT_OK(sxt::client(srv.url(), no_margin));
    if (!c || !late) {
        return;
    }
    std::optional<sxt::session> made = EXPECT_OK(c->register_user(user, key.private_key));
    std::optional<sxt::session> late_session = EXPECT_OK(late->login(user, key.private_key));
    if (!made || !late_session) {
        return;
    }
    const sxt::session &s = *made;
    const std::string before = s.access_token();
    const std::string late_before = late_session->access_token();
    const int refreshes = srv.log_count("POST /v1/auth/refresh ");
    h_sleep_ms(2600); // past the renewal point (the 60 s margin is clamped to half of the 4 s lifetime)

    // refresh_margin 0: the token, still valid for about 1.4 s, is not renewed yet.
    if (auto t = EXPECT_OK(late_session->access_token())) {
        CHECK_EQ_STR(*t, late_before);
    }
    CHECK(srv.log_count("POST /v1/auth/refresh ") == refreshes);

    // The burst.
    {
        gate start;
        std::vector<std::string> tokens(THREADS);
        std::vector<std::string> errors(THREADS);
        std::vector<std::thread> threads;
        for (int i = 0; i < THREADS; i++) {
            threads.emplace_back([&, i] {
                start.wait();
                try {
                    tokens[i] = s.access_token();
                } catch (const std::exception &e) {
                    errors[i] = e.what();
                }
            });
        }
        start.open();
        for (std::thread &t : threads) {
            t.join();
        }
        // The token is due but valid: a thread that finds the refresh in flight gets the current token at once,
        // so each thread holds the old token or the one refreshed token.
        const std::string after = s.access_token();
        CHECK(after != before);
        for (int i = 0; i < THREADS; i++) {
            h_checkf(errors[i].empty() && !tokens[i].empty(), __FILE__, __LINE__, "burst thread got a token", "%s",
                     errors[i].c_str());
            CHECK(tokens[i] == after || tokens[i] == before);
        }
        h_checkf(srv.log_count("POST /v1/auth/refresh ") == refreshes + 1, __FILE__, __LINE__,
                 "one refresh for the burst", "%d refreshes", srv.log_count("POST /v1/auth/refresh ") - refreshes);
    }

    // Mixed load: every call of the session from every thread for 2.5 s (thread 0 also forces refreshes).
    {
        gate start;
        std::mutex lock;
        std::set<std::string> seen;
        std::vector<std::string> errors;
        std::vector<int> calls(THREADS, 0);
        std::atomic<std::int64_t> deadline{0};
        sxt::session &shared = *made;
        std::vector<std::thread> threads;
        for (int i = 0; i < THREADS; i++) {
            threads.emplace_back([&, i] {
                start.wait();
                for (int n = 0; n == 0 || now_ms() < deadline.load(); n++) {
                    try {
                        switch ((n + i) % 6) {
                        case 0: {
                            const std::string t = shared.access_token();
                            std::lock_guard<std::mutex> g(lock);
                            seen.insert(t);
                            break;
                        }
                        case 1:
                            if (!contains(shared.token_info_json(), "\"userId\":\"" + user + "\"")) {
                                throw std::runtime_error("token info without the user id");
                            }
                            break;
                        case 2:
                            if (shared.refresh_token().empty()) {
                                throw std::runtime_error("empty refresh token");
                            }
                            break;
                        case 3:
                            if (shared.expiries().access <= std::chrono::system_clock::time_point()) {
                                throw std::runtime_error("no expiry");
                            }
                            break;
                        case 4:
                            if (shared.user_id() != user) {
                                throw std::runtime_error("wrong user id");
                            }
                            break;
                        default:
                            if (i == 0) {
                                shared.refresh();
                            } else if (!contains(shared.keys_json(), key.public_key)) {
                                throw std::runtime_error("keys without the key");
                            }
                            break;
                        }
                        calls[i]++;
                    } catch (const std::exception &e) {
                        std::lock_guard<std::mutex> g(lock);
                        errors.push_back(e.what());
                    }
                }
            });
        }
        deadline = now_ms() + 2500;
        start.open();
        for (std::thread &t : threads) {
            t.join();
        }
        h_checkf(errors.empty(), __FILE__, __LINE__, "no call failed under concurrent use", "%zu failures, first: %s",
                 errors.size(), errors.empty() ? "" : errors[0].c_str());
        for (int i = 0; i < THREADS; i++) {
            h_checkf(calls[i] > 0, __FILE__, __LINE__, "every thread made calls", "thread %d: %d", i, calls[i]);
        }
        h_checkf(seen.size() >= 2, __FILE__, __LINE__, "the token rotated while threads used it",
                 "%zu distinct tokens", seen.size());
    }
    if (auto t = EXPECT_OK(s.access_token())) {
        CHECK(!t->empty());
    }
    // Logout while nobody else uses it; then every thread sees LOGGED_OUT.
    EXPECT_OK(made->logout());
    std::atomic<int> logged_out{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < THREADS; i++) {
        threads.emplace_back([&] {
            try {
                (void)s.access_token();
            } catch (const sxt::error &e) {
                if (e.status() == sxt::status::logged_out) {
                    logged_out++;
                }
            }
        });
    }
    for (std::thread &t : threads) {
        t.join();
    }
    CHECK(logged_out.load() == THREADS);
}

// ---- sxt::call: a call's own deadline and cancellation --------------------------------------------------

void test_call() {
    h_section("sxt::call: cancel from another std::thread, a deadline, every session call with one");
    EXPECT_ERR(sxt::call(std::chrono::milliseconds(0)), sxt::status::invalid_argument, "timeout_ms");
    EXPECT_ERR(sxt::call(std::chrono::hours(25)), sxt::status::invalid_argument, "timeout_ms");
    CHECK(!sxt::call::none());
    EXPECT_ERR(sxt::call::none().cancel(), sxt::status::invalid_handle, "call");
    {
        sxt::call moved;
        sxt::call to(std::move(moved));
        CHECK(to && !moved);
        EXPECT_OK((to.cancel(), true));
    }

    int port = 0;
    const int fd = h_silent_listener(&port);
    if (CHECK(fd >= 0)) {
        sxt::client_options o;
        o.allow_http = true;
        o.read_timeout = std::chrono::seconds(20);
        o.timeout = std::chrono::seconds(20);
        if (auto c = EXPECT_OK(sxt::client("http://127.0.0.1:" + std::to_string(port), o))) {
            sxt::call cancel;
            std::thread canceller([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                cancel.cancel();
            });
            std::int64_t started = now_ms();
            EXPECT_ERR(c->user_exists("cpp-nobody", cancel), sxt::status::cancelled, nullptr);
            canceller.join();
            CHECK(now_ms() - started < 5000);
            EXPECT_ERR(c->login("cpp-nobody", SEED_B64, cancel), sxt::status::cancelled, nullptr);

            sxt::call deadline(std::chrono::milliseconds(300));
            started = now_ms();
            if (auto e = EXPECT_ERR(c->register_user("cpp-nobody", SEED_B64, std::nullopt, deadline), sxt::status::timeout,
                                    nullptr)) {
                CHECK(std::string(e->what()).find("deadline") != std::string::npos);
            }
            CHECK(now_ms() - started < 5000);
        }
        close(fd);
    }

    server srv(false);
    if (!srv.up()) {
        return;
    }
    const sxt::key_pair key = sxt::keygen();
    const sxt::key_pair second = sxt::keygen();
    const std::string user = "cpp-call-" + std::to_string(now_ms());
    if (auto c = EXPECT_OK(sxt::client(srv.url(), srv.options()))) {
        sxt::call live(std::chrono::seconds(20));
        sxt::call cancelled;
        cancelled.cancel();
        CHECK(!EXPECT_OK(c->user_exists(user, live)).value_or(true));
        if (auto s = EXPECT_OK(c->register_user(user, key.private_key, std::nullopt, live))) {
            CHECK(!EXPECT_OK(s->access_token(live)).value_or("").empty());
            EXPECT_OK((s->refresh(live), true));
            CHECK(EXPECT_OK(s->token_info_json(live)).value_or("").find(user) != std::string::npos);
            EXPECT_OK((s->add_key(second.private_key, live), true));
            CHECK(EXPECT_OK(s->keys_json(live)).value_or("").find(second.public_key) != std::string::npos);
            const std::string before = s->refresh_token();
            const int requests = srv.log_count(" -> ");
            EXPECT_ERR(s->refresh(cancelled), sxt::status::cancelled, nullptr);
            EXPECT_ERR(s->logout(cancelled), sxt::status::cancelled, nullptr);
            EXPECT_ERR(c->login(user, key.private_key, cancelled), sxt::status::cancelled, nullptr);
            EXPECT_ERR(c->register_with_email(user, key.private_key, "a@example.com", std::nullopt, cancelled),
                       sxt::status::cancelled, nullptr);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            CHECK(srv.log_count(" -> ") == requests);
            CHECK_EQ_STR(s->refresh_token(), before);
            EXPECT_OK((s->refresh(), true));
            EXPECT_OK((s->logout(live), true));
        }
        EXPECT_OK(c->login(user, key.private_key, live));
    }
}

// ---- the access token where requests are made ----------------------------------------------------------

// GET /v1/auth/validtoken at `url` with `authorization` as the header value: the HTTP status, or -1.
int validtoken_status(const std::string &url, const std::string &authorization) {
    int port = 0;
    if (std::sscanf(url.c_str(), "http://127.0.0.1:%d", &port) != 1) {
        return -1;
    }
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int status = -1;
    if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0) {
        const std::string request = "GET /v1/auth/validtoken HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: " +
                                    authorization + "\r\nconnection: close\r\n\r\n";
        char reply[64] = {0};
        if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()) &&
            read(fd, reply, sizeof reply - 1) > 12) {
            std::sscanf(reply, "HTTP/1.1 %d", &status);
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    return status;
}

void test_authorization() {
    h_section("authorization(): a Bearer value the API accepts; token_rejected renews a revoked token once");
    server srv(false);
    if (!srv.up()) {
        return;
    }
    const sxt::key_pair key = sxt::keygen();
    const std::string user = "cpp-authz-" + std::to_string(now_ms());
    if (auto c = EXPECT_OK(sxt::client(srv.url(), srv.options()))) {
        auto s = EXPECT_OK(c->register_user(user, key.private_key));
        auto other = EXPECT_OK(c->login(user, key.private_key));
        if (s && other) {
            const std::string before = s->authorization();
            const std::string token = s->access_token();
            CHECK_EQ_STR(before, "Bearer " + token);
            CHECK(validtoken_status(srv.url(), before) == 200);
            other->logout();
            CHECK(validtoken_status(srv.url(), before) == 401);
            const int sign_ins = srv.log_count("POST /v1/auth/token -> 200");
            EXPECT_OK((s->token_rejected(token), true));
            EXPECT_OK((s->token_rejected(token), true));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            CHECK(srv.log_count("POST /v1/auth/token -> 200") == sign_ins + 1);
            const std::string after = s->authorization(sxt::call(std::chrono::seconds(20)));
            CHECK(after != before);
            CHECK(validtoken_status(srv.url(), after) == 200);
            EXPECT_ERR(s->token_rejected(std::string("a\0b", 3)), sxt::status::invalid_argument, "access_token");
        }
    }
}

std::string json_field(const std::string &json, const char *key) {
    char out[128];
    return h_json_string(json.c_str(), key, out, sizeof out) ? std::string(out) : std::string();
}

void test_api_keys_and_subscriptions() {
    for (const bool tls : {false, true}) {
        h_section(tls ? "api keys and subscriptions (https)" : "api keys and subscriptions (http)");
        server srv(tls, {"--api-key", "cppkeyed:cpp-api-key-1"});
        if (!srv.up()) {
            return;
        }
        sxt::client_options o = srv.options();
        o.proxy_url = srv.url();
        auto c = EXPECT_OK(sxt::client(srv.url(), o));
        if (!c) {
            return;
        }
        // API-key sign-in: user id from validtoken, no refresh token, refresh signs in again.
        if (auto s = EXPECT_OK(c->login_api_key("cpp-api-key-1"))) {
            CHECK_EQ_STR(s->user_id(), "cppkeyed");
            EXPECT_ERR(s->refresh_token(), sxt::status::not_found, nullptr);
            CHECK(s->expiries().refresh.time_since_epoch().count() == 0);
            EXPECT_OK((s->refresh(), true));
            CHECK(srv.log_count("POST /auth/apikey -> 200") == 2);
            CHECK(srv.log_count("POST /v1/auth/refresh") == 0);
            EXPECT_OK((s->logout(), true));
        }
        if (auto e = EXPECT_ERR(c->login_api_key("cpp-wrong-key"), sxt::status::unauthorized, nullptr)) {
            CHECK(e->http_status() == 401 && e->detail() == std::optional<std::string>("unknown API key"));
            CHECK(!contains(e->what(), "cpp-wrong-key"));
        }
        EXPECT_ERR(c->login_api_key(""), sxt::status::invalid_argument, "api_key");
        EXPECT_ERR(c->login_api_key(std::string("a\0b", 3)), sxt::status::invalid_argument, "api_key");
        sxt::client_options bad = srv.options();
        bad.proxy_url = "ftp://nowhere";
        EXPECT_ERR(sxt::client(srv.url(), bad), sxt::status::invalid_url, "proxy_url");

        // Invite, join: the member's new token names the owner's subscription.
        const sxt::key_pair k1 = sxt::keygen(), k2 = sxt::keygen();
        auto owner = EXPECT_OK(c->register_user(user_id("cpp-owner"), k1.private_key));
        auto member = EXPECT_OK(c->register_user(user_id("cpp-member"), k2.private_key));
        if (!owner || !member) {
            return;
        }
        const std::string owner_sub = json_field(owner->token_info_json(), "subscriptionId");
        CHECK(json_field(member->token_info_json(), "subscriptionId") != owner_sub);
        const std::string code = owner->create_join_code(sxt::role::admin);
        const std::string before = member->access_token();
        EXPECT_OK((member->join_subscription(code), true));
        CHECK(member->access_token() != before);
        CHECK_EQ_STR(json_field(member->token_info_json(), "subscriptionId"), owner_sub);
        CHECK(!EXPECT_OK(member->create_join_code(sxt::role::member)).value_or("").empty());
        if (auto e = EXPECT_ERR(member->create_join_code(sxt::role::owner), sxt::status::unauthorized, nullptr)) {
            CHECK(e->http_status() == 403);
        }
        EXPECT_ERR(member->create_join_code(static_cast<sxt::role>(7)), sxt::status::invalid_argument, "role");
        EXPECT_ERR(owner->join_subscription(code), sxt::status::bad_request, nullptr);
        EXPECT_ERR(owner->join_subscription(""), sxt::status::invalid_argument, "join_code");
    }
}

void test_expired_join_code() {
    h_section("an expired join code");
    server srv(false, {"--invite-ttl", "1"});
    if (!srv.up()) {
        return;
    }
    auto c = EXPECT_OK(sxt::client(srv.url(), srv.options()));
    if (!c) {
        return;
    }
    auto owner = EXPECT_OK(c->register_user(user_id("cpp-owner"), sxt::keygen().private_key));
    auto member = EXPECT_OK(c->register_user(user_id("cpp-member"), sxt::keygen().private_key));
    if (owner && member) {
        const std::string code = owner->create_join_code(sxt::role::member);
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));
        if (auto e = EXPECT_ERR(member->join_subscription(code), sxt::status::bad_request, nullptr)) {
            CHECK(e->detail() == std::optional<std::string>("join code has expired"));
        }
    }
}

void test_revoked_api_key() {
    h_section("a revoked API key");
    const std::string path = "/tmp/sxt-cpp-keys-" + std::to_string(getpid()) + ".txt";
    {
        std::ofstream f(path);
        f << "# keys\nfileuser:CPP-FILE-KEY\n";
    }
    server srv(false, {"--api-keys-file", path.c_str(), "--access-ttl", "2"});
    if (!srv.up()) {
        return;
    }
    sxt::client_options o = srv.options();
    o.proxy_url = srv.url();
    auto c = EXPECT_OK(sxt::client(srv.url(), o));
    auto s = c ? EXPECT_OK(c->login_api_key("CPP-FILE-KEY")) : std::nullopt;
    if (!s) {
        return;
    }
    {
        std::ofstream f(path);
        f << "# none\n";
    }
    CHECK(kill(srv.pid(), SIGHUP) == 0);
    for (int i = 0; i < 50 && srv.log_count("reloaded 0 API keys") == 0; i++) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(srv.log_count("reloaded 0 API keys") == 1);
    if (auto e = EXPECT_ERR(c->login_api_key("CPP-FILE-KEY"), sxt::status::unauthorized, nullptr)) {
        CHECK(e->detail() == std::optional<std::string>("unknown API key"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    if (auto e = EXPECT_ERR(s->access_token(), sxt::status::unauthorized, nullptr)) {
        CHECK(e->http_status() == 401);
    }
    std::remove(path.c_str());
}

void test_signers_and_persistence() {
    for (const bool tls : {false, true}) {
        h_section(tls ? "signers, export and import, the observer (https)" : "signers, export and import, the observer (http)");
        server srv(tls, {"--access-ttl", "1", "--refresh-ttl", "2"});
        if (!srv.up()) {
            return;
        }
        sxt::client_options o = srv.options();
        o.refresh_margin = std::chrono::milliseconds(0);
        auto c = EXPECT_OK(sxt::client(srv.url(), o));
        if (!c) {
            return;
        }
        const sxt::key_pair key = sxt::keygen();
        auto calls = std::make_shared<std::atomic<int>>(0);
        std::optional<sxt::signer> s;
        s.emplace(key.public_key, [calls, k = key.private_key](std::string_view code) {
            ++*calls;
            return sxt::sign(k, std::string(code));
        });
        const std::string user = user_id("cpp-signer");
        auto session = EXPECT_OK(c->register_user(user, *s));
        if (!session) {
            return;
        }
        CHECK(*calls == 1);
        s.reset(); // the session keeps the signing function alive
        std::this_thread::sleep_for(std::chrono::milliseconds(2200));
        CHECK(!EXPECT_OK(session->access_token()).value_or("").empty());
        CHECK(*calls == 2); // signed in again through the signer

        // A throwing signer: signer_failed with its message; nothing sent.
        const int tokens = srv.log_count("POST /v1/auth/token");
        sxt::signer refusing(key.public_key, [](std::string_view) -> std::string { throw std::runtime_error("declined on the device"); });
        if (auto e = EXPECT_ERR(c->login(user, refusing), sxt::status::signer_failed, nullptr)) {
            CHECK(contains(e->what(), "declined on the device"));
        }
        sxt::signer garbage(key.public_key, [](std::string_view) { return std::string("zz"); });
        EXPECT_ERR(c->login(user, garbage), sxt::status::signer_failed, nullptr);
        CHECK(srv.log_count("POST /v1/auth/token") == tokens);
        EXPECT_ERR(sxt::signer("not a key", [](std::string_view) { return std::string(); }), sxt::status::invalid_key,
                   "public_key");

        // The observer: every rotation once, and logout; export from inside it.
        auto rotations = std::make_shared<std::atomic<int>>(0);
        auto logouts = std::make_shared<std::atomic<int>>(0);
        auto exported = std::make_shared<std::string>();
        sxt::session *sp = &*session;
        session->set_observer([rotations, logouts, exported, sp](sxt::event e) {
            if (e == sxt::event::rotated) {
                ++*rotations;
                *exported = sp->export_session();
            } else {
                ++*logouts;
            }
        });
        const int refreshes = srv.log_count("POST /v1/auth/refresh -> 200");
        EXPECT_OK((session->refresh(), true));
        EXPECT_OK((session->refresh(), true));
        CHECK(srv.log_count("POST /v1/auth/refresh -> 200") == refreshes + 2 && *rotations == 2);
        CHECK(*exported == session->export_session());

        // Export, import with the key, refresh; with a signer; bad blobs.
        const std::string blob = session->export_session();
        CHECK(blob.rfind("sxts1.", 0) == 0 && !contains(blob, key.private_key));
        if (auto restored = EXPECT_OK(c->import_session(blob, key.private_key))) {
            CHECK_EQ_STR(restored->user_id(), user);
            EXPECT_OK((restored->refresh(), true));
        }
        sxt::signer again(key.public_key, [k = key.private_key](std::string_view code) { return sxt::sign(k, std::string(code)); });
        EXPECT_OK(c->import_session(session->export_session(), again));
        EXPECT_ERR(c->import_session(blob.substr(0, blob.size() - 3)), sxt::status::invalid_argument, "blob");
        EXPECT_ERR(c->import_session(blob, sxt::keygen().private_key), sxt::status::invalid_key, "secret");
        EXPECT_OK((session->logout(), true));
        CHECK(*logouts == 1);
        EXPECT_ERR(session->export_session(), sxt::status::logged_out, nullptr);
    }
}

using test_fn = void (*)();

void run(const char *name, test_fn fn) {
    try {
        fn();
    } catch (const sxt::error &e) {
        h_checkf(false, __FILE__, __LINE__, name, "unexpected sxt::error %s", describe(e).c_str());
    } catch (const std::exception &e) {
        h_checkf(false, __FILE__, __LINE__, name, "unexpected exception: %s", e.what());
    }
    // Everything the test made is gone once it returns.
    h_checkf(sxt_live_objects() == 0, __FILE__, __LINE__, name, "%lu library objects alive after the test",
             static_cast<unsigned long>(sxt_live_objects()));
}

} // namespace

int main() {
    run("status", test_status);
    run("version", test_version);
    run("keys", test_keys);
    run("error type", test_error_type);
    run("client options", test_client_options);
    run("user agent and problem reply", test_user_agent_and_problem_reply);
    run("transport", test_transport);
    run("flow", test_flow);
    run("moved-from objects", test_moved_from);
    run("tls", test_tls);
    run("keep_key", test_keep_key);
    run("threads", test_threads);
    run("call", test_call);
    run("authorization", test_authorization);
    run("api keys and subscriptions", test_api_keys_and_subscriptions);
    run("signers and persistence", test_signers_and_persistence);
    run("expired join code", test_expired_join_code);
    run("revoked API key", test_revoked_api_key);
    return h_finish();
}
