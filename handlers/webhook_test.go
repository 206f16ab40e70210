package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// deliver posts a webhook body with a signature header, as Stripe does.
func (a *testApp) deliver(body []byte, sig string) (int, string) {
	a.t.Helper()
	req, _ := http.NewRequest("POST", a.URL+"/webhooks/stripe", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("Stripe-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Errorf("delivering: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// deliverObject wraps a Stripe object in a signed event of type typ and
// delivers it, failing the test unless it is accepted.
func (a *testApp) deliverObject(id, typ string, obj map[string]any) {
	a.t.Helper()
	body := testenv.Event(a.t, id, typ, obj, "2023-10-16")
	if code, resp := a.deliver(body, testenv.Sign(body, webhookSecret, time.Now())); code != 200 {
		a.t.Fatalf("%s: %d %s", id, code, resp)
	}
}

func paidEvent(t *testing.T, evID, sessionID, giftID, email string, amount int64) []byte {
	return testenv.Event(t, evID, "checkout.session.completed", testenv.PaidSession(t, sessionID, giftID, email, amount), "2023-10-16")
}

func (a *testApp) receipts(fy int) []models.Receipt {
	a.t.Helper()
	var out []models.Receipt
	err := a.Store.EachReceipt(context.Background(), models.ReceiptPeriod{FiscalYear: fy}, func(r *models.Receipt) error {
		out = append(out, *r)
		return nil
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return out
}

func TestWebhookPaidFormGiftThenThanksPage(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		ctx := context.Background()
		g := &models.Gift{Frequency: "once", Amount: 2500, FeeAmount: 106, Currency: "usd", Email: "reader@example.com", Name: "Ada Reader"}
		if err := app.Store.CreateGift(ctx, g); err != nil {
			t.Fatal(err)
		}
		if err := app.Store.AttachCheckoutSession(ctx, g.ID, "cs_test_thanks"); err != nil {
			t.Fatal(err)
		}
		c := app.client()
		_, body := app.get(c, "/donate/thanks?session_id=cs_test_thanks")
		if !strings.Contains(body, "receipt is on its way") || strings.Contains(body, "receipt-number") {
			t.Fatalf("thanks page before the webhook:\n%s", body)
		}
		ev := paidEvent(t, "evt_thanks", "cs_test_thanks", g.ID, "reader@example.com", 2606)
		if code, resp := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 || !strings.Contains(resp, `"duplicate":false`) {
			t.Fatalf("delivery: %d %s", code, resp)
		}
		_, body = app.get(c, "/donate/thanks?session_id=cs_test_thanks")
		fy := time.Now().UTC().Year()
		want := fmt.Sprintf(`<strong id="receipt-number">%d-000001</strong>`, fy)
		if !strings.Contains(body, want) || !strings.Contains(body, "$26.06") {
			t.Fatalf("thanks page after the webhook lacks %s and $26.06:\n%s", want, body)
		}
		if code, resp := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 || !strings.Contains(resp, `"duplicate":true`) {
			t.Fatalf("redelivery: %d %s", code, resp)
		}
		if n := len(app.receipts(fy)); n != 1 {
			t.Fatalf("%d receipts after a redelivery, want 1", n)
		}
		if resp, _ := app.get(c, "/donate/thanks?session_id=cs_unknown"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown session: %d", resp.StatusCode)
		}
		if resp, _ := app.get(c, "/donate/thanks"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("no session: %d", resp.StatusCode)
		}
	})
}

func TestWebhookRefusesBadDeliveries(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	good := paidEvent(t, "evt_ok", "cs_ok", "", "x@example.com", 1000)
	malformed := []byte(`{"id": "evt_bad", "type": "checkout.session.completed", "api_version": "2023-10-16", "data": {`)
	noID := []byte(`{"object":"event","api_version":"2023-10-16","type":"checkout.session.completed","data":{"object":{}}}`)
	huge := append(append([]byte(`{"pad":"`), bytes.Repeat([]byte("a"), 1<<20)...), []byte(`"}`)...)
	cases := []struct {
		name   string
		body   []byte
		sig    string
		status int
		reason string
	}{
		{"no signature", good, "", 400, "invalid signature"},
		{"wrong secret", good, testenv.Sign(good, "whsec_other", time.Now()), 400, "invalid signature"},
		{"garbled header", good, "t=abc,v1=zz", 400, "invalid signature"},
		{"body changed after signing", append([]byte(" "), good...), testenv.Sign(good, webhookSecret, time.Now()), 400, "invalid signature"},
		{"stale timestamp", good, testenv.Sign(good, webhookSecret, time.Now().Add(-6*time.Minute)), 400, "too old"},
		{"malformed JSON", malformed, testenv.Sign(malformed, webhookSecret, time.Now()), 400, "malformed"},
		{"event without id", noID, testenv.Sign(noID, webhookSecret, time.Now()), 400, "malformed"},
		{"oversized body", huge, testenv.Sign(huge, webhookSecret, time.Now()), 413, "1 MiB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := app.deliver(tc.body, tc.sig)
			if code != tc.status || !strings.Contains(body, tc.reason) {
				t.Fatalf("got %d %s, want %d mentioning %q", code, body, tc.status, tc.reason)
			}
		})
	}
	if n := len(app.receipts(time.Now().UTC().Year())); n != 0 {
		t.Fatalf("refused deliveries issued %d receipts", n)
	}
	// The same good event, correctly signed, still goes through.
	if code, body := app.deliver(good, testenv.Sign(good, webhookSecret, time.Now())); code != 200 {
		t.Fatalf("good event after refusals: %d %s", code, body)
	}
}

func TestWebhookStoresUnknownEventTypes(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		ev := testenv.Event(t, "evt_plan", "plan.created", testenv.Fixture(t, "plan"), "2023-10-16")
		code, body := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now()))
		if code != 200 {
			t.Fatalf("unknown type: %d %s", code, body)
		}
		out, err := app.Store.EventOutcome(context.Background(), "evt_plan")
		if err != nil || !strings.HasPrefix(out, "ignored") {
			t.Fatalf("stored outcome %q, %v", out, err)
		}
	})
}

func TestWebhookConcurrentCopiesOfOneEvent(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		ev := paidEvent(t, "evt_twins", "cs_twins", "", "twin@example.com", 5000)
		sig := testenv.Sign(ev, webhookSecret, time.Now())
		var wg sync.WaitGroup
		codes := make([]int, 50)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i], _ = app.deliver(ev, sig)
			}()
		}
		wg.Wait()
		for i, c := range codes {
			if c != 200 {
				t.Fatalf("delivery %d answered %d", i, c)
			}
		}
		rs := app.receipts(time.Now().UTC().Year())
		if len(rs) != 1 {
			t.Fatalf("%d receipts from 50 copies of one event, want 1", len(rs))
		}
		gr, err := app.Store.GiftBySession(context.Background(), "cs_twins")
		if err != nil || gr.Gift.Status != models.GiftPaid || gr.Receipt.Number != rs[0].Number {
			t.Fatalf("gift: %+v %v", gr, err)
		}
	})
}

func TestWebhookConcurrentDistinctEventsNumberWithoutGaps(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		const n = 200
		var wg sync.WaitGroup
		sem := make(chan struct{}, 50) // 50 at a time keeps the test inside the fd limit
		failed := make(chan string, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				ev := paidEvent(t, fmt.Sprintf("evt_many_%03d", i), fmt.Sprintf("cs_many_%03d", i), "", fmt.Sprintf("d%03d@example.com", i), int64(500+i))
				if code, body := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 {
					failed <- fmt.Sprintf("event %d: %d %s", i, code, body)
				}
			}()
		}
		wg.Wait()
		close(failed)
		for f := range failed {
			t.Error(f)
		}
		fy := time.Now().UTC().Year()
		rs := app.receipts(fy)
		if len(rs) != n {
			t.Fatalf("%d receipts, want %d", len(rs), n)
		}
		seqs := make([]int, 0, n)
		numbers := map[string]bool{}
		var total int64
		for _, r := range rs {
			seqs = append(seqs, int(r.Sequence))
			numbers[r.Number] = true
			total += r.Amount
			if r.Number != fmt.Sprintf("%d-%06d", fy, r.Sequence) {
				t.Errorf("number %s does not match sequence %d", r.Number, r.Sequence)
			}
		}
		sort.Ints(seqs)
		for i, s := range seqs {
			if s != i+1 {
				t.Fatalf("sequence %d at position %d: numbers are not 1..%d without gaps", s, i, n)
			}
		}
		if len(numbers) != n {
			t.Fatalf("%d distinct numbers, want %d", len(numbers), n)
		}
		// Every amount recorded once: sum of 500..699.
		if want := int64(n*500 + n*(n-1)/2); total != want {
			t.Fatalf("total %d, want %d", total, want)
		}
	})
}

// TestWebhookInTheAccountsOwnVersion: an event in the account's newer API
// version (as `stripe listen` and an unpinned endpoint send them) is
// verified, its object retrieved at our version, and applied; while
// Stripe cannot be reached it is answered 5xx with nothing stored, so
// Stripe's retry applies it later.
func TestWebhookInTheAccountsOwnVersion(t *testing.T) {
	double := testenv.NewStripeDouble(t, testenv.StripeMock(t))
	app := newApp(t, "postgres", appOptions{stripeURL: double.URL})
	session := testenv.PaidSession(t, "cs_new", "", "newer@example.com", 4200)
	double.Put(testenv.ObjectPath("checkout.session", "cs_new"), session)
	body := testenv.NewerEvent(t, "evt_new", "checkout.session.completed", "checkout.session", "cs_new", time.Now())

	double.SetDown(true)
	if code, resp := app.deliver(body, testenv.Sign(body, webhookSecret, time.Now())); code != http.StatusInternalServerError {
		t.Fatalf("with Stripe unreachable: %d %s, want 500", code, resp)
	}
	if n := len(app.receipts(time.Now().In(app.Config.Location).Year())); n != 0 {
		t.Fatalf("%d receipts while the object could not be retrieved", n)
	}
	double.SetDown(false)
	triedWhileDown := double.Count("GET /v1/checkout/sessions/cs_new") // stripe-go retries too
	if code, resp := app.deliver(body, testenv.Sign(body, webhookSecret, time.Now())); code != http.StatusOK {
		t.Fatalf("Stripe's retry: %d %s", code, resp)
	}
	rs := app.receipts(time.Now().In(app.Config.Location).Year())
	if len(rs) != 1 || rs[0].Amount != 4200 || rs[0].DonorEmail != "newer@example.com" {
		t.Fatalf("receipts from the retrieved session: %+v", rs)
	}
	if n := double.Count("GET /v1/checkout/sessions/cs_new") - triedWhileDown; n != 1 {
		t.Fatalf("the applied delivery retrieved the session %d times, want once", n)
	}
	// A redelivery is a duplicate by its event id, and retrieves nothing.
	before := double.Count("GET /v1/checkout/sessions/cs_new")
	if code, resp := app.deliver(body, testenv.Sign(body, webhookSecret, time.Now())); code != http.StatusOK || !strings.Contains(resp, `"duplicate":true`) {
		t.Fatalf("redelivery: %d %s", code, resp)
	}
	if n := double.Count("GET /v1/checkout/sessions/cs_new"); n != before {
		t.Fatalf("a redelivery retrieved the session again (%d calls, %d before)", n, before)
	}
}
