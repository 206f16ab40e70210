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
}

// Apply records ev and its effect in one transaction.
func Apply(ctx context.Context, store Store, ev payments.Event) (models.EventResult, error) {
	if ev.Currency != "" && !money.Supported(ev.Currency) {
		// Staff pages print currencies; nothing Stripe sends looks like this.
		return models.EventResult{}, fmt.Errorf("%w: %s %s is in currency %q, not an ISO 4217 code we accept", models.ErrRejected, ev.Type, ev.ID, ev.Currency)
	}
	rec := models.EventRecord{ID: ev.ID, Type: ev.Type, APIVersion: ev.APIVersion, Livemode: ev.Livemode, Created: ev.Created}
	return store.ApplyEvent(ctx, rec, ev.Effect)
}
