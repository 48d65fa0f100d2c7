//go:build !sxt_pkgconfig && sxt_static && !sxt_release

package sxtauth

// Tag sxt_static: the static library of the repository's debug build, linked into the Go binary, which then
// needs no libsxt_auth.so at run time. A Rust static library needs these system libraries besides.

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: ${SRCDIR}/../../target/debug/libsxt_auth.a -lpthread -ldl -lm
import "C"
