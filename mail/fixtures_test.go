package mail

import (
	"context"
	"errors"
	"time"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
)

// fakeSource is a ledger in memory: what composing reads, and nothing else.
type fakeSource struct {
	receipts    map[string]*models.Receipt
	donors      map[string]*models.Donor
	gifts       map[string]*models.Gift
	memberships map[string]*models.Membership
	giftsOfMs   map[string][]models.Gift
}

var errMissing = errors.New("not found")

func (f *fakeSource) ReceiptByID(_ context.Context, id string) (*models.Receipt, error) {
	if r, ok := f.receipts[id]; ok {
		c := *r
		return &c, nil
	}
	return nil, errMissing
}

func (f *fakeSource) DonorByID(_ context.Context, id string) (*models.Donor, error) {
	if d, ok := f.donors[id]; ok {
		c := *d
		return &c, nil
	}
	return nil, errMissing
}

func (f *fakeSource) ReceiptsOfDonor(_ context.Context, donorID string, fy int) ([]models.Receipt, error) {
	var out []models.Receipt
	for _, id := range []string{"r1", "r2", "r3", "r4", "r5", "r6"} {
		if r, ok := f.receipts[id]; ok && r.DonorID != nil && *r.DonorID == donorID && r.FiscalYear == fy {
			out = append(out, *r)
		}
	}
	return out, nil
}

func (f *fakeSource) GiftsReceiptedElsewhere(context.Context, string, int) ([]models.Gift, error) {
	return nil, nil
}

func (f *fakeSource) IssueLoginToken(context.Context, string) (string, error) {
	return "login-token", nil
}

func (f *fakeSource) GiftByID(_ context.Context, id string) (*models.Gift, error) {
	if g, ok := f.gifts[id]; ok {
		c := *g
		return &c, nil
	}
	return nil, errMissing
}

func (f *fakeSource) IssueDetailsToken(context.Context, string) (string, error) {
	return "details-token", nil
}

func (f *fakeSource) MembershipByID(_ context.Context, id string) (*models.Membership, error) {
	if m, ok := f.memberships[id]; ok {
		c := *m
		return &c, nil
	}
	return nil, errMissing
}

func (f *fakeSource) IssueRestartToken(context.Context, string) (string, error) {
	return "restart-token", nil
}

func (f *fakeSource) GiftsOfMembership(_ context.Context, id string) ([]models.Gift, error) {
	return f.giftsOfMs[id], nil
}

func ptr[T any](v T) *T { return &v }

var (
	giftDay  = time.Date(2026, time.December, 4, 15, 0, 0, 0, time.UTC)
	renewDay = time.Date(2027, time.March, 1, 12, 0, 0, 0, time.UTC)
	sinceDay = time.Date(2025, time.February, 10, 12, 0, 0, 0, time.UTC)
	sentDay  = time.Date(2026, time.December, 20, 12, 0, 0, 0, time.UTC)
)

// newFixture is a small ledger: a donor, Ada (language lang), with a
// receipt of each kind, a membership and its gifts.
func newFixture(lang, receiptLang string) *fakeSource {
	donor := &models.Donor{ID: "d1", Name: "Ada Reader", Email: "ada@example.com", Language: lang}
	base := models.Receipt{DonorID: ptr("d1"), DonorName: "Ada Reader", DonorEmail: "ada@example.com",
		FiscalYear: 2026, Currency: "cad", GiftDate: giftDay, IssuedAt: giftDay, Livemode: true,
		Status: models.ReceiptIssued, WordingVersion: "ca-1", OrgName: "The Ledger", OrgAddress: "1 Main St, Montreal",
		Frequency: models.FrequencyOnce, Language: receiptLang, VerificationCode: "VERIFY"}
	r1 := base
	r1.ID, r1.Number, r1.GiftID, r1.Amount, r1.DeductibleAmount = "r1", "2026-000001", "g1", 123456, 123456
	r1.FeeCovered, r1.DedicationType, r1.DedicationName, r1.Anonymous = 151, "honor", "Jo", true
	r2 := base // the monthly payment's receipt, with a link to manage it
	r2.ID, r2.Number, r2.GiftID, r2.Amount, r2.DeductibleAmount, r2.Frequency = "r2", "2026-000002", "g2", 2500, 2500, models.FrequencyMonth
	r3 := base // voided by a partial refund, replaced by r4
	r3.ID, r3.Number, r3.GiftID, r3.Amount, r3.Status = "r3", "2026-000003", "g3", 10000, models.ReceiptVoid
	r3.VoidReason = "partially refunded ($30.00 of $100.00)"
	r4 := base
	r4.ID, r4.Number, r4.GiftID, r4.Amount, r4.DeductibleAmount, r4.Replaces = "r4", "2026-000004", "g3", 7000, 7000, "2026-000003"
	r5 := base // voided, not replaced
	r5.ID, r5.Number, r5.GiftID, r5.Amount, r5.Status, r5.VoidReason = "r5", "2026-000005", "g5", 5000, models.ReceiptVoid, "refunded in full"
	r6 := base // a UK acknowledgement, test mode
	r6.ID, r6.Number, r6.GiftID, r6.Amount, r6.Currency, r6.WordingVersion, r6.Livemode, r6.GiftAid = "r6", "2026-000006", "g6", 2000, "gbp", "uk-1", false, true
	r6.DonorID = ptr("d9")
	paid := giftDay
	return &fakeSource{
		receipts: map[string]*models.Receipt{"r1": &r1, "r2": &r2, "r3": &r3, "r4": &r4, "r5": &r5, "r6": &r6},
		donors:   map[string]*models.Donor{"d1": donor},
		gifts: map[string]*models.Gift{
			"g1": {ID: "g1", Name: "Ada Reader", Email: "ada@example.com", TotalAmount: 123456, Currency: "cad", Frequency: models.FrequencyOnce, Livemode: true, PaidAt: &paid, Status: models.GiftPaid},
			"g2": {ID: "g2", Name: "Ada Reader", TotalAmount: 2500, Currency: "cad", Frequency: models.FrequencyMonth, Livemode: true, PaidAt: &paid, MembershipID: ptr("m1"), Status: models.GiftPaid},
			"g7": {ID: "g7", Name: "", TotalAmount: 5000, Currency: "cad", Frequency: models.FrequencyOnce, Livemode: true, PaidAt: &paid, Status: models.GiftPaid, Language: lang},
		},
		memberships: map[string]*models.Membership{
			"m1": {ID: "m1", DonorID: ptr("d1"), GiftID: ptr("g2"), Amount: 2500, Currency: "cad", BillingInterval: models.FrequencyMonth, StartedAt: &sinceDay, CurrentPeriodEnd: &renewDay},
			"m2": {ID: "m2", DonorID: ptr("d1"), GiftID: ptr("g2"), Amount: 120000, Currency: "cad", BillingInterval: models.FrequencyYear, StartedAt: &sinceDay, CurrentPeriodEnd: &renewDay,
				TierName: "Insider", BenefitDescription: "a tote bag"},
		},
		giftsOfMs: map[string][]models.Gift{"m1": {
			{ID: "g2", TotalAmount: 2500, Status: models.GiftPaid, PaidAt: &paid},
			{ID: "g8", TotalAmount: 2500, Status: models.GiftPaid, PaidAt: &sinceDay},
		}},
	}
}

// fixtureMessages is one message of every kind (and of the variants a
// template has: a UK acknowledgement in test mode, a yearly membership).
func fixtureMessages() []models.EmailMessage {
	msg := func(name, kind string) models.EmailMessage {
		return models.EmailMessage{ID: name, DedupeKey: name, Kind: kind, ToAddress: "ada@example.com", CreatedAt: sentDay}
	}
	var out []models.EmailMessage
	add := func(name, kind string, set func(m *models.EmailMessage)) {
		m := msg(name, kind)
		set(&m)
		out = append(out, m)
	}
	add("receipt", models.EmailReceipt, func(m *models.EmailMessage) { m.ReceiptID = ptr("r1") })
	add("receipt-membership", models.EmailReceipt, func(m *models.EmailMessage) { m.ReceiptID = ptr("r2") })
	add("receipt-uk-test", models.EmailReceipt, func(m *models.EmailMessage) { m.ReceiptID = ptr("r6") })
	add("replacement", models.EmailReplacement, func(m *models.EmailMessage) { m.ReceiptID = ptr("r4") })
	add("void", models.EmailVoid, func(m *models.EmailMessage) { m.ReceiptID = ptr("r5") })
	add("payment-failed", models.EmailPaymentFailed, func(m *models.EmailMessage) {
		m.DonorID, m.Link = ptr("d1"), "https://invoice.example/i/1"
	})
	add("statement", models.EmailStatement, func(m *models.EmailMessage) { m.DonorID, m.FiscalYear = ptr("d1"), 2026 })
	add("sign-in", models.EmailSignIn, func(m *models.EmailMessage) { m.DonorID = ptr("d1") })
	add("details", models.EmailDetailsNeeded, func(m *models.EmailMessage) { m.GiftID = ptr("g7") })
	add("renewal", models.EmailRenewalNotice, func(m *models.EmailMessage) { m.MembershipID, m.DonorID = ptr("m2"), ptr("d1") })
	add("cancelled", models.EmailCancelConfirmed, func(m *models.EmailMessage) { m.MembershipID, m.DonorID = ptr("m1"), ptr("d1") })
	add("lapsed", models.EmailLapsed, func(m *models.EmailMessage) { m.MembershipID, m.DonorID = ptr("m2"), ptr("d1") })
	add("reminder", models.EmailYearReminder, func(m *models.EmailMessage) { m.MembershipID, m.DonorID = ptr("m1"), ptr("d1") })
	add("data-ready", models.EmailDataReady, func(m *models.EmailMessage) { m.DonorID, m.Link = ptr("d1"), "/account/data/abc" })
	return out
}

func testSettings() Settings {
	return Settings{Org: models.Org{Name: "The Ledger", Address: "1 Main St, Montreal"}, Contact: "help@ledger.example",
		BaseURL: "https://give.example", MessageIDDomain: "give.example", UnsubscribeKey: []byte("key")}
}

func testDocs() *documents.Renderer {
	loc, _ := time.LoadLocation("America/Toronto")
	return documents.New("https://give.example", loc)
}
