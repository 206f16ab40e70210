package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// benchImport: a newsroom's history brought in with `donations import
// gifts` (the template mapping, a tenth already receipted by the old
// system, the rest receipted from our book), against the database alone
// writing the same gift rows one INSERT at a time in one transaction: the
// ratio is what finding donors, keeping each gift once and numbering its
// receipt cost beyond storing it.
func benchImport(ctx context.Context, pg, bin string, sz sizes) ([]row, error) {
	dir, err := os.MkdirTemp("", "import-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	donors := sz.ImportGifts / 3
	file := filepath.Join(dir, "gifts.csv")
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"id", "email", "name", "amount", "currency", "date", "method", "reference", "receipted_elsewhere"})
	start := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < sz.ImportGifts; i++ {
		elsewhere := ""
		if i%10 == 0 {
			elsewhere = fmt.Sprintf("OLD-%d", i)
		}
		w.Write([]string{fmt.Sprintf("g%d", i), fmt.Sprintf("reader%d@example.com", i%donors), fmt.Sprintf("Reader %d", i%donors),
			fmt.Sprintf("%d.00", 10+i%90), "USD", start.Add(time.Duration(i) * 20 * time.Minute).Format("2006-01-02"), "card", "", elsewhere})
	}
	w.Flush()
	if err := f.Close(); err != nil {
		return nil, err
	}

	store, dbURL, _, drop, err := freshStore(ctx, pg)
	if err != nil {
		return nil, err
	}
	store.Close()
	defer drop()
	cmd := exec.CommandContext(ctx, bin, "import", "gifts", file)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "DATA_DIR="+dir, "LOG_LEVEL=error")
	began := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("donations import gifts: %v\n%s", err, out)
	}
	ours := time.Since(began).Seconds()

	// The database alone: the same rows, one INSERT each, one transaction.
	base, baseURL, _, dropBase, err := freshStore(ctx, pg)
	if err != nil {
		return nil, err
	}
	base.Close()
	defer dropBase()
	db, err := sql.Open("pgx", baseURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	began = time.Now()
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		for i := 0; i < sz.ImportGifts; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO gifts (id, status, source, frequency, amount, fee_amount, total_amount, currency, email, name,
				import_key, paid_at, created_at, updated_at) VALUES ($1, 'paid', 'import', 'once', $2, 0, $2, 'usd', $3, $4, $5, $6, now(), now())`,
				fmt.Sprintf("base-%d", i), 1000+i%9000, fmt.Sprintf("reader%d@example.com", i%donors), fmt.Sprintf("Reader %d", i%donors),
				fmt.Sprintf("template:g%d", i), start.Add(time.Duration(i)*20*time.Minute)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	baseline := time.Since(began).Seconds()
	return []row{{Name: fmt.Sprintf("import %d past gifts of %d donors (Postgres; baseline: the bare INSERTs)", sz.ImportGifts, donors),
		Ours: ours, Baseline: baseline, Unit: "s", Goal: "issue 26: in make bench"}}, nil
}
