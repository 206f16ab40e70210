package models

import (
	"context"
	"sort"
	"time"
)

// The retention report: per month and currency, members and monthly
// recurring revenue (MRR) at the month's start and end, and what moved
// between them. It replays each membership's states as Stripe reported
// them (membership_changes), in time order, and compares each membership
// at the two instants; so the movements add up exactly:
//
//	MRR end = start + new + reactivation + expansion - contraction - churn
//	members end = start + new + reactivated - churned
//
// A member is a membership Stripe is collecting or retrying (active,
// trialing, past due) or has paused; a paused one counts for no MRR, so
// a pause shows as contraction and its end as expansion, not as churn.
// A membership that starts and ends within one month appears in neither
// count: it was a member at neither instant. A new membership is a
// reactivation when its donor was a member before, in it or in an
// earlier membership (a lapsed member who starts again).

// RetentionMonth is one month's figures in one currency; amounts in
// minor units, MRR as the monthly equivalent (a yearly amount / 12).
type RetentionMonth struct {
	Month    string // YYYY-MM
	Currency string

	ActiveStart, New, Reactivated, Churned, ActiveEnd int64

	MRRStart, MRRNew, MRRReactivation, MRRExpansion, MRRContraction, MRRChurn, MRREnd int64

	// ChurnReasons counts the churned members by why they left: the
	// member's feedback, else Stripe's reason ("payment_failed").
	ChurnReasons map[string]int64
	// FailedPayments is the membership payments that first failed this
	// month; Recovered, those a later attempt paid this month.
	FailedPayments, Recovered int64
}

type memberState struct {
	member   bool
	mrr      int64
	currency string
	reason   string
}

func stateOf(c MembershipChange) memberState {
	st := memberState{currency: c.Currency}
	switch c.Status {
	case MembershipActive, "trialing", MembershipPastDue, "paused":
		st.member = true
	}
	if st.member && !c.Paused && c.Status != "paused" && c.Status != "trialing" {
		st.mrr = c.Amount
		if c.BillingInterval == FrequencyYear {
			st.mrr = c.Amount / 12
		}
	}
	st.reason = c.CancelFeedback
	if st.reason == "" {
		st.reason = c.CancelReason
	}
	if st.reason == "" || st.reason == "cancellation_requested" {
		st.reason = "no reason given"
	}
	return st
}

// Retention computes the months from the one holding from to the one
// before the one holding to, in loc.
func (s *Store) Retention(ctx context.Context, from, to time.Time, loc *time.Location) ([]RetentionMonth, error) {
	var changes []MembershipChange
	if err := s.db.WithContext(ctx).Order("membership_id, at, event_id").Find(&changes).Error; err != nil {
		return nil, wrap(err, "retention: membership changes")
	}
	var failures []PaymentFailure
	if err := s.db.WithContext(ctx).Find(&failures).Error; err != nil {
		return nil, wrap(err, "retention: payment failures")
	}
	var owners []struct{ ID, DonorID string }
	if err := s.db.WithContext(ctx).Model(&Membership{}).Select("id, COALESCE(donor_id, '') AS donor_id").Scan(&owners).Error; err != nil {
		return nil, wrap(err, "retention: memberships")
	}
	donorOf := map[string]string{}
	for _, o := range owners {
		donorOf[o.ID] = o.DonorID
	}
	byMember := map[string][]MembershipChange{}
	var ids []string
	for _, c := range changes {
		if byMember[c.MembershipID] == nil {
			ids = append(ids, c.MembershipID)
		}
		byMember[c.MembershipID] = append(byMember[c.MembershipID], c)
	}
	// at is a membership's state just before t, and whether it had been a
	// member before t. A cancelled state is final, as in the ledger.
	at := func(cs []MembershipChange, t time.Time) (st memberState, ever bool) {
		for _, c := range cs {
			if !c.At.Before(t) {
				break
			}
			st = stateOf(c)
			ever = ever || st.member
			if c.Status == MembershipCanceled {
				break
			}
		}
		return st, ever
	}

	start := time.Date(from.In(loc).Year(), from.In(loc).Month(), 1, 0, 0, 0, 0, loc)
	var out []RetentionMonth
	for m := start; m.Before(to); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, 0)
		rows := map[string]*RetentionMonth{}
		row := func(cur string) *RetentionMonth {
			if rows[cur] == nil {
				rows[cur] = &RetentionMonth{Month: m.Format("2006-01"), Currency: cur, ChurnReasons: map[string]int64{}}
			}
			return rows[cur]
		}
		// Which donors had been members before this month, in any of
		// their memberships, and had left by its start.
		wasMember, isMember := map[string]bool{}, map[string]bool{}
		for _, id := range ids {
			if d := donorOf[id]; d != "" {
				st, ever := at(byMember[id], m)
				wasMember[d] = wasMember[d] || ever
				isMember[d] = isMember[d] || st.member
			}
		}
		for _, id := range ids {
			cs := byMember[id]
			s0, ever := at(cs, m)
			if d := donorOf[id]; d != "" && wasMember[d] && !isMember[d] {
				ever = true
			}
			s1, _ := at(cs, end)
			if !s0.member && !s1.member {
				continue
			}
			if s0.member {
				r := row(s0.currency)
				r.ActiveStart++
				r.MRRStart += s0.mrr
			}
			if s1.member {
				r := row(s1.currency)
				r.ActiveEnd++
				r.MRREnd += s1.mrr
			}
			switch {
			case !s0.member && ever:
				r := row(s1.currency)
				r.Reactivated++
				r.MRRReactivation += s1.mrr
			case !s0.member:
				r := row(s1.currency)
				r.New++
				r.MRRNew += s1.mrr
			case !s1.member:
				r := row(s0.currency)
				r.Churned++
				r.MRRChurn += s0.mrr
				r.ChurnReasons[s1.reason]++
			case s1.mrr > s0.mrr:
				row(s1.currency).MRRExpansion += s1.mrr - s0.mrr
			case s1.mrr < s0.mrr:
				row(s1.currency).MRRContraction += s0.mrr - s1.mrr
			}
		}
		for _, f := range failures {
			if f.FirstFailedAt != nil && !f.FirstFailedAt.Before(m) && f.FirstFailedAt.Before(end) {
				row(f.Currency).FailedPayments++
			}
			if f.RecoveredAt != nil && !f.RecoveredAt.Before(m) && f.RecoveredAt.Before(end) {
				row(f.Currency).Recovered++
			}
		}
		var curs []string
		for cur := range rows {
			curs = append(curs, cur)
		}
		sort.Strings(curs)
		for _, cur := range curs {
			out = append(out, *rows[cur])
		}
	}
	return out, nil
}
