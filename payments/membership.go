package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/stripe/stripe-go/v76"
)

// Changes a member asks for on their donor page. Each goes to Stripe; the
// ledger records it only when Stripe's subscription event comes back, as
// for a change made in Stripe's portal or dashboard.

// MembershipUpdate is one change to a subscription: exactly one of
// Cancel, Keep, PauseUntil, Resume or Amount.
type MembershipUpdate struct {
	SubscriptionID string
	// Cancel ends it at the period's end, with the member's reason (one
	// of Stripe's cancellation feedback values, or "") and comment.
	Cancel            bool
	Feedback, Comment string
	// Keep takes back a cancellation before the period ends.
	Keep bool
	// PauseUntil stops collecting payments until then; Resume collects
	// again now.
	PauseUntil time.Time
	Resume     bool
	// Amount is a new amount per period, from the next payment on: no
	// proration, nothing charged now.
	Amount int64

	// Current is the membership as the ledger knows it: the demo builds
	// its event from it; Stripe reads its own.
	Current CurrentMembership
}

// CurrentMembership is what the demo needs to say the new state.
type CurrentMembership struct {
	CustomerID, Currency, Interval string
	Amount                         int64
	PeriodEnd, Started             time.Time
	CancelAtPeriodEnd, Paused      bool
	PausedUntil                    time.Time
}

// Feedbacks are Stripe's cancellation feedback values our form offers.
var Feedbacks = []string{"too_expensive", "unused", "low_quality", "switched_service", "other"}

// UpdateMembership sends the change to Stripe. Nothing comes back to
// apply: Stripe's customer.subscription.updated event brings it.
func (s *Stripe) UpdateMembership(ctx context.Context, u MembershipUpdate) ([]SignedEvent, error) {
	p := &stripe.SubscriptionParams{}
	p.Context = ctx
	switch {
	case u.Cancel:
		p.CancelAtPeriodEnd = stripe.Bool(true)
		if u.Feedback != "" || u.Comment != "" {
			p.CancellationDetails = &stripe.SubscriptionCancellationDetailsParams{Comment: stripe.String(u.Comment)}
			if u.Feedback != "" {
				p.CancellationDetails.Feedback = stripe.String(u.Feedback)
			}
		}
	case u.Keep:
		p.CancelAtPeriodEnd = stripe.Bool(false)
	case !u.PauseUntil.IsZero():
		p.PauseCollection = &stripe.SubscriptionPauseCollectionParams{Behavior: stripe.String("void"), ResumesAt: stripe.Int64(u.PauseUntil.Unix())}
	case u.Resume:
		// An empty pause_collection takes the pause off.
		p.AddExtra("pause_collection", "")
	case u.Amount > 0:
		// The new price replaces the one item's, for the same product.
		g := &stripe.SubscriptionParams{}
		g.Context = ctx
		sub, err := s.api.Subscriptions.Get(u.SubscriptionID, g)
		if err != nil {
			return nil, fmt.Errorf("%w: retrieving subscription %s: %v", ErrGateway, u.SubscriptionID, err)
		}
		if sub.Items == nil || len(sub.Items.Data) != 1 || sub.Items.Data[0].Price == nil || sub.Items.Data[0].Price.Recurring == nil {
			return nil, fmt.Errorf("%w: subscription %s does not have one recurring price", ErrGateway, u.SubscriptionID)
		}
		item := sub.Items.Data[0]
		pd := &stripe.SubscriptionItemPriceDataParams{Currency: stripe.String(string(item.Price.Currency)), UnitAmount: stripe.Int64(u.Amount),
			Recurring: &stripe.SubscriptionItemPriceDataRecurringParams{Interval: stripe.String(string(item.Price.Recurring.Interval))}}
		if item.Price.Product != nil {
			pd.Product = stripe.String(item.Price.Product.ID)
		}
		p.Items = []*stripe.SubscriptionItemsParams{{ID: stripe.String(item.ID), PriceData: pd}}
		p.ProrationBehavior = stripe.String("none")
	default:
		return nil, fmt.Errorf("%w: a membership update with nothing to change", ErrGateway)
	}
	if _, err := s.api.Subscriptions.Update(u.SubscriptionID, p); err != nil {
		return nil, fmt.Errorf("%w: updating subscription %s: %v", ErrGateway, u.SubscriptionID, err)
	}
	return nil, nil
}

// UpdateMembership answers as Stripe would: with the signed
// customer.subscription.updated event of the new state, which the caller
// delivers to the webhook path.
func (d *Demo) UpdateMembership(_ context.Context, u MembershipUpdate) ([]SignedEvent, error) {
	c := u.Current
	switch {
	case u.Cancel:
		c.CancelAtPeriodEnd = true
	case u.Keep:
		c.CancelAtPeriodEnd = false
	case !u.PauseUntil.IsZero():
		c.Paused, c.PausedUntil = true, u.PauseUntil
	case u.Resume:
		c.Paused, c.PausedUntil = false, time.Time{}
	case u.Amount > 0:
		c.Amount = u.Amount
	default:
		return nil, fmt.Errorf("%w: a membership update with nothing to change", ErrGateway)
	}
	price := map[string]any{"id": "price_demo", "object": "price", "currency": c.Currency, "unit_amount": c.Amount,
		"type": "recurring", "recurring": map[string]any{"interval": c.Interval, "interval_count": 1, "usage_type": "licensed"}}
	sub := map[string]any{
		"id": u.SubscriptionID, "customer": c.CustomerID, "status": "active", "currency": c.Currency, "metadata": map[string]any{},
		"start_date": c.Started.Unix(), "current_period_end": c.PeriodEnd.Unix(), "current_period_start": c.PeriodEnd.AddDate(0, -1, 0).Unix(),
		"cancel_at_period_end": c.CancelAtPeriodEnd, "canceled_at": nil, "ended_at": nil, "pause_collection": nil,
		"cancellation_details": map[string]any{"reason": nil, "feedback": nil, "comment": nil},
		"items": map[string]any{"object": "list", "has_more": false, "data": []any{map[string]any{
			"id": "si_demo", "object": "subscription_item", "quantity": 1, "subscription": u.SubscriptionID, "price": price}}},
	}
	if c.CancelAtPeriodEnd {
		details := map[string]any{"reason": "cancellation_requested", "feedback": nil, "comment": nil}
		if u.Feedback != "" {
			details["feedback"] = u.Feedback
		}
		if u.Comment != "" {
			details["comment"] = u.Comment
		}
		sub["cancellation_details"] = details
	}
	if c.Paused {
		sub["pause_collection"] = map[string]any{"behavior": "void", "resumes_at": c.PausedUntil.Unix()}
	}
	ev, err := d.sign("customer.subscription.updated", subscriptionSample, sub, d.now())
	if err != nil {
		return nil, err
	}
	return []SignedEvent{ev}, nil
}

// DeleteCustomer deletes the customer (and so ends its subscriptions).
func (s *Stripe) DeleteCustomer(ctx context.Context, customerID string) error {
	p := &stripe.CustomerParams{}
	p.Context = ctx
	if _, err := s.api.Customers.Del(customerID, p); err != nil && !isGone(err) {
		return fmt.Errorf("%w: deleting customer %s: %v", ErrGateway, customerID, err)
	}
	return nil
}

// DeleteCustomer: the demo keeps no customers.
func (d *Demo) DeleteCustomer(context.Context, string) error { return nil }
