package jobs_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestStoppedExportIsHandedOn: a server that stops (SIGTERM, a deploy)
// while an export runs cancels it once its grace is over; the export
// notes why, and the next runner on the database finishes it, once.
func TestStoppedExportIsHandedOn(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		const donors = 300
		store, _, _ := openStore(t, db)
		ctx := context.Background()
		at := time.Now().UTC()
		payGifts(t, store, "stop", donors, at)
		runner := func() *jobs.Runner { return startExportRunner(t, store) }
		first := runner()
		e, _, err := store.StartExport(ctx, models.CommandLine, models.Export{Kind: models.ExportStatements, Params: fmt.Sprintf("year=%d", at.Year()),
			Label: "Statements", FileName: "statements.zip", ContentType: "application/zip"})
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			got, err := store.ExportByID(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == models.ExportRunning && got.Done > 0 {
				break
			}
			if got.Status == models.ExportDone || time.Now().After(deadline) {
				t.Fatalf("could not catch the export running: %+v", got)
			}
		}
		// A grace too short for the export: the runner cancels it.
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		_ = first.Stop(stopCtx) // its error says the grace ran out, as it did
		cancel()
		got, _ := store.ExportByID(ctx, e.ID)
		if got.Status != models.ExportRunning || !strings.Contains(got.Error, "interrupted") || !strings.Contains(got.Error, "Trying again.") {
			t.Fatalf("after the stop: %s %q", got.Status, got.Error)
		}

		second := runner()
		defer second.Stop(ctx)
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			got, err = store.ExportByID(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == models.ExportDone {
				break
			}
			if got.Status == models.ExportFailed || time.Now().After(deadline) {
				t.Fatalf("the next runner did not finish it: %+v", got)
			}
		}
		// The stop did not count as a failed attempt: the job completed on
		// what River still calls its first, with no error recorded.
		var state string
		var attempt int
		var errs *string
		for deadline := time.Now().Add(15 * time.Second); state != "completed" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			// The engine records the completion just after the work returns.
			if err := store.SQL().QueryRow("SELECT state, attempt, CAST(errors AS TEXT) FROM river_job WHERE kind = 'export'").Scan(&state, &attempt, &errs); err != nil {
				t.Fatal(err)
			}
		}
		if state != "completed" || attempt != 1 || errs != nil || got.Done != donors || got.Error != "" {
			t.Fatalf("finished: job %s attempt %d errors %v; export %d done, error %q", state, attempt, errs, got.Done, got.Error)
		}
		var file bytes.Buffer
		if err := store.WriteExportFile(ctx, got, &file); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(file.Bytes()), int64(file.Len()))
		if err != nil || len(zr.File) != donors {
			t.Fatalf("the zip: %v, %d files", err, len(zr.File))
		}
	})
}

// TestReceiptsExportJobWritesAsItReads: the receipts report as a job
// writes its progress (and its file, a chunk at a time) while it reads
// the year. On the embedded database, whose one connection a cursor
// held, that waited for ever; the year is now read a page at a time.
func TestReceiptsExportJobWritesAsItReads(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		const receipts = 1200 // more than two pages
		store, _, _ := openStore(t, db)
		ctx := context.Background()
		at := time.Now().UTC()
		payGifts(t, store, "csv", receipts, at)
		r := startExportRunner(t, store)
		defer r.Stop(ctx)
		e, _, err := store.StartExport(ctx, models.CommandLine, models.Export{Kind: models.ExportReceipts, Params: fmt.Sprintf("year=%d", at.Year()),
			Label: "Receipts", FileName: "receipts.csv", ContentType: "text/csv"})
		if err != nil {
			t.Fatal(err)
		}
		var got *models.Export
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if got, err = store.ExportByID(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
			if got.Status == models.ExportDone {
				break
			}
			if got.Status == models.ExportFailed || time.Now().After(deadline) {
				t.Fatalf("the export did not finish: %+v", got)
			}
		}
		var file bytes.Buffer
		if err := store.WriteExportFile(ctx, got, &file); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(file.String(), "\n"), "\n")
		if got.Done != receipts || len(lines) != receipts+1 {
			t.Fatalf("%d counted, %d lines, for %d receipts", got.Done, len(lines), receipts)
		}
		// In number order, across the pages, each once.
		for i, line := range lines[1:] {
			if want := fmt.Sprintf("%d-%06d,", at.Year(), i+1); !strings.HasPrefix(line, want) {
				t.Fatalf("line %d: %q, want it to start %q", i+1, line, want)
			}
		}
	})
}

// payGifts records n paid gifts at at, from n donors, ids starting with
// prefix.
func payGifts(t *testing.T, store *models.Store, prefix string, n int, at time.Time) {
	t.Helper()
	for i := 0; i < n; i++ {
		_, err := store.ApplyEvent(context.Background(),
			models.EventRecord{ID: fmt.Sprintf("evt_%s_%d", prefix, i), Type: "checkout.session.completed", APIVersion: "2023-10-16", Created: at},
			models.CheckoutPaid{CheckoutPayment: models.CheckoutPayment{
				SessionID: fmt.Sprintf("cs_%s_%d", prefix, i), PaymentIntentID: fmt.Sprintf("pi_%s_%d", prefix, i), AmountTotal: 1000 + int64(i), Currency: "usd",
				Email: fmt.Sprintf("d%d@example.com", i), Name: fmt.Sprintf("Donor %d", i), At: at}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// startExportRunner starts a job runner for store's exports, attached as
// its queue. Its count is written every millisecond, so a test sees an
// export running well before a few hundred statements are done (a
// quarter of a second on SQLite).
func startExportRunner(t *testing.T, store *models.Store) *jobs.Runner {
	t.Helper()
	r, err := jobs.NewRunner(store, jobs.Options{Logger: slog.New(slog.DiscardHandler), FetchPoll: 100 * time.Millisecond,
		Exports: &jobs.Exports{Store: store, Docs: documents.New("http://localhost", time.UTC), Org: models.Org{Name: "The Ledger"}, Location: time.UTC,
			ProgressEvery: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	store.UseQueue(r)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}
