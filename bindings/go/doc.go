// Package sxtauth signs in to the Space and Time (SxT) network: Ed25519 key pairs, the challenge/response
// sign-in, and sessions whose access tokens renew themselves. It is a cgo binding over the sxt-auth C
// library (include/sxt_auth.h); every network call is made by that library.
//
// # Quick start
//
//	client, err := sxtauth.NewClient("https://api.spaceandtime.dev")
//	if err != nil { ... }
//	defer client.Close()
//	session, err := client.Login(ctx, "alice", privateKeyBase64)
//	if err != nil { ... }
//	defer session.Close()
//	token, err := session.AccessToken(ctx) // valid now; refreshed or renewed as needed
//	req.Header.Set("Authorization", "Bearer "+token)
//
// A new user is created with [Client.Register] (optionally with the organisation's join code);
// [GenerateKey] makes the key pair. The SxT protocol: the private key is the standard base64 of a 32-byte
// Ed25519 seed, the server's challenge (authCode) is signed and traded for an access token (25 minutes) and
// a rotating refresh token (30 minutes); a sign-in's session lasts at most 24 hours, after which a
// [Session] signs in again with the key it keeps.
//
// # Objects, ownership and goroutines
//
// [*Client] and [*Session] wrap library handles. Both are safe for concurrent use by any number of
// goroutines. Each must be released with Close, which is idempotent, may be called while other goroutines
// are inside calls on the object (those finish, or fail with [ErrInvalidHandle]; nothing crashes), and
// makes every later call fail with [ErrInvalidHandle]. An object that becomes unreachable without Close is
// released by a finalizer, but at a time of the garbage collector's choosing: call Close. Closing a Client
// does not affect the sessions started from it. Closing a Session does not log out; [Session.Logout] does.
//
// Everything else the package returns (strings, [TokenInfo], [KeyInfo], [*Error]) is a plain Go value
// owned by the caller; the C memory behind it has already been released. Keys and tokens are secrets: the
// library wipes its own copies when it releases them, and the package wipes the C copies it makes of keys
// passed in, but Go strings cannot be wiped.
//
// Every network call takes a [context.Context] first. Its deadline becomes the call's own (on top of the
// client's [WithTimeout], [WithConnectTimeout] and [WithReadTimeout]), and cancelling it stops the call at
// once: a read or write blocked on the server is woken (the call's sockets are shut down, and a connection
// cut short is never reused); a TCP connect under way is woken too on Linux and Android, and elsewhere ends
// within the connect timeout. A ctx already done fails the call before anything is sent. The error then satisfies
// errors.Is(err, context.Canceled) (or context.DeadlineExceeded) as well as errors.Is(err, ErrCancelled)
// (or ErrTimeout). A session's renewal cut short keeps its tokens, and another goroutine waiting for it
// renews by itself. context.Background() means no deadline and no cancellation.
//
// # Errors
//
// Every error the package returns is an [*Error]: a stable [Status] code (the C API's sxt_status, with the
// same numbers), the HTTP status and the server's RFC 7807 title/detail when the server refused the call,
// the name of the argument when an input was wrong, and a secret-free message. Test the kind of failure
// with [errors.Is] and the sentinels, and read the details with [errors.As]:
//
//	session, err := client.Login(ctx, userID, key)
//	switch {
//	case errors.Is(err, sxtauth.ErrNotFound):
//		// unknown user: register it
//	case errors.Is(err, sxtauth.ErrBadRequest):
//		var e *sxtauth.Error
//		errors.As(err, &e)
//		log.Printf("refused: %s: %s", e.Title, e.Detail)
//	}
//
// Strings cannot hold a NUL byte at the C boundary: such an argument fails with [ErrInvalidArgument]
// (naming the argument) rather than being truncated.
//
// # Building and linking
//
// The package needs the sxt-auth library. Build tags choose where it comes from:
//
//   - no tag (the default): the repository's build tree. The header from ../../include, the shared library
//     from ../../target/debug (run cargo build --lib first); binaries find libsxt_auth.so there at run
//     time through an rpath, so they must not be moved to another machine.
//     The cgo directives are
//     "#cgo CFLAGS: -I${SRCDIR}/../../include" and
//     "#cgo LDFLAGS: -L${SRCDIR}/../../target/debug -Wl,-rpath,${SRCDIR}/../../target/debug -lsxt_auth".
//   - sxt_release: as the default, from ../../target/release (cargo build --release --lib).
//   - sxt_static: the static library ../../target/debug/libsxt_auth.a (with sxt_release,
//     ../../target/release/libsxt_auth.a) is linked into the binary, plus -lpthread -ldl -lm. The binary
//     then needs no libsxt_auth.so: go build -tags sxt_static ./...
//   - sxt_pkgconfig: an installed library, found with "#cgo pkg-config: sxt-auth" (make install writes
//     sxt-auth.pc; set PKG_CONFIG_PATH when the prefix is not one pkg-config searches). With an installed
//     shared library outside the loader's path, set LD_LIBRARY_PATH or add an rpath through CGO_LDFLAGS.
//   - sxt_pkgconfig with sxt_static: the installed static library, found with
//     "#cgo pkg-config: sxt-auth-static" (make install writes sxt-auth-static.pc beside sxt-auth.pc), linked
//     into the binary, which then needs no libsxt_auth.so: go build -tags "sxt_pkgconfig sxt_static" ./...
//     Go's build cache does not track pkg-config's answers: after moving or replacing the installation,
//     rebuild with go build -a (or go clean -cache).
//
// CGO_ENABLED=1 and a C compiler are required in every case. The package uses nothing but the standard
// library.
package sxtauth
