package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"
)

// Exports are the long downloads (a year's statements zip, a large
// receipts report, the payouts report) made by a background job rather
// than inside one request: a request that long is cut by proxies, shows
// no progress, and cannot take back a 200 already sent when it fails
// halfway. The file is written into the database in chunks, so every
// instance can serve it, and is kept for ExportKeep.

// Export kinds.
const (
	ExportStatements = "statements"
	ExportReceipts   = "receipts"
	ExportPayouts    = "payouts"
	ExportDonorFile  = "donor_file" // a donor's own data, for them (data rights)
)

// DonorFileExport is the export of one donor's file.
func DonorFileExport(donorID string) Export {
	return Export{Kind: ExportDonorFile, Params: "donor=" + donorID, Label: "A donor's file",
		FileName: "my-data.zip", ContentType: "application/zip"}
}

// Export states.
const (
	ExportQueued  = "queued"
	ExportRunning = "running"
	ExportDone    = "done"
	ExportFailed  = "failed"
	ExportExpired = "expired" // the file was removed after ExportKeep
)

// ExportKeep is how long a finished file is kept.
const ExportKeep = 7 * 24 * time.Hour

// ExportChunkSize is how much of a file one row holds: a 100 MB zip is
// 400 rows. Each pooled database connection keeps a write buffer as large
// as the largest message it has sent, so the chunk's size is paid once
// per connection: with 1 MiB chunks the statements job's peak RSS in
// make bench was 130.9 MB, with 256 KiB 118.6 MB.
const ExportChunkSize = 256 << 10

// Export is one long download and how far it has got.
type Export struct {
	ID          string
	Kind        string
	Params      string // what it covers, in the form the job reads: "2026", "2026-01-01..2026-04-01"
	Label       string // what the page calls it: "Statements for fiscal year 2026"
	FileName    string
	ContentType string
	Status      string
	Done, Total int64
	Attempt     int // the job's attempt writing it now; older attempts' writes are refused
	Size        int64
	Error       string // why the last attempt failed, in words for staff
	RequestedBy string
	CreatedAt   time.Time
	StartedAt   *time.Time
	FinishedAt  *time.Time
	ExpiresAt   *time.Time
	UpdatedAt   time.Time
}

// StartExport records an export and queues its job, in one transaction
// with the audit row. If the same kind and params are already queued or
// running, it starts nothing and returns that one (shared is true): two
// people asking for the same year at once share one job.
func (s *Store) StartExport(ctx context.Context, by Actor, e Export) (out *Export, shared bool, err error) {
	if s.queue == nil {
		return nil, false, errors.New("exports: no job queue")
	}
	err = s.transaction(ctx, func(tx *Tx) error {
		row := Export{ID: uuid.NewString(), Kind: e.Kind, Params: e.Params, Label: e.Label, FileName: e.FileName,
			ContentType: e.ContentType, Status: ExportQueued, RequestedBy: by.Email, CreatedAt: tx.now, UpdatedAt: tx.now}
		// The partial unique index on (kind, params) over queued and
		// running exports makes a concurrent second start do nothing.
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var running Export
			if err := tx.Where("kind = ? AND params = ? AND status IN ?", e.Kind, e.Params, []string{ExportQueued, ExportRunning}).
				Take(&running).Error; err != nil {
				return err
			}
			out, shared = &running, true
			return s.audit(tx, by, "joined report", fmt.Sprintf("%s (export %s)", running.Label, running.ID))
		}
		jobTx, err := tx.jobTx()
		if err != nil {
			return err
		}
		if err := s.queue.EnqueueExportTx(ctx, jobTx, row.ID); err != nil {
			return err
		}
		out = &row
		return s.audit(tx, by, "started report", fmt.Sprintf("%s (export %s)", row.Label, row.ID))
	})
	return out, shared, wrap(err, "exports: start %s %s", e.Kind, e.Params)
}

// ExportByID reads one export.
func (s *Store) ExportByID(ctx context.Context, id string) (*Export, error) {
	var e Export
	if _, err := uuid.Parse(id); err != nil {
		return nil, fmt.Errorf("export %q: %w", id, ErrNotFound)
	}
	return &e, wrap(s.db.WithContext(ctx).Take(&e, "id = ?", id).Error, "exports: read %s", id)
}

// RecentExports lists the newest exports, for the reports page.
func (s *Store) RecentExports(ctx context.Context, limit int) ([]Export, error) {
	var out []Export
	// A donor's own file is theirs: staff never list it (they take a
	// donor's file from the donor's page, audited).
	return out, wrap(s.db.WithContext(ctx).Where("kind <> ?", ExportDonorFile).Order("created_at DESC").Limit(limit).Find(&out).Error, "exports: list")
}

// ExportCounts counts the exports in each state.
func (s *Store) ExportCounts(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := s.db.WithContext(ctx).Model(&Export{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, wrap(err, "exports: count")
}

// BeginExport claims an export for attempt: it throws away whatever an
// earlier attempt wrote and starts the count again. It returns false
// when there is nothing to do (the export is finished or gone).
func (s *Store) BeginExport(ctx context.Context, id string, attempt int) (*Export, bool, error) {
	var e Export
	var ok bool
	err := s.transaction(ctx, func(tx *Tx) error {
		res := tx.Model(&Export{}).Where("id = ? AND status IN ?", id, []string{ExportQueued, ExportRunning}).
			Updates(map[string]any{"status": ExportRunning, "attempt": attempt, "done": 0, "total": 0, "size": 0,
				"started_at": tx.now, "updated_at": tx.now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		if err := tx.Exec("DELETE FROM export_chunks WHERE export_id = ?", id).Error; err != nil {
			return err
		}
		ok = true
		return tx.Take(&e, "id = ?", id).Error
	})
	return &e, ok, wrap(err, "exports: begin %s", id)
}

// ExportProgress records how far attempt has got. It fails with
// ErrConflict when another attempt has taken the export over.
func (s *Store) ExportProgress(ctx context.Context, id string, attempt int, done, total int64) error {
	res := s.db.WithContext(ctx).Model(&Export{}).Where("id = ? AND attempt = ? AND status = ?", id, attempt, ExportRunning).
		Updates(map[string]any{"done": done, "total": total, "updated_at": s.now().UTC()})
	if res.Error != nil {
		return wrap(res.Error, "exports: progress of %s", id)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("exports: %s is no longer attempt %d's: %w", id, attempt, ErrConflict)
	}
	return nil
}

// ExportRetrying notes why an attempt failed while another will follow.
func (s *Store) ExportRetrying(ctx context.Context, id string, attempt int, reason string) error {
	return wrap(s.db.WithContext(ctx).Model(&Export{}).Where("id = ? AND attempt = ? AND status = ?", id, attempt, ExportRunning).
		Updates(map[string]any{"error": reason, "updated_at": s.now().UTC()}).Error, "exports: note a retry of %s", id)
}

// FailExport marks an export failed for good: its partial file is
// removed, so nothing half written can be downloaded.
func (s *Store) FailExport(ctx context.Context, id string, attempt int, reason string) error {
	return wrap(s.transaction(ctx, func(tx *Tx) error {
		res := tx.Model(&Export{}).Where("id = ? AND attempt = ? AND status IN ?", id, attempt, []string{ExportQueued, ExportRunning}).
			Updates(map[string]any{"status": ExportFailed, "error": reason, "finished_at": tx.now, "updated_at": tx.now, "size": 0})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return tx.Exec("DELETE FROM export_chunks WHERE export_id = ?", id).Error
	}), "exports: fail %s", id)
}

// ExportWriter buffers a file and writes it into the database a chunk at a
// time, for one attempt. Finish makes the file downloadable.
//
// One chunk is stored while the next fills: the statements job's zip
// writer sat idle for each chunk's INSERT (2 to 7 ms per 256 KiB), and
// its workers with it once their window of finished statements was full.
// At most one store is in flight, so chunks still land in order, each
// checked against the attempt, and memory is two chunks.
type ExportWriter struct {
	s        *Store
	ctx      context.Context
	id       string
	attempt  int
	buf      []byte
	spare    []byte     // the chunk in flight, free again once its store returns
	inflight chan error // the store in flight's result; nil when none is
	seq      int
	size     int64
}

// NewExportWriter writes the file of export id for attempt.
func (s *Store) NewExportWriter(ctx context.Context, id string, attempt int) *ExportWriter {
	return &ExportWriter{s: s, ctx: ctx, id: id, attempt: attempt, buf: make([]byte, 0, ExportChunkSize)}
}

func (w *ExportWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), ExportChunkSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(w.buf) == ExportChunkSize {
			if err := w.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// flush waits for the chunk in flight, then starts storing the buffered
// one and takes the free buffer to fill next.
func (w *ExportWriter) flush() error {
	if err := w.wait(); err != nil {
		return err
	}
	if len(w.buf) == 0 {
		return nil
	}
	data, seq := w.buf, w.seq
	done := make(chan error, 1)
	go func() { done <- w.store(seq, data) }()
	w.inflight = done
	w.size += int64(len(data))
	w.seq++
	if w.spare == nil {
		w.spare = make([]byte, 0, ExportChunkSize)
	}
	w.buf, w.spare = w.spare[:0], data
	return nil
}

// wait returns the result of the store in flight, if one is.
func (w *ExportWriter) wait() error {
	if w.inflight == nil {
		return nil
	}
	err := <-w.inflight
	w.inflight = nil
	return err
}

// store writes chunk seq, only while the export is still this attempt's:
// a stalled attempt that wakes after another took over cannot mix its
// bytes into the file.
func (w *ExportWriter) store(seq int, data []byte) error {
	// On Postgres the export's row is locked for share, so a store and
	// the next attempt's BeginExport go one after the other: without it,
	// a store that read the row before that BeginExport committed could
	// add its chunk after the DELETE that clears the file. (SQLite runs
	// one writer at a time already.)
	lock := ""
	if w.s.dialect == DialectPostgres {
		lock = " FOR SHARE"
	}
	res := w.s.db.WithContext(w.ctx).Exec(`INSERT INTO export_chunks (export_id, seq, data)
		SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM exports WHERE id = ? AND attempt = ? AND status = ?`+lock+`)`,
		w.id, seq, data, w.id, w.attempt, ExportRunning)
	if res.Error != nil {
		return wrap(res.Error, "exports: write chunk %d of %s", seq, w.id)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("exports: %s is no longer attempt %d's: %w", w.id, w.attempt, ErrConflict)
	}
	return nil
}

// Close waits for the chunk in flight, if any, and drops the rest. An
// attempt that fails calls it before the export is retried or failed, so
// that no write of this attempt is still under way when the next begins.
func (w *ExportWriter) Close() {
	_ = w.wait()
	w.buf = w.buf[:0]
}

// Finish writes the last chunk and marks the export done, with its final
// count, in one step: until then the page shows it running.
func (w *ExportWriter) Finish(done, total int64) error {
	if err := w.flush(); err != nil {
		return err
	}
	if err := w.wait(); err != nil {
		return err
	}
	return wrap(w.s.transaction(w.ctx, func(tx *Tx) error {
		res := tx.Model(&Export{}).Where("id = ? AND attempt = ? AND status = ?", w.id, w.attempt, ExportRunning).
			Updates(map[string]any{"status": ExportDone, "done": done, "total": total, "size": w.size, "error": "",
				"finished_at": tx.now, "expires_at": tx.now.Add(ExportKeep), "updated_at": tx.now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("no longer attempt %d's: %w", w.attempt, ErrConflict)
		}
		return w.s.tellDonorFileReady(tx, w.id)
	}), "exports: finish %s", w.id)
}

// WriteExportFile copies a finished export's file to out, a chunk at a
// time, so a large file never sits whole in memory.
func (s *Store) WriteExportFile(ctx context.Context, e *Export, out io.Writer) error {
	if e.Status != ExportDone {
		return fmt.Errorf("export %s is %s: %w", e.ID, e.Status, ErrConflict)
	}
	var written int64
	for seq := 0; ; seq++ {
		var data []byte
		err := s.db.WithContext(ctx).Raw("SELECT data FROM export_chunks WHERE export_id = ? AND seq = ?", e.ID, seq).Row().Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return wrap(err, "exports: read chunk %d of %s", seq, e.ID)
		}
		if _, err := out.Write(data); err != nil {
			return err
		}
		written += int64(len(data))
	}
	if written != e.Size {
		return fmt.Errorf("exports: %s holds %d bytes, %d expected", e.ID, written, e.Size)
	}
	return nil
}

// ExpireExports removes the files of exports finished more than
// ExportKeep ago (the rows stay, as the history of what was made).
func (s *Store) ExpireExports(ctx context.Context) (int, error) {
	var n int
	err := s.transaction(ctx, func(tx *Tx) error {
		var ids []string
		if err := tx.Model(&Export{}).Where("status = ? AND expires_at < ?", ExportDone, tx.now).Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Exec("DELETE FROM export_chunks WHERE export_id IN ?", ids).Error; err != nil {
			return err
		}
		n = len(ids)
		return tx.Model(&Export{}).Where("id IN ?", ids).Updates(map[string]any{"status": ExportExpired, "updated_at": tx.now}).Error
	})
	return n, wrap(err, "exports: expire")
}

// Elapsed is how long the export has been running, or ran.
func (e *Export) Elapsed(now time.Time) time.Duration {
	if e.StartedAt == nil {
		return 0
	}
	end := now
	if e.FinishedAt != nil {
		end = *e.FinishedAt
	}
	return end.Sub(*e.StartedAt)
}

// Remaining estimates the time left from the rate so far; false until
// there is a rate to go by.
func (e *Export) Remaining(now time.Time) (time.Duration, bool) {
	if e.Status != ExportRunning || e.Done <= 0 || e.Total <= e.Done {
		return 0, false
	}
	el := e.Elapsed(now)
	if el <= 0 {
		return 0, false
	}
	per := el / time.Duration(e.Done)
	return per * time.Duration(e.Total-e.Done), true
}

// tellDonorFileReady emails a donor the link to their file, once, in the
// transaction that finishes it: the file is never ready unannounced.
func (s *Store) tellDonorFileReady(tx *Tx, exportID string) error {
	var e Export
	if err := tx.Where("id = ?", exportID).Take(&e).Error; err != nil {
		return err
	}
	donorID, ok := strings.CutPrefix(e.Params, "donor=")
	if e.Kind != ExportDonorFile || !ok {
		return nil
	}
	var d Donor
	if err := tx.Where("id = ?", donorID).Take(&d).Error; err != nil {
		return err
	}
	return s.queueEmail(tx, EmailMessage{DedupeKey: "data_ready:" + exportID, Kind: EmailDataReady, ToAddress: d.Email,
		DonorID: &d.ID, Link: "/account/data/exports/" + exportID})
}
