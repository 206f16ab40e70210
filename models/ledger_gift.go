package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Gift statuses. A gift starts pending when the donor submits the form,
// becomes processing when Checkout completes with a delayed payment method,
// and ends paid or failed.
const (
	GiftPending    = "pending"
	GiftProcessing = "processing"
	GiftPaid       = "paid"
	GiftFailed     = "failed"
	GiftRefunded   = "refunded" // refunded in full
)

// How often a gift recurs: once, or a membership's interval.
const (
	FrequencyOnce  = "once"
	FrequencyMonth = "month"
	FrequencyYear  = "year"
)

// PaymentKind names a payment of frequency as receipts and emails print
// it: "gift", "monthly membership payment" or "yearly membership payment".
func PaymentKind(frequency string) string {
	switch frequency {
	case FrequencyMonth:
		return "monthly membership payment"
	case FrequencyYear:
		return "yearly membership payment"
	}
	return "gift"
}

// Where a gift row came from.
const (
	SourceForm   = "form"   // our donate form
	SourceStripe = "stripe" // seen first in a Stripe event (a Payment Link, say)
)

// Address is a postal address as the donor typed it.
type Address struct {
	Line1      string `gorm:"column:address_line1"`
	Line2      string `gorm:"column:address_line2"` // apartment, suite, floor
	City       string `gorm:"column:address_city"`
	State      string `gorm:"column:address_state"` // state, province or region
	PostalCode string `gorm:"column:address_postal_code"`
	Country    string `gorm:"column:address_country"`
}

// Lines is the address as printed, its empty parts left out.
func (a Address) Lines() []string {
	var out []string
	for _, p := range []string{a.Line1, a.Line2, a.City, a.State, a.PostalCode, a.Country} {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Complete reports whether the address is one a Canadian receipt may
// print: a street, a town, a province or state, a postal code, a country.
func (a Address) Complete() bool {
	return a.Line1 != "" && a.City != "" && a.State != "" && a.PostalCode != "" && a.Country != ""
}

// Donor is one person, found by normalised email.
type Donor struct {
	ID         string
	Email      string
	Name       string
	Address    Address `gorm:"embedded"`
	MergedInto *string // set when staff merged this record into another
	// Language is the one the donor last gave or chose in ("" until then):
	// emails and receipts come in it.
	Language  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Gift is one payment a donor made or started to make. Amounts are minor
// units of Currency; TotalAmount = Amount + FeeAmount is what was charged.
type Gift struct {
	ID                    string
	DonorID               *string
	Status                string
	Source                string
	Frequency             string
	Amount                int64
	FeeAmount             int64
	TotalAmount           int64
	Currency              string
	Email                 string
	Name                  string
	Address               Address `gorm:"embedded"`
	DedicationType        string
	DedicationName        string
	Anonymous             bool
	Language              string // the page's language when the donor gave ("" before languages)
	StripeSessionID       *string
	StripePaymentIntentID *string
	StripeInvoiceID       *string
	StripeChargeID        *string
	MembershipID          *string
	CampaignID            *string // the campaign the gift was made through
	FromOrganisation      bool    // the donor said it comes from a company or organisation: never matched
	DeclineBenefits       bool    // a membership's donor said no thanks to the tier's benefits
	// Where the gift started: the news site's article (or "other") and
	// the landing address's utm_ parameters.
	SourceURL, UTMSource, UTMMedium, UTMCampaign string
	// Method is how the money came: MethodStripe, or what staff entered in
	// a batch (a cheque, with its number in MethodReference).
	Method          string `gorm:"default:stripe"`
	MethodReference string
	BatchID         *string
	// ImportKey names the row of another system's export this gift came
	// from (imports: a second run skips it); ReceiptedElsewhere is the
	// number of the receipt that system issued, if any.
	ImportKey          *string
	ReceiptedElsewhere string
	// Description says what a stock or in-kind gift was; Appraiser who
	// valued an in-kind gift (Canada), with their address.
	Description, Appraiser string
	RefundedAmount         int64
	DisputeStatus          string // "", open, won, lost
	Livemode               bool
	PaidAt                 *time.Time
	CreatedAt              time.Time
	UpdatedAt              time.Time
	// GiftAid: Gift Aid is claimed on it (uk), as its receipt records.
	GiftAid bool `gorm:"-"`
	// GiftAidNote: why Gift Aid is not claimed though declared for.
	GiftAidNote string `gorm:"-"`
}

// NormaliseEmail is the key donors are found by.
func NormaliseEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// CreateGift stores a pending gift from the donate form and returns its id.
func (s *Store) CreateGift(ctx context.Context, g *Gift) error {
	g.ID = uuid.NewString()
	g.Status = GiftPending
	g.Source = SourceForm
	g.Email = NormaliseEmail(g.Email)
	g.TotalAmount = g.Amount + g.FeeAmount
	return wrap(s.db.WithContext(ctx).Create(g).Error, "gifts: create")
}

// AttachCheckoutSession remembers which Checkout Session belongs to a gift,
// so the thank-you page and events can find it by session id.
func (s *Store) AttachCheckoutSession(ctx context.Context, giftID, sessionID string) error {
	res := s.db.WithContext(ctx).Model(&Gift{}).
		Where("id = ? AND stripe_session_id IS NULL", giftID).
		Updates(map[string]any{"stripe_session_id": sessionID, "updated_at": s.now().UTC()})
	if res.Error != nil {
		return wrap(res.Error, "gifts: attach session %s to %s", sessionID, giftID)
	}
	if res.RowsAffected == 0 {
		// The webhook may have attached it already; that is the same session.
		var g Gift
		if err := s.db.WithContext(ctx).Where("id = ?", giftID).Take(&g).Error; err != nil {
			return wrap(err, "gifts: attach session %s to %s", sessionID, giftID)
		}
		if g.StripeSessionID == nil || *g.StripeSessionID != sessionID {
			return ErrConflict
		}
	}
	return nil
}

// GiftWithReceipt is what the thank-you page shows.
type GiftWithReceipt struct {
	Gift    Gift
	Receipt *Receipt
	// Membership is the membership the gift started, nil for a one-time
	// gift (or until its subscription is recorded).
	Membership *Membership
}

// GiftBySession finds a gift and its receipt in force by Checkout Session
// id.
func (s *Store) GiftBySession(ctx context.Context, sessionID string) (*GiftWithReceipt, error) {
	var out GiftWithReceipt
	db := s.db.WithContext(ctx)
	if err := db.Where("stripe_session_id = ?", sessionID).Take(&out.Gift).Error; err != nil {
		return nil, wrap(err, "gifts: by session %s", sessionID)
	}
	r, err := currentReceipt(db, out.Gift.ID)
	if err != nil {
		return nil, wrap(err, "gifts: receipt of %s", out.Gift.ID)
	}
	out.Receipt = r
	if id := out.Gift.MembershipID; id != nil {
		var m Membership
		if err := db.Where("id = ?", *id).Limit(1).Find(&m).Error; err != nil {
			return nil, wrap(err, "gifts: membership of %s", out.Gift.ID)
		}
		if m.ID != "" {
			out.Membership = &m
		}
	}
	return &out, nil
}

// GiftByID returns one gift.
func (s *Store) GiftByID(ctx context.Context, id string) (*Gift, error) {
	var g Gift
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&g).Error; err != nil {
		return nil, wrap(err, "gifts: %s", id)
	}
	return &g, nil
}

// upsertDonor finds the donor for email, or creates one with the name and
// address of this gift. It never changes an existing donor's profile: a
// gift proves nothing about who typed the email, so anybody giving with
// Bob's address would otherwise rewrite Bob's record and statement. Each
// gift and receipt keeps its own snapshot; the profile changes only from
// the signed-in donor's page or by staff (UpdateDonorProfile).
//
// An email staff merged into another donor keeps belonging to that donor:
// the id returned is the surviving record's.
//
// lang, the language the gift was made in, becomes the donor's only while
// they have none, for the same reason: a signed-in donor changes it.
func (s *Store) upsertDonor(tx *Tx, email, name string, addr Address, lang string) (string, error) {
	now := tx.now
	var row struct {
		ID       string
		Own      bool // not merged into another donor
		Language string
	}
	newID := uuid.NewString()
	// The row's language comes back with it: a receipt issued in this
	// transaction is in it, and reading it again was one more statement
	// under the receipt counter's lock (see issueReceipt).
	err := tx.Raw(`INSERT INTO donors (id, email, name, address_line1, address_line2, address_city, address_state, address_postal_code,
			address_country, language, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (email) DO UPDATE SET language = CASE WHEN donors.language = '' THEN excluded.language ELSE donors.language END
		RETURNING COALESCE(merged_into, id) AS id, merged_into IS NULL AS own, language`,
		newID, NormaliseEmail(email), name, addr.Line1, addr.Line2, addr.City, addr.State, addr.PostalCode, addr.Country, lang, now, now).
		Scan(&row).Error
	id := row.ID
	if err == nil && row.Own {
		if tx.donorLang == nil {
			tx.donorLang = map[string]string{}
		}
		tx.donorLang[id] = row.Language
	}
	if err == nil && id == newID {
		// Our id came back: the row is new, not an existing donor's.
		err = s.donorCreated(tx, id, email, name, lang)
	}
	return id, err
}

// DonorProfile is the name and address a donor goes by.
type DonorProfile struct {
	Name    string
	Address Address
}

// UpdateDonorProfile sets a donor's name and address: from their own
// signed-in page (by is nil) or by staff, which the audit log records in
// the same transaction. Receipts already issued keep what they froze.
func (s *Store) UpdateDonorProfile(ctx context.Context, donorID string, p DonorProfile, by *Actor) error {
	err := s.transaction(ctx, func(tx *Tx) error {
		var before Donor
		if err := tx.Where("id = ?", donorID).Limit(1).Find(&before).Error; err != nil {
			return err
		}
		res := tx.Model(&Donor{}).Where("id = ? AND merged_into IS NULL", donorID).Updates(map[string]any{
			"name": p.Name, "address_line1": p.Address.Line1, "address_line2": p.Address.Line2, "address_city": p.Address.City,
			"address_state": p.Address.State, "address_postal_code": p.Address.PostalCode, "address_country": p.Address.Country, "updated_at": tx.now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Errorf(ErrNotFound, "There is no such donor.")
		}
		if err := s.donorUpdated(tx, before); err != nil {
			return err
		}
		if by == nil {
			return nil
		}
		return s.audit(tx, *by, "edited donor", donorID)
	})
	return wrap(err, "donors: update profile of %s", donorID)
}

// DiscardUnstartedGift removes a pending gift that never reached the
// payment provider (Checkout creation failed), so no half-made gift stays.
// A gift with a session, or any other status, is never deleted.
func (s *Store) DiscardUnstartedGift(ctx context.Context, giftID string) error {
	return wrap(s.db.WithContext(ctx).
		Where("id = ? AND status = ? AND stripe_session_id IS NULL", giftID, GiftPending).
		Delete(&Gift{}).Error, "gifts: discard %s", giftID)
}

// DonorByID returns one donor.
func (s *Store) DonorByID(ctx context.Context, id string) (*Donor, error) {
	var d Donor
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&d).Error; err != nil {
		return nil, wrap(err, "donors: %s", id)
	}
	return &d, nil
}

// DonorByEmail finds a donor by (normalised) email.
func (s *Store) DonorByEmail(ctx context.Context, email string) (*Donor, error) {
	var d Donor
	if err := s.db.WithContext(ctx).Where("email = ?", NormaliseEmail(email)).Take(&d).Error; err != nil {
		return nil, wrap(err, "donors: by email")
	}
	return &d, nil
}

// GiftFilter narrows the gifts list.
type GiftFilter struct {
	From, To  time.Time // paid_at in [From, To); zero: open
	Status    string
	Paid      bool // paid or refunded since: money that came in
	Frequency string
	Min, Max  int64 // total amount, minor units; zero: open
	DonorID   string
}

func (f GiftFilter) apply(db *gorm.DB) *gorm.DB {
	db = db.Where("status IN ?", []string{GiftPaid, GiftRefunded, GiftFailed, GiftProcessing})
	if !f.From.IsZero() {
		db = db.Where("paid_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		db = db.Where("paid_at < ?", f.To.UTC())
	}
	if f.Status != "" {
		db = db.Where("status = ?", f.Status)
	}
	if f.Paid {
		db = db.Where("status IN ?", []string{GiftPaid, GiftRefunded})
	}
	if f.Frequency != "" {
		db = db.Where("frequency = ?", f.Frequency)
	}
	if f.Min > 0 {
		db = db.Where("total_amount >= ?", f.Min)
	}
	if f.Max > 0 {
		db = db.Where("total_amount <= ?", f.Max)
	}
	if f.DonorID != "" {
		db = db.Where("donor_id = ?", f.DonorID)
	}
	return db
}

// CurrencyTotal is a sum in one currency.
type CurrencyTotal struct {
	Currency string
	Count    int64
	Amount   int64
	Refunded int64
}

// ListGifts returns a page of gifts matching f, newest first, with the
// totals of everything that matches.
func (s *Store) ListGifts(ctx context.Context, f GiftFilter, p Page) ([]Gift, []CurrencyTotal, error) {
	var gifts []Gift
	err := f.apply(s.db.WithContext(ctx).Model(&Gift{})).Order("paid_at DESC, created_at DESC").
		Offset(p.offset()).Limit(p.limit()).Find(&gifts).Error
	if err != nil {
		return nil, nil, wrap(err, "gifts: list")
	}
	var totals []CurrencyTotal
	err = f.apply(s.db.WithContext(ctx).Model(&Gift{})).
		Select("currency, COUNT(*) AS count, COALESCE(SUM(total_amount), 0) AS amount, COALESCE(SUM(refunded_amount), 0) AS refunded").
		Group("currency").Order("currency").Scan(&totals).Error
	return gifts, totals, wrap(err, "gifts: list")
}

// SetDonorLanguage keeps the language a signed-in donor chose, so that
// their emails and receipts come in it from now on.
func (s *Store) SetDonorLanguage(ctx context.Context, donorID, lang string) error {
	err := s.db.WithContext(ctx).Model(&Donor{}).Where("id = ? AND language <> ?", donorID, lang).
		Updates(map[string]any{"language": lang, "updated_at": s.now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("donor %s: language: %w", donorID, err)
	}
	return nil
}
