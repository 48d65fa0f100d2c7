package sxtauth_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

// stalledClient is a client of a socket that accepts connections but never answers, with timeouts far
// longer than any of the tests below allows.
func stalledClient(t *testing.T) *sxtauth.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	c, err := sxtauth.NewClient("http://"+l.Addr().String(), sxtauth.WithAllowHTTP(),
		sxtauth.WithReadTimeout(20*time.Second), sxtauth.WithTimeout(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCancelStopsACallInFlight(t *testing.T) {
	c := stalledClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	started := time.Now()
	_, err := c.Login(ctx, "someone", vectorSeed)
	if took := time.Since(started); took > 5*time.Second {
		t.Fatalf("cancel took %v", took)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, sxtauth.ErrCancelled) {
		t.Fatalf("Login after cancel: %v; want context.Canceled and ErrCancelled", err)
	}
	var e *sxtauth.Error
	if !errors.As(err, &e) || e.Code != sxtauth.StatusCancelled {
		t.Fatalf("not an *Error with StatusCancelled: %#v", err)
	}
	// A context already done fails the call at once.
	started = time.Now()
	if _, err := c.UserExists(ctx, "someone"); !errors.Is(err, context.Canceled) || time.Since(started) > time.Second {
		t.Fatalf("UserExists with a done context: %v after %v", err, time.Since(started))
	}
}

// A connect that never completes (a listener whose accept queue, a backlog of 0 holding one, is already
// full drops every new SYN) is woken by the context's cancellation on Linux, well before its 20 s.
func TestCancelWakesAConnectUnderWay(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("a connect under way is woken on Linux and Android only")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	raw, err := l.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var listenErr error
	if err := raw.Control(func(fd uintptr) { listenErr = syscall.Listen(int(fd), 0) }); err != nil || listenErr != nil {
		t.Fatal(err, listenErr)
	}
	filler, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer filler.Close()
	c, err := sxtauth.NewClient("http://"+l.Addr().String(), sxtauth.WithAllowHTTP(),
		sxtauth.WithConnectTimeout(20*time.Second), sxtauth.WithTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	started := time.Now()
	_, err = c.UserExists(ctx, "someone")
	if took := time.Since(started); took > 5*time.Second {
		t.Fatalf("cancel took %v", took)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, sxtauth.ErrCancelled) {
		t.Fatalf("UserExists after cancel: %v; want context.Canceled and ErrCancelled", err)
	}
}

func TestDeadlineStopsACallInFlight(t *testing.T) {
	c := stalledClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	started := time.Now()
	_, err := c.Register(ctx, "someone", vectorSeed, "")
	if took := time.Since(started); took > 5*time.Second {
		t.Fatalf("the deadline took %v", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Register past its deadline: %v; want context.DeadlineExceeded", err)
	}
	if !errors.Is(err, sxtauth.ErrTimeout) {
		t.Fatalf("Register past its deadline: %v; want ErrTimeout", err)
	}
}

func TestEveryCallTakesAContext(t *testing.T) {
	srv := startServer(t, false)
	c := srv.client(t)
	live, cancelLive := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancelLive()
	userID, priv, _, s := register(t, c, "context")
	if _, err := s.AccessToken(live); err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(live); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenInfo(live); err != nil {
		t.Fatal(err)
	}
	second, _ := newKey(t)
	if err := s.AddKey(live, second); err != nil {
		t.Fatal(err)
	}
	if keys, err := s.Keys(live); err != nil || len(keys) != 2 {
		t.Fatalf("Keys = %v, %v", keys, err)
	}
	// With a cancelled context nothing is sent and the tokens stay as they were.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	before, _ := s.RefreshToken()
	hits := srv.count(" -> ")
	for name, call := range map[string]func() error{
		"Refresh":   func() error { return s.Refresh(done) },
		"Logout":    func() error { return s.Logout(done) },
		"TokenInfo": func() error { _, err := s.TokenInfo(done); return err },
		"Keys":      func() error { _, err := s.Keys(done); return err },
		"AddKey":    func() error { return s.AddKey(done, second) },
		"Access":    func() error { _, err := s.AccessToken(done); return err },
		"Login":     func() error { _, err := c.Login(done, userID, priv); return err },
		"Exists":    func() error { _, err := c.UserExists(done, userID); return err },
		"Register":  func() error { _, err := c.RegisterWithEmail(done, userID, priv, "a@example.com", ""); return err },
	} {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v", name, err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if got := srv.count(" -> "); got != hits {
		t.Fatalf("%d requests reached the server with a cancelled context", got-hits)
	}
	if after, _ := s.RefreshToken(); after != before {
		t.Fatal("the tokens changed")
	}
	if err := s.Refresh(ctx); err != nil {
		t.Fatalf("Refresh after the cancelled calls: %v", err)
	}
	if err := s.Logout(live); err != nil {
		t.Fatal(err)
	}
}
