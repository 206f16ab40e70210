package jobs_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/outbound"
	"github.com/indienews/donations/testenv"
)

// receiver is a newsroom tool: it checks every signature with the
// specification's algorithm (not our signer), keeps what it accepted in
// the order it accepted it, and answers 503 while down.
type receiver struct {
	t      *testing.T
	secret string
	down   atomic.Bool
	tried  atomic.Int32

	mu       sync.Mutex
	accepted map[string]int      // webhook-id → times accepted
	perDonor map[string][]string // donor → webhook-ids in the order accepted
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.tried.Add(1)
	body, _ := io.ReadAll(r.Body)
	id, ts, sig := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	if !specVerify(rc.secret, id, ts, body, sig) {
		rc.t.Errorf("signature of %s does not verify: %q", id, sig)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if rc.down.Load() {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			DonorID string `json:"donor_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		rc.t.Errorf("body %s: %v", body, err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.accepted[id]++
	rc.perDonor[ev.Data.DonorID] = append(rc.perDonor[ev.Data.DonorID], id)
}

// specVerify: HMAC-SHA256 of "id.timestamp.body" under the secret's
// decoded bytes, against each space-separated "v1," signature.
func specVerify(secret, id, ts string, body []byte, header string) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || id == "" || ts == "" {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, part := range strings.Fields(header) {
		if v, sig, ok := strings.Cut(part, ","); ok && v == "v1" {
			if got, err := base64.StdEncoding.DecodeString(sig); err == nil && hmac.Equal(got, want) {
				return true
			}
		}
	}
	return false
}

func payCheckout(t *testing.T, s *models.Store, sid, email string, amount int64) {
	t.Helper()
	ctx := context.Background()
	g := &models.Gift{Frequency: "once", Amount: amount, Currency: "usd", Email: email, Name: "Reader"}
	if err := s.CreateGift(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := s.AttachCheckoutSession(ctx, g.ID, sid); err != nil {
		t.Fatal(err)
	}
	ev := models.EventRecord{ID: "evt_" + sid, Type: "checkout.session.completed", APIVersion: "2023-10-16", Created: time.Now()}
	if _, err := s.ApplyEvent(ctx, ev, models.CheckoutPaid{CheckoutPayment: models.CheckoutPayment{SessionID: sid, ClientReferenceID: g.ID,
		PaymentIntentID: "pi_" + sid, AmountTotal: amount, Currency: "usd", Email: email, Name: "Reader", At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
}

// TestEventsReachAReceiverThatWasDownInOrderPerDonor: events written while
// the receiver answers 503 are retried with backoff; once it is back it
// gets every one, each webhook-id accepted exactly once, and each donor's
// in the order of the ledger, every signature checked.
func TestEventsReachAReceiverThatWasDownInOrderPerDonor(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s, _, _ := openStore(t, db)
		rc := &receiver{t: t, accepted: map[string]int{}, perDonor: map[string][]string{}}
		rc.down.Store(true)
		srv := httptest.NewServer(rc)
		t.Cleanup(srv.Close)
		ep, err := s.CreateOutboundEndpoint(ctx, srv.URL, "test receiver", nil, models.CommandLine)
		if err != nil {
			t.Fatal(err)
		}
		rc.secret = ep.Secret
		runner, err := jobs.NewRunner(s, jobs.Options{FetchPoll: 100 * time.Millisecond, Emails: s, Outbound: &jobs.Outbound{
			Store: s, Client: outbound.NewClient(outbound.Policy{AllowLoopback: true}),
			Backoff: func(int) time.Duration { return 300 * time.Millisecond },
		}})
		if err != nil {
			t.Fatal(err)
		}
		s.UseQueue(runner)
		if err := runner.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			runner.Stop(stop)
		})

		for i, email := range []string{"a@example.com", "b@example.com", "a@example.com", "c@example.com", "b@example.com", "a@example.com"} {
			payCheckout(t, s, "cs_out"+string(rune('a'+i)), email, int64(1000+i))
		}
		// Down long enough for several failed attempts.
		deadline := time.Now().Add(20 * time.Second)
		for rc.tried.Load() < 6 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if rc.tried.Load() < 6 {
			t.Fatalf("only %d attempts while the receiver was down", rc.tried.Load())
		}
		rc.down.Store(false)

		evs, err := s.OutboundEvents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3+6+6 { // three donors, six gifts, six receipts
			t.Fatalf("%d events", len(evs))
		}
		for time.Now().Before(deadline.Add(20 * time.Second)) {
			ds, err := s.OutboundDeliveries(ctx, ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			open := 0
			for _, d := range ds {
				if d.Status != models.DeliveryDelivered {
					open++
				}
			}
			if open == 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		want := map[string][]string{}
		for _, e := range evs {
			want[*e.DonorID] = append(want[*e.DonorID], e.ID)
			if n := rc.accepted[e.ID]; n != 1 {
				t.Errorf("%s %s accepted %d times", e.Type, e.ID, n)
			}
		}
		if len(rc.accepted) != len(evs) {
			t.Errorf("accepted %d webhook-ids, %d events", len(rc.accepted), len(evs))
		}
		for donor, ids := range want {
			if got := strings.Join(rc.perDonor[donor], " "); got != strings.Join(ids, " ") {
				t.Errorf("donor %s: received\n%s\nin the ledger's order\n%s", donor, got, strings.Join(ids, " "))
			}
		}
		ds, _ := s.OutboundDeliveries(ctx, ep.ID)
		retried := 0
		for _, d := range ds {
			if d.Attempts > 1 {
				retried++
			}
			if d.Status == models.DeliveryDelivered && d.LastStatusCode != http.StatusOK {
				t.Errorf("delivery %s: last code %d", d.ID, d.LastStatusCode)
			}
		}
		if retried == 0 {
			t.Error("no delivery was retried: the receiver was never really down")
		}
	})
}

// TestDeliveryToALoopbackNameIsRefused: the server's own client (no
// loopback allowed) gives up on an endpoint named localhost at once.
func TestDeliveryToALoopbackNameIsRefused(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s, _, _ := openStore(t, db)
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
		t.Cleanup(srv.Close)
		ep, err := s.CreateOutboundEndpoint(ctx, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), "", nil, models.CommandLine)
		if err != nil {
			t.Fatal(err)
		}
		// The gift is written through a runner that works emails but not
		// deliveries: River must still take its events' jobs.
		emailsOnly, err := jobs.NewRunner(s, jobs.Options{Emails: s})
		if err != nil {
			t.Fatal(err)
		}
		s.UseQueue(emailsOnly)
		payCheckout(t, s, "cs_loop", "l@example.com", 500)
		runner, err := jobs.NewRunner(s, jobs.Options{FetchPoll: 100 * time.Millisecond, Emails: s, Outbound: &jobs.Outbound{
			Store: s, Client: outbound.NewClient(outbound.Policy{})}})
		if err != nil {
			t.Fatal(err)
		}
		s.UseQueue(runner)
		if err := runner.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			runner.Stop(stop)
		})
		deadline := time.Now().Add(20 * time.Second)
		for {
			ds, err := s.OutboundDeliveries(ctx, ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			failed := 0
			for _, d := range ds {
				if d.Status == models.DeliveryFailed && strings.Contains(d.LastError, "not a public address") {
					failed++
				}
			}
			if len(ds) == 3 && failed == 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("deliveries %+v", ds)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if hits.Load() != 0 {
			t.Fatalf("the loopback receiver was reached %d times", hits.Load())
		}
	})
}
