/*
 * Options, clients and the calls that start a session, against local servers:
 * every options setter (success, bad values, invalid handles); sxt_client_new with NULLs, invalid UTF-8,
 * malformed and insecure URLs, URL normalisation (sxt_client_base_url); sxt_user_exists; sxt_login,
 * sxt_register and sxt_register_with_email with every input error and every server refusal the local server
 * can give (wrong key, unknown user, duplicate registration with another key, missing/unknown join code);
 * the error accessors on server, transport and input errors; https with the server's CA, without it, and with
 * another server's CA; a stopped server (network error) and a server that never answers (timeout); a short
 * challenge lifetime.
 */
#include "harness.h"

#include <unistd.h>

static const char *const NO_ARGS[] = {NULL};

static void test_options(void) {
    sxt_client_options *opts = NULL;
    sxt_client_options *freed = NULL;
    sxt_client_options *sentinel_opts = (sxt_client_options *)&opts;
    sxt_client_options *out = sentinel_opts;
    sxt_client_options *forged = (sxt_client_options *)(uintptr_t)0x1234;
    sxt_error *err = NULL;
    char long_ua[300];
    h_section("client options");

    CHECK_ERR(sxt_client_options_new(NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "options_out");
    CHECK_STATUS(sxt_client_options_new(NULL, NULL), SXT_STATUS_NULL_ARGUMENT);
    if (!CHECK_OK(sxt_client_options_new(&opts, &err), err)) {
        return;
    }
    CHECK(opts != NULL);
    CHECK_OK(sxt_client_options_new(&freed, &err), err);
    sxt_client_options_free(freed);
    (void)out;

    /* Timeouts: 1 ms to 24 h accepted, 0 and more than 24 h refused. */
    CHECK_OK(sxt_client_options_set_connect_timeout_ms(opts, 5000, &err), err);
    CHECK_OK(sxt_client_options_set_read_timeout_ms(opts, 5000, &err), err);
    CHECK_OK(sxt_client_options_set_timeout_ms(opts, 20000, &err), err);
    CHECK_OK(sxt_client_options_set_connect_timeout_ms(opts, 86400000, &err), err);
    CHECK_OK(sxt_client_options_set_connect_timeout_ms(opts, 1, &err), err);
    CHECK_ERR(sxt_client_options_set_connect_timeout_ms(opts, 86400001, &err), err, SXT_STATUS_INVALID_ARGUMENT,
              "connect_timeout_ms");
    CHECK_ERR(sxt_client_options_set_read_timeout_ms(opts, UINT32_MAX, &err), err, SXT_STATUS_INVALID_ARGUMENT,
              "read_timeout_ms");
    CHECK_ERR(sxt_client_options_set_refresh_margin_ms(opts, 86400001, &err), err, SXT_STATUS_INVALID_ARGUMENT,
              "refresh_margin_ms");
    CHECK_ERR(sxt_client_options_set_connect_timeout_ms(opts, 0, &err), err, SXT_STATUS_INVALID_ARGUMENT, "connect_timeout_ms");
    CHECK_ERR(sxt_client_options_set_read_timeout_ms(opts, 0, &err), err, SXT_STATUS_INVALID_ARGUMENT, "read_timeout_ms");
    CHECK_ERR(sxt_client_options_set_timeout_ms(opts, 0, &err), err, SXT_STATUS_INVALID_ARGUMENT, "timeout_ms");
    CHECK_OK(sxt_client_options_set_refresh_margin_ms(opts, 0, &err), err);
    CHECK_OK(sxt_client_options_set_refresh_margin_ms(opts, 30000, &err), err);
    CHECK_OK(sxt_client_options_set_allow_http(opts, true, &err), err);
    CHECK_OK(sxt_client_options_set_allow_http(opts, false, &err), err);
    CHECK_OK(sxt_client_options_set_keep_key(opts, false, &err), err);
    CHECK_OK(sxt_client_options_set_keep_key(opts, true, &err), err);

    /* User agent: 1 to 256 printable characters. */
    CHECK_OK(sxt_client_options_set_user_agent(opts, "sxt-c-tests/1.0 (loopback)", &err), err);
    memset(long_ua, 'a', 256);
    long_ua[256] = '\0';
    CHECK_OK(sxt_client_options_set_user_agent(opts, long_ua, &err), err);
    long_ua[256] = 'a';
    long_ua[257] = '\0';
    CHECK_ERR(sxt_client_options_set_user_agent(opts, long_ua, &err), err, SXT_STATUS_INVALID_ARGUMENT, "user_agent");
    CHECK_ERR(sxt_client_options_set_user_agent(opts, "", &err), err, SXT_STATUS_INVALID_ARGUMENT, "user_agent");
    CHECK_ERR(sxt_client_options_set_user_agent(opts, "bad\r\nX-Injected: 1", &err), err, SXT_STATUS_INVALID_ARGUMENT,
              "user_agent");
    CHECK_ERR(sxt_client_options_set_user_agent(opts, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "user_agent");
    CHECK_ERR(sxt_client_options_set_user_agent(opts, "\xff", &err), err, SXT_STATUS_INVALID_UTF8, "user_agent");

    /* CA PEM: garbage and empty text hold no certificate. */
    CHECK_ERR(sxt_client_options_add_ca_pem(opts, "", &err), err, SXT_STATUS_INVALID_CERTIFICATE, "ca_pem");
    CHECK_ERR(sxt_client_options_add_ca_pem(opts, "hello", &err), err, SXT_STATUS_INVALID_CERTIFICATE, "ca_pem");
    CHECK_ERR(sxt_client_options_add_ca_pem(opts, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", &err),
              err, SXT_STATUS_INVALID_CERTIFICATE, "ca_pem");
    /* Well-formed PEM whose block is not an X.509 certificate, and an empty block. */
    CHECK_ERR(sxt_client_options_add_ca_pem(opts, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", &err),
              err, SXT_STATUS_INVALID_CERTIFICATE, "ca_pem");
    CHECK_ERR(sxt_client_options_add_ca_pem(opts, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", &err), err,
              SXT_STATUS_INVALID_CERTIFICATE, "ca_pem");
    /* A private key block alone holds no certificate. */
    CHECK_ERR(sxt_client_options_add_ca_pem(opts, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", &err),
              err, SXT_STATUS_INVALID_CERTIFICATE, "ca_pem");
    CHECK_ERR(sxt_client_options_add_ca_pem(opts, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "ca_pem");
    CHECK_ERR(sxt_client_options_add_ca_pem(opts, "\xfe\xff", &err), err, SXT_STATUS_INVALID_UTF8, "ca_pem");

    /* Invalid handles: NULL, forged, freed. */
    {
        sxt_client_options *bad[3];
        int i;
        bad[0] = NULL;
        bad[1] = forged;
        bad[2] = freed;
        for (i = 0; i < 3; i++) {
            CHECK_ERR(sxt_client_options_set_connect_timeout_ms(bad[i], 1, &err), err, SXT_STATUS_INVALID_HANDLE,
                      "options");
            CHECK_ERR(sxt_client_options_set_read_timeout_ms(bad[i], 1, &err), err, SXT_STATUS_INVALID_HANDLE,
                      "options");
            CHECK_ERR(sxt_client_options_set_timeout_ms(bad[i], 1, &err), err, SXT_STATUS_INVALID_HANDLE, "options");
            CHECK_ERR(sxt_client_options_set_refresh_margin_ms(bad[i], 1, &err), err, SXT_STATUS_INVALID_HANDLE,
                      "options");
            CHECK_ERR(sxt_client_options_set_allow_http(bad[i], true, &err), err, SXT_STATUS_INVALID_HANDLE,
                      "options");
            CHECK_ERR(sxt_client_options_set_user_agent(bad[i], "ua", &err), err, SXT_STATUS_INVALID_HANDLE,
                      "options");
            CHECK_ERR(sxt_client_options_set_keep_key(bad[i], false, &err), err, SXT_STATUS_INVALID_HANDLE,
                      "options");
            CHECK_ERR(sxt_client_options_add_ca_pem(bad[i], "x", &err), err, SXT_STATUS_INVALID_HANDLE, "options");
            CHECK_STATUS(sxt_client_options_set_allow_http(bad[i], true, NULL), SXT_STATUS_INVALID_HANDLE);
        }
    }
    sxt_client_options_free(opts);
}

static void expect_base_url(const char *input, bool allow_http, const char *want) {
    sxt_client_options *opts = NULL;
    sxt_client *client = NULL;
    sxt_error *err = NULL;
    char *normal = NULL;
    printf("   base URL %s\n", input);
    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    CHECK_OK(sxt_client_options_set_allow_http(opts, allow_http, &err), err);
    if (CHECK_OK(sxt_client_new(input, opts, &client, &err), err)) {
        CHECK_OK(sxt_client_base_url(client, &normal, &err), err);
        CHECK_STR(normal, want);
    }
    sxt_string_free(normal);
    sxt_client_free(client);
    sxt_client_options_free(opts);
}

static void expect_bad_url(const char *input, bool allow_http, sxt_status want) {
    sxt_client_options *opts = NULL;
    sxt_client *sentinel = (sxt_client *)&opts;
    sxt_client *client = sentinel;
    sxt_error *err = NULL;
    printf("   bad base URL \"%s\"\n", input);
    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    CHECK_OK(sxt_client_options_set_allow_http(opts, allow_http, &err), err);
    CHECK_ERR(sxt_client_new(input, opts, &client, &err), err, want, "base_url");
    CHECK(client == sentinel);
    if (!allow_http) {
        CHECK_STATUS(sxt_client_new(input, NULL, &client, NULL), want);
        CHECK(client == sentinel);
    }
    if (client != sentinel) {
        sxt_client_free(client);
    }
    sxt_client_options_free(opts);
}

static void test_client_new(void) {
    sxt_client_options *opts = NULL;
    sxt_client *sentinel = (sxt_client *)&opts;
    sxt_client *client = sentinel;
    sxt_error *err = NULL;
    char sentinel_text[] = "untouched";
    char *text = sentinel_text;
    char long_url[3000];
    h_section("sxt_client_new and base URLs");

    expect_base_url("https://api.spaceandtime.dev", false, "https://api.spaceandtime.dev");
    expect_base_url("https://api.spaceandtime.dev/", false, "https://api.spaceandtime.dev");
    expect_base_url("https://api.spaceandtime.dev/v1", false, "https://api.spaceandtime.dev");
    expect_base_url("https://api.spaceandtime.dev/v1/", false, "https://api.spaceandtime.dev");
    expect_base_url("HTTPS://API.SpaceAndTime.dev//v1//", false, "https://api.spaceandtime.dev");
    expect_base_url(" https://api.spaceandtime.dev/v1/ ", false, "https://api.spaceandtime.dev");
    expect_base_url("https://h.example/sxt/v1/", false, "https://h.example/sxt");
    expect_base_url("https://[::1]:8443", false, "https://[::1]:8443");
    expect_base_url("http://127.0.0.1:8080/v1/", true, "http://127.0.0.1:8080");
    expect_base_url("http://localhost:1", true, "http://localhost:1");
    expect_base_url("http://[::1]:1", true, "http://[::1]:1");

    memset(long_url, 'a', sizeof long_url - 1);
    memcpy(long_url, "https://", 8);
    long_url[sizeof long_url - 1] = '\0';
    {
        static const char *const malformed[] = {
            "", "   ", "api.spaceandtime.dev", "ftp://x", "https://", "https://:80", "https://a b", "https://h?x=1",
            "https://u:p@h", "https://h:99999", "https://h:", "https://[zz]:1", "https://h#f", "https://h\tx", "//h",
        };
        size_t i;
        for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
            expect_bad_url(malformed[i], false, SXT_STATUS_INVALID_URL);
            expect_bad_url(malformed[i], true, SXT_STATUS_INVALID_URL);
        }
        expect_bad_url(long_url, false, SXT_STATUS_INVALID_URL);
    }
    /*
     * Plain http: refused unless allowed, for loopback and other hosts alike; the explicit opt-in covers any
     * host (a local server in a test container has a name).
     */
    expect_bad_url("http://127.0.0.1:8080", false, SXT_STATUS_INSECURE_URL);
    expect_bad_url("http://localhost", false, SXT_STATUS_INSECURE_URL);
    expect_bad_url("http://[::1]:1", false, SXT_STATUS_INSECURE_URL);
    expect_bad_url("http://api.spaceandtime.dev/v1/", false, SXT_STATUS_INSECURE_URL);
    expect_bad_url("HTTP://10.1.2.3:8080", false, SXT_STATUS_INSECURE_URL);
    expect_base_url("http://api.spaceandtime.dev/v1/", true, "http://api.spaceandtime.dev");
    expect_base_url("http://sxt-mock:8080", true, "http://sxt-mock:8080");

    CHECK_ERR(sxt_client_new(NULL, NULL, &client, &err), err, SXT_STATUS_NULL_ARGUMENT, "base_url");
    CHECK_ERR(sxt_client_new("https://api.spaceandtime.dev", NULL, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT,
              "client_out");
    CHECK_ERR(sxt_client_new("https://api.spaceandtime.dev/\xff", NULL, &client, &err), err, SXT_STATUS_INVALID_UTF8,
              "base_url");
    CHECK_ERR(sxt_client_new("https://api.spaceandtime.dev", (const sxt_client_options *)(uintptr_t)0x77, &client, &err),
              err, SXT_STATUS_INVALID_HANDLE, "options");
    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    sxt_client_options_free(opts);
    CHECK_ERR(sxt_client_new("https://api.spaceandtime.dev", opts, &client, &err), err, SXT_STATUS_INVALID_HANDLE,
              "options");
    CHECK(client == sentinel);

    /* Options are read, not kept: freeing them leaves the client intact. */
    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    CHECK_OK(sxt_client_new("https://api.spaceandtime.dev", opts, &client, &err), err);
    sxt_client_options_free(opts);
    CHECK_OK(sxt_client_base_url(client, &text, &err), err);
    CHECK_STR(text, "https://api.spaceandtime.dev");
    sxt_string_free(text);
    text = sentinel_text;
    CHECK_ERR(sxt_client_base_url(client, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "base_url_out");
    CHECK_ERR(sxt_client_base_url(NULL, &text, &err), err, SXT_STATUS_INVALID_HANDLE, "client");
    sxt_client_free(client);
    CHECK_ERR(sxt_client_base_url(client, &text, &err), err, SXT_STATUS_INVALID_HANDLE, "client");
    CHECK(text == sentinel_text);
}

static void expect_user_id_refused(sxt_client *client, const char *key, const char *user_id, sxt_status want) {
    sxt_session *sentinel = (sxt_session *)&client;
    sxt_session *session = sentinel;
    sxt_error *err = NULL;
    bool exists = true;
    const char *arg = want < 100 ? "user_id" : NULL;
    CHECK_ERR(sxt_user_exists(client, user_id, &exists, &err), err, want, arg);
    CHECK(exists == true);
    CHECK_ERR(sxt_login(client, user_id, key, &session, &err), err, want, arg);
    CHECK_ERR(sxt_register(client, user_id, key, NULL, &session, &err), err, want, arg);
    CHECK_ERR(sxt_register_with_email(client, user_id, key, "a@example.com", NULL, &session, &err), err, want, arg);
    CHECK(session == sentinel);
}

/* Checks an error that came from an HTTP error reply, then frees it. */
static void expect_server_error(sxt_error **err, uint16_t http_status, const char *key) {
    const char *title = sxt_error_title(*err);
    const char *detail = sxt_error_detail(*err);
    const char *message = sxt_error_message(*err);
    CHECK(*err != NULL);
    CHECK(sxt_error_http_status(*err) == http_status);
    CHECK(title != NULL && title[0] != '\0');
    CHECK(detail != NULL && detail[0] != '\0');
    CHECK(sxt_error_argument(*err) == NULL);
    if (title != NULL) {
        CHECK_CONTAINS(message, title);
    }
    if (key != NULL) {
        CHECK_NOT_CONTAINS(message, key);
        CHECK_NOT_CONTAINS(title, key);
        CHECK_NOT_CONTAINS(detail, key);
    }
    sxt_error_free(*err);
    *err = NULL;
}

static void test_sign_in(const h_server *server) {
    sxt_client *client = h_client(server, -1);
    sxt_session *session = NULL;
    sxt_session *sentinel = (sxt_session *)&session;
    sxt_session *out = sentinel;
    sxt_error *err = NULL;
    char user[96];
    char user2[96];
    char long_user[300];
    char *pub = NULL;
    char *key = h_new_private_key(&pub);
    char *other_key = h_new_private_key(NULL);
    bool exists = true;
    sxt_status st;
    h_section("sign-in and registration over http");
    if (client == NULL || key == NULL || other_key == NULL) {
        CHECK(false);
        return;
    }
    h_user_id(user, sizeof user, "c-client");

    CHECK_OK(sxt_user_exists(client, user, &exists, &err), err);
    CHECK(exists == false);

    /* sxt_login never creates an account: an unknown user is NOT_FOUND (asked through idexists). */
    CHECK_ERR(sxt_login(client, user, key, &out, &err), err, SXT_STATUS_NOT_FOUND, "user_id");
    CHECK(out == sentinel);
    CHECK_STATUS(sxt_user_exists(client, user, &exists, NULL), SXT_STATUS_OK);
    CHECK(exists == false);

    /* Registration of a new user signs it in (no join code needed on this server). */
    if (CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err)) {
        CHECK(session != NULL);
        sxt_session_free(session);
        session = NULL;
    }
    CHECK_STATUS(sxt_user_exists(client, user, &exists, NULL), SXT_STATUS_OK);
    CHECK(exists == true);

    /* Existing user: login, and register with the key already on the keyring is a plain sign-in. */
    CHECK_OK(sxt_login(client, user, key, &session, &err), err);
    sxt_session_free(session);
    session = NULL;
    CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err);
    sxt_session_free(session);
    session = NULL;

    /* Wrong key: the signature verifies but the key is not on the keyring -> 400. */
    st = sxt_login(client, user, other_key, &out, &err);
    CHECK_STATUS(st, SXT_STATUS_BAD_REQUEST);
    CHECK(sxt_error_code(err) == SXT_STATUS_BAD_REQUEST);
    expect_server_error(&err, 400, other_key);
    CHECK(out == sentinel);

    /* Duplicate registration with another key. */
    st = sxt_register(client, user, other_key, NULL, &out, &err);
    CHECK(st == SXT_STATUS_BAD_REQUEST || st == SXT_STATUS_CONFLICT || st == SXT_STATUS_UNAUTHORIZED);
    CHECK(sxt_error_code(err) == st);
    expect_server_error(&err, st == SXT_STATUS_BAD_REQUEST ? 400 : st == SXT_STATUS_CONFLICT ? 409 : 401, other_key);
    st = sxt_register_with_email(client, user, other_key, "dup@example.com", NULL, &out, &err);
    CHECK(st == SXT_STATUS_BAD_REQUEST || st == SXT_STATUS_CONFLICT || st == SXT_STATUS_UNAUTHORIZED);
    sxt_error_free(err);
    err = NULL;
    CHECK(out == sentinel);

    /* Registration through auth/code-register with an e-mail address. */
    h_user_id(user2, sizeof user2, "c-email");
    if (CHECK_OK(sxt_register_with_email(client, user2, other_key, "someone@example.com", NULL, &session, &err),
                 err)) {
        sxt_session_free(session);
        session = NULL;
    }
    CHECK_STATUS(sxt_user_exists(client, user2, &exists, NULL), SXT_STATUS_OK);
    CHECK(exists == true);
    h_user_id(user2, sizeof user2, "c-email");
    CHECK_ERR(sxt_register_with_email(client, user2, key, "not-an-e-mail", NULL, &out, &err), err,
              SXT_STATUS_BAD_REQUEST, NULL);
    CHECK_ERR(sxt_register_with_email(client, user2, key, NULL, NULL, &out, &err), err, SXT_STATUS_NULL_ARGUMENT,
              "email");
    CHECK_ERR(sxt_register_with_email(client, user2, key, "", NULL, &out, &err), err, SXT_STATUS_INVALID_ARGUMENT,
              "email");
    CHECK_ERR(sxt_register_with_email(client, user2, key, "a@b\xff", NULL, &out, &err), err, SXT_STATUS_INVALID_UTF8,
              "email");
    CHECK_ERR(sxt_register_with_email(client, user2, key, "a@example.com", "\xff", &out, &err), err,
              SXT_STATUS_INVALID_UTF8, "join_code");
    CHECK_STATUS(sxt_user_exists(client, user2, &exists, NULL), SXT_STATUS_OK);
    CHECK(exists == false);

    /* Join codes on a server that has none: an unknown code is refused, an empty one is a bad argument. */
    h_user_id(user2, sizeof user2, "c-join");
    CHECK_ERR(sxt_register(client, user2, key, "NO-SUCH-CODE", &out, &err), err, SXT_STATUS_BAD_REQUEST, NULL);
    CHECK_ERR(sxt_register(client, user2, key, "", &out, &err), err, SXT_STATUS_INVALID_ARGUMENT, "join_code");
    CHECK_ERR(sxt_register(client, user2, key, "a\nb", &out, &err), err, SXT_STATUS_INVALID_ARGUMENT, "join_code");
    CHECK_ERR(sxt_register(client, user2, key, "\xc3", &out, &err), err, SXT_STATUS_INVALID_UTF8, "join_code");
    CHECK(out == sentinel);

    /* User ids: checked by the library (empty, too long, control characters, UTF-8) or refused by the server. */
    memset(long_user, 'u', 257);
    long_user[257] = '\0';
    expect_user_id_refused(client, key, "", SXT_STATUS_INVALID_ARGUMENT);
    expect_user_id_refused(client, key, long_user, SXT_STATUS_INVALID_ARGUMENT);
    expect_user_id_refused(client, key, "a\nb", SXT_STATUS_INVALID_ARGUMENT);
    expect_user_id_refused(client, key, "tab\there", SXT_STATUS_INVALID_ARGUMENT);
    expect_user_id_refused(client, key, ".", SXT_STATUS_INVALID_ARGUMENT);  /* dot segments never reach a path */
    expect_user_id_refused(client, key, "..", SXT_STATUS_INVALID_ARGUMENT);
    expect_user_id_refused(client, key, "\xff\xfe", SXT_STATUS_INVALID_UTF8);
    long_user[200] = '\0'; /* fine for the library, too long for the server (128) */
    expect_user_id_refused(client, key, long_user, SXT_STATUS_BAD_REQUEST);
    expect_user_id_refused(client, key, "has space", SXT_STATUS_BAD_REQUEST);
    /* A slash is percent-encoded in the idexists path, so it reaches the server (which refuses it) intact. */
    CHECK_ERR(sxt_user_exists(client, "a/b", &exists, &err), err, SXT_STATUS_BAD_REQUEST, NULL);
    CHECK_ERR(sxt_login(client, "a/b", key, &out, &err), err, SXT_STATUS_BAD_REQUEST, NULL);

    /* Keys are checked before any network traffic. */
    CHECK_ERR(sxt_login(client, user, "not a key", &out, &err), err, SXT_STATUS_INVALID_KEY, "private_key");
    CHECK_ERR(sxt_register(client, user2, "not a key", NULL, &out, &err), err, SXT_STATUS_INVALID_KEY, "private_key");
    CHECK_ERR(sxt_register_with_email(client, user2, "not a key", "a@example.com", NULL, &out, &err), err,
              SXT_STATUS_INVALID_KEY, "private_key");
    CHECK_ERR(sxt_login(client, user, "\xff", &out, &err), err, SXT_STATUS_INVALID_UTF8, "private_key");
    CHECK(out == sentinel);

    /* Every accepted key encoding signs in. */
    {
        static const char seed[] = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=";
        static const char hex[] = "4ddfc88423bf8f761619bcef2204d31603552bad0fe15db016a868f5a8cdd987";
        static const char both[] =
            "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2YePHZ3EkZV8LVymnK1jTNQaghMyfZSxhpUG9MEeH0KOGw==";
        h_user_id(user2, sizeof user2, "c-vector");
        CHECK_OK(sxt_register(client, user2, seed, NULL, &session, &err), err);
        sxt_session_free(session);
        session = NULL;
        CHECK_OK(sxt_login(client, user2, hex, &session, &err), err);
        sxt_session_free(session);
        session = NULL;
        CHECK_OK(sxt_login(client, user2, both, &session, &err), err);
        sxt_session_free(session);
        session = NULL;
    }

    free(key);
    free(other_key);
    free(pub);
    sxt_client_free(client);
}

static void test_join_codes(void) {
    static const char *const args[] = {"--require-join-code", "--join-code", "TEAM-A", "--join-code", "TEAM-B", NULL};
    h_server server;
    sxt_client *client;
    sxt_session *a = NULL;
    sxt_session *b = NULL;
    sxt_session *c = NULL;
    sxt_session *sentinel = (sxt_session *)&a;
    sxt_session *out = sentinel;
    sxt_error *err = NULL;
    char user_a[96];
    char user_b[96];
    char user_c[96];
    char *key = h_new_private_key(NULL);
    char *json = NULL;
    char sub_a[128] = "";
    char sub_b[128] = "";
    char sub_c[128] = "";
    sxt_status st;
    h_section("join codes (--require-join-code)");
    if (!h_server_start(&server, false, args)) {
        free(key);
        return;
    }
    client = h_client(&server, -1);
    h_user_id(user_a, sizeof user_a, "c-team");
    h_user_id(user_b, sizeof user_b, "c-team");
    h_user_id(user_c, sizeof user_c, "c-team");

    /* Unknown user: sxt_login refuses before any challenge. */
    CHECK_ERR(sxt_login(client, user_a, key, &out, &err), err, SXT_STATUS_NOT_FOUND, "user_id");
    /* Missing join code where one is required: the local server answers 404 at auth/code (as the header says). */
    st = sxt_register(client, user_a, key, NULL, &out, &err);
    CHECK_STATUS(st, SXT_STATUS_NOT_FOUND);
    expect_server_error(&err, 404, key);
    st = sxt_register_with_email(client, user_a, key, "a@example.com", NULL, &out, &err);
    CHECK_STATUS(st, SXT_STATUS_NOT_FOUND);
    expect_server_error(&err, 404, key);
    /* Unknown join code. */
    st = sxt_register(client, user_a, key, "TEAM-C", &out, &err);
    CHECK_STATUS(st, SXT_STATUS_BAD_REQUEST);
    expect_server_error(&err, 400, key);
    CHECK(out == sentinel);

    /* Valid join codes: users of one code share a subscription. */
    CHECK_OK(sxt_register(client, user_a, key, "TEAM-A", &a, &err), err);
    CHECK_OK(sxt_register_with_email(client, user_b, key, "b@example.com", "TEAM-A", &b, &err), err);
    CHECK_OK(sxt_register(client, user_c, key, "TEAM-B", &c, &err), err);
    if (a != NULL && CHECK_OK(sxt_session_token_info(a, &json, &err), err)) {
        CHECK(h_json_string(json, "subscriptionId", sub_a, sizeof sub_a));
        sxt_string_free(json);
        json = NULL;
    }
    if (b != NULL && CHECK_OK(sxt_session_token_info(b, &json, &err), err)) {
        CHECK(h_json_string(json, "subscriptionId", sub_b, sizeof sub_b));
        sxt_string_free(json);
        json = NULL;
    }
    if (c != NULL && CHECK_OK(sxt_session_token_info(c, &json, &err), err)) {
        CHECK(h_json_string(json, "subscriptionId", sub_c, sizeof sub_c));
        sxt_string_free(json);
        json = NULL;
    }
    CHECK(sub_a[0] != '\0' && strcmp(sub_a, sub_b) == 0);
    CHECK(sub_c[0] != '\0' && strcmp(sub_a, sub_c) != 0);
    sxt_session_free(a);
    sxt_session_free(b);
    sxt_session_free(c);
    /* An existing user needs no join code to sign in, nor to "register" again with its own key. */
    CHECK_OK(sxt_login(client, user_a, key, &a, &err), err);
    sxt_session_free(a);
    CHECK_OK(sxt_register(client, user_b, key, NULL, &b, &err), err);
    sxt_session_free(b);

    free(key);
    sxt_client_free(client);
    h_server_stop(&server);
}

static void test_short_challenge(void) {
    static const char *const args[] = {"--challenge-ttl", "1", NULL};
    h_server server;
    sxt_client *client;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    char user[96];
    char *key = h_new_private_key(NULL);
    h_section("challenge lifetime of 1 s: the library answers its challenge at once");
    if (!h_server_start(&server, false, args)) {
        free(key);
        return;
    }
    client = h_client(&server, -1);
    h_user_id(user, sizeof user, "c-challenge");
    CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err);
    sxt_session_free(session);
    h_sleep_ms(1100); /* any challenge issued above has expired by now; a new sign-in gets a new one */
    CHECK_OK(sxt_login(client, user, key, &session, &err), err);
    sxt_session_free(session);
    free(key);
    sxt_client_free(client);
    h_server_stop(&server);
}

static void test_tls(void) {
    h_server tls;
    h_server other;
    sxt_client *client = NULL;
    sxt_client_options *opts = NULL;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    char user[96];
    char url[300];
    char *key = h_new_private_key(NULL);
    char *pem = NULL;
    char *other_pem = NULL;
    bool exists = true;
    const char *port;
    h_section("https with the server's CA, without it, with another CA");
    if (!h_server_start(&tls, true, NO_ARGS)) {
        free(key);
        return;
    }
    if (!h_server_start(&other, true, NO_ARGS)) {
        h_server_stop(&tls);
        free(key);
        return;
    }
    pem = h_read_file(tls.ca_path);
    other_pem = h_read_file(other.ca_path);
    CHECK(pem != NULL && strstr(pem, "BEGIN CERTIFICATE") != NULL);
    CHECK(other_pem != NULL && strstr(other_pem, "BEGIN CERTIFICATE") != NULL);

    /* With the CA: everything works, also through `localhost` and the /v1/ form. */
    client = h_client(&tls, -1);
    h_user_id(user, sizeof user, "c-tls");
    CHECK_OK(sxt_user_exists(client, user, &exists, &err), err);
    CHECK(exists == false);
    CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err);
    sxt_session_free(session);
    session = NULL;
    sxt_client_free(client);
    client = NULL;
    port = strrchr(tls.url, ':');
    snprintf(url, sizeof url, "https://localhost%s/v1/", port ? port : ":0");
    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    CHECK_OK(sxt_client_options_add_ca_pem(opts, other_pem ? other_pem : "", &err), err);
    CHECK_OK(sxt_client_options_add_ca_pem(opts, pem ? pem : "", &err), err); /* several CAs add up */
    CHECK_OK(sxt_client_new(url, opts, &client, &err), err);
    sxt_client_options_free(opts);
    opts = NULL;
    CHECK_OK(sxt_login(client, user, key, &session, &err), err);
    sxt_session_free(session);
    session = NULL;
    sxt_client_free(client);
    client = NULL;

    /* Without the CA (Mozilla's roots only): the handshake fails. */
    CHECK_OK(sxt_client_new(tls.url, NULL, &client, &err), err);
    CHECK_ERR(sxt_user_exists(client, user, &exists, &err), err, SXT_STATUS_TLS, NULL);
    CHECK_ERR(sxt_login(client, user, key, &session, &err), err, SXT_STATUS_TLS, NULL);
    CHECK(session == NULL);
    sxt_client_free(client);
    client = NULL;

    /* With another server's CA only. */
    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    CHECK_OK(sxt_client_options_add_ca_pem(opts, other_pem ? other_pem : "", &err), err);
    CHECK_OK(sxt_client_new(tls.url, opts, &client, &err), err);
    sxt_client_options_free(opts);
    CHECK_ERR(sxt_user_exists(client, user, &exists, &err), err, SXT_STATUS_TLS, NULL);
    sxt_client_free(client);

    free(pem);
    free(other_pem);
    free(key);
    h_server_stop(&other);
    h_server_stop(&tls);
}

static void test_transport_failures(void) {
    h_server server;
    sxt_client *client = NULL;
    sxt_client_options *opts = NULL;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    char url[128];
    char *key = h_new_private_key(NULL);
    bool exists = true;
    int port = 0;
    int fd;
    int64_t started;
    h_section("network error and timeout");

    /* A server that has stopped: connection refused. */
    if (h_server_start(&server, false, NO_ARGS)) {
        client = h_client(&server, -1);
        h_server_stop(&server);
        if (client != NULL) {
            sxt_status st = sxt_user_exists(client, "c-nobody", &exists, &err);
            CHECK_STATUS(st, SXT_STATUS_NETWORK);
            CHECK(err != NULL && sxt_error_http_status(err) == 0 && sxt_error_title(err) == NULL &&
                  sxt_error_detail(err) == NULL && sxt_error_argument(err) == NULL);
            sxt_error_free(err);
            err = NULL;
            CHECK_ERR(sxt_login(client, "c-nobody", key, &session, &err), err, SXT_STATUS_NETWORK, NULL);
            CHECK_ERR(sxt_register(client, "c-nobody", key, NULL, &session, &err), err, SXT_STATUS_NETWORK, NULL);
        }
        sxt_client_free(client);
        client = NULL;
    }

    /* A socket that accepts connections but never answers: the read timeout fires. */
    fd = h_silent_listener(&port);
    CHECK(fd >= 0);
    if (fd >= 0) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
        CHECK_OK(sxt_client_options_new(&opts, &err), err);
        CHECK_OK(sxt_client_options_set_allow_http(opts, true, &err), err);
        CHECK_OK(sxt_client_options_set_read_timeout_ms(opts, 300, &err), err);
        CHECK_OK(sxt_client_options_set_timeout_ms(opts, 600, &err), err);
        CHECK_OK(sxt_client_options_set_connect_timeout_ms(opts, 600, &err), err);
        CHECK_OK(sxt_client_new(url, opts, &client, &err), err);
        sxt_client_options_free(opts);
        started = h_now_ms();
        CHECK_ERR(sxt_user_exists(client, "c-nobody", &exists, &err), err, SXT_STATUS_TIMEOUT, NULL);
        CHECK_ERR(sxt_login(client, "c-nobody", key, &session, &err), err, SXT_STATUS_TIMEOUT, NULL);
        CHECK_ERR(sxt_register(client, "c-nobody", key, NULL, &session, &err), err, SXT_STATUS_TIMEOUT, NULL);
        CHECK(h_now_ms() - started < 5000);
        CHECK(exists == true && session == NULL);
        sxt_client_free(client);
        close(fd);
    }
    free(key);
}

int main(void) {
    h_server server;
    test_options();
    test_client_new();
    if (h_server_start(&server, false, NO_ARGS)) {
        test_sign_in(&server);
        h_server_stop(&server);
    }
    test_join_codes();
    test_short_challenge();
    test_tls();
    test_transport_failures();
    return h_finish();
}
