/*
 * Misuse that must give an error code, never a crash (the program runs under ASan/UBSan and valgrind):
 * NULL for every pointer argument of every function in the header, with outputs left untouched; error_out
 * left untouched on success; double free of every handle type and of strings; use after free of every handle
 * type; a handle of one type cast to another (for calls and for frees: the real object must survive); forged
 * handles (small integers, addresses of C objects, all bits set); sxt_string_free on memory the library did
 * not hand out; a freed handle's slot reused by a new handle; sxt_live_objects counting up and down.
 */
#include "harness.h"

static const char *const NO_ARGS[] = {NULL};
#define KEY "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc="

/* Every session function, called on `session`, gives `want` and leaves the outputs untouched. */
static void expect_session_refused(sxt_session *session, sxt_status want) {
    char sentinel[] = "untouched";
    char *s = sentinel;
    int64_t a = 7;
    int64_t r = 9;
    sxt_error *err = NULL;
    CHECK_ERR(sxt_session_access_token(session, &s, &err), err, want, NULL);
    CHECK_ERR(sxt_refresh(session, &err), err, want, NULL);
    CHECK_ERR(sxt_logout(session, &err), err, want, NULL);
    CHECK_ERR(sxt_session_refresh_token(session, &s, &err), err, want, NULL);
    CHECK_ERR(sxt_session_expiries(session, &a, &r, &err), err, want, NULL);
    CHECK_ERR(sxt_session_user_id(session, &s, &err), err, want, NULL);
    CHECK_ERR(sxt_session_token_info(session, &s, &err), err, want, NULL);
    CHECK_ERR(sxt_session_keys(session, &s, &err), err, want, NULL);
    CHECK_ERR(sxt_session_add_key(session, KEY, &err), err, want, NULL);
    CHECK_STATUS(sxt_session_access_token(session, &s, NULL), want);
    CHECK_STATUS(sxt_refresh(session, NULL), want);
    CHECK(s == sentinel && a == 7 && r == 9);
    if (want == SXT_STATUS_INVALID_HANDLE) {
        /* Both an invalid handle and a NULL output: either refusal is fine, but a refusal it must be. */
        sxt_status st = sxt_session_access_token(session, NULL, NULL);
        CHECK(st == SXT_STATUS_INVALID_HANDLE || st == SXT_STATUS_NULL_ARGUMENT);
        sxt_session_free(session); /* ignored */
    }
}

/* Every client function, called on `client`, gives SXT_STATUS_INVALID_HANDLE, outputs untouched. */
static void expect_client_refused(const sxt_client *client) {
    char sentinel[] = "untouched";
    char *s = sentinel;
    bool exists = true;
    sxt_session *session_sentinel = (sxt_session *)&exists;
    sxt_session *session = session_sentinel;
    sxt_error *err = NULL;
    CHECK_ERR(sxt_client_base_url(client, &s, &err), err, SXT_STATUS_INVALID_HANDLE, "client");
    CHECK_ERR(sxt_user_exists(client, "someone", &exists, &err), err, SXT_STATUS_INVALID_HANDLE, "client");
    CHECK_ERR(sxt_login(client, "someone", KEY, &session, &err), err, SXT_STATUS_INVALID_HANDLE, "client");
    CHECK_ERR(sxt_register(client, "someone", KEY, NULL, &session, &err), err, SXT_STATUS_INVALID_HANDLE, "client");
    CHECK_ERR(sxt_register_with_email(client, "someone", KEY, "a@example.com", NULL, &session, &err), err,
              SXT_STATUS_INVALID_HANDLE, "client");
    CHECK(s == sentinel && exists == true && session == session_sentinel);
}

/* Every options function, called on `options`, gives SXT_STATUS_INVALID_HANDLE. */
static void expect_options_refused(sxt_client_options *options) {
    sxt_client *sentinel = (sxt_client *)&options;
    sxt_client *client = sentinel;
    sxt_error *err = NULL;
    CHECK_ERR(sxt_client_options_set_connect_timeout_ms(options, 1, &err), err, SXT_STATUS_INVALID_HANDLE, "options");
    CHECK_ERR(sxt_client_options_set_read_timeout_ms(options, 1, &err), err, SXT_STATUS_INVALID_HANDLE, "options");
    CHECK_ERR(sxt_client_options_set_timeout_ms(options, 1, &err), err, SXT_STATUS_INVALID_HANDLE, "options");
    CHECK_ERR(sxt_client_options_set_refresh_margin_ms(options, 1, &err), err, SXT_STATUS_INVALID_HANDLE, "options");
    CHECK_ERR(sxt_client_options_add_ca_pem(options, "x", &err), err, SXT_STATUS_INVALID_HANDLE, "options");
    CHECK_ERR(sxt_client_options_set_allow_http(options, true, &err), err, SXT_STATUS_INVALID_HANDLE, "options");
    CHECK_ERR(sxt_client_options_set_user_agent(options, "ua", &err), err, SXT_STATUS_INVALID_HANDLE, "options");
    CHECK_ERR(sxt_client_options_set_keep_key(options, false, &err), err, SXT_STATUS_INVALID_HANDLE, "options");
    if (options != NULL) {
        CHECK_ERR(sxt_client_new("https://api.spaceandtime.dev", options, &client, &err), err,
                  SXT_STATUS_INVALID_HANDLE, "options");
    }
    CHECK(client == sentinel);
}

/* The accessors of a dead or foreign `error` handle give their documented fallbacks. */
static void expect_error_refused(const sxt_error *error) {
    CHECK(sxt_error_code(error) == SXT_STATUS_INVALID_HANDLE);
    CHECK(sxt_error_message(error) != NULL && sxt_error_message(error)[0] != '\0');
    CHECK(sxt_error_http_status(error) == 0);
    CHECK(sxt_error_title(error) == NULL);
    CHECK(sxt_error_detail(error) == NULL);
    CHECK(sxt_error_argument(error) == NULL);
}

static void test_null_everywhere(const h_server *server) {
    sxt_client *client = h_client(server, -1);
    sxt_session *session = NULL;
    sxt_session *session_sentinel = (sxt_session *)&client;
    sxt_session *out_session = session_sentinel;
    sxt_error *err = NULL;
    char sentinel[] = "untouched";
    char *s = sentinel;
    char *s2 = sentinel;
    bool exists = true;
    char user[96];
    h_section("NULL for every pointer argument of every function");
    h_user_id(user, sizeof user, "c-null");
    if (client == NULL || !CHECK_OK(sxt_register(client, user, KEY, NULL, &session, &err), err)) {
        sxt_client_free(client);
        return;
    }

    /* Functions without a status. */
    sxt_string_free(NULL);
    sxt_client_options_free(NULL);
    sxt_client_free(NULL);
    sxt_session_free(NULL);
    sxt_error_free(NULL);
    expect_error_refused(NULL);

    /* Keys. */
    CHECK_ERR(sxt_keygen(NULL, &s2, &err), err, SXT_STATUS_NULL_ARGUMENT, "private_key_out");
    CHECK_ERR(sxt_keygen(&s, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "public_key_out");
    CHECK_ERR(sxt_key_public(NULL, &s, &err), err, SXT_STATUS_NULL_ARGUMENT, "private_key");
    CHECK_ERR(sxt_key_public(KEY, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "public_key_out");
    CHECK_ERR(sxt_key_sign(NULL, "m", &s, &err), err, SXT_STATUS_NULL_ARGUMENT, "private_key");
    CHECK_ERR(sxt_key_sign(KEY, NULL, &s, &err), err, SXT_STATUS_NULL_ARGUMENT, "message");
    CHECK_ERR(sxt_key_sign(KEY, "m", NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "signature_out");

    /* Options. */
    CHECK_ERR(sxt_client_options_new(NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "options_out");
    expect_options_refused(NULL);
    {
        sxt_client_options *opts = NULL;
        CHECK_OK(sxt_client_options_new(&opts, &err), err);
        CHECK_ERR(sxt_client_options_add_ca_pem(opts, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "ca_pem");
        CHECK_ERR(sxt_client_options_set_user_agent(opts, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "user_agent");
        sxt_client_options_free(opts);
    }

    /* Client. */
    {
        sxt_client *client_sentinel = (sxt_client *)&exists;
        sxt_client *c = client_sentinel;
        CHECK_ERR(sxt_client_new(NULL, NULL, &c, &err), err, SXT_STATUS_NULL_ARGUMENT, "base_url");
        CHECK_ERR(sxt_client_new(server->url, NULL, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "client_out");
        CHECK(c == client_sentinel);
    }
    expect_client_refused(NULL);
    CHECK_ERR(sxt_client_base_url(client, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "base_url_out");
    CHECK_ERR(sxt_user_exists(client, NULL, &exists, &err), err, SXT_STATUS_NULL_ARGUMENT, "user_id");
    CHECK_ERR(sxt_user_exists(client, user, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "exists_out");
    CHECK_ERR(sxt_login(client, NULL, KEY, &out_session, &err), err, SXT_STATUS_NULL_ARGUMENT, "user_id");
    CHECK_ERR(sxt_login(client, user, NULL, &out_session, &err), err, SXT_STATUS_NULL_ARGUMENT, "private_key");
    CHECK_ERR(sxt_login(client, user, KEY, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "session_out");
    CHECK_ERR(sxt_register(client, NULL, KEY, NULL, &out_session, &err), err, SXT_STATUS_NULL_ARGUMENT, "user_id");
    CHECK_ERR(sxt_register(client, user, NULL, NULL, &out_session, &err), err, SXT_STATUS_NULL_ARGUMENT,
              "private_key");
    CHECK_ERR(sxt_register(client, user, KEY, NULL, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "session_out");
    CHECK_ERR(sxt_register_with_email(client, NULL, KEY, "a@example.com", NULL, &out_session, &err), err,
              SXT_STATUS_NULL_ARGUMENT, "user_id");
    CHECK_ERR(sxt_register_with_email(client, user, NULL, "a@example.com", NULL, &out_session, &err), err,
              SXT_STATUS_NULL_ARGUMENT, "private_key");
    CHECK_ERR(sxt_register_with_email(client, user, KEY, NULL, NULL, &out_session, &err), err,
              SXT_STATUS_NULL_ARGUMENT, "email");
    CHECK_ERR(sxt_register_with_email(client, user, KEY, "a@example.com", NULL, NULL, &err), err,
              SXT_STATUS_NULL_ARGUMENT, "session_out");
    CHECK(out_session == session_sentinel && exists == true);

    /* Session. */
    expect_session_refused(NULL, SXT_STATUS_INVALID_HANDLE);
    {
        int64_t a = 7;
        int64_t r = 9;
        CHECK_ERR(sxt_session_access_token(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "access_token_out");
        CHECK_ERR(sxt_session_refresh_token(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "refresh_token_out");
        CHECK_ERR(sxt_session_expiries(session, NULL, &r, &err), err, SXT_STATUS_NULL_ARGUMENT,
                  "access_expires_ms_out");
        CHECK_ERR(sxt_session_expiries(session, &a, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT,
                  "refresh_expires_ms_out");
        CHECK_ERR(sxt_session_user_id(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "user_id_out");
        CHECK_ERR(sxt_session_token_info(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "json_out");
        CHECK_ERR(sxt_session_keys(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "json_out");
        CHECK_ERR(sxt_session_add_key(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "new_private_key");
        CHECK(a == 7 && r == 9);
    }
    /* NULL error_out is fine for every fallible function (status only). */
    CHECK_STATUS(sxt_session_user_id(session, NULL, NULL), SXT_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(sxt_login(client, user, KEY, NULL, NULL), SXT_STATUS_NULL_ARGUMENT);
    CHECK(s == sentinel && s2 == sentinel);

    sxt_session_free(session);
    sxt_client_free(client);
}

static void test_error_out_untouched_on_success(const h_server *server) {
    sxt_error *const marker = (sxt_error *)(uintptr_t)0x5a5a5a5a;
    sxt_error *err = marker;
    sxt_client *client = NULL;
    sxt_client_options *opts = NULL;
    sxt_session *session = NULL;
    char *a = NULL;
    char *b = NULL;
    bool exists = false;
    char user[96];
    h_section("error_out untouched on success");
    h_user_id(user, sizeof user, "c-untouched");
    CHECK_STATUS(sxt_client_options_new(&opts, &err), SXT_STATUS_OK);
    CHECK_STATUS(sxt_client_options_set_allow_http(opts, true, &err), SXT_STATUS_OK);
    CHECK_STATUS(sxt_client_new(server->url, opts, &client, &err), SXT_STATUS_OK);
    CHECK_STATUS(sxt_keygen(&a, &b, &err), SXT_STATUS_OK);
    CHECK_STATUS(sxt_user_exists(client, user, &exists, &err), SXT_STATUS_OK);
    CHECK_STATUS(sxt_register(client, user, a, NULL, &session, &err), SXT_STATUS_OK);
    CHECK_STATUS(sxt_refresh(session, &err), SXT_STATUS_OK);
    CHECK(err == marker);
    sxt_string_free(a);
    sxt_string_free(b);
    sxt_session_free(session);
    sxt_client_free(client);
    sxt_client_options_free(opts);
}

static void test_double_free_and_use_after_free(const h_server *server) {
    sxt_client_options *opts = NULL;
    sxt_client *client = NULL;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    sxt_error *dead = NULL;
    char *token = NULL;
    char *pub = NULL;
    char user[96];
    size_t before = sxt_live_objects();
    h_section("double free and use after free of every handle type and of strings");
    h_user_id(user, sizeof user, "c-free");

    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    CHECK_OK(sxt_client_options_set_allow_http(opts, true, &err), err);
    CHECK_OK(sxt_client_new(server->url, opts, &client, &err), err);
    CHECK_OK(sxt_register(client, user, KEY, NULL, &session, &err), err);
    CHECK_OK(sxt_session_access_token(session, &token, &err), err);
    CHECK_OK(sxt_key_public(KEY, &pub, &err), err);
    CHECK_STATUS(sxt_key_public("bad", &token, &dead), SXT_STATUS_INVALID_KEY);
    CHECK(sxt_live_objects() == before + 6); /* options, client, session, two strings, one error */

    /* Strings: a second free is a no-op. */
    sxt_string_free(token);
    sxt_string_free(token);
    sxt_string_free(pub);
    sxt_string_free(pub);
    CHECK(sxt_live_objects() == before + 4);

    /* Errors. */
    CHECK(sxt_error_code(dead) == SXT_STATUS_INVALID_KEY);
    sxt_error_free(dead);
    sxt_error_free(dead);
    expect_error_refused(dead);

    /* Options. */
    sxt_client_options_free(opts);
    sxt_client_options_free(opts);
    expect_options_refused(opts);

    /* Client: its session lives on. */
    sxt_client_free(client);
    sxt_client_free(client);
    expect_client_refused(client);
    CHECK_OK(sxt_refresh(session, &err), err);

    /* Session. */
    sxt_session_free(session);
    sxt_session_free(session);
    expect_session_refused(session, SXT_STATUS_INVALID_HANDLE);
    CHECK(sxt_live_objects() == before);
}

static void test_wrong_types_and_forgeries(const h_server *server) {
    sxt_client_options *opts = NULL;
    sxt_client *client = NULL;
    sxt_session *session = NULL;
    sxt_session *session2 = NULL;
    sxt_error *err = NULL;
    sxt_error *an_error = NULL;
    char *text = NULL;
    char user[96];
    int local = 0;
    size_t i;
    h_section("handles of the wrong type, forged handles, foreign strings");
    h_user_id(user, sizeof user, "c-types");
    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    CHECK_OK(sxt_client_options_set_allow_http(opts, true, &err), err);
    CHECK_OK(sxt_client_new(server->url, opts, &client, &err), err);
    CHECK_OK(sxt_register(client, user, KEY, NULL, &session, &err), err);
    CHECK_STATUS(sxt_key_public("bad", &text, &an_error), SXT_STATUS_INVALID_KEY);

    /* Each handle used as every other type: refused. */
    expect_session_refused((sxt_session *)client, SXT_STATUS_INVALID_HANDLE);
    expect_session_refused((sxt_session *)opts, SXT_STATUS_INVALID_HANDLE);
    expect_session_refused((sxt_session *)an_error, SXT_STATUS_INVALID_HANDLE);
    expect_client_refused((sxt_client *)session);
    expect_client_refused((sxt_client *)opts);
    expect_client_refused((sxt_client *)an_error);
    expect_options_refused((sxt_client_options *)client);
    expect_options_refused((sxt_client_options *)session);
    expect_options_refused((sxt_client_options *)an_error);
    expect_error_refused((sxt_error *)session);
    expect_error_refused((sxt_error *)client);
    expect_error_refused((sxt_error *)opts);

    /* Freeing through the wrong type frees nothing. */
    sxt_session_free((sxt_session *)client);
    sxt_client_free((sxt_client *)session);
    sxt_client_options_free((sxt_client_options *)session);
    sxt_error_free((sxt_error *)session);
    sxt_string_free((char *)session);
    sxt_session_free((sxt_session *)an_error);
    CHECK_OK(sxt_client_base_url(client, &text, &err), err);
    sxt_string_free(text);
    text = NULL;
    CHECK_OK(sxt_client_options_set_timeout_ms(opts, 1000, &err), err);
    CHECK_OK(sxt_session_user_id(session, &text, &err), err);
    CHECK_STR(text, user);
    sxt_string_free(text);
    text = NULL;
    CHECK(sxt_error_code(an_error) == SXT_STATUS_INVALID_KEY);

    /* Forged values: small integers, addresses of C objects, all bits set. */
    {
        uintptr_t forged[7];
        forged[0] = 1;
        forged[1] = 0x1234;
        forged[2] = (uintptr_t)&local;
        forged[3] = (uintptr_t)user;
        forged[4] = ~(uintptr_t)0;
        forged[5] = (uintptr_t)session + 1;  /* an id next to a live one */
        forged[6] = (uintptr_t)session ^ ((uintptr_t)1 << 40); /* a live id with another generation */
        for (i = 0; i < sizeof forged / sizeof forged[0]; i++) {
            expect_session_refused((sxt_session *)forged[i], SXT_STATUS_INVALID_HANDLE);
            expect_client_refused((const sxt_client *)forged[i]);
            expect_options_refused((sxt_client_options *)forged[i]);
            expect_error_refused((const sxt_error *)forged[i]);
            sxt_client_free((sxt_client *)forged[i]);
            sxt_client_options_free((sxt_client_options *)forged[i]);
            sxt_error_free((sxt_error *)forged[i]);
        }
        CHECK(local == 0);
    }

    /* Strings the library did not hand out are ignored, not freed (ASan/valgrind would see a bad free). */
    {
        char *mine = malloc(16);
        static char literal[] = "static text";
        CHECK(mine != NULL);
        if (mine != NULL) {
            strcpy(mine, "my own string");
            sxt_string_free(mine);
            CHECK_STR(mine, "my own string"); /* not wiped either */
            free(mine);
        }
        sxt_string_free(literal);
        CHECK_STR(literal, "static text");
        CHECK_OK(sxt_session_user_id(session, &text, &err), err);
        sxt_string_free(text + 1); /* inside a library string: not a string it handed out */
        CHECK_STR(text, user);
        sxt_string_free(text);
        text = NULL;
    }

    /* A freed slot reused by a new handle: the old handle stays dead. */
    sxt_session_free(session);
    CHECK_OK(sxt_login(client, user, KEY, &session2, &err), err);
    CHECK(session2 != session);
    expect_session_refused(session, SXT_STATUS_INVALID_HANDLE);
    CHECK_OK(sxt_session_user_id(session2, &text, &err), err);
    CHECK_STR(text, user);
    sxt_string_free(text);

    sxt_session_free(session2);
    sxt_error_free(an_error);
    sxt_client_free(client);
    sxt_client_options_free(opts);
}

#define SEED_FOR_STRINGS "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc="
#define PUBLIC_FOR_STRINGS "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs="

static void test_error_accessors_lifetime(void) {
    sxt_error *err = NULL;
    char *out = NULL;
    size_t before = sxt_live_objects();
    h_section("error objects: one per failed call that asked for it");
    CHECK_STATUS(sxt_key_public("bad", &out, NULL), SXT_STATUS_INVALID_KEY);
    CHECK(sxt_live_objects() == before); /* no error_out: nothing allocated */
    CHECK_STATUS(sxt_key_public("bad", &out, &err), SXT_STATUS_INVALID_KEY);
    CHECK(sxt_live_objects() == before + 1);
    CHECK(sxt_error_code(err) == SXT_STATUS_INVALID_KEY);
    CHECK_STR(sxt_error_argument(err), "private_key");
    CHECK(sxt_error_message(err) == sxt_error_message(err)); /* owned by the error, stable */
    sxt_error_free(err);
    CHECK(sxt_live_objects() == before);
    CHECK(out == NULL);
}

/* Strings: a NUL written into a returned string changes nothing for sxt_string_free (the allocation's own
 * length is freed, which ASan and valgrind check), and the 256-free window in which a second free is a no-op. */
static void test_string_free_window(void) {
    enum { WINDOW = 256 };
    char *stale = NULL;
    char *other = NULL;
    char *keep[8];
    size_t before = sxt_live_objects();
    int i;
    h_section("strings: a NUL written by the caller; a second free within the 256-free window");
    CHECK_STATUS(sxt_key_public(SEED_FOR_STRINGS, &stale, NULL), SXT_STATUS_OK);
    if (stale != NULL) {
        stale[8] = '\0'; /* what a caller may do to a key it no longer wants to show */
    }
    sxt_string_free(stale);
    CHECK(sxt_live_objects() == before);
    /* WINDOW - 1 other strings freed after it: the second free of `stale` must still be a no-op. */
    for (i = 0; i < WINDOW - 1; i++) {
        other = NULL;
        CHECK_STATUS(sxt_key_public(SEED_FOR_STRINGS, &other, NULL), SXT_STATUS_OK);
        sxt_string_free(other);
    }
    for (i = 0; i < 8; i++) {
        keep[i] = NULL;
        CHECK_STATUS(sxt_key_public(SEED_FOR_STRINGS, &keep[i], NULL), SXT_STATUS_OK);
        CHECK(keep[i] != stale); /* its address is still held back */
    }
    sxt_string_free(stale); /* within the window: ignored */
    CHECK(sxt_live_objects() == before + 8);
    for (i = 0; i < 8; i++) {
        CHECK_STR(keep[i], PUBLIC_FOR_STRINGS); /* the newer strings are intact */
        sxt_string_free(keep[i]);
    }
    CHECK(sxt_live_objects() == before);
}

int main(void) {
    h_server server;
    test_error_accessors_lifetime();
    test_string_free_window();
    if (h_server_start(&server, false, NO_ARGS)) {
        test_null_everywhere(&server);
        test_error_out_untouched_on_success(&server);
        test_double_free_and_use_after_free(&server);
        test_wrong_types_and_forgeries(&server);
        h_server_stop(&server);
    }
    return h_finish();
}
