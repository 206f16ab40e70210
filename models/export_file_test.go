package models_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// queued records the export jobs a store asks for; the other jobs are
// not this test's business.
type queued struct {
	mu      sync.Mutex
	exports []string
}

func (q *queued) EnqueueEmailTx(context.Context, models.JobTx, string) error  { return nil }
func (q *queued) EnqueueSignInTx(context.Context, models.JobTx, string) error { return nil }
func (q *queued) EnqueueFeesTx(context.Context, models.JobTx, string, string, string) error {
	return nil
}
func (q *queued) EnqueueDeliveryTx(context.Context, models.JobTx, string) error { return nil }
func (q *queued) EnqueueExportTx(_ context.Context, _ models.JobTx, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.exports = append(q.exports, id)
	return nil
}

// TestExportFileIsOneAttemptsAndExpires: a file is written in chunks by
// one attempt; a later attempt starts it again and the earlier one can no
// longer write or finish; the finished file reads back byte for byte and
// is removed after seven days, its row kept.
func TestExportFileIsOneAttemptsAndExpires(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		s := openStoreAt(t, db, "", clock)
		q := &queued{}
		s.UseQueue(q)
		by := models.Actor{Email: "fin@ledger.example", IP: "127.0.0.1"}
		e, shared, err := s.StartExport(ctx, by, models.Export{Kind: models.ExportStatements, Params: "year=2026",
			Label: "Statements for fiscal year 2026", FileName: "statements-2026.zip", ContentType: "application/zip"})
		if err != nil || shared || len(q.exports) != 1 || q.exports[0] != e.ID {
			t.Fatalf("start: %v shared=%v queued=%v", err, shared, q.exports)
		}
		again, shared, err := s.StartExport(ctx, by, models.Export{Kind: models.ExportStatements, Params: "year=2026",
			Label: "Statements for fiscal year 2026", FileName: "statements-2026.zip", ContentType: "application/zip"})
		if err != nil || !shared || again.ID != e.ID || len(q.exports) != 1 {
			t.Fatalf("second start while queued: %v shared=%v %s queued=%v", err, shared, again.ID, q.exports)
		}

		// Attempt 1 writes a chunk and a half, then stalls.
		if _, ok, err := s.BeginExport(ctx, e.ID, 1); err != nil || !ok {
			t.Fatalf("begin 1: %v %v", ok, err)
		}
		w1 := s.NewExportWriter(ctx, e.ID, 1)
		stale := bytes.Repeat([]byte("x"), models.ExportChunkSize*3/2)
		if _, err := w1.Write(stale); err != nil {
			t.Fatal(err)
		}
		// Attempt 2 (the engine rescued the job) starts the file again.
		if _, ok, err := s.BeginExport(ctx, e.ID, 2); err != nil || !ok {
			t.Fatalf("begin 2: %v %v", ok, err)
		}
		if _, err := w1.Write(stale); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("attempt 1 wrote after attempt 2 began: %v", err)
		}
		if err := s.ExportProgress(ctx, e.ID, 1, 5, 10); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("attempt 1 counted after attempt 2 began: %v", err)
		}
		w2 := s.NewExportWriter(ctx, e.ID, 2)
		want := make([]byte, models.ExportChunkSize*2+12345)
		for i := range want {
			want[i] = byte(i * 7)
		}
		if _, err := w2.Write(want[:1000]); err != nil {
			t.Fatal(err)
		}
		if _, err := w2.Write(want[1000:]); err != nil {
			t.Fatal(err)
		}
		if err := w1.Finish(10, 10); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("attempt 1 finished the file: %v", err)
		}
		if err := w2.Finish(7, 7); err != nil {
			t.Fatal(err)
		}
		got, err := s.ExportByID(ctx, e.ID)
		if err != nil || got.Status != models.ExportDone || got.Size != int64(len(want)) || got.Done != 7 || got.Attempt != 2 ||
			got.ExpiresAt == nil || !got.ExpiresAt.Equal(now.Add(models.ExportKeep)) {
			t.Fatalf("finished export: %+v %v", got, err)
		}
		var file bytes.Buffer
		if err := s.WriteExportFile(ctx, got, &file); err != nil || !bytes.Equal(file.Bytes(), want) {
			t.Fatalf("file read back: %d bytes of %d, %v", file.Len(), len(want), err)
		}
		// Finished, the same year starts a new export.
		next, shared, err := s.StartExport(ctx, by, models.Export{Kind: models.ExportStatements, Params: "year=2026",
			Label: "Statements for fiscal year 2026", FileName: "statements-2026.zip", ContentType: "application/zip"})
		if err != nil || shared || next.ID == e.ID {
			t.Fatalf("start after done: %v shared=%v", err, shared)
		}

		// Seven days on, the file goes; the row stays as history.
		mu.Lock()
		now = now.Add(models.ExportKeep - time.Minute)
		mu.Unlock()
		if n, err := s.ExpireExports(ctx); err != nil || n != 0 {
			t.Fatalf("expired early: %d %v", n, err)
		}
		mu.Lock()
		now = now.Add(2 * time.Minute)
		mu.Unlock()
		if n, err := s.ExpireExports(ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		got, _ = s.ExportByID(ctx, e.ID)
		var chunks int
		if err := s.SQL().QueryRow("SELECT COUNT(*) FROM export_chunks").Scan(&chunks); err != nil || chunks != 0 || got.Status != models.ExportExpired {
			t.Fatalf("after expiry: %s, %d chunks (%v)", got.Status, chunks, err)
		}
		if err := s.WriteExportFile(ctx, got, &file); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("an expired file was served: %v", err)
		}
		entries, _ := s.AuditLog(ctx, 10)
		var started, joined int
		for _, a := range entries {
			switch a.Action {
			case "started report":
				started++
			case "joined report":
				joined++
			}
		}
		if started != 2 || joined != 1 {
			t.Fatalf("audit: %d started, %d joined", started, joined)
		}
	})
}
