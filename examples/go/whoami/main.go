// Command whoami signs a Space and Time (SxT) user in and asks the API who the token belongs to
// (GET /v1/auth/validtoken), through an http.Client whose transport is the session's RoundTripper: every
// request carries "Authorization: Bearer <access token>", renewed as the session renews it, and a 401 with
// a token the server has revoked is retried once with a new one. Ctrl-C cancels whatever call is in flight
// (the context reaches the library's sign-in as well as net/http), and SXT_TIMEOUT_MS bounds the whole run.
//
// Usage:
//
//	whoami <user_id>
//
// Settings come from the environment (export them, or `set -a; . ./.env; set +a`):
//
//	API_URL            the SxT API, e.g. https://api.spaceandtime.dev/v1/ (with or without /v1/)
//	USER_PRIVATE_KEY   the user's Ed25519 private key (base64 of the 32-byte seed, as printed by keygen)
//	SXT_CA_CERT        optional: a PEM file of extra CAs to trust (for a private or local server)
//	SXT_ALLOW_HTTP     set to 1 to allow a plain http:// API_URL (loopback testing only)
//	SXT_TIMEOUT_MS     optional: the deadline for the whole run in milliseconds (default 60000)
//
// Build and run (from examples/go, after cargo build --lib in the repository root):
//
//	go run ./whoami my_user_id
//
// Exit status: 0 on success, 1 on any failure (the reason goes to stderr), 2 on a usage error.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"time"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

func main() {
	os.Exit(run(os.Args))
}

// fail prints a failed step to stderr, with the library's status name when the error is the library's.
func fail(what string, err error) int {
	var e *sxtauth.Error
	if errors.As(err, &e) {
		fmt.Fprintf(os.Stderr, "Error: %s failed: %s (%s)\n", what, e.Message, e.Code)
	} else {
		fmt.Fprintf(os.Stderr, "Error: %s failed: %v\n", what, err)
	}
	return 1
}

func run(args []string) int {
	if len(args) != 2 || args[1] == "" {
		fmt.Fprintf(os.Stderr, "usage: %s <user_id>   (settings: API_URL, USER_PRIVATE_KEY, SXT_CA_CERT, SXT_ALLOW_HTTP)\n", args[0])
		return 2
	}
	userID := args[1]
	apiURL, privateKey := os.Getenv("API_URL"), os.Getenv("USER_PRIVATE_KEY")
	if apiURL == "" || privateKey == "" {
		fmt.Fprintln(os.Stderr, "Error: set API_URL and USER_PRIVATE_KEY in the environment")
		return 1
	}
	timeout := 60 * time.Second
	if ms := os.Getenv("SXT_TIMEOUT_MS"); ms != "" {
		n, err := strconv.ParseUint(ms, 10, 32)
		if err != nil || n == 0 {
			fmt.Fprintf(os.Stderr, "Error: SXT_TIMEOUT_MS must be a positive number of milliseconds\n")
			return 1
		}
		timeout = time.Duration(n) * time.Millisecond
	}

	// The library and net/http trust the same extra CA.
	var opts []sxtauth.Option
	base := http.DefaultTransport.(*http.Transport).Clone()
	if caFile := os.Getenv("SXT_CA_CERT"); caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "Error: cannot read SXT_CA_CERT file %s\n", caFile)
			return 1
		}
		opts = append(opts, sxtauth.WithCAPEM(pem))
		roots, err := x509.SystemCertPool()
		if err != nil {
			roots = x509.NewCertPool()
		}
		roots.AppendCertsFromPEM(pem)
		base.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	if os.Getenv("SXT_ALLOW_HTTP") == "1" {
		opts = append(opts, sxtauth.WithAllowHTTP())
	}
	client, err := sxtauth.NewClient(apiURL, opts...)
	if err != nil {
		return fail("setting up the client", err)
	}
	defer client.Close()

	// One context for everything: Ctrl-C cancels it, and it ends after the timeout.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	session, err := client.Login(ctx, userID, privateKey)
	if err != nil {
		return fail("signing in", err)
	}
	defer session.Close()

	// Requests through this client carry the session's access token.
	api := &http.Client{Transport: session.RoundTripper(base)}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, client.BaseURL()+"/v1/auth/validtoken", nil)
	if err != nil {
		return fail("building the request", err)
	}
	resp, err := api.Do(req)
	if err != nil {
		return fail("asking the API", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fail("reading the API's answer", err)
	}
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "Error: the API answered HTTP %d\n", resp.StatusCode)
		return 1
	}
	var info struct {
		UserID         string `json:"userId"`
		SubscriptionID string `json:"subscriptionId"`
	}
	if err := json.Unmarshal(body, &info); err != nil || info.UserID == "" {
		fmt.Fprintln(os.Stderr, "Error: the API's answer has no userId")
		return 1
	}
	fmt.Printf("Signed in as: %s\n", info.UserID)
	if _, err := fmt.Printf("Subscription: %s\n", info.SubscriptionID); err != nil {
		return 1
	}
	return 0
}
