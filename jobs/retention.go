package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/indienews/donations/models"
)

// RetentionStore erases inactive donors and purges tax records whose
// time is up (*models.Store).
type RetentionStore interface {
	InactiveDonors(ctx context.Context, before time.Time, limit int) ([]models.Donor, error)
	StripeCustomersOf(ctx context.Context, donorID string) ([]string, error)
	EraseDonor(ctx context.Context, donorID string, by models.Actor, reference string) (*models.Erasure, error)
	PurgeExpired(ctx context.Context) (receipts, declarations int, err error)
}

// CustomerDeleter deletes a Stripe customer (payments.Gateway).
type CustomerDeleter interface {
	DeleteCustomer(ctx context.Context, customerID string) error
}

// RetentionArgs is the nightly retention run.
type RetentionArgs struct{}

// Kind is the job's name in River's table.
func (RetentionArgs) Kind() string { return "retention" }

// retentionActor is who the audit log says erased an inactive donor.
var retentionActor = models.Actor{Email: "retention job"}

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	store     RetentionStore
	customers CustomerDeleter // nil: no Stripe to tell
	years     int             // erase donors inactive this long (0: never)
	now       func() time.Time
	log       *slog.Logger
}

func (w *retentionWorker) Timeout(*river.Job[RetentionArgs]) time.Duration { return 20 * time.Minute }

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	if w.years > 0 {
		before := w.now().AddDate(-w.years, 0, 0)
		for {
			ds, err := w.store.InactiveDonors(ctx, before, 200)
			if err != nil {
				return err
			}
			if len(ds) == 0 {
				break
			}
			for _, d := range ds {
				if w.customers != nil {
					ids, err := w.store.StripeCustomersOf(ctx, d.ID)
					if err != nil {
						return err
					}
					for _, id := range ids {
						if err := w.customers.DeleteCustomer(ctx, id); err != nil {
							return err // River retries; what was erased stays erased
						}
					}
				}
				e, err := w.store.EraseDonor(ctx, d.ID, retentionActor, fmt.Sprintf("no gift since %s (%d years)", before.Format("2006-01-02"), w.years))
				if err != nil {
					return err
				}
				w.log.Info("retention: erased an inactive donor", "donor", e.Name)
			}
		}
	}
	receipts, decls, err := w.store.PurgeExpired(ctx)
	if err != nil {
		return err
	}
	if receipts+decls > 0 {
		w.log.Info("retention: purged tax records past their time", "receipts", receipts, "declarations", decls)
	}
	return nil
}
