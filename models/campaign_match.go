package models

import (
	"context"
	"sort"
	"time"

	"github.com/google/uuid"
)

// Match funds follow NewsMatch's published rules. A pool matches the
// gifts a campaign received between its dates:
//   - each gift's eligible amount is what it raised net of refunds and
//     disputes, less the fair-market value of any benefit it bought;
//   - optionally, a new monthly membership counts at twelve times its
//     first payment (and its later payments are then not matched again),
//     while it is active and not set to cancel; the part of that match
//     its payments have not yet covered is "projected", reported apart.
//     Once it is cancelled or ends, the projection goes: its payments
//     are matched one by one like any gift, and the room goes back;
//   - gifts the donor marked as from an organisation are not matched;
//   - each donor is matched up to the pool's per-donor limit;
//   - once the pool's cap is reached, nothing more is matched.
// A campaign's pools are drawn down in their order: a gift's eligible
// amount goes to the first pool with room, what it cannot take to the
// next. The allocation is a function of the campaign's gifts taken in
// the order they were paid, so it is recomputed whole, in the transaction
// of any event that changes one of them (a payment, a refund, a dispute):
// a refund frees room for the gifts after it.

// MatchPool is one funder's pool.
type MatchPool struct {
	ID                 string
	CampaignID         string
	Funder             string
	Cap                int64
	PerDonorLimit      int64 // 0: no limit
	StartsAt, EndsAt   time.Time
	MonthlyTimesTwelve bool
	Position           int
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// GiftMatch is what one pool matched of one gift; Projected is the part of
// Amount not yet backed by payments received.
type GiftMatch struct {
	GiftID    string `gorm:"primaryKey"`
	PoolID    string `gorm:"primaryKey"`
	Amount    int64
	Projected int64
}

// campaignLockClass keys the locks that serialise a campaign's
// recomputation: always taken after the payment locks, so no cycle.
const campaignLockClass = 0x63616d // "cam"

// AddMatchPool adds a pool to a campaign, after its other pools.
func (s *Store) AddMatchPool(ctx context.Context, p *MatchPool, by Actor) error {
	err := s.transaction(ctx, func(tx *Tx) error {
		var n int64
		if err := tx.Model(&MatchPool{}).Where("campaign_id = ?", p.CampaignID).Count(&n).Error; err != nil {
			return err
		}
		p.ID, p.Position, p.CreatedAt, p.UpdatedAt = uuid.NewString(), int(n)+1, tx.now, tx.now
		if err := tx.Create(p).Error; err != nil {
			return translate(err)
		}
		if err := s.recomputeMatches(tx, p.CampaignID); err != nil {
			return err
		}
		return s.audit(tx, by, "added match pool", p.Funder)
	})
	return wrap(err, "campaigns: add pool for %s", p.CampaignID)
}

// MatchPools lists a campaign's pools in their order.
func (s *Store) MatchPools(ctx context.Context, campaignID string) ([]MatchPool, error) {
	var ps []MatchPool
	err := s.db.WithContext(ctx).Where("campaign_id = ?", campaignID).Order("position").Find(&ps).Error
	return ps, wrap(err, "campaigns: pools of %s", campaignID)
}

// PoolUse is what a pool matched so far (of which Projected is promised
// on memberships' coming payments), and what is left.
type PoolUse struct {
	Pool      MatchPool
	Matched   int64
	Projected int64
	Remaining int64
}

// PoolUses lists a campaign's pools with what each has matched.
func (s *Store) PoolUses(ctx context.Context, campaignID string) ([]PoolUse, error) {
	pools, err := s.MatchPools(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	out := make([]PoolUse, 0, len(pools))
	for _, p := range pools {
		var sum struct{ Matched, Projected int64 }
		if err := s.db.WithContext(ctx).Model(&GiftMatch{}).Select("COALESCE(SUM(amount), 0) AS matched, COALESCE(SUM(projected), 0) AS projected").
			Where("pool_id = ?", p.ID).Scan(&sum).Error; err != nil {
			return nil, wrap(err, "campaigns: use of pool %s", p.ID)
		}
		out = append(out, PoolUse{Pool: p, Matched: sum.Matched, Projected: sum.Projected, Remaining: max(p.Cap-sum.Matched, 0)})
	}
	return out, nil
}

// MatchOffer is the pool that would match a gift made at t: the first
// open one with room; nil when none.
func (s *Store) MatchOffer(ctx context.Context, campaignID string, t time.Time) (*PoolUse, error) {
	uses, err := s.PoolUses(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	for i, u := range uses {
		if !t.Before(u.Pool.StartsAt) && t.Before(u.Pool.EndsAt) && u.Remaining > 0 {
			return &uses[i], nil
		}
	}
	return nil, nil
}

// matchCampaignsTouched recomputes the matches of every campaign one of
// whose gifts, or one of whose gifts' memberships (a cancellation ends a
// projection), this transaction changed.
func (s *Store) matchCampaignsTouched(tx *Tx) error {
	ids, err := touchedCampaigns(tx, "", nil)
	if err != nil {
		return err
	}
	return s.recomputeCampaigns(tx, ids)
}

// touchedCampaigns are the campaigns of the gifts and memberships this
// transaction changed: every write in a transaction carries its one
// clock, so they are the rows updated at tx.now. with, when not empty,
// is a WITH clause (and its arguments) run in the same statement.
//
// Two halves, each starting from an index on updated_at: one query with
// an OR across a LEFT JOIN had no index to start from, and with stale
// statistics Postgres scanned every gift, in every webhook. In order, so
// that two transactions recompute the same campaigns in the same order.
func touchedCampaigns(tx *Tx, with string, args []any) ([]string, error) {
	var ids []string
	err := tx.Raw(with+touchedCampaignsSQL, append(args, tx.now, tx.now)...).Scan(&ids).Error
	return ids, err
}

const touchedCampaignsSQL = `SELECT campaign_id FROM gifts WHERE campaign_id IS NOT NULL AND updated_at = ?
	UNION SELECT g.campaign_id FROM memberships AS m JOIN gifts AS g ON g.membership_id = m.id
	WHERE m.updated_at = ? AND g.campaign_id IS NOT NULL ORDER BY 1`

// recomputeCampaigns recomputes the matches of the campaigns ids.
func (s *Store) recomputeCampaigns(tx *Tx, ids []string) error {
	for _, id := range ids {
		if err := s.recomputeMatches(tx, id); err != nil {
			return err
		}
		if err := s.campaignEvents(tx, id); err != nil {
			return err
		}
	}
	return nil
}

type matchFacts struct {
	ID, DonorID, Frequency, MembershipID, FirstGiftID string
	PaidAt                                            time.Time
	TotalAmount, RefundedAmount, Benefit              int64
	DisputeStatus                                     string
	FromOrganisation                                  bool
	MembershipStatus                                  string
	MembershipCancelling                              bool
}

// eligible is what a gift may be matched on: net of refunds and disputes,
// less the value of any benefit it bought.
func (g matchFacts) eligible() int64 {
	net := g.TotalAmount - g.RefundedAmount
	if g.DisputeStatus == DisputeOpen || g.DisputeStatus == DisputeLost {
		net = 0
	}
	return max(net-g.Benefit, 0)
}

// projecting: a membership whose year may be counted ahead, because it is
// still going and not set to end.
func (g matchFacts) projecting() bool {
	return (g.MembershipStatus == MembershipActive || g.MembershipStatus == MembershipPastDue) && !g.MembershipCancelling
}

// recomputeMatches allocates a campaign's pools to its gifts again.
func (s *Store) recomputeMatches(tx *Tx, campaignID string) error {
	if err := s.xactLocks(tx, campaignLockClass, []string{"campaign:" + campaignID}); err != nil {
		return err
	}
	var pools []MatchPool
	if err := tx.Where("campaign_id = ?", campaignID).Order("position").Find(&pools).Error; err != nil {
		return err
	}
	if len(pools) == 0 {
		return nil
	}
	var gifts []matchFacts
	err := tx.Table("gifts AS g").
		Select(`g.id, COALESCE(g.donor_id, '') AS donor_id, g.frequency, COALESCE(g.membership_id, '') AS membership_id,
			COALESCE(m.gift_id, '') AS first_gift_id, g.paid_at, g.total_amount, g.refunded_amount, g.dispute_status, g.from_organisation,
			COALESCE(m.status, '') AS membership_status, COALESCE(m.cancel_at_period_end, FALSE) AS membership_cancelling,
			COALESCE((SELECT MAX(r.benefit_value) FROM receipts r WHERE r.gift_id = g.id), 0) AS benefit`).
		Joins("LEFT JOIN memberships m ON m.id = g.membership_id").
		Where("g.campaign_id = ? AND g.status IN ? AND g.paid_at IS NOT NULL", campaignID, []string{GiftPaid, GiftRefunded}).
		Scan(&gifts).Error
	if err != nil {
		return err
	}
	sort.Slice(gifts, func(i, j int) bool {
		if !gifts[i].PaidAt.Equal(gifts[j].PaidAt) {
			return gifts[i].PaidAt.Before(gifts[j].PaidAt)
		}
		return gifts[i].ID < gifts[j].ID
	})
	poolIDs := make([]string, len(pools))
	for i, p := range pools {
		poolIDs[i] = p.ID
	}
	if err := tx.Where("pool_id IN ?", poolIDs).Delete(&GiftMatch{}).Error; err != nil {
		return err
	}
	used := make([]int64, len(pools))
	byDonor := make([]map[string]int64, len(pools))
	timesTwelve := make([]map[string]bool, len(pools)) // memberships counted at twelve times
	for i := range pools {
		byDonor[i], timesTwelve[i] = map[string]int64{}, map[string]bool{}
	}
	// What each membership's payments in the campaign have brought so far:
	// the part of a year counted ahead that is earned, not projected.
	received := map[string]int64{}
	for _, g := range gifts {
		if g.MembershipID != "" && !g.FromOrganisation {
			received[g.MembershipID] += g.eligible()
		}
	}
	var rows []GiftMatch
	for _, g := range gifts {
		if g.FromOrganisation {
			continue
		}
		base := g.eligible()
		left := base
		yearAhead := g.Frequency == FrequencyMonth && g.MembershipID != "" && g.projecting()
		for i, p := range pools {
			if left <= 0 && !(p.MonthlyTimesTwelve && yearAhead) {
				break
			}
			if g.PaidAt.Before(p.StartsAt) || !g.PaidAt.Before(p.EndsAt) {
				continue
			}
			want, counted := left, false
			if p.MonthlyTimesTwelve && yearAhead {
				switch {
				case g.FirstGiftID == g.ID:
					want, counted = base*12, true
					timesTwelve[i][g.MembershipID] = true
				case timesTwelve[i][g.MembershipID]:
					continue // its first payment counted for the year
				}
			}
			take := want
			if p.PerDonorLimit > 0 {
				take = min(take, max(p.PerDonorLimit-byDonor[i][g.DonorID], 0))
			}
			take = min(take, max(p.Cap-used[i], 0))
			if take <= 0 {
				continue
			}
			used[i] += take
			byDonor[i][g.DonorID] += take
			m := GiftMatch{GiftID: g.ID, PoolID: p.ID, Amount: take}
			if counted {
				earned := min(take, received[g.MembershipID])
				received[g.MembershipID] -= earned
				m.Projected = take - earned
			}
			rows = append(rows, m)
			left = max(left-take, 0)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, 500).Error
}

// MatchesOfCampaign returns each gift's matched amount per pool.
func (s *Store) MatchesOfCampaign(ctx context.Context, campaignID string) (map[string]map[string]int64, error) {
	var rows []GiftMatch
	err := s.db.WithContext(ctx).Table("gift_matches AS gm").Select("gm.gift_id, gm.pool_id, gm.amount").
		Joins("JOIN match_pools p ON p.id = gm.pool_id").Where("p.campaign_id = ?", campaignID).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "campaigns: matches of %s", campaignID)
	}
	out := map[string]map[string]int64{}
	for _, r := range rows {
		if out[r.GiftID] == nil {
			out[r.GiftID] = map[string]int64{}
		}
		out[r.GiftID][r.PoolID] = r.Amount
	}
	return out, nil
}

// GiftMatched is what each funder matched of one gift, in the pools'
// order.
type GiftMatched struct {
	Funder string
	Amount int64
}

// MatchesOfGift lists the funders that matched a gift, and how much.
func (s *Store) MatchesOfGift(ctx context.Context, giftID string) ([]GiftMatched, error) {
	var out []GiftMatched
	err := s.db.WithContext(ctx).Table("gift_matches AS gm").Select("p.funder, gm.amount").
		Joins("JOIN match_pools p ON p.id = gm.pool_id").Where("gm.gift_id = ? AND gm.amount > 0", giftID).
		Order("p.position").Scan(&out).Error
	return out, wrap(err, "campaigns: matches of gift %s", giftID)
}

// projectedOfCampaign is each gift's projected match, over its pools.
func (s *Store) projectedOfCampaign(ctx context.Context, campaignID string) (map[string]int64, error) {
	var rows []struct {
		GiftID    string
		Projected int64
	}
	err := s.db.WithContext(ctx).Table("gift_matches AS gm").Select("gm.gift_id, SUM(gm.projected) AS projected").
		Joins("JOIN match_pools p ON p.id = gm.pool_id").Where("p.campaign_id = ? AND gm.projected > 0", campaignID).
		Group("gm.gift_id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "campaigns: projected matches of %s", campaignID)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.GiftID] = r.Projected
	}
	return out, nil
}

// CampaignLine is one gift of a campaign, as its funders' report lists it.
type CampaignLine struct {
	GiftID, DonorName, DonorEmail string
	PaidAt                        time.Time
	Amount                        int64            // net of refunds and disputes
	Matched                       map[string]int64 // per pool id
	Projected                     int64            // of what was matched, not yet paid (a membership's year ahead)
	NewDonor                      bool             // no paid gift before the campaign began
}

// CampaignReport is a campaign's gifts and totals for its funders.
type CampaignReport struct {
	Campaign               Campaign
	Pools                  []PoolUse
	Lines                  []CampaignLine
	Donors, NewDonors      int64
	Gross, Net, MatchedSum int64
	ProjectedSum           int64
}

// CampaignReport gathers a campaign's gift lines, oldest first, and its
// totals: donors, new donors, gross, net, matched, and each pool's rest.
func (s *Store) CampaignReport(ctx context.Context, c *Campaign) (*CampaignReport, error) {
	pools, err := s.PoolUses(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	matches, err := s.MatchesOfCampaign(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	projected, err := s.projectedOfCampaign(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID, Name, Email, DonorID, DisputeStatus string
		PaidAt                                  time.Time
		TotalAmount, RefundedAmount             int64
		Earlier                                 int64
		Anonymous                               bool
	}
	err = s.db.WithContext(ctx).Table("gifts AS g").
		Select(`g.id, g.name, g.email, g.anonymous, COALESCE(g.donor_id, '') AS donor_id, g.dispute_status, g.paid_at, g.total_amount, g.refunded_amount,
			(SELECT COUNT(*) FROM gifts e WHERE e.donor_id = g.donor_id AND e.status IN ? AND e.paid_at < ?) AS earlier`, []string{GiftPaid, GiftRefunded}, c.StartsAt.UTC()).
		Where("g.campaign_id = ? AND g.status IN ? AND g.paid_at IS NOT NULL", c.ID, []string{GiftPaid, GiftRefunded}).
		Order("g.paid_at, g.id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "campaigns: report of %s", c.Slug)
	}
	r := &CampaignReport{Campaign: *c, Pools: pools}
	donors, newDonors := map[string]bool{}, map[string]bool{}
	for _, g := range rows {
		net := g.TotalAmount - g.RefundedAmount
		if g.DisputeStatus == DisputeOpen || g.DisputeStatus == DisputeLost {
			net = 0
		}
		line := CampaignLine{GiftID: g.ID, DonorName: g.Name, DonorEmail: g.Email, PaidAt: g.PaidAt, Amount: net,
			Matched: matches[g.ID], NewDonor: g.Earlier == 0, Projected: projected[g.ID]}
		r.ProjectedSum += line.Projected
		if g.Anonymous {
			// The report goes to the funder: a donor who asked not to be
			// named is not, and is still counted.
			line.DonorName, line.DonorEmail = "Anonymous", ""
		}
		r.Lines = append(r.Lines, line)
		r.Gross += g.TotalAmount
		r.Net += net
		for _, m := range line.Matched {
			r.MatchedSum += m
		}
		key := g.DonorID
		if key == "" {
			key = g.Email
		}
		donors[key] = true
		if line.NewDonor {
			newDonors[key] = true
		}
	}
	r.Donors, r.NewDonors = int64(len(donors)), int64(len(newDonors))
	return r, nil
}
