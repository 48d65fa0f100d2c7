package sxtauth_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"

	sxtauth "github.com/sxt-auth/sxt-auth/bindings/go"
)

// The protocol's test vectors (checked independently with PyNaCl).
const (
	vectorSeed      = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc="
	vectorPublic    = "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs="
	vectorAuthCode  = "469867d9660b67f8aa12b2"
	vectorSignature = "1b4217c3fadf9b2cee981a16069eb7047d79315513af57ccae91fe890e21371ed8724724203d9b904241eeafac50f3934feafa476f8c6a90973d157ee97eb102"
	otherSeed       = "AlpbthdPZMnUYStjlw03n13atWl1AA33KVJ0If6+3Z4="
	otherPublic     = "1gQJ4ElmE/SyE4BRbtbjHEBYy6SQzHAcreKu2Snvou4="
)

func TestVectors(t *testing.T) {
	for seed, want := range map[string]string{vectorSeed: vectorPublic, otherSeed: otherPublic} {
		got, err := sxtauth.PublicKey(seed)
		if err != nil || got != want {
			t.Fatalf("PublicKey(%s) = %q, %v; want %q", seed, got, err, want)
		}
	}
	sig, err := sxtauth.Sign(vectorSeed, vectorAuthCode)
	if err != nil || sig != vectorSignature {
		t.Fatalf("Sign = %q, %v; want %q", sig, err, vectorSignature)
	}
}

// goKey is the same key as Go's standard library sees it: an independent Ed25519 implementation.
func goKey(t *testing.T, seedB64 string) ed25519.PrivateKey {
	t.Helper()
	seed, err := base64.StdEncoding.DecodeString(seedB64)
	if err != nil || len(seed) != ed25519.SeedSize {
		t.Fatalf("private key %d bytes, %v; want a base64 32-byte seed", len(seed), err)
	}
	return ed25519.NewKeyFromSeed(seed)
}

func TestGenerateKeyAgreesWithCryptoEd25519(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		priv, pub, err := sxtauth.GenerateKey()
		if err != nil {
			t.Fatalf("GenerateKey: %v", err)
		}
		if len(priv) != 44 || len(pub) != 44 {
			t.Fatalf("key lengths %d and %d, want 44 and 44", len(priv), len(pub))
		}
		if seen[priv] {
			t.Fatal("GenerateKey returned the same private key twice")
		}
		seen[priv] = true
		k := goKey(t, priv)
		if want := base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey)); pub != want {
			t.Fatalf("public key %s, crypto/ed25519 derives %s", pub, want)
		}
		if derived, err := sxtauth.PublicKey(priv); err != nil || derived != pub {
			t.Fatalf("PublicKey(generated) = %q, %v; want %q", derived, err, pub)
		}
		msg := "authCode-" + strings.Repeat("x", i)
		sig, err := sxtauth.Sign(priv, msg)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if !regexp.MustCompile(`^[0-9a-f]{128}$`).MatchString(sig) {
			t.Fatalf("signature %q is not 128 lowercase hex characters", sig)
		}
		raw, _ := hex.DecodeString(sig)
		if !ed25519.Verify(k.Public().(ed25519.PublicKey), []byte(msg), raw) {
			t.Fatal("crypto/ed25519 does not verify the library's signature")
		}
	}
}

func TestKeyEncodings(t *testing.T) {
	k := goKey(t, vectorSeed)
	hexSeed := hex.EncodeToString(k.Seed())
	full := base64.StdEncoding.EncodeToString(k) // seed || public key, as the Go and Node SDKs hold it
	for _, enc := range []string{vectorSeed, hexSeed, strings.ToUpper(hexSeed), full} {
		if got, err := sxtauth.PublicKey(enc); err != nil || got != vectorPublic {
			t.Errorf("PublicKey(%.12s...) = %q, %v; want %q", enc, got, err, vectorPublic)
		}
		if sig, err := sxtauth.Sign(enc, vectorAuthCode); err != nil || sig != vectorSignature {
			t.Errorf("Sign with %.12s... = %q, %v", enc, sig, err)
		}
	}
	// 64 bytes whose second half is not the first half's public key.
	other := goKey(t, otherSeed)
	mismatched := base64.StdEncoding.EncodeToString(append(append([]byte{}, k.Seed()...), other.Public().(ed25519.PublicKey)...))
	e := wantErr(t, "PublicKey(mismatched halves)", func() error { _, err := sxtauth.PublicKey(mismatched); return err }(), sxtauth.ErrInvalidKey)
	if strings.Contains(e.Error(), mismatched) || strings.Contains(e.Error(), mismatched[:20]) {
		t.Fatalf("error message echoes the key: %q", e.Error())
	}
}

func TestBadKeysAndInputs(t *testing.T) {
	before := sxtauth.LiveObjects()
	secretish := vectorSeed[:43] + "!" // a key-like string that must not appear in any message
	for _, bad := range []string{"", "not a key", "AAAA", secretish, vectorSeed + "A", strings.Repeat("g", 64), base64.StdEncoding.EncodeToString(make([]byte, 31))} {
		_, err := sxtauth.PublicKey(bad)
		e := wantErr(t, "PublicKey("+bad+")", err, sxtauth.ErrInvalidKey)
		if bad != "" && strings.Contains(e.Error(), bad) {
			t.Fatalf("error message echoes the key: %q", e.Error())
		}
		if e.Argument != "private_key" {
			t.Errorf("PublicKey(%q): Argument %q, want private_key", bad, e.Argument)
		}
		_, err = sxtauth.Sign(bad, "msg")
		wantErr(t, "Sign(bad key)", err, sxtauth.ErrInvalidKey)
	}
	// A NUL byte cannot cross the C boundary: refused before the call, never truncated.
	_, err := sxtauth.PublicKey(vectorSeed + "\x00tail")
	if e := wantErr(t, "PublicKey(NUL)", err, sxtauth.ErrInvalidArgument); e.Argument != "private_key" {
		t.Fatalf("Argument %q, want private_key", e.Argument)
	}
	_, err = sxtauth.Sign(vectorSeed, "a\x00b")
	if e := wantErr(t, "Sign(NUL message)", err, sxtauth.ErrInvalidArgument); e.Argument != "message" {
		t.Fatalf("Argument %q, want message", e.Argument)
	}
	// Invalid UTF-8 reaches the library, which names the argument.
	_, err = sxtauth.Sign(vectorSeed, "\xff\xfe")
	if e := wantErr(t, "Sign(invalid UTF-8)", err, sxtauth.ErrInvalidUTF8); e.Argument != "message" {
		t.Fatalf("Argument %q, want message", e.Argument)
	}
	_, err = sxtauth.PublicKey("\xc3\x28" + vectorSeed[2:])
	wantErr(t, "PublicKey(invalid UTF-8)", err, sxtauth.ErrInvalidUTF8)
	if after := sxtauth.LiveObjects(); after != before {
		t.Fatalf("sxt_live_objects %d -> %d: an error or string was not freed", before, after)
	}
}

func TestVersion(t *testing.T) {
	v := sxtauth.Version()
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("Version() = %q, want MAJOR.MINOR.PATCH", v)
	}
	manifest, err := os.ReadFile("../../Cargo.toml")
	if err != nil {
		t.Fatalf("read Cargo.toml: %v", err)
	}
	m := regexp.MustCompile(`(?m)^version\s*=\s*"([^"]+)"`).FindSubmatch(manifest)
	if m == nil || string(m[1]) != v {
		t.Fatalf("Version() = %q, Cargo.toml says %q", v, m)
	}
}
