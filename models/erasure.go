package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// RetentionYears is how long, by default, tax law keeps an erased donor's
// receipts and Gift Aid declarations after the end of the fiscal year
// they belong to: HMRC 6 years for Gift Aid, the CRA 6 for the books
// (duplicate receipts 2), the IRS 3 for substantiation and, in practice,
// 7 for an exempt organisation's records.
func RetentionYears(rules string) int {
	switch rules {
	case "uk", "ca":
		return 6
	}
	return 7
}

// retentionYears is the setting, or the rule set's default.
func (s *Store) retentionYears() int {
	if s.receipts.RetentionYears > 0 {
		return s.receipts.RetentionYears
	}
	return RetentionYears(s.receipts.Rules)
}

// Erasure is what erasing a donor did.
type Erasure struct {
	DonorID   string
	Number    int
	Name      string // "erased donor #N", as reports now show them
	Gifts     int    // gifts whose name, email and address were removed
	Emails    int    // messages whose address was removed
	Kept      int    // receipts and declarations the law keeps, sealed
	KeepUntil time.Time
	// Customers are the Stripe customers of the donor, for the caller to
	// delete through the API after the erasure commits.
	Customers []string
}

// ErasedName is how reports show erased donor number n.
func ErasedName(n int) string { return fmt.Sprintf("erased donor #%d", n) }

func erasedEmail(n int) string { return fmt.Sprintf("erased-%d@erased.invalid", n) }

// EraseDonor removes a donor's personal data from everything the law does
// not keep, in one transaction: their record becomes "erased donor #N",
// their gifts and messages lose name, email, address and dedication,
// their sign-in links and sessions go, and the audit log no longer names
// them. Receipts and Gift Aid declarations stay, sealed, until
// RetentionYears after their year (the receipt's email goes now: the seal
// holds a digest of it). Amounts, numbers and links between records do
// not change, so every total and donations check stay right. by says who
// asked: the donor, or staff with reference (the request they checked).
func (s *Store) EraseDonor(ctx context.Context, donorID string, by Actor, reference string) (*Erasure, error) {
	e := &Erasure{DonorID: donorID}
	err := s.transaction(ctx, func(tx *Tx) error {
		if s.dialect == DialectPostgres {
			// One erasure at a time takes the next number (the retention job
			// and a donor's own request may meet).
			if err := tx.Exec("SELECT pg_advisory_xact_lock(7213340518)").Error; err != nil {
				return err
			}
		}
		var d Donor
		if err := tx.Where("id = ?", donorID).Take(&d).Error; err != nil {
			return err
		}
		var erased int64
		if err := tx.Model(&Donor{}).Where("id = ? AND erased_at IS NOT NULL", donorID).Count(&erased).Error; err != nil {
			return err
		}
		if erased > 0 {
			return Errorf(ErrConflict, "This donor was erased already.")
		}
		if err := tx.Raw("SELECT COALESCE(MAX(erased_number), 0) + 1 FROM donors").Scan(&e.Number).Error; err != nil {
			return err
		}
		e.Name = ErasedName(e.Number)
		email, placeholder := d.Email, erasedEmail(e.Number)
		// Every email the donor was known by: merged records' too.
		var merged []Donor
		if err := tx.Where("merged_into = ?", donorID).Find(&merged).Error; err != nil {
			return err
		}
		emails, ids := []string{email}, []string{donorID}
		for _, m := range merged {
			emails, ids = append(emails, m.Email), append(ids, m.ID)
		}
		noAddress := map[string]any{"address_line1": "", "address_line2": "", "address_city": "", "address_state": "",
			"address_postal_code": "", "address_country": ""}
		with := func(m map[string]any, more map[string]any) map[string]any {
			out := map[string]any{}
			for k, v := range m {
				out[k] = v
			}
			for k, v := range more {
				out[k] = v
			}
			return out
		}
		for i, id := range ids {
			mail := placeholder
			if i > 0 {
				mail = fmt.Sprintf("erased-%d-%d@erased.invalid", e.Number, i)
			}
			upd := with(noAddress, map[string]any{"email": mail, "name": e.Name, "updated_at": tx.now})
			if i == 0 {
				upd["erased_at"], upd["erased_number"] = tx.now, e.Number
			}
			if err := tx.Model(&Donor{}).Where("id = ?", id).Updates(upd).Error; err != nil {
				return err
			}
		}
		res := tx.Model(&Gift{}).Where("donor_id IN ? OR email IN ?", ids, emails).Updates(with(noAddress,
			map[string]any{"email": placeholder, "name": e.Name, "dedication_name": "", "updated_at": tx.now}))
		if res.Error != nil {
			return res.Error
		}
		e.Gifts = int(res.RowsAffected)
		res = tx.Model(&EmailMessage{}).Where("donor_id IN ? OR to_address IN ?", ids, emails).
			Updates(map[string]any{"to_address": placeholder, "subject": "", "link": "", "last_error": "", "updated_at": tx.now})
		if res.Error != nil {
			return res.Error
		}
		e.Emails = int(res.RowsAffected)
		// Events told to the newsroom's other tools keep no name or address
		// either, sent or still to send.
		if err := scrubEvents(tx, ids, placeholder, e.Name); err != nil {
			return err
		}
		// Nothing more goes to an address that is gone.
		if err := tx.Model(&EmailMessage{}).Where("to_address = ? AND status IN ?", placeholder, []string{EmailQueued, EmailFailed}).
			Updates(map[string]any{"status": EmailUnsent, "last_error": "the donor was erased"}).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM donor_login_tokens WHERE email IN ?", emails).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM donor_sessions WHERE donor_id IN ?", ids).Error; err != nil {
			return err
		}
		// The audit log: as actor (a donor cancelling their own Gift Aid),
		// and named in details, by email or by name.
		if err := tx.Exec("UPDATE audit_log SET staff_email = ? WHERE staff_email IN ?", placeholder, emails).Error; err != nil {
			return err
		}
		names := []string{}
		if len(strings.TrimSpace(d.Name)) >= 3 {
			names = append(names, d.Name)
		}
		for _, m := range append(emails, names...) {
			with := placeholder
			if !strings.Contains(m, "@") {
				with = e.Name
			}
			if err := tx.Exec(`UPDATE audit_log SET detail = REPLACE(detail, ?, ?) WHERE detail LIKE ? ESCAPE '\'`, m, with, "%"+likeEscape(m)+"%").Error; err != nil {
				return err
			}
			// Counters keyed by the address (the donate form's limits).
			if err := tx.Exec(`DELETE FROM rate_counters WHERE key LIKE ? ESCAPE '\'`, "%"+likeEscape(m)+"%").Error; err != nil {
				return err
			}
		}
		// What a member wrote when cancelling, and Stripe's invoice page,
		// which shows their name and address.
		if err := tx.Table("memberships").Where("donor_id IN ?", ids).
			Updates(map[string]any{"cancel_comment": "", "last_failed_url": ""}).Error; err != nil {
			return err
		}
		// Their own file, if they asked for one: gone with them.
		var files []string
		if err := tx.Model(&Export{}).Where("kind = ? AND params IN ?", ExportDonorFile, prefixed("donor=", ids)).Pluck("id", &files).Error; err != nil {
			return err
		}
		if len(files) > 0 {
			if err := tx.Exec("DELETE FROM export_chunks WHERE export_id IN ?", files).Error; err != nil {
				return err
			}
			if err := tx.Model(&Export{}).Where("id IN ?", files).Updates(map[string]any{"status": ExportExpired, "updated_at": tx.now}).Error; err != nil {
				return err
			}
		}
		// What the law keeps: receipts, sealed, without their email.
		years := s.retentionYears()
		var rs []Receipt
		if err := tx.Where("donor_id IN ? OR donor_email IN ?", ids, emails).Find(&rs).Error; err != nil {
			return err
		}
		for i := range rs {
			r := &rs[i]
			_, end := s.receipts.FiscalYearStart.Bounds(r.FiscalYear, s.receipts.Location)
			keep := end.AddDate(years, 0, 0).UTC()
			if keep.After(e.KeepUntil) {
				e.KeepUntil = keep
			}
			if err := tx.Model(&Receipt{}).Where("id = ?", r.ID).Updates(map[string]any{
				"donor_email_digest": r.emailDigest(), "donor_email": "", "keep_until": keep}).Error; err != nil {
				return err
			}
			e.Kept++
		}
		// Gift Aid declarations: HMRC's six years from now, without email.
		keepDecl := tx.now.AddDate(6, 0, 0)
		res = tx.Table("giftaid_declarations").Where("donor_id IN ? OR email IN ?", ids, emails).
			Updates(map[string]any{"email": "", "keep_until": keepDecl})
		if res.Error != nil {
			return res.Error
		}
		e.Kept += int(res.RowsAffected)
		if res.RowsAffected > 0 && keepDecl.After(e.KeepUntil) {
			e.KeepUntil = keepDecl
		}
		if err := tx.Table("memberships").Where("donor_id IN ? AND stripe_customer_id <> ''", ids).
			Distinct("stripe_customer_id").Pluck("stripe_customer_id", &e.Customers).Error; err != nil {
			return err
		}
		summary := fmt.Sprintf("%d gifts and %d emails cleared; %d tax records kept until %s", e.Gifts, e.Emails, e.Kept, e.KeepUntil.Format("2006-01-02"))
		digests := make([]string, len(emails))
		for i, m := range emails {
			digests[i] = emailSuppression(m)
		}
		if err := tx.Exec("INSERT INTO erasures (id, donor_id, erased_number, requested_by, reference, summary, email_digests, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			uuid.NewString(), donorID, e.Number, by.Email, strings.TrimSpace(reference), summary, strings.Join(digests, " "), tx.now).Error; err != nil {
			return err
		}
		return s.audit(tx, by, "erased donor", e.Name+": "+summary)
	})
	if err != nil {
		return nil, wrap(err, "erase donor %s", donorID)
	}
	return e, nil
}

// prefixed puts p before each of ss.
func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, v := range ss {
		out[i] = p + v
	}
	return out
}

// emailSuppression is what an erasure keeps of an address so that no
// import brings the donor back: its SHA-256, not the address.
func emailSuppression(email string) string {
	sum := sha256.Sum256([]byte(NormaliseEmail(email)))
	return hex.EncodeToString(sum[:])
}

// erasedEmails is the set of digests of every address erased, for imports.
func erasedEmails(tx *Tx) (map[string]bool, error) {
	var rows []string
	if err := tx.Table("erasures").Pluck("email_digests", &rows).Error; err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range rows {
		for _, d := range strings.Fields(r) {
			out[d] = true
		}
	}
	return out, nil
}

// likeEscape escapes LIKE's wildcards in s (used with ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// PurgeExpired removes the personal data left on the tax records of erased
// donors once the law no longer keeps them (keep_until has passed): the
// receipt keeps its number, amounts and dates, so the books still add up,
// and is marked purged, its seal no longer checked.
func (s *Store) PurgeExpired(ctx context.Context) (receipts, declarations int, err error) {
	err = s.transaction(ctx, func(tx *Tx) error {
		res := tx.Model(&Receipt{}).Where("keep_until IS NOT NULL AND keep_until < ? AND purged_at IS NULL", tx.now).Updates(map[string]any{
			"donor_name": "erased donor", "donor_address_line1": "", "donor_address_line2": "", "donor_address_city": "",
			"donor_address_state": "", "donor_address_postal_code": "", "donor_address_country": "", "dedication_name": "",
			"purged_at": tx.now})
		if res.Error != nil {
			return res.Error
		}
		receipts = int(res.RowsAffected)
		res = tx.Table("giftaid_declarations").Where("keep_until IS NOT NULL AND keep_until < ? AND purged_at IS NULL", tx.now).Updates(map[string]any{
			"title": "", "first_name": "erased", "last_name": "donor", "house": "", "address": "", "postcode": "", "purged_at": tx.now})
		if res.Error != nil {
			return res.Error
		}
		declarations = int(res.RowsAffected)
		if receipts+declarations == 0 {
			return nil
		}
		return s.audit(tx, CommandLine, "purged expired tax records", fmt.Sprintf("%d receipts, %d Gift Aid declarations", receipts, declarations))
	})
	return receipts, declarations, wrap(err, "purge expired tax records")
}

// DonorFile is everything the newsroom holds about one donor, as they may
// see and take it: their record, gifts, memberships, receipts, Gift Aid
// declarations and the emails sent to them.
type DonorFile struct {
	Donor        Donor                `json:"donor"`
	Gifts        []Gift               `json:"gifts"`
	Memberships  []Membership         `json:"memberships"`
	Receipts     []Receipt            `json:"receipts"`
	Declarations []GiftAidDeclaration `json:"gift_aid_declarations"`
	Emails       []EmailMessage       `json:"emails"`
}

// DonorFileOf reads a donor's file (merged records' gifts included).
func (s *Store) DonorFileOf(ctx context.Context, donorID string) (*DonorFile, error) {
	f := &DonorFile{}
	db := s.db.WithContext(ctx)
	if err := db.Where("id = ?", donorID).Take(&f.Donor).Error; err != nil {
		return nil, wrap(err, "donor file: %s", donorID)
	}
	ids := []string{donorID}
	var merged []string
	if err := db.Model(&Donor{}).Where("merged_into = ?", donorID).Pluck("id", &merged).Error; err != nil {
		return nil, wrap(err, "donor file: %s", donorID)
	}
	ids = append(ids, merged...)
	for _, q := range []struct {
		into  any
		order string
	}{
		{&f.Gifts, "created_at"}, {&f.Memberships, "created_at"}, {&f.Receipts, "issued_at"},
		{&f.Declarations, "declared_at"}, {&f.Emails, "created_at"},
	} {
		if err := db.Where("donor_id IN ?", ids).Order(q.order + ", id").Find(q.into).Error; err != nil {
			return nil, wrap(err, "donor file: %s", donorID)
		}
	}
	return f, nil
}

// StripeCustomersOf lists a donor's Stripe customers: erasure deletes
// them through the API (which also ends their subscriptions).
func (s *Store) StripeCustomersOf(ctx context.Context, donorID string) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Table("memberships").Where("donor_id = ? AND stripe_customer_id <> ''", donorID).
		Distinct("stripe_customer_id").Pluck("stripe_customer_id", &ids).Error
	return ids, wrap(err, "stripe customers of %s", donorID)
}

// AuditDonorFile records that staff took a donor's file.
func (s *Store) AuditDonorFile(ctx context.Context, donorID string, by Actor) error {
	return wrap(s.transaction(ctx, func(tx *Tx) error {
		var n int64
		if err := tx.Model(&Donor{}).Where("id = ?", donorID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return Errorf(ErrNotFound, "There is no such donor.")
		}
		return s.audit(tx, by, "exported donor file", donorID)
	}), "donor file of %s", donorID)
}

// activeStatuses are a membership's states that still take payments.
var activeStatuses = []string{"active", "trialing", "past_due", "incomplete", "paused"}

// InactiveDonors lists donors (not erased, not merged) with no gift paid
// since before and no membership still running, oldest first: those the
// retention job erases.
func (s *Store) InactiveDonors(ctx context.Context, before time.Time, limit int) ([]Donor, error) {
	var ds []Donor
	err := s.db.WithContext(ctx).Where(`erased_at IS NULL AND merged_into IS NULL AND created_at < ?
		AND NOT EXISTS (SELECT 1 FROM gifts g WHERE g.donor_id = donors.id AND g.paid_at >= ?)
		AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.donor_id = donors.id AND m.status IN ?)`,
		before.UTC(), before.UTC(), activeStatuses).Order("created_at, id").Limit(limit).Find(&ds).Error
	return ds, wrap(err, "inactive donors before %s", before.Format("2006-01-02"))
}

// RetentionPlan is what the retention job will do by a day: the donors it
// will erase and the tax records it will purge.
type RetentionPlan struct {
	Donors       int
	Receipts     int64
	Declarations int64
}

// RetentionBy says what the retention job will have done by day by, with
// donors erased after inactiveYears (0: none).
func (s *Store) RetentionBy(ctx context.Context, by time.Time, inactiveYears int) (RetentionPlan, error) {
	var p RetentionPlan
	if inactiveYears > 0 {
		ds, err := s.InactiveDonors(ctx, by.AddDate(-inactiveYears, 0, 0), 100000)
		if err != nil {
			return p, err
		}
		p.Donors = len(ds)
	}
	db := s.db.WithContext(ctx)
	if err := db.Model(&Receipt{}).Where("keep_until < ? AND purged_at IS NULL", by.UTC()).Count(&p.Receipts).Error; err != nil {
		return p, wrap(err, "retention plan")
	}
	err := db.Table("giftaid_declarations").Where("keep_until < ? AND purged_at IS NULL", by.UTC()).Count(&p.Declarations).Error
	return p, wrap(err, "retention plan")
}
