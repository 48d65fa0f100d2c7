//go:build sxt_pkgconfig && sxt_static

package sxtauth

// Tags sxt_pkgconfig and sxt_static: an installed static library, linked into the Go binary (which then needs
// no libsxt_auth.so at run time), found through pkg-config's sxt-auth-static.pc (which scripts/install.sh
// installs beside sxt-auth.pc; set PKG_CONFIG_PATH for a prefix pkg-config does not search).

// #cgo pkg-config: sxt-auth-static
import "C"
