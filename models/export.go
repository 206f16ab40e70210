package models

import (
	"context"
	"time"
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
