package sxtauth

import (
	"io"
	"net/http"
)

// RoundTripper returns an [http.RoundTripper] that sends each request through base (nil:
// [http.DefaultTransport]) with the session's "Authorization: Bearer <access token>" header, the token
// renewed as [Session.AccessToken] renews it, within the request's context. When the API answers 401, it
// reports the token ([Session.TokenRejected]: one renewal however many requests were refused with it) and
// retries the request once with the new token, if the request can be sent again (no body, or one that
// req.GetBody can produce again, as http.NewRequest sets up for in-memory bodies); otherwise the 401 is
// returned as it came.
//
// The request is not modified: a clone carries the header. An error getting a token (the session closed,
// logged out or expired, the renewal failed) is returned as the round trip's error, an [*Error]. Safe for
// concurrent use, as the session is.
func (s *Session) RoundTripper(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &bearer{session: s, base: base}
}

type bearer struct {
	session *Session
	base    http.RoundTripper
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	token, err := b.session.AccessToken(ctx)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := b.base.RoundTrip(authorized(req, token))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !replayable(req) {
		return resp, err
	}
	if err := b.session.TokenRejected(ctx, token); err != nil {
		return resp, nil
	}
	fresh, err := b.session.AccessToken(ctx)
	if err != nil || fresh == token {
		return resp, nil
	}
	retry := authorized(req, fresh)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		retry.Body = body
	}
	// The first answer is dropped for the retry's.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return b.base.RoundTrip(retry)
}

// authorized is a shallow clone of req with the Authorization header set (RoundTrippers must not modify
// the request they are given).
func authorized(req *http.Request, token string) *http.Request {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// replayable reports whether req can be sent a second time.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
