package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/indienews/donations/models"
)

// BookStore checks the ledger and keeps the result (*models.Store).
type BookStore interface {
	CheckBooks(ctx context.Context) (*models.BookCheck, error)
	RecordBookCheck(ctx context.Context, c *models.BookCheck) error
}

// CheckBooksArgs is the nightly run of donations check.
type CheckBooksArgs struct{}

// Kind is the job's name in River's table.
func (CheckBooksArgs) Kind() string { return "check_books" }

type checkBooksWorker struct {
	river.WorkerDefaults[CheckBooksArgs]
	store BookStore
	log   *slog.Logger
}

// Timeout: reading every receipt of a large ledger takes a while.
func (w *checkBooksWorker) Timeout(*river.Job[CheckBooksArgs]) time.Duration { return 20 * time.Minute }

func (w *checkBooksWorker) Work(ctx context.Context, _ *river.Job[CheckBooksArgs]) error {
	c, err := w.store.CheckBooks(ctx)
	if err != nil {
		return err
	}
	for _, f := range c.Findings {
		w.log.Error("books check", "kind", f.Kind, "finding", f.Text)
	}
	if c.OK {
		w.log.Info("books check: nothing wrong", "summary", c.Summary)
	}
	return w.store.RecordBookCheck(ctx, c)
}

// nightly is a schedule: every day at hour o'clock in loc.
type nightly struct {
	hour int
	loc  *time.Location
}

func (n nightly) Next(t time.Time) time.Time {
	t = t.In(n.loc)
	next := time.Date(t.Year(), t.Month(), t.Day(), n.hour, 0, 0, 0, n.loc)
	if !next.After(t) {
		next = time.Date(t.Year(), t.Month(), t.Day()+1, n.hour, 0, 0, 0, n.loc)
	}
	return next
}
