package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/indienews/donations/money"
	"gorm.io/gorm"
)

// Receipt statuses. A receipt is never deleted: a refund or dispute voids it
// (and may issue a replacement that names it in Replaces).
const (
	ReceiptIssued = "issued"
	ReceiptVoid   = "void"
)

// wordingVersion names the statement text a receipt is issued with (the
// rule set and the text's revision), so a re-render years later prints the
// same words whatever the settings say by then.
func (s *Store) wordingVersion() string {
	rules := s.receipts.Rules
	if rules == "" {
		rules = "us"
	}
	if rules == "us" {
		return "us-2" // the benefit sentence reads right for any description
	}
	return rules + "-1"
}

// Receipt is a frozen tax receipt: everything it prints is copied here at
// issue time and never recomputed from live data.
type Receipt struct {
	ID                     string
	Number                 string
	FiscalYear             int
	Sequence               int64
	IssueKey               string
	GiftID                 string
	Status                 string
	VoidReason             string
	VoidedAt               *time.Time
	Replaces               string
	IssuedAt               time.Time
	GiftDate               time.Time
	DonorID                *string
	DonorName              string
	DonorEmail             string
	DonorAddressLine1      string
	DonorAddressLine2      string
	DonorAddressCity       string
	DonorAddressState      string
	DonorAddressPostalCode string
	DonorAddressCountry    string
	Amount                 int64
	Currency               string
	FeeCovered             int64
	BenefitDescription     string
	BenefitValue           int64
	DeductibleAmount       int64
	OrgName                string
	OrgTaxID               string
	OrgAddress             string
	WordingVersion         string
	StripePaymentID        string
	VerificationCode       string
	VerifyURL              string // frozen at issue; '' on receipts from before it was kept
	Frequency              string
	PlaceOfIssue           string
	Signatory              string
	// Livemode: real money paid it. A demo or Stripe test-mode receipt is
	// printed as "TEST — not a receipt".
	Livemode bool
	TimeZone string // IANA name its dates print in; '' before it was kept
	// Language is what it prints in, frozen at issue: "fr", or "en,fr" for
	// a bilingual Canadian one; "" on receipts from before languages, which
	// are English.
	Language string
	// SignatureID names the signature image (receipt_signatures) it was
	// issued with; SignaturePNG is that image, read with the receipt.
	SignatureID  string
	SignaturePNG []byte `gorm:"-"`
	// A gift paid in another currency than the receipt states (CRA:
	// receipts are in Canadian dollars) keeps what the donor paid and
	// Stripe's rate, per major unit, which turned it into Amount.
	OriginalAmount   int64
	OriginalCurrency string
	ExchangeRate     string
	// GiftAid: the donor asked for Gift Aid and the charity claims it
	// (uk): the acknowledgement says so.
	GiftAid bool
	// GiftAidNote says why Gift Aid is not claimed although the donor
	// declared for it ("" when it is, or when they did not).
	GiftAidNote string
	// What the donor chose on the form, as they chose it.
	DedicationType string // "", honor or memory
	DedicationName string
	Anonymous      bool // not to be listed publicly as a supporter
	// Method and MethodReference say how a gift staff entered was paid
	// ("cheque", "1042"); both empty for gifts through Stripe.
	Method, MethodReference string
	// Description and Appraiser: a stock or in-kind gift's, frozen.
	Description, Appraiser string
	// DonorEmailDigest stands for DonorEmail once the donor is erased (the
	// seal reads it); KeepUntil is when an erased donor's receipt is
	// purged in turn, PurgedAt when it was.
	DonorEmailDigest string
	KeepUntil        *time.Time
	PurgedAt         *time.Time
	// Seal is a hash of the fields frozen at issue (ledger_check.go):
	// donations check recomputes it to show none has changed since.
	Seal string
}

// Dedication is the receipt's dedication as a person reads it, "" for none.
func (r *Receipt) Dedication() string { return DedicationText(r.DedicationType, r.DedicationName) }

// DedicationText writes a dedication: "In honour of Jo", "In memory of Jo".
func DedicationText(kind, name string) string {
	switch kind {
	case "honor":
		return "In honour of " + name
	case "memory":
		return "In memory of " + name
	}
	return ""
}

// TaxIDLabel is what the rule set calls the organisation's number.
func TaxIDLabel(rules string) string {
	switch rules {
	case "ca":
		return "Charity registration number"
	case "uk":
		return "Registered charity number"
	case "generic":
		return "Tax ID"
	}
	return "Tax ID (EIN)"
}

// Converted reports whether the receipt states a gift paid in another
// currency, converted at Stripe's rate.
func (r *Receipt) Converted() bool {
	return r.OriginalCurrency != "" && r.OriginalCurrency != r.Currency
}

// legacyRefundReason is how void reasons spelled a partial refund before
// they printed money: "partially refunded (3000 of 10000)", in minor units.
var legacyRefundReason = regexp.MustCompile(`^partially refunded \((\d+) of (\d+)\)$`)

// VoidReasonText is the void reason as a person reads it: amounts as
// money, also on receipts voided before reasons were written that way.
func (r *Receipt) VoidReasonText() string {
	m := legacyRefundReason.FindStringSubmatch(r.VoidReason)
	if m == nil {
		return r.VoidReason
	}
	refunded, err1 := strconv.ParseInt(m[1], 10, 64)
	total, err2 := strconv.ParseInt(m[2], 10, 64)
	if err1 != nil || err2 != nil {
		return r.VoidReason
	}
	return fmt.Sprintf("partially refunded (%s of %s)", money.Display(refunded, r.Currency), money.Display(total, r.Currency))
}

// DonorAddress is the donor's address as the receipt froze it.
func (r *Receipt) DonorAddress() Address {
	return Address{Line1: r.DonorAddressLine1, Line2: r.DonorAddressLine2, City: r.DonorAddressCity, State: r.DonorAddressState,
		PostalCode: r.DonorAddressPostalCode, Country: r.DonorAddressCountry}
}

// Location is the time zone r's dates print in: the one frozen at issue,
// or def for a receipt issued before zones were kept.
func (r *Receipt) Location(def *time.Location) *time.Location {
	if r.TimeZone == "" {
		return def
	}
	if loc, err := time.LoadLocation(r.TimeZone); err == nil {
		return loc
	}
	return def
}

// Benefit is what a donor received in return (a membership tier's
// benefits), which the deductible amount excludes.
type Benefit struct {
	Description string
	Value       int64
}

// CRA rules on an advantage (a benefit the donor receives): above 80% of
// the gift, there is no gift to receipt; at most the lesser of 10% of the
// gift and $75, it is de minimis and ignored.
const (
	craAdvantageLimitPercent = 80
	craDeMinimisPercent      = 10
	craDeMinimisCap          = 7500 // $75, in cents of CAD
)

// receiptable applies the rule set to a gift of amount with benefit b: the
// benefit the receipt states, and whether a receipt may be issued at all.
func (s *Store) receiptable(amount int64, b Benefit) (Benefit, bool) {
	return receiptableUnder(s.receipts.Rules, amount, b)
}

// receiptableUnder is the one rule check every issue goes through, first
// receipts and replacements alike: under rules (a receipt's own, for a
// replacement), whether a gift of amount with benefit b may be receipted,
// and the benefit it states. A CRA receipt needs something eligible: an
// advantage above 80% of the gift, or as large as it, leaves nothing.
func receiptableUnder(rules string, amount int64, b Benefit) (Benefit, bool) {
	if rules != "ca" {
		return b, true
	}
	if amount-b.Value <= 0 {
		return b, false
	}
	if b.Value == 0 {
		return b, true
	}
	if b.Value*100 > amount*craAdvantageLimitPercent {
		return b, false
	}
	if b.Value*100 <= amount*craDeMinimisPercent && b.Value <= craDeMinimisCap {
		return Benefit{}, true
	}
	return b, true
}

// nextReceiptSequence takes the next number of fiscal year fy. The counter
// row is locked until the transaction ends, which is what makes numbers
// gap-free: a transaction that rolls back gives its number back.
func nextReceiptSequence(tx *Tx, fy int) (int64, error) {
	var seq int64
	err := tx.Raw(`INSERT INTO receipt_counters (fiscal_year, last_number) VALUES (?, 1)
		ON CONFLICT (fiscal_year) DO UPDATE SET last_number = receipt_counters.last_number + 1
		RETURNING last_number`, fy).Scan(&seq).Error
	if err != nil {
		return 0, err
	}
	if seq == 0 {
		return 0, fmt.Errorf("receipt counter for %d returned no number", fy)
	}
	return seq, nil
}

// receiptNumber is how receipts are numbered: the prefix, the fiscal year
// and the sequence within it, as PREFIX2026-000123.
func (s *Store) receiptNumber(fy int, seq int64) string {
	return fmt.Sprintf("%s%d-%06d", s.receipts.Prefix, fy, seq)
}

// verifyURL is the address printed on a receipt with code; ” when the
// store was not told where the server answers.
func (s *Store) verifyURL(code string) string {
	if s.receipts.VerifyBase == "" {
		return ""
	}
	return s.receipts.VerifyBase + code
}

// receiptLanguage is the language a receipt is issued in: both of
// RECEIPT_LANGUAGES when it names two (a bilingual CRA receipt), else the
// language the gift was made in, else the donor's, else the site's.
func (s *Store) receiptLanguage(tx *Tx, g *Gift, donorID string) (string, error) {
	if len(s.receipts.Languages) > 1 {
		return strings.Join(s.receipts.Languages, ","), nil
	}
	if g.Language != "" {
		return g.Language, nil
	}
	lang, ok := tx.donorLang[donorID]
	if !ok {
		if err := tx.Raw(`SELECT language FROM donors WHERE id = ?`, donorID).Scan(&lang).Error; err != nil {
			return "", fmt.Errorf("receipt language: %w", err)
		}
	}
	if lang != "" {
		return lang, nil
	}
	if len(s.receipts.Languages) == 1 {
		return s.receipts.Languages[0], nil
	}
	if s.receipts.DefaultLanguage != "" {
		return s.receipts.DefaultLanguage, nil
	}
	return "en", nil
}

// issueReceipt freezes and numbers a receipt for a paid gift inside tx.
// key makes the issue idempotent: one receipt per (gift, reason) ever. It
// returns nil, and issues nothing, when the rule set allows no receipt
// (CRA: an advantage above 80% of the gift).
//
// conv, when not nil, converts a gift paid in another currency: the
// receipt states the amount Stripe settled, with the original and the rate.
//
// email, when not empty, is the kind of email to queue for the receipt.
// On Postgres it is queued before the number is taken (the message's
// reference to the receipt is checked at the commit, migration 00037):
// its row and its job were two of the statements every other receipt
// waited for while this one held the counter. SQLite has one writer at a
// time, so there it is queued after.
func (s *Store) issueReceipt(tx *Tx, key string, g *Gift, donorID string, paymentID string, b Benefit, conv *conversion, email string) (*Receipt, error) {
	amount, fee, currency := g.TotalAmount, g.FeeAmount, g.Currency
	if conv != nil {
		var err error
		if amount, err = conv.of(g.TotalAmount); err != nil {
			return nil, err
		}
		if fee, err = money.Convert(g.FeeAmount, g.Currency, conv.Rate, settlementCurrency); err != nil {
			return nil, err
		}
		currency, fee = settlementCurrency, min(fee, amount)
	}
	b, ok := s.receiptable(amount, b)
	if !ok {
		return nil, nil
	}
	giftDate := tx.now
	if g.PaidAt != nil {
		giftDate = g.PaidAt.UTC()
	}
	fy := s.receipts.FiscalYearStart.FiscalYear(giftDate, s.receipts.Location)
	// What needs no number is found before the number is taken: the
	// counter stays locked until the commit, so each query after it
	// holds back every other receipt being issued.
	lang, err := s.receiptLanguage(tx, g, donorID)
	if err != nil {
		return nil, err
	}
	code, err := verificationCode()
	if err != nil {
		return nil, err
	}
	id := uuid.NewString()
	early := email != "" && s.dialect == DialectPostgres
	if early {
		if err := s.queueEmail(tx, receiptEmail(email, id, g.Email, donorID, fy)); err != nil {
			return nil, err
		}
	}
	var signatureID string
	if s.receipts.Rules == "ca" && len(s.receipts.Signature) > 0 {
		sum := sha256.Sum256(s.receipts.Signature)
		signatureID = hex.EncodeToString(sum[:])
		if err := tx.Exec(`INSERT INTO receipt_signatures (id, png, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			signatureID, s.receipts.Signature, tx.now).Error; err != nil {
			return nil, err
		}
	}
	seq, err := nextReceiptSequence(tx, fy)
	if err != nil {
		return nil, err
	}
	r := &Receipt{
		ID:                     id,
		Number:                 s.receiptNumber(fy, seq),
		FiscalYear:             fy,
		Sequence:               seq,
		IssueKey:               key,
		GiftID:                 g.ID,
		Status:                 ReceiptIssued,
		IssuedAt:               tx.now,
		GiftDate:               giftDate,
		DonorID:                &donorID,
		DonorName:              g.Name,
		DonorEmail:             g.Email,
		DonorAddressLine1:      g.Address.Line1,
		DonorAddressLine2:      g.Address.Line2,
		DonorAddressCity:       g.Address.City,
		DonorAddressState:      g.Address.State,
		DonorAddressPostalCode: g.Address.PostalCode,
		DonorAddressCountry:    g.Address.Country,
		Amount:                 amount,
		Currency:               currency,
		FeeCovered:             fee,
		BenefitDescription:     b.Description,
		BenefitValue:           b.Value,
		DeductibleAmount:       max(0, amount-b.Value),
		Frequency:              g.Frequency,
		OrgName:                s.receipts.Org.Name,
		OrgTaxID:               s.receipts.Org.TaxID,
		OrgAddress:             s.receipts.Org.Address,
		WordingVersion:         s.wordingVersion(),
		PlaceOfIssue:           s.receipts.PlaceOfIssue,
		Signatory:              s.receipts.Signatory,
		StripePaymentID:        paymentID,
		VerificationCode:       code,
		VerifyURL:              s.verifyURL(code),
		Livemode:               g.Livemode,
		TimeZone:               s.receipts.Location.String(),
		GiftAid:                g.GiftAid,
		GiftAidNote:            g.GiftAidNote,
		DedicationType:         g.DedicationType,
		DedicationName:         g.DedicationName,
		Anonymous:              g.Anonymous,
	}
	r.Language = lang
	if g.Method != "" && g.Method != MethodStripe {
		r.Method, r.MethodReference, r.Description, r.Appraiser = g.Method, g.MethodReference, g.Description, g.Appraiser
	}
	if !givesValue(s.receipts.Rules, g.Method) {
		r.DeductibleAmount = 0 // the donor, not the charity, values it
	}
	if conv != nil {
		r.OriginalAmount, r.OriginalCurrency, r.ExchangeRate = g.TotalAmount, g.Currency, conv.Rate
	}
	r.SignatureID = signatureID
	r.Seal = r.sealOf()
	if err := tx.Create(r).Error; err != nil {
		return nil, translate(err)
	}
	if email != "" && !early {
		if err := s.queueReceiptEmail(tx, email, r); err != nil {
			return nil, err
		}
	}
	return r, s.receiptIssued(tx, r)
}

// currentReceipt is a gift's receipt in force, or nil when none is (voided
// by a refund or dispute and not replaced). It is the one definition of
// "in force": the newest issued receipt of the gift.
func currentReceipt(tx *gorm.DB, giftID string) (*Receipt, error) {
	var r Receipt
	err := tx.Where("gift_id = ? AND status = ?", giftID, ReceiptIssued).Order("issued_at DESC, sequence DESC").Limit(1).Find(&r).Error
	if err != nil || r.ID == "" {
		return nil, err
	}
	return &r, nil
}

// latestReceipt is a gift's newest receipt whatever its status.
func latestReceipt(tx *Tx, giftID string) (*Receipt, error) {
	var r Receipt
	err := tx.Where("gift_id = ?", giftID).Order("issued_at DESC, sequence DESC").Limit(1).Find(&r).Error
	if err != nil || r.ID == "" {
		return nil, err
	}
	return &r, nil
}

// voidReceipt marks r void. Receipts are never deleted.
func (s *Store) voidReceipt(tx *Tx, r *Receipt, reason string) error {
	now := tx.now
	res := tx.Model(&Receipt{}).Where("id = ? AND status = ?", r.ID, ReceiptIssued).
		Updates(map[string]any{"status": ReceiptVoid, "void_reason": reason, "voided_at": now})
	if res.Error != nil {
		return res.Error
	}
	r.Status, r.VoidReason, r.VoidedAt = ReceiptVoid, reason, &now
	if res.RowsAffected == 0 {
		return nil // void already: told when it was voided
	}
	return s.receiptVoided(tx, r)
}

// replaceReceipt issues the receipt that replaces old for a new amount: the
// donor and organisation details stay as old froze them, it takes the next
// number of the gift's fiscal year and names old in Replaces. It issues
// nothing (nil) when what remains is no gift under the rule set: a CRA
// receipt whose eligible amount would be zero.
//
// remaining is in the currency the donor paid: for a receipt that
// converted the gift, it is converted at the rate the receipt states.
func (s *Store) replaceReceipt(tx *Tx, key string, old *Receipt, remaining int64) (*Receipt, error) {
	amount := remaining
	if old.Converted() {
		var err error
		if amount, err = money.Convert(remaining, old.OriginalCurrency, old.ExchangeRate, old.Currency); err != nil {
			return nil, err
		}
	}
	return s.reissue(tx, key, old, amount, remaining)
}

// reissue writes the receipt that replaces old (with old's frozen details,
// as the caller left them) for amount, under the next number of old's
// fiscal year, naming old in Replaces. original is the same amount in the
// currency paid, for a receipt that converts it.
func (s *Store) reissue(tx *Tx, key string, old *Receipt, amount, original int64) (*Receipt, error) {
	// The rules the old receipt was issued under, not today's settings.
	rules, _, _ := strings.Cut(old.WordingVersion, "-")
	if _, ok := receiptableUnder(rules, amount, Benefit{Value: old.BenefitValue, Description: old.BenefitDescription}); !ok {
		return nil, nil
	}
	seq, err := nextReceiptSequence(tx, old.FiscalYear)
	if err != nil {
		return nil, err
	}
	code, err := verificationCode()
	if err != nil {
		return nil, err
	}
	r := *old
	r.ID = uuid.NewString()
	r.Sequence = seq
	r.Number = s.receiptNumber(old.FiscalYear, seq)
	r.IssueKey = key
	r.Status = ReceiptIssued
	r.VoidReason, r.VoidedAt = "", nil
	r.Replaces = old.Number
	r.IssuedAt = tx.now
	r.Amount = amount
	r.FeeCovered = min(old.FeeCovered, amount)
	r.DeductibleAmount = max(0, amount-old.BenefitValue)
	if !givesValue(rules, old.Method) {
		r.DeductibleAmount = 0 // as at first issue: the donor values stock and goods
	}
	if old.Converted() {
		r.OriginalAmount = original
	}
	r.VerificationCode = code
	r.VerifyURL = s.verifyURL(code)
	r.Seal = r.sealOf()
	if err := tx.Create(&r).Error; err != nil {
		return nil, translate(err)
	}
	return &r, s.receiptIssued(tx, &r)
}

var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// verificationCode is printed on a receipt so an auditor can check it
// online; 100 random bits, so it cannot be guessed from the number.
func verificationCode() (string, error) {
	b := make([]byte, 13)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return codeEncoding.EncodeToString(b)[:20], nil
}

// ReceiptByCode finds a receipt by its verification code.
func (s *Store) ReceiptByCode(ctx context.Context, code string) (*Receipt, error) {
	var r Receipt
	if err := s.db.WithContext(ctx).Where("verification_code = ?", code).Take(&r).Error; err != nil {
		return nil, wrap(err, "receipts: by verification code")
	}
	return &r, nil
}

// ReplacementOf returns the receipt that replaces number, if any.
func (s *Store) ReplacementOf(ctx context.Context, number string) (*Receipt, error) {
	var r Receipt
	if err := s.db.WithContext(ctx).Where("replaces = ?", number).Take(&r).Error; err != nil {
		return nil, wrap(err, "receipts: replacement of %s", number)
	}
	return &r, nil
}

// ReceiptByID returns one receipt, with its signature image.
func (s *Store) ReceiptByID(ctx context.Context, id string) (*Receipt, error) {
	var r Receipt
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, wrap(err, "receipts: %s", id)
	}
	if r.SignatureID != "" {
		if err := s.db.WithContext(ctx).Raw(`SELECT png FROM receipt_signatures WHERE id = ?`, r.SignatureID).Row().Scan(&r.SignaturePNG); err != nil {
			return nil, wrap(err, "receipts: signature of %s", r.Number)
		}
	}
	return &r, nil
}

// ReceiptsOfDonor lists a donor's receipts of one fiscal year, in number
// order: what their year-end statement shows.
//
// Scanned by hand, not by gorm: its reflection over 57 fields a row was a
// fifth of the statements job's CPU.
func (s *Store) ReceiptsOfDonor(ctx context.Context, donorID string, fy int) ([]Receipt, error) {
	var out []Receipt
	var r Receipt
	err := s.scanReceipts(ctx, "SELECT "+receiptColumns+", "+receiptOtherColumns+" FROM receipts WHERE donor_id = ? AND fiscal_year = ? ORDER BY sequence",
		[]any{donorID, fy}, receiptDestWhole(&r), func() error {
			out = append(out, r)
			return nil
		})
	return out, wrap(err, "receipts: of donor %s in %d", donorID, fy)
}

// DonorsWithReceipts lists the donors who have receipts in fiscal year fy.
func (s *Store) DonorsWithReceipts(ctx context.Context, fy int) ([]Donor, error) {
	var out []Donor
	err := s.db.WithContext(ctx).Where("id IN (?)",
		s.db.Model(&Receipt{}).Select("donor_id").Where("fiscal_year = ? AND donor_id IS NOT NULL", fy)).
		Order("email").Find(&out).Error
	return out, wrap(err, "donors: with receipts in %d", fy)
}

// VoidReceiptByHand voids a receipt with staff's reason (no replacement),
// emails the donor, and records it in the audit log, in one transaction.
func (s *Store) VoidReceiptByHand(ctx context.Context, receiptID, reason string, by Actor) (*Receipt, error) {
	var r Receipt
	err := s.transaction(ctx, func(tx *Tx) error {
		if err := tx.Where("id = ?", receiptID).Take(&r).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return Errorf(ErrNotFound, "There is no such receipt.")
		} else if err != nil {
			return err
		}
		if r.Status != ReceiptIssued {
			return Errorf(ErrConflict, "Receipt %s is void already.", r.Number)
		}
		if err := s.voidReceipt(tx, &r, "voided by staff: "+reason); err != nil {
			return err
		}
		if err := s.queueReceiptEmail(tx, EmailVoid, &r); err != nil {
			return err
		}
		return s.audit(tx, by, "voided receipt", r.Number+": "+reason)
	})
	return &r, wrap(err, "receipts: void %s", firstNonEmpty(r.Number, receiptID))
}

// CorrectReceipt is the CRA's answer to a receipt with a wrong name or
// address: the original is voided with that reason and kept, and a new
// receipt, under the next number, states the corrected details and that it
// cancels and replaces the original. The donor is emailed the new one
// once; the audit log records who did it. All in one transaction.
func (s *Store) CorrectReceipt(ctx context.Context, receiptID string, p DonorProfile, by Actor) (*Receipt, error) {
	var out *Receipt
	var number string
	err := s.transaction(ctx, func(tx *Tx) error {
		var old Receipt
		if err := tx.Where("id = ?", receiptID).Take(&old).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return Errorf(ErrNotFound, "There is no such receipt.")
		} else if err != nil {
			return err
		}
		number = old.Number
		if old.Status != ReceiptIssued {
			return Errorf(ErrConflict, "Receipt %s is void: correct the receipt in force instead.", old.Number)
		}
		if err := s.voidReceipt(tx, &old, "cancelled and replaced: corrected name and address"); err != nil {
			return err
		}
		corrected := old
		corrected.DonorName = p.Name
		corrected.DonorAddressLine1, corrected.DonorAddressCity = p.Address.Line1, p.Address.City
		corrected.DonorAddressLine2, corrected.DonorAddressState = p.Address.Line2, p.Address.State
		corrected.DonorAddressPostalCode, corrected.DonorAddressCountry = p.Address.PostalCode, p.Address.Country
		r, err := s.reissue(tx, "receipt:"+old.ID+":corrected", &corrected, old.Amount, old.OriginalAmount)
		if err != nil {
			return err
		}
		if r == nil {
			return Errorf(ErrConflict, "Receipt %s cannot be replaced: under its rules nothing of the gift may be receipted.", old.Number)
		}
		out = r
		if err := s.queueReceiptEmail(tx, EmailReplacement, r); err != nil {
			return err
		}
		return s.audit(tx, by, "corrected receipt", fmt.Sprintf("%s replaced by %s: %s", old.Number, r.Number, p.Name))
	})
	return out, wrap(err, "receipts: correct %s", firstNonEmpty(number, receiptID))
}
