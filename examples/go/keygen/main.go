// Command keygen prints a new Ed25519 key pair for the Space and Time (SxT) network, in the form the SxT
// tools use:
//
//	Private Key (Base64): <44 characters>
//	Public Key (Base64): <44 characters>
//
// Keep the private key secret (put it in USER_PRIVATE_KEY of your .env); the public key is what the network
// records for your user.
//
// Build and run (from examples/go, after cargo build --lib in the repository root):
//
//	go run ./keygen
//	go build -tags sxt_static -o keygen ./keygen   # self-contained binary, no libsxt_auth.so needed
package main

import (
	"errors"
	"fmt"
	"os"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

func main() {
	private, public, err := sxtauth.GenerateKey()
	if err != nil {
		var e *sxtauth.Error
		if errors.As(err, &e) {
			fmt.Fprintf(os.Stderr, "keygen failed: %s (%s)\n", e.Message, e.Code)
		} else {
			fmt.Fprintf(os.Stderr, "keygen failed: %v\n", err)
		}
		os.Exit(1)
	}
	if _, err := fmt.Printf("Private Key (Base64): %s\nPublic Key (Base64): %s\n", private, public); err != nil {
		os.Exit(1)
	}
}
