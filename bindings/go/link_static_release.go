//go:build !sxt_pkgconfig && sxt_static && sxt_release

package sxtauth

// Tags sxt_static and sxt_release: the static library of the repository's release build, linked into the Go
// binary, which then needs no libsxt_auth.so at run time.

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libsxt_auth.a -lpthread -ldl -lm
import "C"
