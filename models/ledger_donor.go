package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

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
		return nil, 0, wrap(err, "donors: search")
	}
	var out []Donor
	err := db.Order("name, email").Offset(p.offset()).Limit(p.limit()).Find(&out).Error
	return out, total, wrap(err, "donors: search")
}

// DonorEmails lists the messages sent or meant for a donor.
func (s *Store) DonorEmails(ctx context.Context, donorID string) ([]EmailMessage, error) {
	var out []EmailMessage
	err := s.db.WithContext(ctx).Where("donor_id = ?", donorID).Order("created_at DESC").Find(&out).Error
	return out, wrap(err, "emails: of donor %s", donorID)
}

// Merge is the record of two donor records made one.
type Merge struct {
	FromEmail                    string
	Gifts, Receipts, Memberships int64
}

// MergeDonors moves everything of the donor with fromEmail into donor into
// (the same person with two emails) and records the merge and its audit
// row, in one transaction. Receipts keep their frozen text; only which
// donor they belong to changes.
func (s *Store) MergeDonors(ctx context.Context, fromEmail, intoID string, by Actor) (Merge, error) {
	m := Merge{FromEmail: NormaliseEmail(fromEmail)}
	err := s.transaction(ctx, func(tx *Tx) error {
		var from, into Donor
		if err := tx.Where("email = ?", m.FromEmail).Take(&from).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return Errorf(ErrNotFound, "No donor has that email.")
		} else if err != nil {
			return err
		}
		if err := tx.Where("id = ?", intoID).Take(&into).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return Errorf(ErrNotFound, "There is no such donor.")
		} else if err != nil {
			return err
		}
		if from.ID == into.ID || from.MergedInto != nil || into.MergedInto != nil {
			return Errorf(ErrConflict, "These two records cannot be merged (the same record, or one merged already).")
		}
		fromID := from.ID
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
		if err := tx.Exec("UPDATE email_messages SET donor_id = ? WHERE donor_id = ?", intoID, fromID).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM donor_sessions WHERE donor_id = ?", fromID).Error; err != nil {
			return err
		}
		// Records merged into from earlier now point at into, so following
		// merged_into is always one step.
		if err := tx.Model(&Donor{}).Where("id = ? OR merged_into = ?", fromID, fromID).
			Updates(map[string]any{"merged_into": intoID, "updated_at": tx.now}).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO donor_merges (id, from_donor_id, into_donor_id, staff_email, gifts_moved, receipts_moved, memberships_moved, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, uuid.NewString(), fromID, intoID, by.Email, m.Gifts, m.Receipts, m.Memberships, tx.now).Error; err != nil {
			return err
		}
		if err := s.donorMerged(tx, &into, fromID); err != nil {
			return err
		}
		return s.audit(tx, by, "merged donors", fmt.Sprintf("%s into %s: %d gifts, %d receipts, %d memberships",
			m.FromEmail, intoID, m.Gifts, m.Receipts, m.Memberships))
	})
	return m, wrap(err, "donors: merge %s into %s", m.FromEmail, intoID)
}
