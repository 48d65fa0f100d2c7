package sxtauth_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

// allStatuses pairs every Status constant and sentinel with the name the C header gives it.
var allStatuses = []struct {
	s        sxtauth.Status
	name     string
	sentinel *sxtauth.Error
}{
	{sxtauth.StatusOK, "OK", nil},
	{sxtauth.StatusNullArgument, "NULL_ARGUMENT", sxtauth.ErrNullArgument},
	{sxtauth.StatusInvalidUTF8, "INVALID_UTF8", sxtauth.ErrInvalidUTF8},
	{sxtauth.StatusInvalidArgument, "INVALID_ARGUMENT", sxtauth.ErrInvalidArgument},
	{sxtauth.StatusInvalidKey, "INVALID_KEY", sxtauth.ErrInvalidKey},
	{sxtauth.StatusInvalidURL, "INVALID_URL", sxtauth.ErrInvalidURL},
	{sxtauth.StatusInsecureURL, "INSECURE_URL", sxtauth.ErrInsecureURL},
	{sxtauth.StatusInvalidHandle, "INVALID_HANDLE", sxtauth.ErrInvalidHandle},
	{sxtauth.StatusInvalidCertificate, "INVALID_CERTIFICATE", sxtauth.ErrInvalidCertificate},
	{sxtauth.StatusSignerFailed, "SIGNER_FAILED", sxtauth.ErrSignerFailed},
	{sxtauth.StatusNetwork, "NETWORK", sxtauth.ErrNetwork},
	{sxtauth.StatusTimeout, "TIMEOUT", sxtauth.ErrTimeout},
	{sxtauth.StatusTLS, "TLS", sxtauth.ErrTLS},
	{sxtauth.StatusResponseTooLarge, "RESPONSE_TOO_LARGE", sxtauth.ErrResponseTooLarge},
	{sxtauth.StatusRedirect, "REDIRECT", sxtauth.ErrRedirect},
	{sxtauth.StatusMalformedResponse, "MALFORMED_RESPONSE", sxtauth.ErrMalformedResponse},
	{sxtauth.StatusCancelled, "CANCELLED", sxtauth.ErrCancelled},
	{sxtauth.StatusBadRequest, "BAD_REQUEST", sxtauth.ErrBadRequest},
	{sxtauth.StatusUnauthorized, "UNAUTHORIZED", sxtauth.ErrUnauthorized},
	{sxtauth.StatusNotFound, "NOT_FOUND", sxtauth.ErrNotFound},
	{sxtauth.StatusConflict, "CONFLICT", sxtauth.ErrConflict},
	{sxtauth.StatusRateLimited, "RATE_LIMITED", sxtauth.ErrRateLimited},
	{sxtauth.StatusClientError, "CLIENT_ERROR", sxtauth.ErrClientError},
	{sxtauth.StatusServerError, "SERVER_ERROR", sxtauth.ErrServerError},
	{sxtauth.StatusLoggedOut, "LOGGED_OUT", sxtauth.ErrLoggedOut},
	{sxtauth.StatusSessionExpired, "SESSION_EXPIRED", sxtauth.ErrSessionExpired},
	{sxtauth.StatusPanic, "PANIC", sxtauth.ErrPanic},
	{sxtauth.StatusInternal, "INTERNAL", sxtauth.ErrInternal},
}

func TestStatusesMirrorTheLibrary(t *testing.T) {
	known := map[sxtauth.Status]bool{}
	for _, c := range allStatuses {
		known[c.s] = true
		if got := c.s.String(); got != "SXT_STATUS_"+c.name {
			t.Errorf("Status(%d).String() = %q, want SXT_STATUS_%s", int(c.s), got, c.name)
		}
		if d := c.s.Description(); d == "" || d == "unknown status" {
			t.Errorf("Status(%d).Description() = %q", int(c.s), d)
		}
		if c.sentinel != nil && (c.sentinel.Code != c.s || c.sentinel.Message != c.s.Description()) {
			t.Errorf("sentinel for %s: %#v", c.name, c.sentinel)
		}
	}
	// Every status the library knows has a Go constant (catches a code added to the header only).
	for n := 0; n < 1000; n++ {
		s := sxtauth.Status(n)
		if s.String() != "SXT_STATUS_UNKNOWN" && !known[s] {
			t.Errorf("the library knows status %d (%s), the Go package has no constant for it", n, s)
		}
	}
	if got := sxtauth.Status(12345).String(); got != "SXT_STATUS_UNKNOWN" {
		t.Errorf("unknown status name %q", got)
	}
}

func TestErrorIsAndAs(t *testing.T) {
	_, err := sxtauth.PublicKey("nope")
	wrapped := fmt.Errorf("loading the key: %w", err)
	if !errors.Is(wrapped, sxtauth.ErrInvalidKey) {
		t.Fatal("errors.Is does not see ErrInvalidKey through a wrapper")
	}
	for _, c := range allStatuses {
		if c.sentinel != nil && c.s != sxtauth.StatusInvalidKey && errors.Is(wrapped, c.sentinel) {
			t.Errorf("errors.Is(invalid-key error, %s) = true", c.name)
		}
	}
	var e *sxtauth.Error
	if !errors.As(wrapped, &e) {
		t.Fatal("errors.As finds no *Error")
	}
	if e.Code != sxtauth.StatusInvalidKey || e.HTTPStatus != 0 || e.Argument != "private_key" || e.Message == "" {
		t.Fatalf("details: %#v", e)
	}
	if !strings.HasPrefix(e.Error(), "sxtauth: ") || !strings.Contains(e.Error(), "SXT_STATUS_INVALID_KEY") {
		t.Fatalf("Error() = %q", e.Error())
	}
	if e.Timeout() || !(&sxtauth.Error{Code: sxtauth.StatusTimeout}).Timeout() {
		t.Fatal("Timeout() is wrong")
	}
	if errors.Is(err, errors.New("other")) {
		t.Fatal("errors.Is matches a foreign error")
	}
	var nilErr *sxtauth.Error
	if nilErr.Is(sxtauth.ErrInvalidKey) || nilErr.Error() == "" {
		t.Fatal("nil *Error misbehaves")
	}
}

func TestMalformedReplies(t *testing.T) {
	info, err := sxtauth.ParseTokenInfo(`{"userId":"u","subscriptionId":"s","sessionId":"x","restricted":true,"quotaExceeded":false,"trial":true,"extra":[1]}`)
	if err != nil || info.UserID != "u" || info.SubscriptionID != "s" || info.SessionID != "x" || !info.Restricted || info.QuotaExceeded || !info.Trial || !strings.Contains(string(info.Raw), `"extra"`) {
		t.Fatalf("ParseTokenInfo = %#v, %v", info, err)
	}
	_, err = sxtauth.ParseTokenInfo(`{"userId":7}`)
	wantErr(t, "ParseTokenInfo(wrong type)", err, sxtauth.ErrMalformedResponse)
	keys, err := sxtauth.ParseKeys(`[{"key":"k1","scheme":"ed25519","created":1},{"key":"k2"}]`)
	if err != nil || len(keys) != 2 || keys[0].Key != "k1" || keys[0].Scheme != "ed25519" || keys[1].Key != "k2" || !strings.Contains(string(keys[0].Raw), `"created":1`) {
		t.Fatalf("ParseKeys = %#v, %v", keys, err)
	}
	for _, bad := range []string{`{}`, `[1]`, `["k"]`, `[`} {
		_, err = sxtauth.ParseKeys(bad)
		wantErr(t, "ParseKeys("+bad+")", err, sxtauth.ErrMalformedResponse)
	}
}
