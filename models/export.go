package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ReceiptPeriod selects receipts by fiscal year or by gift-date range.
type ReceiptPeriod struct {
	FiscalYear int       // when non-zero, the whole fiscal year
	From, To   time.Time // otherwise gift dates in [From, To)
}

// receiptColumns are every column of a receipt, scanned by hand:
// gorm's reflection per row was most of the cost of a million-row export.
const receiptColumns = `id, number, fiscal_year, sequence, gift_id, status, void_reason, voided_at, replaces, issued_at, gift_date,
	donor_id, donor_name, donor_email, donor_address_line1, donor_address_city, donor_address_postal_code, donor_address_country,
	amount, currency, fee_covered, benefit_description, benefit_value, deductible_amount, stripe_payment_id, frequency,
	issue_key, org_name, org_tax_id, org_address, wording_version, verification_code, place_of_issue, signatory, livemode, time_zone`

// EachReceipt streams the receipts of a period, oldest number first, calling
// fn for each row. Rows come from a cursor and one Receipt is reused, so
// memory does not grow with the size of the year: fn must not keep r.
func (s *Store) EachReceipt(ctx context.Context, p ReceiptPeriod, fn func(r *Receipt) error) error {
	q := "SELECT " + receiptColumns + " FROM receipts WHERE "
	var args []any
	if p.FiscalYear != 0 {
		q += "fiscal_year = ? ORDER BY sequence"
		args = []any{p.FiscalYear}
	} else {
		q += "gift_date >= ? AND gift_date < ? ORDER BY fiscal_year, sequence"
		args = []any{p.From.UTC(), p.To.UTC()}
	}
	rows, err := s.db.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	var r Receipt
	var voidedAt sql.NullTime
	var donorID sql.NullString
	for rows.Next() {
		err := rows.Scan(&r.ID, &r.Number, &r.FiscalYear, &r.Sequence, &r.GiftID, &r.Status, &r.VoidReason, &voidedAt, &r.Replaces,
			&r.IssuedAt, &r.GiftDate, &donorID, &r.DonorName, &r.DonorEmail, &r.DonorAddressLine1, &r.DonorAddressCity,
			&r.DonorAddressPostalCode, &r.DonorAddressCountry, &r.Amount, &r.Currency, &r.FeeCovered, &r.BenefitDescription,
			&r.BenefitValue, &r.DeductibleAmount, &r.StripePaymentID, &r.Frequency,
			&r.IssueKey, &r.OrgName, &r.OrgTaxID, &r.OrgAddress, &r.WordingVersion, &r.VerificationCode, &r.PlaceOfIssue, &r.Signatory,
			&r.Livemode, &r.TimeZone)
		if err != nil {
			return err
		}
		r.VoidedAt, r.DonorID = nil, nil
		if voidedAt.Valid {
			t := voidedAt.Time
			r.VoidedAt = &t
		}
		if donorID.Valid {
			id := donorID.String
			r.DonorID = &id
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SeedReceiptsForBenchmark fills fiscal year fy with n paid gifts and their
// receipts in two statements, for the export benchmark. Never call it on
// a real ledger: it writes made-up donors.
func (s *Store) SeedReceiptsForBenchmark(ctx context.Context, n, fy int) error {
	if s.dialect != DialectPostgres {
		return fmt.Errorf("benchmark seeding needs Postgres")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO gifts (id, status, source, frequency, amount, fee_amount, total_amount, currency, email, name, paid_at, created_at, updated_at)
			SELECT 'bench-g' || i, 'paid', 'stripe', 'once', 1000 + i % 5000, 0, 1000 + i % 5000, 'usd', 'd' || i || '@example.com',
			'Donor ' || i, now(), now(), now() FROM generate_series(1, ?) i`, n).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO receipts (id, number, fiscal_year, sequence, issue_key, gift_id, status, issued_at, gift_date,
			donor_name, donor_email, donor_address_line1, donor_address_city, donor_address_postal_code, donor_address_country,
			amount, currency, deductible_amount, org_name, wording_version, stripe_payment_id, verification_code, frequency)
			SELECT 'bench-r' || i, ? || '-' || CASE WHEN i < 1000000 THEN lpad(i::text, 6, '0') ELSE i::text END, ?, i, 'bench-k' || i, 'bench-g' || i, 'issued', now(), now(),
			'Donor ' || i, 'd' || i || '@example.com', i || ' Main St', 'Springfield', '12345', 'US',
			1000 + i % 5000, 'usd', 1000 + i % 5000, 'Bench', 'us-1', 'pi_' || i, 'bench-v' || i, 'once'
			FROM generate_series(1, ?) i`, fmt.Sprint(fy), fy, n).Error
	})
}

// SeedDonorsForBenchmark writes donors donors with perDonor paid gifts and
// receipts each in fiscal year fy, for the statements benchmark (one in
// fifty named in CJK script). Postgres only, like SeedReceiptsForBenchmark.
func (s *Store) SeedDonorsForBenchmark(ctx context.Context, donors, perDonor, fy int) error {
	if s.dialect != DialectPostgres {
		return fmt.Errorf("benchmark seeding needs Postgres")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO donors (id, email, name, address_line1, address_city, address_postal_code, address_country, created_at, updated_at)
			SELECT 'bench-d' || i, 's' || i || '@example.com', CASE WHEN i % 50 = 0 THEN '王芳 ' || i ELSE 'Zoë Łukasz ' || i END,
			i || ' Main St', 'Springfield', '12345', 'US', now(), now() FROM generate_series(1, ?) i`, donors).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO gifts (id, donor_id, status, source, frequency, amount, fee_amount, total_amount, currency, email, name, paid_at, created_at, updated_at)
			SELECT 'bench-sg' || i || '-' || k, 'bench-d' || i, 'paid', 'stripe', 'month', 1500, 0, 1500, 'usd', 's' || i || '@example.com',
			'Donor ' || i, now(), now(), now() FROM generate_series(1, ?) i, generate_series(1, ?) k`, donors, perDonor).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO receipts (id, number, fiscal_year, sequence, issue_key, gift_id, status, issued_at, gift_date, donor_id,
			donor_name, donor_email, donor_address_line1, donor_address_city, donor_address_postal_code, donor_address_country,
			amount, currency, deductible_amount, org_name, org_address, org_tax_id, wording_version, stripe_payment_id, verification_code, frequency)
			SELECT 'bench-sr' || i || '-' || k, ? || '-s' || i || '-' || k, ?, (i - 1) * ? + k, 'bench-sk' || i || '-' || k, 'bench-sg' || i || '-' || k,
			'issued', now(), make_date(?, k % 12 + 1, 3), 'bench-d' || i, 'Donor ' || i, 's' || i || '@example.com', i || ' Main St', 'Springfield',
			'12345', 'US', 1500, 'usd', 1500, 'The Ledger', '1 Press St', '12-3456789', 'us-1', 'pi_s' || i || '_' || k, 'bench-sv' || i || '-' || k, 'month'
			FROM generate_series(1, ?) i, generate_series(1, ?) k`, fmt.Sprint(fy), fy, perDonor, fy, donors, perDonor).Error
	})
}
