package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/models"
)

// FeesArgs asks Stripe for one payment's balance transaction: a Canadian
// receipt for a gift paid in another currency waits for the amount Stripe
// settled in CAD, and this fetches it as soon as the payment is recorded
// rather than at the next reconciliation.
type FeesArgs struct {
	GiftID          string `json:"gift_id"`
	PaymentIntentID string `json:"payment_intent_id"`
	ChargeID        string `json:"charge_id"`
}

// Kind names the job in River's table.
func (FeesArgs) Kind() string { return "fetch_payment_fees" }

type feesWorker struct {
	river.WorkerDefaults[FeesArgs]
	lister ingest.Lister
	store  ingest.ReconcileStore
}

// NextRetry: a balance transaction can lag its charge by a little; after
// the first tries, the hourly reconciliation looks again anyway.
func (w *feesWorker) NextRetry(job *river.Job[FeesArgs]) time.Time {
	return time.Now().Add(time.Duration(job.Attempt*job.Attempt) * time.Minute)
}

func (w *feesWorker) Work(ctx context.Context, job *river.Job[FeesArgs]) error {
	f, err := w.lister.PaymentFees(ctx, job.Args.PaymentIntentID, job.Args.ChargeID)
	if err != nil {
		return err
	}
	return w.store.RecordPaymentFees(ctx, job.Args.GiftID, f)
}

// EnqueueFeesTx inserts the job that fetches a payment's balance
// transaction inside the caller's transaction; without Stripe (demo mode)
// there is nothing to fetch and it inserts nothing.
func (r *Runner) EnqueueFeesTx(ctx context.Context, tx models.JobTx, giftID, paymentIntentID, chargeID string) error {
	if !r.fees {
		return nil
	}
	return r.insertTx(ctx, tx, FeesArgs{GiftID: giftID, PaymentIntentID: paymentIntentID, ChargeID: chargeID},
		&river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}})
}
