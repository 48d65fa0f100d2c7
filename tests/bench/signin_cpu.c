/*
 * CPU cost of signing in through the C ABI, for `make bench`: a client process of its own (the server runs
 * in another), measured with getrusage (user + system time) and, run under callgrind by scripts/bench.sh, as
 * instructions. Nothing here asserts a speed.
 *
 * Usage: signin_cpu MODE[,MODE...] URL USER_ID PRIVATE_KEY COUNT RUNS (several modes take turns)
 *   MODE fresh   a new client for every sign-in: sxt_client_new + sxt_login (idexists, code, token: three
 *                exchanges on a new connection) + frees, as an app's first sign-in
 *   MODE known   one client, sxt_login again and again: the user is known to exist, so two exchanges on a
 *                pooled connection
 *   MODE sign    sxt_key_sign: parse the text key (derives the public key) and sign a 22-character authCode
 *   MODE public  sxt_key_public: parse the text key only
 *   MODE raw2    the floor of a known user's exchanges, without the library: two `GET auth/idexists` on one
 *                kept-alive socket, each one send() of a prebuilt request and recv() until the whole reply
 *   MODE raw3    the floor of a new client's: connect, three such exchanges, close
 * The user is registered with the key first when the server does not know it. Prints one line per mode:
 * RESULT <tab> cpu_<mode> <tab> median ns per operation <tab> ns <tab> runs <tab> count <tab> min <tab> max.
 * Exit status 0 when every call succeeded.
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* The raw exchanges' socket to URL (http://IPv4:port only), or -1. */
static int raw_connect(const char *url) {
    unsigned a, b, c, d, port;
    if (sscanf(url, "http://%u.%u.%u.%u:%u", &a, &b, &c, &d, &port) != 5) {
        return -1;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl((a << 24) | (b << 16) | (c << 8) | d);
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* One `GET auth/idexists/USER` on fd: one send, then recv until the head and Content-Length bytes of body. */
static bool raw_exchange(int fd, const char *user) {
    char req[512], reply[4096];
    int len = snprintf(req, sizeof req, "GET /v1/auth/idexists/%s HTTP/1.1\r\nhost: sxt\r\naccept: application/json\r\n\r\n", user);
    if (len <= 0 || (size_t)len >= sizeof req || send(fd, req, (size_t)len, 0) != len) {
        return false;
    }
    size_t got = 0;
    for (;;) {
        ssize_t n = recv(fd, reply + got, sizeof reply - 1 - got, 0);
        if (n <= 0) {
            return false;
        }
        got += (size_t)n;
        reply[got] = 0;
        char *end = strstr(reply, "\r\n\r\n"), *cl = strcasestr(reply, "content-length:");
        if (end != NULL && cl != NULL && cl < end && got >= (size_t)(end + 4 - reply) + strtoul(cl + 15, NULL, 10)) {
            return strncmp(reply, "HTTP/1.1 200", 12) == 0;
        }
        if (got == sizeof reply - 1) {
            return false;
        }
    }
}

/* One operation of MODE. */
static bool once(const char *mode, sxt_client *shared, const char *url, const char *user, const char *key) {
    static int kept = -1;
    char *out = NULL;
    bool ok;
    if (strcmp(mode, "raw2") == 0) {
        if (kept < 0) {
            kept = raw_connect(url);
        }
        ok = kept >= 0 && raw_exchange(kept, user) && raw_exchange(kept, user);
    } else if (strcmp(mode, "raw3") == 0) {
        int fd = raw_connect(url);
        ok = fd >= 0 && raw_exchange(fd, user) && raw_exchange(fd, user) && raw_exchange(fd, user);
        if (fd >= 0) {
            close(fd);
        }
    } else if (strcmp(mode, "fresh") == 0) {
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

#define MAX_MODES 8
#define TURN 10 /* operations of one mode per turn */

static bool known_mode(const char *m) {
    static const char *const modes[] = {"fresh", "known", "sign", "public", "raw2", "raw3"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(m, modes[i]) == 0) {
            return true;
        }
    }
    return false;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: signin_cpu MODE[,MODE...] URL USER_ID PRIVATE_KEY COUNT RUNS\n"
                        "  modes: fresh known sign public raw2 raw3\n");
        return 2;
    }
    const char *url = argv[2], *user = argv[3], *key = argv[4];
    int count = atoi(argv[5]), runs = atoi(argv[6]);
    /* MODE[,MODE...]: several modes take turns, TURN operations at a time in a random order each round, so
     * that a burst of load from elsewhere hits every mode rather than whichever ran then. */
    char list[256];
    const char *modes[MAX_MODES];
    int n_modes = 0;
    snprintf(list, sizeof list, "%s", argv[1]);
    for (char *m = strtok(list, ","); m != NULL; m = strtok(NULL, ",")) {
        if (n_modes == MAX_MODES || !known_mode(m)) {
            fprintf(stderr, "signin_cpu: bad mode %s\n", m);
            return 2;
        }
        modes[n_modes++] = m;
    }
    if (n_modes == 0 || count < 1 || runs < 1 || runs > 100) {
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
    for (int m = 0; m < n_modes; m++) {
        if (!once(modes[m], shared, url, user, key) || !login(shared, user, key)) {
            return 1;
        }
    }
    static double per_op[MAX_MODES][100];
    srand(12345);
    for (int r = 0; r < runs; r++) {
        double spent[MAX_MODES] = {0};
        int done[MAX_MODES] = {0};
        for (int left = count; left > 0; left -= TURN) {
            int order[MAX_MODES];
            for (int m = 0; m < n_modes; m++) {
                order[m] = m;
            }
            for (int m = n_modes - 1; m > 0; m--) { /* Fisher-Yates */
                int j = rand() % (m + 1), t = order[m];
                order[m] = order[j];
                order[j] = t;
            }
            int step = left < TURN ? left : TURN;
            for (int k = 0; k < n_modes; k++) {
                int m = order[k];
                double start = cpu_ns();
                for (int i = 0; i < step; i++) {
                    if (!once(modes[m], shared, url, user, key)) {
                        return 1;
                    }
                }
                spent[m] += cpu_ns() - start;
                done[m] += step;
            }
        }
        for (int m = 0; m < n_modes; m++) {
            per_op[m][r] = spent[m] / done[m];
        }
    }
    sxt_client_free(shared);
    for (int m = 0; m < n_modes; m++) {
        qsort(per_op[m], (size_t)runs, sizeof per_op[m][0], by_value);
        printf("RESULT\tcpu_%s\t%.1f\tns\t%d\t%d\t%.1f\t%.1f\n", modes[m], per_op[m][runs / 2], runs, count,
               per_op[m][0], per_op[m][runs - 1]);
    }
    return sxt_live_objects() == 0 ? 0 : 1;
}
