// Package ingest is the one path every Stripe event takes into the ledger,
// whether it came by webhook, from the demo checkout or from a
// reconciliation: it refuses what the ledger must not hold and has the
// store record the event and apply its effect exactly once. What an event
// means is decided where Stripe's objects are read (payments); this
// package does no I/O of its own.
package ingest

import (
	"context"
	"fmt"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/payments"
)

// Store is what ingesting needs of the ledger.
type Store interface {
	ApplyEvent(ctx context.Context, ev models.EventRecord, effect models.Effect) (models.EventResult, error)
	EventRecorded(ctx context.Context, id string) (bool, error)
}

// Resolver retrieves the object of an event that came in another API
// version (a notice); payments.Gateway is one.
type Resolver interface {
	Resolve(ctx context.Context, ev payments.Event) (payments.Event, error)
}

// Apply records ev and its effect in one transaction. An event of another
// API version is first resolved: its object retrieved at ours; a failure
// there is payments.ErrGateway, which the webhook answers with a 5xx.
func Apply(ctx context.Context, store Store, resolver Resolver, ev payments.Event) (models.EventResult, error) {
	if ev.Notice != nil {
		// A redelivery need not cost a call to Stripe; one racing its twin
		// still finds the id taken inside ApplyEvent.
		known, err := store.EventRecorded(ctx, ev.ID)
		if err != nil {
			return models.EventResult{}, err
		}
		if known {
			return models.EventResult{Duplicate: true, Outcome: "duplicate"}, nil
		}
		if ev, err = resolver.Resolve(ctx, ev); err != nil {
			return models.EventResult{}, err
		}
	}
	if ev.Currency != "" && !money.Supported(ev.Currency) {
		// Staff pages print currencies; nothing Stripe sends looks like this.
		return models.EventResult{}, fmt.Errorf("%w: %s %s is in currency %q, not an ISO 4217 code we accept", models.ErrRejected, ev.Type, ev.ID, ev.Currency)
	}
	rec := models.EventRecord{ID: ev.ID, Type: ev.Type, APIVersion: ev.APIVersion, Livemode: ev.Livemode, Created: ev.Created}
	return store.ApplyEvent(ctx, rec, ev.Effect)
}
