package ingest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
	"github.com/indienews/donations/testenv"
)

type listed struct {
	events, sessions []payments.Listed
	ingest.Resolver
	fees map[string]models.PaymentFees // by payment intent or charge id
}

// PaymentFees answers what the test put in fees, or nothing known.
func (l listed) PaymentFees(_ context.Context, pi, ch string) (models.PaymentFees, error) {
	if f, ok := l.fees[ch]; ok && ch != "" {
		return f, nil
	}
	return l.fees[pi], nil
}

func (l listed) ListEvents(context.Context, time.Time) ([]payments.Listed, error) {
	return l.events, nil
}
func (l listed) ListCompletedCheckouts(context.Context, time.Time) ([]payments.Listed, error) {
	return l.sessions, nil
}

func TestReconcileAppliesWhatWasMissedOnce(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		h := newHarness(t, db)
		parse := func(body []byte) payments.Event {
			ev, err := h.v.Parse(body, testenv.Sign(body, secret, time.Now()))
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
		// A webhook that did arrive, and two that were missed.
		arrived := testenv.EventAt(t, "evt_arrived", "checkout.session.completed", testenv.PaidSession(t, "cs_arrived", "", "a@example.com", 1000), t0)
		h.deliver(arrived)
		missed := []payments.Listed{{Event: parse(arrived)}}
		for i := 0; i < 2; i++ {
			missed = append(missed, payments.Listed{Event: parse(testenv.EventAt(t, fmt.Sprintf("evt_missed%d", i), "invoice.paid",
				testenv.Invoice(t, testenv.InvoiceSpec{ID: fmt.Sprintf("in_missed%d", i), Subscription: "sub_missed", Customer: "cus_missed",
					Charge: fmt.Sprintf("ch_missed%d", i), BillingReason: "subscription_cycle", Amount: 700, Paid: true,
					Email: "missed@example.com", Interval: "month"}), t0.Add(time.Duration(i)*time.Hour)))})
		}
		missed = append(missed, payments.Listed{Event: payments.Event{ID: "evt_old", Type: "invoice.paid", APIVersion: "2020-08-27"},
			Reason: `API version "2020-08-27", expected "2023-10-16"`})
		// The completed session of the arrived event, as listing sessions finds it.
		sess := parse(arrived)
		sess.ID = "reconcile:cs_arrived"
		l := listed{events: missed, sessions: []payments.Listed{{Event: sess}}, Resolver: h.resolver}

		sum, err := ingest.Reconcile(context.Background(), l, h.store, t0.Add(-time.Hour))
		if err != nil || sum.Seen != 5 || sum.New != 2 || sum.Known != 2 || len(sum.Rejected) != 1 || !sum.OK() {
			t.Fatalf("first run: %+v %v", sum, err)
		}
		sum, err = ingest.Reconcile(context.Background(), l, h.store, t0.Add(-time.Hour))
		if err != nil || sum.New != 0 || sum.Known != 4 || len(sum.Rejected) != 1 {
			t.Fatalf("second run: %+v %v", sum, err)
		}
		var b strings.Builder
		sum.Write(&b)
		if !strings.Contains(b.String(), "seen 5, new 0, already known 4, skipped 0, rejected 1, failed 0; fees filled in for 0 payments") || !strings.Contains(b.String(), "evt_old (invoice.paid)") {
			t.Fatalf("summary text:\n%s", b.String())
		}
	})
}
