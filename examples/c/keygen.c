/*
 * keygen: prints a new Ed25519 key pair for the Space and Time (SxT) network, in the form the SxT tools use:
 *
 *   Private Key (Base64): <44 characters>
 *   Public Key (Base64): <44 characters>
 *
 * Keep the private key secret (put it in USER_PRIVATE_KEY of your .env); the public key is what the network
 * records for your user.
 *
 * Build (from the repository root, after `cargo build --lib`), or use examples/c/Makefile:
 *   cc -std=c99 -Wall -Iinclude examples/c/keygen.c -Ltarget/debug -lsxt_auth -o keygen
 *   LD_LIBRARY_PATH=target/debug ./keygen
 * Static:
 *   cc -std=c99 -Wall -Iinclude examples/c/keygen.c target/debug/libsxt_auth.a -lpthread -ldl -lm -o keygen
 */
#include <stdio.h>

#include "sxt_auth.h"

int main(void) {
    char *private_key = NULL;
    char *public_key = NULL;
    sxt_error *error = NULL;
    sxt_status status = sxt_keygen(&private_key, &public_key, &error);
    if (status != SXT_STATUS_OK) {
        fprintf(stderr, "keygen failed: %s (%s)\n", sxt_error_message(error), sxt_status_name((int32_t)status));
        sxt_error_free(error);
        return 1;
    }
    printf("Private Key (Base64): %s\n", private_key);
    printf("Public Key (Base64): %s\n", public_key);
    sxt_string_free(private_key);
    sxt_string_free(public_key);
    return fflush(stdout) == 0 ? 0 : 1;
}
