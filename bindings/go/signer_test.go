package sxtauth_test

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

// keySigner signs with a key the test holds (through sxtauth.Sign: the same Ed25519 the library uses).
func keySigner(private string, calls *atomic.Int32) sxtauth.SignerFunc {
	return func(message []byte) (string, error) {
		calls.Add(1)
		return sxtauth.Sign(private, string(message))
	}
}

func TestSignersSignInAndSignInAgainOverHTTPAndHTTPS(t *testing.T) {
	for _, tls := range []bool{false, true} {
		srv := startServer(t, tls, "--access-ttl", "1", "--refresh-ttl", "2")
		c := srv.client(t, sxtauth.WithRefreshMargin(0), sxtauth.WithKeepKey(false))
		private, public := newKey(t)
		var calls atomic.Int32
		key, err := sxtauth.NewExternalKey(public, "", keySigner(private, &calls))
		if err != nil {
			t.Fatal(err)
		}
		userID := newUserID("signer")
		reg, err := c.RegisterWithSigner(ctx, userID, key, "", "")
		if err != nil {
			t.Fatalf("tls=%v: RegisterWithSigner: %v", tls, err)
		}
		defer reg.Close()
		s, err := c.LoginWithSigner(ctx, userID, key)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		otherPrivate, otherPublic := newKey(t)
		var otherCalls atomic.Int32
		second, err := sxtauth.NewExternalKey(otherPublic, "", keySigner(otherPrivate, &otherCalls))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddKeyWithSigner(ctx, second); err != nil {
			t.Fatal(err)
		}
		second.Close()
		key.Close() // the sessions keep the signer
		time.Sleep(2200 * time.Millisecond)
		if _, err := s.AccessToken(ctx); err != nil {
			t.Fatalf("after the chain ended: %v", err)
		}
		if calls.Load() != 3 || otherCalls.Load() != 1 {
			t.Fatalf("signer calls %d, %d; want 3 (register, login, sign-in again) and 1", calls.Load(), otherCalls.Load())
		}
	}
}

func TestFailingPanickingAndWrongSignersSendNothing(t *testing.T) {
	srv := startServer(t, false)
	c := srv.client(t)
	private, public := newKey(t)
	var calls atomic.Int32
	good, _ := sxtauth.NewExternalKey(public, "", keySigner(private, &calls))
	defer good.Close()
	userID := newUserID("bad")
	s, err := c.RegisterWithSigner(ctx, userID, good, "", "")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	tokens := srv.count("POST /v1/auth/token")
	otherPrivate, _ := newKey(t)
	cases := []struct {
		signer sxtauth.SignerFunc
		want   string
	}{
		{func([]byte) (string, error) { return "", errors.New("declined on the device") }, "declined on the device"},
		{func([]byte) (string, error) { panic("the HSM driver crashed") }, "the signer panicked: the HSM driver crashed"},
		{func([]byte) (string, error) { return "zz", nil }, "128 lowercase hex"},
		{func(m []byte) (string, error) { return sxtauth.Sign(otherPrivate, string(m)) }, "does not verify"},
	}
	for _, tc := range cases {
		key, err := sxtauth.NewExternalKey(public, "", tc.signer)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.LoginWithSigner(ctx, userID, key)
		e := wantErr(t, "a bad signer", err, sxtauth.ErrSignerFailed)
		if !strings.Contains(e.Message, tc.want) {
			t.Fatalf("message %q; want %q in it", e.Message, tc.want)
		}
		key.Close()
	}
	if srv.count("POST /v1/auth/token") != tokens {
		t.Fatal("something was sent with a bad signature")
	}
	if _, err := sxtauth.NewExternalKey("not a key", "", good2()); err == nil {
		t.Fatal("a bad public key was accepted")
	}
	if _, err := sxtauth.NewExternalKey(public, "", nil); err == nil {
		t.Fatal("a nil signer was accepted")
	}
	wallet, err := sxtauth.NewExternalKey("0x52908400098527886E0F7030069857D2E4169EE7", "1", sxtauth.SignerFunc(func([]byte) (string, error) { return "0xsig", nil }))
	if err != nil {
		t.Fatal(err)
	}
	defer wallet.Close()
	_, err = c.RegisterWithSigner(ctx, newUserID("wallet"), wallet, "", "")
	if e := wantErr(t, "a scheme the local server does not verify", err, sxtauth.ErrBadRequest); !strings.Contains(e.Detail, "scheme not supported by this server") {
		t.Fatalf("detail %q", e.Detail)
	}
}

func good2() sxtauth.SignerFunc { return func([]byte) (string, error) { return "", nil } }

func TestGoroutinesSignInThroughOneSigner(t *testing.T) {
	srv := startServer(t, false)
	c := srv.client(t)
	private, public := newKey(t)
	var calls atomic.Int32
	key, _ := sxtauth.NewExternalKey(public, "", keySigner(private, &calls))
	defer key.Close()
	userID := newUserID("many")
	s, err := c.RegisterWithSigner(ctx, userID, key, "", "")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.LoginWithSigner(ctx, userID, key)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 9 {
		t.Fatalf("%d signer calls; want 9", calls.Load())
	}
}

func TestExportImportAndTheObserver(t *testing.T) {
	for _, tls := range []bool{false, true} {
		srv := startServer(t, tls)
		c := srv.client(t)
		userID, private, _, s := register(t, c, "export")
		var rotations, logouts atomic.Int32
		var last []byte
		var mu sync.Mutex
		if err := s.SetObserver(func(e sxtauth.Event) {
			switch e {
			case sxtauth.EventRotated:
				rotations.Add(1)
				blob, _ := s.Export() // outside every lock of the session
				mu.Lock()
				last = blob
				mu.Unlock()
			case sxtauth.EventLoggedOut:
				logouts.Add(1)
			}
		}); err != nil {
			t.Fatal(err)
		}
		before := srv.count("POST /v1/auth/refresh -> 200")
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = s.Refresh(ctx)
			}()
		}
		wg.Wait()
		if got := srv.count("POST /v1/auth/refresh -> 200") - before; int32(got) != rotations.Load() || got < 1 {
			t.Fatalf("%d refreshes, %d rotations heard; want one each", got, rotations.Load())
		}
		blob, err := s.Export()
		if err != nil || !bytes.HasPrefix(blob, []byte("sxts1.")) || bytes.Contains(blob, []byte(private)) {
			t.Fatalf("Export: %v", err)
		}
		mu.Lock()
		if !bytes.Equal(last, blob) {
			t.Fatal("the observer's export is not the latest")
		}
		mu.Unlock()
		other := srv.client(t)
		restored, err := other.ImportSession(blob, private)
		if err != nil {
			t.Fatalf("ImportSession: %v", err)
		}
		defer restored.Close()
		if id, _ := restored.UserID(); id != userID {
			t.Fatalf("user %q", id)
		}
		if err := restored.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		wrong, _ := newKey(t)
		_, err = other.ImportSession(blob, wrong)
		if e := wantErr(t, "import with another key", err, sxtauth.ErrInvalidKey); e.Argument != "secret" {
			t.Fatalf("argument %q", e.Argument)
		}
		_, err = other.ImportSession(blob[:len(blob)-3], "")
		if e := wantErr(t, "a truncated blob", err, sxtauth.ErrInvalidArgument); e.Argument != "blob" {
			t.Fatalf("argument %q", e.Argument)
		}
		if err := s.Logout(ctx); err != nil {
			t.Fatal(err)
		}
		if logouts.Load() != 1 {
			t.Fatalf("%d logouts heard", logouts.Load())
		}
		if err := s.SetObserver(nil); err != nil {
			t.Fatal(err)
		}
	}
}
