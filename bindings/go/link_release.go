//go:build !sxt_pkgconfig && !sxt_static && sxt_release

package sxtauth

// Tag sxt_release: the shared library of the repository's release build (cargo build --release --lib),
// found at run time through an rpath pointing at the same directory.

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -Wl,-rpath,${SRCDIR}/../../target/release -lsxt_auth
import "C"
