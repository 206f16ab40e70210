package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Page is a page of a list.
type Page struct {
	Number, Size int
}

func (p Page) offset() int {
	if p.Number < 1 {
		p.Number = 1
	}
	return (p.Number - 1) * p.limit()
}

func (p Page) limit() int {
	if p.Size < 1 || p.Size > 200 {
		return 50
	}
	return p.Size
}

// likePattern escapes a search term for LIKE.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(strings.TrimSpace(q))) + "%"
}

// SearchDonors finds donors by part of their name or email, any case.
func (s *Store) SearchDonors(ctx context.Context, q string, p Page) ([]Donor, int64, error) {
	db := s.db.WithContext(ctx).Model(&Donor{}).Where("merged_into IS NULL")
	if strings.TrimSpace(q) != "" {
		pat := likePattern(q)
		// A merged record's email still finds the person, on the record it
		// was merged into.
		db = db.Where(`(LOWER(name) LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\'
			OR id IN (SELECT merged_into FROM donors WHERE merged_into IS NOT NULL AND email LIKE ? ESCAPE '\'))`, pat, pat, pat)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	var out []Donor
	err := db.Order("name, email").Offset(p.offset()).Limit(p.limit()).Find(&out).Error
	return out, total, translate(err)
}

// DonorEmails lists the messages sent or meant for a donor.
func (s *Store) DonorEmails(ctx context.Context, donorID string) ([]EmailMessage, error) {
	var out []EmailMessage
	err := s.db.WithContext(ctx).Where("donor_id = ?", donorID).Order("created_at DESC").Find(&out).Error
	return out, translate(err)
}

// Merge is the record of two donor records made one.
type Merge struct {
	Gifts, Receipts, Memberships int64
}

// MergeDonors moves everything of donor from into donor into (the same
// person with two emails) and records the merge. Receipts keep their
// frozen text; only which donor they belong to changes.
func (s *Store) MergeDonors(ctx context.Context, fromID, intoID, staffEmail string) (Merge, error) {
	var m Merge
	if fromID == intoID {
		return m, fmt.Errorf("%w: a donor cannot be merged into itself", ErrConflict)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var from, into Donor
		if err := tx.Where("id = ? AND merged_into IS NULL", fromID).Take(&from).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ? AND merged_into IS NULL", intoID).Take(&into).Error; err != nil {
			return err
		}
		res := tx.Model(&Gift{}).Where("donor_id = ?", fromID).Update("donor_id", intoID)
		if res.Error != nil {
			return res.Error
		}
		m.Gifts = res.RowsAffected
		res = tx.Model(&Receipt{}).Where("donor_id = ?", fromID).Update("donor_id", intoID)
		if res.Error != nil {
			return res.Error
		}
		m.Receipts = res.RowsAffected
		res = tx.Model(&Membership{}).Where("donor_id = ?", fromID).Update("donor_id", intoID)
		if res.Error != nil {
			return res.Error
		}
		m.Memberships = res.RowsAffected
		for _, stmt := range []string{
			"UPDATE email_messages SET donor_id = ? WHERE donor_id = ?",
			"DELETE FROM donor_sessions WHERE donor_id = ?",
		} {
			args := []any{intoID, fromID}
			if strings.HasPrefix(stmt, "DELETE") {
				args = []any{fromID}
			}
			if err := tx.Exec(stmt, args...).Error; err != nil {
				return err
			}
		}
		// Records merged into from earlier now point at into, so following
		// merged_into is always one step.
		if err := tx.Model(&Donor{}).Where("id = ? OR merged_into = ?", fromID, fromID).
			Updates(map[string]any{"merged_into": intoID, "updated_at": s.now().UTC()}).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO donor_merges (id, from_donor_id, into_donor_id, staff_email, gifts_moved, receipts_moved, memberships_moved, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, uuid.NewString(), fromID, intoID, staffEmail, m.Gifts, m.Receipts, m.Memberships, s.now().UTC()).Error
	})
	return m, translate(err)
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
		return nil, nil, translate(err)
	}
	var totals []CurrencyTotal
	err = f.apply(s.db.WithContext(ctx).Model(&Gift{})).
		Select("currency, COUNT(*) AS count, COALESCE(SUM(total_amount), 0) AS amount, COALESCE(SUM(refunded_amount), 0) AS refunded").
		Group("currency").Order("currency").Scan(&totals).Error
	return gifts, totals, translate(err)
}

// ResendReceipt sends a receipt to its donor again (staff's request): a
// new message, so it is not deduplicated against the first.
func (s *Store) ResendReceipt(ctx context.Context, receiptID string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r Receipt
		if err := tx.Where("id = ?", receiptID).Take(&r).Error; err != nil {
			return err
		}
		kind := EmailReceipt
		if r.Status == ReceiptVoid {
			kind = EmailVoid
		} else if r.Replaces != "" {
			kind = EmailReplacement
		}
		return s.queueEmail(tx, EmailMessage{DedupeKey: "receipt:" + r.ID + ":resend:" + uuid.NewString(), Kind: kind,
			ToAddress: r.DonorEmail, ReceiptID: &r.ID, DonorID: r.DonorID, FiscalYear: r.FiscalYear})
	})
}

// VoidReceiptByHand voids a receipt with staff's reason (no replacement).
func (s *Store) VoidReceiptByHand(ctx context.Context, receiptID, reason string) (*Receipt, error) {
	var r Receipt
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", receiptID).Take(&r).Error; err != nil {
			return err
		}
		if r.Status != ReceiptIssued {
			return fmt.Errorf("%w: receipt %s is already void", ErrConflict, r.Number)
		}
		if err := s.voidReceipt(tx, &r, reason); err != nil {
			return err
		}
		return s.queueReceiptEmail(tx, EmailVoid, &r)
	})
	return &r, translate(err)
}
