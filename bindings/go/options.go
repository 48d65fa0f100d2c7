package sxtauth

import "time"

// Option configures a [*Client]; pass any number of them to [NewClient]. Options are plain values, read
// once by NewClient and not kept; a later option overrides an earlier one of the same kind, except
// [WithCAPEM], which adds to the trusted roots each time.
type Option func(*clientConfig)

type clientConfig struct {
	timeout        *time.Duration
	connectTimeout *time.Duration
	readTimeout    *time.Duration
	refreshMargin  *time.Duration
	caPEMs         [][]byte
	allowHTTP      bool
	keepKey        *bool
	userAgent      *string
	proxyURL       *string
}

// WithTimeout sets the deadline for one whole HTTP exchange (connect, send, receive); a sign-in makes two
// exchanges. Default 30 s. It is rounded up to whole milliseconds; zero, negative and durations beyond
// 24 hours make NewClient fail with [StatusInvalidArgument] (the library's rule).
func WithTimeout(d time.Duration) Option {
	return func(c *clientConfig) { c.timeout = &d }
}

// WithConnectTimeout sets how long establishing a connection (DNS, TCP, TLS) may take. Default 10 s.
// Rounding and limits as [WithTimeout].
func WithConnectTimeout(d time.Duration) Option {
	return func(c *clientConfig) { c.connectTimeout = &d }
}

// WithReadTimeout sets how long any single read from the server may stall. Default 15 s. Rounding and
// limits as [WithTimeout].
func WithReadTimeout(d time.Duration) Option {
	return func(c *clientConfig) { c.readTimeout = &d }
}

// WithRefreshMargin sets how long before an access token expires a session refreshes it (default 60 s;
// 0 means refresh only once it has expired). The library clamps it per token to half the token's lifetime.
// Rounded up to whole milliseconds; negative durations and durations beyond 24 hours make NewClient fail
// with [StatusInvalidArgument].
func WithRefreshMargin(d time.Duration) Option {
	return func(c *clientConfig) { c.refreshMargin = &d }
}

// WithCAPEM adds the certificates of a PEM bundle (one or more CERTIFICATE blocks) to the trusted roots,
// in addition to Mozilla's, for a private deployment or the local server's --ca-out file. NewClient fails
// with [StatusInvalidCertificate] when the bundle holds no usable certificate. The slice is copied.
func WithCAPEM(pem []byte) Option {
	own := append([]byte(nil), pem...)
	return func(c *clientConfig) { c.caPEMs = append(c.caPEMs, own) }
}

// WithAllowHTTP allows a plain http:// base URL (refused by default). Meant for loopback testing (the local
// server): tokens and signatures then cross the network unencrypted.
func WithAllowHTTP() Option {
	return func(c *clientConfig) { c.allowHTTP = true }
}

// WithKeepKey sets whether sessions keep a copy of the private key in the library's memory (default true),
// so they can sign in again by themselves when the refresh chain or the 24-hour session runs out. With
// false, such a session fails with [ErrSessionExpired] and the caller signs in again; the key then stays
// only in the caller's memory.
func WithKeepKey(keep bool) Option {
	return func(c *clientConfig) { c.keepKey = &keep }
}

// WithProxyURL sets the base URL of the SxT proxy that [Client.LoginAPIKey] signs in at
// (POST {proxy}/auth/apikey). Default "https://proxy.api.makeinfinite.dev", the current public Python SDK's
// (older SDKs name https://proxy.api.spaceandtime.dev). Normalised and held to https like the base URL
// ([WithAllowHTTP] allows plain http); NewClient fails with [StatusInvalidURL] or [StatusInsecureURL]
// naming "proxy_url" otherwise.
func WithProxyURL(url string) Option {
	return func(c *clientConfig) { c.proxyURL = &url }
}

// WithUserAgent sets the User-Agent header (1 to 256 bytes, no control characters; default "sxt-auth/<version>").
// NewClient fails with [StatusInvalidArgument] otherwise.
func WithUserAgent(ua string) Option {
	return func(c *clientConfig) { c.userAgent = &ua }
}

// durationMillis converts d to whole milliseconds for the C API's uint32, rounding up; a duration too long
// for it becomes the largest value, which the library refuses as over its limit. ok is false for negative
// durations, which the C type cannot carry.
func durationMillis(d time.Duration) (ms uint32, ok bool) {
	const max = (1<<32 - 1) * time.Millisecond
	switch {
	case d < 0:
		return 0, false
	case d > max:
		return 1<<32 - 1, true
	}
	return uint32((d + time.Millisecond - 1) / time.Millisecond), true
}
