//go:build sxt_pkgconfig && !sxt_static

package sxtauth

// Tag sxt_pkgconfig: an installed library, found through pkg-config's sxt-auth.pc (set PKG_CONFIG_PATH
// when it is installed under a prefix pkg-config does not search).

// #cgo pkg-config: sxt-auth
import "C"
