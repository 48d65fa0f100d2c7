/*
 * Sessions against local servers: every session function on its success path and with NULL outputs
 * (outputs untouched); token rotation on sxt_refresh (both tokens change, the server session stays);
 * keyring listing and sxt_session_add_key; a session outliving its client; logout (LOGGED_OUT for every call
 * but sxt_session_user_id and sxt_session_free, and the user's other sessions signing in again by themselves
 * because they hold the key); and the lifetimes, with short server TTLs: an access token refreshed ahead of
 * expiry (--access-ttl 2), an expired access token renewed on use (refresh margin 0), an expired refresh token
 * replaced by a new sign-in (--refresh-ttl 2), and the absolute session cap (--session-ttl 3).
 */
#include "harness.h"

static const char *const NO_ARGS[] = {NULL};

/* The server-side session id of `session`, from sxt_session_token_info (empty on failure). */
static void session_id(sxt_session *session, char *out, size_t len) {
    char *json = NULL;
    sxt_error *err = NULL;
    out[0] = '\0';
    if (CHECK_OK(sxt_session_token_info(session, &json, &err), err)) {
        CHECK(h_json_string(json, "sessionId", out, len));
    }
    sxt_string_free(json);
}

static char *copy_refresh_token(sxt_session *session) {
    char *token = NULL;
    char *copy = NULL;
    sxt_error *err = NULL;
    if (CHECK_OK(sxt_session_refresh_token(session, &token, &err), err)) {
        copy = malloc(strlen(token) + 1);
        if (copy != NULL) {
            strcpy(copy, token);
        }
    }
    sxt_string_free(token);
    return copy;
}

static char *copy_access_token(sxt_session *session) {
    char *token = NULL;
    char *copy = NULL;
    sxt_error *err = NULL;
    if (CHECK_OK(sxt_session_access_token(session, &token, &err), err)) {
        copy = malloc(strlen(token) + 1);
        if (copy != NULL) {
            strcpy(copy, token);
        }
    }
    sxt_string_free(token);
    return copy;
}

static bool differ(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) != 0;
}

static void test_basics(const h_server *server) {
    sxt_client *client = h_client(server, -1);
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    char user[96];
    char sid[128];
    char sid2[128];
    char *pub = NULL;
    char *key = h_new_private_key(&pub);
    char *pub2 = NULL;
    char *key2 = h_new_private_key(&pub2);
    char *text = NULL;
    char *access1 = NULL;
    char *access2 = NULL;
    char *refresh1 = NULL;
    char *refresh2 = NULL;
    int64_t access_ms = 0;
    int64_t refresh_ms = 0;
    int64_t access_ms2 = 0;
    int64_t refresh_ms2 = 0;
    int64_t now = h_now_ms();
    h_section("session basics");
    h_user_id(user, sizeof user, "c-session");
    if (client == NULL || key == NULL || key2 == NULL ||
        !CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err)) {
        goto out;
    }

    /* Tokens and expiries (server defaults: 25 min access, 30 min refresh). */
    access1 = copy_access_token(session);
    access2 = copy_access_token(session);
    CHECK(access1 != NULL && access1[0] != '\0');
    CHECK_STR(access1, access2); /* far from expiry: no refresh */
    refresh1 = copy_refresh_token(session);
    CHECK(refresh1 != NULL && refresh1[0] != '\0' && differ(access1, refresh1));
    CHECK_OK(sxt_session_expiries(session, &access_ms, &refresh_ms, &err), err);
    CHECK(access_ms > now + 1490000 && access_ms < now + 1510000);
    CHECK(refresh_ms > now + 1790000 && refresh_ms < now + 1810000);
    CHECK_OK(sxt_session_user_id(session, &text, &err), err);
    CHECK_STR(text, user);
    sxt_string_free(text);
    text = NULL;

    /* Token info. */
    if (CHECK_OK(sxt_session_token_info(session, &text, &err), err)) {
        char value[128];
        CHECK(h_json_string(text, "userId", value, sizeof value) && strcmp(value, user) == 0);
        CHECK(h_json_string(text, "subscriptionId", value, sizeof value) && value[0] != '\0');
        CHECK_CONTAINS(text, "\"restricted\"");
        CHECK_CONTAINS(text, "\"quotaExceeded\"");
        CHECK_CONTAINS(text, "\"trial\"");
    }
    sxt_string_free(text);
    text = NULL;
    session_id(session, sid, sizeof sid);
    CHECK(sid[0] != '\0');

    /* sxt_refresh rotates both tokens within the same server session. */
    h_sleep_ms(5); /* let the clock move so new expiries are visibly later */
    CHECK_OK(sxt_refresh(session, &err), err);
    free(access2);
    access2 = copy_access_token(session);
    refresh2 = copy_refresh_token(session);
    CHECK(differ(access1, access2));
    CHECK(differ(refresh1, refresh2));
    CHECK_OK(sxt_session_expiries(session, &access_ms2, &refresh_ms2, &err), err);
    CHECK(access_ms2 >= access_ms && refresh_ms2 >= refresh_ms);
    session_id(session, sid2, sizeof sid2);
    CHECK_STR(sid2, sid);
    CHECK_STATUS(sxt_refresh(session, NULL), SXT_STATUS_OK);

    /* Keyring: list, add, refuse a duplicate, sign in with the new key. */
    if (CHECK_OK(sxt_session_keys(session, &text, &err), err)) {
        CHECK(text != NULL && text[0] == '[');
        CHECK_CONTAINS(text, pub);
        CHECK_NOT_CONTAINS(text, pub2);
    }
    sxt_string_free(text);
    text = NULL;
    CHECK_OK(sxt_session_add_key(session, key2, &err), err);
    if (CHECK_OK(sxt_session_keys(session, &text, &err), err)) {
        CHECK_CONTAINS(text, pub);
        CHECK_CONTAINS(text, pub2);
    }
    sxt_string_free(text);
    text = NULL;
    CHECK_ERR(sxt_session_add_key(session, key2, &err), err, SXT_STATUS_BAD_REQUEST, NULL);
    CHECK_ERR(sxt_session_add_key(session, key, &err), err, SXT_STATUS_BAD_REQUEST, NULL);
    CHECK_ERR(sxt_session_add_key(session, "not a key", &err), err, SXT_STATUS_INVALID_KEY, "new_private_key");
    CHECK_ERR(sxt_session_add_key(session, "\xff", &err), err, SXT_STATUS_INVALID_UTF8, "new_private_key");
    CHECK_ERR(sxt_session_add_key(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "new_private_key");
    {
        sxt_session *other = NULL;
        CHECK_OK(sxt_login(client, user, key2, &other, &err), err);
        sxt_session_free(other);
    }

    /* NULL outputs: refused, other outputs untouched. */
    {
        char sentinel[] = "untouched";
        char *s = sentinel;
        int64_t a = 7;
        int64_t r = 9;
        CHECK_ERR(sxt_session_access_token(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "access_token_out");
        CHECK_ERR(sxt_session_refresh_token(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "refresh_token_out");
        CHECK_ERR(sxt_session_user_id(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "user_id_out");
        CHECK_ERR(sxt_session_token_info(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "json_out");
        CHECK_ERR(sxt_session_keys(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "json_out");
        CHECK_ERR(sxt_session_expiries(session, NULL, &r, &err), err, SXT_STATUS_NULL_ARGUMENT,
                  "access_expires_ms_out");
        CHECK_ERR(sxt_session_expiries(session, &a, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT,
                  "refresh_expires_ms_out");
        CHECK(a == 7 && r == 9 && s == sentinel);
    }

    /* The session outlives its client. */
    sxt_client_free(client);
    client = NULL;
    CHECK_OK(sxt_refresh(session, &err), err);
    session_id(session, sid2, sizeof sid2);
    CHECK_STR(sid2, sid);

out:
    sxt_session_free(session);
    sxt_client_free(client);
    free(access1);
    free(access2);
    free(refresh1);
    free(refresh2);
    free(key);
    free(key2);
    free(pub);
    free(pub2);
}

/* Every call on a logged-out session but sxt_session_user_id gives SXT_STATUS_LOGGED_OUT, outputs untouched. */
static void expect_logged_out(sxt_session *session, const char *user, const char *key) {
    char sentinel[] = "untouched";
    char *s = sentinel;
    int64_t a = 7;
    int64_t r = 9;
    sxt_error *err = NULL;
    CHECK_ERR(sxt_session_access_token(session, &s, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    CHECK_ERR(sxt_refresh(session, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    CHECK_ERR(sxt_logout(session, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    CHECK_ERR(sxt_session_refresh_token(session, &s, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    CHECK_ERR(sxt_session_expiries(session, &a, &r, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    CHECK_ERR(sxt_session_token_info(session, &s, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    CHECK_ERR(sxt_session_keys(session, &s, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    CHECK_ERR(sxt_session_add_key(session, key, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    CHECK_STATUS(sxt_session_access_token(session, &s, NULL), SXT_STATUS_LOGGED_OUT);
    CHECK(s == sentinel && a == 7 && r == 9);
    CHECK_OK(sxt_session_user_id(session, &s, &err), err);
    CHECK_STR(s, user);
    if (s != sentinel) {
        sxt_string_free(s);
    }
}

static void test_logout(const h_server *server) {
    sxt_client *client = h_client(server, -1);
    sxt_client *keyless = h_client_keep_key(server, -1, false);
    sxt_session *e = NULL;
    sxt_session *a = NULL;
    sxt_session *b = NULL;
    sxt_session *c = NULL;
    sxt_session *d = NULL;
    sxt_error *err = NULL;
    char user[96];
    char sid_b[128];
    char sid_b2[128];
    char sid_d[128];
    char sid_d2[128];
    char *key = h_new_private_key(NULL);
    char *refresh_b = NULL;
    char *refresh_b2 = NULL;
    char *access_d = NULL;
    char *access_d2 = NULL;
    int logins;
    h_section("logout ends every session of the user; the others sign in again with their key");
    h_user_id(user, sizeof user, "c-logout");
    if (client == NULL || keyless == NULL || key == NULL ||
        !CHECK_OK(sxt_register(client, user, key, NULL, &a, &err), err) ||
        !CHECK_OK(sxt_login(client, user, key, &b, &err), err) ||
        !CHECK_OK(sxt_login(keyless, user, key, &e, &err), err)) {
        goto out;
    }
    session_id(b, sid_b, sizeof sid_b);
    refresh_b = copy_refresh_token(b);

    logins = h_server_log_count(server, "POST /v1/auth/token ");
    CHECK_OK(sxt_logout(a, &err), err);
    expect_logged_out(a, user, key);

    /* B's refresh token died with the logout: sxt_refresh signs in again (B holds the key). */
    CHECK_OK(sxt_refresh(b, &err), err);
    refresh_b2 = copy_refresh_token(b);
    CHECK(differ(refresh_b, refresh_b2));
    session_id(b, sid_b2, sizeof sid_b2);
    CHECK(differ(sid_b, sid_b2));
    CHECK(h_server_log_count(server, "POST /v1/auth/refresh -> 401") >= 1);
    CHECK(h_server_log_count(server, "POST /v1/auth/token ") == logins + 1);

    /* A session that does not keep the key cannot sign in again: SESSION_EXPIRED, carrying the server's 401. */
    {
        char sentinel[] = "untouched";
        char *s = sentinel;
        sxt_status st = sxt_refresh(e, &err);
        CHECK_STATUS(st, SXT_STATUS_SESSION_EXPIRED);
        CHECK(err != NULL && sxt_error_code(err) == SXT_STATUS_SESSION_EXPIRED && sxt_error_http_status(err) == 401);
        sxt_error_free(err);
        err = NULL;
        CHECK_ERR(sxt_session_token_info(e, &s, &err), err, SXT_STATUS_SESSION_EXPIRED, NULL);
        CHECK(s == sentinel);
        CHECK(h_server_log_count(server, "POST /v1/auth/token ") == logins + 1); /* no new sign-in */
        /* Its (revoked) access token is not due yet, so it is still handed out, as documented. */
        CHECK_OK(sxt_session_access_token(e, &s, &err), err);
        if (s != sentinel) {
            sxt_string_free(s);
        }
        CHECK_OK(sxt_logout(e, &err), err); /* the server's 401 counts as success */
        expect_logged_out(e, user, key);
    }

    /* Same through an authorised call: D's cached access token was revoked by C's logout; token info renews once. */
    CHECK_OK(sxt_login(client, user, key, &c, &err), err);
    CHECK_OK(sxt_login(client, user, key, &d, &err), err);
    session_id(d, sid_d, sizeof sid_d);
    access_d = copy_access_token(d);
    CHECK_OK(sxt_logout(c, &err), err);
    session_id(d, sid_d2, sizeof sid_d2);
    CHECK(differ(sid_d, sid_d2));
    access_d2 = copy_access_token(d);
    CHECK(differ(access_d, access_d2));
    CHECK(h_server_log_count(server, "GET /v1/auth/validtoken -> 401") >= 1);
    expect_logged_out(c, user, key);
    /* A logged-out session is still freed normally, and logout of B works. */
    CHECK_OK(sxt_logout(b, &err), err);
    expect_logged_out(b, user, key);

out:
    sxt_session_free(a);
    sxt_session_free(b);
    sxt_session_free(c);
    sxt_session_free(d);
    sxt_session_free(e);
    sxt_client_free(client);
    sxt_client_free(keyless);
    free(key);
    free(refresh_b);
    free(refresh_b2);
    free(access_d);
    free(access_d2);
}

static void test_access_ttl(void) {
    static const char *const args[] = {"--access-ttl", "2", NULL};
    h_server server;
    sxt_client *client = NULL;
    sxt_client *client0 = NULL;
    sxt_session *session = NULL;
    sxt_session *lazy = NULL;
    sxt_error *err = NULL;
    char user[96];
    char sid[128];
    char sid2[128];
    char *key = h_new_private_key(NULL);
    char *access1 = NULL;
    char *access2 = NULL;
    char *refresh1 = NULL;
    char *refresh2 = NULL;
    char *json = NULL;
    int64_t access_ms = 0;
    int64_t refresh_ms = 0;
    int64_t now;
    int refreshes;
    h_section("access token of 2 s: refreshed ahead of expiry, and renewed on use once expired");
    if (!h_server_start(&server, false, args)) {
        free(key);
        return;
    }
    client = h_client(&server, -1);  /* default margin 60 s, clamped to half the token's lifetime */
    client0 = h_client(&server, 0); /* margin 0: refresh only once expired */
    h_user_id(user, sizeof user, "c-access");
    now = h_now_ms();
    if (client == NULL || client0 == NULL || !CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err) ||
        !CHECK_OK(sxt_login(client0, user, key, &lazy, &err), err)) {
        goto out;
    }
    CHECK_OK(sxt_session_expiries(session, &access_ms, &refresh_ms, &err), err);
    CHECK(access_ms >= now + 2000 && access_ms <= now + 2000 + 10000); /* 2 s (slack for a slow run) */
    CHECK(refresh_ms > now + 1790000);
    session_id(session, sid, sizeof sid);
    access1 = copy_access_token(session);
    refresh1 = copy_refresh_token(session);
    refreshes = h_server_log_count(&server, "POST /v1/auth/refresh -> 200");

    /* Past half the lifetime (the clamped margin), before expiry: the next access token is a fresh one. */
    h_sleep_ms(1600);
    access2 = copy_access_token(session);
    refresh2 = copy_refresh_token(session);
    CHECK(differ(access1, access2));
    CHECK(differ(refresh1, refresh2));
    CHECK(h_server_log_count(&server, "POST /v1/auth/refresh -> 200") == refreshes + 1);
    session_id(session, sid2, sizeof sid2);
    CHECK_STR(sid2, sid);

    /* Well past expiry: the margin-0 session's token is dead on the server; token info still succeeds. */
    h_sleep_ms(800);
    if (CHECK_OK(sxt_session_token_info(lazy, &json, &err), err)) {
        char value[128];
        CHECK(h_json_string(json, "userId", value, sizeof value) && strcmp(value, user) == 0);
    }
    sxt_string_free(json);
    json = NULL;
    /* And the default-margin session, idle past expiry, hands out a working token too. */
    h_sleep_ms(1200);
    CHECK_OK(sxt_session_token_info(session, &json, &err), err);
    sxt_string_free(json);
    session_id(session, sid2, sizeof sid2);
    CHECK_STR(sid2, sid); /* refreshed, not signed in again */

out:
    sxt_session_free(session);
    sxt_session_free(lazy);
    sxt_client_free(client);
    sxt_client_free(client0);
    h_server_stop(&server);
    free(key);
    free(access1);
    free(access2);
    free(refresh1);
    free(refresh2);
}

static void test_refresh_ttl(void) {
    static const char *const args[] = {"--access-ttl", "2", "--refresh-ttl", "2", NULL};
    h_server server;
    sxt_client *client = NULL;
    sxt_client *keyless = NULL;
    sxt_session *session = NULL;
    sxt_session *idle = NULL;
    sxt_session *nokey = NULL;
    sxt_error *err = NULL;
    char user[96];
    char sid[128];
    char sid2[128];
    char sid_idle[128];
    char sid_idle2[128];
    char *key = h_new_private_key(NULL);
    char *token = NULL;
    int logins;
    h_section("refresh token of 2 s: once it has expired, the session signs in again");
    if (!h_server_start(&server, false, args)) {
        free(key);
        return;
    }
    client = h_client(&server, -1);
    keyless = h_client_keep_key(&server, -1, false);
    h_user_id(user, sizeof user, "c-refresh");
    if (client == NULL || keyless == NULL || !CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err) ||
        !CHECK_OK(sxt_login(client, user, key, &idle, &err), err) ||
        !CHECK_OK(sxt_login(keyless, user, key, &nokey, &err), err)) {
        goto out;
    }
    session_id(session, sid, sizeof sid);
    session_id(idle, sid_idle, sizeof sid_idle);
    logins = h_server_log_count(&server, "POST /v1/auth/token -> 200");
    h_sleep_ms(2300);
    /* Explicit refresh with a dead refresh token. */
    CHECK_OK(sxt_refresh(session, &err), err);
    session_id(session, sid2, sizeof sid2);
    CHECK(differ(sid, sid2));
    /* Access token asked for with both tokens dead. */
    CHECK_OK(sxt_session_access_token(idle, &token, &err), err);
    sxt_string_free(token);
    session_id(idle, sid_idle2, sizeof sid_idle2);
    CHECK(differ(sid_idle, sid_idle2));
    CHECK(h_server_log_count(&server, "POST /v1/auth/token -> 200") == logins + 2);

    /* Without the key, the end of the refresh chain is the end of the session. */
    {
        char sentinel[] = "untouched";
        char *s = sentinel;
        CHECK_ERR(sxt_refresh(nokey, &err), err, SXT_STATUS_SESSION_EXPIRED, NULL);
        CHECK_ERR(sxt_session_access_token(nokey, &s, &err), err, SXT_STATUS_SESSION_EXPIRED, NULL);
        CHECK_ERR(sxt_session_token_info(nokey, &s, &err), err, SXT_STATUS_SESSION_EXPIRED, NULL);
        CHECK_ERR(sxt_session_keys(nokey, &s, &err), err, SXT_STATUS_SESSION_EXPIRED, NULL);
        CHECK(s == sentinel);
        CHECK(h_server_log_count(&server, "POST /v1/auth/token -> 200") == logins + 2);
        /* Still readable, and still logged out normally. */
        CHECK_OK(sxt_session_user_id(nokey, &s, &err), err);
        CHECK_STR(s, user);
        if (s != sentinel) {
            sxt_string_free(s);
        }
        CHECK_OK(sxt_logout(nokey, &err), err);
        CHECK_ERR(sxt_refresh(nokey, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    }

out:
    sxt_session_free(session);
    sxt_session_free(idle);
    sxt_session_free(nokey);
    sxt_client_free(client);
    sxt_client_free(keyless);
    h_server_stop(&server);
    free(key);
}

static void test_session_ttl(void) {
    static const char *const args[] = {"--session-ttl", "3", NULL};
    h_server server;
    sxt_client *client = NULL;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    char user[96];
    char sid[128];
    char sid2[128];
    char *key = h_new_private_key(NULL);
    int64_t started;
    int64_t access_ms = 0;
    int64_t refresh_ms = 0;
    long left;
    h_section("session cap of 3 s: refreshes stay in the session until it ends, then a new sign-in");
    if (!h_server_start(&server, false, args)) {
        free(key);
        return;
    }
    client = h_client(&server, -1);
    h_user_id(user, sizeof user, "c-cap");
    started = h_now_ms();
    if (client == NULL || !CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err)) {
        goto out;
    }
    /* No token outlives the session. */
    CHECK_OK(sxt_session_expiries(session, &access_ms, &refresh_ms, &err), err);
    CHECK(access_ms <= started + 3000 + 10000 && refresh_ms <= started + 3000 + 10000); /* not 25/30 min */
    CHECK(access_ms > started && refresh_ms > started);
    session_id(session, sid, sizeof sid);
    h_sleep_ms(800);
    CHECK_OK(sxt_refresh(session, &err), err);
    session_id(session, sid2, sizeof sid2);
    CHECK_STR(sid2, sid);
    left = (long)(started + 3300 - h_now_ms());
    if (left > 0) {
        h_sleep_ms(left);
    }
    CHECK_OK(sxt_refresh(session, &err), err);
    session_id(session, sid2, sizeof sid2);
    CHECK(differ(sid, sid2));

out:
    sxt_session_free(session);
    sxt_client_free(client);
    h_server_stop(&server);
    free(key);
}

int main(void) {
    h_server server;
    if (h_server_start(&server, false, NO_ARGS)) {
        test_basics(&server);
        test_logout(&server);
        h_server_stop(&server);
    }
    test_access_ttl();
    test_refresh_ttl();
    test_session_ttl();
    return h_finish();
}
