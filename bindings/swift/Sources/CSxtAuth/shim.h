/* The C API of sxt-auth for Swift: the generated header of this source tree, or an installed one. */
#ifndef SXT_AUTH_SWIFT_SHIM_H
#define SXT_AUTH_SWIFT_SHIM_H
#if __has_include("../../../../include/sxt_auth.h")
#include "../../../../include/sxt_auth.h"
#else
#include <sxt_auth.h>
#endif
#endif
