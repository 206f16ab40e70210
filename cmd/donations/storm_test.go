package main

import (
	_ "github.com/jackc/pgx/v5/stdlib"

	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/testenv"
)

const stormSecret = "whsec_storm"

// stormHistory is a generated stretch of a newsroom's life, as Stripe
// would report it, with what the ledger must say at the end.
type stormHistory struct {
	events [][]byte
	steps  []stormStep // what each event is about, to send it in another API version
	// final is each object as Stripe holds it at the end: what retrieving
	// it for an event of another version returns.
	final    map[string]map[string]any
	gifts    int              // paid gifts expected
	gross    map[string]int64 // per currency
	refunds  map[string]int64
	refunded map[string]int64 // per checkout session: final cumulative refund
	disputed map[string]string
	members  map[string]string // subscription: final status
}

func generateStorm(t *testing.T, nOnce, nMembers int) stormHistory {
	h := stormHistory{gross: map[string]int64{}, refunds: map[string]int64{}, refunded: map[string]int64{},
		disputed: map[string]string{}, members: map[string]string{}, final: map[string]map[string]any{}}
	t0 := time.Now().Add(-2 * time.Hour)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	for i := 0; i < nOnce; i++ {
		cs, pi, ch := fmt.Sprintf("cs_storm_%d", i), fmt.Sprintf("pi_cs_storm_%d", i), fmt.Sprintf("ch_storm_%d", i)
		amount := int64(500 + 7*i)
		s := testenv.PaidSession(t, cs, "", fmt.Sprintf("donor%d@example.com", i%(nOnce/2+1)), amount)
		cur := "usd"
		if i%5 == 4 {
			cur = "eur"
			s["currency"] = cur
		}
		h.events = append(h.events, testenv.EventAt(t, "evt_pay_"+cs, "checkout.session.completed", s, at(i)))
		h.gifts++
		h.gross[cur] += amount
		if i%4 == 0 { // partial refunds, and every other one later in full
			final := amount / 2
			h.events = append(h.events, testenv.EventAt(t, "evt_ref1_"+cs, "charge.refunded", testenv.Charge(t, ch, pi, "", amount, amount/4), at(i+1000)))
			if i%8 == 0 {
				final = amount
			}
			h.events = append(h.events, testenv.EventAt(t, "evt_ref2_"+cs, "charge.refunded", testenv.Charge(t, ch, pi, "", amount, final), at(i+2000)))
			h.refunded[cs] = final
			h.refunds[cur] += final
		}
		if i%10 == 3 {
			status := "lost"
			if i%20 == 3 {
				status = "won"
			}
			h.events = append(h.events,
				testenv.EventAt(t, "evt_dp1_"+cs, "charge.dispute.created", testenv.Dispute(t, "dp_"+cs, ch, pi, "needs_response", amount), at(i+3000)),
				testenv.EventAt(t, "evt_dp2_"+cs, "charge.dispute.closed", testenv.Dispute(t, "dp_"+cs, ch, pi, status, amount), at(i+4000)))
			h.disputed[cs] = status
		}
	}
	for j := 0; j < nMembers; j++ {
		sub, cus := fmt.Sprintf("sub_storm_%d", j), fmt.Sprintf("cus_storm_%d", j)
		email := fmt.Sprintf("member%d@example.com", j)
		snap := func(status string, ended time.Time) map[string]any {
			return testenv.Subscription(t, testenv.SubscriptionSpec{ID: sub, Customer: cus, Status: status, Interval: "month",
				Amount: 1500, PeriodEnd: t0.AddDate(0, 1, 0), Started: t0, Ended: ended})
		}
		inv := func(k int, reason string, paid bool) map[string]any {
			return testenv.Invoice(t, testenv.InvoiceSpec{ID: fmt.Sprintf("in_storm_%d_%d", j, k), Subscription: sub, Customer: cus,
				Charge: fmt.Sprintf("ch_storm_%d_%d", j, k), PaymentIntent: fmt.Sprintf("pi_storm_%d_%d", j, k), BillingReason: reason,
				Amount: 1500, Paid: paid, Email: email, Name: "Member", Interval: "month"})
		}
		h.events = append(h.events,
			testenv.EventAt(t, "evt_sc_"+sub, "customer.subscription.created", snap("active", time.Time{}), at(5000+j)),
			testenv.EventAt(t, "evt_ip1_"+sub, "invoice.paid", inv(1, "subscription_create", true), at(5100+j)),
			testenv.EventAt(t, "evt_ip2_"+sub, "invoice.paid", inv(2, "subscription_cycle", true), at(5200+j)))
		h.gifts += 2
		h.gross["usd"] += 3000
		h.members[sub] = "active"
		if j%3 == 0 {
			h.events = append(h.events, testenv.EventAt(t, "evt_if_"+sub, "invoice.payment_failed", inv(3, "subscription_cycle", false), at(5300+j)))
			h.members[sub] = "past_due"
		}
		if j%2 == 0 {
			h.events = append(h.events, testenv.EventAt(t, "evt_sd_"+sub, "customer.subscription.deleted", snap("canceled", at(5400+j)), at(5400+j)))
			h.members[sub] = "canceled"
		}
	}
	// Record what each event is about, in the order Stripe's state moved.
	for _, body := range h.events {
		var ev struct {
			ID, Type string
			Created  int64
			Data     struct{ Object map[string]any }
		}
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Fatal(err)
		}
		obj := ev.Data.Object
		name, id := obj["object"].(string), obj["id"].(string)
		h.steps = append(h.steps, stormStep{id: ev.ID, typ: ev.Type, objectName: name, objectID: id, at: time.Unix(ev.Created, 0)})
		h.final[testenv.ObjectPath(name, id)] = obj
	}
	return h
}

// stormStep is what one event of the storm is about.
type stormStep struct {
	id, typ, objectName, objectID string
	at                            time.Time
}

// TestWebhookStorm delivers a generated history with 30% duplicates in a
// shuffled order from 32 senders that retry like Stripe, while the
// database is stopped and started again in the middle. At the end the
// ledger matches the history exactly. STORM=full runs it at full size.
func TestWebhookStorm(t *testing.T) {
	nOnce, nMembers := 120, 30
	if os.Getenv("STORM") == "full" {
		nOnce, nMembers = 4000, 800
	}
	pg := testenv.StartPrivatePostgres(t)
	hist := generateStorm(t, nOnce, nMembers)
	deliveries := append([][]byte(nil), hist.events...)
	rng := rand.New(rand.NewPCG(7, 11))
	for _, ev := range hist.events {
		if rng.IntN(10) < 3 {
			deliveries = append(deliveries, ev)
		}
	}
	rng.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })

	// A quarter of the events arrive in the account's newer API version:
	// their objects are retrieved, from Stripe as it stands at the end.
	double := testenv.NewStripeDouble(t, testenv.StripeMock(t))
	for path, obj := range hist.final {
		double.Put(path, obj)
	}
	newer := map[string][]byte{}
	for i, st := range hist.steps {
		if i%4 == 1 {
			newer[string(hist.events[i])] = testenv.NewerEvent(t, st.id, st.typ, st.objectName, st.objectID, st.at)
		}
	}
	for i, d := range deliveries {
		if n, ok := newer[string(d)]; ok {
			deliveries[i] = n
		}
	}
	mail := testenv.StartMailpit(t)

	// Two instances on one Postgres, each working jobs (email, and the
	// reconcile only its leader schedules), behind a round-robin proxy.
	env := map[string]string{"DATABASE_URL": pg.URL(), "ADDR": "127.0.0.1:0", "METRICS_ADDR": "off", "DATA_DIR": t.TempDir(),
		"STRIPE_SECRET_KEY": "sk_test_storm", "STRIPE_WEBHOOK_SECRET": stormSecret, "STRIPE_API_BASE": double.URL,
		"RECONCILE_EVERY": "1m", "RECONCILE_WINDOW": "1m", "SMTP_URL": mail.SMTPURL(), "MAIL_FROM": "receipts@ledger.example"}
	baseA, stopA, doneA := startServe(t, env)
	baseB, stopB, doneB := startServe(t, env)
	var turn atomic.Int64
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		target := baseA
		if turn.Add(1)%2 == 0 {
			target = baseB
		}
		u, _ := url.Parse(target)
		r.SetURL(u)
	}})
	defer proxy.Close()
	base := proxy.URL
	start := time.Now()
	client := &http.Client{Timeout: 30 * time.Second}

	queue := make(chan []byte, len(deliveries))
	for _, d := range deliveries {
		queue <- d
	}
	var acked, retried, serverErrors atomic.Int64
	total := int64(len(deliveries))
	var wg sync.WaitGroup
	for s := 0; s < 32; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for acked.Load() < total {
				var body []byte
				select {
				case body = <-queue:
				case <-time.After(100 * time.Millisecond):
					continue
				}
				req, _ := http.NewRequest("POST", base+"/webhooks/stripe", bytes.NewReader(body))
				req.Header.Set("Stripe-Signature", testenv.Sign(body, stormSecret, time.Now()))
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err == nil && resp.StatusCode == http.StatusOK {
					acked.Add(1)
					continue
				}
				if err == nil && resp.StatusCode >= 500 {
					serverErrors.Add(1)
				} else if err == nil {
					t.Errorf("delivery refused with %d", resp.StatusCode)
					acked.Add(1)
					continue
				}
				// Like Stripe: anything but 2xx is tried again later.
				retried.Add(1)
				time.Sleep(200 * time.Millisecond)
				queue <- body
			}
		}()
	}
	// The database goes away in the middle of the storm.
	for acked.Load() < total/2 {
		time.Sleep(20 * time.Millisecond)
	}
	pg.Stop()
	resp, err := http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down: %v %v", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}
	time.Sleep(time.Second)
	pg.Start()
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(5 * time.Minute):
		t.Fatalf("storm did not finish: %d of %d acknowledged", acked.Load(), total)
	}
	elapsed := time.Since(start)
	for _, b := range []string{baseA, baseB} {
		if resp, err := http.Get(b + "/readyz"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("/readyz after the restart: %v %v", resp, err)
		}
	}
	// Every email goes out, once, from whichever instance took its job;
	// one instance leads, and has reconciled.
	waitForEmails(t, pg.URL(), 3*time.Minute)
	waitForReconcile(t, pg.URL(), 2*time.Minute)
	for _, stop := range []context.CancelFunc{stopA, stopB} {
		stop()
	}
	for _, done := range []<-chan error{doneA, doneB} {
		if err := <-done; err != nil {
			t.Fatalf("serve: %v", err)
		}
	}
	t.Logf("two instances: %d deliveries of %d events (%d in %s, retrieved) in %s, %.0f deliveries/s; %d retried (%d server errors while the database was away)",
		total, len(hist.events), len(newer), testenv.NewerAPIVersion, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(),
		retried.Load(), serverErrors.Load())
	if retried.Load() == 0 {
		t.Error("no delivery was retried: the database restart was not felt")
	}
	checkStorm(t, pg.URL(), hist)
	checkOnceAcrossInstances(t, pg.URL(), mail)
	// And the books, as donations check reads them: gap-free, every void
	// and replacement linked, every receipt equal to its gift, sealed.
	if code, out, stderr := runCmd(t, env, "check"); code != 0 || !strings.Contains(out, "nothing wrong") {
		t.Fatalf("donations check after the storm: exit %d\n%s%s", code, out, stderr)
	}
}

// waitForEmails waits until no message is waiting to be sent.
func waitForEmails(t *testing.T, url string, within time.Duration) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(within)
	for {
		var waiting int64
		// A message whose sender died with the database may stay "sending"
		// (it is never resent by itself): it waits for nothing.
		err := db.QueryRow(`SELECT COUNT(*) FROM email_messages WHERE status NOT IN ('sent', 'sending', 'unconfirmed')`).Scan(&waiting)
		if err == nil && waiting == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d emails still waiting (%v)", waiting, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitForReconcile waits until the periodic reconciliation has run to the
// end, and checks that one instance, and only one, leads.
func waitForReconcile(t *testing.T, url string, within time.Duration) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(within)
	for {
		var done, leaders int64
		err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM river_job WHERE kind = 'reconcile_stripe' AND state = 'completed'),
			(SELECT COUNT(*) FROM river_leader)`).Scan(&done, &leaders)
		if err == nil && done > 0 {
			if leaders != 1 {
				t.Errorf("%d leaders among two instances", leaders)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reconciliation ran (%v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkOnceAcrossInstances: each message reached the SMTP server once,
// and one instance alone scheduled the reconciliation at a time.
func checkOnceAcrossInstances(t *testing.T, url string, mail *testenv.Mailpit) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sent, uncertain int64
	if err := db.QueryRow(`SELECT COUNT(*) FILTER (WHERE status = 'sent'), COUNT(*) FILTER (WHERE status IN ('sending', 'unconfirmed'))
		FROM email_messages`).Scan(&sent, &uncertain); err != nil {
		t.Fatal(err)
	}
	got := mail.AllMessages()
	ids := map[string]int{}
	for _, m := range got {
		ids[m.MessageID]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("message %s arrived %d times", id, n)
		}
	}
	// A message recorded as sent arrived; one whose sender stopped while
	// the database was away may or may not have.
	if n := int64(len(got)); n < sent || n > sent+uncertain || sent == 0 {
		t.Errorf("%d messages arrived for %d sent (%d uncertain)", n, sent, uncertain)
	}
	// Whichever instance leads schedules the reconciliation, one per
	// period: never two for one minute, however many instances.
	var twice, reconciles int64
	if err := db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'reconcile_stripe'`).Scan(&reconciles); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM (SELECT date_trunc('minute', scheduled_at) FROM river_job
		WHERE kind = 'reconcile_stripe' GROUP BY 1 HAVING COUNT(*) > 1) d`).Scan(&twice); err != nil {
		t.Fatal(err)
	}
	if reconciles == 0 || twice != 0 {
		t.Errorf("%d reconciliations, %d minutes with more than one", reconciles, twice)
	}
}

func checkStorm(t *testing.T, url string, h stormHistory) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	one := func(q string, args ...any) int64 {
		var n int64
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	// The storm's own events (the reconciliation records what stripe-mock
	// lists as well, as skipped).
	if n := one(`SELECT COUNT(*) FROM stripe_events WHERE id LIKE '%storm%'`); n != int64(len(h.events)) {
		t.Errorf("%d events recorded, want %d", n, len(h.events))
	}
	if n := one(`SELECT COUNT(*) FROM gifts WHERE status IN ('paid', 'refunded')`); n != int64(h.gifts) {
		t.Errorf("%d paid gifts, want %d", n, h.gifts)
	}
	for cur, want := range h.gross {
		if got := one(`SELECT COALESCE(SUM(total_amount), 0) FROM gifts WHERE currency = $1 AND status IN ('paid', 'refunded')`, cur); got != want {
			t.Errorf("gross %s = %d, want %d", cur, got, want)
		}
		if got := one(`SELECT COALESCE(SUM(refunded_amount), 0) FROM gifts WHERE currency = $1`, cur); got != h.refunds[cur] {
			t.Errorf("refunds %s = %d, want %d", cur, got, h.refunds[cur])
		}
	}
	// Receipt numbers: unique and 1..N within each fiscal year.
	rows, err := db.Query(`SELECT fiscal_year, COUNT(*), MIN(sequence), MAX(sequence), COUNT(DISTINCT number) FROM receipts GROUP BY fiscal_year`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var fy, n, lo, hi, distinct int64
		if err := rows.Scan(&fy, &n, &lo, &hi, &distinct); err != nil {
			t.Fatal(err)
		}
		if lo != 1 || hi != n || distinct != n {
			t.Errorf("fiscal year %d: %d receipts numbered %d..%d (%d distinct)", fy, n, lo, hi, distinct)
		}
	}
	rows.Close()
	// Every paid gift has exactly the receipt in force its refunds and
	// disputes leave, for what remains.
	gifts, err := db.Query(`SELECT g.id, COALESCE(g.stripe_session_id, ''), g.total_amount, g.refunded_amount, g.dispute_status,
		(SELECT COUNT(*) FROM receipts r WHERE r.gift_id = g.id AND r.status = 'issued'),
		(SELECT COALESCE(SUM(amount), 0) FROM receipts r WHERE r.gift_id = g.id AND r.status = 'issued')
		FROM gifts g WHERE g.status IN ('paid', 'refunded')`)
	if err != nil {
		t.Fatal(err)
	}
	for gifts.Next() {
		var id, session, dispute string
		var total, refunded, inForce, inForceAmount int64
		if err := gifts.Scan(&id, &session, &total, &refunded, &dispute, &inForce, &inForceAmount); err != nil {
			t.Fatal(err)
		}
		if want := h.refunded[session]; refunded != want {
			t.Errorf("gift %s refunded %d, want %d", session, refunded, want)
		}
		if want := h.disputed[session]; dispute != want {
			t.Errorf("gift %s dispute %q, want %q", session, dispute, want)
		}
		wantInForce := int64(1)
		if refunded >= total || dispute == "lost" || dispute == "open" {
			wantInForce = 0
		}
		if inForce != wantInForce || (wantInForce == 1 && inForceAmount != total-refunded) {
			t.Errorf("gift %s: %d receipts in force for %d, want %d for %d", session, inForce, inForceAmount, wantInForce, total-refunded)
		}
	}
	gifts.Close()
	for sub, want := range h.members {
		var status string
		if err := db.QueryRow(`SELECT status FROM memberships WHERE stripe_subscription_id = $1`, sub).Scan(&status); err != nil || status != want {
			t.Errorf("membership %s: %q %v, want %q", sub, status, err, want)
		}
	}
	// One receipt email per original receipt: none enqueued twice.
	if got, want := one(`SELECT COUNT(*) FROM email_messages WHERE kind = 'receipt'`), one(`SELECT COUNT(*) FROM receipts WHERE replaces = ''`); got != want {
		t.Errorf("%d receipt emails for %d original receipts", got, want)
	}
	if n := one(`SELECT COUNT(*) FROM (SELECT args FROM river_job WHERE kind = 'send_email' GROUP BY args HAVING COUNT(*) > 1) d`); n != 0 {
		t.Errorf("%d emails have more than one send job", n)
	}
}

// startServe runs serve with env until stop is called; done receives its
// result.
func startServe(t *testing.T, env map[string]string) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, ready) }()
	select {
	case addr := <-ready:
		return "http://" + addr, stop, done
	case err := <-done:
		stop()
		t.Fatalf("serve: %v", err)
	}
	return "", stop, done
}
