package sxtauth

// Every cgo call of the package is in this file. Why it is memory safe, also when the garbage collector,
// finalizers and many goroutines are involved:
//
//  1. Handles are ids, not addresses. The library hands out sxt_client/sxt_session pointers that are table
//     ids with a type tag in the top bits: never valid addresses, never inside the Go heap, never
//     dereferenced by anyone. Holding them in Go pointer-typed fields is therefore fine for the garbage
//     collector, and cgocheck never sees a Go pointer in them.
//  2. No use after free, by construction in the library. Every C call looks its handle up in a
//     process-wide table and holds its own reference to the object for the duration of the call. Freeing
//     a handle removes it from the table: a call already inside the library finishes normally, and every
//     later call with that id (even after the slot is reused: ids carry a generation) returns
//     SXT_STATUS_INVALID_HANDLE. A second free is a no-op.
//  3. No data race in Go. Each Client and Session keeps its handle in an atomic.Pointer to an immutable
//     box. Close swaps it with nil and frees what it got, so exactly one Close frees it. Every other method
//     goes through Client.call or Session.call (callSession and callString are built on them), which load
//     the handle once (h, through loadHandle) and hand that value to callHandle; callHandle passes it to
//     the method's C call, a closure. A method that loads it just before a concurrent Close gets either a
//     normal result or SXT_STATUS_INVALID_HANDLE from the library (point 2); one that loads it after gets
//     a Go-side "closed" error from callHandle, without calling C. Nothing ever crashes.
//  4. Finalizers. NewClient and the sign-in methods set Close as the object's finalizer, so a forgotten
//     Close only delays the release. Every method but Close makes its C call inside callHandle, which
//     calls runtime.KeepAlive on the Client or Session after the call returns, so the finalizer cannot run
//     (and free the handle) while the call is in progress; by point 2 it would be harmless even then, but
//     the call's result should not depend on the collector's timing.
//  5. No thread-local state. Consecutive cgo calls of one goroutine may run on different OS threads, so
//     every fallible call gets its own sxt_error** out-parameter (callHandle declares a fresh one for each
//     call); callError copies the error's fields into a Go *Error and frees it at once. The library's
//     last-error state is never consulted.
//  6. Memory ownership. Strings the library hands out are copied into Go strings and released with
//     sxt_string_free (which wipes them), never with C.free. Strings the package allocates with C.CString
//     are freed with C.free by cStrings.free; those holding private keys are overwritten with zeros first.
//     Go strings cannot be wiped: the key and token strings callers pass in or get back stay in Go memory
//     until the collector reuses it.
//  7. Contexts. A network call whose ctx can be done gets a C sxt_call of its own (withCall): ctx's deadline
//     becomes the call's, and a goroutine cancels the call when ctx is done; withCall waits for that
//     goroutine before freeing the sxt_call, so nothing touches it once freed.
//  8. cgocheck. The only Go memory passed to C is the address of an out-variable of one call (a C pointer,
//     a C.bool or a C.int64_t, declared in the method or in the helper making the call, and shared with its
//     closure) that holds no Go pointer, which the cgo pointer rules allow; C keeps none of them beyond the
//     call.

//  9. Callbacks. A signer's and an observer's Go values reach C as runtime/cgo Handles (integers, not Go
//     pointers) through the trampolines of callbacks.c; the library calls sxtGoRelease exactly once per
//     handle, which deletes it. A panic in a Signer or an observer is recovered in the exported function
//     and never unwinds into C: a signer's becomes its failure message, an observer's is dropped.

/*
#include <stdlib.h>
#include <string.h>
#include "sxt_auth.h"

sxt_status sxtgo_signer_new(const char *public_key, const char *scheme, uintptr_t handle, sxt_signer **signer_out,
                            sxt_error **error_out);
sxt_status sxtgo_set_observer(sxt_session *session, uintptr_t handle, sxt_error **error_out);
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The Status constants must equal the header's numbers: each line fails to compile (constant index out of
// range) when the two differ.
func _() {
	var x [1]struct{}
	_ = x[StatusOK-C.SXT_STATUS_OK]
	_ = x[StatusNullArgument-C.SXT_STATUS_NULL_ARGUMENT]
	_ = x[StatusInvalidUTF8-C.SXT_STATUS_INVALID_UTF8]
	_ = x[StatusInvalidArgument-C.SXT_STATUS_INVALID_ARGUMENT]
	_ = x[StatusInvalidKey-C.SXT_STATUS_INVALID_KEY]
	_ = x[StatusInvalidURL-C.SXT_STATUS_INVALID_URL]
	_ = x[StatusInsecureURL-C.SXT_STATUS_INSECURE_URL]
	_ = x[StatusInvalidHandle-C.SXT_STATUS_INVALID_HANDLE]
	_ = x[StatusInvalidCertificate-C.SXT_STATUS_INVALID_CERTIFICATE]
	_ = x[StatusSignerFailed-C.SXT_STATUS_SIGNER_FAILED]
	_ = x[StatusNetwork-C.SXT_STATUS_NETWORK]
	_ = x[StatusTimeout-C.SXT_STATUS_TIMEOUT]
	_ = x[StatusTLS-C.SXT_STATUS_TLS]
	_ = x[StatusResponseTooLarge-C.SXT_STATUS_RESPONSE_TOO_LARGE]
	_ = x[StatusRedirect-C.SXT_STATUS_REDIRECT]
	_ = x[StatusMalformedResponse-C.SXT_STATUS_MALFORMED_RESPONSE]
	_ = x[StatusBadRequest-C.SXT_STATUS_BAD_REQUEST]
	_ = x[StatusUnauthorized-C.SXT_STATUS_UNAUTHORIZED]
	_ = x[StatusNotFound-C.SXT_STATUS_NOT_FOUND]
	_ = x[StatusConflict-C.SXT_STATUS_CONFLICT]
	_ = x[StatusRateLimited-C.SXT_STATUS_RATE_LIMITED]
	_ = x[StatusClientError-C.SXT_STATUS_CLIENT_ERROR]
	_ = x[StatusServerError-C.SXT_STATUS_SERVER_ERROR]
	_ = x[StatusLoggedOut-C.SXT_STATUS_LOGGED_OUT]
	_ = x[StatusSessionExpired-C.SXT_STATUS_SESSION_EXPIRED]
	_ = x[StatusPanic-C.SXT_STATUS_PANIC]
	_ = x[StatusInternal-C.SXT_STATUS_INTERNAL]
}

const statusOK = C.SXT_STATUS_OK

// Version returns the version of the linked library, "MAJOR.MINOR.PATCH".
func Version() string { return C.GoString(C.sxt_version()) }

func statusName(s Status) string { return C.GoString(C.sxt_status_name(C.int32_t(s))) }

func statusDescription(s Status) string {
	return C.GoString(C.sxt_status_description(C.int32_t(s)))
}

// liveObjects is the library's count of handles and strings not yet freed, process-wide (for leak tests).
func liveObjects() int { return int(C.sxt_live_objects()) }

// callError turns a failed call's status and sxt_error into a Go *Error, and frees the sxt_error.
func callError(st C.sxt_status, e *C.sxt_error) error {
	defer C.sxt_error_free(e)
	err := &Error{Code: Status(st)}
	if e == nil {
		err.Message = statusDescription(err.Code)
		return err
	}
	err.Message = C.GoString(C.sxt_error_message(e))
	err.HTTPStatus = int(C.sxt_error_http_status(e))
	err.Title = borrowedString(C.sxt_error_title(e))
	err.Detail = borrowedString(C.sxt_error_detail(e))
	err.Argument = borrowedString(C.sxt_error_argument(e))
	return err
}

func borrowedString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// takeString copies a string the library handed out and releases it with sxt_string_free (which wipes it).
func takeString(p *C.char) string {
	if p == nil {
		return ""
	}
	s := C.GoString(p)
	C.sxt_string_free(p)
	return s
}

// cStrings collects the C copies of a call's string arguments; free releases them all (wiping the secret
// ones first).
type cStrings struct {
	ptrs   []*C.char
	sizes  []int
	secret []bool
}

// add returns a C copy of s. A NUL byte cannot cross the C API, so it is refused with
// StatusInvalidArgument naming the argument instead of being silently truncated.
func (a *cStrings) add(argument, s string, secret bool) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, inputError(StatusInvalidArgument, argument, "contains a NUL byte")
	}
	p := C.CString(s)
	a.ptrs = append(a.ptrs, p)
	a.sizes = append(a.sizes, len(s)+1)
	a.secret = append(a.secret, secret)
	return p, nil
}

// optional is add, except that "" becomes NULL (the C API's "none").
func (a *cStrings) optional(argument, s string) (*C.char, error) {
	if s == "" {
		return nil, nil
	}
	return a.add(argument, s, false)
}

// signInArgs adds the user id and the private key (a secret) of a sign-in, in that order.
func (a *cStrings) signInArgs(userID, privateKey string) (cuser, ckey *C.char, err error) {
	if cuser, err = a.add("user_id", userID, false); err != nil {
		return nil, nil, err
	}
	if ckey, err = a.add("private_key", privateKey, true); err != nil {
		return nil, nil, err
	}
	return cuser, ckey, nil
}

func (a *cStrings) free() {
	for i, p := range a.ptrs {
		if a.secret[i] {
			C.memset(unsafe.Pointer(p), 0, C.size_t(a.sizes[i]))
		}
		C.free(unsafe.Pointer(p))
	}
	a.ptrs, a.sizes, a.secret = nil, nil, nil
}

// ---------------------------------------------------------------------------------------------------------
// Keys

// GenerateKey makes a new Ed25519 key pair from the operating system's random number generator. The
// private key is the standard base64 of the 32-byte seed (44 characters: the form SxT tools print and
// [Client.Login] accepts); the public key is the standard base64 of its 32 bytes. Safe from any goroutine.
// The private key is a secret: store it as such.
func GenerateKey() (privateKey, publicKey string, err error) {
	var priv, pub *C.char
	var cerr *C.sxt_error
	if st := C.sxt_keygen(&priv, &pub, &cerr); st != statusOK {
		return "", "", callError(st, cerr)
	}
	return takeString(priv), takeString(pub), nil
}

// PublicKey derives the public key (standard base64) of privateKey, which may be the base64 of the 32-byte
// seed, 64 hex characters of the seed, or the base64 of the 64 bytes seed || public key. It is also the way
// to validate a private key. Safe from any goroutine.
//
// Errors: [StatusInvalidKey]; [StatusInvalidUTF8]; [StatusInvalidArgument] when it holds a NUL byte.
func PublicKey(privateKey string) (string, error) {
	var args cStrings
	defer args.free()
	ckey, err := args.add("private_key", privateKey, true)
	if err != nil {
		return "", err
	}
	var out *C.char
	var cerr *C.sxt_error
	if st := C.sxt_key_public(ckey, &out, &cerr); st != statusOK {
		return "", callError(st, cerr)
	}
	return takeString(out), nil
}

// Sign signs the exact UTF-8 bytes of message (for example an authCode) with privateKey (any encoding
// [PublicKey] accepts) and returns the 64-byte Ed25519 signature as lowercase hex (128 characters). For
// custom flows: the sign-in methods sign for you. Safe from any goroutine.
//
// Errors: [StatusInvalidKey]; [StatusInvalidUTF8]; [StatusInvalidArgument] when an argument holds a NUL
// byte.
func Sign(privateKey, message string) (string, error) {
	var args cStrings
	defer args.free()
	ckey, err := args.add("private_key", privateKey, true)
	if err != nil {
		return "", err
	}
	cmsg, err := args.add("message", message, false)
	if err != nil {
		return "", err
	}
	var out *C.char
	var cerr *C.sxt_error
	if st := C.sxt_key_sign(ckey, cmsg, &out, &cerr); st != statusOK {
		return "", callError(st, cerr)
	}
	return takeString(out), nil
}

// ---------------------------------------------------------------------------------------------------------
// Client

// Client is a connection to one SxT auth service: its base URL, settings and a connection pool shared by
// every session started from it. It is immutable once created and safe for concurrent use by any number of
// goroutines. Sessions keep what they need of it, so it may be closed while its sessions live on.
//
// Close releases it; a Client that becomes unreachable without Close is released by a finalizer.
type Client struct {
	handle  atomic.Pointer[clientHandle]
	baseURL string
}

// cHandle is the type of a C handle: a client's or a session's.
type cHandle interface {
	*C.sxt_client | *C.sxt_session | *C.sxt_signer
}

// handleBox boxes a C handle, since an incomplete C type cannot be an atomic.Pointer's type argument.
type handleBox[H cHandle] struct{ p H }

type clientHandle = handleBox[*C.sxt_client]

// NewClient creates a client for the service at baseURL, which may end with or without "/" and "/v1"
// ("https://api.spaceandtime.dev", "https://api.spaceandtime.dev/v1/", ...). With no options it uses the
// defaults: connect timeout 10 s, read timeout 15 s, whole-exchange timeout 30 s, https only, Mozilla's
// trusted roots, user agent "sxt-auth/<version>", refresh margin 60 s. NewClient makes no network call.
//
// The caller owns the returned Client and should Close it when done.
//
// Errors: [StatusInvalidURL]; [StatusInsecureURL] (http:// without [WithAllowHTTP]);
// [StatusInvalidCertificate] ([WithCAPEM]); [StatusInvalidArgument] (an option's value out of range, or a
// NUL byte in a string).
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	var cfg clientConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	var args cStrings
	defer args.free()
	curl, err := args.add("base_url", baseURL, false)
	if err != nil {
		return nil, err
	}
	var cerr *C.sxt_error
	var copts *C.sxt_client_options
	if st := C.sxt_client_options_new(&copts, &cerr); st != statusOK {
		return nil, callError(st, cerr)
	}
	defer C.sxt_client_options_free(copts)

	// The duration options, each set (in milliseconds) through its C setter only when given; the library
	// judges the value (errors name the C parameter).
	for _, o := range []struct {
		argument string
		value    *time.Duration
		set      func(ms C.uint32_t) C.sxt_status
	}{
		{"timeout_ms", cfg.timeout, func(ms C.uint32_t) C.sxt_status { return C.sxt_client_options_set_timeout_ms(copts, ms, &cerr) }},
		{"connect_timeout_ms", cfg.connectTimeout, func(ms C.uint32_t) C.sxt_status { return C.sxt_client_options_set_connect_timeout_ms(copts, ms, &cerr) }},
		{"read_timeout_ms", cfg.readTimeout, func(ms C.uint32_t) C.sxt_status { return C.sxt_client_options_set_read_timeout_ms(copts, ms, &cerr) }},
		{"refresh_margin_ms", cfg.refreshMargin, func(ms C.uint32_t) C.sxt_status { return C.sxt_client_options_set_refresh_margin_ms(copts, ms, &cerr) }},
	} {
		if o.value == nil {
			continue
		}
		ms, err := optionMillis(o.argument, *o.value)
		if err != nil {
			return nil, err
		}
		if st := o.set(ms); st != statusOK {
			return nil, callError(st, cerr)
		}
	}
	for _, pem := range cfg.caPEMs {
		cpem, err := args.add("pem", string(pem), false)
		if err != nil {
			return nil, err
		}
		if st := C.sxt_client_options_add_ca_pem(copts, cpem, &cerr); st != statusOK {
			return nil, callError(st, cerr)
		}
	}
	if cfg.allowHTTP {
		if st := C.sxt_client_options_set_allow_http(copts, C.bool(true), &cerr); st != statusOK {
			return nil, callError(st, cerr)
		}
	}
	if cfg.keepKey != nil {
		if st := C.sxt_client_options_set_keep_key(copts, C.bool(*cfg.keepKey), &cerr); st != statusOK {
			return nil, callError(st, cerr)
		}
	}
	if cfg.proxyURL != nil {
		cproxy, err := args.add("proxy_url", *cfg.proxyURL, false)
		if err != nil {
			return nil, err
		}
		if st := C.sxt_client_options_set_proxy_url(copts, cproxy, &cerr); st != statusOK {
			return nil, callError(st, cerr)
		}
	}
	if cfg.userAgent != nil {
		cua, err := args.add("user_agent", *cfg.userAgent, false)
		if err != nil {
			return nil, err
		}
		if st := C.sxt_client_options_set_user_agent(copts, cua, &cerr); st != statusOK {
			return nil, callError(st, cerr)
		}
	}

	var h *C.sxt_client
	if st := C.sxt_client_new(curl, copts, &h, &cerr); st != statusOK {
		return nil, callError(st, cerr)
	}
	var curlOut *C.char
	if st := C.sxt_client_base_url(h, &curlOut, &cerr); st != statusOK {
		C.sxt_client_free(h)
		return nil, callError(st, cerr)
	}
	c := &Client{baseURL: takeString(curlOut)}
	c.handle.Store(&clientHandle{h})
	runtime.SetFinalizer(c, (*Client).Close)
	return c, nil
}

func optionMillis(argument string, d time.Duration) (C.uint32_t, error) {
	ms, ok := durationMillis(d)
	if !ok {
		return 0, inputError(StatusInvalidArgument, argument, "is negative")
	}
	return C.uint32_t(ms), nil
}

// afterHandleLoad, when set (by tests only), runs between a method's load of its handle and its C call: the
// window in which a concurrent Close leaves the method holding a freed handle.
var afterHandleLoad func()

// loadHandle loads the handle a Client or Session keeps in slot: nil once it is closed. The test hook runs
// right after a handle is loaded.
func loadHandle[H cHandle](slot *atomic.Pointer[handleBox[H]]) H {
	if b := slot.Load(); b != nil {
		if afterHandleLoad != nil {
			afterHandleLoad()
		}
		return b.p
	}
	return nil
}

// callHandle is where every method of a Client or Session (owner) but Close makes its C call, f, with the
// handle h that the method has just loaded (through owner's h, so the test hook runs before f): nil means
// owner is closed, reported as "the <what> is closed" without calling C. Otherwise f gets h and its own
// fresh sxt_error out-parameter; runtime.KeepAlive(owner) follows f's return, and a failed status becomes
// an [*Error].
func callHandle[H cHandle](owner any, h H, what string, f func(h H, cerr **C.sxt_error) C.sxt_status) error {
	if h == nil {
		return closedError(what)
	}
	var cerr *C.sxt_error
	st := f(h, &cerr)
	runtime.KeepAlive(owner)
	if st != statusOK {
		return callError(st, cerr)
	}
	return nil
}

func (c *Client) h() *C.sxt_client {
	if c == nil {
		return nil
	}
	return loadHandle(&c.handle)
}

// call loads the client's handle and makes the C call f with it through [callHandle].
func (c *Client) call(f func(h *C.sxt_client, cerr **C.sxt_error) C.sxt_status) error {
	return callHandle(c, c.h(), "client", f)
}

// callSession is call for the sign-in functions, within ctx (withCall): f stores the new session handle in
// *out, which becomes a Session owned by the caller.
func (c *Client) callSession(ctx context.Context, f func(h *C.sxt_client, call *C.sxt_call, out **C.sxt_session, cerr **C.sxt_error) C.sxt_status) (*Session, error) {
	var out *C.sxt_session
	err := withCall(ctx, func(call *C.sxt_call) error {
		return c.call(func(h *C.sxt_client, cerr **C.sxt_error) C.sxt_status { return f(h, call, &out, cerr) })
	})
	if err != nil {
		return nil, err
	}
	return newSession(out), nil
}

// withCall runs f, a network call, with ctx's deadline and cancellation: f gets the sxt_call to pass to C
// (NULL when ctx can never be done). A ctx done before the call starts fails it at once, sending nothing. An
// error after ctx is done unwraps to ctx.Err(), so errors.Is(err, context.Canceled) (or
// context.DeadlineExceeded) holds, as well as errors.Is(err, ErrCancelled) (or ErrTimeout).
func withCall(ctx context.Context, f func(call *C.sxt_call) error) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return contextError(ctx, nil)
	}
	deadline, hasDeadline := ctx.Deadline()
	done := ctx.Done()
	if done == nil && !hasDeadline {
		return f(nil)
	}
	var call *C.sxt_call
	if st := C.sxt_call_new(&call, nil); st != statusOK {
		return callError(st, nil)
	}
	defer C.sxt_call_free(call)
	if hasDeadline {
		ms, _ := durationMillis(time.Until(deadline))
		if ms == 0 {
			return contextError(ctx, nil)
		}
		if ms > maxCallMillis {
			ms = maxCallMillis
		}
		C.sxt_call_set_timeout_ms(call, C.uint32_t(ms), nil)
	}
	stop := make(chan struct{})
	var watcher sync.WaitGroup
	watcher.Add(1)
	go func() {
		defer watcher.Done()
		select {
		case <-done:
			C.sxt_call_cancel(call, nil)
		case <-stop:
		}
	}()
	err := f(call)
	close(stop)
	watcher.Wait()
	if err != nil && ctx.Err() != nil {
		return contextError(ctx, err)
	}
	return err
}

// maxCallMillis is the longest deadline the library takes (24 hours); a later one is no deadline in effect.
const maxCallMillis = 86_400_000

// BaseURL returns the normalised base URL (no trailing "/" or "/v1"). It works after Close too.
func (c *Client) BaseURL() string {
	if c == nil {
		return ""
	}
	return c.baseURL
}

// Close releases the client. It is idempotent and safe to call concurrently with other methods: calls
// already running finish normally, later ones fail with [ErrInvalidHandle]. Sessions started from the
// client keep working. It always returns nil (it satisfies io.Closer).
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	if b := c.handle.Swap(nil); b != nil {
		C.sxt_client_free(b.p)
	}
	return nil
}

// UserExists asks the service whether userID is taken (GET /v1/auth/idexists/{userId}).
//
// Errors: [StatusInvalidArgument] (empty, over 256 bytes, control characters, NUL), [StatusInvalidUTF8],
// [StatusInvalidHandle] (closed client), the transport statuses ([StatusNetwork] to
// [StatusMalformedResponse]) and the server's refusals ([StatusBadRequest] to [StatusServerError]).
func (c *Client) UserExists(ctx context.Context, userID string) (bool, error) {
	var args cStrings
	defer args.free()
	cuser, err := args.add("user_id", userID, false)
	if err != nil {
		return false, err
	}
	var exists C.bool
	err = withCall(ctx, func(call *C.sxt_call) error {
		return c.call(func(h *C.sxt_client, cerr **C.sxt_error) C.sxt_status {
			return C.sxt_user_exists_call(h, call, cuser, &exists, cerr)
		})
	})
	if err != nil {
		return false, err
	}
	return bool(exists), nil
}

// Login signs in the existing user userID with privateKey (any encoding [PublicKey] accepts): a challenge
// from POST /v1/auth/code, signed, traded for tokens at POST /v1/auth/token. The library first asks
// whether the user exists, so a mistyped user id never creates an account.
//
// The returned Session belongs to the caller (Close it when done). Unless [WithKeepKey](false) was given,
// it keeps a copy of the key in the library's memory, so it can sign in again by itself when its refresh
// chain or the 24-hour session runs out; the copy is wiped when the session is released.
//
// Errors: [StatusNotFound] (unknown user), [StatusBadRequest] (signature refused, key not on the user's
// keyring), [StatusUnauthorized], [StatusInvalidKey], [StatusInvalidArgument], [StatusInvalidUTF8],
// [StatusInvalidHandle] (closed client), and the transport statuses.
func (c *Client) Login(ctx context.Context, userID, privateKey string) (*Session, error) {
	var args cStrings
	defer args.free()
	cuser, ckey, err := args.signInArgs(userID, privateKey)
	if err != nil {
		return nil, err
	}
	return c.callSession(ctx, func(h *C.sxt_client, call *C.sxt_call, s **C.sxt_session, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_login_call(h, call, cuser, ckey, s, cerr)
	})
}

// LoginAPIKey signs in with an SxT API key (made in Space and Time Studio) at the proxy
// (POST {proxy}/auth/apikey with the key in the apikey header; see [WithProxyURL]). The session has no
// refresh token: it signs in again with the API key when its access token is due (single flight), keeping a
// copy of the key that is wiped when the session is closed, unless [WithKeepKey](false) (then
// [ErrSessionExpired] once the token expires). Its user id is the reply's userId, or what
// GET /v1/auth/validtoken says (one more exchange). [Session.RefreshToken] fails with [ErrNotFound];
// [Session.Logout] sends the access token. The key never appears in an error.
//
// Errors: [StatusInvalidArgument] naming "api_key" (empty, over 1024 bytes, a character other than printable
// ASCII, NUL; nothing is sent); transport statuses; [StatusUnauthorized] for a key the proxy refuses (401 or
// 403, with its Title and Detail); [StatusMalformedResponse].
func (c *Client) LoginAPIKey(ctx context.Context, apiKey string) (*Session, error) {
	var args cStrings
	defer args.free()
	ckey, err := args.add("api_key", apiKey, true)
	if err != nil {
		return nil, err
	}
	return c.callSession(ctx, func(h *C.sxt_client, call *C.sxt_call, s **C.sxt_session, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_login_api_key_call(h, call, ckey, s, cerr)
	})
}

// Register registers the new user userID with privateKey as its first key and signs it in. joinCode is
// the organisation's join code, which joins its subscription; "" means none (SxT made it optional, though
// a deployment may require one). For an existing user whose keyring holds the key, this is a plain
// sign-in. The returned Session is as for [Client.Login].
//
// Errors: as [Client.Login]; an unknown join code, a missing one that the deployment requires, or a user
// id already registered with another key is refused by the server: [StatusBadRequest] (or
// [StatusNotFound], [StatusConflict], [StatusUnauthorized], as the deployment answers).
func (c *Client) Register(ctx context.Context, userID, privateKey, joinCode string) (*Session, error) {
	return c.register(ctx, userID, privateKey, joinCode, nil)
}

// RegisterWithEmail registers the new user userID through POST /v1/auth/code-register, which also takes
// an e-mail address; joinCode "" means none. Otherwise as [Client.Register].
//
// Errors: as [Client.Register]; an invalid e-mail address is refused by the server ([StatusBadRequest]).
func (c *Client) RegisterWithEmail(ctx context.Context, userID, privateKey, email, joinCode string) (*Session, error) {
	return c.register(ctx, userID, privateKey, joinCode, &email)
}

func (c *Client) register(ctx context.Context, userID, privateKey, joinCode string, email *string) (*Session, error) {
	var args cStrings
	defer args.free()
	cuser, ckey, err := args.signInArgs(userID, privateKey)
	if err != nil {
		return nil, err
	}
	ccode, err := args.optional("join_code", joinCode)
	if err != nil {
		return nil, err
	}
	var cemail *C.char
	if email != nil {
		if cemail, err = args.add("email", *email, false); err != nil {
			return nil, err
		}
	}
	return c.callSession(ctx, func(h *C.sxt_client, call *C.sxt_call, s **C.sxt_session, cerr **C.sxt_error) C.sxt_status {
		if email != nil {
			return C.sxt_register_with_email_call(h, call, cuser, ckey, cemail, ccode, s, cerr)
		}
		return C.sxt_register_call(h, call, cuser, ckey, ccode, s, cerr)
	})
}

// ---------------------------------------------------------------------------------------------------------
// Session

// Session is a signed-in user: its tokens, refreshed ahead of expiry (one refresh at a time, however many
// goroutines ask), and renewed by a new sign-in when the refresh chain or the 24-hour session runs out
// (the session keeps the key it signed in with, in the library's memory, unless [WithKeepKey](false)).
//
// A Session is safe for concurrent use by any number of goroutines, and may be closed while other
// goroutines are inside calls on it: those finish or fail with [ErrInvalidHandle]; nothing crashes. After
// [Session.Logout], calls fail with [ErrLoggedOut]. Close releases it and wipes its tokens and key from
// the library's memory; a Session that becomes unreachable without Close is released by a finalizer.
// Tokens returned as Go strings are the caller's: they are secrets, and Go cannot wipe them.
type Session struct {
	handle atomic.Pointer[sessionHandle]
}

type sessionHandle = handleBox[*C.sxt_session]

func newSession(h *C.sxt_session) *Session {
	s := &Session{}
	s.handle.Store(&sessionHandle{h})
	runtime.SetFinalizer(s, (*Session).Close)
	return s
}

func (s *Session) h() *C.sxt_session {
	if s == nil {
		return nil
	}
	return loadHandle(&s.handle)
}

// call loads the session's handle and makes the C call f with it through [callHandle].
func (s *Session) call(f func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status) error {
	return callHandle(s, s.h(), "session", f)
}

// callString is call for the functions that hand out a string: f stores it in *out, and it is returned as a
// Go string (the library's copy is wiped and released).
func (s *Session) callString(f func(h *C.sxt_session, out **C.char, cerr **C.sxt_error) C.sxt_status) (string, error) {
	var out *C.char
	err := s.call(func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status { return f(h, &out, cerr) })
	if err != nil {
		return "", err
	}
	return takeString(out), nil
}

// callNetworkString is callString for the network calls, within ctx (withCall).
func (s *Session) callNetworkString(ctx context.Context, f func(h *C.sxt_session, call *C.sxt_call, out **C.char, cerr **C.sxt_error) C.sxt_status) (string, error) {
	var text string
	err := withCall(ctx, func(call *C.sxt_call) error {
		var err error
		text, err = s.callString(func(h *C.sxt_session, out **C.char, cerr **C.sxt_error) C.sxt_status { return f(h, call, out, cerr) })
		return err
	})
	return text, err
}

// Close releases the session, wiping its tokens and key once no call is using them. It does not log out:
// the server keeps the tokens valid until they expire (call [Session.Logout] first to end them). It is
// idempotent and safe to call while other goroutines are inside calls on the session. It always returns
// nil (it satisfies io.Closer).
func (s *Session) Close() error {
	if s == nil {
		return nil
	}
	if b := s.handle.Swap(nil); b != nil {
		C.sxt_session_free(b.p)
	}
	return nil
}

// AccessToken returns a valid access token, for an "Authorization: Bearer" header. It refreshes first when
// the token is within the refresh margin of expiry, or signs in again when the refresh chain has run out;
// if a due refresh fails but the current token has not expired yet, that token is returned.
//
// Errors: [StatusInvalidHandle] (closed), [StatusLoggedOut], [StatusSessionExpired], and the transport and
// server statuses of the refresh or sign-in.
func (s *Session) AccessToken(ctx context.Context) (string, error) {
	return s.callNetworkString(ctx, func(h *C.sxt_session, call *C.sxt_call, out **C.char, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_access_token_call(h, call, out, cerr)
	})
}

// Refresh refreshes now (POST /v1/auth/refresh): both tokens rotate and the old refresh token stops
// working. When the refresh chain has run out (or the server refuses it), it signs in again with the
// session's key. Concurrent renewals share one network exchange. On failure the old tokens are kept.
//
// Errors: [StatusInvalidHandle] (closed), [StatusLoggedOut], [StatusSessionExpired], transport and server
// statuses.
func (s *Session) Refresh(ctx context.Context) error {
	return withCall(ctx, func(call *C.sxt_call) error {
		return s.call(func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status {
			return C.sxt_refresh_call(h, call, cerr)
		})
	})
}

// Logout logs out (POST /v1/auth/logout), which ends every session of this user on the server. Afterwards
// the session's tokens are wiped and every method but UserID and Close fails with [ErrLoggedOut]; the
// session must still be closed. A transport failure changes nothing, and Logout may be retried.
//
// Errors: [StatusInvalidHandle] (closed), [StatusLoggedOut] (already logged out), transport and server
// statuses.
func (s *Session) Logout(ctx context.Context) error {
	return withCall(ctx, func(call *C.sxt_call) error {
		return s.call(func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status {
			return C.sxt_logout_call(h, call, cerr)
		})
	})
}

// Authorization returns "Bearer <access token>", the Authorization header value for the SxT APIs, with a
// valid token (as [Session.AccessToken]). For a client that sets headers itself; [Session.RoundTripper]
// does it, and the retry after a 401, for net/http.
//
// Errors: as [Session.AccessToken].
func (s *Session) Authorization(ctx context.Context) (string, error) {
	return s.callNetworkString(ctx, func(h *C.sxt_session, call *C.sxt_call, out **C.char, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_authorization_call(h, call, out, cerr)
	})
}

// TokenRejected reports that an API answered 401 to accessToken (a token from this session, without the
// "Bearer " prefix) before its expiry: the token was revoked (a logout elsewhere, say). The session renews
// its tokens unless it has moved on from that one already, so however many goroutines report the same
// token, one renewal serves them all; then [Session.AccessToken] gives the token for one retry.
//
// Errors: [StatusInvalidArgument] (NUL byte), [StatusInvalidHandle] (closed), [StatusLoggedOut],
// [StatusSessionExpired], and the transport and server statuses of the renewal.
func (s *Session) TokenRejected(ctx context.Context, accessToken string) error {
	var args cStrings
	defer args.free()
	ctoken, err := args.add("access_token", accessToken, true)
	if err != nil {
		return err
	}
	return withCall(ctx, func(call *C.sxt_call) error {
		return s.call(func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status {
			return C.sxt_session_token_rejected_call(h, call, ctoken, cerr)
		})
	})
}

// RefreshToken returns the current refresh token, without refreshing. It is a secret; most programs never
// need it.
//
// Errors: [StatusInvalidHandle] (closed), [StatusLoggedOut]; [StatusNotFound] for a session from
// [Client.LoginAPIKey], which has none.
func (s *Session) RefreshToken() (string, error) {
	return s.callString(func(h *C.sxt_session, out **C.char, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_refresh_token(h, out, cerr)
	})
}

// Expiries returns when the current access and refresh tokens expire, as the server stated (millisecond
// precision); refresh is the zero Time for a session from [Client.LoginAPIKey]. It does not refresh.
//
// Errors: [StatusInvalidHandle] (closed), [StatusLoggedOut].
func (s *Session) Expiries() (access, refresh time.Time, err error) {
	var accessMs, refreshMs C.int64_t
	err = s.call(func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_expiries(h, &accessMs, &refreshMs, cerr)
	})
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if refreshMs == 0 {
		return time.UnixMilli(int64(accessMs)), time.Time{}, nil
	}
	return time.UnixMilli(int64(accessMs)), time.UnixMilli(int64(refreshMs)), nil
}

// UserID returns the user id the session signed in as. It works after Logout.
//
// Errors: [StatusInvalidHandle] (closed).
func (s *Session) UserID() (string, error) {
	return s.callString(func(h *C.sxt_session, out **C.char, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_user_id(h, out, cerr)
	})
}

// TokenInfo asks the server about the access token (GET /v1/auth/validtoken). It refreshes first when due;
// on a 401 it renews once and retries.
//
// Errors: [StatusInvalidHandle] (closed), [StatusLoggedOut], [StatusSessionExpired], transport and server
// statuses; [StatusMalformedResponse] when a documented field has the wrong JSON type.
func (s *Session) TokenInfo(ctx context.Context) (TokenInfo, error) {
	text, err := s.callNetworkString(ctx, func(h *C.sxt_session, call *C.sxt_call, out **C.char, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_token_info_call(h, call, out, cerr)
	})
	if err != nil {
		return TokenInfo{}, err
	}
	return parseTokenInfo(text)
}

// Keys lists the keys on the user's keyring (GET /v1/auth/keys). It refreshes first when due.
//
// Errors: as [Session.TokenInfo]; [StatusMalformedResponse] when the reply is not an array of objects.
func (s *Session) Keys(ctx context.Context) ([]KeyInfo, error) {
	text, err := s.callNetworkString(ctx, func(h *C.sxt_session, call *C.sxt_call, out **C.char, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_keys_call(h, call, out, cerr)
	})
	if err != nil {
		return nil, err
	}
	return parseKeys(text)
}

// AddKey adds the key privateKey (any encoding [PublicKey] accepts) to the user's keyring: a challenge
// from POST /v1/auth/keys/code, signed with the new key, sent to POST /v1/auth/keys. Only the public half
// leaves the process.
//
// Errors: [StatusInvalidKey], [StatusInvalidUTF8], [StatusInvalidArgument] (NUL byte),
// [StatusInvalidHandle] (closed), [StatusLoggedOut], transport and server statuses (a key already on the
// keyring is refused by the server, typically [StatusBadRequest]).
func (s *Session) AddKey(ctx context.Context, privateKey string) error {
	var args cStrings
	defer args.free()
	ckey, err := args.add("new_private_key", privateKey, true)
	if err != nil {
		return err
	}
	return withCall(ctx, func(call *C.sxt_call) error {
		return s.call(func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status {
			return C.sxt_session_add_key_call(h, call, ckey, cerr)
		})
	})
}

// Role is a role in a subscription, lowest first: what a join code from [Session.CreateJoinCode] gives.
type Role int32

// The roles; their values are the C header's SXT_ROLE_*.
const (
	RoleMember Role = C.SXT_ROLE_MEMBER
	RoleAdmin  Role = C.SXT_ROLE_ADMIN
	RoleOwner  Role = C.SXT_ROLE_OWNER
)

// JoinSubscription joins the subscription joinCode names (POST /v1/subscription/invite/{joinCode}): the user
// leaves its subscription for that one, with the role the code gives, and the session adopts the server's
// new token set at once for every goroutine, as a rotation (the old tokens stop working). It renews first
// when due; a 401 renews once and retries.
//
// Errors: [StatusInvalidArgument] naming "join_code" (empty, over 256 bytes, control characters, NUL);
// [StatusInvalidHandle] (closed), [StatusLoggedOut], [StatusSessionExpired], transport statuses;
// [StatusBadRequest] for an unknown, expired or used code (with the server's Detail);
// [StatusMalformedResponse].
func (s *Session) JoinSubscription(ctx context.Context, joinCode string) error {
	var args cStrings
	defer args.free()
	ccode, err := args.add("join_code", joinCode, true)
	if err != nil {
		return err
	}
	return withCall(ctx, func(call *C.sxt_call) error {
		return s.call(func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status {
			return C.sxt_session_join_subscription_call(h, call, ccode, cerr)
		})
	})
}

// CreateJoinCode returns a new join code (POST /v1/subscription/invite?role=...) that makes whoever joins
// with it a role of this user's subscription. The service refuses a member's request and a role above the
// caller's: [StatusUnauthorized] with HTTP status 403 and its Detail (not retried).
//
// Errors: also [StatusInvalidArgument] naming "role" for a value other than the three Role constants;
// [StatusInvalidHandle] (closed), [StatusLoggedOut], [StatusSessionExpired], transport statuses,
// [StatusMalformedResponse].
func (s *Session) CreateJoinCode(ctx context.Context, role Role) (string, error) {
	return s.callNetworkString(ctx, func(h *C.sxt_session, call *C.sxt_call, out **C.char, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_create_join_code_call(h, call, C.int32_t(role), out, cerr)
	})
}

// ---------------------------------------------------------------------------------------------------------
// Signers, exported sessions, observers

// Signer signs challenges with a key the app holds (a Keychain or Keystore item, an HSM or KMS, a wallet):
// the private key never enters the library. Sign gets the exact authCode bytes and returns the signature
// as the scheme writes it in the protocol's signature field (for ed25519, 128 lowercase hex characters), or
// an error saying why it cannot (its text becomes the message of [ErrSignerFailed]; never put a secret in
// it). It may be called from any goroutine or thread, once per sign-in (a session's sign-in again
// included), from several at once; the library holds no lock while it runs, so it may take its time, up to
// the 30 seconds a challenge lives. It must not call the Session it signs for. A panic in Sign is recovered
// and reported as [ErrSignerFailed]; it never crashes the process.
type Signer interface {
	Sign(message []byte) (signature string, err error)
}

// SignerFunc adapts a function to [Signer].
type SignerFunc func(message []byte) (string, error)

// Sign calls f.
func (f SignerFunc) Sign(message []byte) (string, error) { return f(message) }

// ExternalKey is a public key, its scheme and the [Signer] that signs for it, for [Client.LoginWithSigner],
// [Client.RegisterWithSigner], [Session.AddKeyWithSigner] and [Client.ImportSessionWithSigner]. Sessions
// signed in with it keep the Signer (and sign in through it again when their refresh chain ends) after
// Close. Safe for concurrent use.
type ExternalKey struct {
	handle atomic.Pointer[signerHandle]
}

type signerHandle = handleBox[*C.sxt_signer]

// NewExternalKey makes an [ExternalKey] for publicKey (as SxT wants it in the key field: for ed25519, the
// standard base64 of the 32 bytes) in scheme ("" means "ed25519"; wallet sign-in puts the chain id there,
// such as "1", with a wallet address as the key). For ed25519 the library checks every signature against
// publicKey before sending it.
//
// Errors: [StatusInvalidKey] naming "public_key" (an ed25519 key that does not parse);
// [StatusInvalidArgument] naming "scheme" or "public_key"; [StatusNullArgument] naming "sign" for a nil
// signer.
func NewExternalKey(publicKey, scheme string, signer Signer) (*ExternalKey, error) {
	if signer == nil {
		return nil, inputError(StatusNullArgument, "sign", "is nil")
	}
	var args cStrings
	defer args.free()
	ckey, err := args.add("public_key", publicKey, false)
	if err != nil {
		return nil, err
	}
	var cscheme *C.char
	if scheme != "" {
		if cscheme, err = args.add("scheme", scheme, false); err != nil {
			return nil, err
		}
	}
	// The library owns the handle from here: it calls sxtGoRelease once (at once if this fails).
	h := cgo.NewHandle(signer)
	var out *C.sxt_signer
	var cerr *C.sxt_error
	if st := C.sxtgo_signer_new(ckey, cscheme, C.uintptr_t(h), &out, &cerr); st != statusOK {
		return nil, callError(st, cerr)
	}
	k := &ExternalKey{}
	k.handle.Store(&signerHandle{out})
	runtime.SetFinalizer(k, (*ExternalKey).Close)
	return k, nil
}

func (k *ExternalKey) h() *C.sxt_signer {
	if k == nil {
		return nil
	}
	return loadHandle(&k.handle)
}

// Close releases the caller's reference; sessions signed in with the key keep theirs. Idempotent; always
// returns nil.
func (k *ExternalKey) Close() error {
	if k == nil {
		return nil
	}
	if b := k.handle.Swap(nil); b != nil {
		C.sxt_signer_free(b.p)
	}
	runtime.SetFinalizer(k, nil)
	return nil
}

//export sxtGoSign
func sxtGoSign(handle C.uintptr_t, message *C.uint8_t, messageLen C.size_t, out *C.char, capacity C.size_t, outLen *C.size_t) (status C.int32_t) {
	write := func(text string) {
		n := len(text)
		if n > int(capacity) {
			n = int(capacity)
		}
		copy(unsafe.Slice((*byte)(unsafe.Pointer(out)), int(capacity)), text[:n])
		*outLen = C.size_t(n)
	}
	defer func() {
		if r := recover(); r != nil {
			write(fmt.Sprintf("the signer panicked: %v", r))
			status = C.int32_t(StatusSignerFailed)
		}
	}()
	signer := cgo.Handle(handle).Value().(Signer)
	msg := C.GoBytes(unsafe.Pointer(message), C.int(messageLen))
	signature, err := signer.Sign(msg)
	if err != nil {
		write(err.Error())
		return C.int32_t(StatusSignerFailed)
	}
	if len(signature) > int(capacity) {
		write("the signature is longer than the library takes")
		return C.int32_t(StatusSignerFailed)
	}
	write(signature)
	return C.int32_t(statusOK)
}

//export sxtGoRelease
func sxtGoRelease(handle C.uintptr_t) {
	cgo.Handle(handle).Delete()
}

//export sxtGoObserve
func sxtGoObserve(handle C.uintptr_t, event C.int32_t) {
	defer func() { _ = recover() }()
	cgo.Handle(handle).Value().(func(Event))(Event(event))
}

// LoginWithSigner signs in the existing user userID with key: the private key never enters the library.
// The session keeps key's Signer (whatever [WithKeepKey] says: it holds no secret) and signs in through it
// again when its refresh chain ends. Otherwise as [Client.Login].
//
// Errors: as [Client.Login]; [StatusInvalidHandle] naming "signer" for a closed key; [StatusSignerFailed]
// (the signer failed, was too slow, or signed with another key: nothing more is sent).
func (c *Client) LoginWithSigner(ctx context.Context, userID string, key *ExternalKey) (*Session, error) {
	var args cStrings
	defer args.free()
	cuser, err := args.add("user_id", userID, false)
	if err != nil {
		return nil, err
	}
	k := key.h()
	s, err := c.callSession(ctx, func(h *C.sxt_client, call *C.sxt_call, s **C.sxt_session, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_login_signer_call(h, call, cuser, k, s, cerr)
	})
	runtime.KeepAlive(key)
	return s, err
}

// RegisterWithSigner registers the new user userID whose first key is key's (its public key and scheme)
// and signs it in; email and joinCode may be "" (with an email, through auth/code-register). Otherwise as
// [Client.Register].
//
// Errors: as [Client.Register]; [StatusSignerFailed].
func (c *Client) RegisterWithSigner(ctx context.Context, userID string, key *ExternalKey, email, joinCode string) (*Session, error) {
	var args cStrings
	defer args.free()
	cuser, err := args.add("user_id", userID, false)
	if err != nil {
		return nil, err
	}
	cemail, err := args.optional("email", email)
	if err != nil {
		return nil, err
	}
	ccode, err := args.optional("join_code", joinCode)
	if err != nil {
		return nil, err
	}
	k := key.h()
	s, err := c.callSession(ctx, func(h *C.sxt_client, call *C.sxt_call, s **C.sxt_session, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_register_signer_call(h, call, cuser, k, cemail, ccode, s, cerr)
	})
	runtime.KeepAlive(key)
	return s, err
}

// AddKeyWithSigner adds key's public key (and scheme) to the user's keyring; key signs the challenge.
//
// Errors: as [Session.AddKey]; [StatusSignerFailed].
func (s *Session) AddKeyWithSigner(ctx context.Context, key *ExternalKey) error {
	k := key.h()
	err := withCall(ctx, func(call *C.sxt_call) error {
		return s.call(func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status {
			return C.sxt_session_add_key_signer_call(h, call, k, cerr)
		})
	})
	runtime.KeepAlive(key)
	return err
}

// Export returns the session as text for the app to keep where its platform keeps secrets, to restore after
// a restart with [Client.ImportSession]: the tokens (bearer credentials: a secret), their expiries, the
// session cap, the user id, the base URL and how the session signs in; never a private key or an API key.
// Export again after every [EventRotated]. No network call.
//
// Errors: [StatusInvalidHandle] (closed), [StatusLoggedOut].
func (s *Session) Export() ([]byte, error) {
	text, err := s.callString(func(h *C.sxt_session, out **C.char, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_export(h, out, cerr)
	})
	if err != nil {
		return nil, err
	}
	return []byte(text), nil
}

// ImportSession restores a session from [Session.Export]'s blob for this client's service. secret is what it
// signed in with (the private key, or the API key of a session from [Client.LoginAPIKey]); with it the
// session also signs in again when its tokens run out, with "" it then fails with [ErrSessionExpired]. The
// session refreshes as usual. No network call.
//
// Errors: [StatusInvalidArgument] naming "blob" (not an exported session, another version, truncated,
// altered, or from a client of another service); [StatusInvalidKey] naming "secret" (it does not parse or is
// not what the session signed in with); [StatusSessionExpired].
func (c *Client) ImportSession(blob []byte, secret string) (*Session, error) {
	var args cStrings
	defer args.free()
	cblob, err := args.add("blob", string(blob), true)
	if err != nil {
		return nil, err
	}
	var csecret *C.char
	if secret != "" {
		if csecret, err = args.add("secret", secret, true); err != nil {
			return nil, err
		}
	}
	return c.callSession(context.Background(), func(h *C.sxt_client, _ *C.sxt_call, s **C.sxt_session, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_import(h, cblob, csecret, s, cerr)
	})
}

// ImportSessionWithSigner is [Client.ImportSession] for a session that signed in through key (same scheme
// and public key); the session keeps key's Signer.
//
// Errors: as [Client.ImportSession]; [StatusInvalidKey] naming "signer".
func (c *Client) ImportSessionWithSigner(blob []byte, key *ExternalKey) (*Session, error) {
	var args cStrings
	defer args.free()
	cblob, err := args.add("blob", string(blob), true)
	if err != nil {
		return nil, err
	}
	k := key.h()
	s, err := c.callSession(context.Background(), func(h *C.sxt_client, _ *C.sxt_call, s **C.sxt_session, cerr **C.sxt_error) C.sxt_status {
		return C.sxt_session_import_signer(h, cblob, k, s, cerr)
	})
	runtime.KeepAlive(key)
	return s, err
}

// Event is what changed in a session, as its observer hears it ([Session.SetObserver]).
type Event int32

const (
	// EventRotated: new tokens (a refresh, a sign-in again, a subscription join). Export the session again.
	EventRotated Event = C.SXT_EVENT_ROTATED
	// EventLoggedOut: the session logged out; a stored copy is worth nothing now.
	EventLoggedOut Event = C.SXT_EVENT_LOGGED_OUT
)

// SetObserver sets the function told of every rotation and of logout, once per event, on the goroutine
// whose call made the change, after that call has released every lock of the session: it may call the
// session (to [Session.Export] it). nil removes it. A panic in it is recovered and dropped.
//
// Errors: [StatusInvalidHandle] (closed).
func (s *Session) SetObserver(observer func(Event)) error {
	if observer == nil {
		return s.call(func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status {
			return C.sxt_session_set_observer(h, nil, nil, nil, cerr)
		})
	}
	handle := cgo.NewHandle(observer)
	called := false
	// Once C is called it owns the handle: it calls sxtGoRelease once, also when it fails.
	err := s.call(func(h *C.sxt_session, cerr **C.sxt_error) C.sxt_status {
		called = true
		return C.sxtgo_set_observer(h, C.uintptr_t(handle), cerr)
	})
	if !called {
		handle.Delete() // closed before the call: nothing else will release it
	}
	return err
}

// ---------------------------------------------------------------------------------------------------------
// Replies

func malformed(what string, err error) *Error {
	return &Error{Code: StatusMalformedResponse, Message: what + " is not what the protocol says: " + err.Error()}
}

func parseTokenInfo(text string) (TokenInfo, error) {
	var info TokenInfo
	if err := json.Unmarshal([]byte(text), &info); err != nil {
		return TokenInfo{}, malformed("the validtoken reply", err)
	}
	info.Raw = json.RawMessage(text)
	return info, nil
}

func parseKeys(text string) ([]KeyInfo, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, malformed("the keys reply", err)
	}
	keys := make([]KeyInfo, 0, len(raw))
	for _, r := range raw {
		var k KeyInfo
		if err := json.Unmarshal(r, &k); err != nil {
			return nil, malformed("an entry of the keys reply", err)
		}
		k.Raw = r
		keys = append(keys, k)
	}
	return keys, nil
}
