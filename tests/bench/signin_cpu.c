/*
 * CPU cost of signing in through the C ABI, for `make bench`: a client process of its own (the server runs
 * in another), measured with getrusage (user + system time) and, run under callgrind by scripts/bench.sh, as
 * instructions. Nothing here asserts a speed.
 *
 * Usage: signin_cpu MODE URL USER_ID PRIVATE_KEY COUNT RUNS
 *   MODE fresh   a new client for every sign-in: sxt_client_new + sxt_login (idexists, code, token: three
 *                exchanges on a new connection) + frees, as an app's first sign-in
 *   MODE known   one client, sxt_login again and again: the user is known to exist, so two exchanges on a
 *                pooled connection
 *   MODE sign    sxt_key_sign: parse the text key (derives the public key) and sign a 22-character authCode
 *   MODE public  sxt_key_public: parse the text key only
 * The user is registered with the key first when the server does not know it. Prints one line: RESULT <tab> cpu_<mode> <tab> median ns per operation <tab> ns <tab> runs <tab> count
 * <tab> min <tab> max. Exit status 0 when every call succeeded.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sxt_auth.h"

static double cpu_ns(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e9 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e3;
}

static sxt_client *new_client(const char *url) {
    sxt_client_options *opts = NULL;
    sxt_client *client = NULL;
    if (sxt_client_options_new(&opts, NULL) != SXT_STATUS_OK ||
        sxt_client_options_set_allow_http(opts, true, NULL) != SXT_STATUS_OK ||
        sxt_client_new(url, opts, &client, NULL) != SXT_STATUS_OK) {
        client = NULL;
    }
    sxt_client_options_free(opts);
    return client;
}

static bool login(sxt_client *client, const char *user, const char *key) {
    sxt_session *session = NULL;
    sxt_error *err = NULL;
    if (sxt_login(client, user, key, &session, &err) != SXT_STATUS_OK) {
        fprintf(stderr, "signin_cpu: sxt_login: %s\n", sxt_error_message(err));
        sxt_error_free(err);
        return false;
    }
    sxt_session_free(session);
    return true;
}

/* One operation of MODE. */
static bool once(const char *mode, sxt_client *shared, const char *url, const char *user, const char *key) {
    char *out = NULL;
    bool ok;
    if (strcmp(mode, "fresh") == 0) {
        sxt_client *client = new_client(url);
        ok = client != NULL && login(client, user, key);
        sxt_client_free(client);
    } else if (strcmp(mode, "known") == 0) {
        ok = login(shared, user, key);
    } else if (strcmp(mode, "sign") == 0) {
        ok = sxt_key_sign(key, "469867d9660b67f8aa12b2", &out, NULL) == SXT_STATUS_OK;
    } else {
        ok = sxt_key_public(key, &out, NULL) == SXT_STATUS_OK;
    }
    sxt_string_free(out);
    return ok;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: signin_cpu fresh|known|sign|public URL USER_ID PRIVATE_KEY COUNT RUNS\n");
        return 2;
    }
    const char *mode = argv[1], *url = argv[2], *user = argv[3], *key = argv[4];
    int count = atoi(argv[5]), runs = atoi(argv[6]);
    if (count < 1 || runs < 1 || runs > 100 ||
        (strcmp(mode, "fresh") && strcmp(mode, "known") && strcmp(mode, "sign") && strcmp(mode, "public"))) {
        fprintf(stderr, "signin_cpu: bad arguments\n");
        return 2;
    }
    sxt_client *shared = new_client(url);
    bool exists = false;
    sxt_session *registered = NULL;
    /* The user is registered with the key on a server that does not know it yet. */
    if (shared == NULL || sxt_user_exists(shared, user, &exists, NULL) != SXT_STATUS_OK ||
        (!exists && sxt_register(shared, user, key, NULL, &registered, NULL) != SXT_STATUS_OK)) {
        fprintf(stderr, "signin_cpu: cannot reach %s or register %s\n", url, user);
        return 1;
    }
    sxt_session_free(registered);
    /* Warm up: the shared client knows the user exists and holds its connection open. */
    if (!once(mode, shared, url, user, key) || !login(shared, user, key)) {
        return 1;
    }
    double per_op[100];
    for (int r = 0; r < runs; r++) {
        double start = cpu_ns();
        for (int i = 0; i < count; i++) {
            if (!once(mode, shared, url, user, key)) {
                return 1;
            }
        }
        per_op[r] = (cpu_ns() - start) / count;
    }
    sxt_client_free(shared);
    qsort(per_op, (size_t)runs, sizeof per_op[0], by_value);
    printf("RESULT\tcpu_%s\t%.1f\tns\t%d\t%d\t%.1f\t%.1f\n", mode, per_op[runs / 2], runs, count, per_op[0],
           per_op[runs - 1]);
    return sxt_live_objects() == 0 ? 0 : 1;
}
