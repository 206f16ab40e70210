package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/payments"
	"github.com/indienews/donations/server"
	"github.com/indienews/donations/testenv"
)

// TestStripeImportAdoptsMembersMadeElsewhere: an account holds a member
// another tool signed up (a customer, a subscription without our
// metadata, two paid invoices, the first partly refunded). stripe import
// (against stripe-mock, which checks every listing call) makes the donor
// and the membership with its two payments, issues no receipt for the
// past and sends no email; a second run adds nothing; then the next
// renewal, by webhook, extends that membership and is receipted, with
// no second donor.
func TestStripeImportAdoptsMembersMadeElsewhere(t *testing.T) {
	double := testenv.NewStripeDouble(t, testenv.StripeMock(t))
	for base, prefix := range map[string]string{"/v1/customers": "cus_", "/v1/subscriptions": "sub_", "/v1/invoices": "in_",
		"/v1/checkout/sessions": "cs_", "/v1/charges": "ch_"} {
		double.Collection(base, prefix)
	}
	started := time.Now().AddDate(0, -2, 0).Truncate(time.Second)
	cus := testenv.Fixture(t, "customer")
	cus["id"], cus["email"], cus["name"] = "cus_else", "old.member@example.com", "Old Member"
	double.Add("/v1/customers", cus)
	sub := testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_else", Customer: "cus_else", Status: "active", Interval: "month",
		Amount: 1500, PeriodEnd: started.AddDate(0, 3, 0), Started: started})
	sub["created"] = started.Unix()
	double.Add("/v1/subscriptions", sub)
	for i, id := range []string{"in_else1", "in_else2"} {
		in := testenv.Invoice(t, testenv.InvoiceSpec{ID: id, Subscription: "sub_else", Customer: "cus_else", Charge: "ch_" + id,
			BillingReason: map[bool]string{true: "subscription_create", false: "subscription_cycle"}[i == 0], Amount: 1500, Paid: true,
			Email: "old.member@example.com", Name: "Old Member", Interval: "month"})
		paid := started.AddDate(0, i, 0).Add(time.Hour)
		in["created"], in["status_transitions"] = paid.Unix(), map[string]any{"paid_at": paid.Unix()}
		double.Add("/v1/invoices", in)
	}
	refunded := testenv.Charge(t, "ch_in_else1", "", "in_else1", 1500, 500)
	refunded["created"] = started.Add(2 * time.Hour).Unix()
	double.Add("/v1/charges", refunded)
	env := map[string]string{"DATA_DIR": t.TempDir(), "STRIPE_SECRET_KEY": "sk_test_import", "STRIPE_API_BASE": double.URL, "METRICS_ADDR": "off"}
	code, out, stderr := runCmd(t, env, "stripe", "import")
	if code != 0 || !strings.Contains(out, "customers: 1 new donors") || !strings.Contains(out, "history: 4 changes applied, 0 already known, 0 receipts issued") {
		t.Fatalf("stripe import: exit %d\n%s%s", code, out, stderr)
	}
	for _, call := range []string{"GET /v1/customers", "GET /v1/subscriptions", "GET /v1/invoices", "GET /v1/checkout/sessions", "GET /v1/charges"} {
		if double.Count(call) != 1 {
			t.Errorf("%s called %d times, want once: %v", call, double.Count(call), double.Calls())
		}
	}
	code, out, _ = runCmd(t, env, "stripe", "import")
	if code != 0 || !strings.Contains(out, "customers: 0 new donors, 0 merged by email, 1 unchanged") || !strings.Contains(out, "history: 0 changes applied, 4 already known") {
		t.Fatalf("a second stripe import: exit %d\n%s", code, out)
	}

	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	store, err := server.OpenStore(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var emails, receipts int
	store.SQL().QueryRow("SELECT COUNT(*) FROM email_messages").Scan(&emails)
	store.SQL().QueryRow("SELECT COUNT(*) FROM receipts").Scan(&receipts)
	if emails != 0 || receipts != 0 {
		t.Fatalf("importing history wrote %d emails and %d receipts", emails, receipts)
	}
	// The next renewal arrives by webhook.
	renewal := testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_else3", Subscription: "sub_else", Customer: "cus_else", Charge: "ch_in_else3",
		BillingReason: "subscription_cycle", Amount: 1500, Paid: true, Email: "old.member@example.com", Name: "Old Member", Interval: "month"})
	body := testenv.EventAt(t, "evt_else_renewal", "invoice.paid", renewal, time.Now())
	ev, err := payments.ParseEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Apply(context.Background(), store, nil, ev)
	if err != nil || res.Receipt == nil {
		t.Fatalf("the renewal: %+v %v", res, err)
	}
	var members, payments, donors int
	store.SQL().QueryRow("SELECT COUNT(*) FROM memberships WHERE stripe_subscription_id = 'sub_else'").Scan(&members)
	store.SQL().QueryRow("SELECT COUNT(*) FROM gifts WHERE membership_id = (SELECT id FROM memberships WHERE stripe_subscription_id = 'sub_else')").Scan(&payments)
	store.SQL().QueryRow("SELECT COUNT(*) FROM donors").Scan(&donors)
	var refundedAmount int64
	store.SQL().QueryRow("SELECT refunded_amount FROM gifts WHERE stripe_invoice_id = 'in_else1'").Scan(&refundedAmount)
	if refundedAmount != 500 {
		t.Errorf("the refunded charge: the first payment shows %d refunded, want 500", refundedAmount)
	}
	if members != 1 || payments != 3 || donors != 1 {
		t.Fatalf("after the renewal: %d memberships, %d payments of it, %d donors; want 1, 3, 1", members, payments, donors)
	}
}
