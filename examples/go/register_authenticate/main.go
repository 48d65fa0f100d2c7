// Command register_authenticate checks whether a Space and Time (SxT) user id exists, registers it if not,
// signs in, and prints the access token: the Go counterpart of examples/c/register_authenticate.c (and of
// the register-authenticate script of SxT's public python-api-examples), built on the sxtauth package.
//
// Usage:
//
//	register_authenticate <user_id>
//
// Settings come from the environment, or from a .env file in the current directory (KEY=VALUE lines,
// # comments, optional "export " prefix, optional single or double quotes around the value); a variable set
// in the real environment wins over the file. See examples/c/sample.env:
//
//	API_URL            the SxT API, e.g. https://api.spaceandtime.dev/v1/ (with or without /v1/)
//	USER_PRIVATE_KEY   your Ed25519 private key (base64 of the 32-byte seed, as printed by keygen)
//	USER_PUBLIC_KEY    optional: its public key; must match the private key when set
//	ORG_CODE           optional: your organisation's join code, used when a new user is registered
//	                   (JOINCODE is accepted too)
//	USERID             the user id, when none is given on the command line
//	SXT_CA_CERT        optional: a PEM file of extra CAs to trust (for a private or local server)
//	SXT_ALLOW_HTTP     set to 1 to allow a plain http:// API_URL (loopback testing only)
//
// Build and run (from examples/go, after cargo build --lib in the repository root):
//
//	go run ./register_authenticate my_user_id
//	go build -tags sxt_static -o register_authenticate ./register_authenticate   # self-contained binary
//
// Exit status: 0 on success, 1 on any failure (the reason goes to stderr), 2 on a usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

func main() {
	os.Exit(run(os.Args))
}

// report prints a failed step and the library's details to stderr.
func report(what string, err error) {
	var e *sxtauth.Error
	if !errors.As(err, &e) {
		fmt.Fprintf(os.Stderr, "Error: %s failed: %v\n", what, err)
		return
	}
	fmt.Fprintf(os.Stderr, "Error: %s failed: %s (%s)\n", what, e.Message, e.Code)
	if e.HTTPStatus != 0 {
		fmt.Fprintf(os.Stderr, "  HTTP status: %d\n", e.HTTPStatus)
	}
	if e.Title != "" {
		fmt.Fprintf(os.Stderr, "  title: %s\n", e.Title)
	}
	if e.Detail != "" {
		fmt.Fprintf(os.Stderr, "  detail: %s\n", e.Detail)
	}
}

func run(args []string) int {
	env, err := loadDotenv(".env")
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error: could not read .env")
		return 1
	}
	userID := env.nonempty("USERID")
	if len(args) > 1 {
		userID = args[1]
	}
	if len(args) > 2 || userID == "" {
		fmt.Fprintf(os.Stderr, "Please supply your existing or desired user_id!\nusage: %s <user_id>\n", args[0])
		return 2
	}
	apiURL := env.nonempty("API_URL")
	privateKey := env.nonempty("USER_PRIVATE_KEY")
	publicKey := env.nonempty("USER_PUBLIC_KEY")
	orgCode := env.nonempty("ORG_CODE")
	if orgCode == "" {
		orgCode = env.nonempty("JOINCODE")
	}
	caFile := env.nonempty("SXT_CA_CERT")
	allowHTTP := env.nonempty("SXT_ALLOW_HTTP")
	if apiURL == "" {
		fmt.Fprintln(os.Stderr, "Error: please make sure you set the SxT API_URL value in your .env file!")
		return 1
	}
	if privateKey == "" {
		fmt.Fprintln(os.Stderr, "Error: please set USER_PRIVATE_KEY (see keygen) in your .env file!")
		return 1
	}

	// The key must be usable, and match USER_PUBLIC_KEY when that is given.
	derivedPublic, err := sxtauth.PublicKey(privateKey)
	if err != nil {
		report("reading USER_PRIVATE_KEY", err)
		return 1
	}
	if publicKey != "" && publicKey != derivedPublic {
		fmt.Fprintf(os.Stderr, "Error: USER_PUBLIC_KEY does not match the public key of USER_PRIVATE_KEY (%s)\n", derivedPublic)
		return 1
	}

	// The client: extra CAs and plain http only when asked for.
	var opts []sxtauth.Option
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "Error: cannot read SXT_CA_CERT file %s\n", caFile)
			return 1
		}
		opts = append(opts, sxtauth.WithCAPEM(pem))
	}
	if allowHTTP == "1" {
		opts = append(opts, sxtauth.WithAllowHTTP())
	}
	// Every network call takes a context: its deadline and cancellation stop the call (here, a minute for
	// the whole sign-in).
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, err := sxtauth.NewClient(apiURL, opts...)
	if err != nil {
		if errors.Is(err, sxtauth.ErrInvalidCertificate) {
			report("setting up the client", err)
		} else {
			report("creating the client for API_URL", err)
		}
		return 1
	}
	defer client.Close()

	// 1) Does the user id exist?
	fmt.Printf("Checking id: %s with URL: %s/v1/auth/idexists/%s\n", userID, client.BaseURL(), userID)
	exists, err := client.UserExists(ctx, userID)
	if err != nil {
		fmt.Fprintln(os.Stderr, "We did not connect with the SxT API successfully!")
		report("checking the user id", err)
		return 1
	}

	// 2) Authenticate, registering the user id first if it is new.
	var session *sxtauth.Session
	if exists {
		fmt.Println("UserID exists!")
		fmt.Println("Time to authenticate!")
		if session, err = client.Login(ctx, userID, privateKey); err != nil {
			report("authenticating", err)
			return 1
		}
	} else {
		fmt.Println("UserID doesn't exist!")
		fmt.Println("Lets create your user ID!")
		if session, err = client.Register(ctx, userID, privateKey, orgCode); err != nil {
			report("registering the user id", err)
			return 1
		}
	}
	defer session.Close()
	token, err := session.AccessToken(ctx)
	if err != nil {
		report("getting the access token", err)
		return 1
	}
	fmt.Println("Authentication to the SxT API has been completed successfully!")
	if _, err := fmt.Printf("Access token: %s\n", token); err != nil {
		return 1
	}
	return 0
}
