/*
 * Shared helpers of the C test programs: a tiny assertion counter and the local server's start/stop.
 *
 * Include this first in every test program (it selects POSIX 2008 before any system header).
 *
 * Each program ends with `return h_finish();`, which checks that nothing the library handed out is still
 * alive, stops every server the program started, prints `N passed, N failed` as the very last line and
 * returns the exit status (non-zero on any failure).
 *
 * Servers are started from `$SXT_SERVER_BIN` (default `target/debug/sxt-auth-server`, relative to the
 * current directory) with `--listen 127.0.0.1:0` plus the arguments given; stdout and stderr go to files in
 * a private temporary directory, the base URL is read from the `listening on ` line, and the process gets
 * SIGTERM when stopped (and when the test program dies: PR_SET_PDEATHSIG).
 */
#ifndef SXT_TEST_HARNESS_H
#define SXT_TEST_HARNESS_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "sxt_auth.h"

/* ---- assertions ------------------------------------------------------------------------------------- */

/* Counts one check; prints the failing ones (file:line and the expression). Thread-safe. */
bool h_check(bool ok, const char *file, int line, const char *what);
/* As h_check with a formatted detail line on failure. */
bool h_checkf(bool ok, const char *file, int line, const char *what, const char *fmt, ...);

#define CHECK(cond) h_check((cond) ? true : false, __FILE__, __LINE__, #cond)

/* Two strings are equal (either may be NULL: equal only if both are). */
#define CHECK_STR(a, b) h_check_str((a), (b), __FILE__, __LINE__, #a " == " #b)
bool h_check_str(const char *a, const char *b, const char *file, int line, const char *what);

/* `haystack` (may be NULL) contains / does not contain `needle`. */
#define CHECK_CONTAINS(h, n) h_check_contains((h), (n), true, __FILE__, __LINE__, #h " contains " #n)
#define CHECK_NOT_CONTAINS(h, n) h_check_contains((h), (n), false, __FILE__, __LINE__, #h " lacks " #n)
bool h_check_contains(const char *haystack, const char *needle, bool want, const char *file, int line,
                      const char *what);

/*
 * CHECK_OK(call, err): `call` returned SXT_STATUS_OK and left `err` (an `sxt_error *` variable that was NULL
 * before the call, whose address the call received) untouched. Anything else is reported with the error's
 * message, and the error is freed.
 */
#define CHECK_OK(call, err) h_check_ok((call), &(err), __FILE__, __LINE__, #call)
bool h_check_ok(sxt_status got, sxt_error **err, const char *file, int line, const char *what);

/*
 * CHECK_ERR(call, err, want, arg): `call` returned `want`, wrote a live error to `err` whose code is `want`
 * and whose message is not empty, and (when `arg` is not NULL) whose argument name is `arg`. The error is
 * freed and `err` reset to NULL afterwards.
 */
#define CHECK_ERR(call, err, want, arg) h_check_err((call), &(err), (want), (arg), __FILE__, __LINE__, #call)
bool h_check_err(sxt_status got, sxt_error **err, sxt_status want, const char *arg, const char *file, int line,
                 const char *what);

/* The status alone (for calls made with a NULL error_out). */
#define CHECK_STATUS(call, want) h_check_status((call), (want), __FILE__, __LINE__, #call)
bool h_check_status(sxt_status got, sxt_status want, const char *file, int line, const char *what);

/* Prints a section title (to make the log readable). */
void h_section(const char *title);

/*
 * Ends the program: checks sxt_live_objects() == 0, stops the servers, prints the summary line last and
 * returns the exit status.
 */
int h_finish(void);

/* ---- the local server ------------------------------------------------------------------------------- */

typedef struct h_server {
    pid_t pid;
    bool tls;
    char url[256];      /* base URL as printed, e.g. http://127.0.0.1:40123 */
    char dir[256];      /* private temporary directory */
    char ca_path[320];  /* the CA PEM (with tls) */
    char out_path[320]; /* server stdout */
    char log_path[320]; /* server stderr: one line per request */
} h_server;

/*
 * Starts a server; `args` is a NULL-terminated list of extra arguments (may be NULL). With `tls`,
 * `--tls --ca-out <dir>/ca.pem` is added. Returns false (after counting a failed check) if it did not come up.
 */
bool h_server_start(h_server *s, bool tls, const char *const *args);
/* Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its files. Safe to call twice. */
void h_server_stop(h_server *s);
/* How many lines of the server's request log contain `needle`. */
int h_server_log_count(const h_server *s, const char *needle);

/*
 * A client for the server: plain http with allow_http, or https trusting the server's CA. `margin_ms` < 0
 * keeps the default refresh margin. Counts a failed check and returns NULL on failure.
 */
sxt_client *h_client(const h_server *s, long margin_ms);
/* As h_client, also setting sxt_client_options_set_keep_key. */
sxt_client *h_client_keep_key(const h_server *s, long margin_ms, bool keep_key);
/* As h_client_keep_key; with `proxied`, the proxy URL (API-key sign-in) is the server's own URL. */
sxt_client *h_client_full(const h_server *s, long margin_ms, bool keep_key, bool proxied);

/* ---- small utilities -------------------------------------------------------------------------------- */

/* Reads a whole file into a new NUL-terminated buffer (free()); NULL on error. */
char *h_read_file(const char *path);
/* A user id unique to this process: "<prefix>-<pid>-<n>", written to buf. */
const char *h_user_id(char *buf, size_t len, const char *prefix);
/* Sleeps for ms milliseconds. */
void h_sleep_ms(long ms);
/* Wall-clock time in Unix epoch milliseconds. */
int64_t h_now_ms(void);
/*
 * Copies the string value of `"key":"..."` in a flat JSON object into out; false if absent.
 */
bool h_json_string(const char *json, const char *key, char *out, size_t len);
/* A loopback TCP socket that listens but never accepts or answers; writes its port. Returns the fd or -1. */
int h_silent_listener(int *port_out);
/* Calls sxt_keygen and returns the private key as a malloc'd copy (the library strings are freed). */
char *h_new_private_key(char **public_out);

#endif /* SXT_TEST_HARNESS_H */
