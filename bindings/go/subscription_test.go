package sxtauth_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

const testAPIKey = "go-test-api-key-41"

// subscriptionOf is the subscription the server says the session's token is in.
func subscriptionOf(t *testing.T, s *sxtauth.Session) string {
	t.Helper()
	info, err := s.TokenInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.SubscriptionID
}

func TestLoginAPIKeyOverHTTPAndHTTPS(t *testing.T) {
	for _, tls := range []bool{false, true} {
		srv := startServer(t, tls, "--api-key", "goapi:"+testAPIKey)
		c := srv.client(t, sxtauth.WithProxyURL(srv.URL))
		s, err := c.LoginAPIKey(ctx, testAPIKey)
		if err != nil {
			t.Fatalf("tls=%v: LoginAPIKey: %v", tls, err)
		}
		if id, _ := s.UserID(); id != "goapi" {
			t.Fatalf("UserID = %q; want the user validtoken names", id)
		}
		wantErr(t, "RefreshToken of an API-key session", func() error { _, err := s.RefreshToken(); return err }(), sxtauth.ErrNotFound)
		if _, refresh, err := s.Expiries(); err != nil || !refresh.IsZero() {
			t.Fatalf("Expiries: refresh %v, %v; want the zero Time", refresh, err)
		}
		if err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if got := srv.count("POST /auth/apikey -> 200"); got != 2 {
			t.Fatalf("%d API-key sign-ins; want 2 (Refresh signs in again)", got)
		}
		if srv.count("POST /v1/auth/refresh") != 0 {
			t.Fatal("an API-key session refreshed")
		}
		if err := s.Logout(ctx); err != nil {
			t.Fatal(err)
		}
		s.Close()

		e := wantErr(t, "a wrong key", func() error { _, err := c.LoginAPIKey(ctx, "go-wrong-key"); return err }(), sxtauth.ErrUnauthorized)
		if e.HTTPStatus != 401 || e.Detail != "unknown API key" || strings.Contains(e.Error(), "go-wrong-key") {
			t.Fatalf("wrong key: %#v", e)
		}
		for _, bad := range []string{"", "has space", "nul\x00in"} {
			e := wantErr(t, "bad key", func() error { _, err := c.LoginAPIKey(ctx, bad); return err }(), sxtauth.ErrInvalidArgument)
			if e.Argument != "api_key" {
				t.Fatalf("argument %q; want api_key", e.Argument)
			}
		}
	}
	_, err := sxtauth.NewClient("https://api.example", sxtauth.WithProxyURL("http://127.0.0.1:9"))
	if e := wantErr(t, "an http proxy without WithAllowHTTP", err, sxtauth.ErrInsecureURL); e.Argument != "proxy_url" {
		t.Fatalf("argument %q", e.Argument)
	}
}

func TestAnAPIKeySessionSignsInAgainWhenItsTokenExpires(t *testing.T) {
	srv := startServer(t, false, "--api-key", "goapi:"+testAPIKey, "--access-ttl", "2")
	c := srv.client(t, sxtauth.WithProxyURL(srv.URL), sxtauth.WithRefreshMargin(0))
	s, err := c.LoginAPIKey(ctx, testAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first, _ := s.AccessToken(ctx)
	time.Sleep(2100 * time.Millisecond)
	second, err := s.AccessToken(ctx)
	if err != nil || second == first {
		t.Fatalf("after expiry: %v (same token: %v)", err, second == first)
	}
	bare := srv.client(t, sxtauth.WithProxyURL(srv.URL), sxtauth.WithKeepKey(false))
	b, err := bare.LoginAPIKey(ctx, testAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	time.Sleep(2100 * time.Millisecond)
	_, err = b.AccessToken(ctx)
	wantErr(t, "an expired API-key session without the key", err, sxtauth.ErrSessionExpired)
}

func TestInviteAndJoinSubscription(t *testing.T) {
	for _, tls := range []bool{false, true} {
		srv := startServer(t, tls)
		c := srv.client(t)
		_, _, _, owner := register(t, c, "owner")
		_, _, _, member := register(t, c, "member")
		ownerSub := subscriptionOf(t, owner)
		if subscriptionOf(t, member) == ownerSub {
			t.Fatal("a new user starts in a subscription of its own")
		}
		code, err := owner.CreateJoinCode(ctx, sxtauth.RoleAdmin)
		if err != nil || code == "" || json.Valid([]byte(code)) {
			t.Fatalf("CreateJoinCode = %q, %v", code, err)
		}
		before, _ := member.AccessToken(ctx)
		if err := member.JoinSubscription(ctx, code); err != nil {
			t.Fatalf("JoinSubscription: %v", err)
		}
		if after, _ := member.AccessToken(ctx); after == before {
			t.Fatal("the join's new token set was not adopted")
		}
		if got := subscriptionOf(t, member); got != ownerSub {
			t.Fatalf("subscription %s; want the owner's %s", got, ownerSub)
		}
		if _, err := member.CreateJoinCode(ctx, sxtauth.RoleMember); err != nil {
			t.Fatalf("an admin invites members: %v", err)
		}
		_, err = member.CreateJoinCode(ctx, sxtauth.RoleOwner)
		if e := wantErr(t, "an admin inviting an owner", err, sxtauth.ErrUnauthorized); e.HTTPStatus != 403 {
			t.Fatalf("HTTP %d; want 403", e.HTTPStatus)
		}
		_, err = member.CreateJoinCode(ctx, sxtauth.Role(9))
		if e := wantErr(t, "a role out of range", err, sxtauth.ErrInvalidArgument); e.Argument != "role" {
			t.Fatalf("argument %q", e.Argument)
		}
		e := wantErr(t, "a used code", owner.JoinSubscription(ctx, code), sxtauth.ErrBadRequest)
		if e.Detail != "unknown join code, or one already used" {
			t.Fatalf("detail %q", e.Detail)
		}
		if e := wantErr(t, "an empty code", owner.JoinSubscription(ctx, ""), sxtauth.ErrInvalidArgument); e.Argument != "join_code" {
			t.Fatalf("argument %q", e.Argument)
		}
	}
}

func TestAnExpiredJoinCodeIsRefused(t *testing.T) {
	srv := startServer(t, false, "--invite-ttl", "1")
	c := srv.client(t)
	_, _, _, owner := register(t, c, "owner")
	_, _, _, member := register(t, c, "member")
	code, err := owner.CreateJoinCode(ctx, sxtauth.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	e := wantErr(t, "an expired code", member.JoinSubscription(ctx, code), sxtauth.ErrBadRequest)
	if e.Detail != "join code has expired" {
		t.Fatalf("detail %q", e.Detail)
	}
}

func TestARevokedAPIKeyIsRefusedAndItsSessionCannotSignInAgain(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.txt")
	if err := os.WriteFile(file, []byte("# keys\nfileuser:GO-FILE-KEY\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, false, "--api-keys-file", file, "--access-ttl", "2")
	c := srv.client(t, sxtauth.WithProxyURL(srv.URL))
	s, err := c.LoginAPIKey(ctx, "GO-FILE-KEY")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.WriteFile(file, []byte("# none\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50 && srv.count("reloaded 0 API keys") == 0; i++ {
	}
	if srv.count("reloaded 0 API keys") != 1 {
		t.Fatal("the server did not reload its keys")
	}
	_, err = c.LoginAPIKey(ctx, "GO-FILE-KEY")
	if e := wantErr(t, "a revoked key", err, sxtauth.ErrUnauthorized); e.HTTPStatus != 401 || e.Detail != "unknown API key" {
		t.Fatalf("%#v", e)
	}
	time.Sleep(2100 * time.Millisecond)
	_, err = s.AccessToken(ctx)
	if e := wantErr(t, "the revoked key's session signing in again", err, sxtauth.ErrUnauthorized); e.HTTPStatus != 401 {
		t.Fatalf("HTTP %d", e.HTTPStatus)
	}
}
