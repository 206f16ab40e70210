package payments

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v76"

	"github.com/indienews/donations/models"
)

// Fees and payouts: what Stripe did with the money, read as balance
// transactions, so that gifts tie to bank deposits.

// balanceTxn translates a balance transaction; chargeID is the charge it
// is about, when the caller knows it better than its source says.
func balanceTxn(bt *stripe.BalanceTransaction, chargeID string) models.BalanceTxn {
	out := models.BalanceTxn{ID: bt.ID, Type: string(bt.Type), Amount: bt.Amount, Fee: bt.Fee, Net: bt.Net,
		Currency: string(bt.Currency), Description: bt.Description, Created: unix(bt.Created), AvailableOn: unix(bt.AvailableOn),
		ChargeID: chargeID}
	if bt.ExchangeRate != 0 {
		// Stripe sends a JSON decimal; its shortest exact spelling is kept
		// as text, and never computed with.
		out.ExchangeRate = strconv.FormatFloat(bt.ExchangeRate, 'f', -1, 64)
	}
	if src := bt.Source; src != nil {
		out.SourceID = src.ID
		if out.ChargeID == "" {
			out.ChargeID = sourceCharge(src)
		}
	}
	return out
}

// sourceCharge is the charge a balance transaction's (expanded) source is
// about: the charge itself, or the charge a refund or dispute concerns.
func sourceCharge(src *stripe.BalanceTransactionSource) string {
	switch {
	case src.Charge != nil:
		return src.Charge.ID
	case src.Refund != nil && src.Refund.Charge != nil:
		return src.Refund.Charge.ID
	case src.Dispute != nil && src.Dispute.Charge != nil:
		return src.Dispute.Charge.ID
	case src.Type == stripe.BalanceTransactionSourceTypeCharge:
		return src.ID
	}
	return ""
}

// chargeFees is what an (expanded) charge tells of its money.
func chargeFees(ch *stripe.Charge) models.PaymentFees {
	if ch == nil {
		return models.PaymentFees{}
	}
	f := models.PaymentFees{ChargeID: ch.ID}
	if bt := ch.BalanceTransaction; bt != nil && bt.ID != "" && bt.Object != "" {
		t := balanceTxn(bt, ch.ID)
		f.Txn = &t
	}
	return f
}

// PaymentFees retrieves a payment's charge and its balance transaction
// (fee, net, settlement currency, exchange rate, when it is available):
// for payments that were recorded inline, with no retrieval.
func (s *Stripe) PaymentFees(ctx context.Context, paymentIntentID, chargeID string) (models.PaymentFees, error) {
	var ch *stripe.Charge
	var err error
	if chargeID != "" {
		p := &stripe.ChargeParams{}
		p.Context = ctx
		p.AddExpand("balance_transaction")
		ch, err = s.api.Charges.Get(chargeID, p)
	} else {
		p := &stripe.PaymentIntentParams{}
		p.Context = ctx
		p.AddExpand("latest_charge.balance_transaction")
		var pi *stripe.PaymentIntent
		if pi, err = s.api.PaymentIntents.Get(paymentIntentID, p); err == nil {
			ch = pi.LatestCharge
		}
	}
	if err != nil {
		return models.PaymentFees{}, fmt.Errorf("%w: the balance transaction of %s%s: %v", ErrGateway, paymentIntentID, chargeID, err)
	}
	return chargeFees(ch), nil
}

// resolvePayout reads a payout and every balance transaction it carried.
func (s *Stripe) resolvePayout(ctx context.Context, id string) (models.PayoutReported, error) {
	p := &stripe.PayoutParams{}
	p.Context = ctx
	po, err := s.api.Payouts.Get(id, p)
	if err != nil {
		return models.PayoutReported{}, err
	}
	out := models.PayoutReported{Payout: models.Payout{ID: po.ID, Amount: po.Amount, Currency: string(po.Currency),
		Status: string(po.Status), FailureMessage: po.FailureMessage, Livemode: po.Livemode}}
	if po.ArrivalDate != 0 {
		at := time.Unix(po.ArrivalDate, 0).UTC()
		out.Payout.ArrivalDate = &at
	}
	lp := &stripe.BalanceTransactionListParams{Payout: stripe.String(po.ID)}
	lp.Context = ctx
	lp.Limit = stripe.Int64(100)
	lp.AddExpand("data.source")
	it := s.api.BalanceTransactions.List(lp)
	for it.Next() {
		out.Lines = append(out.Lines, balanceTxn(it.BalanceTransaction(), ""))
	}
	return out, it.Err()
}

// isGone reports Stripe's answer for an object it does not have.
func isGone(err error) bool {
	var serr *stripe.Error
	return errors.As(err, &serr) && serr.Code == stripe.ErrorCodeResourceMissing
}
