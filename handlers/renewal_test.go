package handlers_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// membership delivers a subscription's state and, when email is set, its
// first paid invoice, so that the membership has a donor to write to.
func (a *testApp) membership(t *testing.T, id, interval, status string, amount int64, periodEnd time.Time, cancelAtEnd bool, email string) *models.Membership {
	t.Helper()
	// The invoice first: a paid invoice makes a past-due membership
	// active when it is newer, and event times are whole seconds, so the
	// state delivered last is the one the test asked for.
	if email != "" {
		a.deliverObject("evt_"+id+"_paid", "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_" + id, Subscription: id,
			Customer: "cus_" + id, Charge: "ch_" + id, PaymentIntent: "pi_" + id, BillingReason: "subscription_create", Amount: amount,
			Paid: true, Email: email, Name: "Member " + id, Interval: interval}))
	}
	sub := testenv.Subscription(t, testenv.SubscriptionSpec{ID: id, Customer: "cus_" + id, Status: status, Interval: interval,
		Amount: amount, PeriodEnd: periodEnd, Started: time.Now().Add(-time.Hour), CancelAtPeriodEnd: cancelAtEnd})
	a.deliverObject(fmt.Sprintf("evt_%s_%d", id, time.Now().UnixNano()), "customer.subscription.updated", sub)
	m, err := a.Store.MembershipBySubscription(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (a *testApp) renewalNotices(t *testing.T, m *models.Membership) []models.EmailMessage {
	t.Helper()
	if m.DonorID == nil {
		t.Fatalf("membership %s has no donor", m.ID)
	}
	all, err := a.Store.DonorEmails(t.Context(), *m.DonorID)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.EmailMessage
	for _, e := range all {
		if e.Kind == models.EmailRenewalNotice {
			out = append(out, e)
		}
	}
	return out
}

// TestRenewalNoticeOncePerPeriod moves a clock through a yearly
// membership's year: no notice 40 days before the renewal, one at 29
// days, none more for the same period however often (or concurrently) the
// check runs or the amount changes, and one again a year later. Monthly,
// past-due and set-to-cancel memberships get none, and one cancelled or
// paused before its notice gets none.
func TestRenewalNoticeOncePerPeriod(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		clock := newClock(time.Now().UTC())
		app := newApp(t, db, appOptions{clock: clock})
		ctx := t.Context()
		start := clock.Now()
		end := start.AddDate(0, 0, 40)
		y := app.membership(t, "sub_y", "year", "active", 12000, end, false, "y@example.com")
		others := []*models.Membership{
			app.membership(t, "sub_m", "month", "active", 1000, start.AddDate(0, 0, 20), false, "m@example.com"),
			app.membership(t, "sub_c", "year", "active", 6000, start.AddDate(0, 0, 20), true, "c@example.com"),
			app.membership(t, "sub_p", "year", "past_due", 6000, start.AddDate(0, 0, 20), false, "p@example.com"),
		}
		queue := func(want int) {
			t.Helper()
			n, err := app.Store.QueueRenewalNotices(ctx, 30)
			if err != nil || n != want {
				t.Fatalf("at %s: queued %d (%v), want %d", clock.Now().Format(time.DateOnly), n, err, want)
			}
		}
		queue(0)
		clock.Advance(11 * 24 * time.Hour) // 29 days before the renewal
		// Five instances at once: one notice.
		var wg sync.WaitGroup
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = app.Store.QueueRenewalNotices(ctx, 30) }()
		}
		wg.Wait()
		queue(0)
		if got := app.renewalNotices(t, y); len(got) != 1 || got[0].ToAddress != "y@example.com" || *got[0].MembershipID != y.ID {
			t.Fatalf("notices for the yearly member: %+v", got)
		}
		// The amount changes after the notice: the period has had its one.
		app.membership(t, "sub_y", "year", "active", 15000, end, false, "")
		queue(0)
		for _, m := range others {
			if got := app.renewalNotices(t, m); len(got) != 0 {
				t.Errorf("%s (%s, %s, cancel at end %v) got a renewal notice", m.StripeSubscriptionID, m.BillingInterval, m.Status, m.CancelAtPeriodEnd)
			}
		}
		// Due a notice, but set to cancel before the check runs: none.
		x := app.membership(t, "sub_x", "year", "active", 6000, clock.Now().AddDate(0, 0, 25), false, "x@example.com")
		app.membership(t, "sub_x", "year", "active", 6000, clock.Now().AddDate(0, 0, 25), true, "")
		queue(0)
		if got := app.renewalNotices(t, x); len(got) != 0 {
			t.Errorf("a membership set to cancel got a notice: %+v", got)
		}
		// Due a notice, but paused over the renewal: none.
		z := app.membership(t, "sub_z", "year", "active", 6000, clock.Now().AddDate(0, 0, 25), false, "z@example.com")
		paused := testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_z", Customer: "cus_sub_z", Status: "active", Interval: "year",
			Amount: 6000, PeriodEnd: clock.Now().AddDate(0, 0, 25), Started: time.Now().Add(-time.Hour)})
		paused["pause_collection"] = map[string]any{"behavior": "void", "resumes_at": clock.Now().AddDate(0, 2, 0).Unix()}
		app.deliverObject("evt_z_paused", "customer.subscription.updated", paused)
		queue(0)
		if got := app.renewalNotices(t, z); len(got) != 0 {
			t.Errorf("a paused membership got a notice: %+v", got)
		}
		// The year renews: a new period, a new notice 30 days before it.
		next := end.AddDate(1, 0, 0)
		app.membership(t, "sub_y", "year", "active", 15000, next, false, "")
		clock.Advance(30 * 24 * time.Hour)
		queue(0)
		clock.Advance(next.Sub(clock.Now()) - 30*24*time.Hour + time.Minute)
		queue(1)
		if got := app.renewalNotices(t, y); len(got) != 2 || got[0].DedupeKey == got[1].DedupeKey {
			t.Fatalf("notices over two years: %+v", got)
		}
	})
}

// TestRenewalNoticeEmail: with the job engine running, the periodic job
// finds a yearly member due a notice and emails them the date, the
// amount, their tier's benefit and where to change or cancel.
func TestRenewalNoticeEmail(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{mail: true, env: map[string]string{
		"RENEWAL_CHECK_EVERY": "1s", "MEMBERSHIP_TIERS": "Insider|100|a tote bag|25", "MONTHLY_REMINDER": "on"}})
	end := time.Now().AddDate(0, 0, 10)
	app.membership(t, "sub_e", "year", "active", 12000, end, false, "e@example.com")
	// A monthly member whose first year ends in 12 days: reminded.
	sub := testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_mr", Customer: "cus_mr", Status: "active", Interval: "month",
		Amount: 1000, PeriodEnd: time.Now().AddDate(0, 0, 12), Started: time.Now().AddDate(-1, 0, 12)})
	app.deliverObject("evt_mr", "customer.subscription.created", sub)
	app.deliverObject("evt_mr_paid", "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_mr", Subscription: "sub_mr",
		Customer: "cus_mr", Charge: "ch_mr", PaymentIntent: "pi_mr", BillingReason: "subscription_cycle", Amount: 1000, Paid: true,
		Email: "mr@example.com", Name: "Mo Reader", Interval: "month"}))
	var notice *testenv.MailMessage
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && notice == nil; time.Sleep(200 * time.Millisecond) {
		for _, s := range app.Mail.Messages() {
			if strings.Contains(s.Subject, "renews on") {
				m := app.Mail.Message(s.ID)
				notice = &m
			}
		}
	}
	if notice == nil {
		t.Fatal("no renewal notice was sent")
	}
	date := end.In(app.Config.Location).Format("January 2, 2006")
	for _, want := range []string{"renews on " + date, "we will charge $120.00", "Your Insider membership brings you a tote bag",
		"To change the amount, pause or cancel before " + date, app.URL + "/account"} {
		if !strings.Contains(strings.Join(strings.Fields(notice.Text), " "), want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice.Text)
		}
	}
	if notice.Subject != "Your membership of The Ledger renews on "+date {
		t.Errorf("subject %q", notice.Subject)
	}
	var reminder string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && reminder == ""; time.Sleep(200 * time.Millisecond) {
		for _, s := range app.Mail.Messages() {
			if s.Subject == "A year of your monthly gift to The Ledger" {
				reminder = strings.Join(strings.Fields(app.Mail.Message(s.ID).Text), " ")
			}
		}
	}
	since := time.Now().AddDate(-1, 0, 12).In(app.Config.Location).Format("January 2006")
	if !strings.Contains(reminder, "Since "+since+" you have given The Ledger $10.00 a month. Over the past year that came to $10.00 in 1 payment: thank you.") {
		t.Errorf("the monthly member's reminder:\n%s", reminder)
	}
}

// TestYearReminderOncePerAnniversary: with MONTHLY_REMINDER=on, a monthly
// member is reminded once as their anniversary nears, not before, and not
// a member of two months.
func TestYearReminderOncePerAnniversary(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		clock := newClock(time.Now().UTC())
		app := newApp(t, db, appOptions{clock: clock, env: map[string]string{"MONTHLY_REMINDER": "on"}})
		member := func(id string, started time.Time) *models.Membership {
			sub := testenv.Subscription(t, testenv.SubscriptionSpec{ID: id, Customer: "cus_" + id, Status: "active", Interval: "month",
				Amount: 1000, PeriodEnd: clock.Now().AddDate(0, 0, 10), Started: started})
			app.deliverObject("evt_"+id, "customer.subscription.created", sub)
			app.deliverObject("evt_"+id+"_paid", "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_" + id, Subscription: id,
				Customer: "cus_" + id, Charge: "ch_" + id, PaymentIntent: "pi_" + id, BillingReason: "subscription_cycle", Amount: 1000,
				Paid: true, Email: id + "@example.com", Interval: "month"}))
			m, err := app.Store.MembershipBySubscription(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		old := member("sub_old", clock.Now().AddDate(-1, 0, 40)) // a year on in 40 days
		young := member("sub_young", clock.Now().AddDate(0, -2, 0))
		queue := func(want int) {
			t.Helper()
			if n, err := app.Store.QueueYearReminders(t.Context(), 30); err != nil || n != want {
				t.Fatalf("queued %d (%v), want %d", n, err, want)
			}
		}
		queue(0)
		clock.Advance(11 * 24 * time.Hour)
		queue(1)
		queue(0)
		if got := app.emailsOf(t, old, models.EmailYearReminder); len(got) != 1 {
			t.Errorf("%d reminders for the year-old member", len(got))
		}
		if got := app.emailsOf(t, young, models.EmailYearReminder); len(got) != 0 {
			t.Errorf("a two-month member was reminded")
		}
	})
}
