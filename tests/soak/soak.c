/*
 * Soak test of the C ABI (`make soak`; not part of `make test`): THREADS threads on one client, for SECONDS,
 * each in a loop signing in as its own user, reading tokens, refreshing, logging out and freeing, while all of
 * them also read one shared session's token (so renewals of that session race across threads). The server
 * runs with lifetimes shortened to seconds, so tokens expire, refresh and re-sign-in all the time.
 *
 * Usage: soak URL SECONDS THREADS
 * Prints, tab separated: SOAK ops N, SOAK errors N with one `SOAK error <status name> N` line per failing
 * status, SOAK rss_kb_start (a fifth of the way in, once the steady state is reached) / rss_kb_end, SOAK
 * live_objects. Exit status 0 when there was no error and no
 * library object was left alive.
 */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sxt_auth.h"

enum { MAX_THREADS = 64, STATUS_SLOTS = 1000 };

static sxt_client *client;
static sxt_session *shared;
static double deadline;
static atomic_long ops;
static atomic_long errors_by_status[STATUS_SLOTS];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static long rss_kb(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) {
            resident = 0;
        }
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Counts one call: its status goes into the table when it failed. */
static int note(sxt_status st) {
    atomic_fetch_add(&ops, 1);
    if (st != SXT_STATUS_OK) {
        atomic_fetch_add(&errors_by_status[(unsigned)st < STATUS_SLOTS ? (unsigned)st : STATUS_SLOTS - 1], 1);
        return 0;
    }
    return 1;
}

static void read_token(sxt_session *s) {
    char *token = NULL;
    if (note(sxt_session_access_token(s, &token, NULL))) {
        sxt_string_free(token);
    }
}

static void *worker(void *arg) {
    long n = (long)arg;
    char user[64];
    char *key = NULL, *pub = NULL;
    sxt_session *s = NULL;
    snprintf(user, sizeof user, "soak-%ld-%ld", (long)getpid(), n);
    if (!note(sxt_keygen(&key, &pub, NULL)) || !note(sxt_register(client, user, key, NULL, &s, NULL))) {
        sxt_string_free(key);
        sxt_string_free(pub);
        return NULL;
    }
    sxt_session_free(s);
    while (now() < deadline) {
        s = NULL;
        if (!note(sxt_login(client, user, key, &s, NULL))) {
            usleep(10000);
            continue;
        }
        for (int i = 0; i < 200 && now() < deadline; i++) {
            read_token(s);
            read_token(shared);
            if (i % 50 == 49) {
                note(sxt_refresh(s, NULL));
            }
            usleep(2000);
        }
        note(sxt_logout(s, NULL));
        sxt_session_free(s);
    }
    sxt_string_free(key);
    sxt_string_free(pub);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: soak URL SECONDS THREADS\n");
        return 2;
    }
    int seconds = atoi(argv[2]), threads = atoi(argv[3]);
    if (seconds < 1 || threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "soak: SECONDS >= 1 and 1 <= THREADS <= %d\n", MAX_THREADS);
        return 2;
    }
    sxt_client_options *opts = NULL;
    char *key = NULL, *pub = NULL;
    char shared_user[64];
    if (sxt_client_options_new(&opts, NULL) != SXT_STATUS_OK ||
        sxt_client_options_set_allow_http(opts, true, NULL) != SXT_STATUS_OK ||
        sxt_client_new(argv[1], opts, &client, NULL) != SXT_STATUS_OK || sxt_keygen(&key, &pub, NULL) != SXT_STATUS_OK) {
        fprintf(stderr, "soak: cannot set up a client for %s\n", argv[1]);
        return 1;
    }
    sxt_client_options_free(opts);
    snprintf(shared_user, sizeof shared_user, "soak-%ld-shared", (long)getpid());
    if (sxt_register(client, shared_user, key, NULL, &shared, NULL) != SXT_STATUS_OK) {
        fprintf(stderr, "soak: cannot register the shared user at %s\n", argv[1]);
        return 1;
    }
    deadline = now() + seconds;
    pthread_t pool[MAX_THREADS];
    for (long i = 0; i < threads; i++) {
        pthread_create(&pool[i], NULL, worker, (void *)i);
    }
    /* The start of the steady state: a fifth of the way in, once every thread, pool and buffer exists. */
    usleep((useconds_t)(seconds * 200000L));
    long rss_start = rss_kb();
    for (int i = 0; i < threads; i++) {
        pthread_join(pool[i], NULL);
    }
    long rss_end = rss_kb();
    sxt_session_free(shared);
    sxt_client_free(client);
    sxt_string_free(key);
    sxt_string_free(pub);
    long errors = 0;
    for (int i = 0; i < STATUS_SLOTS; i++) {
        long e = atomic_load(&errors_by_status[i]);
        if (e > 0) {
            printf("SOAK\terror\t%s\t%ld\n", sxt_status_name(i), e);
            errors += e;
        }
    }
    size_t live = sxt_live_objects();
    printf("SOAK\tops\t%ld\nSOAK\terrors\t%ld\nSOAK\trss_kb_start\t%ld\nSOAK\trss_kb_end\t%ld\nSOAK\tlive_objects\t%zu\n",
           atomic_load(&ops), errors, rss_start, rss_end, live);
    return errors == 0 && live == 0 ? 0 : 1;
}
