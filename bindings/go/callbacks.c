/*
 * The C side of the Go callbacks (signers and observers): the library calls these trampolines, which call
 * the Go functions exported in sxtauth.go with the context as a runtime/cgo Handle. A file of its own
 * because a Go file with //export may only declare C functions, not define them.
 */
#include <stddef.h>
#include <stdint.h>

#include "sxt_auth.h"

extern int32_t sxtGoSign(uintptr_t handle, uint8_t *message, size_t message_len, char *out, size_t capacity,
                         size_t *out_len);
extern void sxtGoObserve(uintptr_t handle, int32_t event);
extern void sxtGoRelease(uintptr_t handle);

static int32_t go_sign(void *context, const uint8_t *message, size_t message_len, char *out, size_t capacity,
                       size_t *out_len) {
    return sxtGoSign((uintptr_t)context, (uint8_t *)message, message_len, out, capacity, out_len);
}

static void go_observe(void *context, int32_t event) { sxtGoObserve((uintptr_t)context, event); }

static void go_release(void *context) { sxtGoRelease((uintptr_t)context); }

sxt_status sxtgo_signer_new(const char *public_key, const char *scheme, uintptr_t handle, sxt_signer **signer_out,
                            sxt_error **error_out) {
    return sxt_signer_new(public_key, scheme, go_sign, (void *)handle, go_release, signer_out, error_out);
}

sxt_status sxtgo_set_observer(sxt_session *session, uintptr_t handle, sxt_error **error_out) {
    return sxt_session_set_observer(session, go_observe, (void *)handle, go_release, error_out);
}
