package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/indienews/donations/money"
)

// sealOf hashes the fields a receipt froze when it was issued: everything
// but its status and void (which change, by design, when it is voided) and
// the donor it is linked to (which a merge moves). Times count to the
// microsecond, truncated, as pgx writes them to Postgres.
func (r *Receipt) sealOf() string {
	at := func(t time.Time) string { return t.Truncate(time.Microsecond).UTC().Format(time.RFC3339Nano) }
	frozen := []any{
		r.ID, r.Number, r.FiscalYear, r.Sequence, r.IssueKey, r.GiftID, r.Replaces, at(r.IssuedAt), at(r.GiftDate),
		r.DonorName, r.emailDigest(), r.DonorAddressLine1, r.DonorAddressLine2, r.DonorAddressCity, r.DonorAddressState,
		r.DonorAddressPostalCode, r.DonorAddressCountry, r.Amount, r.Currency, r.FeeCovered, r.BenefitDescription,
		r.BenefitValue, r.DeductibleAmount, r.OrgName, r.OrgTaxID, r.OrgAddress, r.WordingVersion, r.StripePaymentID,
		r.VerificationCode, r.VerifyURL, r.Frequency, r.PlaceOfIssue, r.Signatory, r.Livemode, r.TimeZone,
		r.SignatureID, r.OriginalAmount, r.OriginalCurrency, r.ExchangeRate, r.GiftAid, r.GiftAidNote,
		r.DedicationType, r.DedicationName, r.Anonymous,
	}
	// Fields added since join only when set: seals made before them hold.
	if r.Method != "" {
		frozen = append(frozen, r.Method, r.MethodReference)
	}
	if r.Description != "" || r.Appraiser != "" {
		frozen = append(frozen, r.Description, r.Appraiser)
	}
	b, _ := json.Marshal(frozen) // a slice of strings, numbers and booleans always encodes
	sum := sha256.Sum256(b)
	return "v1:" + hex.EncodeToString(sum[:])
}

// emailDigest is what the seal holds of the donor's email: a digest
// keyed by the receipt, so the email can go on erasure (the law keeps a
// receipt, not its address) and the seal still holds.
func (r *Receipt) emailDigest() string {
	if r.DonorEmail == "" && r.DonorEmailDigest != "" {
		return r.DonorEmailDigest
	}
	sum := sha256.Sum256([]byte(r.ID + "\x00" + strings.ToLower(r.DonorEmail)))
	return hex.EncodeToString(sum[:])
}

// sealOlderReceipts seals, as they stand, the receipts issued before seals
// were kept: from then on a change to them shows. A batch at a time, so
// a large ledger is not one long transaction.
func (s *Store) sealOlderReceipts(ctx context.Context) (int, error) {
	sealed, after := 0, ""
	for {
		// Walk the primary key from the last batch on: each batch reads
		// 500 rows, where "seal = ''" alone would scan the table again
		// for every batch (minutes for a million receipts).
		var rs []Receipt
		if err := s.db.WithContext(ctx).Where("id > ? AND seal = ''", after).Order("id").Limit(500).Find(&rs).Error; err != nil {
			return sealed, err
		}
		if len(rs) == 0 {
			return sealed, nil
		}
		after = rs[len(rs)-1].ID
		err := s.transaction(ctx, func(tx *Tx) error {
			for i := range rs {
				if err := tx.Model(&Receipt{}).Where("id = ? AND seal = ''", rs[i].ID).Update("seal", rs[i].sealOf()).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return sealed, err
		}
		sealed += len(rs)
	}
}

// Finding is one thing donations check found wrong in the books.
type Finding struct {
	Kind string `json:"kind"` // gap, chain, total, seal, outbox
	Text string `json:"text"`
}

// BookCheck is one run of donations check.
type BookCheck struct {
	ID       string
	RanAt    time.Time
	OK       bool
	Findings []Finding
	// Summary says what was checked: receipts per fiscal year, and the
	// receipts in force per currency.
	Summary string
}

// stuckAfter is how long an email may wait before check calls it stuck:
// its job retries for well under a day.
const stuckAfter = 24 * time.Hour

// CheckBooks verifies the ledger: numbers without gaps in each fiscal
// year, voids and replacements that point where they should, receipts in
// force that add up to their gifts' money per currency, seals that match,
// and no email stuck in the outbox. It reads and never repairs.
func (s *Store) CheckBooks(ctx context.Context) (*BookCheck, error) {
	c := &BookCheck{ID: uuid.NewString(), RanAt: s.now().UTC()}
	add := func(kind, format string, args ...any) {
		c.Findings = append(c.Findings, Finding{Kind: kind, Text: fmt.Sprintf(format, args...)})
	}
	db := s.db.WithContext(ctx)
	var summary []string

	// Gap-free numbering, per fiscal year.
	var years []struct {
		FiscalYear   int
		N, Uniq, Top int64
		Bottom       int64
	}
	if err := db.Raw(`SELECT fiscal_year, COUNT(*) AS n, COUNT(DISTINCT sequence) AS uniq, MAX(sequence) AS top, MIN(sequence) AS bottom
		FROM receipts GROUP BY fiscal_year ORDER BY fiscal_year`).Scan(&years).Error; err != nil {
		return nil, wrap(err, "check: numbering")
	}
	for _, y := range years {
		summary = append(summary, fmt.Sprintf("fiscal year %d: %d receipts", y.FiscalYear, y.N))
		if y.N == y.Top && y.Uniq == y.N && y.Bottom == 1 {
			continue
		}
		var seqs []int64
		if err := db.Raw("SELECT sequence FROM receipts WHERE fiscal_year = ? ORDER BY sequence", y.FiscalYear).Scan(&seqs).Error; err != nil {
			return nil, wrap(err, "check: numbering %d", y.FiscalYear)
		}
		var missing, twice []string
		next := int64(1)
		for i, q := range seqs {
			if i > 0 && q == seqs[i-1] {
				twice = append(twice, fmt.Sprint(q))
				continue
			}
			for ; next < q; next++ {
				missing = append(missing, fmt.Sprint(next))
			}
			next = q + 1
		}
		if len(missing) > 0 {
			add("gap", "fiscal year %d: receipt numbers missing: %s", y.FiscalYear, listOf(missing))
		}
		if len(twice) > 0 {
			add("gap", "fiscal year %d: receipt numbers used twice: %s", y.FiscalYear, listOf(twice))
		}
	}

	// Voids and replacements.
	var broken []string
	if err := db.Raw(`SELECT r.number FROM receipts r WHERE r.replaces <> ''
		AND NOT EXISTS (SELECT 1 FROM receipts o WHERE o.number = r.replaces AND o.status = ?) ORDER BY r.number`, ReceiptVoid).Scan(&broken).Error; err != nil {
		return nil, wrap(err, "check: replacements")
	}
	for _, n := range broken {
		add("chain", "receipt %s replaces a receipt that does not exist or is not void", n)
	}
	var twiceReplaced []string
	if err := db.Raw(`SELECT replaces FROM receipts WHERE replaces <> '' GROUP BY replaces HAVING COUNT(*) > 1 ORDER BY replaces`).Scan(&twiceReplaced).Error; err != nil {
		return nil, wrap(err, "check: replacements")
	}
	for _, n := range twiceReplaced {
		add("chain", "receipt %s is replaced more than once", n)
	}
	var bareVoids []string
	if err := db.Raw(`SELECT number FROM receipts WHERE status = ? AND (voided_at IS NULL OR void_reason = '') ORDER BY number`, ReceiptVoid).Scan(&bareVoids).Error; err != nil {
		return nil, wrap(err, "check: voids")
	}
	for _, n := range bareVoids {
		add("chain", "receipt %s is void without a reason or a date", n)
	}
	var orphans []string
	if err := db.Raw(`SELECT r.number FROM receipts r LEFT JOIN gifts g ON g.id = r.gift_id WHERE g.id IS NULL ORDER BY r.number`).Scan(&orphans).Error; err != nil {
		return nil, wrap(err, "check: receipts without a gift")
	}
	for _, n := range orphans {
		add("chain", "receipt %s names a gift that does not exist", n)
	}

	// Receipts in force against their gifts' money.
	var inForce []struct {
		Number, GiftID, Currency, OriginalCurrency, GiftCurrency, DisputeStatus string
		Amount, OriginalAmount, TotalAmount, RefundedAmount                     int64
	}
	if err := db.Raw(`SELECT r.number, r.gift_id, r.currency, r.original_currency, g.currency AS gift_currency, g.dispute_status,
		r.amount, r.original_amount, g.total_amount, g.refunded_amount
		FROM receipts r JOIN gifts g ON g.id = r.gift_id WHERE r.status = ? ORDER BY r.number`, ReceiptIssued).Scan(&inForce).Error; err != nil {
		return nil, wrap(err, "check: receipts in force")
	}
	perGift := map[string]string{}
	receipted, giftNet := map[string]int64{}, map[string]int64{}
	for _, r := range inForce {
		if first, ok := perGift[r.GiftID]; ok {
			add("total", "receipts %s and %s are both in force for one gift", first, r.Number)
			continue
		}
		perGift[r.GiftID] = r.Number
		// In the currency the donor paid: a converted receipt keeps it.
		stated, cur := r.Amount, r.Currency
		if r.OriginalCurrency != "" {
			stated, cur = r.OriginalAmount, r.OriginalCurrency
		}
		net := r.TotalAmount - r.RefundedAmount
		if r.DisputeStatus == "lost" {
			net = 0
		}
		receipted[cur] += stated
		giftNet[r.GiftCurrency] += net
		if stated != net || !strings.EqualFold(cur, r.GiftCurrency) {
			add("total", "receipt %s states %s, its gift's money net of refunds and disputes is %s",
				r.Number, money.Display(stated, cur), money.Display(net, r.GiftCurrency))
		}
	}
	for _, cur := range sortedCurrencies(receipted, giftNet) {
		summary = append(summary, fmt.Sprintf("in force: %s receipted, %s in gifts", money.Display(receipted[cur], cur), money.Display(giftNet[cur], cur)))
		if receipted[cur] != giftNet[cur] {
			add("total", "%s: receipts in force add up to %s, their gifts net of refunds to %s",
				strings.ToUpper(cur), money.Display(receipted[cur], cur), money.Display(giftNet[cur], cur))
		}
	}

	// Seals: nothing frozen has changed since issue.
	var last string
	purged := 0
	for {
		var rs []Receipt
		if err := db.Where("id > ?", last).Order("id").Limit(1000).Find(&rs).Error; err != nil {
			return nil, wrap(err, "check: seals")
		}
		if len(rs) == 0 {
			break
		}
		for i := range rs {
			r := &rs[i]
			switch {
			case r.PurgedAt != nil:
				// An erased donor's receipt past its retention: its personal
				// data is gone, by design, and with it what the seal covered.
				purged++
			case r.Seal == "":
				add("seal", "receipt %s has no seal", r.Number)
			case r.Seal != r.sealOf():
				add("seal", "receipt %s has changed since it was issued", r.Number)
			}
		}
		last = rs[len(rs)-1].ID
	}

	// The outbox: messages that never went, nor failed for good.
	var stuck []struct {
		Kind, Status string
		N            int64
	}
	if err := db.Raw(`SELECT kind, status, COUNT(*) AS n FROM email_messages WHERE status IN ? AND updated_at < ? GROUP BY kind, status ORDER BY kind, status`,
		[]string{EmailQueued, EmailFailed, EmailSending}, c.RanAt.Add(-stuckAfter)).Scan(&stuck).Error; err != nil {
		return nil, wrap(err, "check: outbox")
	}
	for _, m := range stuck {
		add("outbox", "%d %s emails %s for over a day", m.N, m.Kind, m.Status)
	}

	if purged > 0 {
		summary = append(summary, fmt.Sprintf("%d receipts purged after their retention (seals not read)", purged))
	}
	c.OK = len(c.Findings) == 0
	c.Summary = strings.Join(summary, "; ")
	if len(years) == 0 {
		c.Summary = "no receipts yet"
	}
	return c, nil
}

// listOf shortens a long list for a finding: the first ten, and a count.
func listOf(items []string) string {
	if len(items) <= 10 {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:10], ", "), len(items)-10)
}

func sortedCurrencies(ms ...map[string]int64) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// bookCheckRow is book_checks' row.
type bookCheckRow struct {
	ID       string
	RanAt    time.Time
	OK       bool
	Findings string
	Summary  string
}

func (bookCheckRow) TableName() string { return "book_checks" }

// RecordBookCheck keeps a check's result for the staff dashboard.
func (s *Store) RecordBookCheck(ctx context.Context, c *BookCheck) error {
	findings, err := json.Marshal(c.Findings)
	if err != nil {
		return err
	}
	row := bookCheckRow{ID: c.ID, RanAt: c.RanAt, OK: c.OK, Findings: string(findings), Summary: c.Summary}
	return wrap(s.db.WithContext(ctx).Create(&row).Error, "book check: record")
}

// LastBookCheck is the newest recorded check, nil when none has run.
func (s *Store) LastBookCheck(ctx context.Context) (*BookCheck, error) {
	var rows []bookCheckRow
	if err := s.db.WithContext(ctx).Order("ran_at DESC").Limit(1).Find(&rows).Error; err != nil {
		return nil, wrap(err, "book check: last")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	c := &BookCheck{ID: rows[0].ID, RanAt: rows[0].RanAt, OK: rows[0].OK, Summary: rows[0].Summary}
	if err := json.Unmarshal([]byte(rows[0].Findings), &c.Findings); err != nil {
		return nil, fmt.Errorf("book check %s: findings: %w", c.ID, err)
	}
	return c, nil
}
