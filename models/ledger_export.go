package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// ReceiptPeriod selects receipts by fiscal year or by gift-date range.
type ReceiptPeriod struct {
	FiscalYear int       // when non-zero, the whole fiscal year
	From, To   time.Time // otherwise gift dates in [From, To)
}

// receiptColumns are the columns of a receipt the reports read, scanned
// by hand: gorm's reflection per row was most of the cost of a
// million-row export. receiptOtherColumns are the rest, read too where a
// whole receipt is wanted (statements, emails).
const receiptColumns = `id, number, fiscal_year, sequence, gift_id, status, void_reason, voided_at, replaces, issued_at, gift_date,
	donor_id, donor_name, donor_email, donor_address_line1, donor_address_city, donor_address_postal_code, donor_address_country,
	donor_address_line2, donor_address_state,
	amount, currency, fee_covered, benefit_description, benefit_value, deductible_amount, stripe_payment_id, frequency,
	issue_key, org_name, org_tax_id, org_address, wording_version, verification_code, place_of_issue, signatory, livemode, time_zone,
	original_amount, original_currency, exchange_rate, gift_aid, dedication_type, dedication_name, anonymous,
	method, method_reference, description, appraiser`

const receiptOtherColumns = `verify_url, language, signature_id, gift_aid_note, donor_email_digest, keep_until, purged_at, seal`

// receiptDest lists where each of receiptColumns is scanned, in order.
// The columns that may be NULL scan into pointers: a NULL leaves nil, a
// value a new one (both pgx and database/sql do so).
func receiptDest(r *Receipt) []any {
	return []any{&r.ID, &r.Number, &r.FiscalYear, &r.Sequence, &r.GiftID, &r.Status, &r.VoidReason, &r.VoidedAt, &r.Replaces,
		&r.IssuedAt, &r.GiftDate, &r.DonorID, &r.DonorName, &r.DonorEmail, &r.DonorAddressLine1, &r.DonorAddressCity,
		&r.DonorAddressPostalCode, &r.DonorAddressCountry, &r.DonorAddressLine2, &r.DonorAddressState, &r.Amount, &r.Currency, &r.FeeCovered, &r.BenefitDescription,
		&r.BenefitValue, &r.DeductibleAmount, &r.StripePaymentID, &r.Frequency,
		&r.IssueKey, &r.OrgName, &r.OrgTaxID, &r.OrgAddress, &r.WordingVersion, &r.VerificationCode, &r.PlaceOfIssue, &r.Signatory,
		&r.Livemode, &r.TimeZone, &r.OriginalAmount, &r.OriginalCurrency, &r.ExchangeRate, &r.GiftAid,
		&r.DedicationType, &r.DedicationName, &r.Anonymous, &r.Method, &r.MethodReference, &r.Description, &r.Appraiser}
}

// receiptDestWhole adds receiptOtherColumns to receiptDest.
func receiptDestWhole(r *Receipt) []any {
	return append(receiptDest(r), &r.VerifyURL, &r.Language, &r.SignatureID, &r.GiftAidNote, &r.DonorEmailDigest,
		&r.KeepUntil, &r.PurgedAt, &r.Seal)
}

// EachReceipt streams the receipts of a period, oldest number first, calling
// fn for each row. Rows come from a cursor (on SQLite, a page at a time),
// so memory does not grow with the size of the year: fn must not keep r.
func (s *Store) EachReceipt(ctx context.Context, p ReceiptPeriod, fn func(r *Receipt) error) error {
	where, args := "fiscal_year = ?", []any{p.FiscalYear}
	if p.FiscalYear == 0 {
		where, args = "gift_date >= ? AND gift_date < ?", []any{p.From.UTC(), p.To.UTC()}
	}
	q := "SELECT " + receiptColumns + " FROM receipts WHERE " + where
	var r Receipt
	if s.dialect == DialectPostgres {
		return wrap(s.scanReceipts(ctx, q+" ORDER BY fiscal_year, sequence", args, receiptDest(&r), func() error { return fn(&r) }),
			"receipts: stream")
	}
	// SQLite has one connection, and fn may use the store while the rows
	// are read (an export job writes its file and its progress as it
	// goes): a cursor would hold that connection and fn wait for it for
	// ever. So a page is read, the connection freed, then handed on.
	const pageSize = 500
	page := make([]Receipt, 0, pageSize)
	var afterYear int
	var afterSeq int64 = -1
	for {
		page = page[:0]
		err := s.scanReceipts(ctx, q+" AND (fiscal_year > ? OR (fiscal_year = ? AND sequence > ?)) ORDER BY fiscal_year, sequence LIMIT ?",
			append(args, afterYear, afterYear, afterSeq, pageSize), receiptDest(&r), func() error {
				page = append(page, r)
				return nil
			})
		if err != nil {
			return wrap(err, "receipts: stream")
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		last := page[len(page)-1]
		afterYear, afterSeq = last.FiscalYear, last.Sequence
	}
}

// scanReceipts runs q (with ? placeholders) and scans each row into dest,
// calling each after every row.
//
// On Postgres it runs on pgx itself, under database/sql: its binary rows
// scanned straight into the receipt's fields cost a third of what
// database/sql's conversions through driver.Value did (the profile of a
// million-row export put those at 35 % of its CPU).
func (s *Store) scanReceipts(ctx context.Context, q string, args []any, dest []any, each func() error) error {
	if s.dialect != DialectPostgres {
		rows, err := s.sqlDB.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return eachRow(rows, dest, each)
	}
	for i := range args {
		q = strings.Replace(q, "?", fmt.Sprintf("$%d", i+1), 1)
	}
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres connection is a %T, not pgx's", dc)
		}
		rows, err := c.Conn().Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return eachRow(rows, dest, each)
	})
}

// scannedRows is what database/sql's rows and pgx's have in common.
type scannedRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// eachRow scans every row of rows into dest, calling each after each.
func eachRow(rows scannedRows, dest []any, each func() error) error {
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := each(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountReceipts counts the receipts of a period: the total a long export
// shows its progress against.
func (s *Store) CountReceipts(ctx context.Context, p ReceiptPeriod) (int64, error) {
	q := s.db.WithContext(ctx).Model(&Receipt{})
	if p.FiscalYear != 0 {
		q = q.Where("fiscal_year = ?", p.FiscalYear)
	} else {
		q = q.Where("gift_date >= ? AND gift_date < ?", p.From.UTC(), p.To.UTC())
	}
	var n int64
	return n, wrap(q.Count(&n).Error, "receipts: count")
}
