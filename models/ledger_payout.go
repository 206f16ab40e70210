package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// BalanceTxn is one movement of the Stripe balance, as Stripe reports it:
// a charge's gross, fee and net (in the settlement currency, converted at
// ExchangeRate when the gift was in another one), a refund, a dispute's
// debit or its reversal, a fee. It is what ties gifts to bank deposits.
type BalanceTxn struct {
	ID           string
	Type         string // charge, payment, refund, adjustment, stripe_fee, payout, ...
	SourceID     string // ch_, re_, dp_, po_, ...
	ChargeID     string // the charge it is about, when it is about one
	Amount       int64  // minor units of Currency; negative for money out
	Fee          int64
	Net          int64
	Currency     string // the settlement currency
	ExchangeRate string // Stripe's decimal, "" when no conversion
	Description  string
	Created      time.Time
	AvailableOn  time.Time
	PayoutID     *string
}

// balanceTxn is the balance_transactions row.
type balanceTxn struct {
	ID           string
	Type         string
	SourceID     string
	ChargeID     string
	Amount       int64
	Fee          int64
	Net          int64
	Currency     string
	ExchangeRate string
	Description  string
	CreatedAt    time.Time
	AvailableOn  *time.Time
	PayoutID     *string
}

func (balanceTxn) TableName() string { return "balance_transactions" }

// Payout is money Stripe sent to the bank.
type Payout struct {
	ID             string
	Amount         int64
	Currency       string
	Status         string // paid, failed, in_transit, ...
	ArrivalDate    *time.Time
	FailureMessage string
	Livemode       bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// recordTxns stores balance transactions, replacing what an earlier
// reading said (a transaction gains its payout later), inside tx.
func recordTxns(tx *Tx, txns []BalanceTxn) error {
	for _, t := range txns {
		row := balanceTxn{ID: t.ID, Type: t.Type, SourceID: t.SourceID, ChargeID: t.ChargeID, Amount: t.Amount, Fee: t.Fee, Net: t.Net,
			Currency: t.Currency, ExchangeRate: t.ExchangeRate, Description: t.Description, CreatedAt: t.Created.UTC(), PayoutID: t.PayoutID}
		if !t.AvailableOn.IsZero() {
			on := t.AvailableOn.UTC()
			row.AvailableOn = &on
		}
		cols := []string{"type", "source_id", "amount", "fee", "net", "currency", "exchange_rate", "description", "available_on"}
		if t.ChargeID != "" {
			cols = append(cols, "charge_id")
		}
		if t.PayoutID != nil {
			cols = append(cols, "payout_id")
		}
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoUpdates: clause.AssignmentColumns(cols)}).Create(&row).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// PaymentFees is what a retrieved payment tells about its money: the
// charge, and its balance transaction.
type PaymentFees struct {
	ChargeID string
	Txn      *BalanceTxn
}

// recordPaymentFees links gift to its charge and stores the charge's
// balance transaction, inside the transaction that records the payment.
func recordPaymentFees(tx *Tx, giftID string, f PaymentFees) error {
	if f.ChargeID != "" {
		if err := tx.Model(&Gift{}).Where("id = ? AND stripe_charge_id IS NULL", giftID).
			Update("stripe_charge_id", f.ChargeID).Error; err != nil {
			return err
		}
	}
	if f.Txn == nil {
		return nil
	}
	return recordTxns(tx, []BalanceTxn{*f.Txn})
}

// PaymentsWithoutFees lists paid gifts whose charge's balance transaction
// is not recorded yet (their payment arrived inline, with no retrieval):
// reconcile fills them in. Each comes with the Stripe ids to ask about.
func (s *Store) PaymentsWithoutFees(ctx context.Context, since time.Time, limit int) ([]Gift, error) {
	var out []Gift
	// A receipt held for the settled amount is looked for whatever its age.
	err := s.db.WithContext(ctx).Where(`status IN ?
		AND (paid_at >= ? OR id IN (SELECT gift_id FROM receipt_holds WHERE released_at IS NULL AND reason = 'exchange'))
		AND (stripe_payment_intent_id IS NOT NULL OR stripe_charge_id IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM balance_transactions b WHERE b.charge_id = gifts.stripe_charge_id AND b.type IN ('charge', 'payment'))`,
		[]string{GiftPaid, GiftRefunded}, since.UTC()).Order("paid_at").Limit(limit).Find(&out).Error
	return out, wrap(err, "fees: payments without a balance transaction")
}

// RecordPaymentFees stores what reconcile (or the job that fetches a
// converted payment's) learned of a gift's payment; a receipt held for
// the amount in the settlement currency is issued with it.
func (s *Store) RecordPaymentFees(ctx context.Context, giftID string, f PaymentFees) error {
	return wrap(s.transaction(ctx, func(tx *Tx) error {
		if _, err := s.lockGift(tx, giftID); err != nil {
			return err
		}
		if err := recordPaymentFees(tx, giftID, f); err != nil {
			return err
		}
		_, err := s.releaseHold(tx, giftID)
		return err
	}), "fees: record for gift %s", giftID)
}

// PayoutReported is a payout.paid or payout.failed event: the payout and
// every balance transaction it carried to the bank.
type PayoutReported struct {
	Payout Payout
	Lines  []BalanceTxn
}

func (e PayoutReported) lockKeys() []string { return lockKeys("payout", e.Payout.ID) }

func (e PayoutReported) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	p := e.Payout
	if p.ID == "" || p.Currency == "" {
		return fmt.Errorf("%w: payout event without an id or currency", ErrRejected)
	}
	p.CreatedAt, p.UpdatedAt = tx.now, tx.now
	err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"amount", "currency", "status", "arrival_date", "failure_message", "updated_at"})}).Create(&p).Error
	if err != nil {
		return err
	}
	for i := range e.Lines {
		e.Lines[i].PayoutID = &p.ID
	}
	if err := recordTxns(tx, e.Lines); err != nil {
		return err
	}
	res.Outcome = fmt.Sprintf("payout %s %s: %d lines", p.ID, p.Status, len(e.Lines))
	return nil
}

// PayoutLine is a balance transaction of a payout with the gift it is
// about, or none: a charge we never recorded is "unmatched", never dropped.
type PayoutLine struct {
	BalanceTxn
	GiftID     string
	DonorEmail string
}

// PayoutWithLines is a payout and what it carried.
type PayoutWithLines struct {
	Payout
	Lines []PayoutLine
}

// Payouts lists the payouts arriving in [from, to), oldest first, each
// with its lines (the payout's own transaction left out).
func (s *Store) Payouts(ctx context.Context, from, to time.Time) ([]PayoutWithLines, error) {
	var ps []Payout
	db := s.db.WithContext(ctx)
	if err := db.Where("arrival_date >= ? AND arrival_date < ?", from.UTC(), to.UTC()).Order("arrival_date, id").Find(&ps).Error; err != nil {
		return nil, wrap(err, "payouts: from %s", from.Format("2006-01-02"))
	}
	out := make([]PayoutWithLines, 0, len(ps))
	for _, p := range ps {
		rows, err := db.Raw(`SELECT b.id, b.type, b.source_id, b.charge_id, b.amount, b.fee, b.net, b.currency, b.exchange_rate, b.description,
				b.created_at, b.available_on, COALESCE(g.id, ''), COALESCE(g.email, '')
			FROM balance_transactions b LEFT JOIN gifts g ON b.charge_id <> '' AND g.stripe_charge_id = b.charge_id
			WHERE b.payout_id = ? AND b.type <> 'payout' ORDER BY b.created_at, b.id`, p.ID).Rows()
		if err != nil {
			return nil, wrap(err, "payouts: lines of %s", p.ID)
		}
		pw := PayoutWithLines{Payout: p}
		for rows.Next() {
			var l PayoutLine
			var avail *time.Time
			if err := rows.Scan(&l.ID, &l.Type, &l.SourceID, &l.ChargeID, &l.Amount, &l.Fee, &l.Net, &l.Currency, &l.ExchangeRate,
				&l.Description, &l.Created, &avail, &l.GiftID, &l.DonorEmail); err != nil {
				rows.Close()
				return nil, wrap(err, "payouts: read a line of %s", p.ID)
			}
			if avail != nil {
				l.AvailableOn = *avail
			}
			pw.Lines = append(pw.Lines, l)
		}
		err = rows.Err()
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, wrap(err, "payouts: lines of %s", p.ID)
		}
		out = append(out, pw)
	}
	return out, nil
}

// FeesOfGifts returns, for each gift whose charge's balance transaction
// is recorded, that transaction: its fee and net in the settlement
// currency.
func (s *Store) FeesOfGifts(ctx context.Context, gifts []Gift) (map[string]BalanceTxn, error) {
	byCharge := map[string]string{}
	var charges []string
	for _, g := range gifts {
		if g.StripeChargeID != nil && *g.StripeChargeID != "" {
			byCharge[*g.StripeChargeID] = g.ID
			charges = append(charges, *g.StripeChargeID)
		}
	}
	out := map[string]BalanceTxn{}
	if len(charges) == 0 {
		return out, nil
	}
	var rows []balanceTxn
	if err := s.db.WithContext(ctx).Where("charge_id IN ? AND type IN ?", charges, []string{"charge", "payment"}).Find(&rows).Error; err != nil {
		return nil, wrap(err, "fees: of %d gifts", len(gifts))
	}
	for _, r := range rows {
		out[byCharge[r.ChargeID]] = BalanceTxn{ID: r.ID, Type: r.Type, ChargeID: r.ChargeID, Amount: r.Amount, Fee: r.Fee, Net: r.Net,
			Currency: r.Currency, ExchangeRate: r.ExchangeRate, Created: r.CreatedAt}
	}
	return out, nil
}
