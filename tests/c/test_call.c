/*
 * One call's own deadline and cancellation (sxt_call and the *_call variants): the handle's own rules; a
 * cancellation from another thread that wakes a call blocked on a server that never answers, well before the
 * client's timeouts, and one that wakes a TCP connect that never completes (Linux); a deadline that does the same; a call made with a cancelled sxt_call that sends nothing;
 * every *_call variant against the local server; a refresh cut short that leaves the session's tokens as
 * they were and the session usable; and the access token where requests are made: sxt_session_authorization's
 * value accepted by an authenticated endpoint, and a revoked token reported with sxt_session_token_rejected
 * renewed once for the retry. Time bounds are generous ones that catch a hang, not measures of speed.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const NO_ARGS[] = {NULL};

static void test_handle_rules(void) {
    sxt_call *call = NULL;
    sxt_error *err = NULL;
    bool exists = false;
    h_section("sxt_call: the handle's rules");
    CHECK_ERR(sxt_call_new(NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "call_out");
    CHECK_ERR(sxt_call_cancel(NULL, &err), err, SXT_STATUS_INVALID_HANDLE, "call");
    CHECK_ERR(sxt_call_set_timeout_ms(NULL, 10, &err), err, SXT_STATUS_INVALID_HANDLE, "call");
    if (CHECK_OK(sxt_call_new(&call, &err), err)) {
        CHECK_ERR(sxt_call_set_timeout_ms(call, 0, &err), err, SXT_STATUS_INVALID_ARGUMENT, "timeout_ms");
        CHECK_ERR(sxt_call_set_timeout_ms(call, 86400001u, &err), err, SXT_STATUS_INVALID_ARGUMENT, "timeout_ms");
        CHECK_OK(sxt_call_set_timeout_ms(call, 86400000u, &err), err);
        CHECK_OK(sxt_call_cancel(call, &err), err);
        CHECK_OK(sxt_call_cancel(call, &err), err); /* idempotent */
        sxt_call_free(call);
        sxt_call_free(call); /* a second free is a no-op */
        sxt_call_free(NULL);
        /* A freed call is refused by name, before anything is sent. */
        CHECK_ERR(sxt_call_cancel(call, &err), err, SXT_STATUS_INVALID_HANDLE, "call");
        {
            sxt_client *client = NULL;
            sxt_client_options *opts = NULL;
            CHECK_OK(sxt_client_options_new(&opts, &err), err);
            CHECK_OK(sxt_client_options_set_allow_http(opts, true, &err), err);
            if (CHECK_OK(sxt_client_new("http://127.0.0.1:9", opts, &client, &err), err)) {
                CHECK_ERR(sxt_user_exists_call(client, call, "someone", &exists, &err), err, SXT_STATUS_INVALID_HANDLE,
                          "call");
            }
            sxt_client_free(client);
            sxt_client_options_free(opts);
        }
    }
}

struct canceller {
    sxt_call *call;
    long after_ms;
};

static void *cancel_later(void *arg) {
    struct canceller *c = arg;
    sxt_error *err = NULL;
    h_sleep_ms(c->after_ms);
    CHECK_OK(sxt_call_cancel(c->call, &err), err);
    return NULL;
}

/* A client of a socket that accepts connections (the kernel's backlog) but never answers, with long timeouts. */
static sxt_client *stalled_client(int *fd_out) {
    sxt_client_options *opts = NULL;
    sxt_client *client = NULL;
    sxt_error *err = NULL;
    char url[64];
    int port = 0;
    *fd_out = h_silent_listener(&port);
    if (!CHECK(*fd_out >= 0)) {
        return NULL;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    CHECK_OK(sxt_client_options_set_allow_http(opts, true, &err), err);
    CHECK_OK(sxt_client_options_set_read_timeout_ms(opts, 20000, &err), err);
    CHECK_OK(sxt_client_options_set_timeout_ms(opts, 20000, &err), err);
    CHECK_OK(sxt_client_new(url, opts, &client, &err), err);
    sxt_client_options_free(opts);
    return client;
}

static void test_stalled_server(void) {
    sxt_client *client;
    sxt_call *call = NULL;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    pthread_t thread;
    struct canceller c;
    bool exists = false;
    int64_t started;
    int fd = -1;
    char *key = h_new_private_key(NULL);
    h_section("a server that never answers: cancel from another thread, and a deadline");
    client = stalled_client(&fd);
    if (client != NULL && key != NULL && CHECK_OK(sxt_call_new(&call, &err), err)) {
        c.call = call;
        c.after_ms = 200;
        started = h_now_ms();
        CHECK(pthread_create(&thread, NULL, cancel_later, &c) == 0);
        CHECK_ERR(sxt_user_exists_call(client, call, "someone", &exists, &err), err, SXT_STATUS_CANCELLED, NULL);
        pthread_join(thread, NULL);
        CHECK(h_now_ms() - started < 5000);
        CHECK(exists == false);
        /* A cancelled call stays cancelled: later calls with it fail at once. */
        started = h_now_ms();
        CHECK_ERR(sxt_login_call(client, call, "someone", key, &session, &err), err, SXT_STATUS_CANCELLED, NULL);
        CHECK(h_now_ms() - started < 1000 && session == NULL);
        sxt_call_free(call);
        call = NULL;

        /* The deadline: 300 ms, against 20 s of client timeouts. */
        if (CHECK_OK(sxt_call_new(&call, &err), err) && CHECK_OK(sxt_call_set_timeout_ms(call, 300, &err), err)) {
            started = h_now_ms();
            sxt_status st = sxt_login_call(client, call, "someone", key, &session, &err);
            CHECK_STATUS(st, SXT_STATUS_TIMEOUT);
            CHECK(err != NULL && strstr(sxt_error_message(err), "deadline") != NULL);
            sxt_error_free(err);
            err = NULL;
            CHECK(h_now_ms() - started < 5000 && session == NULL);
        }
        sxt_call_free(call);
    }
    sxt_client_free(client);
    if (fd >= 0) {
        close(fd);
    }
    free(key);
}

static void test_against_the_server(h_server *server) {
    sxt_client *client = h_client(server, -1);
    sxt_call *call = NULL;
    sxt_call *cancelled = NULL;
    sxt_session *session = NULL;
    sxt_session *other = NULL;
    sxt_error *err = NULL;
    char *text = NULL;
    char *before = NULL;
    char *after = NULL;
    char user[64];
    char email_user[64];
    bool exists = true;
    int requests;
    char *key = h_new_private_key(NULL);
    char *second = h_new_private_key(NULL);
    h_section("every *_call variant against the local server");
    h_user_id(user, sizeof user, "c-call");
    h_user_id(email_user, sizeof email_user, "c-call-email");
    if (client == NULL || key == NULL || second == NULL || !CHECK_OK(sxt_call_new(&call, &err), err) ||
        !CHECK_OK(sxt_call_set_timeout_ms(call, 20000, &err), err) || !CHECK_OK(sxt_call_new(&cancelled, &err), err)) {
        goto done;
    }
    CHECK_OK(sxt_call_cancel(cancelled, &err), err);
    CHECK_OK(sxt_user_exists_call(client, call, user, &exists, &err), err);
    CHECK(exists == false);
    CHECK_OK(sxt_register_call(client, call, user, key, NULL, &session, &err), err);
    CHECK_OK(sxt_login_call(client, NULL, user, key, &other, &err), err);
    sxt_session_free(other);
    other = NULL;
    CHECK_OK(sxt_register_with_email_call(client, call, email_user, second, "c@example.com", NULL, &other, &err), err);
    sxt_session_free(other);
    other = NULL;
    if (session != NULL) {
        if (CHECK_OK(sxt_session_access_token_call(session, call, &text, &err), err)) {
            CHECK(text[0] != '\0');
        }
        sxt_string_free(text);
        text = NULL;
        CHECK_OK(sxt_refresh_call(session, call, &err), err);
        if (CHECK_OK(sxt_session_token_info_call(session, call, &text, &err), err)) {
            CHECK_CONTAINS(text, user);
        }
        sxt_string_free(text);
        text = NULL;
        CHECK_OK(sxt_session_add_key_call(session, call, second, &err), err);
        if (CHECK_OK(sxt_session_keys_call(session, call, &text, &err), err)) {
            CHECK(strchr(text, '[') == text);
        }
        sxt_string_free(text);
        text = NULL;

        /* With a cancelled call nothing is sent and the tokens stay as they were. */
        requests = h_server_log_count(server, " -> ");
        CHECK_OK(sxt_session_refresh_token(session, &before, &err), err);
        CHECK_ERR(sxt_refresh_call(session, cancelled, &err), err, SXT_STATUS_CANCELLED, NULL);
        CHECK_ERR(sxt_session_token_info_call(session, cancelled, &text, &err), err, SXT_STATUS_CANCELLED, NULL);
        CHECK_ERR(sxt_session_keys_call(session, cancelled, &text, &err), err, SXT_STATUS_CANCELLED, NULL);
        CHECK_ERR(sxt_session_add_key_call(session, cancelled, second, &err), err, SXT_STATUS_CANCELLED, NULL);
        CHECK_ERR(sxt_logout_call(session, cancelled, &err), err, SXT_STATUS_CANCELLED, NULL);
        CHECK_ERR(sxt_user_exists_call(client, cancelled, user, &exists, &err), err, SXT_STATUS_CANCELLED, NULL);
        CHECK_ERR(sxt_register_call(client, cancelled, user, key, NULL, &other, &err), err, SXT_STATUS_CANCELLED, NULL);
        h_sleep_ms(200);
        CHECK(h_server_log_count(server, " -> ") == requests);
        CHECK_OK(sxt_session_refresh_token(session, &after, &err), err);
        if (before != NULL && after != NULL) {
            CHECK_STR(before, after);
        }
        /* ... and the session goes on: no back-off after a cancelled call. */
        CHECK_OK(sxt_refresh(session, &err), err);
        CHECK_OK(sxt_logout_call(session, call, &err), err);
        CHECK_ERR(sxt_session_access_token_call(session, call, &text, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    }
done:
    sxt_string_free(before);
    sxt_string_free(after);
    sxt_session_free(session);
    sxt_call_free(call);
    sxt_call_free(cancelled);
    sxt_client_free(client);
    free(key);
    free(second);
}

/* GET /v1/auth/validtoken on the server at `url` (http://127.0.0.1:PORT) with `authorization` as the header
 * value, as an application's own HTTP client would send it: the HTTP status, or -1. */
static int validtoken_status(const char *url, const char *authorization) {
    struct sockaddr_in addr;
    char request[4096];
    char reply[64];
    int port = 0;
    int fd;
    ssize_t n;
    int status = -1;
    if (sscanf(url, "http://127.0.0.1:%d", &port) != 1) {
        return -1;
    }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    snprintf(request, sizeof request,
             "GET /v1/auth/validtoken HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: %s\r\nconnection: close\r\n\r\n",
             authorization);
    if (write(fd, request, strlen(request)) == (ssize_t)strlen(request) && (n = read(fd, reply, sizeof reply - 1)) > 12) {
        reply[n] = '\0';
        sscanf(reply, "HTTP/1.1 %d", &status);
    }
    memset(request, 0, sizeof request);
    close(fd);
    return status;
}

static void test_authorization(h_server *server) {
    sxt_client *client = h_client(server, -1);
    sxt_session *session = NULL;
    sxt_session *other = NULL;
    sxt_error *err = NULL;
    char *before = NULL;
    char *after = NULL;
    char *token = NULL;
    char user[64];
    int sign_ins;
    char *key = h_new_private_key(NULL);
    h_section("the access token where requests are made: authorization value, a revoked token renewed once");
    h_user_id(user, sizeof user, "c-authz");
    if (client == NULL || key == NULL || !CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err) ||
        !CHECK_OK(sxt_login(client, user, key, &other, &err), err)) {
        goto done;
    }
    CHECK_ERR(sxt_session_authorization(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "authorization_out");
    CHECK_ERR(sxt_session_token_rejected(session, NULL, &err), err, SXT_STATUS_NULL_ARGUMENT, "access_token");
    if (CHECK_OK(sxt_session_authorization(session, &before, &err), err) &&
        CHECK_OK(sxt_session_access_token(session, &token, &err), err)) {
        CHECK(strncmp(before, "Bearer ", 7) == 0);
        CHECK_STR(before + 7, token);
        CHECK(validtoken_status(server->url, before) == 200);
        /* A logout elsewhere revokes the token before its expiry: the API answers 401. */
        CHECK_OK(sxt_logout(other, &err), err);
        CHECK(validtoken_status(server->url, before) == 401);
        /* Reported twice (two requests refused at once): one renewal, a new sign-in since the refresh is
         * refused too. */
        sign_ins = h_server_log_count(server, "POST /v1/auth/token -> 200");
        CHECK_OK(sxt_session_token_rejected(session, token, &err), err);
        CHECK_OK(sxt_session_token_rejected(session, token, &err), err);
        h_sleep_ms(100);
        CHECK(h_server_log_count(server, "POST /v1/auth/token -> 200") == sign_ins + 1);
        if (CHECK_OK(sxt_session_authorization_call(session, NULL, &after, &err), err)) {
            CHECK(strcmp(before, after) != 0);
            CHECK(validtoken_status(server->url, after) == 200);
        }
    }
done:
    sxt_string_free(before);
    sxt_string_free(after);
    sxt_string_free(token);
    sxt_session_free(session);
    sxt_session_free(other);
    sxt_client_free(client);
    free(key);
}

#ifdef __linux__
/* A connect that never completes: a listener whose accept queue (backlog 0 holds one) is already full drops
 * every new SYN. A cancellation from another thread wakes the connect at once, well before its 20 s. */
static void test_connect_under_way(void) {
    sxt_client_options *opts = NULL;
    sxt_client *client = NULL;
    sxt_call *call = NULL;
    sxt_error *err = NULL;
    pthread_t thread;
    struct canceller c;
    struct sockaddr_in addr;
    bool exists = false;
    char url[64];
    int port = 0, filler = -1;
    int fd = h_silent_listener(&port);
    h_section("a connect that never completes: cancel from another thread (Linux)");
    if (!CHECK(fd >= 0) || !CHECK(listen(fd, 0) == 0)) {
        goto done;
    }
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)port);
    filler = socket(AF_INET, SOCK_STREAM, 0);
    if (!CHECK(filler >= 0 && connect(filler, (struct sockaddr *)&addr, sizeof addr) == 0)) {
        goto done;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    CHECK_OK(sxt_client_options_new(&opts, &err), err);
    CHECK_OK(sxt_client_options_set_allow_http(opts, true, &err), err);
    CHECK_OK(sxt_client_options_set_connect_timeout_ms(opts, 20000, &err), err);
    CHECK_OK(sxt_client_options_set_timeout_ms(opts, 30000, &err), err);
    if (CHECK_OK(sxt_client_new(url, opts, &client, &err), err) && CHECK_OK(sxt_call_new(&call, &err), err)) {
        int64_t started = h_now_ms();
        c.call = call;
        c.after_ms = 300;
        CHECK(pthread_create(&thread, NULL, cancel_later, &c) == 0);
        CHECK_ERR(sxt_user_exists_call(client, call, "someone", &exists, &err), err, SXT_STATUS_CANCELLED, NULL);
        pthread_join(thread, NULL);
        CHECK(h_now_ms() - started < 5000);
    }
done:
    sxt_call_free(call);
    sxt_client_free(client);
    sxt_client_options_free(opts);
    if (filler >= 0) {
        close(filler);
    }
    if (fd >= 0) {
        close(fd);
    }
}
#endif

int main(void) {
    h_server server;
    test_handle_rules();
    test_stalled_server();
#ifdef __linux__
    test_connect_under_way();
#endif
    if (h_server_start(&server, false, NO_ARGS)) {
        test_against_the_server(&server);
        test_authorization(&server);
        h_server_stop(&server);
    }
    return h_finish();
}
