package sxtauth_test

import (
	"strings"
	"testing"
	"time"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

func near(got, want time.Time, slack time.Duration) bool {
	d := got.Sub(want)
	return d > -slack && d < slack
}

func TestSessionCalls(t *testing.T) {
	c := sharedServer(t).client(t)
	started := time.Now()
	userID, priv, pub, s := register(t, c, "session")

	tok1, err := s.AccessToken(ctx)
	if err != nil || tok1 == "" {
		t.Fatalf("AccessToken = %q, %v", tok1, err)
	}
	if again, err := s.AccessToken(ctx); err != nil || again != tok1 {
		t.Fatalf("a second AccessToken long before expiry changed the token (err %v)", err)
	}
	ref1, err := s.RefreshToken()
	if err != nil || ref1 == "" || ref1 == tok1 {
		t.Fatalf("RefreshToken = %q, %v", ref1, err)
	}
	access, refresh, err := s.Expiries()
	if err != nil {
		t.Fatalf("Expiries: %v", err)
	}
	// The server's defaults: access 25 min, refresh 30 min.
	if !near(access, started.Add(25*time.Minute), 30*time.Second) || !near(refresh, started.Add(30*time.Minute), 30*time.Second) {
		t.Fatalf("Expiries = %v, %v; want about +25 min and +30 min from %v", access, refresh, started)
	}
	if got, err := s.UserID(); err != nil || got != userID {
		t.Fatalf("UserID = %q, %v", got, err)
	}
	info, err := s.TokenInfo(ctx)
	if err != nil {
		t.Fatalf("TokenInfo: %v", err)
	}
	if info.UserID != userID || info.SessionID == "" || info.SubscriptionID == "" || !strings.Contains(string(info.Raw), `"userId"`) {
		t.Fatalf("TokenInfo = %+v", info)
	}

	// Refresh rotates both tokens within the same server session.
	if err := s.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	tok2, _ := s.AccessToken(ctx)
	ref2, _ := s.RefreshToken()
	if tok2 == tok1 || ref2 == ref1 || tok2 == "" || ref2 == "" {
		t.Fatal("Refresh did not rotate the tokens")
	}
	if info2, err := s.TokenInfo(ctx); err != nil || info2.SessionID != info.SessionID {
		t.Fatalf("after Refresh TokenInfo = %+v, %v; want session %s", info2, err, info.SessionID)
	}

	// Keys and AddKey.
	keys, err := s.Keys(ctx)
	if err != nil || len(keys) != 1 || keys[0].Key != pub || keys[0].Scheme != "ed25519" || len(keys[0].Raw) == 0 {
		t.Fatalf("Keys = %+v, %v; want [%s]", keys, err, pub)
	}
	priv2, pub2 := newKey(t)
	if err := s.AddKey(ctx, priv2); err != nil {
		t.Fatalf("AddKey: %v", err)
	}
	keys, err = s.Keys(ctx)
	if err != nil || len(keys) != 2 || keys[0].Key != pub || keys[1].Key != pub2 {
		t.Fatalf("Keys after AddKey = %+v, %v", keys, err)
	}
	s2, err := c.Login(ctx, userID, priv2)
	if err != nil {
		t.Fatalf("Login with the added key: %v", err)
	}
	s2.Close()
	err = s.AddKey(ctx, priv2)
	if e := wantErr(t, "AddKey(already on the keyring)", err, sxtauth.ErrBadRequest); e.HTTPStatus != 400 {
		t.Fatalf("%#v", e)
	}
	err = s.AddKey(ctx, "not a key")
	if e := wantErr(t, "AddKey(bad key)", err, sxtauth.ErrInvalidKey); e.Argument != "new_private_key" && e.Argument != "private_key" {
		t.Fatalf("Argument %q", e.Argument)
	}
	err = s.AddKey(ctx, priv2+"\x00")
	wantErr(t, "AddKey(NUL)", err, sxtauth.ErrInvalidArgument)

	// Logout: every call but UserID and Close reports it.
	if err := s.Logout(ctx); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	_, err = s.AccessToken(ctx)
	wantErr(t, "AccessToken after Logout", err, sxtauth.ErrLoggedOut)
	_, err = s.RefreshToken()
	wantErr(t, "RefreshToken after Logout", err, sxtauth.ErrLoggedOut)
	_, _, err = s.Expiries()
	wantErr(t, "Expiries after Logout", err, sxtauth.ErrLoggedOut)
	_, err = s.TokenInfo(ctx)
	wantErr(t, "TokenInfo after Logout", err, sxtauth.ErrLoggedOut)
	_, err = s.Keys(ctx)
	wantErr(t, "Keys after Logout", err, sxtauth.ErrLoggedOut)
	err = s.AddKey(ctx, priv)
	wantErr(t, "AddKey after Logout", err, sxtauth.ErrLoggedOut)
	err = s.Refresh(ctx)
	wantErr(t, "Refresh after Logout", err, sxtauth.ErrLoggedOut)
	err = s.Logout(ctx)
	wantErr(t, "second Logout", err, sxtauth.ErrLoggedOut)
	if got, err := s.UserID(); err != nil || got != userID {
		t.Fatalf("UserID after Logout = %q, %v", got, err)
	}

	// Close: every call reports the closed handle; Close is idempotent.
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s.Close()
	checkClosedSession(t, s, priv)
	var nilSession *sxtauth.Session
	checkClosedSession(t, nilSession, priv)
	if nilSession.Close() != nil {
		t.Fatal("nil session Close")
	}
}

func checkClosedSession(t *testing.T, s *sxtauth.Session, priv string) {
	t.Helper()
	_, err := s.AccessToken(ctx)
	wantErr(t, "AccessToken after Close", err, sxtauth.ErrInvalidHandle)
	_, err = s.RefreshToken()
	wantErr(t, "RefreshToken after Close", err, sxtauth.ErrInvalidHandle)
	_, _, err = s.Expiries()
	wantErr(t, "Expiries after Close", err, sxtauth.ErrInvalidHandle)
	_, err = s.UserID()
	wantErr(t, "UserID after Close", err, sxtauth.ErrInvalidHandle)
	_, err = s.TokenInfo(ctx)
	wantErr(t, "TokenInfo after Close", err, sxtauth.ErrInvalidHandle)
	_, err = s.Keys(ctx)
	wantErr(t, "Keys after Close", err, sxtauth.ErrInvalidHandle)
	wantErr(t, "AddKey after Close", s.AddKey(ctx, priv), sxtauth.ErrInvalidHandle)
	wantErr(t, "Refresh after Close", s.Refresh(ctx), sxtauth.ErrInvalidHandle)
	wantErr(t, "Logout after Close", s.Logout(ctx), sxtauth.ErrInvalidHandle)
}

func TestLogoutEndsOtherSessionsWhichSignInAgain(t *testing.T) {
	c := sharedServer(t).client(t)
	userID, priv, _, a := register(t, c, "logoutall")
	b, err := c.Login(ctx, userID, priv)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	before, err := b.TokenInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(ctx); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	// b's tokens died with the logout; its refresh is refused and it signs in again with its key.
	if err := b.Refresh(ctx); err != nil {
		t.Fatalf("Refresh after another session's Logout: %v", err)
	}
	after, err := b.TokenInfo(ctx)
	if err != nil || after.SessionID == before.SessionID {
		t.Fatalf("TokenInfo = %+v, %v; want a new session (was %s)", after, err, before.SessionID)
	}
}

// sleepUntil sleeps until t plus a little slack.
func sleepUntil(t time.Time) {
	time.Sleep(time.Until(t) + 400*time.Millisecond)
}

func TestExpiredAccessTokenRefreshesItself(t *testing.T) {
	if testing.Short() {
		t.Skip("sleeps for token lifetimes; run without -short")
	}
	t.Parallel()
	srv := startServer(t, false, "--access-ttl", "3")
	c := srv.client(t, sxtauth.WithRefreshMargin(0))
	_, _, _, s := register(t, c, "expiry")
	tok1, _ := s.AccessToken(ctx)
	info1, err := s.TokenInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	access, _, err := s.Expiries()
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(access); d > 3500*time.Millisecond || d < 1*time.Second {
		t.Fatalf("access token expires in %v, want about 3 s", d)
	}
	sleepUntil(access)
	tok2, err := s.AccessToken(ctx)
	if err != nil || tok2 == tok1 {
		t.Fatalf("AccessToken after expiry: changed=%v, %v", tok2 != tok1, err)
	}
	info2, err := s.TokenInfo(ctx)
	if err != nil || info2.SessionID != info1.SessionID {
		t.Fatalf("TokenInfo after the refresh = %+v, %v; want the same session %s", info2, err, info1.SessionID)
	}

	// The default refresh margin (60 s) is clamped to half the token's lifetime: a token is renewed once
	// half its life has passed, before it expires.
	c2 := srv.client(t)
	_, _, _, s2 := register(t, c2, "margin")
	tokA, _ := s2.AccessToken(ctx)
	accessA, _, _ := s2.Expiries()
	time.Sleep(time.Until(accessA.Add(-1500*time.Millisecond)) + 300*time.Millisecond)
	tokB, err := s2.AccessToken(ctx)
	if err != nil || tokB == tokA {
		t.Fatalf("AccessToken past half the lifetime: changed=%v, %v", tokB != tokA, err)
	}
}

func TestSignsInAgainAfterRefreshTokenExpires(t *testing.T) {
	if testing.Short() {
		t.Skip("sleeps for token lifetimes; run without -short")
	}
	t.Parallel()
	srv := startServer(t, false, "--access-ttl", "1", "--refresh-ttl", "2")
	c := srv.client(t, sxtauth.WithRefreshMargin(0))
	userID, priv, _, s := register(t, c, "relogin")
	info1, err := s.TokenInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	noKey := srv.client(t, sxtauth.WithRefreshMargin(0), sxtauth.WithKeepKey(false))
	s2, err := noKey.Login(ctx, userID, priv)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	_, refresh, err := s.Expiries()
	if err != nil {
		t.Fatal(err)
	}
	_, refresh2, _ := s2.Expiries()
	if refresh2.After(refresh) {
		refresh = refresh2
	}
	sleepUntil(refresh)

	tok, err := s.AccessToken(ctx)
	if err != nil || tok == "" {
		t.Fatalf("AccessToken after the refresh token expired: %v", err)
	}
	info2, err := s.TokenInfo(ctx)
	if err != nil || info2.SessionID == info1.SessionID || info2.UserID != userID {
		t.Fatalf("TokenInfo = %+v, %v; want a new session for %s (was %s)", info2, err, userID, info1.SessionID)
	}

	// Without the key, the session cannot sign in again.
	_, err = s2.AccessToken(ctx)
	wantErr(t, "AccessToken of a key-less session after its refresh token expired", err, sxtauth.ErrSessionExpired)
}
