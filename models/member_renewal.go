package models

import (
	"context"
	"fmt"
	"time"
)

// EmailRenewalNotice tells a yearly member, ahead of the charge, the date
// and the amount of their renewal and how to change or cancel it.
const EmailRenewalNotice = "renewal_notice"

// QueueRenewalNotices queues a renewal notice for every yearly membership
// that renews within days and will renew (active, not set to cancel),
// and returns how many it queued. The dedupe key is the membership, its
// period and the kind: however many instances run this, however often,
// a period gets one notice, and a membership changed, paused or cancelled
// after its notice gets no second one for that period. Memberships are
// read from current_period_end, our copy of the subscription, so it does
// not depend on Stripe's upcoming-invoice events.
func (s *Store) QueueRenewalNotices(ctx context.Context, days int) (int, error) {
	if days <= 0 {
		return 0, nil
	}
	queued := 0
	err := s.transaction(ctx, func(tx *Tx) error {
		var due []struct {
			ID               string
			DonorID          string
			Email            string
			CurrentPeriodEnd time.Time
		}
		err := tx.Table("memberships AS m").Select("m.id, m.donor_id, d.email, m.current_period_end").
			Joins("JOIN donors d ON d.id = m.donor_id").
			Where("m.billing_interval = ? AND m.status = ? AND NOT m.cancel_at_period_end AND NOT m.paused", FrequencyYear, MembershipActive).
			Where("m.current_period_end > ? AND m.current_period_end <= ?", tx.now, tx.now.AddDate(0, 0, days)).
			Order("m.current_period_end").Scan(&due).Error
		if err != nil {
			return err
		}
		for _, m := range due {
			fresh, err := s.queueMemberEmail(tx, renewalKey(m.ID, m.CurrentPeriodEnd), EmailRenewalNotice, m.ID, m.DonorID, m.Email)
			if err != nil {
				return err
			}
			if fresh {
				queued++
			}
		}
		return nil
	})
	return queued, wrap(err, "memberships: renewal notices")
}

// EmailYearReminder reminds a monthly member, once a year as the
// anniversary of their membership nears, of what they give and how to
// change or cancel it.
const EmailYearReminder = "gift_reminder"

// QueueYearReminders queues the yearly reminder for every monthly
// membership that will go on (active, not set to cancel) whose
// anniversary falls within days: once per membership and year.
func (s *Store) QueueYearReminders(ctx context.Context, days int) (int, error) {
	if days <= 0 {
		return 0, nil
	}
	queued := 0
	err := s.transaction(ctx, func(tx *Tx) error {
		var due []struct {
			ID        string
			DonorID   string
			Email     string
			StartedAt time.Time
		}
		err := tx.Table("memberships AS m").Select("m.id, m.donor_id, d.email, m.started_at").
			Joins("JOIN donors d ON d.id = m.donor_id").
			Where("m.billing_interval = ? AND m.status = ? AND NOT m.cancel_at_period_end AND NOT m.paused AND m.started_at IS NOT NULL",
				FrequencyMonth, MembershipActive).Scan(&due).Error
		if err != nil {
			return err
		}
		for _, m := range due {
			// The next anniversary after now, one year on at least.
			next := m.StartedAt.AddDate(1, 0, 0)
			for !next.After(tx.now) {
				next = next.AddDate(1, 0, 0)
			}
			if next.After(tx.now.AddDate(0, 0, days)) {
				continue
			}
			key := fmt.Sprintf("membership:%s:anniversary:%d:%s", m.ID, next.Year(), EmailYearReminder)
			fresh, err := s.queueMemberEmail(tx, key, EmailYearReminder, m.ID, m.DonorID, m.Email)
			if err != nil {
				return err
			}
			if fresh {
				queued++
			}
		}
		return nil
	})
	return queued, wrap(err, "memberships: yearly reminders")
}

// renewalKey names one period of one membership: its end, which Stripe
// moves only when the period renews.
func renewalKey(membershipID string, periodEnd time.Time) string {
	return fmt.Sprintf("membership:%s:period:%d:%s", membershipID, periodEnd.UTC().Unix(), EmailRenewalNotice)
}

// queueMemberEmail queues a membership's email under its key and reports
// whether it is new (a key seen before queues nothing).
func (s *Store) queueMemberEmail(tx *Tx, key, kind, membershipID, donorID, to string) (bool, error) {
	var seen int64
	if err := tx.Model(&EmailMessage{}).Where("dedupe_key = ?", key).Count(&seen).Error; err != nil {
		return false, err
	}
	err := s.queueEmail(tx, EmailMessage{DedupeKey: key, Kind: kind, ToAddress: to, DonorID: &donorID, MembershipID: &membershipID})
	return seen == 0, err
}

// MembershipByID returns one membership.
func (s *Store) MembershipByID(ctx context.Context, id string) (*Membership, error) {
	var m Membership
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&m).Error; err != nil {
		return nil, wrap(err, "memberships: %s", id)
	}
	return &m, nil
}
