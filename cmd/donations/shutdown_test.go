package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indienews/donations/testenv"
)

// TestShutdownUnderLoad stops the server (what SIGTERM does: main turns it
// into the end of run's context) while 16 senders deliver events: every
// request it accepted is answered, and what it answered 200 for is
// recorded whole, with nothing half-written.
func TestShutdownUnderLoad(t *testing.T) {
	url := testenv.PostgresSchema(t)
	env := map[string]string{"DATABASE_URL": url, "ADDR": "127.0.0.1:0", "METRICS_ADDR": "off", "DATA_DIR": t.TempDir(),
		"STRIPE_SECRET_KEY": "sk_test_term", "STRIPE_WEBHOOK_SECRET": stormSecret, "STRIPE_API_BASE": "http://127.0.0.1:9",
		"RECONCILE_EVERY": "off"}
	base, stop, done := startServe(t, env)
	var n, ok, refused atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	stopSending := make(chan struct{})
	for s := 0; s < 16; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stopSending:
					return
				default:
				}
				i := n.Add(1)
				body := testenv.Event(t, fmt.Sprintf("evt_term_%d", i), "checkout.session.completed",
					testenv.PaidSession(t, fmt.Sprintf("cs_term_%d", i), "", fmt.Sprintf("t%d@example.com", i), 1000), "2023-10-16")
				req, _ := http.NewRequest("POST", base+"/webhooks/stripe", bytes.NewReader(body))
				req.Header.Set("Stripe-Signature", testenv.Sign(body, stormSecret, time.Now()))
				resp, err := client.Do(req)
				if err != nil {
					refused.Add(1) // the listener is closed: not accepted, nothing recorded
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					ok.Add(1)
				} else {
					t.Errorf("answered %d during shutdown", resp.StatusCode)
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	stop() // SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop")
	}
	close(stopSending)
	wg.Wait()
	if ok.Load() == 0 || refused.Load() == 0 {
		t.Fatalf("the load did not span the shutdown: %d answered, %d refused", ok.Load(), refused.Load())
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int64 {
		var c int64
		if err := db.QueryRow(q).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	events, gifts, receipts := count("SELECT COUNT(*) FROM stripe_events"), count("SELECT COUNT(*) FROM gifts WHERE status = 'paid'"), count("SELECT COUNT(*) FROM receipts")
	if events != ok.Load() || gifts != ok.Load() || receipts != ok.Load() {
		t.Fatalf("answered 200 for %d; recorded %d events, %d paid gifts, %d receipts", ok.Load(), events, gifts, receipts)
	}
	if count("SELECT COUNT(*) FROM gifts g WHERE status = 'paid' AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.gift_id = g.id)") != 0 {
		t.Fatal("a paid gift without its receipt")
	}
	t.Logf("%d answered, %d refused after the listener closed", ok.Load(), refused.Load())
}
