package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// StripeDouble is Stripe's API as a test needs it. Every request first
// goes to stripe-mock, which validates it against Stripe's OpenAPI spec
// and refuses a wrong parameter; a GET of an object the test Put here is
// then answered with that object (Stripe's own sample shaped with the
// test's ids, in our API version's layout), because stripe-mock is
// stateless and answers in the newest layout with ids of its own.
// Everything else gets stripe-mock's answer.
type StripeDouble struct {
	URL     string
	mu      sync.Mutex
	objects map[string]any // request path -> object, or nil for one that is gone
	calls   []string       // "GET /v1/invoices/in_1"
	down    bool           // answer 503 to everything, as an outage would
}

// NewStripeDouble starts a double in front of stripe-mock at mockURL.
func NewStripeDouble(t testing.TB, mockURL string) *StripeDouble {
	t.Helper()
	d := &StripeDouble{objects: map[string]any{}}
	client := &http.Client{Timeout: 30 * time.Second}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		d.calls = append(d.calls, r.Method+" "+r.URL.Path)
		obj, known := d.objects[r.URL.Path]
		down := d.down
		d.mu.Unlock()
		if down {
			http.Error(w, `{"error": {"type": "api_error", "message": "down for the test"}}`, http.StatusServiceUnavailable)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, mockURL+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, h := range []string{"Authorization", "Content-Type", "Stripe-Version", "Idempotency-Key"} {
			req.Header.Set(h, r.Header.Get(h))
		}
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case resp.StatusCode >= 300 || r.Method != http.MethodGet || !known:
			w.WriteHeader(resp.StatusCode)
			w.Write(answer)
		case obj == nil:
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": "invalid_request_error",
				"code": "resource_missing", "message": "No such object: " + r.URL.Path}})
		default:
			json.NewEncoder(w).Encode(obj)
		}
	}))
	t.Cleanup(hs.Close)
	d.URL = hs.URL
	return d
}

// Put makes GET path answer obj from now on (Stripe's state moving on).
func (d *StripeDouble) Put(path string, obj map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.objects[path] = obj
}

// Gone makes GET path answer 404 resource_missing, as for a deleted object.
func (d *StripeDouble) Gone(path string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.objects[path] = nil
}

// SetDown makes the double answer every request with 503 (true), or
// work again (false).
func (d *StripeDouble) SetDown(down bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = down
}

// Calls lists the requests made so far, as "METHOD /path".
func (d *StripeDouble) Calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.calls...)
}

// Count says how many requests were "METHOD /path".
func (d *StripeDouble) Count(call string) int {
	n := 0
	for _, c := range d.Calls() {
		if c == call {
			n++
		}
	}
	return n
}

// NewerAPIVersion is the version events of a newer account are in.
const NewerAPIVersion = "2025-03-31.basil"

// NewerEvent is an event as an account on a newer API version sends it:
// its object is Stripe's sample from 2026, in that version's layout (an
// invoice's subscription under parent.subscription_details, no charge, and
// so on), carrying only id as ours. Nothing else in it is true, so a
// server that read it inline would record wrong facts: it must retrieve
// the object.
func NewerEvent(t testing.TB, id, typ, objectName, objectID string, at time.Time) []byte {
	t.Helper()
	obj := newerFixture(t, objectName)
	obj["id"] = objectID
	// Misleading inline facts, in the newer layout.
	for _, k := range []string{"amount_paid", "amount_total", "amount", "amount_refunded"} {
		if _, ok := obj[k]; ok {
			obj[k] = 1
		}
	}
	if _, ok := obj["customer_email"]; ok {
		obj["customer_email"] = "inline-must-not-be-read@example.com"
	}
	ev := Fixture(t, "event")
	ev["id"], ev["type"], ev["api_version"], ev["created"] = id, typ, NewerAPIVersion, at.Unix()
	ev["data"] = map[string]any{"object": obj}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newerFixture is one of Stripe's 2026 sample objects (a newer API
// version's layout), by object name.
func newerFixture(t testing.TB, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dataDir(), "fixtures3-2026-07-29.json"))
	if err != nil {
		t.Fatalf("reading Stripe's newer fixtures: %v", err)
	}
	var all struct {
		Resources map[string]map[string]any `json:"resources"`
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	obj, ok := all.Resources[name]
	if !ok {
		t.Fatalf("no newer Stripe fixture named %q", name)
	}
	return obj
}

// ObjectPath is the API path that retrieves an object of name and id.
func ObjectPath(name, id string) string {
	return "/v1/" + map[string]string{"checkout.session": "checkout/sessions", "invoice": "invoices",
		"subscription": "subscriptions", "charge": "charges", "dispute": "disputes"}[name] + "/" + strings.TrimSpace(id)
}
