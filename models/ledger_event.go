package models

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EventRecord identifies one payment-provider event. Its ID is stored under
// a unique constraint in the same transaction as the event's effects.
type EventRecord struct {
	ID         string
	Type       string
	APIVersion string
	Livemode   bool
	Created    time.Time
	// ReceiptsFrom marks an event that brings in history (stripe import):
	// a payment before it gets no receipt, and no email is sent at all.
	ReceiptsFrom *time.Time
}

// stripeEvent is the stripe_events row.
type stripeEvent struct {
	ID         string
	Type       string
	APIVersion string
	Livemode   bool
	CreatedAt  time.Time
	ReceivedAt time.Time
	Outcome    string
}

func (stripeEvent) TableName() string { return "stripe_events" }

// EventResult says what applying an event did.
type EventResult struct {
	Duplicate bool   // the event id was already recorded; nothing changed
	NoChange  bool   // a new event id, but its facts were already recorded
	Ignored   bool   // recorded, and by its nature it changes nothing
	Outcome   string // a short sentence for logs and staff
	Receipt   *Receipt
}

// ErrRejected marks an event whose content we cannot apply (retrying will not
// help until the code or data is fixed). Nothing of it is stored.
var ErrRejected = errors.New("event rejected")

// Effect is what an event does to the ledger. Only this package implements
// it, so every effect runs inside ApplyEvent's transaction.
type Effect interface {
	apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error
	// lockKeys names the Stripe objects the effect is about (see lock.go).
	lockKeys() []string
}

// ApplyEvent records ev and applies effect in one transaction. A duplicate
// id, including a twin delivered concurrently, changes nothing. If anything
// fails, nothing is stored, so the sender's retry starts clean.
//
// At most Options.EventsAtOnce events are applied at once; the rest wait
// their turn here, not in Postgres.
func (s *Store) ApplyEvent(ctx context.Context, ev EventRecord, effect Effect) (EventResult, error) {
	select {
	case s.events <- struct{}{}:
		defer func() { <-s.events }()
	case <-ctx.Done():
		return EventResult{}, wrap(ctx.Err(), "events: apply %s (%s): waiting for a turn", ev.ID, ev.Type)
	}
	var res EventResult
	err := s.transaction(ctx, func(tx *Tx) error {
		res = EventResult{}
		tx.history = ev.ReceiptsFrom
		row := stripeEvent{
			ID: ev.ID, Type: ev.Type, APIVersion: ev.APIVersion, Livemode: ev.Livemode,
			CreatedAt: ev.Created.UTC(), ReceivedAt: tx.now, Outcome: "processing",
		}
		var keys []string
		if effect != nil {
			keys = effect.lockKeys()
		}
		// On Postgres a concurrent twin blocks here on the unique index until
		// the first commits, then inserts nothing.
		fresh, err := s.claimEvent(tx, row, keys)
		if err != nil {
			return err
		}
		if !fresh {
			res.Duplicate = true
			res.Outcome = "duplicate"
			return nil
		}
		if effect == nil {
			res.Outcome, res.Ignored = "ignored: no effect for "+ev.Type, true
			return setOutcome(tx, ev.ID, res.Outcome)
		}
		if err := effect.apply(s, tx, ev, &res); err != nil {
			return err
		}
		// A campaign gift paid, refunded or disputed changes what its
		// match pools give every gift after it.
		campaigns, err := s.finishEvent(tx, ev.ID, res.Outcome)
		if err != nil {
			return err
		}
		return s.recomputeCampaigns(tx, campaigns)
	})
	if err != nil {
		return EventResult{}, wrap(err, "events: apply %s (%s)", ev.ID, ev.Type)
	}
	return res, nil
}

// claimEvent records the event's row and reports whether it is new: false
// for an id recorded already, by this delivery's twin too. A new event
// then holds the payment locks of keys (see ledger_lock.go), taken in the
// same statement, a round trip less for every webhook; a duplicate takes
// none. SQLite needs no locks.
func (s *Store) claimEvent(tx *Tx, row stripeEvent, keys []string) (bool, error) {
	from, hashes := "", []any(nil)
	if s.dialect == DialectPostgres {
		from, hashes = tx.locksToTake(paymentLockClass, keys)
	}
	if from == "" {
		ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		return ins.RowsAffected == 1, ins.Error
	}
	// One row per lock taken, none for a duplicate: the locks join the
	// inserted row, so they are taken only after it is. Each row also
	// counts the outbound endpoints: with none (most servers), the
	// transaction knows it tells no one without reading them again (see
	// recordEvent). The count needs no lock: an endpoint gets the events
	// of transactions that begin after it exists.
	args := append([]any{row.ID, row.Type, row.APIVersion, row.Livemode, row.CreatedAt, row.ReceivedAt, row.Outcome, paymentLockClass,
		EndpointActive, EndpointDisabled}, hashes...)
	rows, err := tx.Raw(`WITH e AS (INSERT INTO stripe_events (id, type, api_version, livemode, created_at, received_at, outcome)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id)
		SELECT pg_advisory_xact_lock(?, k)::text, (SELECT count(*) FROM outbound_endpoints WHERE status IN (?, ?))
		FROM e, `+from, args...).Rows()
	if err != nil {
		return false, err
	}
	defer rows.Close()
	fresh := rows.Next()
	var locked string
	var endpoints int64
	if fresh {
		if err := rows.Scan(&locked, &endpoints); err != nil {
			return false, err
		}
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if fresh {
		tx.markHeld(paymentLockClass, keys)
		if endpoints == 0 {
			tx.endpoints, tx.endpRead = nil, true
		}
	}
	return fresh, rows.Close()
}

// finishEvent records the event's outcome and returns the campaigns one of
// whose gifts, or one of whose gifts' memberships (a cancellation ends a
// projection), the transaction changed. On Postgres both are one
// statement: it is the last before the commit, and a paid gift's
// transaction holds the receipt counter, which every other paid gift
// waits for, until then.
func (s *Store) finishEvent(tx *Tx, id, outcome string) ([]string, error) {
	if s.dialect != DialectPostgres {
		if err := setOutcome(tx, id, outcome); err != nil {
			return nil, err
		}
		return touchedCampaigns(tx, "", nil)
	}
	return touchedCampaigns(tx, "WITH done AS (UPDATE stripe_events SET outcome = ? WHERE id = ?) ", []any{outcome, id})
}

// setOutcome records what an event did.
func setOutcome(tx *Tx, id, outcome string) error {
	return tx.Model(&stripeEvent{}).Where("id = ?", id).Update("outcome", outcome).Error
}

// EventRecorded reports whether an event id was recorded already: a
// redelivered notice need not be retrieved again.
func (s *Store) EventRecorded(ctx context.Context, id string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&stripeEvent{}).Where("id = ?", id).Count(&n).Error
	return n > 0, wrap(err, "events: is %s recorded", id)
}

// EventOutcome returns what was recorded for an event id.
func (s *Store) EventOutcome(ctx context.Context, id string) (string, error) {
	var row stripeEvent
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return "", wrap(err, "events: outcome of %s", id)
	}
	return row.Outcome, nil
}

// CheckoutPayment is what a Checkout Session tells us about a payment.
type CheckoutPayment struct {
	SessionID         string
	ClientReferenceID string // our gift id, when the session came from our form
	PaymentIntentID   string
	AmountTotal       int64
	Currency          string
	Email             string
	Name              string
	Address           Address
	Livemode          bool
	At                time.Time // when the payment happened
	// Fees is the payment's charge and balance transaction, when the
	// session was retrieved with them; empty for an inline event.
	Fees PaymentFees
}

// CheckoutPaid fulfils a paid session: the gift becomes paid, the donor is
// upserted, and a receipt is issued, once.
type CheckoutPaid struct{ CheckoutPayment }

// CheckoutProcessing records a completed session whose payment (a bank
// debit, say) has not settled yet. Nothing is paid.
type CheckoutProcessing struct{ CheckoutPayment }

// CheckoutFailed records that a delayed payment failed.
type CheckoutFailed struct{ CheckoutPayment }

// Ignore records an event we accept but that changes nothing.
type Ignore struct{ Reason string }

func (e Ignore) apply(_ *Store, _ *Tx, _ EventRecord, res *EventResult) error {
	res.Outcome, res.Ignored = "ignored: "+e.Reason, true
	return nil
}

func (e CheckoutPaid) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	p := e.CheckoutPayment
	if p.AmountTotal <= 0 || p.Currency == "" {
		return fmt.Errorf("%w: paid session %s has no amount or currency", ErrRejected, p.SessionID)
	}
	// A session with no gift of ours yet (a payment link, say) gets its
	// gift written once, paid, below: not written pending and then
	// rewritten, which moved the row and its index entries twice.
	g, saved, err := s.checkoutGift(tx, p, false)
	if err != nil {
		return err
	}
	return e.pay(s, tx, res, g, saved)
}

// pay records gift g paid by the session, and its receipt. saved is false
// for a gift not written yet.
func (e CheckoutPaid) pay(s *Store, tx *Tx, res *EventResult, g *Gift, saved bool) error {
	p := e.CheckoutPayment
	if g.Status == GiftPaid {
		res.Outcome, res.NoChange = fmt.Sprintf("gift %s already paid", g.ID), true
		return nil
	}
	if g.Currency != p.Currency {
		return fmt.Errorf("%w: session %s is in %s but gift %s is in %s", ErrRejected, p.SessionID, p.Currency, g.ID, g.Currency)
	}
	if g.Email == "" {
		g.Email = NormaliseEmail(p.Email)
	}
	if g.Email == "" {
		return fmt.Errorf("%w: paid session %s has no email", ErrRejected, p.SessionID)
	}
	if g.Name == "" {
		g.Name = p.Name
	}
	if g.Address.Line1 == "" {
		g.Address = p.Address
	}
	if g.TotalAmount != p.AmountTotal {
		// Stripe's figure is what was charged; keep the fee no larger than it.
		s.log.Warn("paid amount differs from the gift's", "gift_id", g.ID, "expected", g.TotalAmount, "paid", p.AmountTotal)
		g.TotalAmount = p.AmountTotal
		g.FeeAmount = min(g.FeeAmount, p.AmountTotal)
		g.Amount = p.AmountTotal - g.FeeAmount
	}
	donorID, err := s.upsertDonor(tx, g.Email, g.Name, g.Address, g.Language)
	if err != nil {
		return err
	}
	paidAt := p.At.UTC()
	if paidAt.IsZero() {
		paidAt = tx.now
	}
	// The status guard is the exactly-once point for the payment itself: two
	// different events for one session (completed, then async succeeded) can
	// both reach here, and only one flips the row.
	vals := map[string]any{
		"status":                   GiftPaid,
		"donor_id":                 donorID,
		"email":                    g.Email,
		"name":                     g.Name,
		"address_line1":            g.Address.Line1,
		"address_line2":            g.Address.Line2,
		"address_city":             g.Address.City,
		"address_state":            g.Address.State,
		"address_postal_code":      g.Address.PostalCode,
		"address_country":          g.Address.Country,
		"amount":                   g.Amount,
		"fee_amount":               g.FeeAmount,
		"total_amount":             g.TotalAmount,
		"stripe_session_id":        p.SessionID,
		"stripe_payment_intent_id": nullable(p.PaymentIntentID),
		"livemode":                 p.Livemode,
		"paid_at":                  paidAt,
		"updated_at":               tx.now,
	}
	refs := []string{p.PaymentIntentID, deref(g.StripeChargeID), p.Fees.ChargeID}
	var changed bool
	if saved {
		changed, err = s.payGift(tx, g.ID, vals, refs...)
	} else {
		// What the update leaves as it was, a new row needs too.
		maps.Copy(vals, map[string]any{"id": g.ID, "source": g.Source, "frequency": g.Frequency,
			"currency": g.Currency, "created_at": g.CreatedAt})
		changed, err = s.insertPaidGift(tx, g.ID, vals, refs...)
		if err == nil && !changed {
			// An earlier event of the session wrote its gift (a delayed
			// payment's): that one is paid, as any other.
			var theirs Gift
			if err := tx.Where("stripe_session_id = ?", p.SessionID).Take(&theirs).Error; err != nil {
				return err
			}
			return e.pay(s, tx, res, &theirs, true)
		}
	}
	if err != nil {
		return err
	}
	if !changed {
		res.Outcome, res.NoChange = fmt.Sprintf("gift %s already paid", g.ID), true
		return nil
	}
	g.PaidAt = &paidAt
	paymentID := p.PaymentIntentID
	if paymentID == "" {
		paymentID = p.SessionID
	}
	g.StripeSessionID, g.StripePaymentIntentID, g.DonorID = &p.SessionID, nullable(p.PaymentIntentID), &donorID
	told := *g
	told.Livemode = p.Livemode
	if err := s.giftPaid(tx, &told); err != nil {
		return err
	}
	// The payment's balance transaction first: a receipt converted to the
	// settlement currency states what it says.
	if err := recordPaymentFees(tx, g.ID, p.Fees); err != nil {
		return err
	}
	if p.Fees.ChargeID != "" && g.StripeChargeID == nil {
		g.StripeChargeID = &p.Fees.ChargeID
	}
	r, hold, err := s.paidReceipt(tx, "gift:"+g.ID+":original", g, donorID, paymentID, Benefit{})
	if err != nil {
		return err
	}
	res.Receipt = r
	res.Outcome = fmt.Sprintf("gift %s paid, %s", g.ID, receiptOutcome(r, hold))
	return nil
}

// payGift sets gift id paid with vals, unless it is paid already, and
// reports whether it did. On Postgres the same statement asks whether a
// refund or dispute waits for the payment, under any of its ids refs
// (see paidReceipt); when none does, the transaction does not ask again.
// The payment's locks are held by then (the event's claim took them), so
// an adjustment recorded before is seen and a new one waits for the
// commit: the answer holds to the end of the transaction.
func (s *Store) payGift(tx *Tx, id string, vals map[string]any, refs ...string) (bool, error) {
	if s.dialect != DialectPostgres {
		upd := tx.Model(&Gift{}).Where("id = ? AND status <> ?", id, GiftPaid).Updates(vals)
		return upd.RowsAffected == 1, translate(upd.Error)
	}
	cols, args := columnsOf(vals)
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = ?"
	}
	args = append(args, id, GiftPaid)
	return s.paidAndWaiting(tx, id, `UPDATE gifts SET `+strings.Join(set, ", ")+` WHERE id = ? AND status <> ?`, args, refs)
}

// columnsOf is vals' columns, sorted so that the same columns make one
// statement text (for the statement cache), and their values in order.
func columnsOf(vals map[string]any) ([]string, []any) {
	cols := slices.Sorted(maps.Keys(vals))
	args := make([]any, len(cols), len(cols)+4)
	for i, c := range cols {
		args[i] = vals[c]
	}
	return cols, args
}

// insertPaidGift writes gift id, paid, with vals (its columns), unless
// its session has a gift already, and reports whether it did; on Postgres
// it asks in the same statement what payGift asks.
func (s *Store) insertPaidGift(tx *Tx, id string, vals map[string]any, refs ...string) (bool, error) {
	cols, args := columnsOf(vals)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	ins := `INSERT INTO gifts (` + strings.Join(cols, ", ") + `) VALUES (` + marks + `) ON CONFLICT DO NOTHING`
	if s.dialect != DialectPostgres {
		res := tx.Exec(ins, args...)
		return res.RowsAffected == 1, translate(res.Error)
	}
	return s.paidAndWaiting(tx, id, ins, args, refs)
}

// paidAndWaiting runs write, which marks gift id paid (RETURNING is added
// here), and asks in the same statement whether a refund or dispute waits
// for the payment under any of its ids refs. It reports whether write
// changed the gift.
func (s *Store) paidAndWaiting(tx *Tx, id, write string, args []any, refs []string) (bool, error) {
	refs = slices.DeleteFunc(refs, func(r string) bool { return r == "" })
	args = append(args, refs, refs)
	var changed int64
	var waiting bool
	err := tx.Raw(`WITH u AS (`+write+` RETURNING 1)
		SELECT (SELECT count(*) FROM u), EXISTS (SELECT 1 FROM payment_adjustments
			WHERE gift_id IS NULL AND (stripe_payment_intent_id IN ? OR stripe_charge_id IN ?))`, args...).Row().Scan(&changed, &waiting)
	if err != nil {
		return false, translate(err)
	}
	if changed == 1 && !waiting {
		if tx.noneWaiting == nil {
			tx.noneWaiting = map[string]bool{}
		}
		tx.noneWaiting[id] = true
	}
	return changed == 1, nil
}

// receiptOutcome says what became of a payment's receipt.
func receiptOutcome(r *Receipt, h *ReceiptHold) string {
	switch {
	case r != nil:
		return "receipt " + r.Number
	case h != nil:
		return "receipt on hold, " + h.ReasonText()
	}
	return fmt.Sprintf("no receipt: the advantage is over %d%% of it", craAdvantageLimitPercent)
}

func (e CheckoutProcessing) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	g, _, err := s.checkoutGift(tx, e.CheckoutPayment, true)
	if err != nil {
		return err
	}
	upd := tx.Model(&Gift{}).Where("id = ? AND status = ?", g.ID, GiftPending).
		Updates(map[string]any{"status": GiftProcessing, "stripe_session_id": e.SessionID, "updated_at": tx.now})
	if upd.Error != nil {
		return translate(upd.Error)
	}
	res.Outcome = fmt.Sprintf("gift %s awaiting a delayed payment", g.ID)
	if upd.RowsAffected == 0 {
		res.Outcome = fmt.Sprintf("gift %s already %s", g.ID, g.Status)
	}
	return nil
}

func (e CheckoutFailed) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	g, _, err := s.checkoutGift(tx, e.CheckoutPayment, true)
	if err != nil {
		return err
	}
	upd := tx.Model(&Gift{}).Where("id = ? AND status IN ?", g.ID, []string{GiftPending, GiftProcessing}).
		Updates(map[string]any{"status": GiftFailed, "stripe_session_id": e.SessionID, "updated_at": tx.now})
	if upd.Error != nil {
		return translate(upd.Error)
	}
	res.Outcome = fmt.Sprintf("gift %s payment failed", g.ID)
	if upd.RowsAffected == 0 {
		res.Outcome = fmt.Sprintf("gift %s already %s", g.ID, g.Status)
	}
	return nil
}

// checkoutGift finds the gift a session belongs to: by our id in
// client_reference_id, else by session id, else it records a new gift from
// the session's own data (a Payment Link, or a row lost before install).
// With write false, that new gift is returned unsaved (saved false), for
// the caller to write as it wants it; its insert is the lookup by session.
func (s *Store) checkoutGift(tx *Tx, p CheckoutPayment, write bool) (_ *Gift, saved bool, _ error) {
	var g Gift
	if _, err := uuid.Parse(p.ClientReferenceID); err == nil {
		err := tx.Where("id = ?", p.ClientReferenceID).Take(&g).Error
		if err == nil {
			return &g, true, nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, false, err
		}
	}
	if p.SessionID == "" {
		return nil, false, fmt.Errorf("%w: checkout event without a session id", ErrRejected)
	}
	if p.Currency == "" {
		// Too little to record a gift from: only one recorded already will do.
		err := tx.Where("stripe_session_id = ?", p.SessionID).Take(&g).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, false, fmt.Errorf("%w: session %s has no currency", ErrRejected, p.SessionID)
		}
		return &g, err == nil, err
	}
	// A session that did not come from our form (a payment link, say) is
	// recorded as a pending gift of its own. The insert comes first: it is
	// the lookup too, since a session already recorded (by an earlier
	// event, or a concurrent one that inserted first) makes it insert
	// nothing, and then the row it made is read.
	now := tx.now
	sid := p.SessionID
	g = Gift{
		ID: uuid.NewString(), Status: GiftPending, Source: SourceStripe, Frequency: FrequencyOnce,
		Amount: p.AmountTotal, TotalAmount: p.AmountTotal, Currency: p.Currency,
		Email: NormaliseEmail(p.Email), Name: p.Name, Address: p.Address,
		StripeSessionID: &sid, Livemode: p.Livemode, CreatedAt: now, UpdatedAt: now,
	}
	if !write {
		return &g, false, nil
	}
	ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&g)
	if ins.Error != nil {
		return nil, false, ins.Error
	}
	if ins.RowsAffected == 1 {
		return &g, true, nil
	}
	var theirs Gift
	if err := tx.Where("stripe_session_id = ?", p.SessionID).Take(&theirs).Error; err != nil {
		return nil, false, err
	}
	return &theirs, true, nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
