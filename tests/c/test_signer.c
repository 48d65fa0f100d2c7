/*
 * Keys that never enter the library, and sessions that survive a restart, through the C ABI against local
 * servers over http and https:
 *  - sxt_signer_new with an ed25519 callback (the key lives in the test, signing with sxt_key_sign):
 *    register, login, add a key, and a sign-in again through the signer when the refresh chain ends;
 *  - failing, garbage-returning, wrong-key and slow signers (SXT_STATUS_SIGNER_FAILED; nothing sent) and a
 *    scheme the local server does not verify (its 400 names it);
 *  - destroy called exactly once: after the last session goes, when sign-in fails, when sxt_signer_new fails;
 *  - eight threads signing in through one signer;
 *  - sxt_session_export in one process and sxt_session_import in another (this program runs itself), then a
 *    refresh; expired, altered, truncated and future-version blobs refused; import with the wrong key;
 *  - sxt_session_set_observer: once per rotation under 16 threads forcing refreshes, LOGGED_OUT at logout,
 *    an export from inside the callback, destroy when replaced and when the session is freed.
 */
#include "harness.h"

#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

/* ---- a signer whose key the test holds ------------------------------------------------------------------ */

enum mode { SIGN_GOOD, SIGN_FAIL, SIGN_GARBAGE, SIGN_SLOW };

struct signer_ctx {
    char *private_key; /* the key the callback signs with (not the library's) */
    enum mode mode;
    pthread_mutex_t lock;
    int calls;
    int destroyed;
};

static int32_t sign_cb(void *context, const uint8_t *message, size_t message_len, char *out, size_t capacity,
                       size_t *out_len) {
    struct signer_ctx *ctx = context;
    char text[300];
    char *signature = NULL;
    sxt_status st;
    pthread_mutex_lock(&ctx->lock);
    ctx->calls++;
    pthread_mutex_unlock(&ctx->lock);
    if (ctx->mode == SIGN_FAIL) {
        const char *why = "the user declined";
        memcpy(out, why, strlen(why));
        *out_len = strlen(why);
        return 42;
    }
    if (ctx->mode == SIGN_GARBAGE) {
        memcpy(out, "not-a-signature", 15);
        *out_len = 15;
        return SXT_STATUS_OK;
    }
    if (ctx->mode == SIGN_SLOW) {
        h_sleep_ms(1300);
    }
    if (message_len >= sizeof text) {
        return 1;
    }
    memcpy(text, message, message_len);
    text[message_len] = '\0';
    st = sxt_key_sign(ctx->private_key, text, &signature, NULL);
    if (st != SXT_STATUS_OK || strlen(signature) > capacity) {
        sxt_string_free(signature);
        return 1;
    }
    memcpy(out, signature, strlen(signature));
    *out_len = strlen(signature);
    sxt_string_free(signature);
    return SXT_STATUS_OK;
}

static void destroy_cb(void *context) {
    struct signer_ctx *ctx = context;
    pthread_mutex_lock(&ctx->lock);
    ctx->destroyed++;
    pthread_mutex_unlock(&ctx->lock);
}

static void ctx_init(struct signer_ctx *ctx, char *private_key, enum mode mode) {
    memset(ctx, 0, sizeof *ctx);
    pthread_mutex_init(&ctx->lock, NULL);
    ctx->private_key = private_key;
    ctx->mode = mode;
}

static int ctx_calls(struct signer_ctx *ctx) {
    int n;
    pthread_mutex_lock(&ctx->lock);
    n = ctx->calls;
    pthread_mutex_unlock(&ctx->lock);
    return n;
}

static int ctx_destroyed(struct signer_ctx *ctx) {
    int n;
    pthread_mutex_lock(&ctx->lock);
    n = ctx->destroyed;
    pthread_mutex_unlock(&ctx->lock);
    return n;
}

static sxt_signer *new_signer(struct signer_ctx *ctx, const char *public_key) {
    sxt_signer *signer = NULL;
    sxt_error *err = NULL;
    CHECK_OK(sxt_signer_new(public_key, NULL, sign_cb, ctx, destroy_cb, &signer, &err), err);
    return signer;
}

/* ---- signers --------------------------------------------------------------------------------------------- */

static void test_signer_flow(const h_server *server) {
    sxt_client *client = h_client_keep_key(server, 0, false);
    char *pub = NULL;
    char *priv = h_new_private_key(&pub);
    char *pub2 = NULL;
    char *priv2 = h_new_private_key(&pub2);
    struct signer_ctx ctx, ctx2;
    sxt_signer *signer, *second;
    sxt_session *registered = NULL, *session = NULL;
    sxt_error *err = NULL;
    char user[64], *token = NULL, *keys = NULL;
    int before;
    h_section(server->tls ? "a signer signs in (https)" : "a signer signs in (http)");
    ctx_init(&ctx, priv, SIGN_GOOD);
    ctx_init(&ctx2, priv2, SIGN_GOOD);
    signer = new_signer(&ctx, pub);
    second = new_signer(&ctx2, pub2);
    h_user_id(user, sizeof user, "signer");
    CHECK_OK(sxt_register_signer(client, user, signer, NULL, NULL, &registered, &err), err);
    CHECK_OK(sxt_login_signer(client, user, signer, &session, &err), err);
    CHECK(ctx_calls(&ctx) == 2);
    CHECK_OK(sxt_session_add_key_signer(session, second, &err), err);
    CHECK(ctx_calls(&ctx2) == 1);
    CHECK_OK(sxt_session_keys(session, &keys, &err), err);
    CHECK_CONTAINS(keys, pub);
    CHECK_CONTAINS(keys, pub2);
    sxt_string_free(keys);
    /* The refresh chain ends (--refresh-ttl 2): the session signs in through the signer, although
     * keep_key is off (a signer holds no secret of the library's). */
    before = ctx_calls(&ctx);
    h_sleep_ms(2200);
    CHECK_OK(sxt_session_access_token(session, &token, &err), err);
    CHECK(ctx_calls(&ctx) == before + 1);
    sxt_string_free(token);
    /* destroy runs once, when the handle and both sessions are gone. */
    sxt_signer_free(signer);
    sxt_signer_free(second);
    CHECK(ctx_destroyed(&ctx) == 0);
    sxt_session_free(registered);
    CHECK(ctx_destroyed(&ctx) == 0);
    sxt_session_free(session);
    CHECK(ctx_destroyed(&ctx) == 1 && ctx_destroyed(&ctx2) == 1);
    sxt_client_free(client);
    free(priv);
    free(priv2);
    free(pub);
    free(pub2);
}

static void test_bad_signers(const h_server *server) {
    sxt_client *client = h_client(server, -1);
    char *pub = NULL;
    char *priv = h_new_private_key(&pub);
    char *other_pub = NULL;
    char *other = h_new_private_key(&other_pub);
    struct signer_ctx good, failing, garbage, wrong;
    sxt_signer *signer = NULL;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    char user[64];
    int tokens;
    h_section("failing, garbage and wrong-key signers send nothing");
    ctx_init(&good, priv, SIGN_GOOD);
    signer = new_signer(&good, pub);
    h_user_id(user, sizeof user, "badsigner");
    CHECK_OK(sxt_register_signer(client, user, signer, NULL, NULL, &session, &err), err);
    sxt_session_free(session);
    session = NULL;
    sxt_signer_free(signer);
    tokens = h_server_log_count(server, "POST /v1/auth/token");

    ctx_init(&failing, priv, SIGN_FAIL);
    signer = new_signer(&failing, pub);
    CHECK(sxt_login_signer(client, user, signer, &session, &err) == SXT_STATUS_SIGNER_FAILED);
    CHECK_CONTAINS(err != NULL ? sxt_error_message(err) : NULL, "the user declined");
    sxt_error_free(err);
    err = NULL;
    sxt_signer_free(signer);
    CHECK(failing.destroyed == 1);

    ctx_init(&garbage, priv, SIGN_GARBAGE);
    signer = new_signer(&garbage, pub);
    CHECK_ERR(sxt_login_signer(client, user, signer, &session, &err), err, SXT_STATUS_SIGNER_FAILED, NULL);
    sxt_signer_free(signer);

    ctx_init(&wrong, other, SIGN_GOOD); /* signs with another key than the one it names */
    signer = new_signer(&wrong, pub);
    CHECK(sxt_login_signer(client, user, signer, &session, &err) == SXT_STATUS_SIGNER_FAILED);
    CHECK_CONTAINS(err != NULL ? sxt_error_message(err) : NULL, "does not verify");
    sxt_error_free(err);
    err = NULL;
    sxt_signer_free(signer);
    CHECK(session == NULL);
    CHECK(h_server_log_count(server, "POST /v1/auth/token") == tokens);

    /* sxt_signer_new failing still calls destroy, once. */
    {
        struct signer_ctx c;
        ctx_init(&c, priv, SIGN_GOOD);
        CHECK_ERR(sxt_signer_new("not a key", NULL, sign_cb, &c, destroy_cb, &signer, &err), err, SXT_STATUS_INVALID_KEY,
                  "public_key");
        CHECK(c.destroyed == 1);
        ctx_init(&c, priv, SIGN_GOOD);
        CHECK_ERR(sxt_signer_new(pub, NULL, NULL, &c, destroy_cb, &signer, &err), err, SXT_STATUS_NULL_ARGUMENT, "sign");
        CHECK(c.destroyed == 1);
        ctx_init(&c, priv, SIGN_GOOD);
        CHECK_ERR(sxt_signer_new(pub, "", sign_cb, &c, destroy_cb, &signer, &err), err, SXT_STATUS_INVALID_ARGUMENT,
                  "scheme");
        CHECK(c.destroyed == 1);
        CHECK_ERR(sxt_login_signer(client, user, NULL, &session, &err), err, SXT_STATUS_INVALID_HANDLE, "signer");
    }

    /* A scheme the local server does not verify: passed through, and its refusal names it. */
    {
        struct signer_ctx c;
        ctx_init(&c, priv, SIGN_GARBAGE);
        CHECK_OK(sxt_signer_new("0x52908400098527886E0F7030069857D2E4169EE7", "1", sign_cb, &c, destroy_cb, &signer, &err),
                 err);
        CHECK(sxt_register_signer(client, "wallet-user", signer, NULL, NULL, &session, &err) == SXT_STATUS_BAD_REQUEST);
        CHECK_CONTAINS(err != NULL ? sxt_error_detail(err) : NULL, "scheme not supported by this server");
        sxt_error_free(err);
        err = NULL;
        sxt_signer_free(signer);
        CHECK(c.destroyed == 1);
    }
    sxt_client_free(client);
    free(priv);
    free(other);
    free(pub);
    free(other_pub);
}

static void test_slow_signer(void) {
    static const char *const ARGS[] = {"--challenge-ttl", "1", NULL};
    h_server server;
    sxt_client *client;
    char *pub = NULL;
    char *priv = h_new_private_key(&pub);
    struct signer_ctx ctx;
    sxt_signer *signer;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    h_section("a signer slower than the server's challenge");
    if (!h_server_start(&server, false, ARGS)) {
        return;
    }
    client = h_client(&server, -1);
    ctx_init(&ctx, priv, SIGN_SLOW);
    signer = new_signer(&ctx, pub);
    CHECK(sxt_register_signer(client, "slow-user", signer, NULL, NULL, &session, &err) == SXT_STATUS_BAD_REQUEST);
    /* Expired, or already purged by the server's once-a-second sweep: either way the challenge is gone. */
    CHECK(err != NULL && sxt_error_detail(err) != NULL &&
          (strstr(sxt_error_detail(err), "expired") != NULL || strstr(sxt_error_detail(err), "unknown or already used") != NULL));
    sxt_error_free(err);
    sxt_signer_free(signer);
    CHECK(ctx.destroyed == 1);
    sxt_client_free(client);
    h_server_stop(&server);
    free(priv);
    free(pub);
}

struct login_work {
    sxt_client *client;
    sxt_signer *signer;
    const char *user;
    sxt_status status;
};

static void *login_thread(void *arg) {
    struct login_work *w = arg;
    sxt_session *s = NULL;
    w->status = sxt_login_signer(w->client, w->user, w->signer, &s, NULL);
    sxt_session_free(s);
    return NULL;
}

static void test_threads_share_a_signer(const h_server *server) {
    enum { N = 8 };
    sxt_client *client = h_client(server, -1);
    char *pub = NULL;
    char *priv = h_new_private_key(&pub);
    struct signer_ctx ctx;
    sxt_signer *signer;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    char user[64];
    pthread_t threads[N];
    struct login_work work[N];
    int i;
    h_section("eight threads sign in through one signer");
    ctx_init(&ctx, priv, SIGN_GOOD);
    signer = new_signer(&ctx, pub);
    h_user_id(user, sizeof user, "threads");
    CHECK_OK(sxt_register_signer(client, user, signer, NULL, NULL, &session, &err), err);
    sxt_session_free(session);
    for (i = 0; i < N; i++) {
        work[i] = (struct login_work){client, signer, user, SXT_STATUS_INTERNAL};
        CHECK(pthread_create(&threads[i], NULL, login_thread, &work[i]) == 0);
    }
    for (i = 0; i < N; i++) {
        pthread_join(threads[i], NULL);
        CHECK(work[i].status == SXT_STATUS_OK);
    }
    CHECK(ctx_calls(&ctx) == N + 1);
    sxt_signer_free(signer);
    CHECK(ctx_destroyed(&ctx) == 1);
    sxt_client_free(client);
    free(priv);
    free(pub);
}

/* ---- export and import ----------------------------------------------------------------------------------- */

/* The child process: signs in and writes the exported session to a file. */
static int export_child(const char *url, const char *ca_path, const char *user, const char *key, const char *path) {
    sxt_client_options *opts = NULL;
    sxt_client *client = NULL;
    sxt_session *session = NULL;
    char *blob = NULL;
    int rc = 1;
    FILE *f;
    if (sxt_client_options_new(&opts, NULL) != SXT_STATUS_OK) {
        return 1;
    }
    if (ca_path[0] != '\0') {
        char *pem = h_read_file(ca_path);
        sxt_client_options_add_ca_pem(opts, pem, NULL);
        free(pem);
    } else {
        sxt_client_options_set_allow_http(opts, true, NULL);
    }
    if (sxt_client_new(url, opts, &client, NULL) == SXT_STATUS_OK &&
        sxt_login(client, user, key, &session, NULL) == SXT_STATUS_OK &&
        sxt_session_export(session, &blob, NULL) == SXT_STATUS_OK && (f = fopen(path, "w")) != NULL) {
        rc = fputs(blob, f) >= 0 && fclose(f) == 0 ? 0 : 1;
    }
    sxt_string_free(blob);
    sxt_session_free(session);
    sxt_client_free(client);
    sxt_client_options_free(opts);
    return rc;
}

static const char *g_self;

static void test_export_import_across_processes(const h_server *server) {
    sxt_client *client = h_client(server, -1);
    char *pub = NULL;
    char *priv = h_new_private_key(&pub);
    char *other = h_new_private_key(NULL);
    sxt_session *session = NULL, *restored = NULL;
    sxt_error *err = NULL;
    char user[64], path[400], *blob = NULL, *token = NULL;
    char *argv[8];
    pid_t pid;
    int status = -1;
    h_section(server->tls ? "export in one process, import in another (https)" : "export in one process, import in another (http)");
    h_user_id(user, sizeof user, "export");
    CHECK_OK(sxt_register(client, user, priv, NULL, &session, &err), err);
    snprintf(path, sizeof path, "%s/blob-%s.txt", server->dir, server->tls ? "tls" : "http");
    argv[0] = (char *)g_self;
    argv[1] = "--export-child";
    argv[2] = (char *)server->url;
    argv[3] = server->tls ? (char *)server->ca_path : "";
    argv[4] = user;
    argv[5] = priv;
    argv[6] = path;
    argv[7] = NULL;
    CHECK(posix_spawn(&pid, g_self, NULL, NULL, argv, environ) == 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    blob = h_read_file(path);
    CHECK(blob != NULL && strncmp(blob, "sxts1.", 6) == 0);
    CHECK_NOT_CONTAINS(blob, priv);
    if (blob != NULL) {
        CHECK_OK(sxt_session_import(client, blob, priv, &restored, &err), err);
        CHECK_OK(sxt_refresh(restored, &err), err);
        CHECK_OK(sxt_session_access_token(restored, &token, &err), err);
        sxt_string_free(token);
        CHECK_ERR(sxt_session_import(client, blob, other, &restored, &err), err, SXT_STATUS_INVALID_KEY, "secret");
        CHECK_ERR(sxt_session_import(client, blob, "junk", &restored, &err), err, SXT_STATUS_INVALID_KEY, "secret");
    }
    free(blob);
    sxt_session_free(session);
    sxt_session_free(restored);
    sxt_client_free(client);
    free(priv);
    free(other);
    free(pub);
}

static void test_bad_blobs(void) {
    static const char *const ARGS[] = {"--access-ttl", "1", "--refresh-ttl", "1", NULL};
    h_server server;
    sxt_client *client;
    char *priv = h_new_private_key(NULL);
    sxt_session *session = NULL, *restored = NULL;
    sxt_error *err = NULL;
    char user[64], *blob = NULL, *copy = NULL;
    size_t len;
    h_section("expired, altered, truncated and future-version blobs");
    if (!h_server_start(&server, false, ARGS)) {
        free(priv);
        return;
    }
    client = h_client(&server, -1);
    h_user_id(user, sizeof user, "blob");
    CHECK_OK(sxt_register(client, user, priv, NULL, &session, &err), err);
    CHECK_OK(sxt_session_export(session, &blob, &err), err);
    len = blob != NULL ? strlen(blob) : 0;
    copy = malloc(len + 1);
    if (copy != NULL && len > 40) {
        memcpy(copy, blob, len + 1);
        copy[len - 4] = '\0';
        CHECK_ERR(sxt_session_import(client, copy, NULL, &restored, &err), err, SXT_STATUS_INVALID_ARGUMENT, "blob");
        memcpy(copy, blob, len + 1);
        copy[20] = copy[20] == 'A' ? 'B' : 'A';
        CHECK(sxt_session_import(client, copy, NULL, &restored, &err) == SXT_STATUS_INVALID_ARGUMENT);
        CHECK_CONTAINS(err != NULL ? sxt_error_message(err) : NULL, "altered");
        sxt_error_free(err);
        err = NULL;
        memcpy(copy, blob, len + 1);
        copy[4] = '7';
        CHECK(sxt_session_import(client, copy, NULL, &restored, &err) == SXT_STATUS_INVALID_ARGUMENT);
        CHECK_CONTAINS(err != NULL ? sxt_error_message(err) : NULL, "version 7");
        sxt_error_free(err);
        err = NULL;
    }
    CHECK_ERR(sxt_session_import(client, "", NULL, &restored, &err), err, SXT_STATUS_INVALID_ARGUMENT, "blob");
    CHECK_ERR(sxt_session_import(client, NULL, NULL, &restored, &err), err, SXT_STATUS_NULL_ARGUMENT, "blob");
    h_sleep_ms(1100);
    CHECK_ERR(sxt_session_import(client, blob, priv, &restored, &err), err, SXT_STATUS_SESSION_EXPIRED, NULL);
    CHECK(restored == NULL);
    CHECK_OK(sxt_logout(session, &err), err);
    {
        char *after = NULL;
        CHECK_ERR(sxt_session_export(session, &after, &err), err, SXT_STATUS_LOGGED_OUT, NULL);
    }
    free(copy);
    sxt_string_free(blob);
    sxt_session_free(session);
    sxt_client_free(client);
    h_server_stop(&server);
    free(priv);
}

/* ---- the observer ---------------------------------------------------------------------------------------- */

struct observer_ctx {
    pthread_mutex_t lock;
    sxt_session *session;
    int rotated, logged_out, exports_ok, destroyed;
};

static void observe(void *context, int32_t event) {
    struct observer_ctx *o = context;
    char *blob = NULL;
    /* Outside every lock of the session: exporting from here works. */
    sxt_status st = event == SXT_EVENT_ROTATED ? sxt_session_export(o->session, &blob, NULL) : SXT_STATUS_OK;
    sxt_string_free(blob);
    pthread_mutex_lock(&o->lock);
    if (event == SXT_EVENT_ROTATED) {
        o->rotated++;
        o->exports_ok += st == SXT_STATUS_OK;
    } else if (event == SXT_EVENT_LOGGED_OUT) {
        o->logged_out++;
    }
    pthread_mutex_unlock(&o->lock);
}

static void observer_destroy(void *context) {
    struct observer_ctx *o = context;
    pthread_mutex_lock(&o->lock);
    o->destroyed++;
    pthread_mutex_unlock(&o->lock);
}

static void *refresh_thread(void *arg) {
    int i;
    for (i = 0; i < 3; i++) {
        if (sxt_refresh((sxt_session *)arg, NULL) != SXT_STATUS_OK) {
            break;
        }
    }
    return NULL;
}

static void test_observer(const h_server *server) {
    enum { N = 16 };
    sxt_client *client = h_client(server, -1);
    char *priv = h_new_private_key(NULL);
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    struct observer_ctx first, o;
    pthread_t threads[N];
    char user[64];
    int i, refreshes;
    h_section("the observer: once per rotation under 16 threads, logout, destroy");
    h_user_id(user, sizeof user, "observer");
    CHECK_OK(sxt_register(client, user, priv, NULL, &session, &err), err);
    memset(&first, 0, sizeof first);
    memset(&o, 0, sizeof o);
    pthread_mutex_init(&first.lock, NULL);
    pthread_mutex_init(&o.lock, NULL);
    first.session = o.session = session;
    CHECK_OK(sxt_session_set_observer(session, observe, &first, observer_destroy, &err), err);
    CHECK_OK(sxt_session_set_observer(session, observe, &o, observer_destroy, &err), err);
    CHECK(first.destroyed == 1 && first.rotated == 0); /* replaced: destroyed, never called */
    refreshes = h_server_log_count(server, "POST /v1/auth/refresh -> 200");
    for (i = 0; i < N; i++) {
        CHECK(pthread_create(&threads[i], NULL, refresh_thread, session) == 0);
    }
    for (i = 0; i < N; i++) {
        pthread_join(threads[i], NULL);
    }
    refreshes = h_server_log_count(server, "POST /v1/auth/refresh -> 200") - refreshes;
    CHECK(refreshes >= 3);
    CHECK(o.rotated == refreshes);
    CHECK(o.exports_ok == o.rotated);
    CHECK_OK(sxt_logout(session, &err), err);
    CHECK(o.logged_out == 1);
    CHECK(o.destroyed == 0);
    sxt_session_free(session);
    CHECK(o.destroyed == 1);
    /* Removing with NULL on a live session calls the new destroy at once and the old one. */
    {
        struct observer_ctx a, b;
        sxt_session *s2 = NULL;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        pthread_mutex_init(&a.lock, NULL);
        pthread_mutex_init(&b.lock, NULL);
        CHECK_OK(sxt_login(client, user, priv, &s2, &err), err);
        a.session = s2;
        CHECK_OK(sxt_session_set_observer(s2, observe, &a, observer_destroy, &err), err);
        CHECK_OK(sxt_session_set_observer(s2, NULL, &b, observer_destroy, &err), err);
        CHECK(a.destroyed == 1 && b.destroyed == 1);
        CHECK_OK(sxt_refresh(s2, &err), err);
        CHECK(a.rotated == 0);
        sxt_session_free(s2);
        CHECK_ERR(sxt_session_set_observer(s2, observe, &b, observer_destroy, &err), err, SXT_STATUS_INVALID_HANDLE,
                  "session");
        CHECK(b.destroyed == 2);
    }
    sxt_client_free(client);
    free(priv);
}

int main(int argc, char **argv) {
    static const char *const ARGS[] = {"--access-ttl", "1", "--refresh-ttl", "2", NULL};
    h_server http, https;
    if (argc == 7 && strcmp(argv[1], "--export-child") == 0) {
        return export_child(argv[2], argv[3], argv[4], argv[5], argv[6]);
    }
    g_self = argv[0];
    if (h_server_start(&http, false, ARGS)) {
        test_signer_flow(&http);
        test_bad_signers(&http);
        test_threads_share_a_signer(&http);
        test_export_import_across_processes(&http);
        test_observer(&http);
        h_server_stop(&http);
    }
    if (h_server_start(&https, true, ARGS)) {
        test_signer_flow(&https);
        test_export_import_across_processes(&https);
        h_server_stop(&https);
    }
    test_slow_signer();
    test_bad_blobs();
    return h_finish();
}
