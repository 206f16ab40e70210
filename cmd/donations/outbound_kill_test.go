package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/server"
	"github.com/indienews/donations/testenv"
)

// receiver is a newsroom's tool receiving our events: it checks each
// signature with the Standard Webhooks algorithm written here again (not
// our signer), and keeps the first arrival of each webhook-id in order.
type receiver struct {
	mu      sync.Mutex
	key     []byte
	seen    map[string]bool
	order   []received
	repeats int
	bad     []string
}

type received struct {
	id, typ, donor string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A tool that takes its time, so the kill finds deliveries waiting
	// and some in flight.
	time.Sleep(20 * time.Millisecond)
	body, _ := io.ReadAll(r.Body)
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	mac := hmac.New(sha256.New, rc.key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !strings.Contains(" "+r.Header.Get("webhook-signature")+" ", " "+want+" ") {
		rc.bad = append(rc.bad, id)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			DonorID string `json:"donor_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil || ev.Type == "" {
		rc.bad = append(rc.bad, id+" (body)")
	}
	if rc.seen[id] {
		rc.repeats++ // at least once: a delivery cut off by the kill comes again
	} else {
		rc.seen[id] = true
		rc.order = append(rc.order, received{id, ev.Type, ev.Data.DonorID})
	}
	w.WriteHeader(http.StatusNoContent)
}

// TestOutboundEventsSurviveSIGKILL: gifts stream into a server (a process
// of its own) with an endpoint registered; the server is killed without
// warning mid-stream and another started. The receiver gets every event
// the ledger holds, each signed, once per webhook-id, in order per donor.
func TestOutboundEventsSurviveSIGKILL(t *testing.T) {
	mock := testenv.StripeMock(t)
	dbURL := testenv.PostgresSchema(t)
	env := map[string]string{"DATABASE_URL": dbURL, "ADDR": freeAddr(t), "METRICS_ADDR": "off", "DATA_DIR": t.TempDir(),
		"STRIPE_SECRET_KEY": "sk_test_kill", "STRIPE_WEBHOOK_SECRET": drillSecret, "STRIPE_API_BASE": mock, "RECONCILE_EVERY": "off",
		"LOG_LEVEL": "warn", "JOB_RESCUE_AFTER": "10s", "OUTBOUND_ALLOW_LOOPBACK": "true"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := server.OpenStore(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{seen: map[string]bool{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	ep, err := store.CreateOutboundEndpoint(ctx, hook.URL+"/hook", "the test's receiver", nil, models.CommandLine)
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rc.key, err = base64.StdEncoding.DecodeString(strings.TrimPrefix(ep.Secret, "whsec_")); err != nil {
		t.Fatal(err)
	}

	// give posts paid checkout i until the server takes it, as Stripe
	// retries: a post the kill cut off is sent again.
	give := func(i int) {
		t.Helper()
		body := testenv.EventAt(t, fmt.Sprintf("evt_kill_%d", i), "checkout.session.completed",
			testenv.PaidSession(t, fmt.Sprintf("cs_kill_%d", i), "", fmt.Sprintf("d%d@example.com", i%7), int64(1000+i)), time.Now())
		for attempt := 0; ; attempt++ {
			req, _ := http.NewRequest("POST", "http://"+env["ADDR"]+"/webhooks/stripe", bytes.NewReader(body))
			req.Header.Set("Stripe-Signature", testenv.Sign(body, drillSecret, time.Now()))
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return
				}
			}
			if attempt > 600 {
				t.Fatalf("gift %d never taken: %v", i, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	first := serveProcess(t, env)
	for i := range 30 {
		give(i)
	}
	waitFor(t, "the first deliveries", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return len(rc.order) >= 10
	})
	// No goodbye: deliveries are mid-flight, jobs half taken.
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	before := len(rc.order)
	rc.mu.Unlock()
	_ = first.Wait()
	serveProcess(t, env)
	for i := 30; i < 60; i++ {
		give(i)
	}

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var events int
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if err := db.QueryRow("SELECT COUNT(*) FROM outbound_events").Scan(&events); err != nil {
			t.Fatal(err)
		}
		rc.mu.Lock()
		got := len(rc.order)
		rc.mu.Unlock()
		if events > 0 && got == events {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes the receiver has %d of %d events", got, events)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// 60 gifts: 60 gift.paid and 60 receipt.issued, 7 donor.created.
	if events != 127 {
		t.Errorf("%d events in the ledger, want 127", events)
	}
	rows, err := db.Query("SELECT id, COALESCE(donor_id, '') FROM outbound_events ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := map[string][]string{} // each donor's events, in ledger order
	for rows.Next() {
		var id, donor string
		if err := rows.Scan(&id, &donor); err != nil {
			t.Fatal(err)
		}
		want[donor] = append(want[donor], id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	got := map[string][]string{}
	for _, r := range rc.order {
		got[r.donor] = append(got[r.donor], r.id)
	}
	for donor, ids := range want {
		if strings.Join(got[donor], " ") != strings.Join(ids, " ") {
			t.Errorf("donor %q: the receiver got\n  %v\nthe ledger holds\n  %v", donor, got[donor], ids)
		}
	}
	if len(rc.bad) > 0 {
		t.Errorf("deliveries that failed the signature check: %v", rc.bad)
	}
	if before >= 67 {
		t.Errorf("the receiver had all %d events of the first server before the kill: nothing was in flight", before)
	}
	t.Logf("%d events, each once per webhook-id; %d had arrived at the kill; %d deliveries repeated after it", events, before, rc.repeats)
}
