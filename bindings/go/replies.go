package sxtauth

import "encoding/json"

// TokenInfo is what the server says about a session's access token (GET /v1/auth/validtoken). The fields
// are the ones the protocol documents; a field the server did not send keeps its zero value. Raw holds the
// whole reply, for the fields a deployment adds. A TokenInfo is a plain value owned by the caller.
type TokenInfo struct {
	// UserID is the user the token belongs to.
	UserID string `json:"userId"`
	// SubscriptionID is the subscription the user belongs to (the one a join code joined, for instance).
	SubscriptionID string `json:"subscriptionId"`
	// SessionID identifies the sign-in the token descends from; it stays the same across refreshes and
	// changes when the session signs in again.
	SessionID string `json:"sessionId"`
	// Restricted is the server's "restricted" flag.
	Restricted bool `json:"restricted"`
	// QuotaExceeded is the server's "quotaExceeded" flag.
	QuotaExceeded bool `json:"quotaExceeded"`
	// Trial is the server's "trial" flag.
	Trial bool `json:"trial"`
	// Raw is the server's JSON object, unchanged.
	Raw json.RawMessage `json:"-"`
}

// KeyInfo is one entry of the user's keyring (GET /v1/auth/keys). The protocol only says the reply is an
// array of objects describing keys: Key and Scheme are filled when the server uses those names (the local
// server and the request bodies of the protocol do), and Raw always holds the entry's JSON object
// unchanged. A KeyInfo is a plain value owned by the caller.
type KeyInfo struct {
	// Key is the public key, standard base64 (what [PublicKey] returns).
	Key string `json:"key"`
	// Scheme is the signature scheme, "ed25519".
	Scheme string `json:"scheme"`
	// Raw is the entry's JSON object, unchanged.
	Raw json.RawMessage `json:"-"`
}
