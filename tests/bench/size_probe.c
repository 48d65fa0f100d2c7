/*
 * Size probe for `make bench`: the smallest useful C client of sxt-auth (create a client, sign in, get an
 * access token, free everything). scripts/bench.sh links it statically against libsxt_auth.a with
 * --gc-sections, strips it, and reports its size minus that of an empty C program: what sxt-auth adds to a C
 * binary. It is run once against the local server so that the size counts a client that works.
 *
 * Usage: size_probe URL USER_ID PRIVATE_KEY_BASE64   (exit status 0 when the sign-in worked)
 */
#include <stdio.h>
#include <string.h>

#include "sxt_auth.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: size_probe URL USER_ID PRIVATE_KEY_BASE64\n");
        return 2;
    }
    sxt_error *err = NULL;
    sxt_client_options *opts = NULL;
    sxt_client *client = NULL;
    sxt_session *session = NULL;
    char *token = NULL;
    int ok = sxt_client_options_new(&opts, &err) == SXT_STATUS_OK &&
             sxt_client_options_set_allow_http(opts, true, &err) == SXT_STATUS_OK &&
             sxt_client_new(argv[1], opts, &client, &err) == SXT_STATUS_OK &&
             sxt_login(client, argv[2], argv[3], &session, &err) == SXT_STATUS_OK &&
             sxt_session_access_token(session, &token, &err) == SXT_STATUS_OK && strlen(token) > 0;
    if (!ok) fprintf(stderr, "size_probe: sign-in failed: %s\n", err ? sxt_error_message(err) : "no detail");
    sxt_string_free(token);
    sxt_session_free(session);
    sxt_client_free(client);
    sxt_client_options_free(opts);
    sxt_error_free(err);
    if (ok && sxt_live_objects() != 0) {
        fprintf(stderr, "size_probe: %zu library objects still alive after freeing everything\n", sxt_live_objects());
        ok = 0;
    }
    return ok ? 0 : 1;
}
