package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	// collections are resources the double keeps state for, by base path.
	collections map[string]*collection
	// forbidden answers a restricted key's 403 on a path prefix, naming
	// the permission it lacks.
	forbidden map[string]string
}

// collection is one resource's objects, kept as Stripe keeps them.
type collection struct {
	prefix string
	next   int
	order  []string
	byID   map[string]map[string]any
}

// NewStripeDouble starts a double in front of stripe-mock at mockURL.
func NewStripeDouble(t testing.TB, mockURL string) *StripeDouble {
	t.Helper()
	d := &StripeDouble{objects: map[string]any{}, collections: map[string]*collection{}}
	client := &http.Client{Timeout: 30 * time.Second}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		d.calls = append(d.calls, r.Method+" "+r.URL.Path)
		key := r.URL.Path
		if po := r.URL.Query().Get("payout"); po != "" {
			key += "?payout=" + po // a payout's balance transactions
		}
		obj, known := d.objects[key]
		down := d.down
		var lacks string
		for prefix, perm := range d.forbidden {
			if strings.HasPrefix(r.URL.Path, prefix) {
				lacks = perm
			}
		}
		d.mu.Unlock()
		if down {
			http.Error(w, `{"error": {"type": "api_error", "message": "down for the test"}}`, http.StatusServiceUnavailable)
			return
		}
		if lacks != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": "invalid_request_error",
				"message": "The provided key 'rk_test_***' does not have the required permissions for this endpoint on account 'acct_1'. " +
					"Having the '" + lacks + "' permission would allow this request to continue."}})
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
		if resp.StatusCode < 300 {
			if out, status, ok := d.collectionAnswer(r, body, answer); ok {
				w.WriteHeader(status)
				json.NewEncoder(w).Encode(out)
				return
			}
		}
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
// A list of a payout's balance transactions is at
// "/v1/balance_transactions?payout=po_...".
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

// Forbid answers requests under prefix as Stripe answers a restricted key
// that lacks permission.
func (d *StripeDouble) Forbid(prefix, permission string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.forbidden == nil {
		d.forbidden = map[string]string{}
	}
	d.forbidden[prefix] = permission
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

// Collection makes the double keep the objects of the resource at base
// ("/v1/webhook_endpoints") as Stripe would: POST base creates one
// (stripe-mock's answer, with the fields sent and an id of prefix), POST
// base/id updates it, DELETE base/id deletes it, GET lists or reads them.
// stripe-mock still validates every call first.
func (d *StripeDouble) Collection(base, prefix string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.collections[base] = &collection{prefix: prefix, byID: map[string]map[string]any{}}
}

// Add puts obj in the collection at base, as if made there before (by
// another tool, say): listings return it.
func (d *StripeDouble) Add(base string, obj map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.collections[base]
	id := obj["id"].(string)
	c.byID[id] = obj
	c.order = append(c.order, id)
}

// Objects lists what a collection holds now.
func (d *StripeDouble) Objects(base string) []map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.collections[base]
	var out []map[string]any
	for _, id := range c.order {
		out = append(out, c.byID[id])
	}
	return out
}

// collectionAnswer answers a call on a collection, when it is one.
func (d *StripeDouble) collectionAnswer(r *http.Request, body, mockAnswer []byte) (any, int, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for base, c := range d.collections {
		id, ok := strings.CutPrefix(r.URL.Path, base)
		if !ok || (id != "" && !strings.HasPrefix(id, "/")) {
			continue
		}
		id = strings.TrimPrefix(id, "/")
		form, _ := url.ParseQuery(string(body))
		switch {
		case r.Method == http.MethodGet && id == "":
			var data []any
			for _, k := range c.order {
				data = append(data, c.byID[k])
			}
			return map[string]any{"object": "list", "url": base, "has_more": false, "data": data}, http.StatusOK, true
		case r.Method == http.MethodPost && id == "":
			var obj map[string]any
			if err := json.Unmarshal(mockAnswer, &obj); err != nil {
				return nil, 0, false
			}
			c.next++
			obj["id"] = fmt.Sprintf("%s%d", c.prefix, c.next)
			if obj["object"] == "webhook_endpoint" { // Stripe shows its secret on creation only
				obj["secret"] = fmt.Sprintf("whsec_double_%d", c.next)
				obj["status"] = "enabled"
			}
			applyForm(obj, form)
			c.byID[obj["id"].(string)] = obj
			c.order = append(c.order, obj["id"].(string))
			return obj, http.StatusOK, true
		}
		obj, known := c.byID[id]
		if !known {
			return map[string]any{"error": map[string]any{"type": "invalid_request_error", "code": "resource_missing"}}, http.StatusNotFound, true
		}
		switch r.Method {
		case http.MethodPost:
			applyForm(obj, form)
			return obj, http.StatusOK, true
		case http.MethodDelete:
			delete(c.byID, id)
			c.order = slices.DeleteFunc(c.order, func(k string) bool { return k == id })
			return map[string]any{"id": id, "deleted": true}, http.StatusOK, true
		}
		return obj, http.StatusOK, true
	}
	return nil, 0, false
}

// applyForm lays form-encoded fields (a[b][0]=x) over obj, as Stripe
// reads them; "disabled" is a webhook endpoint's status.
func applyForm(obj map[string]any, form url.Values) {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lists := map[string]bool{}
	for _, k := range keys {
		path := strings.FieldsFunc(k, func(r rune) bool { return r == '[' || r == ']' })
		if len(path) == 0 || path[0] == "expand" {
			continue
		}
		if path[0] == "disabled" {
			obj["status"] = map[bool]string{true: "disabled", false: "enabled"}[form.Get(k) == "true"]
			continue
		}
		var v any = form.Get(k)
		if v == "true" || v == "false" {
			v = v == "true"
		}
		node := obj
		for i, seg := range path[:len(path)-1] {
			if _, err := strconv.Atoi(path[i+1]); err == nil {
				// A list: sent whole, so it replaces what was there.
				listKey := strings.Join(path[:i+1], ".")
				if !lists[listKey] {
					node[seg] = []any{}
					lists[listKey] = true
				}
				node[seg] = append(node[seg].([]any), v)
				node = nil
				break
			}
			next, ok := node[seg].(map[string]any)
			if !ok {
				next = map[string]any{}
				node[seg] = next
			}
			node = next
		}
		if node != nil {
			node[path[len(path)-1]] = v
		}
	}
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

// List is a Stripe list object of data, as list endpoints answer.
func List(path string, data ...map[string]any) map[string]any {
	items := make([]any, len(data))
	for i, d := range data {
		items[i] = d
	}
	return map[string]any{"object": "list", "url": path, "has_more": false, "data": items}
}
