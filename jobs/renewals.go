package jobs

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"
)

// RenewalStore queues the renewal notices that are due.
type RenewalStore interface {
	QueueRenewalNotices(ctx context.Context, days int) (int, error)
	QueueYearReminders(ctx context.Context, days int) (int, error)
}

// RenewalArgs is the periodic look for yearly memberships due a notice
// and, with Monthly, monthly ones due their yearly reminder.
type RenewalArgs struct {
	Days    int  `json:"days"`
	Monthly bool `json:"monthly,omitempty"`
}

// Kind names the job in River's table.
func (RenewalArgs) Kind() string { return "renewal_notices" }

type renewalWorker struct {
	river.WorkerDefaults[RenewalArgs]
	store RenewalStore
	log   *slog.Logger
}

func (w *renewalWorker) Work(ctx context.Context, job *river.Job[RenewalArgs]) error {
	n, err := w.store.QueueRenewalNotices(ctx, job.Args.Days)
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.Info("renewal notices queued", "count", n, "days_ahead", job.Args.Days)
	}
	if !job.Args.Monthly {
		return nil
	}
	if n, err = w.store.QueueYearReminders(ctx, job.Args.Days); err != nil {
		return err
	}
	if n > 0 {
		w.log.Info("yearly reminders queued", "count", n, "days_ahead", job.Args.Days)
	}
	return nil
}
