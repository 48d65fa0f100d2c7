/*
 * Threads (pthreads) against local servers: many threads using one session at once (access token, refresh,
 * token info, refresh token, expiries, keys) and one client at once (sign-ins of many users); single-flight
 * renewal (eight threads asking for an expired access token cause exactly one refresh on the server, and all
 * get the same token); freeing a session, and a client, while other threads are inside calls on them (those calls
 * finish, later ones get SXT_STATUS_INVALID_HANDLE); logout while other threads use the session (they get
 * SXT_STATUS_LOGGED_OUT, nothing else); options setters and error/string frees from many threads at once.
 */
#include "harness.h"

#include <pthread.h>

#define THREADS 8

static const char *const NO_ARGS[] = {NULL};

/* ---- many threads, one session ---------------------------------------------------------------------- */

struct shared_work {
    sxt_session *session;
    const char *user;
    int iterations;
    int index;
};

static void *hammer_session(void *arg) {
    struct shared_work *w = arg;
    int i;
    for (i = 0; i < w->iterations; i++) {
        char *text = NULL;
        int64_t a = 0;
        int64_t r = 0;
        sxt_error *err = NULL;
        switch ((i + w->index) % 6) {
        case 0:
            if (CHECK_OK(sxt_session_access_token(w->session, &text, &err), err)) {
                CHECK(text != NULL && text[0] != '\0');
            }
            break;
        case 1:
            CHECK_OK(sxt_refresh(w->session, &err), err);
            break;
        case 2:
            if (CHECK_OK(sxt_session_token_info(w->session, &text, &err), err)) {
                char value[128];
                CHECK(h_json_string(text, "userId", value, sizeof value) && strcmp(value, w->user) == 0);
            }
            break;
        case 3:
            CHECK_OK(sxt_session_refresh_token(w->session, &text, &err), err);
            break;
        case 4:
            if (CHECK_OK(sxt_session_expiries(w->session, &a, &r, &err), err)) {
                CHECK(a > 0 && r > 0);
            }
            break;
        default:
            if (CHECK_OK(sxt_session_keys(w->session, &text, &err), err)) {
                CHECK(text != NULL && text[0] == '[');
            }
            break;
        }
        sxt_string_free(text);
    }
    return NULL;
}

static void test_one_session_many_threads(const h_server *server) {
    sxt_client *client = h_client(server, -1);
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    pthread_t threads[THREADS];
    struct shared_work work[THREADS];
    char user[96];
    char *key = h_new_private_key(NULL);
    char *json = NULL;
    int i;
    h_section("one session, eight threads");
    h_user_id(user, sizeof user, "c-threads");
    if (client != NULL && key != NULL && CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err)) {
        for (i = 0; i < THREADS; i++) {
            work[i].session = session;
            work[i].user = user;
            work[i].iterations = 12;
            work[i].index = i;
            CHECK(pthread_create(&threads[i], NULL, hammer_session, &work[i]) == 0);
        }
        for (i = 0; i < THREADS; i++) {
            pthread_join(threads[i], NULL);
        }
        /* Still a working session afterwards. */
        CHECK_OK(sxt_session_token_info(session, &json, &err), err);
        sxt_string_free(json);
    }
    sxt_session_free(session);
    sxt_client_free(client);
    free(key);
}

/* ---- many threads, one client ----------------------------------------------------------------------- */

struct login_work {
    const sxt_client *client;
    char user[96];
};

static void *sign_in_and_use(void *arg) {
    struct login_work *w = arg;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    char *key = h_new_private_key(NULL);
    char *json = NULL;
    bool exists = true;
    if (key == NULL) {
        return NULL;
    }
    CHECK_OK(sxt_user_exists(w->client, w->user, &exists, &err), err);
    CHECK(exists == false);
    if (CHECK_OK(sxt_register(w->client, w->user, key, NULL, &session, &err), err)) {
        char value[128];
        CHECK_OK(sxt_session_token_info(session, &json, &err), err);
        CHECK(h_json_string(json, "userId", value, sizeof value) && strcmp(value, w->user) == 0);
        sxt_string_free(json);
        CHECK_OK(sxt_logout(session, &err), err);
    }
    sxt_session_free(session);
    free(key);
    return NULL;
}

static void test_one_client_many_threads(const h_server *server) {
    sxt_client *client = h_client(server, -1);
    pthread_t threads[THREADS];
    struct login_work work[THREADS];
    int i;
    h_section("one client, eight threads signing in different users");
    if (client == NULL) {
        return;
    }
    for (i = 0; i < THREADS; i++) {
        work[i].client = client;
        h_user_id(work[i].user, sizeof work[i].user, "c-parallel");
        CHECK(pthread_create(&threads[i], NULL, sign_in_and_use, &work[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    sxt_client_free(client);
}

/* ---- single-flight renewal -------------------------------------------------------------------------- */

struct flight_work {
    sxt_session *session;
    pthread_barrier_t *barrier;
    char token[512];
    sxt_status status;
};

static void *ask_token(void *arg) {
    struct flight_work *w = arg;
    char *token = NULL;
    pthread_barrier_wait(w->barrier);
    w->status = sxt_session_access_token(w->session, &token, NULL);
    if (w->status == SXT_STATUS_OK && strlen(token) < sizeof w->token) {
        strcpy(w->token, token);
    }
    sxt_string_free(token);
    return NULL;
}

static void test_single_flight(void) {
    static const char *const args[] = {"--access-ttl", "2", NULL};
    h_server server;
    sxt_client *client = NULL;
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    pthread_t threads[THREADS];
    struct flight_work work[THREADS];
    pthread_barrier_t barrier;
    char user[96];
    char *key = h_new_private_key(NULL);
    char *before = NULL;
    int refreshes;
    int i;
    h_section("eight threads asking for an expired access token: one refresh");
    if (!h_server_start(&server, false, args)) {
        free(key);
        return;
    }
    client = h_client(&server, -1);
    h_user_id(user, sizeof user, "c-flight");
    if (client != NULL && CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err)) {
        CHECK_OK(sxt_session_access_token(session, &before, &err), err);
        refreshes = h_server_log_count(&server, "POST /v1/auth/refresh ");
        /* Past the token's expiry: every thread must wait for the one renewal, and all get its token. (While a
         * due token is still valid, a thread that finds the renewal in flight gets the current one at once.) */
        h_sleep_ms(2300);
        pthread_barrier_init(&barrier, NULL, THREADS);
        for (i = 0; i < THREADS; i++) {
            work[i].session = session;
            work[i].barrier = &barrier;
            work[i].token[0] = '\0';
            work[i].status = SXT_STATUS_INTERNAL;
            CHECK(pthread_create(&threads[i], NULL, ask_token, &work[i]) == 0);
        }
        for (i = 0; i < THREADS; i++) {
            pthread_join(threads[i], NULL);
        }
        pthread_barrier_destroy(&barrier);
        for (i = 0; i < THREADS; i++) {
            CHECK_STATUS(work[i].status, SXT_STATUS_OK);
            CHECK_STR(work[i].token, work[0].token);
        }
        CHECK(before != NULL && strcmp(before, work[0].token) != 0);
        CHECK(h_server_log_count(&server, "POST /v1/auth/refresh ") == refreshes + 1);
        sxt_string_free(before);
    }
    sxt_session_free(session);
    sxt_client_free(client);
    h_server_stop(&server);
    free(key);
}

/* ---- free and logout while other threads are inside calls ------------------------------------------- */

struct racer {
    sxt_session *session;
    const sxt_client *client;
    sxt_status end_status; /* the status that ends the loop */
    int ok;                /* calls that succeeded */
    int other;             /* calls that gave neither OK nor end_status */
    sxt_status last;
    int index;
};

/* How many racers have had a call succeed (the main thread acts once all have). */
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static int ready_count;

static void racer_succeeded(struct racer *r) {
    r->ok++;
    if (r->ok == 1) {
        pthread_mutex_lock(&ready_lock);
        ready_count++;
        pthread_mutex_unlock(&ready_lock);
    }
}

static void *race_session(void *arg) {
    struct racer *r = arg;
    int i;
    for (i = 0; i < 100000; i++) {
        char *text = NULL;
        sxt_error *err = NULL;
        sxt_status st;
        switch ((i + r->index) % 4) {
        case 0:
            st = sxt_session_token_info(r->session, &text, &err);
            break;
        case 1:
            st = sxt_session_access_token(r->session, &text, &err);
            break;
        case 2:
            st = sxt_refresh(r->session, &err);
            break;
        default:
            st = sxt_session_keys(r->session, &text, &err);
            break;
        }
        if (st == SXT_STATUS_OK) {
            racer_succeeded(r);
            CHECK(err == NULL && (text != NULL || (i + r->index) % 4 == 2));
        } else {
            CHECK(err != NULL && sxt_error_code(err) == st);
            CHECK(text == NULL);
            if (st != r->end_status) {
                r->other++;
                fprintf(stderr, "     unexpected %s: %s\n", sxt_status_name((int32_t)st), sxt_error_message(err));
            }
        }
        sxt_string_free(text);
        sxt_error_free(err);
        r->last = st;
        if (st == r->end_status) {
            break;
        }
    }
    return NULL;
}

static void *race_client(void *arg) {
    struct racer *r = arg;
    int i;
    for (i = 0; i < 100000; i++) {
        char *text = NULL;
        bool exists = false;
        sxt_session *session = NULL;
        sxt_error *err = NULL;
        sxt_status st;
        if (i % 3 == 2) {
            char user[96];
            h_user_id(user, sizeof user, "c-race");
            st = sxt_register(r->client, user, "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=", NULL, &session, &err);
        } else if (i % 3 == 1) {
            st = sxt_client_base_url(r->client, &text, &err);
        } else {
            st = sxt_user_exists(r->client, "c-race-nobody", &exists, &err);
        }
        if (st == SXT_STATUS_OK) {
            racer_succeeded(r);
        } else if (st != r->end_status) {
            r->other++;
            fprintf(stderr, "     unexpected %s: %s\n", sxt_status_name((int32_t)st), sxt_error_message(err));
        }
        /* A session started just before the client was freed keeps working. */
        if (session != NULL) {
            char *json = NULL;
            sxt_error *e2 = NULL;
            CHECK_OK(sxt_session_token_info(session, &json, &e2), e2);
            sxt_string_free(json);
        }
        sxt_session_free(session);
        sxt_string_free(text);
        sxt_error_free(err);
        r->last = st;
        if (st == r->end_status) {
            break;
        }
    }
    return NULL;
}

/* Starts the racers, waits until each is inside its loop with a call done, runs act(target), joins. */
static void run_racers(struct racer *racers, void *(*fn)(void *), void (*act)(void *), void *target) {
    pthread_t threads[THREADS];
    int i;
    int waited_ms = 0;
    int ready = 0;
    ready_count = 0;
    for (i = 0; i < THREADS; i++) {
        racers[i].index = i;
        racers[i].ok = 0;
        racers[i].other = 0;
        racers[i].last = SXT_STATUS_OK;
        CHECK(pthread_create(&threads[i], NULL, fn, &racers[i]) == 0);
    }
    while (waited_ms < 30000) {
        pthread_mutex_lock(&ready_lock);
        ready = ready_count;
        pthread_mutex_unlock(&ready_lock);
        if (ready == THREADS) {
            break;
        }
        h_sleep_ms(10);
        waited_ms += 10;
    }
    CHECK(ready == THREADS);
    h_sleep_ms(50); /* let them get well into further calls */
    act(target);
    for (i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(racers[i].ok > 0);
        CHECK(racers[i].other == 0);
        CHECK_STATUS(racers[i].last, racers[i].end_status);
    }
}

static void free_session(void *p) {
    sxt_session_free(p);
}

static void free_client(void *p) {
    sxt_client_free(p);
}

static void logout_session(void *p) {
    sxt_error *err = NULL;
    CHECK_OK(sxt_logout(p, &err), err);
}

static void test_free_and_logout_during_calls(const h_server *server) {
    sxt_client *client = h_client(server, -1);
    sxt_client *doomed = h_client(server, -1);
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    struct racer racers[THREADS];
    char user[96];
    char *key = h_new_private_key(NULL);
    int i;
    h_section("sxt_session_free while eight threads are inside calls on the session");
    h_user_id(user, sizeof user, "c-race");
    if (client == NULL || doomed == NULL || key == NULL ||
        !CHECK_OK(sxt_register(client, user, key, NULL, &session, &err), err)) {
        goto out;
    }
    for (i = 0; i < THREADS; i++) {
        racers[i].session = session;
        racers[i].end_status = SXT_STATUS_INVALID_HANDLE;
    }
    run_racers(racers, race_session, free_session, session);
    CHECK_STATUS(sxt_refresh(session, NULL), SXT_STATUS_INVALID_HANDLE);

    h_section("sxt_logout while eight threads are inside calls on the session");
    session = NULL;
    if (CHECK_OK(sxt_login(client, user, key, &session, &err), err)) {
        for (i = 0; i < THREADS; i++) {
            racers[i].session = session;
            racers[i].end_status = SXT_STATUS_LOGGED_OUT;
        }
        run_racers(racers, race_session, logout_session, session);
        CHECK_STATUS(sxt_refresh(session, NULL), SXT_STATUS_LOGGED_OUT);
        sxt_session_free(session);
    }

    h_section("sxt_client_free while eight threads are inside calls on the client");
    for (i = 0; i < THREADS; i++) {
        racers[i].client = doomed;
        racers[i].end_status = SXT_STATUS_INVALID_HANDLE;
    }
    run_racers(racers, race_client, free_client, doomed);
    doomed = NULL;

out:
    sxt_client_free(client);
    sxt_client_free(doomed);
    free(key);
}

/* ---- options and errors from many threads ----------------------------------------------------------- */

struct options_work {
    sxt_client_options *options;
    int index;
};

static void *tweak_options(void *arg) {
    struct options_work *w = arg;
    int i;
    for (i = 0; i < 200; i++) {
        sxt_error *err = NULL;
        char *pub = NULL;
        char ua[64];
        snprintf(ua, sizeof ua, "sxt-c-tests/thread-%d-%d", w->index, i);
        CHECK_OK(sxt_client_options_set_user_agent(w->options, ua, &err), err);
        CHECK_OK(sxt_client_options_set_timeout_ms(w->options, (uint32_t)(1000 + i), &err), err);
        CHECK_OK(sxt_client_options_set_refresh_margin_ms(w->options, (uint32_t)i, &err), err);
        /* Errors and strings made and freed concurrently. */
        CHECK_ERR(sxt_client_options_set_read_timeout_ms(w->options, 0, &err), err, SXT_STATUS_INVALID_ARGUMENT, "read_timeout_ms");
        CHECK_OK(sxt_key_public("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=", &pub, &err), err);
        CHECK_STR(pub, "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs=");
        /* One free only: with other threads allocating, the address may already belong to a new string. */
        sxt_string_free(pub);
    }
    return NULL;
}

static void test_options_many_threads(const h_server *server) {
    sxt_client_options *options = NULL;
    sxt_client *client = NULL;
    sxt_error *err = NULL;
    pthread_t threads[THREADS];
    struct options_work work[THREADS];
    bool exists = true;
    int i;
    h_section("one options object, eight threads setting it; errors and strings from many threads");
    if (!CHECK_OK(sxt_client_options_new(&options, &err), err)) {
        return;
    }
    CHECK_OK(sxt_client_options_set_allow_http(options, true, &err), err);
    for (i = 0; i < THREADS; i++) {
        work[i].options = options;
        work[i].index = i;
        CHECK(pthread_create(&threads[i], NULL, tweak_options, &work[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    CHECK_OK(sxt_client_new(server->url, options, &client, &err), err);
    CHECK_OK(sxt_user_exists(client, "c-options-nobody", &exists, &err), err);
    CHECK(exists == false);
    sxt_client_free(client);
    sxt_client_options_free(options);
}

int main(void) {
    h_server server;
    if (h_server_start(&server, false, NO_ARGS)) {
        test_one_session_many_threads(&server);
        test_one_client_many_threads(&server);
        test_free_and_logout_during_calls(&server);
        test_options_many_threads(&server);
        h_server_stop(&server);
    }
    test_single_flight();
    return h_finish();
}
