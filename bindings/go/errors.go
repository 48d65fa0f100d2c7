package sxtauth

import (
	"context"
	"errors"
	"fmt"
)

// Status is the library's stable numeric result code: the sxt_status of the C API, with the same numbers.
// Numbers are grouped by range: 0 success, 1-99 the caller's input, 100-199 transport, 200-299 the server
// refused the call, 300-399 session state, 900-999 bugs inside the library. New codes may be added in later
// versions; numbers are never reused.
//
// A Status is a plain value: comparable, safe to copy and to use from any goroutine. A failed call reports
// it as the Code field of an [*Error].
type Status int32

// The statuses, one per SXT_STATUS_* value of sxt_auth.h (StatusNullArgument is SXT_STATUS_NULL_ARGUMENT,
// and so on). The package checks at compile time that every number matches the header.
const (
	// StatusOK is success; it never appears in an [*Error].
	StatusOK Status = 0
	// StatusNullArgument: a required argument was missing (NULL at the C level).
	StatusNullArgument Status = 1
	// StatusInvalidUTF8: a string argument was not valid UTF-8.
	StatusInvalidUTF8 Status = 2
	// StatusInvalidArgument: an argument was empty, too long, held a NUL byte, or was otherwise out of range.
	StatusInvalidArgument Status = 3
	// StatusInvalidKey: a private or public key is not in any accepted encoding, or a 64-byte key's halves
	// do not match.
	StatusInvalidKey Status = 4
	// StatusInvalidURL: the base URL cannot be parsed or normalised.
	StatusInvalidURL Status = 5
	// StatusInsecureURL: the base URL is plain http:// and [WithAllowHTTP] was not given.
	StatusInsecureURL Status = 6
	// StatusInvalidHandle: the [*Client] or [*Session] was closed (before or during the call).
	StatusInvalidHandle Status = 7
	// StatusInvalidCertificate: a PEM CA bundle given to [WithCAPEM] could not be parsed or held no
	// certificate.
	StatusInvalidCertificate Status = 8
	// StatusSignerFailed: a [Signer] failed (its error is in the message), took longer than a challenge
	// lives (30 s), or returned an invalid signature; nothing was sent with it.
	StatusSignerFailed Status = 9
	// StatusNetwork: could not connect, or the connection broke (DNS, refused, reset).
	StatusNetwork Status = 100
	// StatusTimeout: a connect, read or whole-call deadline passed.
	StatusTimeout Status = 101
	// StatusTLS: the TLS handshake failed (untrusted certificate, wrong host name, protocol error).
	StatusTLS Status = 102
	// StatusResponseTooLarge: the reply was larger than the library accepts for an auth call.
	StatusResponseTooLarge Status = 103
	// StatusRedirect: the server answered with a redirect, which the library never follows.
	StatusRedirect Status = 104
	// StatusMalformedResponse: the reply is not what the protocol says (bad JSON, missing field, wrong type).
	StatusMalformedResponse Status = 105
	// StatusCancelled: the call was cancelled (its context was done).
	StatusCancelled Status = 106
	// StatusBadRequest: HTTP 400: malformed request, bad or expired challenge, bad signature, key not on the
	// keyring, bad join code.
	StatusBadRequest Status = 200
	// StatusUnauthorized: HTTP 401 or 403: missing, invalid or expired token.
	StatusUnauthorized Status = 201
	// StatusNotFound: HTTP 404 or the library's own check: unknown user.
	StatusNotFound Status = 202
	// StatusConflict: HTTP 409: the user already exists (some deployments answer a duplicate registration
	// this way).
	StatusConflict Status = 203
	// StatusRateLimited: HTTP 429: rate limited.
	StatusRateLimited Status = 204
	// StatusClientError: any other HTTP 4xx.
	StatusClientError Status = 205
	// StatusServerError: HTTP 5xx.
	StatusServerError Status = 206
	// StatusLoggedOut: the session was logged out; it can only be closed.
	StatusLoggedOut Status = 300
	// StatusSessionExpired: the session's tokens ran out and it holds no key to sign in again.
	StatusSessionExpired Status = 301
	// StatusPanic: the library hit an internal bug (a panic was caught at the C boundary).
	StatusPanic Status = 900
	// StatusInternal: an internal invariant failed.
	StatusInternal Status = 901
)

// String returns the status's stable C name, e.g. "SXT_STATUS_INVALID_KEY", or "SXT_STATUS_UNKNOWN" for a
// number the library does not know.
func (s Status) String() string { return statusName(s) }

// Description returns a one-line description of the status, e.g. "the key is not in an accepted encoding".
func (s Status) Description() string { return statusDescription(s) }

// Error is the error every fallible function and method of this package returns (always as a non-nil
// *Error). It is a plain value owned by the caller: the C-side error it was copied from is already freed.
// It never contains a private key or a token.
//
// Test for a kind of failure with [errors.Is] and the sentinels (errors.Is(err, ErrUnauthorized)); read
// the details with [errors.As]:
//
//	var e *sxtauth.Error
//	if errors.As(err, &e) {
//		log.Printf("status %v, HTTP %d, %s: %s", e.Code, e.HTTPStatus, e.Title, e.Detail)
//	}
type Error struct {
	// Code is the stable status; never StatusOK.
	Code Status
	// HTTPStatus is the HTTP status the server answered with, or 0 when the failure was not an HTTP error
	// reply (input, transport and session-state errors).
	HTTPStatus int
	// Title is the server's RFC 7807 "title", or "" when it sent none.
	Title string
	// Detail is the server's RFC 7807 "detail", or "" when it sent none.
	Detail string
	// Argument is, for input errors, the name of the parameter that was wrong (e.g. "private_key",
	// "user_id"), else "".
	Argument string
	// Message is the library's human-readable, secret-free description of this failure.
	Message string
	// cause is the context's error when the call's context was done (see Unwrap).
	cause error
}

// Unwrap returns the context's error (context.Canceled or context.DeadlineExceeded) when the call failed
// after its context was done, so errors.Is(err, context.Canceled) holds; else nil.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.cause
}

// contextError is the failure of a call whose ctx is done: err (the library's failure, which it then
// caused) with ctx.Err() as its cause, or, for a call that never started (err nil), a new one with
// [StatusCancelled] or, past a deadline, [StatusTimeout].
func contextError(ctx context.Context, err error) error {
	cause := ctx.Err()
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.cause = cause
		// The context's timer and the library's own deadline end the call at the same moment; whichever
		// stops it first, a passed deadline is reported as one.
		if c.Code == StatusCancelled && errors.Is(cause, context.DeadlineExceeded) {
			c.Code = StatusTimeout
			c.Message = "the call's deadline passed"
		}
		return &c
	}
	if err != nil {
		return err
	}
	code := StatusCancelled
	if errors.Is(cause, context.DeadlineExceeded) {
		code = StatusTimeout
	}
	return &Error{Code: code, Message: "the call's context is done (" + cause.Error() + ")", cause: cause}
}

// Error formats the failure as "sxtauth: <message> (<status name>)".
func (e *Error) Error() string {
	if e == nil {
		return "sxtauth: <nil>"
	}
	return fmt.Sprintf("sxtauth: %s (%s)", e.Message, e.Code)
}

// Is reports whether target is an *Error with the same Code, so that errors.Is(err, ErrNotFound) matches
// every not-found failure whatever its message or HTTP details.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && e != nil && t != nil && t.Code == e.Code
}

// Timeout reports whether the failure was a deadline passing (Code == StatusTimeout), the method net.Error
// callers look for.
func (e *Error) Timeout() bool { return e != nil && e.Code == StatusTimeout }

func sentinel(s Status) *Error {
	return &Error{Code: s, Message: statusDescription(s)}
}

// Sentinel errors, one per status, for [errors.Is]. Each matches every *Error with its Code. They are
// shared values: do not modify them.
var (
	ErrNullArgument       = sentinel(StatusNullArgument)
	ErrInvalidUTF8        = sentinel(StatusInvalidUTF8)
	ErrInvalidArgument    = sentinel(StatusInvalidArgument)
	ErrInvalidKey         = sentinel(StatusInvalidKey)
	ErrInvalidURL         = sentinel(StatusInvalidURL)
	ErrInsecureURL        = sentinel(StatusInsecureURL)
	ErrInvalidHandle      = sentinel(StatusInvalidHandle)
	ErrInvalidCertificate = sentinel(StatusInvalidCertificate)
	ErrSignerFailed       = sentinel(StatusSignerFailed)
	ErrNetwork            = sentinel(StatusNetwork)
	ErrTimeout            = sentinel(StatusTimeout)
	ErrTLS                = sentinel(StatusTLS)
	ErrResponseTooLarge   = sentinel(StatusResponseTooLarge)
	ErrRedirect           = sentinel(StatusRedirect)
	ErrMalformedResponse  = sentinel(StatusMalformedResponse)
	ErrCancelled          = sentinel(StatusCancelled)
	ErrBadRequest         = sentinel(StatusBadRequest)
	ErrUnauthorized       = sentinel(StatusUnauthorized)
	ErrNotFound           = sentinel(StatusNotFound)
	ErrConflict           = sentinel(StatusConflict)
	ErrRateLimited        = sentinel(StatusRateLimited)
	ErrClientError        = sentinel(StatusClientError)
	ErrServerError        = sentinel(StatusServerError)
	ErrLoggedOut          = sentinel(StatusLoggedOut)
	ErrSessionExpired     = sentinel(StatusSessionExpired)
	ErrPanic              = sentinel(StatusPanic)
	ErrInternal           = sentinel(StatusInternal)
)

// closedError is what every method of a closed [*Client] or [*Session] returns: errors.Is(err,
// ErrInvalidHandle) matches it, as it matches a call that raced with Close and was refused by the library.
func closedError(what string) *Error {
	return &Error{Code: StatusInvalidHandle, Message: "the " + what + " is closed"}
}

// inputError is an input error detected on the Go side, before any C call.
func inputError(code Status, argument, why string) *Error {
	return &Error{Code: code, Argument: argument, Message: argument + ": " + why}
}
