package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// ImportedDonor is one donor row of another system's export.
type ImportedDonor struct {
	Line    int // in the file, for the report
	Email   string
	Name    string
	Address Address
}

// ImportedGift is one past gift of another system's export.
type ImportedGift struct {
	Line               int
	Key                string // unique per source row: "donorbox:12345"
	Email, Name        string
	Address            Address
	Amount             int64
	Currency           string
	Date               time.Time
	Method             string // MethodStripe for card gifts
	Reference          string
	ReceiptedElsewhere string // the old system's receipt number: no new receipt
}

// ImportReport says what an import did, or, dry, would do.
type ImportReport struct {
	Created, Merged, Unchanged, Receipts int
	// Held: gifts the rule set cannot receipt yet (CA: no full address);
	// they are recorded, without a receipt.
	Held     int
	Rejected []Rejection
}

// Rejection is a row left out, and why.
type Rejection struct {
	Line   int
	Reason string
}

// errDryRun rolls a dry run's transaction back once it has counted.
var errDryRun = errors.New("dry run")

// ImportDonors records donors by email: a new email is a new donor; a
// known one is merged, filling only what its record lacks (a donor's own
// edits are never overwritten). dry counts without writing. progress, when
// set, hears of each row done.
func (s *Store) ImportDonors(ctx context.Context, rows []ImportedDonor, dry bool, progress func()) (ImportReport, error) {
	var rep ImportReport
	err := s.transaction(ctx, func(tx *Tx) error {
		erased, err := erasedEmails(tx)
		if err != nil {
			return err
		}
		for _, d := range rows {
			if progress != nil {
				progress()
			}
			email := NormaliseEmail(d.Email)
			if erased[emailSuppression(email)] {
				rep.Rejected = append(rep.Rejected, Rejection{Line: d.Line, Reason: "this donor was erased at their request: not brought back"})
				continue
			}
			var existing Donor
			err := tx.Where("email = ?", email).Take(&existing).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				if _, err := s.upsertDonor(tx, email, strings.TrimSpace(d.Name), d.Address, ""); err != nil {
					return err
				}
				rep.Created++
			case err != nil:
				return err
			default:
				fill := map[string]any{}
				if existing.Name == "" && strings.TrimSpace(d.Name) != "" {
					fill["name"] = strings.TrimSpace(d.Name)
				}
				if existing.Address.Line1 == "" && d.Address.Line1 != "" {
					fill["address_line1"], fill["address_line2"], fill["address_city"] = d.Address.Line1, d.Address.Line2, d.Address.City
					fill["address_state"], fill["address_postal_code"], fill["address_country"] = d.Address.State, d.Address.PostalCode, d.Address.Country
				}
				if len(fill) == 0 {
					rep.Unchanged++
					continue
				}
				fill["updated_at"] = tx.now
				if err := tx.Model(&Donor{}).Where("id = ?", existing.ID).Updates(fill).Error; err != nil {
					return err
				}
				rep.Merged++
			}
		}
		if dry {
			return errDryRun
		}
		return s.audit(tx, CommandLine, "imported donors", fmt.Sprintf("%d new, %d merged", rep.Created, rep.Merged))
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return rep, wrap(err, "import donors")
}

// ImportGifts records past gifts, each once (by its Key): paid on its
// date, its donor found by email or created, and receipted from the same
// book as every gift, unless the old system already receipted it (then it
// keeps that number and gets no second receipt). No email is sent and no
// Gift Aid claimed: this is history. dry counts without writing.
func (s *Store) ImportGifts(ctx context.Context, rows []ImportedGift, dry bool, progress func()) (ImportReport, error) {
	var rep ImportReport
	err := s.transaction(ctx, func(tx *Tx) error {
		// What is there already, read once: a file of 30,000 gifts would
		// otherwise ask twice per row.
		imported := map[string]bool{}
		var keys []string
		if err := tx.Model(&Gift{}).Where("import_key IS NOT NULL").Pluck("import_key", &keys).Error; err != nil {
			return err
		}
		for _, k := range keys {
			imported[k] = true
		}
		donors := map[string]string{}
		var known []struct{ Email, ID string }
		if err := tx.Raw("SELECT email, COALESCE(merged_into, id) AS id FROM donors").Scan(&known).Error; err != nil {
			return err
		}
		for _, d := range known {
			donors[d.Email] = d.ID
		}
		erased, err := erasedEmails(tx)
		if err != nil {
			return err
		}
		for _, in := range rows {
			if progress != nil {
				progress()
			}
			if erased[emailSuppression(in.Email)] {
				rep.Rejected = append(rep.Rejected, Rejection{Line: in.Line, Reason: "this donor was erased at their request: not brought back"})
				continue
			}
			key := in.Key
			if imported[key] {
				rep.Unchanged++
				continue
			}
			imported[key] = true
			email := NormaliseEmail(in.Email)
			donorID, ok := donors[email]
			if ok {
				rep.Merged++
			} else {
				var err error
				if donorID, err = s.upsertDonor(tx, email, strings.TrimSpace(in.Name), in.Address, ""); err != nil {
					return err
				}
				donors[email] = donorID
				rep.Created++
			}
			method := in.Method
			if method == "" {
				method = MethodStripe
			}
			paid := in.Date.UTC()
			g := &Gift{ID: uuid.NewString(), DonorID: &donorID, Status: GiftPaid, Source: "import", Frequency: FrequencyOnce,
				Amount: in.Amount, TotalAmount: in.Amount, Currency: strings.ToLower(in.Currency), Email: NormaliseEmail(in.Email),
				Name: strings.TrimSpace(in.Name), Address: in.Address, Method: method, MethodReference: in.Reference,
				ImportKey: &key, ReceiptedElsewhere: strings.TrimSpace(in.ReceiptedElsewhere), Livemode: true, PaidAt: &paid,
				CreatedAt: tx.now, UpdatedAt: tx.now}
			if err := tx.Create(g).Error; err != nil {
				return translate(err)
			}
			if g.ReceiptedElsewhere != "" {
				continue
			}
			if rules := s.receipts.Rules; (rules == "" || rules == "us") && method == MethodGrant {
				continue
			}
			// Neither a hold (whose email would ask a past donor for details)
			// nor Gift Aid (the old system may have claimed it already).
			reason, conv, err := s.holdReason(tx, g)
			if err != nil {
				return err
			}
			if reason != "" {
				rep.Held++
				continue
			}
			r, err := s.issueReceipt(tx, "gift:"+g.ID+":original", g, donorID, "", Benefit{}, conv, "")
			if err != nil {
				return err
			}
			if r != nil {
				rep.Receipts++
			}
		}
		if dry {
			return errDryRun
		}
		return s.audit(tx, CommandLine, "imported gifts", fmt.Sprintf("%d gifts, %d receipts", rep.Created+rep.Merged, rep.Receipts))
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return rep, wrap(err, "import gifts")
}

// DonorsWithGiftsReceiptedElsewhere names the donors who have a gift of
// fiscal year fy that another system receipted: one query for a year's
// statements, so that the other donors' statements ask nothing more.
func (s *Store) DonorsWithGiftsReceiptedElsewhere(ctx context.Context, fy int) (map[string]bool, error) {
	from, to := s.receipts.FiscalYearStart.Bounds(fy, s.receipts.Location)
	var ids []string
	err := s.db.WithContext(ctx).Model(&Gift{}).Distinct("donor_id").
		Where("donor_id IS NOT NULL AND receipted_elsewhere <> '' AND status = ? AND paid_at >= ? AND paid_at < ?",
			GiftPaid, from.UTC(), to.UTC()).Pluck("donor_id", &ids).Error
	if err != nil {
		return nil, wrap(err, "donors with gifts receipted elsewhere in %d", fy)
	}
	who := make(map[string]bool, len(ids))
	for _, id := range ids {
		who[id] = true
	}
	return who, nil
}

// GiftsReceiptedElsewhere lists a donor's gifts of fiscal year fy that the
// system before this one receipted: their statement lists them.
func (s *Store) GiftsReceiptedElsewhere(ctx context.Context, donorID string, fy int) ([]Gift, error) {
	from, to := s.receipts.FiscalYearStart.Bounds(fy, s.receipts.Location)
	var gs []Gift
	err := s.db.WithContext(ctx).Where("donor_id = ? AND receipted_elsewhere <> '' AND status = ? AND paid_at >= ? AND paid_at < ?",
		donorID, GiftPaid, from.UTC(), to.UTC()).Order("paid_at, id").Find(&gs).Error
	return gs, wrap(err, "gifts receipted elsewhere of %s in %d", donorID, fy)
}
