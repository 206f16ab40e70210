package models

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/indienews/donations/money"
)

// How a gift came. Stripe's come through Checkout; the others are entered
// by staff in a batch, one bank deposit at a time.
const (
	MethodStripe   = "stripe"
	MethodCheque   = "cheque"
	MethodCash     = "cash"
	MethodTransfer = "transfer"
	MethodGrant    = "grant" // from a donor-advised fund or a foundation
	MethodStock    = "stock"
	MethodInKind   = "in_kind" // goods or services given, not money
)

// banked says whether a method's gifts are money in the bank deposit:
// stock and goods are not.
func banked(method string) bool { return method != MethodStock && method != MethodInKind }

// givesValue says whether the receipt may state a value the donor can
// deduct. In the US the donor, not the charity, values stock and goods
// (the charity describes them; a stock's value is stated for information
// only); the CRA wants the fair market value on the receipt.
func givesValue(rules, method string) bool {
	return !((rules == "" || rules == "us") && !banked(method))
}

// OfflineMethods are the methods staff may enter, in the form's order,
// with their names for people.
var OfflineMethods = []struct{ Value, Label string }{
	{MethodCheque, "Cheque"},
	{MethodCash, "Cash"},
	{MethodTransfer, "Bank transfer"},
	{MethodGrant, "Donor-advised fund or foundation grant"},
	{MethodStock, "Stock or other securities"},
	{MethodInKind, "In kind (goods or services)"},
}

// MethodLabel names a method for people ("" for Stripe's).
func MethodLabel(method string) string {
	for _, m := range OfflineMethods {
		if m.Value == method {
			return m.Label
		}
	}
	return ""
}

// Batch states.
const (
	BatchOpen   = "open"
	BatchClosed = "closed"
)

// Batch is one bank deposit: its total, typed first, and the gifts staff
// enter against it.
type Batch struct {
	ID           string
	DepositTotal int64
	Currency     string
	DepositedOn  time.Time
	Note         string
	Status       string
	CreatedBy    string
	CreatedAt    time.Time
	ClosedBy     string
	ClosedAt     *time.Time
}

func (Batch) TableName() string { return "gift_batches" }

// BatchEntry is one gift as staff type it in.
type BatchEntry struct {
	Email, Name string
	Address     Address
	Amount      int64 // minor units of the batch's currency
	ReceivedOn  time.Time
	Method      string
	Reference   string // a cheque's number
	// Stock: the security and shares, and the day it was valued; in kind:
	// the goods. Amount is then the value: the fair market value (CA,
	// needed), the shares' value for information (US stock), or nothing
	// (US in kind: the donor values it).
	Description string
	ValuedOn    time.Time
	Appraiser   string // CA in kind: who appraised it, name and address
	// CampaignID: the drive the gift answers, if any: it counts in its
	// total and its match pools like an online gift.
	CampaignID string
}

// BatchView is a batch with its gifts and their receipts, newest first.
type BatchView struct {
	Batch
	Gifts    []BatchGift
	Entered  int64 // the gifts' sum
	Receipts int
}

// BatchGift is one line of a batch.
type BatchGift struct {
	Gift
	ReceiptNumber string // "" when the rule set gives it none
}

// Remaining is what the deposit still lacks (negative: over it).
func (v *BatchView) Remaining() int64 { return v.DepositTotal - v.Entered }

// CreateBatch opens a batch for a deposit of total in currency.
func (s *Store) CreateBatch(ctx context.Context, total int64, currency string, on time.Time, note string, by Actor) (*Batch, error) {
	if total <= 0 {
		return nil, Errorf(ErrInvalid, "The deposit total must be more than zero.")
	}
	if s.receipts.Rules == "ca" && !strings.EqualFold(currency, settlementCurrency) {
		// A CRA receipt states Canadian dollars at the rate the money was
		// received; a deposit in another currency has no such rate here.
		return nil, Errorf(ErrInvalid, "Under Canadian rules a deposit is entered in CAD, as the bank credited it.")
	}
	b := &Batch{ID: uuid.NewString(), DepositTotal: total, Currency: strings.ToLower(currency), DepositedOn: on.UTC(),
		Note: strings.TrimSpace(note), Status: BatchOpen, CreatedBy: by.Email}
	err := s.transaction(ctx, func(tx *Tx) error {
		b.CreatedAt = tx.now
		if err := tx.Create(b).Error; err != nil {
			return err
		}
		return s.audit(tx, by, "opened batch", b.ID+": deposit of "+money.Display(total, b.Currency))
	})
	if err != nil {
		return nil, wrap(err, "batches: create")
	}
	return b, nil
}

// Batches lists batches, newest first.
func (s *Store) Batches(ctx context.Context, p Page) ([]Batch, error) {
	var bs []Batch
	err := s.db.WithContext(ctx).Order("created_at DESC").Limit(p.limit()).Offset(p.offset()).Find(&bs).Error
	return bs, wrap(err, "batches: list")
}

// BatchByID reads a batch with its gifts.
func (s *Store) BatchByID(ctx context.Context, id string) (*BatchView, error) {
	v := &BatchView{}
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&v.Batch).Error; err != nil {
		return nil, wrap(err, "batches: %s", id)
	}
	var gifts []Gift
	if err := s.db.WithContext(ctx).Where("batch_id = ?", id).Order("created_at DESC, id").Find(&gifts).Error; err != nil {
		return nil, wrap(err, "batches: gifts of %s", id)
	}
	for _, g := range gifts {
		v.Gifts = append(v.Gifts, BatchGift{Gift: g})
	}
	for i := range v.Gifts {
		g := &v.Gifts[i]
		if banked(g.Method) {
			v.Entered += g.TotalAmount
		}
		var number []string
		if err := s.db.WithContext(ctx).Model(&Receipt{}).Where("gift_id = ? AND status = ?", g.ID, ReceiptIssued).
			Order("sequence DESC").Limit(1).Pluck("number", &number).Error; err != nil {
			return nil, wrap(err, "batches: receipts of %s", id)
		}
		if len(number) > 0 {
			g.ReceiptNumber = number[0]
			v.Receipts++
		}
	}
	return v, nil
}

// AddToBatch records one gift of an open batch, paid when received, and
// issues what the rule set gives it, from the same numbering as Stripe's
// gifts: in the US a grant from a donor-advised fund gets no receipt (the
// fund is the donor, and took the deduction). The receipt is emailed to
// the donor. The entry, its receipt and the email are one transaction,
// audited.
func (s *Store) AddToBatch(ctx context.Context, batchID string, e BatchEntry, by Actor) (*Gift, *Receipt, error) {
	if MethodLabel(e.Method) == "" {
		return nil, nil, Errorf(ErrInvalid, "Choose how the gift was paid.")
	}
	rules := s.receipts.Rules
	if rules == "" {
		rules = "us"
	}
	switch {
	case e.Method == MethodInKind && rules == "us":
		e.Amount = 0 // described without a value
	case e.Amount <= 0:
		return nil, nil, Errorf(ErrInvalid, "Enter an amount more than zero.")
	}
	if !banked(e.Method) && strings.TrimSpace(e.Description) == "" {
		return nil, nil, Errorf(ErrInvalid, "Describe what was given: the security and the number of shares, or the goods.")
	}
	if e.Method == MethodInKind && rules == "ca" && strings.TrimSpace(e.Appraiser) == "" {
		return nil, nil, Errorf(ErrInvalid, "The CRA asks for the appraiser's name and address on an in-kind gift's receipt.")
	}
	if e.Method == MethodStock && !e.ValuedOn.IsZero() {
		e.Description = strings.TrimSpace(e.Description) + ", valued on " + e.ValuedOn.Format("2006-01-02")
	}
	var g *Gift
	var r *Receipt
	err := s.transaction(ctx, func(tx *Tx) error {
		b, err := s.lockBatch(tx, batchID)
		if err != nil {
			return err
		}
		if b.Status != BatchOpen {
			return Errorf(ErrConflict, "This batch is closed: a gift in it changes only by voiding its receipt and issuing another.")
		}
		donorID, err := s.upsertDonor(tx, e.Email, e.Name, e.Address, "")
		if err != nil {
			return err
		}
		received := e.ReceivedOn.UTC()
		g = &Gift{ID: uuid.NewString(), DonorID: &donorID, Status: GiftPaid, Source: "staff", Frequency: FrequencyOnce,
			Amount: e.Amount, TotalAmount: e.Amount, Currency: b.Currency, Email: NormaliseEmail(e.Email), Name: strings.TrimSpace(e.Name),
			Address: e.Address, Method: e.Method, MethodReference: strings.TrimSpace(e.Reference), BatchID: &b.ID,
			Description: strings.TrimSpace(e.Description), Appraiser: strings.TrimSpace(e.Appraiser),
			Livemode: true, PaidAt: &received, CreatedAt: tx.now, UpdatedAt: tx.now}
		if e.CampaignID != "" {
			var c Campaign
			if err := tx.Where("id = ?", e.CampaignID).Take(&c).Error; err != nil {
				return Errorf(ErrInvalid, "There is no such campaign.")
			}
			g.CampaignID = &c.ID
		}
		if err := tx.Create(g).Error; err != nil {
			return translate(err)
		}
		if err := s.giftPaid(tx, g); err != nil {
			return err
		}
		if g.CampaignID != nil {
			if err := s.matchCampaignsTouched(tx); err != nil {
				return err
			}
		}
		detail := b.ID + ": " + MethodLabel(e.Method) + " " + g.MethodReference + " of " + money.Display(e.Amount, b.Currency) + " from " + g.Email
		if err := s.audit(tx, by, "entered gift", detail); err != nil {
			return err
		}
		if rules == "us" && e.Method == MethodGrant {
			return nil // a thank-you, not a receipt
		}
		// The donor gets their receipt by email, as an online donor does,
		// once (the message is keyed by the receipt).
		r, _, err = s.receiptOrHold(tx, "gift:"+g.ID+":original", g, donorID, "", Benefit{})
		return err
	})
	if err != nil {
		return nil, nil, wrap(err, "batches: add to %s", batchID)
	}
	return g, r, nil
}

// lockBatch reads a batch for this transaction alone: an entry and a
// close of the same batch take turns (on SQLite every write does).
func (s *Store) lockBatch(tx *Tx, id string) (*Batch, error) {
	q := tx.Where("id = ?", id)
	if s.dialect == DialectPostgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var b Batch
	if err := q.Take(&b).Error; err != nil {
		return nil, err
	}
	return &b, nil
}

// CloseBatch closes a batch whose gifts add up to its deposit; from then
// on it changes only through voids and replacements.
func (s *Store) CloseBatch(ctx context.Context, batchID string, by Actor) error {
	err := s.transaction(ctx, func(tx *Tx) error {
		b, err := s.lockBatch(tx, batchID)
		if err != nil {
			return err
		}
		if b.Status != BatchOpen {
			return Errorf(ErrConflict, "This batch is already closed.")
		}
		var entered int64
		if err := tx.Model(&Gift{}).Where("batch_id = ? AND method NOT IN ?", b.ID, []string{MethodStock, MethodInKind}).
			Select("COALESCE(SUM(total_amount), 0)").Scan(&entered).Error; err != nil {
			return err
		}
		if entered != b.DepositTotal {
			return Errorf(ErrInvalid, "The gifts add up to %s, the deposit to %s: it closes when they match.",
				money.Display(entered, b.Currency), money.Display(b.DepositTotal, b.Currency))
		}
		now := tx.now
		if err := tx.Model(&Batch{}).Where("id = ? AND status = ?", b.ID, BatchOpen).
			Updates(map[string]any{"status": BatchClosed, "closed_by": by.Email, "closed_at": now}).Error; err != nil {
			return err
		}
		return s.audit(tx, by, "closed batch", b.ID+": "+money.Display(entered, b.Currency))
	})
	return wrap(err, "batches: close %s", batchID)
}
