package sxtauth_test

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

func goroutines() int {
	if testing.Short() {
		return 24
	}
	return 100
}

func TestManyGoroutinesShareOneSession(t *testing.T) {
	c := sharedServer(t).client(t)
	userID, priv, pub, s := register(t, c, "shared")
	n := goroutines()
	var wg sync.WaitGroup
	errs := make(chan error, n*10)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 3; j++ {
				if tok, err := s.AccessToken(ctx); err != nil || tok == "" {
					errs <- err
				}
				if info, err := s.TokenInfo(ctx); err != nil || info.UserID != userID {
					errs <- err
				}
				if got, err := s.UserID(); err != nil || got != userID {
					errs <- err
				}
				if _, _, err := s.Expiries(); err != nil {
					errs <- err
				}
				if i%10 == 0 {
					if err := s.Refresh(ctx); err != nil {
						errs <- err
					}
					if keys, err := s.Keys(ctx); err != nil || len(keys) != 1 || keys[0].Key != pub {
						errs <- err
					}
				}
			}
			// The client is shared too.
			if exists, err := c.UserExists(ctx, userID); err != nil || !exists {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	failures := 0
	for err := range errs {
		failures++
		if failures <= 5 {
			t.Errorf("concurrent call failed: %v", err)
		}
	}
	if failures > 0 {
		t.Fatalf("%d concurrent calls failed", failures)
	}
	// The session still works, and so does a sign-in with the same key.
	if _, err := s.TokenInfo(ctx); err != nil {
		t.Fatal(err)
	}
	s2, err := c.Login(ctx, userID, priv)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func TestManyGoroutinesShareOneClient(t *testing.T) {
	c := sharedServer(t).client(t)
	userID, priv, _, _ := register(t, c, "clientshare")
	n := goroutines() / 4
	var wg sync.WaitGroup
	var failed atomic.Int32
	sessions := make([]*sxtauth.Session, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, err := c.Login(ctx, userID, priv)
			if err != nil {
				failed.Add(1)
				t.Errorf("concurrent Login: %v", err)
				return
			}
			sessions[i] = s
			if _, err := s.AccessToken(ctx); err != nil {
				failed.Add(1)
				t.Errorf("AccessToken: %v", err)
			}
		}(i)
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, s := range sessions {
		if s == nil {
			continue
		}
		if info, err := s.TokenInfo(ctx); err == nil {
			ids[info.SessionID] = true
		}
		s.Close()
	}
	if failed.Load() == 0 && len(ids) != n {
		t.Fatalf("%d concurrent logins gave %d distinct sessions", n, len(ids))
	}
}

// isClosedError is the only failure allowed for a call racing with Close.
func isClosedError(err error) bool {
	return err == nil || errors.Is(err, sxtauth.ErrInvalidHandle)
}

func TestCloseWhileInUse(t *testing.T) {
	c := sharedServer(t).client(t)
	_, priv, _, _ := register(t, c, "closeinuse")
	for round := 0; round < 3; round++ {
		userID, _, _, s := register(t, c, "closeinuse")
		n := goroutines() / 2
		var wg sync.WaitGroup
		var calls, refused, bad, byLibrary atomic.Int64
		started := make(chan struct{})
		var once sync.Once
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for k := 0; ; k++ {
					var err error
					switch (i + k) % 6 {
					case 0:
						_, err = s.AccessToken(ctx)
					case 1:
						_, err = s.TokenInfo(ctx)
					case 2:
						err = s.Refresh(ctx)
					case 3:
						_, err = s.Keys(ctx)
					case 4:
						_, _, err = s.Expiries()
					case 5:
						_, err = s.UserID()
					}
					calls.Add(1)
					once.Do(func() { close(started) })
					if err != nil {
						if !isClosedError(err) {
							bad.Add(1)
							t.Errorf("call racing with Close: %v", err)
						}
						refused.Add(1)
						var e *sxtauth.Error
						if errors.As(err, &e) && !strings.HasSuffix(e.Message, " is closed") {
							byLibrary.Add(1) // loaded the handle before Close; the library refused it
						}
						return
					}
				}
			}(i)
		}
		<-started
		time.Sleep(time.Duration(20+30*round) * time.Millisecond)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("goroutines still running 30 s after Close")
		}
		if refused.Load() != int64(n) || bad.Load() != 0 {
			t.Fatalf("round %d: %d of %d goroutines saw the close cleanly, %d bad errors", round, refused.Load(), n, bad.Load())
		}
		t.Logf("round %d (%s): %d calls; of the %d goroutines, %d were refused by the library itself (handle loaded before Close), the others by the Go side",
			round, userID, calls.Load(), n, byLibrary.Load())
	}

	// The same for a client: concurrent sign-ins and look-ups while it is closed.
	c2 := sharedServer(t).client(t)
	userID, priv2, _, _ := register(t, c2, "closeclient")
	var wg sync.WaitGroup
	var bad atomic.Int64
	for i := 0; i < goroutines()/4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for {
				var err error
				if i%2 == 0 {
					_, err = c2.UserExists(ctx, userID)
				} else {
					var s *sxtauth.Session
					s, err = c2.Login(ctx, userID, priv2)
					s.Close()
				}
				if err != nil {
					if !isClosedError(err) {
						bad.Add(1)
						t.Errorf("client call racing with Close: %v", err)
					}
					return
				}
			}
		}(i)
	}
	time.Sleep(50 * time.Millisecond)
	c2.Close()
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d bad errors", bad.Load())
	}
	_ = priv
}

func TestFinalizersReleaseForgottenObjects(t *testing.T) {
	srv := sharedServer(t)
	base := sxtauth.LiveObjects()
	func() {
		c, err := sxtauth.NewClient(srv.URL, sxtauth.WithAllowHTTP())
		if err != nil {
			t.Fatal(err)
		}
		priv, _ := newKey(t)
		for i := 0; i < 3; i++ {
			if _, err := c.Register(ctx, newUserID("forgotten"), priv, ""); err != nil {
				t.Fatal(err)
			}
		}
		// Neither the client nor its three sessions are closed.
	}()
	if got := sxtauth.LiveObjects(); got != base+4 {
		t.Fatalf("sxt_live_objects = %d, want %d (one client, three sessions)", got, base+4)
	}
	deadline := time.Now().Add(10 * time.Second)
	for sxtauth.LiveObjects() != base {
		if time.Now().After(deadline) {
			t.Fatalf("finalizers did not release the objects: sxt_live_objects = %d, want %d", sxtauth.LiveObjects(), base)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// A method that loaded its handle just before another goroutine's Close passes a freed handle to the
// library, which must refuse it (SXT_STATUS_INVALID_HANDLE) rather than crash. The hook closes the object
// in exactly that window, for every method.
func TestFreedHandleIsRefusedByTheLibrary(t *testing.T) {
	c := sharedServer(t).client(t)
	userID, priv, _, _ := register(t, c, "stale")
	extra, _ := newKey(t)
	defer sxtauth.SetAfterHandleLoad(nil)
	library := func(what string, err error) {
		t.Helper()
		e := wantErr(t, what, err, sxtauth.ErrInvalidHandle)
		if strings.HasSuffix(e.Message, " is closed") {
			t.Fatalf("%s: refused by the Go side (%q), want the library's refusal", what, e.Message)
		}
	}
	methods := map[string]func(*sxtauth.Session) error{
		"AccessToken":  func(s *sxtauth.Session) error { _, err := s.AccessToken(ctx); return err },
		"Refresh":      func(s *sxtauth.Session) error { return s.Refresh(ctx) },
		"Logout":       func(s *sxtauth.Session) error { return s.Logout(ctx) },
		"RefreshToken": func(s *sxtauth.Session) error { _, err := s.RefreshToken(); return err },
		"Expiries":     func(s *sxtauth.Session) error { _, _, err := s.Expiries(); return err },
		"UserID":       func(s *sxtauth.Session) error { _, err := s.UserID(); return err },
		"TokenInfo":    func(s *sxtauth.Session) error { _, err := s.TokenInfo(ctx); return err },
		"Keys":         func(s *sxtauth.Session) error { _, err := s.Keys(ctx); return err },
		"AddKey":       func(s *sxtauth.Session) error { return s.AddKey(ctx, extra) },
	}
	for name, call := range methods {
		s, err := c.Login(ctx, userID, priv)
		if err != nil {
			t.Fatal(err)
		}
		sxtauth.SetAfterHandleLoad(func() { s.Close() })
		err = call(s)
		sxtauth.SetAfterHandleLoad(nil)
		library("Session."+name+" with a handle freed after loading", err)
	}
	clientCalls := map[string]func(*sxtauth.Client) error{
		"UserExists": func(c *sxtauth.Client) error { _, err := c.UserExists(ctx, userID); return err },
		"Login":      func(c *sxtauth.Client) error { _, err := c.Login(ctx, userID, priv); return err },
		"Register":   func(c *sxtauth.Client) error { _, err := c.Register(ctx, newUserID("stale"), priv, ""); return err },
		"RegisterWithEmail": func(c *sxtauth.Client) error {
			_, err := c.RegisterWithEmail(ctx, newUserID("stale"), priv, "a@b.c", "")
			return err
		},
	}
	for name, call := range clientCalls {
		c2 := sharedServer(t).client(t)
		sxtauth.SetAfterHandleLoad(func() { c2.Close() })
		err := call(c2)
		sxtauth.SetAfterHandleLoad(nil)
		library("Client."+name+" with a handle freed after loading", err)
	}
}
