package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/indienews/donations/models"
)

// inTx runs fn in one transaction on db.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return tx.Commit()
}

// pg turns gorm-style ? placeholders into Postgres's $1, $2, ...
func pg(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// seedReceipts fills fiscal year fy with n paid gifts and their receipts in
// two statements, for the export benchmark. It writes made-up donors: it
// lives here, in the bench tool, and never in shipped code.
func seedReceipts(ctx context.Context, store *models.Store, n, fy int) error {
	if store.Dialect() != models.DialectPostgres {
		return fmt.Errorf("benchmark seeding needs Postgres")
	}
	err := inTx(ctx, store.SQL(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, pg(`INSERT INTO gifts (id, status, source, frequency, amount, fee_amount, total_amount, currency, email, name, paid_at, created_at, updated_at)
			SELECT 'bench-g' || i, 'paid', 'stripe', 'once', 1000 + i % 5000, 0, 1000 + i % 5000, 'usd', 'd' || i || '@example.com',
			'Donor ' || i, now(), now(), now() FROM generate_series(1, ?) i`), n); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, pg(`INSERT INTO receipts (id, number, fiscal_year, sequence, issue_key, gift_id, status, issued_at, gift_date,
			donor_name, donor_email, donor_address_line1, donor_address_city, donor_address_postal_code, donor_address_country,
			amount, currency, deductible_amount, org_name, wording_version, stripe_payment_id, verification_code, frequency, livemode)
			SELECT 'bench-r' || i, ? || '-' || CASE WHEN i < 1000000 THEN lpad(i::text, 6, '0') ELSE i::text END, ?, i, 'bench-k' || i, 'bench-g' || i, 'issued', now(), now(),
			'Donor ' || i, 'd' || i || '@example.com', i || ' Main St', 'Springfield', '12345', 'US',
			1000 + i % 5000, 'usd', 1000 + i % 5000, 'Bench', 'us-1', 'pi_' || i, 'bench-v' || i, 'once', TRUE
			FROM generate_series(1, ?) i`), fmt.Sprint(fy), fy, n)
		return err
	})
	return sealSeeded(ctx, store, err)
}

// seedDonors writes donors donors with perDonor paid gifts and receipts
// each in fiscal year fy, for the statements benchmark (one in fifty named
// in CJK script). Postgres only, like seedReceipts.
func seedDonors(ctx context.Context, store *models.Store, donors, perDonor, fy int) error {
	if store.Dialect() != models.DialectPostgres {
		return fmt.Errorf("benchmark seeding needs Postgres")
	}
	err := inTx(ctx, store.SQL(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, pg(`INSERT INTO donors (id, email, name, address_line1, address_city, address_postal_code, address_country, created_at, updated_at)
			SELECT 'bench-d' || i, 's' || i || '@example.com', CASE WHEN i % 50 = 0 THEN '王芳 ' || i ELSE 'Zoë Łukasz ' || i END,
			i || ' Main St', 'Springfield', '12345', 'US', now(), now() FROM generate_series(1, ?) i`), donors); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, pg(`INSERT INTO gifts (id, donor_id, status, source, frequency, amount, fee_amount, total_amount, currency, email, name, paid_at, created_at, updated_at)
			SELECT 'bench-sg' || i || '-' || k, 'bench-d' || i, 'paid', 'stripe', 'month', 1500, 0, 1500, 'usd', 's' || i || '@example.com',
			'Donor ' || i, now(), now(), now() FROM generate_series(1, ?) i, generate_series(1, ?) k`), donors, perDonor); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, pg(`INSERT INTO receipts (id, number, fiscal_year, sequence, issue_key, gift_id, status, issued_at, gift_date, donor_id,
			donor_name, donor_email, donor_address_line1, donor_address_city, donor_address_postal_code, donor_address_country,
			amount, currency, deductible_amount, org_name, org_address, org_tax_id, wording_version, stripe_payment_id, verification_code, frequency, livemode)
			SELECT 'bench-sr' || i || '-' || k, ? || '-s' || i || '-' || k, ?, (i - 1) * ? + k, 'bench-sk' || i || '-' || k, 'bench-sg' || i || '-' || k,
			'issued', now(), make_date(?, k % 12 + 1, 3), 'bench-d' || i, 'Donor ' || i, 's' || i || '@example.com', i || ' Main St', 'Springfield',
			'12345', 'US', 1500, 'usd', 1500, 'The Ledger', '1 Press St', '12-3456789', 'us-1', 'pi_s' || i || '_' || k, 'bench-sv' || i || '-' || k, 'month', TRUE
			FROM generate_series(1, ?) i, generate_series(1, ?) k`), fmt.Sprint(fy), fy, perDonor, fy, donors, perDonor)
		return err
	})
	return sealSeeded(ctx, store, err)
}

// sealSeeded seals the seeded receipts as an upgrade does (Migrate seals
// receipts without a seal), so that the process measured next, which
// migrates on opening, does not seal them inside its timing. Then it
// analyzes the schema's tables, as autovacuum does on a live database
// (this machine's Postgres runs with autovacuum off): without statistics
// the planner guessed 5,000 receipts in a year of a million and sorted
// them all on disk instead of reading the (fiscal_year, sequence) index,
// for our query and COPY's alike.
func sealSeeded(ctx context.Context, store *models.Store, seedErr error) error {
	if seedErr != nil {
		return seedErr
	}
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	_, err := store.SQL().ExecContext(ctx, "ANALYZE donors, gifts, receipts")
	return err
}
