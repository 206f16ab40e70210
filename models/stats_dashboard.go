package models

import (
	"context"
	"sort"
	"time"
)

// SummaryRow is one month of one currency in the summary report.
type SummaryRow struct {
	Month            string // 2026-01, in the organisation's time zone
	Currency         string
	Gross            int64 // paid gifts, at the time of payment
	Refunds          int64 // refunded since, of those gifts
	Disputed         int64 // of those gifts, under dispute or lost
	Net              int64 // gross - refunds - disputed
	Gifts            int64
	NewMembers       int64
	CancelledMembers int64
	// Fees are Stripe's fees on those gifts, where they settled in this
	// currency (a gift converted to another currency has its fee in that
	// one: see the payouts report); FeesKnown counts the gifts whose fee is
	// recorded.
	Fees      int64
	FeesKnown int64
}

// Summary adds up gifts paid in [from, to) by month and currency. Refunds
// and disputes count against the month the payment was made in, so gross
// minus refunds ties to what Stripe reports for the same payments.
func (s *Store) Summary(ctx context.Context, from, to time.Time, loc *time.Location) ([]SummaryRow, error) {
	rows := map[[2]string]*SummaryRow{}
	row := func(t time.Time, cur string) *SummaryRow {
		k := [2]string{t.In(loc).Format("2006-01"), cur}
		if rows[k] == nil {
			rows[k] = &SummaryRow{Month: k[0], Currency: cur}
		}
		return rows[k]
	}
	type giftFacts struct {
		PaidAt         time.Time
		Currency       string
		TotalAmount    int64
		RefundedAmount int64
		DisputeStatus  string
		Fee            *int64
		FeeCurrency    *string
	}
	cur, err := s.db.WithContext(ctx).Table("gifts").
		Select("gifts.paid_at, gifts.currency, gifts.total_amount, gifts.refunded_amount, gifts.dispute_status, b.fee, b.currency AS fee_currency").
		Joins("LEFT JOIN balance_transactions b ON b.charge_id = gifts.stripe_charge_id AND b.type IN ('charge', 'payment')").
		Where("gifts.paid_at >= ? AND gifts.paid_at < ? AND gifts.status IN ?", from.UTC(), to.UTC(), []string{GiftPaid, GiftRefunded}).Rows()
	if err != nil {
		return nil, wrap(err, "summary: gifts from %s", from.Format("2006-01-02"))
	}
	defer cur.Close()
	for cur.Next() {
		var g giftFacts
		if err := s.db.ScanRows(cur, &g); err != nil {
			return nil, wrap(err, "summary: read a gift")
		}
		r := row(g.PaidAt, g.Currency)
		r.Gross += g.TotalAmount
		r.Refunds += g.RefundedAmount
		if g.DisputeStatus == DisputeOpen || g.DisputeStatus == DisputeLost {
			r.Disputed += g.TotalAmount - g.RefundedAmount
		}
		r.Gifts++
		if g.Fee != nil && g.FeeCurrency != nil && *g.FeeCurrency == g.Currency {
			r.Fees += *g.Fee
			r.FeesKnown++
		}
	}
	if err := cur.Err(); err != nil {
		return nil, wrap(err, "summary: read gifts")
	}
	var ms []Membership
	err = s.db.WithContext(ctx).Where("(started_at >= ? AND started_at < ?) OR (ended_at >= ? AND ended_at < ?)",
		from.UTC(), to.UTC(), from.UTC(), to.UTC()).Find(&ms).Error
	if err != nil {
		return nil, wrap(err, "summary: memberships")
	}
	for _, m := range ms {
		if m.StartedAt != nil && !m.StartedAt.Before(from) && m.StartedAt.Before(to) {
			row(*m.StartedAt, m.Currency).NewMembers++
		}
		if m.EndedAt != nil && !m.EndedAt.Before(from) && m.EndedAt.Before(to) {
			row(*m.EndedAt, m.Currency).CancelledMembers++
		}
	}
	out := make([]SummaryRow, 0, len(rows))
	for _, r := range rows {
		r.Net = r.Gross - r.Refunds - r.Disputed
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		return out[i].Currency < out[j].Currency
	})
	return out, nil
}

// MemberStats are the active members and their monthly recurring revenue.
type MemberStats struct {
	Active int64
	MRR    map[string]int64 // per currency, monthly equivalent
}

// ActiveMembers counts active (and past due, still trying) memberships.
func (s *Store) ActiveMembers(ctx context.Context) (MemberStats, error) {
	var ms []Membership
	err := s.db.WithContext(ctx).Where("status IN ?", []string{MembershipActive, MembershipPastDue}).Find(&ms).Error
	st := MemberStats{MRR: map[string]int64{}}
	for _, m := range ms {
		st.Active++
		if m.BillingInterval == FrequencyYear {
			st.MRR[m.Currency] += m.Amount / 12
		} else {
			st.MRR[m.Currency] += m.Amount
		}
	}
	return st, wrap(err, "members: active")
}
