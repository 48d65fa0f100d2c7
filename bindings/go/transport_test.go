package sxtauth_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// validToken sends GET /v1/auth/validtoken through client (an application's request to an SxT API).
func validToken(t *testing.T, client *http.Client, base string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/v1/auth/validtoken", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET validtoken: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestRoundTripperAuthorizesAndRetriesOnceAfterARevokedToken(t *testing.T) {
	srv := startServer(t, false)
	c := srv.client(t)
	userID, priv, _, s := register(t, c, "roundtrip")
	other, err := c.Login(ctx, userID, priv)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	value, err := s.Authorization(ctx)
	token, _ := s.AccessToken(ctx)
	if err != nil || value != "Bearer "+token {
		t.Fatalf("Authorization = %q, %v; want Bearer + the access token", value, err)
	}
	client := &http.Client{Transport: s.RoundTripper(nil)}
	if resp := validToken(t, client, srv.URL); resp.StatusCode != http.StatusOK {
		t.Fatalf("through the RoundTripper: %d", resp.StatusCode)
	}

	// A logout elsewhere revokes the token: the API answers 401, the RoundTripper renews once and retries.
	if err := other.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	before := srv.count("GET /v1/auth/validtoken -> 401")
	signIns := srv.count("POST /v1/auth/token -> 200")
	if resp := validToken(t, client, srv.URL); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the revocation: %d; want 200 after one renewal and retry", resp.StatusCode)
	}
	if got := srv.count("GET /v1/auth/validtoken -> 401"); got != before+1 {
		t.Fatalf("%d refused requests; want one", got-before)
	}
	if got := srv.count("POST /v1/auth/token -> 200"); got != signIns+1 {
		t.Fatalf("%d sign-ins; want one renewal", got-signIns)
	}

	// A body that cannot be sent again is not retried: the 401 comes back as it came.
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	third, _ := c.Login(ctx, userID, priv)
	defer third.Close()
	if err := third.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/auth/validtoken", io.NopCloser(strings.NewReader("x")))
	req.GetBody = nil
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a request that cannot be replayed: %d; want its 401", resp.StatusCode)
	}

	// A token the session does not hold renews nothing.
	if err := s.TokenRejected(ctx, "not-a-token-of-this-session"); err != nil {
		t.Fatal(err)
	}
	if err := s.TokenRejected(ctx, "a\x00b"); err == nil {
		t.Fatal("a NUL byte was accepted")
	}
}
