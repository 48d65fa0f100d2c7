package sxtauth_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

func ExamplePublicKey() {
	public, err := sxtauth.PublicKey("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(public)
	// Output: jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs=
}

func ExampleSign() {
	signature, err := sxtauth.Sign("Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc=", "469867d9660b67f8aa12b2")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(signature[:32], len(signature))
	// Output: 1b4217c3fadf9b2cee981a16069eb704 128
}

func ExampleGenerateKey() {
	private, public, err := sxtauth.GenerateKey()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Private Key (Base64):", private)
	fmt.Println("Public Key (Base64):", public)
}

// Signing in and calling an SxT API with the session's access token, which stays valid as long as the
// session lives (it is refreshed, or the session signs in again, as needed).
func ExampleClient_Login() {
	client, err := sxtauth.NewClient("https://api.spaceandtime.dev",
		sxtauth.WithTimeout(20*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	session, err := client.Login(ctx, "alice", os.Getenv("USER_PRIVATE_KEY"))
	if errors.Is(err, sxtauth.ErrNotFound) {
		// A new user: register it, with the organisation's join code if there is one.
		session, err = client.Register(ctx, "alice", os.Getenv("USER_PRIVATE_KEY"), os.Getenv("ORG_CODE"))
	}
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()

	token, err := session.AccessToken(ctx)
	if err != nil {
		log.Fatal(err)
	}
	req, _ := http.NewRequest("POST", "https://api.spaceandtime.dev/v1/sql", nil)
	req.Header.Set("Authorization", "Bearer "+token)
}

// Reading an error's details.
func ExampleError() {
	_, err := sxtauth.PublicKey("not a key")
	var e *sxtauth.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, e.Argument, errors.Is(err, sxtauth.ErrInvalidKey))
	}
	// Output: SXT_STATUS_INVALID_KEY private_key true
}

// Testing against the local server, which speaks plain http on loopback and prints its URL.
func ExampleWithAllowHTTP() {
	client, err := sxtauth.NewClient("http://127.0.0.1:40123", sxtauth.WithAllowHTTP())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
}
