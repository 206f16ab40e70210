package payments

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/stripe/stripe-go/v76"

	"github.com/indienews/donations/models"
)

// History is what a Stripe account holds that the ledger may not know:
// made by another tool before this server, or before it was connected.
type History struct {
	Customers []models.ImportedDonor
	// Events are the changes that history implies, oldest first, as the
	// webhook would have delivered them; their ids are derived from the
	// objects', so bringing the same history in twice adds nothing.
	Events []Event
}

// History lists the account's customers, every subscription (active and
// ended) with its paid invoices, the completed Checkout Sessions since,
// and the charges since that were refunded. Every object comes in this
// server's API version, whatever the account's default: stripe-go asks
// for it on each call, as the webhook path does when it retrieves one.
func (s *Stripe) History(ctx context.Context, since time.Time) (*History, error) {
	h := &History{}
	cp := &stripe.CustomerListParams{}
	cp.Context, cp.Limit = ctx, stripe.Int64(100)
	cust := s.api.Customers.List(cp)
	for cust.Next() {
		c := cust.Customer()
		if c.Email == "" || c.Deleted {
			continue
		}
		h.Customers = append(h.Customers, models.ImportedDonor{Email: c.Email, Name: c.Name, Address: address(c.Address)})
		s.tellListed("customers", len(h.Customers))
	}
	if err := cust.Err(); err != nil {
		return nil, fmt.Errorf("%w: listing customers: %v", ErrGateway, err)
	}
	sp := &stripe.SubscriptionListParams{Status: stripe.String("all")}
	sp.Context, sp.Limit = ctx, stripe.Int64(100)
	it := s.api.Subscriptions.List(sp)
	for it.Next() {
		sub := it.Subscription()
		started := unix(sub.StartDate)
		if sub.Created > 0 {
			started = unix(sub.Created)
		}
		h.Events = append(h.Events, Event{ID: "import:" + sub.ID, Type: "customer.subscription.created", APIVersion: APIVersion,
			Livemode: sub.Livemode, Created: started, Currency: string(sub.Currency), Effect: subscriptionEffect("customer.subscription.created", sub)})
		if sub.Status == stripe.SubscriptionStatusCanceled {
			h.Events = append(h.Events, Event{ID: "import:" + sub.ID + ":ended", Type: "customer.subscription.deleted", APIVersion: APIVersion,
				Livemode: sub.Livemode, Created: unix(sub.EndedAt), Currency: string(sub.Currency), Effect: subscriptionEffect("customer.subscription.deleted", sub)})
		}
		s.tellListed("subscriptions", len(h.Events))
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("%w: listing subscriptions: %v", ErrGateway, err)
	}
	ip := &stripe.InvoiceListParams{Status: stripe.String(string(stripe.InvoiceStatusPaid))}
	ip.Context, ip.Limit = ctx, stripe.Int64(100)
	iit := s.api.Invoices.List(ip)
	for iit.Next() {
		in := iit.Invoice()
		if in.Status != stripe.InvoiceStatusPaid || in.Subscription == nil {
			continue // never trust a list blindly; one-off invoices are not memberships
		}
		paid := unix(in.Created)
		if in.StatusTransitions != nil && in.StatusTransitions.PaidAt > 0 {
			paid = unix(in.StatusTransitions.PaidAt)
		}
		h.Events = append(h.Events, Event{ID: "import:" + in.ID, Type: "invoice.paid", APIVersion: APIVersion, Livemode: in.Livemode,
			Created: paid, Currency: string(in.Currency), Effect: invoiceEffect("invoice.paid", in)})
		s.tellListed("invoices", len(h.Events))
	}
	if err := iit.Err(); err != nil {
		return nil, fmt.Errorf("%w: listing invoices: %v", ErrGateway, err)
	}
	checkouts, err := s.ListCompletedCheckouts(ctx, since)
	if err != nil {
		return nil, err
	}
	for _, l := range checkouts {
		h.Events = append(h.Events, l.Event)
	}
	chp := &stripe.ChargeListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: since.Unix()}}
	chp.Context, chp.Limit = ctx, stripe.Int64(100)
	cit := s.api.Charges.List(chp)
	for cit.Next() {
		ch := cit.Charge()
		if ch.AmountRefunded == 0 {
			continue
		}
		// One event per refunded total: a later, larger refund is news.
		h.Events = append(h.Events, Event{ID: fmt.Sprintf("import:%s:refunded:%d", ch.ID, ch.AmountRefunded), Type: "charge.refunded",
			APIVersion: APIVersion, Livemode: ch.Livemode, Created: unix(ch.Created).Add(time.Second), Currency: string(ch.Currency), Effect: refundEffect(ch)})
	}
	if err := cit.Err(); err != nil {
		return nil, fmt.Errorf("%w: listing charges: %v", ErrGateway, err)
	}
	// In the order things happened: a membership before its payments.
	sort.SliceStable(h.Events, func(i, j int) bool { return h.Events[i].Created.Before(h.Events[j].Created) })
	return h, nil
}
