package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

// BackfillStore is the ledger a Stripe history is brought into.
type BackfillStore interface {
	Store
	ImportDonors(ctx context.Context, rows []models.ImportedDonor, dry bool, progress func()) (models.ImportReport, error)
}

// BackfillSummary says what bringing a history in did.
type BackfillSummary struct {
	Donors             models.ImportReport
	Applied, Duplicate int
	Receipts           int
	Failed             []string
}

// Backfill brings an account's history into the ledger: its customers as
// donors (matched by email), then each implied event, oldest first,
// through the same path as a webhook. Subscriptions another tool created
// become memberships with their payments, so their renewals find them. A
// payment before receiptsFrom gets no receipt; nobody is emailed. The
// events' ids come from the objects', so a second run adds nothing.
func Backfill(ctx context.Context, store BackfillStore, h *payments.History, receiptsFrom time.Time, progress func()) (BackfillSummary, error) {
	var sum BackfillSummary
	var err error
	if sum.Donors, err = store.ImportDonors(ctx, h.Customers, false, nil); err != nil {
		return sum, err
	}
	for _, ev := range h.Events {
		if progress != nil {
			progress()
		}
		rec := models.EventRecord{ID: ev.ID, Type: ev.Type, APIVersion: ev.APIVersion, Livemode: ev.Livemode, Created: ev.Created, ReceiptsFrom: &receiptsFrom}
		res, err := store.ApplyEvent(ctx, rec, ev.Effect)
		if err != nil {
			sum.Failed = append(sum.Failed, fmt.Sprintf("%s (%s): %v", ev.ID, ev.Type, err))
			continue
		}
		switch {
		case res.Duplicate:
			sum.Duplicate++
		default:
			sum.Applied++
			if res.Receipt != nil {
				sum.Receipts++
			}
		}
	}
	return sum, nil
}
