package models

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/indienews/donations/money"
)

// Kinds of payment adjustment.
const (
	AdjustRefund        = "refund"
	AdjustDisputeOpened = "dispute_opened"
	AdjustDisputeWon    = "dispute_won"
	AdjustDisputeLost   = "dispute_lost"
)

// Dispute statuses kept on a gift.
const (
	DisputeOpen = "open"
	DisputeWon  = "won"
	DisputeLost = "lost"
)

// Adjustment is a refund or dispute as Stripe reported it. GiftID is nil
// for a payment we never saw (made before installation, say).
type Adjustment struct {
	ID                    string
	Kind                  string
	EventID               string
	GiftID                *string
	StripeChargeID        string
	StripePaymentIntentID string
	StripeObjectID        string
	Amount                int64 // a refund: what this refund took, not the total so far
	Currency              string
	RefundedTotal         int64 // a refund: the charge's refunded total after it, as Stripe reports it
	CreatedAt             time.Time
}

func (Adjustment) TableName() string { return "payment_adjustments" }

// Adjustments lists what was recorded, newest first; unmatched only when
// asked (for the report of payments we never saw).
func (s *Store) Adjustments(ctx context.Context, unmatchedOnly bool) ([]Adjustment, error) {
	q := s.db.WithContext(ctx).Order("created_at DESC")
	if unmatchedOnly {
		q = q.Where("gift_id IS NULL")
	}
	var out []Adjustment
	return out, wrap(q.Find(&out).Error, "adjustments: list")
}

// ReceiptsOfGift lists every receipt of a gift, in issue order.
func (s *Store) ReceiptsOfGift(ctx context.Context, giftID string) ([]Receipt, error) {
	var out []Receipt
	err := s.db.WithContext(ctx).Where("gift_id = ?", giftID).Order("issued_at, sequence").Find(&out).Error
	return out, wrap(err, "receipts: of gift %s", giftID)
}

// ChargeRef names the Stripe payment a refund or dispute is about.
type ChargeRef struct {
	ChargeID        string
	PaymentIntentID string
	InvoiceID       string
}

// ChargeRefunded applies a charge's cumulative refunded amount. Because the
// amount is cumulative, an older refund event arriving late changes nothing.
type ChargeRefunded struct {
	ChargeRef
	Amount         int64
	AmountRefunded int64
	Currency       string
}

// DisputeOpened flags a gift as disputed and voids its receipt.
type DisputeOpened struct {
	ChargeRef
	DisputeID string
	Amount    int64
	Currency  string
}

// DisputeClosed settles a dispute: won (or an inquiry closed) restores a
// receipt for what remains; lost leaves it void.
type DisputeClosed struct {
	ChargeRef
	DisputeID string
	Won       bool
	Amount    int64
	Currency  string
}

// giftForCharge finds the gift a charge belongs to, nil if none.
func giftForCharge(tx *Tx, ref ChargeRef) (*Gift, error) {
	for _, q := range []struct{ col, val string }{
		{"stripe_charge_id", ref.ChargeID}, {"stripe_payment_intent_id", ref.PaymentIntentID}, {"stripe_invoice_id", ref.InvoiceID},
	} {
		if q.val == "" {
			continue
		}
		var g Gift
		if err := tx.Where(q.col+" = ?", q.val).Limit(1).Find(&g).Error; err != nil {
			return nil, err
		}
		if g.ID != "" {
			return &g, nil
		}
	}
	return nil, nil
}

func (s *Store) recordAdjustment(tx *Tx, kind string, ev EventRecord, g *Gift, ref ChargeRef, objectID string, amount int64, currency string) error {
	a := Adjustment{ID: uuid.NewString(), Kind: kind, EventID: ev.ID, StripeChargeID: ref.ChargeID,
		StripePaymentIntentID: ref.PaymentIntentID, StripeObjectID: objectID, Amount: amount, Currency: currency,
		CreatedAt: tx.now}
	if g != nil {
		a.GiftID = &g.ID
	}
	return tx.Create(&a).Error
}

// recordRefund records a refund by what it took: Stripe's refunded total
// less the largest total recorded for the charge before (none if it
// arrives late, after a larger one), so the rows add up to Stripe's total.
func (s *Store) recordRefund(tx *Tx, ev EventRecord, g *Gift, ref ChargeRef, total int64, currency string) error {
	var before int64
	if ref.ChargeID != "" {
		if err := tx.Model(&Adjustment{}).Where("kind = ? AND stripe_charge_id = ?", AdjustRefund, ref.ChargeID).
			Select("COALESCE(MAX(refunded_total), 0)").Scan(&before).Error; err != nil {
			return err
		}
	}
	a := Adjustment{ID: uuid.NewString(), Kind: AdjustRefund, EventID: ev.ID, StripeChargeID: ref.ChargeID,
		StripePaymentIntentID: ref.PaymentIntentID, Amount: max(total-before, 0), RefundedTotal: total, Currency: currency,
		CreatedAt: tx.now}
	if g != nil {
		a.GiftID = &g.ID
	}
	return tx.Create(&a).Error
}

func (e ChargeRefunded) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	g, err := giftForCharge(tx, e.ChargeRef)
	if err != nil {
		return err
	}
	if err := s.recordRefund(tx, ev, g, e.ChargeRef, e.AmountRefunded, e.Currency); err != nil {
		return err
	}
	if g == nil {
		res.Outcome = fmt.Sprintf("refund of %d on %s, a payment we never saw (yet): recorded", e.AmountRefunded, e.ChargeID)
		return nil
	}
	return s.refundGift(tx, g, e.ChargeID, e.AmountRefunded, res)
}

// refundGift applies a charge's cumulative refunded amount to its gift.
func (s *Store) refundGift(tx *Tx, g *Gift, chargeID string, amountRefunded int64, res *EventResult) error {
	if amountRefunded <= g.RefundedAmount {
		res.Outcome, res.NoChange = fmt.Sprintf("gift %s: refund of %d already applied", g.ID, amountRefunded), true
		return nil
	}
	refunded := min(amountRefunded, g.TotalAmount)
	up := map[string]any{"refunded_amount": refunded, "updated_at": tx.now}
	if g.StripeChargeID == nil && chargeID != "" {
		up["stripe_charge_id"] = chargeID
	}
	if refunded >= g.TotalAmount {
		up["status"] = GiftRefunded
	}
	if err := tx.Model(&Gift{}).Where("id = ?", g.ID).Updates(up).Error; err != nil {
		return err
	}
	if err := s.giftRefunded(tx, g, refunded); err != nil {
		return err
	}
	if err := s.refundGiftAid(tx, g, g.RefundedAmount, refunded); err != nil {
		return err
	}
	old, err := currentReceipt(tx.DB, g.ID)
	if err != nil {
		return err
	}
	if old == nil {
		res.Outcome = fmt.Sprintf("gift %s: refunded %d, no receipt in force", g.ID, refunded)
		// A receipt still held is now for less, or for nothing.
		_, err := s.releaseHold(tx, g.ID)
		return err
	}
	remaining := g.TotalAmount - refunded
	reason := "refunded in full"
	if remaining > 0 {
		reason = fmt.Sprintf("partially refunded (%s of %s)", money.Display(refunded, g.Currency), money.Display(g.TotalAmount, g.Currency))
	}
	if err := s.voidReceipt(tx, old, reason); err != nil {
		return err
	}
	res.Outcome = fmt.Sprintf("gift %s: receipt %s void, %s", g.ID, old.Number, reason)
	if remaining <= 0 {
		return s.queueReceiptEmail(tx, EmailVoid, old)
	}
	r, err := s.replaceReceipt(tx, fmt.Sprintf("gift:%s:refund:%d", g.ID, refunded), old, remaining)
	if err != nil {
		return err
	}
	if r == nil {
		res.Outcome += ", no replacement: nothing eligible remains"
		return s.queueReceiptEmail(tx, EmailVoid, old)
	}
	res.Receipt = r
	res.Outcome += ", replaced by " + r.Number
	return s.queueReceiptEmail(tx, EmailReplacement, r)
}

func (e DisputeOpened) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	g, err := giftForCharge(tx, e.ChargeRef)
	if err != nil {
		return err
	}
	if err := s.recordAdjustment(tx, AdjustDisputeOpened, ev, g, e.ChargeRef, e.DisputeID, e.Amount, e.Currency); err != nil {
		return err
	}
	if g == nil {
		res.Outcome = fmt.Sprintf("dispute %s on %s, a payment we never saw (yet): recorded", e.DisputeID, e.ChargeID)
		return nil
	}
	return s.openDispute(tx, g, res)
}

// openDispute flags a gift as disputed and voids its receipt.
func (s *Store) openDispute(tx *Tx, g *Gift, res *EventResult) error {
	// Closed already (the close arrived first), or flagged already.
	if g.DisputeStatus != "" {
		res.Outcome, res.NoChange = fmt.Sprintf("gift %s: dispute already %s", g.ID, g.DisputeStatus), true
		return nil
	}
	if err := tx.Model(&Gift{}).Where("id = ?", g.ID).Updates(map[string]any{"dispute_status": DisputeOpen, "updated_at": tx.now}).Error; err != nil {
		return err
	}
	res.Outcome = fmt.Sprintf("gift %s disputed", g.ID)
	old, err := currentReceipt(tx.DB, g.ID)
	if err != nil {
		return err
	}
	if old == nil {
		// A receipt still held is never issued now.
		_, err := s.releaseHold(tx, g.ID)
		return err
	}
	if err := s.voidReceipt(tx, old, "disputed (chargeback)"); err != nil {
		return err
	}
	res.Outcome += ", receipt " + old.Number + " void"
	return s.queueReceiptEmail(tx, EmailVoid, old)
}

func (e DisputeClosed) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	g, err := giftForCharge(tx, e.ChargeRef)
	if err != nil {
		return err
	}
	kind, status := AdjustDisputeLost, DisputeLost
	if e.Won {
		kind, status = AdjustDisputeWon, DisputeWon
	}
	if err := s.recordAdjustment(tx, kind, ev, g, e.ChargeRef, e.DisputeID, e.Amount, e.Currency); err != nil {
		return err
	}
	if g == nil {
		res.Outcome = fmt.Sprintf("dispute %s closed (%s) on a payment we never saw (yet): recorded", e.DisputeID, status)
		return nil
	}
	return s.closeDispute(tx, g, e.DisputeID, e.Won, res)
}

// closeDispute settles a gift's dispute.
func (s *Store) closeDispute(tx *Tx, g *Gift, disputeID string, won bool, res *EventResult) error {
	status := DisputeLost
	if won {
		status = DisputeWon
	}
	if g.DisputeStatus == DisputeWon || g.DisputeStatus == DisputeLost {
		res.Outcome, res.NoChange = fmt.Sprintf("gift %s: dispute already %s", g.ID, g.DisputeStatus), true
		return nil
	}
	if err := tx.Model(&Gift{}).Where("id = ?", g.ID).Updates(map[string]any{"dispute_status": status, "updated_at": tx.now}).Error; err != nil {
		return err
	}
	res.Outcome = fmt.Sprintf("gift %s: dispute %s", g.ID, status)
	current, err := currentReceipt(tx.DB, g.ID)
	if err != nil {
		return err
	}
	if !won {
		// Lost: the money went back; the receipt stays void (or becomes so,
		// when the close arrived before the opening), and Gift Aid on it
		// is not claimed, or is paid back.
		if err := s.refundGiftAid(tx, g, g.RefundedAmount, g.TotalAmount); err != nil {
			return err
		}
		if current != nil {
			if err := s.voidReceipt(tx, current, "dispute lost (chargeback)"); err != nil {
				return err
			}
			res.Outcome += ", receipt " + current.Number + " void"
			return s.queueReceiptEmail(tx, EmailVoid, current)
		}
		_, err := s.releaseHold(tx, g.ID)
		return err
	}
	remaining := g.TotalAmount - g.RefundedAmount
	if current != nil || remaining <= 0 {
		return nil // the close arrived before the opening: the receipt never left
	}
	last, err := latestReceipt(tx, g.ID)
	if err != nil {
		return err
	}
	if last == nil {
		// Never issued: a receipt held through the dispute may go now.
		r, err := s.releaseHold(tx, g.ID)
		if r != nil {
			res.Receipt = r
			res.Outcome += ", receipt " + r.Number
		}
		return err
	}
	r, err := s.replaceReceipt(tx, fmt.Sprintf("gift:%s:dispute-won:%s", g.ID, disputeID), last, remaining)
	if err != nil || r == nil {
		return err
	}
	res.Receipt = r
	res.Outcome += ", receipt " + r.Number + " replaces " + last.Number
	return s.queueReceiptEmail(tx, EmailReplacement, r)
}

// paidReceipt issues the receipt (or the hold) of g, just paid, then
// replays the refunds and disputes that arrived before the payment they
// are about (delivery is unordered). Those are read first: the payment's
// lock keeps new ones out until the commit, and a read after the receipt
// took its number would hold every other receipt back (see issueReceipt).
func (s *Store) paidReceipt(tx *Tx, key string, g *Gift, donorID, paymentID string, b Benefit) (*Receipt, *ReceiptHold, error) {
	pending, err := pendingAdjustments(tx, g)
	if err != nil {
		return nil, nil, err
	}
	r, hold, err := s.receiptOrHold(tx, key, g, donorID, paymentID, b)
	if err != nil {
		return nil, nil, err
	}
	return r, hold, s.applyAdjustments(tx, g, pending)
}

// pendingAdjustments are the refunds and disputes waiting for g's payment.
func pendingAdjustments(tx *Tx, g *Gift) ([]Adjustment, error) {
	if tx.noneWaiting[g.ID] {
		return nil, nil
	}
	refs := []string{}
	q := tx.Where("gift_id IS NULL")
	cond := tx.Where("1 = 0")
	for col, val := range map[string]*string{"stripe_payment_intent_id": g.StripePaymentIntentID, "stripe_charge_id": g.StripeChargeID} {
		if val != nil && *val != "" {
			cond = cond.Or(col+" = ?", *val)
			refs = append(refs, *val)
		}
	}
	if len(refs) == 0 {
		return nil, nil
	}
	var pending []Adjustment
	if err := q.Where(cond).Order("created_at, id").Find(&pending).Error; err != nil {
		return nil, err
	}
	return pending, nil
}

// applyAdjustments applies pending, read by pendingAdjustments, to g.
func (s *Store) applyAdjustments(tx *Tx, g *Gift, pending []Adjustment) error {
	for _, a := range pending {
		if err := tx.Model(&Adjustment{}).Where("id = ?", a.ID).Update("gift_id", g.ID).Error; err != nil {
			return err
		}
		var cur Gift
		if err := tx.Where("id = ?", g.ID).Take(&cur).Error; err != nil {
			return err
		}
		var res EventResult
		var err error
		switch a.Kind {
		case AdjustRefund:
			// The charge's refunded total, as Stripe said it then.
			err = s.refundGift(tx, &cur, a.StripeChargeID, a.RefundedTotal, &res)
		case AdjustDisputeOpened:
			err = s.openDispute(tx, &cur, &res)
		case AdjustDisputeWon, AdjustDisputeLost:
			err = s.closeDispute(tx, &cur, a.StripeObjectID, a.Kind == AdjustDisputeWon, &res)
		}
		if err != nil {
			return err
		}
		s.log.Info("applied an adjustment that arrived before its payment", "gift_id", g.ID, "kind", a.Kind, "outcome", res.Outcome)
	}
	return nil
}
