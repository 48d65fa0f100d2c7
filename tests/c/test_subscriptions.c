/*
 * API-key sign-in and subscriptions through the C ABI, against local servers over http and https (the
 * server's own /auth/apikey stands in for the SxT proxy: the client's proxy URL points at it):
 * sxt_login_api_key (user id from validtoken, no refresh token, re-sign-in with the kept key once the access
 * token expires, SESSION_EXPIRED without it, logout with the access token; wrong, empty and malformed keys),
 * sxt_client_options_set_proxy_url's rules, sxt_session_create_join_code (roles, 403 for a role above the
 * caller's, bad role values) and sxt_session_join_subscription (new token set, old tokens dead, single-use
 * and expired codes, an expired access token renewed first, bad codes refused before anything is sent).
 */
#include "harness.h"

#include <signal.h>
#include <unistd.h>

#define API_KEY "c-test-api-key-7f3a"

static const char *const API_ARGS[] = {"--api-key", "apiuser:" API_KEY, NULL};
static const char *const SHORT_ARGS[] = {"--api-key", "apiuser:" API_KEY, "--access-ttl", "2", NULL};

/* The subscription id of `session` from sxt_session_token_info, into out (empty on failure). */
static void subscription_of(sxt_session *session, char *out, size_t len) {
    char *json = NULL;
    sxt_error *err = NULL;
    out[0] = '\0';
    if (CHECK_OK(sxt_session_token_info(session, &json, &err), err)) {
        CHECK(h_json_string(json, "subscriptionId", out, len));
    }
    sxt_string_free(json);
}

static char *token_copy(sxt_session *session) {
    char *t = NULL, *copy = NULL;
    sxt_error *err = NULL;
    if (CHECK_OK(sxt_session_access_token(session, &t, &err), err)) {
        copy = malloc(strlen(t) + 1);
        if (copy != NULL) {
            strcpy(copy, t);
        }
    }
    sxt_string_free(t);
    return copy;
}

static sxt_session *new_user(sxt_client *client, const char *prefix) {
    char user[64];
    char *key = h_new_private_key(NULL);
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    CHECK_OK(sxt_register(client, h_user_id(user, sizeof user, prefix), key, NULL, &session, &err), err);
    free(key);
    return session;
}

static void test_api_key_sign_in(const h_server *server) {
    sxt_client *client = h_client_full(server, -1, true, true);
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    char *s = NULL;
    int64_t access_exp = 0, refresh_exp = -1;
    h_section(server->tls ? "api key sign-in (https)" : "api key sign-in (http)");
    if (!CHECK_OK(sxt_login_api_key(client, "  " API_KEY "\n", &session, &err), err)) {
        sxt_client_free(client);
        return;
    }
    CHECK_OK(sxt_session_user_id(session, &s, &err), err);
    CHECK_STR(s, "apiuser");
    sxt_string_free(s);
    s = NULL;
    CHECK(h_server_log_count(server, "GET /v1/auth/validtoken -> 200") == 1);
    CHECK_OK(sxt_session_access_token(session, &s, &err), err);
    CHECK(s != NULL && strchr(s, '.') != NULL);
    sxt_string_free(s);
    s = NULL;
    CHECK_ERR(sxt_session_refresh_token(session, &s, &err), err, SXT_STATUS_NOT_FOUND, NULL);
    CHECK(s == NULL);
    CHECK_OK(sxt_session_expiries(session, &access_exp, &refresh_exp, &err), err);
    CHECK(access_exp > h_now_ms() && refresh_exp == 0);
    /* sxt_refresh signs in again with the API key; never POST /v1/auth/refresh. */
    CHECK_OK(sxt_refresh(session, &err), err);
    CHECK(h_server_log_count(server, "POST /auth/apikey -> 200") == 2);
    CHECK(h_server_log_count(server, "POST /v1/auth/refresh") == 0);
    CHECK_OK(sxt_logout(session, &err), err);
    CHECK(h_server_log_count(server, "POST /v1/auth/logout -> 204") == 1);
    CHECK_ERR(sxt_session_access_token(session, &s, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    sxt_session_free(session);
    session = NULL;

    /* Refusals: the proxy's 401 with its detail, never the key; bad keys are not sent. */
    CHECK(sxt_login_api_key(client, "wrong-key", &session, &err) == SXT_STATUS_UNAUTHORIZED);
    CHECK(err != NULL && sxt_error_http_status(err) == 401);
    CHECK_STR(err != NULL ? sxt_error_detail(err) : NULL, "unknown API key");
    CHECK_NOT_CONTAINS(err != NULL ? sxt_error_message(err) : NULL, "wrong-key");
    sxt_error_free(err);
    err = NULL;
    CHECK(session == NULL);
    CHECK_ERR(sxt_login_api_key(client, "", &session, &err), err, SXT_STATUS_INVALID_ARGUMENT, "api_key");
    CHECK_ERR(sxt_login_api_key(client, "has space", &session, &err), err, SXT_STATUS_INVALID_ARGUMENT, "api_key");
    CHECK_ERR(sxt_login_api_key(client, "caf\xc3\xa9", &session, &err), err, SXT_STATUS_INVALID_ARGUMENT, "api_key");
    CHECK_ERR(sxt_login_api_key(client, "\xff", &session, &err), err, SXT_STATUS_INVALID_UTF8, "api_key");
    CHECK_ERR(sxt_login_api_key(client, NULL, &session, &err), err, SXT_STATUS_NULL_ARGUMENT, "api_key");
    CHECK_ERR(sxt_login_api_key(client, API_KEY, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "session_out");
    CHECK_ERR(sxt_login_api_key(NULL, API_KEY, &session, &err), err, SXT_STATUS_INVALID_HANDLE, "client");
    CHECK(h_server_log_count(server, "POST /auth/apikey") == 3);
    sxt_client_free(client);
}

static void test_api_key_renewal(void) {
    h_server server;
    sxt_client *keep = NULL, *bare = NULL;
    sxt_session *a = NULL, *b = NULL;
    sxt_error *err = NULL;
    char *first = NULL, *second = NULL;
    h_section("api key sessions renew by signing in again");
    if (!h_server_start(&server, false, SHORT_ARGS)) {
        return;
    }
    keep = h_client_full(&server, 0, true, true);
    bare = h_client_full(&server, 0, false, true);
    CHECK_OK(sxt_login_api_key(keep, API_KEY, &a, &err), err);
    CHECK_OK(sxt_login_api_key(bare, API_KEY, &b, &err), err);
    first = token_copy(a);
    h_sleep_ms(2100);
    second = token_copy(a);
    CHECK(first != NULL && second != NULL && strcmp(first, second) != 0);
    CHECK(h_server_log_count(&server, "POST /auth/apikey -> 200") == 3);
    {
        char *t = NULL;
        CHECK_ERR(sxt_session_access_token(b, &t, &err), err, SXT_STATUS_SESSION_EXPIRED, NULL);
    }
    free(first);
    free(second);
    sxt_session_free(a);
    sxt_session_free(b);
    sxt_client_free(keep);
    sxt_client_free(bare);
    h_server_stop(&server);
}

static void test_proxy_url_rules(void) {
    sxt_client_options *opts = NULL;
    sxt_client *client = NULL;
    sxt_error *err = NULL;
    h_section("proxy url rules");
    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    CHECK_ERR(sxt_client_options_set_proxy_url(opts, "ftp://proxy", &err), err, SXT_STATUS_INVALID_URL, "proxy_url");
    CHECK_ERR(sxt_client_options_set_proxy_url(opts, "", &err), err, SXT_STATUS_INVALID_URL, "proxy_url");
    CHECK_ERR(sxt_client_options_set_proxy_url(opts, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "proxy_url");
    CHECK_ERR(sxt_client_options_set_proxy_url(NULL, "https://p", &err), err, SXT_STATUS_INVALID_HANDLE, "options");
    CHECK_OK(sxt_client_options_set_proxy_url(opts, "http://127.0.0.1:9/", &err), err);
    CHECK_ERR(sxt_client_new("https://api.example", opts, &client, &err), err, SXT_STATUS_INSECURE_URL, "proxy_url");
    CHECK_OK(sxt_client_options_set_allow_http(opts, true, &err), err);
    CHECK_OK(sxt_client_new("https://api.example", opts, &client, &err), err);
    sxt_client_free(client);
    sxt_client_options_free(opts);
}

static void test_join(const h_server *server) {
    sxt_client *client = h_client(server, -1);
    sxt_session *owner = new_user(client, "owner");
    sxt_session *member = new_user(client, "member");
    sxt_session *third = new_user(client, "third");
    sxt_error *err = NULL;
    char *code = NULL, *other = NULL, *before = NULL, *after = NULL;
    char owner_sub[64], member_sub[64];
    int logouts = h_server_log_count(server, "POST /v1/auth/logout");
    h_section(server->tls ? "invite and join (https)" : "invite and join (http)");
    subscription_of(owner, owner_sub, sizeof owner_sub);
    subscription_of(member, member_sub, sizeof member_sub);
    CHECK(owner_sub[0] != '\0' && strcmp(owner_sub, member_sub) != 0);
    CHECK_OK(sxt_session_create_join_code(owner, SXT_ROLE_ADMIN, &code, &err), err);
    CHECK(code != NULL && code[0] != '\0');
    before = token_copy(member);
    CHECK_OK(sxt_session_join_subscription(member, code, &err), err);
    after = token_copy(member);
    CHECK(before != NULL && after != NULL && strcmp(before, after) != 0);
    subscription_of(member, member_sub, sizeof member_sub);
    CHECK_STR(member_sub, owner_sub);
    CHECK_OK(sxt_refresh(member, &err), err);
    /* The new admin invites members, not owners (403, not retried as a revoked token). */
    CHECK_OK(sxt_session_create_join_code(member, SXT_ROLE_MEMBER, &other, &err), err);
    sxt_string_free(other);
    other = NULL;
    CHECK(sxt_session_create_join_code(member, SXT_ROLE_OWNER, &other, &err) == SXT_STATUS_UNAUTHORIZED);
    CHECK(err != NULL && sxt_error_http_status(err) == 403);
    CHECK_CONTAINS(err != NULL ? sxt_error_detail(err) : NULL, "higher");
    sxt_error_free(err);
    err = NULL;
    CHECK(other == NULL);
    CHECK_ERR(sxt_session_create_join_code(member, 3, &other, &err), err, SXT_STATUS_INVALID_ARGUMENT, "role");
    CHECK_ERR(sxt_session_create_join_code(member, -1, &other, &err), err, SXT_STATUS_INVALID_ARGUMENT, "role");
    CHECK_ERR(sxt_session_create_join_code(member, SXT_ROLE_MEMBER, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT,
              "join_code_out");
    /* Used, unknown, malformed codes. */
    CHECK(sxt_session_join_subscription(third, code, &err) == SXT_STATUS_BAD_REQUEST);
    CHECK_STR(err != NULL ? sxt_error_detail(err) : NULL, "unknown join code, or one already used");
    sxt_error_free(err);
    err = NULL;
    CHECK_ERR(sxt_session_join_subscription(third, "", &err), err, SXT_STATUS_INVALID_ARGUMENT, "join_code");
    CHECK_ERR(sxt_session_join_subscription(third, "a\nb", &err), err, SXT_STATUS_INVALID_ARGUMENT, "join_code");
    CHECK_ERR(sxt_session_join_subscription(third, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "join_code");
    CHECK_ERR(sxt_session_join_subscription(NULL, "x", &err), err, SXT_STATUS_INVALID_HANDLE, "session");
    CHECK(sxt_session_join_subscription(third, "../../auth/logout", &err) == SXT_STATUS_BAD_REQUEST);
    sxt_error_free(err);
    err = NULL;
    CHECK(h_server_log_count(server, "POST /v1/auth/logout") == logouts); /* escaped, not a path */
    sxt_string_free(code);
    free(before);
    free(after);
    sxt_session_free(owner);
    sxt_session_free(member);
    sxt_session_free(third);
    sxt_client_free(client);
}

static void test_join_with_expired_token_and_api_key(void) {
    h_server server;
    sxt_client *client = NULL, *proxied = NULL;
    sxt_session *owner = NULL, *member = NULL, *keyed = NULL;
    sxt_error *err = NULL;
    char *code = NULL, *code2 = NULL;
    char owner_sub[64], sub[64];
    int refreshes;
    h_section("join with an expired access token; an api key session joins");
    if (!h_server_start(&server, false, SHORT_ARGS)) {
        return;
    }
    client = h_client(&server, 0);
    proxied = h_client_full(&server, 0, true, true);
    owner = new_user(client, "owner");
    member = new_user(client, "member");
    CHECK_OK(sxt_session_create_join_code(owner, SXT_ROLE_MEMBER, &code, &err), err);
    CHECK_OK(sxt_session_create_join_code(owner, SXT_ROLE_MEMBER, &code2, &err), err);
    h_sleep_ms(2100);
    refreshes = h_server_log_count(&server, "POST /v1/auth/refresh -> 200");
    CHECK_OK(sxt_session_join_subscription(member, code, &err), err);
    CHECK(h_server_log_count(&server, "POST /v1/auth/refresh -> 200") == refreshes + 1);
    CHECK(h_server_log_count(&server, "POST /v1/subscription/invite/") == 1);
    subscription_of(owner, owner_sub, sizeof owner_sub);
    subscription_of(member, sub, sizeof sub);
    CHECK_STR(sub, owner_sub);
    CHECK_OK(sxt_login_api_key(proxied, API_KEY, &keyed, &err), err);
    CHECK_OK(sxt_session_join_subscription(keyed, code2, &err), err);
    subscription_of(keyed, sub, sizeof sub);
    CHECK_STR(sub, owner_sub);
    sxt_string_free(code);
    sxt_string_free(code2);
    sxt_session_free(owner);
    sxt_session_free(member);
    sxt_session_free(keyed);
    sxt_client_free(client);
    sxt_client_free(proxied);
    h_server_stop(&server);
}

static void test_expired_code(void) {
    static const char *const ARGS[] = {"--invite-ttl", "1", NULL};
    h_server server;
    sxt_client *client = NULL;
    sxt_session *owner = NULL, *member = NULL;
    sxt_error *err = NULL;
    char *code = NULL;
    h_section("an expired join code");
    if (!h_server_start(&server, false, ARGS)) {
        return;
    }
    client = h_client(&server, -1);
    owner = new_user(client, "owner");
    member = new_user(client, "member");
    CHECK_OK(sxt_session_create_join_code(owner, SXT_ROLE_MEMBER, &code, &err), err);
    h_sleep_ms(1100);
    CHECK(sxt_session_join_subscription(member, code, &err) == SXT_STATUS_BAD_REQUEST);
    CHECK_STR(err != NULL ? sxt_error_detail(err) : NULL, "join code has expired");
    sxt_error_free(err);
    sxt_string_free(code);
    sxt_session_free(owner);
    sxt_session_free(member);
    sxt_client_free(client);
    h_server_stop(&server);
}

static void test_revoked_api_key(void) {
    h_server server;
    char path[400], args_file[400];
    const char *args[5] = {"--api-keys-file", NULL, "--access-ttl", "2", NULL};
    sxt_client *client = NULL;
    sxt_session *session = NULL, *again = NULL;
    sxt_error *err = NULL;
    char *token = NULL;
    FILE *f;
    int i;
    h_section("a revoked API key");
    snprintf(path, sizeof path, "/tmp/sxt-c-keys-%d.txt", (int)getpid());
    f = fopen(path, "w");
    if (!CHECK(f != NULL)) {
        return;
    }
    fputs("# keys\nfileuser:C-FILE-KEY\n", f);
    fclose(f);
    snprintf(args_file, sizeof args_file, "%s", path);
    args[1] = args_file;
    if (!h_server_start(&server, false, args)) {
        return;
    }
    client = h_client_full(&server, -1, true, true);
    CHECK_OK(sxt_login_api_key(client, "C-FILE-KEY", &session, &err), err);
    /* Revoke: the key leaves the file and the server is told (SIGHUP). */
    f = fopen(path, "w");
    if (f != NULL) {
        fputs("# none\n", f);
        fclose(f);
    }
    CHECK(kill(server.pid, SIGHUP) == 0);
    for (i = 0; i < 50 && h_server_log_count(&server, "reloaded 0 API keys") < 1; i++) {
        h_sleep_ms(100);
    }
    CHECK(h_server_log_count(&server, "reloaded 0 API keys") == 1);
    CHECK(sxt_login_api_key(client, "C-FILE-KEY", &again, &err) == SXT_STATUS_UNAUTHORIZED);
    CHECK_STR(err != NULL ? sxt_error_detail(err) : NULL, "unknown API key");
    sxt_error_free(err);
    err = NULL;
    /* The live session cannot sign in again once its token is due. */
    h_sleep_ms(2100);
    CHECK(sxt_session_access_token(session, &token, &err) == SXT_STATUS_UNAUTHORIZED);
    CHECK(err != NULL && sxt_error_http_status(err) == 401);
    sxt_error_free(err);
    sxt_session_free(session);
    sxt_client_free(client);
    h_server_stop(&server);
    remove(path);
}

int main(void) {
    h_server http, https;
    if (h_server_start(&http, false, API_ARGS)) {
        test_api_key_sign_in(&http);
        test_join(&http);
        h_server_stop(&http);
    }
    if (h_server_start(&https, true, API_ARGS)) {
        test_api_key_sign_in(&https);
        test_join(&https);
        h_server_stop(&https);
    }
    test_api_key_renewal();
    test_proxy_url_rules();
    test_join_with_expired_token_and_api_key();
    test_expired_code();
    test_revoked_api_key();
    return h_finish();
}
