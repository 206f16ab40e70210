package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ReceiptPeriod selects receipts by fiscal year or by gift-date range.
type ReceiptPeriod struct {
	FiscalYear int       // when non-zero, the whole fiscal year
	From, To   time.Time // otherwise gift dates in [From, To)
}

// EachReceipt streams the receipts of a period, oldest number first, calling
// fn for each row. Rows come from a cursor, so memory does not grow with the
// size of the year.
func (s *Store) EachReceipt(ctx context.Context, p ReceiptPeriod, fn func(*Receipt) error) error {
	q := s.db.WithContext(ctx).Model(&Receipt{})
	if p.FiscalYear != 0 {
		q = q.Where("fiscal_year = ?", p.FiscalYear).Order("sequence")
	} else {
		q = q.Where("gift_date >= ? AND gift_date < ?", p.From.UTC(), p.To.UTC()).Order("fiscal_year, sequence")
	}
	rows, err := q.Rows()
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Receipt
		if err := s.db.ScanRows(rows, &r); err != nil {
			return err
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
