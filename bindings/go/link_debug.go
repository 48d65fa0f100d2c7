//go:build !sxt_pkgconfig && !sxt_static && !sxt_release

package sxtauth

// Default: the shared library of the repository's debug build (cargo build --lib), found at run time
// through an rpath pointing at the same directory.

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/debug -Wl,-rpath,${SRCDIR}/../../target/debug -lsxt_auth
import "C"
