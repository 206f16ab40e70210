package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/indienews/donations/money"
)

// Why a gift's receipt waits. Under the CRA's rules a receipt that lacks
// the donor's full name and address, or states an amount in a currency
// other than Canadian dollars, is no receipt; rather than issue one, the
// paid gift is recorded and its receipt held until what it needs is known.
const (
	HoldDetails  = "details"  // the donor's full name or address is missing
	HoldExchange = "exchange" // paid in another currency; the amount Stripe settled in CAD is not known yet
)

// ReceiptHold is a paid gift whose receipt waits, with what the receipt
// will need: its issue key, its payment and the benefit as of the payment
// (a member's share of a year's benefit depends on the payments before).
type ReceiptHold struct {
	GiftID             string `gorm:"primaryKey"`
	Reason             string
	IssueKey           string
	PaymentID          string
	BenefitDescription string
	BenefitValue       int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
	ReleasedAt         *time.Time
	ReceiptID          *string
	Outcome            string
}

// ReasonText says for staff why the receipt waits.
func (h *ReceiptHold) ReasonText() string {
	switch h.Reason {
	case HoldDetails:
		return "waiting for the donor's full name and address"
	case HoldExchange:
		return "waiting for the amount Stripe settled in Canadian dollars"
	}
	return h.Reason
}

// settlementCurrency is the currency Canadian receipts state amounts in.
const settlementCurrency = "cad"

// conversion is how a gift paid in another currency becomes the amount a
// Canadian receipt states: Stripe's balance transaction for its charge.
type conversion struct {
	Paid     int64  // what the charge was, in the gift's currency
	Currency string // the gift's currency
	Amount   int64  // the gross Stripe settled for Paid, in CAD minor units
	Rate     string // Stripe's exchange_rate, per major unit
}

// of converts amount of the gift's currency: the whole payment is what
// Stripe settled, to the cent; a part of it (what a refund left) is
// converted at the payment's rate.
func (c *conversion) of(amount int64) (int64, error) {
	if amount == c.Paid {
		return c.Amount, nil
	}
	return money.Convert(amount, c.Currency, c.Rate, settlementCurrency)
}

// holdReason says why g cannot be receipted yet under the rule set, ""
// when it can; for a gift in another currency it also returns the
// conversion its receipt states.
func (s *Store) holdReason(tx *Tx, g *Gift) (string, *conversion, error) {
	if s.receipts.Rules != "ca" {
		return "", nil, nil
	}
	if strings.TrimSpace(g.Name) == "" || !g.Address.Complete() {
		return HoldDetails, nil, nil
	}
	if g.Currency == settlementCurrency {
		return "", nil, nil
	}
	if g.StripeChargeID == nil || *g.StripeChargeID == "" {
		return HoldExchange, nil, nil
	}
	var bt balanceTxn
	err := tx.Where("charge_id = ? AND type IN ?", *g.StripeChargeID, []string{"charge", "payment"}).Limit(1).Find(&bt).Error
	if err != nil {
		return "", nil, err
	}
	if bt.ID == "" || bt.Currency != settlementCurrency || bt.ExchangeRate == "" {
		return HoldExchange, nil, nil
	}
	return "", &conversion{Paid: g.TotalAmount, Currency: g.Currency, Amount: bt.Amount, Rate: bt.ExchangeRate}, nil
}

// receiptOrHold issues g's receipt and queues its email, or, when the
// rule set says it cannot be complete yet, records the hold (and, for
// missing details, queues the email that asks the donor for them). Both
// are nil when the rule set allows no receipt at all.
func (s *Store) receiptOrHold(tx *Tx, key string, g *Gift, donorID, paymentID string, b Benefit) (*Receipt, *ReceiptHold, error) {
	// Gift Aid first: the acknowledgement says whether it is claimed.
	paid := tx.now
	if g.PaidAt != nil {
		paid = *g.PaidAt
	}
	if tx.history != nil && paid.Before(*tx.history) {
		return nil, nil, nil // history: receipted, if at all, by the tool of the day
	}
	decl, err := s.giftAidDeclaration(tx, g, donorID, paid)
	if err != nil {
		return nil, nil, err
	}
	if g.Method == MethodGrant || !banked(g.Method) {
		decl = nil // a fund's money is not the donor's own, and stock or goods are not money: no Gift Aid
	}
	if g.GiftAid, g.GiftAidNote, err = s.claimGiftAid(tx, key, g, donorID, decl, b.Value); err != nil {
		return nil, nil, err
	}
	reason, conv, err := s.holdReason(tx, g)
	if err != nil {
		return nil, nil, err
	}
	if reason == "" {
		r, err := s.issueReceipt(tx, key, g, donorID, paymentID, b, conv, EmailReceipt)
		return r, nil, err
	}
	h := &ReceiptHold{GiftID: g.ID, Reason: reason, IssueKey: key, PaymentID: paymentID,
		BenefitDescription: b.Description, BenefitValue: b.Value, CreatedAt: tx.now, UpdatedAt: tx.now}
	if err := tx.Create(h).Error; err != nil {
		return nil, nil, translate(err)
	}
	if reason == HoldExchange {
		return nil, h, s.fetchSettlement(tx, g)
	}
	return nil, h, s.askForDetails(tx, g, h)
}

// fetchSettlement queues the job that asks Stripe what a gift paid in
// another currency settled for; reconciliation also looks for it.
func (s *Store) fetchSettlement(tx *Tx, g *Gift) error {
	if s.queue == nil {
		return nil
	}
	jobTx, err := tx.jobTx()
	if err != nil {
		return fmt.Errorf("queueing a fees job: %w", err)
	}
	return s.queue.EnqueueFeesTx(tx.Statement.Context, jobTx, g.ID, deref(g.StripePaymentIntentID), deref(g.StripeChargeID))
}

// askForDetails emails the donor a link to complete their details, once
// per gift, when that is what the hold waits for.
func (s *Store) askForDetails(tx *Tx, g *Gift, h *ReceiptHold) error {
	if h.Reason != HoldDetails {
		return nil
	}
	return s.queueEmail(tx, EmailMessage{DedupeKey: "gift:" + g.ID + ":details", Kind: EmailDetailsNeeded,
		ToAddress: g.Email, DonorID: g.DonorID, GiftID: &g.ID})
}

// releaseHold issues the receipt gift giftID waits for, if what it needs
// is now known, in its normal place in the numbering (the next number of
// its fiscal year): for what remains of the gift after any refund, unless
// nothing remains or a chargeback took it. A hold still waiting moves on
// to what it waits for now. Nothing happens without an open hold.
func (s *Store) releaseHold(tx *Tx, giftID string) (*Receipt, error) {
	var h ReceiptHold
	if err := tx.Where("gift_id = ? AND released_at IS NULL", giftID).Limit(1).Find(&h).Error; err != nil || h.GiftID == "" {
		return nil, err
	}
	var g Gift
	if err := tx.Where("id = ?", giftID).Take(&g).Error; err != nil {
		return nil, err
	}
	remaining := g.TotalAmount - g.RefundedAmount
	switch {
	case remaining <= 0:
		return nil, s.closeHold(tx, &h, nil, "no receipt: refunded in full before it was issued")
	case g.DisputeStatus == DisputeLost:
		return nil, s.closeHold(tx, &h, nil, "no receipt: the donor's bank took the payment back (chargeback)")
	case g.DisputeStatus == DisputeOpen:
		return nil, nil // until the dispute is settled
	}
	reason, conv, err := s.holdReason(tx, &g)
	if err != nil {
		return nil, err
	}
	if reason != "" {
		if reason != h.Reason {
			h.Reason = reason
			if err := tx.Model(&h).Updates(map[string]any{"reason": reason, "updated_at": tx.now}).Error; err != nil {
				return nil, err
			}
			if reason == HoldExchange {
				return nil, s.fetchSettlement(tx, &g)
			}
			return nil, s.askForDetails(tx, &g, &h)
		}
		return nil, nil
	}
	// A partial refund before the receipt: it states what the donor gave
	// in the end, as a replacement would have.
	g.TotalAmount, g.FeeAmount = remaining, min(g.FeeAmount, remaining)
	donorID := ""
	if g.DonorID != nil {
		donorID = *g.DonorID
	}
	r, err := s.issueReceipt(tx, h.IssueKey, &g, donorID, h.PaymentID, Benefit{Description: h.BenefitDescription, Value: h.BenefitValue}, conv, "")
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, s.closeHold(tx, &h, nil, fmt.Sprintf("no receipt: the advantage is over %d%% of the gift", craAdvantageLimitPercent))
	}
	if err := s.closeHold(tx, &h, &r.ID, "receipt "+r.Number); err != nil {
		return nil, err
	}
	return r, s.queueReceiptEmail(tx, EmailReceipt, r)
}

func (s *Store) closeHold(tx *Tx, h *ReceiptHold, receiptID *string, outcome string) error {
	now := tx.now
	h.ReleasedAt, h.ReceiptID, h.Outcome = &now, receiptID, outcome
	if err := tx.Model(h).Updates(map[string]any{"released_at": now, "receipt_id": receiptID, "outcome": outcome, "updated_at": now}).Error; err != nil {
		return err
	}
	return nil
}

// HeldGift is a gift whose receipt waits, as staff see it.
type HeldGift struct {
	Hold ReceiptHold
	Gift Gift
}

// HeldReceipts lists the gifts whose receipt waits, oldest first.
func (s *Store) HeldReceipts(ctx context.Context, limit int) ([]HeldGift, error) {
	var holds []ReceiptHold
	db := s.db.WithContext(ctx)
	if err := db.Where("released_at IS NULL").Order("created_at, gift_id").Limit(limit).Find(&holds).Error; err != nil {
		return nil, wrap(err, "holds: list")
	}
	if len(holds) == 0 {
		return nil, nil
	}
	ids := make([]string, len(holds))
	for i, h := range holds {
		ids[i] = h.GiftID
	}
	var gifts []Gift
	if err := db.Where("id IN ?", ids).Find(&gifts).Error; err != nil {
		return nil, wrap(err, "holds: gifts")
	}
	byID := map[string]Gift{}
	for _, g := range gifts {
		byID[g.ID] = g
	}
	out := make([]HeldGift, len(holds))
	for i, h := range holds {
		out[i] = HeldGift{Hold: h, Gift: byID[h.GiftID]}
	}
	return out, nil
}

// HoldOfGift is the gift's receipt hold, open or released; nil when its
// receipt never waited.
func (s *Store) HoldOfGift(ctx context.Context, giftID string) (*ReceiptHold, error) {
	var h ReceiptHold
	if err := s.db.WithContext(ctx).Where("gift_id = ?", giftID).Limit(1).Find(&h).Error; err != nil {
		return nil, wrap(err, "holds: of gift %s", giftID)
	}
	if h.GiftID == "" {
		return nil, nil
	}
	return &h, nil
}

// receiptHoldToken is one link sent to a donor to complete a held gift's
// details; only its hash is kept. Every link sent for a gift works until
// the details are given; after, it shows what became of the receipt.
type receiptHoldToken struct {
	TokenHash string `gorm:"primaryKey"`
	GiftID    string
	CreatedAt time.Time
}

func (receiptHoldToken) TableName() string { return "receipt_hold_tokens" }

func hashDetailsToken(token string) string {
	sum := sha256.Sum256([]byte("receipt-details:" + token))
	return hex.EncodeToString(sum[:])
}

// IssueDetailsToken makes the secret of the link that lets the donor of a
// held gift complete their details. It is made when the email is sent, so
// it exists in the clear only there.
func (s *Store) IssueDetailsToken(ctx context.Context, giftID string) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	err := s.transaction(ctx, func(tx *Tx) error {
		var n int64
		if err := tx.Model(&ReceiptHold{}).Where("gift_id = ? AND released_at IS NULL", giftID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return Errorf(ErrConflict, "The receipt of this gift no longer waits for details.")
		}
		return tx.Create(&receiptHoldToken{TokenHash: hashDetailsToken(token), GiftID: giftID, CreatedAt: tx.now}).Error
	})
	return token, wrap(err, "holds: token for gift %s", giftID)
}

// GiftForDetails is the gift a details link is for, with its hold (which
// may be released since: the page then says so); ErrNotFound when the
// link is unknown.
func (s *Store) GiftForDetails(ctx context.Context, token string) (*HeldGift, error) {
	var t receiptHoldToken
	db := s.db.WithContext(ctx)
	if err := db.Where("token_hash = ?", hashDetailsToken(token)).Limit(1).Find(&t).Error; err != nil {
		return nil, wrap(err, "holds: find link")
	}
	if t.GiftID == "" {
		return nil, ErrNotFound
	}
	var out HeldGift
	if err := db.Where("gift_id = ?", t.GiftID).Take(&out.Hold).Error; err != nil {
		return nil, wrap(err, "holds: find hold")
	}
	if err := db.Where("id = ?", t.GiftID).Take(&out.Gift).Error; err != nil {
		return nil, wrap(err, "holds: find gift")
	}
	return &out, nil
}

// CompleteGiftDetails records the name and address the donor gave for a
// held gift and issues its receipt if nothing else is missing. The gift
// keeps them as given for this gift; the donor's profile takes them only
// where it had none, as a profile is the donor's own to change.
func (s *Store) CompleteGiftDetails(ctx context.Context, token string, p DonorProfile) (*Receipt, error) {
	var r *Receipt
	err := s.transaction(ctx, func(tx *Tx) error {
		var t receiptHoldToken
		if err := tx.Where("token_hash = ?", hashDetailsToken(token)).Limit(1).Find(&t).Error; err != nil {
			return err
		}
		if t.GiftID == "" {
			return ErrNotFound
		}
		g, err := s.lockGift(tx, t.GiftID)
		if err != nil {
			return err
		}
		var h ReceiptHold
		if err := tx.Where("gift_id = ?", g.ID).Take(&h).Error; err != nil {
			return err
		}
		if h.ReleasedAt != nil || h.Reason != HoldDetails {
			return Errorf(ErrConflict, "Thank you: we have your details already. Your receipt is issued (or will be) without anything more from you.")
		}
		if err := tx.Model(&Gift{}).Where("id = ?", g.ID).Updates(map[string]any{
			"name": p.Name, "address_line1": p.Address.Line1, "address_line2": p.Address.Line2, "address_city": p.Address.City,
			"address_state": p.Address.State, "address_postal_code": p.Address.PostalCode, "address_country": p.Address.Country,
			"updated_at": tx.now,
		}).Error; err != nil {
			return err
		}
		if g.DonorID != nil {
			if err := tx.Model(&Donor{}).Where("id = ? AND name = ''", *g.DonorID).Update("name", p.Name).Error; err != nil {
				return err
			}
			if err := tx.Model(&Donor{}).Where("id = ? AND address_line1 = ''", *g.DonorID).Updates(map[string]any{
				"address_line1": p.Address.Line1, "address_line2": p.Address.Line2, "address_city": p.Address.City,
				"address_state": p.Address.State, "address_postal_code": p.Address.PostalCode, "address_country": p.Address.Country,
			}).Error; err != nil {
				return err
			}
		}
		r, err = s.releaseHold(tx, g.ID)
		return err
	})
	return r, wrap(err, "holds: complete details")
}

// lockGift takes the locks events about gift id take (see ledger_lock.go),
// so a change made outside an event (details completed, fees filled in by
// reconciliation) applies before or after a refund of the same payment,
// never beside it; then it reads the gift.
func (s *Store) lockGift(tx *Tx, id string) (*Gift, error) {
	var g Gift
	if err := tx.Where("id = ?", id).Take(&g).Error; err != nil {
		return nil, err
	}
	keys := lockKeys("gift", g.ID, "session", deref(g.StripeSessionID), "pi", deref(g.StripePaymentIntentID),
		"ch", deref(g.StripeChargeID), "invoice", deref(g.StripeInvoiceID))
	if err := s.lockPayments(tx, keys); err != nil {
		return nil, err
	}
	return &g, tx.Where("id = ?", id).Take(&g).Error
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
