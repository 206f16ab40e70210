package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/outbound"
)

// DeliverArgs is the job that posts one event to one endpoint.
type DeliverArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind names the job in River's table.
func (DeliverArgs) Kind() string { return "deliver_event" }

// OutboundStore is what delivering events needs of the ledger.
type OutboundStore interface {
	OutboundAttemptByID(ctx context.Context, id string) (*models.OutboundAttempt, error)
	DeliveryWaits(ctx context.Context, d *models.OutboundDelivery) (bool, error)
	ClaimDelivery(ctx context.Context, id string) (bool, error)
	RecordDeliveryAttempt(ctx context.Context, id string, r models.DeliveryResult) error
}

// Outbound configures the delivery of events.
type Outbound struct {
	Store  OutboundStore
	Client *outbound.Client
	// Window is how long an event is retried before it is given up on
	// (0: three days).
	Window time.Duration
	// Backoff is the wait before retry n (0: exponential, from ten
	// seconds to twelve hours; tests shorten it).
	Backoff func(attempt int) time.Duration
}

// DefaultWindow is Outbound.Window's default.
const DefaultWindow = 72 * time.Hour

// backoff: 10 s, 30 s, 90 s, ... tripling up to 12 h, so about fourteen
// attempts fill the three days.
func backoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < 12*time.Hour; i++ {
		d *= 3
	}
	return min(d, 12*time.Hour)
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	o   Outbound
	now func() time.Time
	log *slog.Logger
}

// Timeout: one attempt is bounded by the client's ten seconds; the rest
// is the database.
func (w *deliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration { return 30 * time.Second }

func (w *deliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return w.now().Add(w.o.Backoff(job.Attempt))
}

// Work sends a delivery unless it is settled, its endpoint is disabled,
// or an earlier event of its donor to that endpoint is still on its way:
// then the job ends, and settling that earlier one queues this one again.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	if w.o.Store == nil || w.o.Client == nil {
		// A runner that does not deliver: the job waits for one that does
		// (snoozing spends no attempt).
		return river.JobSnooze(time.Hour)
	}
	a, err := w.o.Store.OutboundAttemptByID(ctx, job.Args.DeliveryID)
	if err != nil {
		return err
	}
	d := &a.Delivery
	if d.Status == models.DeliveryDelivered || d.Status == models.DeliveryFailed || a.Endpoint.Status != models.EndpointActive {
		return nil
	}
	if waits, err := w.o.Store.DeliveryWaits(ctx, d); err != nil || waits {
		return err
	}
	if claimed, err := w.o.Store.ClaimDelivery(ctx, d.ID); err != nil {
		return err
	} else if !claimed {
		// Another worker holds it, or held it and died (a SIGKILL mid-send):
		// look again once its claim has gone stale, never drop it.
		return river.JobSnooze(models.DeliveryGrace)
	}
	now := w.now()
	res, sendErr := w.o.Client.Send(ctx, outbound.Delivery{URL: a.Endpoint.URL, ID: a.Event.ID, At: now,
		Body: []byte(a.Event.Payload), Secrets: a.Endpoint.Secrets(now)})
	r := models.DeliveryResult{StatusCode: res.StatusCode, Delivered: sendErr == nil && res.OK()}
	log := w.log.With("delivery_id", d.ID, "event_id", a.Event.ID, "type", a.Event.Type, "endpoint_id", a.Endpoint.ID)
	if !r.Delivered {
		switch {
		case sendErr != nil:
			r.Error = sendErr.Error()
		default:
			r.Error = fmt.Sprintf("answered %d: %.200s", res.StatusCode, res.Body)
		}
		// A refused address will not become allowed by waiting.
		r.GiveUp = now.Sub(a.Event.CreatedAt) >= w.o.Window || errors.Is(sendErr, outbound.ErrRefused)
	}
	if err := w.o.Store.RecordDeliveryAttempt(context.WithoutCancel(ctx), d.ID, r); err != nil {
		// Left claimed: after models.DeliveryGrace a retry may send it
		// again, which at-least-once allows.
		log.Error("recording a delivery attempt", "err", err)
		return err
	}
	switch {
	case r.Delivered:
		log.Info("event delivered", "status", res.StatusCode, "took", res.Duration)
		return nil
	case r.GiveUp:
		log.Warn("event given up on", "attempt", job.Attempt, "err", r.Error)
		return nil
	}
	log.Warn("event not delivered; will retry", "attempt", job.Attempt, "err", r.Error)
	return errors.New(r.Error)
}

// deliverOpts: the window, not the count, ends the retries; the count is
// a backstop well past it. Deliveries have a queue of their own, so a
// burst of them (a drive's last hour) neither waits behind nor holds up
// receipt emails.
var deliverOpts = river.InsertOpts{MaxAttempts: 25, Queue: OutboundQueue}

// OutboundQueue is the River queue deliveries run on.
const OutboundQueue = "outbound"

// outboundWorkers: deliveries at once. Each waits mostly on the receiver
// (up to the client's ten seconds), so more than the cores.
const outboundWorkers = 8

// EnqueueDeliveryTx inserts a delivery's job inside the caller's
// transaction.
func (r *Runner) EnqueueDeliveryTx(ctx context.Context, tx models.JobTx, deliveryID string) error {
	opts := deliverOpts
	return r.insertTx(ctx, tx, DeliverArgs{DeliveryID: deliveryID}, &opts)
}
