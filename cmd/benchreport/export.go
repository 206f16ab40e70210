package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/indienews/donations/models"
)

// countingWriter counts bytes and lines without keeping them.
type countingWriter struct{ bytes, lines int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// runMeasured runs cmd and returns its wall time and peak RSS in MB. The
// peak is read from /proc (VmHWM) while it runs: wait4's ru_maxrss would
// count the parent's memory shared at fork.
func runMeasured(cmd *exec.Cmd) (time.Duration, float64, error) {
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	peak := watchPeak(cmd.Process.Pid)
	err := cmd.Wait()
	return time.Since(start), peak(), err
}

// watchPeak reads a process's peak RSS (VmHWM, in MB) every 5 ms until the
// returned function is called, which gives the highest figure seen.
func watchPeak(pid int) func() float64 {
	var peak float64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			if v, err := procMB(pid, "VmHWM:"); err == nil && v > peak {
				peak = v
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() float64 {
		close(done)
		<-stopped
		return peak
	}
}

// waitReady polls url's /readyz every poll until it answers 200.
func waitReady(base string, poll, within time.Duration) error {
	for start := time.Now(); time.Since(start) < within; time.Sleep(poll) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
	}
	return fmt.Errorf("%s never ready", base)
}

// benchExport: the receipts CSV of a seeded fiscal year through
// `donations receipts export`, against Postgres's own COPY of the same
// columns through psql.
func benchExport(ctx context.Context, pg, bin string, sz sizes) ([]row, error) {
	store, dbURL, schema, drop, err := freshStore(ctx, pg)
	if err != nil {
		return nil, err
	}
	defer drop()
	if err := seedReceipts(ctx, store, sz.Receipts, 2026); err != nil {
		store.Close()
		return nil, err
	}
	// A staff session for the HTTP download, made as signing in makes it.
	if _, err := store.AddStaff(ctx, "bench@example.org", "a bench password only", models.RoleAdmin, models.CommandLine); err != nil {
		store.Close()
		return nil, err
	}
	session, _, err := store.StaffSignIn(ctx, "bench@example.org", "a bench password only", "127.0.0.1")
	store.Close()
	if err != nil {
		return nil, err
	}

	var ours countingWriter
	cmd := exec.CommandContext(ctx, bin, "receipts", "export", "--year", "2026")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=error")
	cmd.Stdout, cmd.Stderr = &ours, io.Discard
	oursTime, oursRSS, err := runMeasured(cmd)
	if err != nil {
		return nil, fmt.Errorf("donations receipts export: %w", err)
	}
	if ours.lines != int64(sz.Receipts)+1 {
		return nil, fmt.Errorf("export wrote %d lines for %d receipts", ours.lines, sz.Receipts)
	}

	base := strings.Split(pg, "?")[0]
	// The report's 34 columns in its order, amounts in major units, times
	// in RFC 3339: what COPY gives for the same file, less the formula
	// neutralising and per-receipt time zones it cannot do.
	ts := func(col string) string {
		return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
	}
	copySQL := fmt.Sprintf(`\copy (SELECT number, status, `+ts("issued_at")+`, `+ts("gift_date")+`, fiscal_year, donor_name, donor_email, `+
		`donor_address_line1, donor_address_city, donor_address_postal_code, donor_address_country, frequency, amount / 100.0, currency, `+
		`deductible_amount / 100.0, fee_covered / 100.0, benefit_value / 100.0, stripe_payment_id, replaces, void_reason, `+ts("voided_at")+`, `+
		`donor_address_line2, donor_address_state, CASE WHEN original_currency <> '' THEN original_amount / 100.0 END, original_currency, `+
		`exchange_rate, (amount - fee_covered) / 100.0, dedication_type, dedication_name, CASE WHEN anonymous THEN 'yes' ELSE 'no' END, `+
		`CASE WHEN method IN ('', 'stripe') THEN 'card' ELSE method END, method_reference, description, appraiser FROM %s.receipts `+
		`WHERE fiscal_year = 2026 ORDER BY sequence) TO STDOUT WITH CSV HEADER`, schema)
	var theirs countingWriter
	psql := exec.CommandContext(ctx, "psql", "-X", "-q", "-d", base, "-c", copySQL)
	psql.Stdout, psql.Stderr = &theirs, os.Stderr
	copyTime, copyRSS, err := runMeasured(psql)
	if err != nil {
		return nil, fmt.Errorf("psql COPY: %w", err)
	}
	httpTime, httpRSS, httpLines, err := exportOverHTTP(ctx, bin, dbURL, session)
	if err != nil {
		return nil, fmt.Errorf("export over HTTP: %w", err)
	}
	if httpLines != int64(sz.Receipts)+1 {
		return nil, fmt.Errorf("HTTP export gave %d lines for %d receipts", httpLines, sz.Receipts)
	}
	n := float64(sz.Receipts)
	return []row{
		{Name: fmt.Sprintf("receipts export, %d rows (HTTP report vs psql COPY)", sz.Receipts), Ours: n / httpTime.Seconds(), Baseline: n / copyTime.Seconds(),
			Unit: "rows/s", Goal: "ratio ≥ 0.85 (issue 30)", HigherIsBetter: true},
		{Name: "HTTP report: the server's peak RSS", Ours: httpRSS, Baseline: copyRSS, Unit: "MB", Goal: "under 64 MB"},
		{Name: fmt.Sprintf("receipts export, %d rows (CLI vs psql COPY)", sz.Receipts), Ours: n / oursTime.Seconds(), Baseline: n / copyTime.Seconds(),
			Unit: "rows/s", Goal: "ratio ≥ 0.85 (issue 30)", HigherIsBetter: true},
		{Name: "receipts export peak RSS", Ours: oursRSS, Baseline: copyRSS, Unit: "MB", Goal: "under 64 MB"},
	}, nil
}

// exportOverHTTP runs `donations serve` on dbURL and downloads the year's
// receipts report as a signed-in staff member would, returning the
// download's time, the server's peak RSS and the lines received.
func exportOverHTTP(ctx context.Context, bin, dbURL, session string) (time.Duration, float64, int64, error) {
	var got countingWriter
	took, peak, err := downloadFromServer(ctx, bin, dbURL, session, "/admin/reports/receipts.csv?year=2026", &got)
	return took, peak, got.lines, err
}

// downloadFromServer runs `donations serve` on dbURL, downloads path with
// the staff session into w, and returns the download's time and the
// server's peak RSS.
func downloadFromServer(ctx context.Context, bin, dbURL, session, path string, w io.Writer) (time.Duration, float64, error) {
	srv, err := startServer(ctx, bin, dbURL)
	if err != nil {
		return 0, 0, err
	}
	defer srv.stop()
	base := srv.base
	peak := watchPeak(srv.cmd.Process.Pid)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	req.AddCookie(&http.Cookie{Name: "staff_session", Value: session})
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		peak()
		return 0, 0, err
	}
	_, err = io.Copy(w, resp.Body)
	resp.Body.Close()
	took, rss := time.Since(start), peak()
	if err != nil {
		return 0, 0, err
	}
	if resp.StatusCode != 200 {
		return 0, 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return took, rss, nil
}
