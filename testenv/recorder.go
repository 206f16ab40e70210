package testenv

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Recorder sits in front of stripe-mock and keeps what we sent, so tests
// assert the exact parameters Stripe received (stripe-mock itself is
// stateless and validates them against Stripe's OpenAPI spec).
type Recorder struct {
	URL  string
	mu   sync.Mutex
	reqs []RecordedRequest
}

// RecordedRequest is one call to the Stripe API.
type RecordedRequest struct {
	Method, Path, IdempotencyKey, StripeVersion string
	Form                                        url.Values // the body (POST) or the query (GET)
}

// NewRecorder proxies to target and records every request.
func NewRecorder(t testing.TB, target string) *Recorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	r := &Recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		form, _ := url.ParseQuery(string(body))
		if req.Method == http.MethodGet {
			form = req.URL.Query()
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, RecordedRequest{Method: req.Method, Path: req.URL.Path,
			IdempotencyKey: req.Header.Get("Idempotency-Key"), StripeVersion: req.Header.Get("Stripe-Version"), Form: form})
		r.mu.Unlock()
		req.Body = io.NopCloser(strings.NewReader(string(body)))
		req.ContentLength = int64(len(body))
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(hs.Close)
	r.URL = hs.URL
	return r
}

// Requests returns what was recorded so far.
func (r *Recorder) Requests() []RecordedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RecordedRequest(nil), r.reqs...)
}
