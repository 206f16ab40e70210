package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/reports"
)

// Exports are what the export jobs need: the store that holds their
// files, and what they render with.
type Exports struct {
	Store    *models.Store
	Docs     *documents.Renderer
	Org      models.Org
	Location *time.Location
	// ProgressEvery is how often a running export writes its count (0:
	// every 250 ms, often enough for a page polling every second, rarely
	// enough to cost nothing).
	ProgressEvery time.Duration
}

// ExportArgs is the job that makes one export's file.
type ExportArgs struct {
	ExportID string `json:"export_id"`
}

// Kind names the job in River's table.
func (ExportArgs) Kind() string { return "export" }

// ExpireExportsArgs is the periodic removal of files past their keep.
type ExpireExportsArgs struct{}

// Kind names the job in River's table.
func (ExpireExportsArgs) Kind() string { return "expire_exports" }

// exportAttempts: a failure is tried again twice (a deploy in the middle,
// a dropped database connection) before the page says it failed.
const exportAttempts = 3

// progressEvery is ProgressEvery's default.
const progressEvery = 250 * time.Millisecond

type exportWorker struct {
	river.WorkerDefaults[ExportArgs]
	x       Exports
	log     *slog.Logger
	timeout time.Duration
}

// Timeout is under the engine's rescue time, so a live export is never
// taken for a dead one and started a second time beside itself.
func (w *exportWorker) Timeout(*river.Job[ExportArgs]) time.Duration { return w.timeout }

func (w *exportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	id, attempt := job.Args.ExportID, job.Attempt
	e, ok, err := w.x.Store.BeginExport(ctx, id, attempt)
	if err != nil || !ok {
		return err // !ok: finished, failed for good, or gone: nothing to do
	}
	log := w.log.With("export", id, "kind", e.Kind, "attempt", attempt, "job", job.ID)
	log.Info("export started", "params", e.Params)
	p := &progress{store: w.x.Store, id: id, attempt: attempt, every: w.x.ProgressEvery}
	if p.every <= 0 {
		p.every = progressEvery
	}
	out := w.x.Store.NewExportWriter(ctx, id, attempt)
	err = w.produce(ctx, e, out, p)
	if err == nil {
		err = step("storing the file", out.Finish(p.done, p.total))
	} else {
		out.Close()
	}
	if err == nil {
		log.Info("export done", "count", p.done)
		return nil
	}
	reason := w.reason(ctx, err, job)
	log.Error("export failed", "err", err, "reason", reason)
	var bad badParams
	// A stop (SIGTERM, a deploy) is not the export's fault: River puts a
	// job its own shutdown cancelled back in the queue without counting
	// the attempt (its next run has this attempt's number again, which is
	// safe: this run has ended by then), if it gets the cancellation back.
	interrupted := ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded)
	final := !interrupted && (attempt >= job.MaxAttempts || errors.As(err, &bad))
	// The page's words are written with a fresh context: ctx may be the
	// one that timed out or was cancelled by a shutdown.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if final {
		if ferr := w.x.Store.FailExport(wctx, id, attempt, reason); ferr != nil {
			return errors.Join(err, ferr)
		}
		return river.JobCancel(err)
	}
	if rerr := w.x.Store.ExportRetrying(wctx, id, attempt, reason+" Trying again."); rerr != nil {
		log.Error("noting the retry", "err", rerr)
	}
	if interrupted {
		return errors.Join(err, context.Cause(ctx))
	}
	return err
}

// produce writes the file of e's kind.
func (w *exportWorker) produce(ctx context.Context, e *models.Export, out *models.ExportWriter, p *progress) error {
	params, err := url.ParseQuery(e.Params)
	if err != nil {
		return badParams{err}
	}
	switch e.Kind {
	case models.ExportStatements:
		fy, err := strconv.Atoi(params.Get("year"))
		if err != nil {
			return badParams{err}
		}
		donors, err := w.x.Store.DonorsWithReceipts(ctx, fy)
		if err != nil {
			return step("reading the donors of the year", err)
		}
		if err := p.setTotal(ctx, int64(len(donors))); err != nil {
			return step("recording progress", err)
		}
		return step("making the statements", w.x.Docs.WriteStatementsZip(ctx, out, w.x.Store, w.x.Org, donors, fy,
			func() error { return p.add(ctx) }))
	case models.ExportReceipts:
		period, _, err := reports.ParsePeriod(params.Get("year"), params.Get("from"), params.Get("to"), w.x.Location)
		if err != nil {
			return badParams{err}
		}
		n, err := w.x.Store.CountReceipts(ctx, period)
		if err != nil {
			return step("counting the receipts", err)
		}
		if err := p.setTotal(ctx, n); err != nil {
			return step("recording progress", err)
		}
		src := reports.CountedReceipts(w.x.Store, func() error { return p.add(ctx) })
		return step("writing the receipts", reports.WriteReceiptsCSV(ctx, out, src, period, w.x.Location))
	case models.ExportPayouts:
		period, _, err := reports.ParsePeriod("", params.Get("from"), params.Get("to"), w.x.Location)
		if err != nil {
			return badParams{err}
		}
		return step("writing the payouts", reports.WritePayoutsCSV(ctx, out, w.x.Store, period.From, period.To, w.x.Location,
			func(done, total int) error {
				if done == 0 {
					return p.setTotal(ctx, int64(total))
				}
				return p.add(ctx)
			}))
	case models.ExportDonorFile:
		f, err := w.x.Store.DonorFileOf(ctx, params.Get("donor"))
		if errors.Is(err, models.ErrNotFound) {
			return badParams{err}
		}
		if err != nil {
			return step("reading the donor's file", err)
		}
		if err := p.setTotal(ctx, 1); err != nil {
			return step("recording progress", err)
		}
		if err := w.x.Docs.WriteDonorFile(out, f); err != nil {
			return step("writing the donor's file", err)
		}
		return p.add(ctx)
	}
	return badParams{fmt.Errorf("unknown kind %q", e.Kind)}
}

// badParams is an export that can never succeed: it is not retried.
type badParams struct{ err error }

func (b badParams) Error() string { return "export parameters: " + b.err.Error() }
func (b badParams) Unwrap() error { return b.err }

// stepError names what an export was doing when it failed, in words for
// the staff member reading its page.
type stepError struct {
	what string
	err  error
}

func (s stepError) Error() string { return s.what + ": " + s.err.Error() }
func (s stepError) Unwrap() error { return s.err }

func step(what string, err error) error {
	if err == nil {
		return nil
	}
	var inner stepError
	if errors.As(err, &inner) {
		return err
	}
	return stepError{what, err}
}

// reason says why an attempt failed, for the export's page: what it was
// doing and a cause a person can act on. The underlying error can hold
// database text; it goes to the log only, under the job's id.
func (w *exportWorker) reason(ctx context.Context, err error, job *river.Job[ExportArgs]) string {
	what := "making the file"
	var s stepError
	if errors.As(err, &s) {
		what = s.what
	}
	var bad badParams
	switch {
	case errors.As(err, &bad):
		return "It cannot be made: its parameters are not valid (" + bad.err.Error() + ")."
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("It failed while %s: it ran longer than %s and was stopped.", what, w.timeout)
	case ctx.Err() != nil:
		return fmt.Sprintf("It was interrupted while %s (the server was stopping).", what)
	case errors.Is(err, models.ErrConflict):
		return "Another attempt took it over."
	}
	return fmt.Sprintf("It failed while %s. The server's log has the details under job %d.", what, job.ID)
}

// progress counts an export's items and writes the count now and then.
type progress struct {
	store       *models.Store
	id          string
	attempt     int
	done, total int64
	last        time.Time
	every       time.Duration
}

func (p *progress) setTotal(ctx context.Context, n int64) error {
	p.total = n
	p.last = time.Now()
	return p.store.ExportProgress(ctx, p.id, p.attempt, p.done, p.total)
}

func (p *progress) add(ctx context.Context) error {
	p.done++
	if time.Since(p.last) < p.every {
		return nil
	}
	p.last = time.Now()
	return p.store.ExportProgress(ctx, p.id, p.attempt, p.done, p.total)
}

type expireExportsWorker struct {
	river.WorkerDefaults[ExpireExportsArgs]
	store *models.Store
	log   *slog.Logger
}

func (w *expireExportsWorker) Work(ctx context.Context, _ *river.Job[ExpireExportsArgs]) error {
	n, err := w.store.ExpireExports(ctx)
	if n > 0 {
		w.log.Info("export files removed after their keep", "count", n, "keep", models.ExportKeep)
	}
	return err
}

// EnqueueExportTx queues the job that makes an export's file, inside the
// transaction that records the export.
func (r *Runner) EnqueueExportTx(ctx context.Context, tx models.JobTx, exportID string) error {
	return r.insertTx(ctx, tx, ExportArgs{ExportID: exportID}, &river.InsertOpts{MaxAttempts: exportAttempts})
}
