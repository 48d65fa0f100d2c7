package sxtauth_test

import (
	"net"
	"strings"
	"testing"
	"time"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

func TestNewClientOptionsAndBaseURL(t *testing.T) {
	srv := sharedServer(t)
	c, err := sxtauth.NewClient(srv.URL+"/v1/",
		sxtauth.WithAllowHTTP(),
		sxtauth.WithTimeout(5*time.Second),
		sxtauth.WithConnectTimeout(2*time.Second),
		sxtauth.WithReadTimeout(3*time.Second+time.Microsecond), // rounded up to whole milliseconds
		sxtauth.WithRefreshMargin(0),
		sxtauth.WithUserAgent("sxtauth-go-test/1.0"),
		sxtauth.WithKeepKey(true),
		nil, // ignored
	)
	if err != nil {
		t.Fatalf("NewClient with every option: %v", err)
	}
	defer c.Close()
	if got := c.BaseURL(); got != srv.URL {
		t.Fatalf("BaseURL() = %q, want %q (normalised)", got, srv.URL)
	}
	if exists, err := c.UserExists(ctx, newUserID("nobody")); err != nil || exists {
		t.Fatalf("UserExists(new id) = %v, %v", exists, err)
	}
}

func TestNewClientRefusals(t *testing.T) {
	before := sxtauth.LiveObjects()
	srv := sharedServer(t)
	cases := []struct {
		name string
		url  string
		opts []sxtauth.Option
		want *sxtauth.Error
		arg  string
	}{
		{"http without WithAllowHTTP", srv.URL, nil, sxtauth.ErrInsecureURL, ""},
		{"not a URL", "::not a url::", nil, sxtauth.ErrInvalidURL, "base_url"},
		{"empty URL", "", nil, sxtauth.ErrInvalidURL, "base_url"},
		{"ftp URL", "ftp://127.0.0.1", nil, sxtauth.ErrInvalidURL, "base_url"},
		{"NUL in URL", "https://a\x00b", nil, sxtauth.ErrInvalidArgument, "base_url"},
		{"zero timeout", srv.URL, []sxtauth.Option{sxtauth.WithAllowHTTP(), sxtauth.WithTimeout(0)}, sxtauth.ErrInvalidArgument, ""},
		{"negative timeout", srv.URL, []sxtauth.Option{sxtauth.WithTimeout(-time.Second)}, sxtauth.ErrInvalidArgument, "timeout_ms"},
		{"huge timeout", srv.URL, []sxtauth.Option{sxtauth.WithTimeout(1 << 62)}, sxtauth.ErrInvalidArgument, "timeout_ms"},
		{"timeout over 24 h", srv.URL, []sxtauth.Option{sxtauth.WithAllowHTTP(), sxtauth.WithTimeout(24*time.Hour + time.Millisecond)}, sxtauth.ErrInvalidArgument, "timeout_ms"},
		{"refresh margin over 24 h", srv.URL, []sxtauth.Option{sxtauth.WithAllowHTTP(), sxtauth.WithRefreshMargin(25 * time.Hour)}, sxtauth.ErrInvalidArgument, "refresh_margin_ms"},
		{"zero connect timeout", srv.URL, []sxtauth.Option{sxtauth.WithConnectTimeout(0)}, sxtauth.ErrInvalidArgument, ""},
		{"negative connect timeout", srv.URL, []sxtauth.Option{sxtauth.WithConnectTimeout(-1)}, sxtauth.ErrInvalidArgument, "connect_timeout_ms"},
		{"zero read timeout", srv.URL, []sxtauth.Option{sxtauth.WithReadTimeout(0)}, sxtauth.ErrInvalidArgument, ""},
		{"negative read timeout", srv.URL, []sxtauth.Option{sxtauth.WithReadTimeout(-1)}, sxtauth.ErrInvalidArgument, "read_timeout_ms"},
		{"negative refresh margin", srv.URL, []sxtauth.Option{sxtauth.WithRefreshMargin(-1)}, sxtauth.ErrInvalidArgument, "refresh_margin_ms"},
		{"empty user agent", srv.URL, []sxtauth.Option{sxtauth.WithUserAgent("")}, sxtauth.ErrInvalidArgument, ""},
		{"control character in user agent", srv.URL, []sxtauth.Option{sxtauth.WithUserAgent("a\nb")}, sxtauth.ErrInvalidArgument, ""},
		{"overlong user agent", srv.URL, []sxtauth.Option{sxtauth.WithUserAgent(strings.Repeat("a", 257))}, sxtauth.ErrInvalidArgument, ""},
		{"garbage CA", srv.URL, []sxtauth.Option{sxtauth.WithCAPEM([]byte("not a certificate"))}, sxtauth.ErrInvalidCertificate, ""},
		{"empty CA", srv.URL, []sxtauth.Option{sxtauth.WithAllowHTTP(), sxtauth.WithCAPEM(nil)}, sxtauth.ErrInvalidCertificate, ""},
		{"NUL in CA", srv.URL, []sxtauth.Option{sxtauth.WithAllowHTTP(), sxtauth.WithCAPEM([]byte("a\x00b"))}, sxtauth.ErrInvalidArgument, "pem"},
		{"NUL in user agent", srv.URL, []sxtauth.Option{sxtauth.WithAllowHTTP(), sxtauth.WithUserAgent("a\x00b")}, sxtauth.ErrInvalidArgument, "user_agent"},
	}
	for _, tc := range cases {
		c, err := sxtauth.NewClient(tc.url, tc.opts...)
		if c != nil {
			c.Close()
			t.Errorf("%s: got a client", tc.name)
			continue
		}
		e := wantErr(t, tc.name, err, tc.want)
		if tc.arg != "" && e.Argument != tc.arg {
			t.Errorf("%s: Argument %q, want %q", tc.name, e.Argument, tc.arg)
		}
	}
	if after := sxtauth.LiveObjects(); after != before {
		t.Fatalf("sxt_live_objects %d -> %d after refused NewClient calls", before, after)
	}
}

func TestUserExistsAndInputErrors(t *testing.T) {
	c := sharedServer(t).client(t)
	userID, _, _, _ := register(t, c, "exists")
	if exists, err := c.UserExists(ctx, userID); err != nil || !exists {
		t.Fatalf("UserExists(registered) = %v, %v", exists, err)
	}
	if exists, err := c.UserExists(ctx, userID+"-not"); err != nil || exists {
		t.Fatalf("UserExists(unknown) = %v, %v", exists, err)
	}
	for _, bad := range []string{"", strings.Repeat("u", 300), "a\x01b"} {
		_, err := c.UserExists(ctx, bad)
		if e := wantErr(t, "UserExists(bad id)", err, sxtauth.ErrInvalidArgument); e.Argument != "user_id" {
			t.Errorf("UserExists(%q): Argument %q", bad, e.Argument)
		}
	}
	_, err := c.UserExists(ctx, "a\x00b")
	if e := wantErr(t, "UserExists(NUL)", err, sxtauth.ErrInvalidArgument); e.Argument != "user_id" {
		t.Fatalf("Argument %q", e.Argument)
	}
	_, err = c.UserExists(ctx, "\xff")
	wantErr(t, "UserExists(invalid UTF-8)", err, sxtauth.ErrInvalidUTF8)
	// The server's own refusal (a userId with a space), with its RFC 7807 title and detail.
	_, err = c.UserExists(ctx, "has space")
	e := wantErr(t, "UserExists(space)", err, sxtauth.ErrBadRequest)
	if e.HTTPStatus != 400 || e.Title == "" || e.Detail == "" {
		t.Fatalf("server refusal details: %#v", e)
	}
}

func TestLoginAndRegister(t *testing.T) {
	c := sharedServer(t).client(t)
	userID, priv, pub, s := register(t, c, "login")
	if got, err := s.UserID(); err != nil || got != userID {
		t.Fatalf("UserID() = %q, %v", got, err)
	}

	s2, err := c.Login(ctx, userID, priv)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	defer s2.Close()
	if tok, err := s2.AccessToken(ctx); err != nil || tok == "" {
		t.Fatalf("AccessToken after Login = %q, %v", tok, err)
	}

	// Register again with the same key: a plain sign-in.
	s3, err := c.Register(ctx, userID, priv, "")
	if err != nil {
		t.Fatalf("Register(existing user, same key): %v", err)
	}
	s3.Close()

	// Unknown user: the library's own check, before any sign-in.
	_, err = c.Login(ctx, newUserID("unknown"), priv)
	if e := wantErr(t, "Login(unknown user)", err, sxtauth.ErrNotFound); e.Argument != "user_id" {
		t.Fatalf("Login(unknown user): %#v", e)
	}

	// Wrong key: the server refuses the signature; the message never shows the key.
	other, _ := newKey(t)
	_, err = c.Login(ctx, userID, other)
	e := wantErr(t, "Login(wrong key)", err, sxtauth.ErrBadRequest)
	if e.HTTPStatus != 400 || e.Title == "" || e.Detail == "" {
		t.Fatalf("Login(wrong key) details: %#v", e)
	}
	if strings.Contains(err.Error(), other) || strings.Contains(err.Error(), priv) {
		t.Fatalf("error message shows a key: %q", err.Error())
	}

	// Duplicate registration with another key.
	_, err = c.Register(ctx, userID, other, "")
	if e := wantErr(t, "Register(duplicate user, other key)", err, sxtauth.ErrBadRequest); e.HTTPStatus != 400 {
		t.Fatalf("duplicate registration: %#v", e)
	}

	// Bad keys and arguments.
	_, err = c.Login(ctx, userID, "not a key")
	wantErr(t, "Login(bad key)", err, sxtauth.ErrInvalidKey)
	_, err = c.Register(ctx, newUserID("badkey"), "AAAA", "")
	wantErr(t, "Register(bad key)", err, sxtauth.ErrInvalidKey)
	_, err = c.Login(ctx, "", priv)
	wantErr(t, "Login(empty user)", err, sxtauth.ErrInvalidArgument)
	_, err = c.Login(ctx, userID, priv+"\x00")
	if e := wantErr(t, "Login(NUL in key)", err, sxtauth.ErrInvalidArgument); e.Argument != "private_key" {
		t.Fatalf("Argument %q", e.Argument)
	}
	_, err = c.Register(ctx, newUserID("nul"), priv, "a\x00b")
	if e := wantErr(t, "Register(NUL in join code)", err, sxtauth.ErrInvalidArgument); e.Argument != "join_code" {
		t.Fatalf("Argument %q", e.Argument)
	}

	// RegisterWithEmail.
	emailUser := newUserID("email")
	priv2, pub2 := newKey(t)
	s4, err := c.RegisterWithEmail(ctx, emailUser, priv2, "someone@example.com", "")
	if err != nil {
		t.Fatalf("RegisterWithEmail: %v", err)
	}
	defer s4.Close()
	keys, err := s4.Keys(ctx)
	if err != nil || len(keys) != 1 || keys[0].Key != pub2 {
		t.Fatalf("Keys() of the e-mail user = %#v, %v; want [%s]", keys, err, pub2)
	}
	_, err = c.RegisterWithEmail(ctx, newUserID("bademail"), priv2, "not-an-address", "")
	wantErr(t, "RegisterWithEmail(bad address)", err, sxtauth.ErrBadRequest)
	_, err = c.RegisterWithEmail(ctx, newUserID("nulemail"), priv2, "a\x00@b", "")
	if e := wantErr(t, "RegisterWithEmail(NUL)", err, sxtauth.ErrInvalidArgument); e.Argument != "email" {
		t.Fatalf("Argument %q", e.Argument)
	}
	_ = pub
}

func TestJoinCodes(t *testing.T) {
	srv := startServer(t, false, "--join-code", "ORG-ONE", "--join-code", "ORG-TWO", "--require-join-code")
	c := srv.client(t)
	priv, _ := newKey(t)

	_, err := c.Register(ctx, newUserID("nocode"), priv, "")
	if e := wantErr(t, "Register without the required join code", err, sxtauth.ErrNotFound); e.HTTPStatus != 404 || e.Detail == "" {
		t.Fatalf("missing join code: %#v", e)
	}
	_, err = c.Register(ctx, newUserID("badcode"), priv, "NOPE")
	if e := wantErr(t, "Register with an unknown join code", err, sxtauth.ErrBadRequest); e.HTTPStatus != 400 || e.Title == "" {
		t.Fatalf("unknown join code: %#v", e)
	}
	_, err = c.RegisterWithEmail(ctx, newUserID("bademailcode"), priv, "x@example.com", "NOPE")
	wantErr(t, "RegisterWithEmail with an unknown join code", err, sxtauth.ErrBadRequest)

	a, err := c.Register(ctx, newUserID("code-a"), priv, "ORG-ONE")
	if err != nil {
		t.Fatalf("Register with a join code: %v", err)
	}
	defer a.Close()
	privB, _ := newKey(t)
	b, err := c.RegisterWithEmail(ctx, newUserID("code-b"), privB, "b@example.com", "ORG-ONE")
	if err != nil {
		t.Fatalf("RegisterWithEmail with a join code: %v", err)
	}
	defer b.Close()
	privC, _ := newKey(t)
	cs, err := c.Register(ctx, newUserID("code-c"), privC, "ORG-TWO")
	if err != nil {
		t.Fatalf("Register with the second join code: %v", err)
	}
	defer cs.Close()
	ia, errA := a.TokenInfo(ctx)
	ib, errB := b.TokenInfo(ctx)
	ic, errC := cs.TokenInfo(ctx)
	if errA != nil || errB != nil || errC != nil {
		t.Fatalf("TokenInfo: %v %v %v", errA, errB, errC)
	}
	if ia.SubscriptionID == "" || ia.SubscriptionID != ib.SubscriptionID || ia.SubscriptionID == ic.SubscriptionID {
		t.Fatalf("subscriptions: ORG-ONE %q and %q, ORG-TWO %q; want the first two equal, the third different",
			ia.SubscriptionID, ib.SubscriptionID, ic.SubscriptionID)
	}
}

func TestTLS(t *testing.T) {
	srv := startServer(t, true)
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("--tls server URL %q", srv.URL)
	}
	// Without the CA: the handshake fails (the certificate is not trusted).
	plain, err := sxtauth.NewClient(srv.URL, sxtauth.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("NewClient(https): %v", err)
	}
	defer plain.Close()
	_, err = plain.UserExists(ctx, "anyone")
	wantErr(t, "UserExists over TLS without the CA", err, sxtauth.ErrTLS)

	// With the CA: everything works.
	c := srv.client(t)
	userID, priv, _, s := register(t, c, "tls")
	if exists, err := c.UserExists(ctx, userID); err != nil || !exists {
		t.Fatalf("UserExists over TLS = %v, %v", exists, err)
	}
	s2, err := c.Login(ctx, userID, priv)
	if err != nil {
		t.Fatalf("Login over TLS: %v", err)
	}
	defer s2.Close()
	if err := s.Refresh(ctx); err != nil {
		t.Fatalf("Refresh over TLS: %v", err)
	}
	if _, err := s2.TokenInfo(ctx); err != nil {
		t.Fatalf("TokenInfo over TLS: %v", err)
	}
}

func TestTransportFailures(t *testing.T) {
	// Connection refused: a port that was just free.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedURL := "http://" + l.Addr().String()
	l.Close()
	c, err := sxtauth.NewClient(refusedURL, sxtauth.WithAllowHTTP(), sxtauth.WithConnectTimeout(2*time.Second))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	_, err = c.UserExists(ctx, "anyone")
	if e := wantErr(t, "UserExists(refused)", err, sxtauth.ErrNetwork); e.HTTPStatus != 0 {
		t.Fatalf("HTTPStatus %d for a transport error", e.HTTPStatus)
	}

	// A server that accepts and never answers: the read timeout fires.
	tarpit, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tarpit.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			conn, err := tarpit.Accept()
			if err != nil {
				return
			}
			held = append(held, conn)
		}
	}()
	slow, err := sxtauth.NewClient("http://"+tarpit.Addr().String(), sxtauth.WithAllowHTTP(),
		sxtauth.WithReadTimeout(300*time.Millisecond), sxtauth.WithTimeout(2*time.Second))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer slow.Close()
	start := time.Now()
	_, err = slow.UserExists(ctx, "anyone")
	e := wantErr(t, "UserExists(stalled server)", err, sxtauth.ErrTimeout)
	if !e.Timeout() {
		t.Fatal("Timeout() false for a timeout")
	}
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Fatalf("the timeout took %v", d)
	}
}

func TestClosedClient(t *testing.T) {
	srv := sharedServer(t)
	c, err := sxtauth.NewClient(srv.URL, sxtauth.WithAllowHTTP())
	if err != nil {
		t.Fatal(err)
	}
	userID, priv, _, s := register(t, c, "closedclient")
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if c.BaseURL() != srv.URL {
		t.Fatalf("BaseURL after Close = %q", c.BaseURL())
	}
	_, err = c.UserExists(ctx, userID)
	wantErr(t, "UserExists after Close", err, sxtauth.ErrInvalidHandle)
	_, err = c.Login(ctx, userID, priv)
	wantErr(t, "Login after Close", err, sxtauth.ErrInvalidHandle)
	_, err = c.Register(ctx, newUserID("x"), priv, "")
	wantErr(t, "Register after Close", err, sxtauth.ErrInvalidHandle)
	_, err = c.RegisterWithEmail(ctx, newUserID("x"), priv, "a@b.c", "")
	wantErr(t, "RegisterWithEmail after Close", err, sxtauth.ErrInvalidHandle)
	// Sessions outlive their client.
	if err := s.Refresh(ctx); err != nil {
		t.Fatalf("Refresh of a session whose client is closed: %v", err)
	}
	if _, err := s.TokenInfo(ctx); err != nil {
		t.Fatalf("TokenInfo of a session whose client is closed: %v", err)
	}

	var nilClient *sxtauth.Client
	_, err = nilClient.UserExists(ctx, "x")
	wantErr(t, "nil client", err, sxtauth.ErrInvalidHandle)
	if nilClient.Close() != nil || nilClient.BaseURL() != "" {
		t.Fatal("nil client Close/BaseURL")
	}
}
