package handlers_test

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// deliverAt delivers obj as a signed event of type typ made at at.
func (a *testApp) deliverAt(id, typ string, obj map[string]any, at time.Time) {
	a.t.Helper()
	body := testenv.EventAt(a.t, id, typ, obj, at)
	if code, resp := a.deliver(body, testenv.Sign(body, webhookSecret, time.Now())); code != 200 {
		a.t.Fatalf("%s: %d %s", id, code, resp)
	}
}

// memberYear is 2025 for seven members, told as Stripe's events:
//
//	A  monthly $10 from Jan 10, upgraded to $15 on Apr 5
//	B  yearly $120 from Feb 3 (MRR $10), down to $60 on Jun 10 (MRR $5)
//	C  monthly $20 from Jan 20, paused Mar 1 to May 1
//	D  monthly $5 from Feb 15; May 15's payment fails, recovered May 18
//	E  monthly $8 from Mar 5; Jun 5's payment fails for good, lapses Jul 1
//	F  monthly $12 from Jan 5; cancels on Aug 10 (too expensive), ends Sep 5
//	G  monthly $7 from Aug 20: E's donor, back
func memberYear(t *testing.T, app *testApp) {
	day := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 12, 0, 0, 0, time.UTC) }
	n := 0
	sub := func(id, interval string, amount int64, status string, at time.Time, edit func(map[string]any)) {
		n++
		s := testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_" + id, Customer: "cus_" + id, Status: status, Interval: interval,
			Amount: amount, PeriodEnd: at.AddDate(0, 1, 0), Started: at})
		if edit != nil {
			edit(s)
		}
		typ := "customer.subscription.updated"
		if status == "canceled" {
			typ = "customer.subscription.deleted"
		}
		app.deliverAt(fmt.Sprintf("evt_y%02d", n), typ, s, at)
	}
	start := func(id, interval string, amount int64, at time.Time, email string) {
		sub(id, interval, amount, "active", at, nil)
		n++
		app.deliverAt(fmt.Sprintf("evt_y%02d", n), "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_" + id + "1",
			Subscription: "sub_" + id, Customer: "cus_" + id, Charge: "ch_" + id + "1", PaymentIntent: "pi_" + id + "1",
			BillingReason: "subscription_create", Amount: amount, Paid: true, Email: email, Name: "Member " + id, Interval: interval}), at)
	}
	fail := func(id string, amount int64, inv string, at time.Time) {
		n++
		in := failedInvoice(t, inv, "sub_"+id, amount, 1, at.AddDate(0, 0, 3))
		app.deliverAt(fmt.Sprintf("evt_y%02d", n), "invoice.payment_failed", in, at)
		sub(id, "month", amount, "past_due", at.Add(time.Second), nil)
	}
	start("f", "month", 1200, day(1, 5), "f@example.com")
	start("a", "month", 1000, day(1, 10), "a@example.com")
	start("c", "month", 2000, day(1, 20), "c@example.com")
	start("b", "year", 12000, day(2, 3), "b@example.com")
	start("d", "month", 500, day(2, 15), "d@example.com")
	sub("c", "month", 2000, "active", day(3, 1), func(s map[string]any) {
		s["pause_collection"] = map[string]any{"behavior": "void", "resumes_at": day(5, 1).Unix()}
	})
	start("e", "month", 800, day(3, 5), "e@example.com")
	sub("a", "month", 1500, "active", day(4, 5), nil)
	sub("c", "month", 2000, "active", day(5, 1), nil)
	fail("d", 500, "in_d5", day(5, 15))
	n++
	app.deliverAt(fmt.Sprintf("evt_y%02d", n), "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_d5", Subscription: "sub_d",
		Customer: "cus_d", Charge: "ch_d5", PaymentIntent: "pi_d5", BillingReason: "subscription_cycle", Amount: 500, Paid: true,
		Email: "d@example.com", Interval: "month"}), day(5, 18))
	sub("d", "month", 500, "active", day(5, 18).Add(time.Second), nil)
	sub("b", "year", 6000, "active", day(6, 10), nil)
	fail("e", 800, "in_e6", day(6, 5))
	sub("e", "month", 800, "canceled", day(7, 1), func(s map[string]any) {
		s["cancellation_details"] = map[string]any{"reason": "payment_failed", "feedback": nil, "comment": nil}
	})
	sub("f", "month", 1200, "active", day(8, 10), func(s map[string]any) {
		s["cancel_at_period_end"] = true
		s["cancellation_details"] = map[string]any{"reason": "cancellation_requested", "feedback": "too_expensive", "comment": nil}
	})
	start("g", "month", 700, day(8, 20), "e@example.com")
	sub("f", "month", 1200, "canceled", day(9, 5), func(s map[string]any) {
		s["cancel_at_period_end"] = true
		s["cancellation_details"] = map[string]any{"reason": "cancellation_requested", "feedback": "too_expensive", "comment": nil}
	})
}

// TestRetentionReportOfAYear checks each month of memberYear by hand,
// that every month's movements add up from its start to its end, and
// that the staff download says the same.
func TestRetentionReportOfAYear(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{env: map[string]string{"TIMEZONE": "UTC"}})
		memberYear(t, app)
		from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		months, err := app.Store.Retention(t.Context(), from, from.AddDate(1, 0, 0), time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		// month: start, new, reactivated, churned, end | MRR start, new,
		// reactivation, expansion, contraction, churn, end (dollars) |
		// failed, recovered | churn reasons
		want := []string{
			"2025-01: 0 3 0 0 3 | 0 42 0 0 0 0 42 | 0 0 | ",
			"2025-02: 3 2 0 0 5 | 42 15 0 0 0 0 57 | 0 0 | ",
			"2025-03: 5 1 0 0 6 | 57 8 0 0 20 0 45 | 0 0 | ",
			"2025-04: 6 0 0 0 6 | 45 0 0 5 0 0 50 | 0 0 | ",
			"2025-05: 6 0 0 0 6 | 50 0 0 20 0 0 70 | 1 1 | ",
			"2025-06: 6 0 0 0 6 | 70 0 0 0 5 0 65 | 1 0 | ",
			"2025-07: 6 0 0 1 5 | 65 0 0 0 0 8 57 | 0 0 | payment_failed=1",
			"2025-08: 5 0 1 0 6 | 57 0 7 0 0 0 64 | 0 0 | ",
			"2025-09: 6 0 0 1 5 | 64 0 0 0 0 12 52 | 0 0 | too_expensive=1",
			"2025-10: 5 0 0 0 5 | 52 0 0 0 0 0 52 | 0 0 | ",
			"2025-11: 5 0 0 0 5 | 52 0 0 0 0 0 52 | 0 0 | ",
			"2025-12: 5 0 0 0 5 | 52 0 0 0 0 0 52 | 0 0 | ",
		}
		if len(months) != len(want) {
			t.Fatalf("%d rows, want %d: %+v", len(months), len(want), months)
		}
		d := func(v int64) string { return fmt.Sprint(v / 100) }
		for i, m := range months {
			reasons := []string{}
			for k, v := range m.ChurnReasons {
				reasons = append(reasons, fmt.Sprintf("%s=%d", k, v))
			}
			got := fmt.Sprintf("%s: %d %d %d %d %d | %s %s %s %s %s %s %s | %d %d | %s", m.Month, m.ActiveStart, m.New, m.Reactivated,
				m.Churned, m.ActiveEnd, d(m.MRRStart), d(m.MRRNew), d(m.MRRReactivation), d(m.MRRExpansion), d(m.MRRContraction),
				d(m.MRRChurn), d(m.MRREnd), m.FailedPayments, m.Recovered, strings.Join(reasons, "; "))
			if got != want[i] || m.Currency != "usd" {
				t.Errorf("%s\n   want %s", got, want[i])
			}
			if m.MRRStart+m.MRRNew+m.MRRReactivation+m.MRRExpansion-m.MRRContraction-m.MRRChurn != m.MRREnd ||
				m.ActiveStart+m.New+m.Reactivated-m.Churned != m.ActiveEnd {
				t.Errorf("%s: the movements do not add up: %+v", m.Month, m)
			}
			if i > 0 && (m.MRRStart != months[i-1].MRREnd || m.ActiveStart != months[i-1].ActiveEnd) {
				t.Errorf("%s does not start where %s ended", m.Month, months[i-1].Month)
			}
		}

		staff := app.staffClient("fin@ledger.example", models.RoleStaff)
		resp, body := app.get(staff, "/admin/reports/retention.csv?from=2025-06&to=2025-09")
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || resp.StatusCode != 200 || len(rows) != 5 {
			t.Fatalf("CSV %d: %v\n%s", resp.StatusCode, err, body)
		}
		if strings.Join(rows[0][:8], ",") != "month,currency,members_start,new,reactivated,churned,members_end,mrr_start" ||
			strings.Join(rows[2], ",") != "2025-07,usd,6,0,0,1,5,65.00,0.00,0.00,0.00,0.00,8.00,57.00,0,0,payment_failed=1" {
			t.Errorf("CSV:\n%s", body)
		}
		if resp, _ := app.get(staff, "/admin/reports/retention.csv?from=2025-13&to=2025-09"); resp.StatusCode != 400 {
			t.Errorf("a wrong month: %d", resp.StatusCode)
		}
	})
}
