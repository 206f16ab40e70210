package models

import (
	"fmt"
	"time"
)

// The data of the events added after the first four (see outbox_events.go
// for how an event is written), and the small helpers that decide when a
// fact tells one. Each is written in the transaction of its fact, under a
// dedupe key that a replayed or duplicated Stripe event repeats, so it
// adds nothing. Amounts are minor units with their currency; no card data.

func rfc3339(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

type donorUpdatedData struct {
	DonorID   string `json:"donor_id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Line1     string `json:"address_line1,omitempty"`
	Line2     string `json:"address_line2,omitempty"`
	City      string `json:"address_city,omitempty"`
	State     string `json:"address_state,omitempty"`
	Postal    string `json:"address_postal_code,omitempty"`
	Country   string `json:"address_country,omitempty"`
	Language  string `json:"language,omitempty"`
	UpdatedAt string `json:"updated_at"`
	// A merge: the record merged into this one, whose gifts, receipts
	// and memberships are this donor's now.
	MergedDonorID string `json:"merged_donor_id,omitempty"`
}

func donorUpdatedEventData(d *Donor, now time.Time) donorUpdatedData {
	return donorUpdatedData{DonorID: d.ID, Email: d.Email, Name: d.Name, Line1: d.Address.Line1, Line2: d.Address.Line2, City: d.Address.City,
		State: d.Address.State, Postal: d.Address.PostalCode, Country: d.Address.Country, Language: d.Language, UpdatedAt: now.Format(time.RFC3339)}
}

// donorUpdated tells a donor's profile as it is now in tx, when it differs
// from before. Each edit is its own fact: the key is the donor and the
// transaction's clock.
func (s *Store) donorUpdated(tx *Tx, before Donor) error {
	var d Donor
	if err := tx.Where("id = ?", before.ID).Take(&d).Error; err != nil {
		return err
	}
	if d.Name == before.Name && d.Address == before.Address && d.Email == before.Email {
		return nil
	}
	return s.recordEvent(tx, EventDonorUpdated, d.ID, fmt.Sprintf("donor.updated:%s:%d", d.ID, tx.now.UnixNano()), donorUpdatedEventData(&d, tx.now))
}

// donorMerged tells that the record fromID was merged into into: once per
// merged record, which can be merged only once.
func (s *Store) donorMerged(tx *Tx, into *Donor, fromID string) error {
	d := donorUpdatedEventData(into, tx.now)
	d.MergedDonorID = fromID
	return s.recordEvent(tx, EventDonorUpdated, into.ID, "donor.updated:merged:"+fromID, d)
}

type giftRefundedData struct {
	GiftID         string `json:"gift_id"`
	DonorID        string `json:"donor_id"`
	RefundedAmount int64  `json:"refunded_amount"` // what this refund took
	TotalRefunded  int64  `json:"total_refunded"`  // refunded of the gift so far
	TotalAmount    int64  `json:"total_amount"`
	Currency       string `json:"currency"`
	FullyRefunded  bool   `json:"fully_refunded"`
	MembershipID   string `json:"membership_id,omitempty"`
	CampaignID     string `json:"campaign_id,omitempty"`
	RefundedAt     string `json:"refunded_at"`
}

// giftRefunded tells a refund of g that took its refunded total from
// g.RefundedAmount to total: one event per total reached, so a refund
// event delivered again (or late, after a larger one) tells nothing.
func (s *Store) giftRefunded(tx *Tx, g *Gift, total int64) error {
	donorID := deref(g.DonorID)
	return s.recordEvent(tx, EventGiftRefunded, donorID, fmt.Sprintf("gift.refunded:%s:%d", g.ID, total), giftRefundedData{
		GiftID: g.ID, DonorID: donorID, RefundedAmount: total - g.RefundedAmount, TotalRefunded: total, TotalAmount: g.TotalAmount,
		Currency: g.Currency, FullyRefunded: total >= g.TotalAmount, MembershipID: deref(g.MembershipID), CampaignID: deref(g.CampaignID),
		RefundedAt: tx.now.Format(time.RFC3339)})
}

type membershipData struct {
	MembershipID      string `json:"membership_id"`
	DonorID           string `json:"donor_id"`
	Status            string `json:"status"`
	Amount            int64  `json:"amount"`
	Currency          string `json:"currency"`
	Interval          string `json:"interval"`
	Tier              string `json:"tier,omitempty"`
	Paused            bool   `json:"paused"`
	PausedUntil       string `json:"paused_until,omitempty"`
	CancelAtPeriodEnd bool   `json:"cancel_at_period_end"`
	CurrentPeriodEnd  string `json:"current_period_end,omitempty"`
	StartedAt         string `json:"started_at,omitempty"`
	EndedAt           string `json:"ended_at,omitempty"`
	CancelReason      string `json:"cancel_reason,omitempty"`
	// membership.changed: what changed (amount, interval, paused, resumed,
	// cancel_at_period_end, cancel_reverted).
	Changes []string `json:"changes,omitempty"`
	// membership.renewed: the gift the renewal paid.
	GiftID string `json:"gift_id,omitempty"`
}

func membershipEventData(m *Membership) membershipData {
	return membershipData{MembershipID: m.ID, DonorID: deref(m.DonorID), Status: m.Status, Amount: m.Amount, Currency: m.Currency,
		Interval: m.BillingInterval, Tier: m.TierName, Paused: m.Paused, PausedUntil: rfc3339(m.PausedUntil),
		CancelAtPeriodEnd: m.CancelAtPeriodEnd, CurrentPeriodEnd: rfc3339(m.CurrentPeriodEnd), StartedAt: rfc3339(m.StartedAt),
		EndedAt: rfc3339(m.EndedAt), CancelReason: m.CancelReason}
}

// membershipChanges lists what a subscription state changed of a
// membership that goes on.
func membershipChanges(before, after *Membership) []string {
	var out []string
	if before.Amount != after.Amount || before.Currency != after.Currency {
		out = append(out, "amount")
	}
	if before.BillingInterval != after.BillingInterval {
		out = append(out, "interval")
	}
	switch {
	case after.Paused && !before.Paused:
		out = append(out, "paused")
	case before.Paused && !after.Paused:
		out = append(out, "resumed")
	}
	switch {
	case after.CancelAtPeriodEnd && !before.CancelAtPeriodEnd:
		out = append(out, "cancel_at_period_end")
	case before.CancelAtPeriodEnd && !after.CancelAtPeriodEnd:
		out = append(out, "cancel_reverted")
	}
	return out
}

// membershipEvents tells what a membership's new state (applied in tx by
// event evID) is: started (once ever), cancelled or lapsed (once ever), or
// changed (once per Stripe event that changed it). A state seen again
// changes nothing, so tells nothing.
func (s *Store) membershipEvents(tx *Tx, before Membership, evID string) error {
	var m Membership
	if err := tx.Where("id = ?", before.ID).Take(&m).Error; err != nil {
		return err
	}
	if m.DonorID == nil && before.DonorID != nil {
		m.DonorID = before.DonorID
	}
	donorID := deref(m.DonorID)
	if m.Status == MembershipActive && before.Status == MembershipIncomplete {
		if err := s.recordEvent(tx, EventMembershipStarted, donorID, "membership.started:"+m.ID, membershipEventData(&m)); err != nil {
			return err
		}
	}
	if m.Status == MembershipCanceled {
		if before.Status == MembershipCanceled {
			return nil
		}
		typ := EventMembershipCancelled
		if m.CancelReason == "payment_failed" {
			typ = EventMembershipLapsed
		}
		return s.recordEvent(tx, typ, donorID, typ+":"+m.ID, membershipEventData(&m))
	}
	if before.Status == MembershipIncomplete || before.Status == "" {
		return nil // its first state: started, or not yet
	}
	changes := membershipChanges(&before, &m)
	if len(changes) == 0 {
		return nil
	}
	d := membershipEventData(&m)
	d.Changes = changes
	return s.recordEvent(tx, EventMembershipChanged, donorID, "membership.changed:"+m.ID+":"+evID, d)
}

// membershipRenewed tells a renewal invoice paid as gift g: once per
// invoice.
func (s *Store) membershipRenewed(tx *Tx, m *Membership, g *Gift, invoiceID string) error {
	var cur Membership
	if err := tx.Where("id = ?", m.ID).Take(&cur).Error; err != nil {
		return err
	}
	if cur.DonorID == nil {
		cur.DonorID = g.DonorID
	}
	d := membershipEventData(&cur)
	d.GiftID = g.ID
	d.Amount, d.Currency = g.TotalAmount, g.Currency
	return s.recordEvent(tx, EventMembershipRenewed, deref(cur.DonorID), "membership.renewed:"+invoiceID, d)
}

type goalReachedData struct {
	CampaignID string `json:"campaign_id"`
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	GoalAmount int64  `json:"goal_amount"`
	Raised     int64  `json:"raised"`
	Currency   string `json:"currency"`
	GiftID     string `json:"gift_id"` // the gift that took the total to the goal
	DonorID    string `json:"donor_id,omitempty"`
	ReachedAt  string `json:"reached_at"`
}

type poolExhaustedData struct {
	PoolID      string `json:"pool_id"`
	CampaignID  string `json:"campaign_id"`
	Funder      string `json:"funder"`
	Cap         int64  `json:"cap"`
	Matched     int64  `json:"matched"`
	Currency    string `json:"currency"`
	ExhaustedAt string `json:"exhausted_at"`
}

// campaignEvents tells, after a campaign's gifts changed in tx, that it
// reached its goal (once per campaign ever: the gift named is the one
// whose payment, in the order paid, first took the raised total to the
// goal) and that any of its pools has nothing left (once per pool ever).
func (s *Store) campaignEvents(tx *Tx, campaignID string) error {
	var c Campaign
	if err := tx.Where("id = ?", campaignID).Limit(1).Find(&c).Error; err != nil || c.ID == "" {
		return err
	}
	if c.GoalAmount > 0 {
		var gifts []struct {
			ID, DonorID string
			Net         int64
			PaidAt      time.Time
		}
		err := tx.Model(&Gift{}).
			Select(`id, COALESCE(donor_id, '') AS donor_id, paid_at,
				total_amount - refunded_amount - CASE WHEN dispute_status IN (?, ?) THEN total_amount - refunded_amount ELSE 0 END AS net`, DisputeOpen, DisputeLost).
			Where("campaign_id = ? AND currency = ? AND status IN ? AND paid_at IS NOT NULL", c.ID, c.Currency, []string{GiftPaid, GiftRefunded}).
			Order("paid_at, id").Scan(&gifts).Error
		if err != nil {
			return err
		}
		var raised int64
		reached := -1
		for i, g := range gifts {
			raised += g.Net
			if reached < 0 && raised >= c.GoalAmount {
				reached = i
			}
		}
		if reached >= 0 && raised >= c.GoalAmount {
			g := gifts[reached]
			if err := s.recordEvent(tx, EventCampaignGoalReached, "", "campaign.goal_reached:"+c.ID, goalReachedData{
				CampaignID: c.ID, Slug: c.Slug, Name: c.Name, GoalAmount: c.GoalAmount, Raised: raised, Currency: c.Currency,
				GiftID: g.ID, DonorID: g.DonorID, ReachedAt: tx.now.Format(time.RFC3339)}); err != nil {
				return err
			}
		}
	}
	var pools []struct {
		ID, Funder string
		Cap        int64
		Matched    int64
	}
	err := tx.Table("match_pools AS p").Select("p.id, p.funder, p.cap, COALESCE(SUM(gm.amount), 0) AS matched").
		Joins("LEFT JOIN gift_matches gm ON gm.pool_id = p.id").Where("p.campaign_id = ?", c.ID).
		Group("p.id, p.funder, p.cap").Scan(&pools).Error
	if err != nil {
		return err
	}
	for _, p := range pools {
		if p.Cap <= 0 || p.Matched < p.Cap {
			continue
		}
		if err := s.recordEvent(tx, EventMatchPoolExhausted, "", "match_pool.exhausted:"+p.ID, poolExhaustedData{
			PoolID: p.ID, CampaignID: c.ID, Funder: p.Funder, Cap: p.Cap, Matched: p.Matched, Currency: c.Currency,
			ExhaustedAt: tx.now.Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	return nil
}
