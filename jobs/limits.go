package jobs

import (
	"context"

	"github.com/riverqueue/river"
)

// LimitStore forgets the card-testing counters that no window reads any
// more, and the spent challenges that have expired.
type LimitStore interface {
	PruneLimits(ctx context.Context) error
}

// PruneLimitsArgs is the hourly clean-up of the front door's counters.
type PruneLimitsArgs struct{}

// Kind is the job's name in River's table.
func (PruneLimitsArgs) Kind() string { return "prune_limits" }

type pruneLimitsWorker struct {
	river.WorkerDefaults[PruneLimitsArgs]
	store LimitStore
}

func (w *pruneLimitsWorker) Work(ctx context.Context, _ *river.Job[PruneLimitsArgs]) error {
	return w.store.PruneLimits(ctx)
}
