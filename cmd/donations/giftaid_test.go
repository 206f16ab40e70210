package main

import (
	"context"
	"encoding/csv"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/server"
	"github.com/indienews/donations/testenv"
)

// TestGiftAidExport: `donations giftaid export` claims the waiting Gift
// Aid donations of a period as HMRC's schedule rows, marks them claimed so
// a second run claims nothing, and writes an earlier claim again by id.
func TestGiftAidExport(t *testing.T) {
	pg, _ := testenv.DatabaseURLs(t, "postgres")
	env := map[string]string{"DATABASE_URL": pg, "ORG_NAME": "The Ledger", "RECEIPT_RULES": "uk", "CURRENCY": "gbp", "TIMEZONE": "Europe/London"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	store, err := server.OpenStore(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	home := models.Address{Line1: "Rose Cottage, Mill Lane", City: "York", PostalCode: "yo1 7hh", Country: "UK"}
	g := &models.Gift{Frequency: models.FrequencyOnce, Amount: 2500, Currency: "gbp", Email: "bea@example.co.uk", Name: "Bea Ward", Address: home}
	if err := store.CreateGiftWithDeclaration(ctx, g, models.NewGiftAidDeclaration(g.Email, "Dr", "Bea", "Ward", home, "The Ledger")); err != nil {
		t.Fatal(err)
	}
	paid := time.Now().UTC().Add(time.Minute)
	if _, err := store.ApplyEvent(ctx, models.EventRecord{ID: "evt_bea", Type: "checkout.session.completed", APIVersion: "2023-10-16", Created: paid},
		models.CheckoutPaid{CheckoutPayment: models.CheckoutPayment{ClientReferenceID: g.ID, SessionID: "cs_bea", PaymentIntentID: "pi_bea",
			AmountTotal: 2500, Currency: "gbp", Email: g.Email, At: paid}}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	day := paid.In(cfg.Location).Format("2006-01-02")
	code, out, stderr := runCmd(t, env, "giftaid", "export", "--from", day, "--to", day)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	want := "Dr|Bea|Ward|Rose Cottage|YO1 7HH|||" + paid.In(cfg.Location).Format("02/01/06") + "|25.00"
	if code != 0 || err != nil || len(rows) != 2 || strings.Join(rows[1], "|") != want || !strings.Contains(stderr, "Gift Aid of £6.25") {
		t.Fatalf("export: %d %v\n%s\n%s", code, err, out, stderr)
	}
	id := regexp.MustCompile(`--claim ([0-9a-f-]{36})`).FindStringSubmatch(stderr)
	if id == nil {
		t.Fatalf("no claim id in:\n%s", stderr)
	}
	if code, out, stderr = runCmd(t, env, "giftaid", "export", "--from", day, "--to", day); code != 0 || strings.Count(out, "\n") != 1 ||
		!strings.Contains(stderr, "Nothing to claim") {
		t.Fatalf("a second claim: %d\n%s\n%s", code, out, stderr)
	}
	if code, again, _ := runCmd(t, env, "giftaid", "export", "--claim", id[1]); code != 0 || !strings.Contains(again, strings.ReplaceAll(want, "|", ",")) {
		t.Fatalf("the claim written again: %d\n%s", code, again)
	}
	if code, _, stderr := runCmd(t, map[string]string{"DATABASE_URL": pg}, "giftaid", "export", "--from", day, "--to", day); code != 2 ||
		!strings.Contains(stderr, "RECEIPT_RULES=uk") {
		t.Fatalf("without uk rules: %d %s", code, stderr)
	}
}
