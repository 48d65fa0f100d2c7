/*
 * bearer: signs a Space and Time (SxT) user in and prints the request header the SxT APIs want,
 * `Authorization: Bearer <access token>`, as one line for tools that read headers from standard input:
 *
 *   ./bearer my_user_id | curl -H @- https://api.spaceandtime.dev/v1/auth/validtoken
 *
 * (the token never appears on a command line, where other users of the machine could read it). It shows
 * `sxt_session_authorization`, the header value in one call, and one deadline for every network call
 * (`sxt_call`). An app that makes its own requests sends that value, and after a 401 reports the token with
 * `sxt_session_token_rejected` and retries once with a new value.
 *
 * Usage:
 *   bearer <user_id>
 *
 * Settings come from the environment (export them, or `set -a; . ./.env; set +a`):
 *   API_URL            the SxT API, e.g. https://api.spaceandtime.dev/v1/ (with or without /v1/)
 *   USER_PRIVATE_KEY   the user's Ed25519 private key (base64 of the 32-byte seed, as printed by keygen)
 *   SXT_CA_CERT        optional: a PEM file of extra CAs to trust (for a private or local server)
 *   SXT_ALLOW_HTTP     set to 1 to allow a plain http:// API_URL (loopback testing only)
 *   SXT_TIMEOUT_MS     optional: the deadline for the whole sign-in in milliseconds (default 60000)
 *
 * Build (from the repository root, after `cargo build --lib`), or use examples/c/Makefile:
 *   cc -std=c99 -Wall -Iinclude examples/c/bearer.c -Ltarget/debug -lsxt_auth -o bearer
 *
 * Exit status: 0 on success, 1 on any failure (the reason goes to stderr, nothing to stdout), 2 on a usage
 * error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sxt_auth.h"

static void report(const char *what, sxt_status status, const sxt_error *error) {
    fprintf(stderr, "Error: %s failed: %s (%s)\n", what,
            error ? sxt_error_message(error) : sxt_status_description((int32_t)status),
            sxt_status_name((int32_t)status));
}

/* Reads a whole text file into a new string (NULL if it cannot be read). */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    if (f == NULL) {
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            char *bigger;
            cap = (len + n + 1) * 2;
            bigger = realloc(text, cap);
            if (bigger == NULL) {
                free(text);
                fclose(f);
                return NULL;
            }
            text = bigger;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    if (ferror(f) || text == NULL) {
        free(text);
        fclose(f);
        return NULL;
    }
    text[len] = '\0';
    fclose(f);
    return text;
}

int main(int argc, char **argv) {
    const char *api_url = getenv("API_URL");
    const char *private_key = getenv("USER_PRIVATE_KEY");
    const char *ca_file = getenv("SXT_CA_CERT");
    const char *allow_http = getenv("SXT_ALLOW_HTTP");
    const char *timeout = getenv("SXT_TIMEOUT_MS");
    sxt_client_options *options = NULL;
    sxt_client *client = NULL;
    sxt_call *deadline = NULL;
    sxt_session *session = NULL;
    sxt_error *error = NULL;
    char *authorization = NULL;
    char *pem = NULL;
    sxt_status status;
    int rc = 1;

    if (argc != 2 || argv[1][0] == '\0') {
        fprintf(stderr, "usage: %s <user_id>   (settings: API_URL, USER_PRIVATE_KEY, SXT_CA_CERT, SXT_ALLOW_HTTP)\n",
                argv[0]);
        return 2;
    }
    if (api_url == NULL || api_url[0] == '\0' || private_key == NULL || private_key[0] == '\0') {
        fprintf(stderr, "Error: set API_URL and USER_PRIVATE_KEY in the environment\n");
        return 1;
    }

    status = sxt_client_options_new(&options, &error);
    if (status == SXT_STATUS_OK && ca_file != NULL && ca_file[0] != '\0') {
        pem = read_file(ca_file);
        if (pem == NULL) {
            fprintf(stderr, "Error: cannot read SXT_CA_CERT file %s\n", ca_file);
            goto done;
        }
        status = sxt_client_options_add_ca_pem(options, pem, &error);
    }
    if (status == SXT_STATUS_OK && allow_http != NULL && strcmp(allow_http, "1") == 0) {
        status = sxt_client_options_set_allow_http(options, true, &error);
    }
    if (status == SXT_STATUS_OK) {
        status = sxt_client_new(api_url, options, &client, &error);
    }
    if (status != SXT_STATUS_OK) {
        report("setting up the client", status, error);
        goto done;
    }

    /* One deadline for every network call below; sxt_call_cancel (from any thread) would stop them at once. */
    status = sxt_call_new(&deadline, &error);
    if (status == SXT_STATUS_OK) {
        status = sxt_call_set_timeout_ms(deadline, timeout != NULL ? (uint32_t)strtoul(timeout, NULL, 10) : 60000u, &error);
    }
    if (status != SXT_STATUS_OK) {
        report("setting up the deadline", status, error);
        goto done;
    }

    status = sxt_login_call(client, deadline, argv[1], private_key, &session, &error);
    if (status != SXT_STATUS_OK) {
        report("signing in", status, error);
        goto done;
    }
    /* "Bearer <access token>", renewed first if the token is near its expiry. */
    status = sxt_session_authorization_call(session, deadline, &authorization, &error);
    if (status != SXT_STATUS_OK) {
        report("getting the authorization header", status, error);
        goto done;
    }
    if (printf("Authorization: %s\n", authorization) > 0 && fflush(stdout) == 0) {
        rc = 0;
    }

done:
    sxt_string_free(authorization); /* wipes the token */
    sxt_session_free(session);
    sxt_call_free(deadline);
    sxt_client_free(client);
    sxt_client_options_free(options);
    sxt_error_free(error);
    free(pem);
    return rc;
}
