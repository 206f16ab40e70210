package models

import (
	"context"
	"sort"
	"time"
)

// Which stories bring gifts: a period's paid gifts counted by the article
// they started from, by campaign and by source (utm_source / utm_medium).

// StoryRow is one article, campaign or source in one currency.
type StoryRow struct {
	Key, Currency                    string
	Gifts, Donors, FirstTime, Starts int64 // Starts: memberships started
	Gross, Net                       int64
}

// StoriesReport is a period's three views, each sorted by gross, largest
// first.
type StoriesReport struct {
	ByArticle, ByCampaign, BySource []StoryRow
}

// Keys for gifts that say nothing.
const (
	NoArticle  = "(no article)"
	NoCampaign = "(no campaign)"
	Direct     = "(direct)"
)

// Stories counts the gifts paid in [from, to). A first-time donor is one
// whose first paid gift ever is in the row; a membership started is its
// first payment.
func (s *Store) Stories(ctx context.Context, from, to time.Time) (*StoriesReport, error) {
	var gifts []struct {
		ID, DonorID, Email, Currency, DisputeStatus string
		SourceURL, UTMSource, UTMMedium, Campaign   string
		TotalAmount, RefundedAmount                 int64
		FirstTime, Starts                           bool
	}
	err := s.db.WithContext(ctx).Table("gifts AS g").
		Select(`g.id, COALESCE(g.donor_id, '') AS donor_id, g.email, g.currency, g.dispute_status, g.source_url, g.utm_source, g.utm_medium,
			COALESCE(c.name, '') AS campaign, g.total_amount, g.refunded_amount,
			NOT EXISTS (SELECT 1 FROM gifts e WHERE e.donor_id = g.donor_id AND e.status IN ?
				AND (e.paid_at < g.paid_at OR (e.paid_at = g.paid_at AND e.id < g.id))) AS first_time,
			(m.gift_id IS NOT NULL AND m.gift_id = g.id) AS starts`, []string{GiftPaid, GiftRefunded}).
		Joins("LEFT JOIN campaigns c ON c.id = g.campaign_id").
		Joins("LEFT JOIN memberships m ON m.id = g.membership_id").
		Where("g.paid_at >= ? AND g.paid_at < ? AND g.status IN ?", from.UTC(), to.UTC(), []string{GiftPaid, GiftRefunded}).
		Scan(&gifts).Error
	if err != nil {
		return nil, wrap(err, "stories: gifts from %s", from.Format("2006-01-02"))
	}
	type acc struct {
		row    StoryRow
		donors map[string]bool
		first  map[string]bool
	}
	views := [3]map[[2]string]*acc{{}, {}, {}}
	for _, g := range gifts {
		net := g.TotalAmount - g.RefundedAmount
		if g.DisputeStatus == DisputeOpen || g.DisputeStatus == DisputeLost {
			net = 0
		}
		donor := g.DonorID
		if donor == "" {
			donor = g.Email
		}
		source := Direct
		if g.UTMSource != "" || g.UTMMedium != "" {
			source = g.UTMSource + " / " + g.UTMMedium
		}
		keys := [3]string{orKey(g.SourceURL, NoArticle), orKey(g.Campaign, NoCampaign), source}
		for i, k := range keys {
			a := views[i][[2]string{k, g.Currency}]
			if a == nil {
				a = &acc{row: StoryRow{Key: k, Currency: g.Currency}, donors: map[string]bool{}, first: map[string]bool{}}
				views[i][[2]string{k, g.Currency}] = a
			}
			a.row.Gifts++
			a.row.Gross += g.TotalAmount
			a.row.Net += net
			a.donors[donor] = true
			if g.FirstTime {
				a.first[donor] = true
			}
			if g.Starts {
				a.row.Starts++
			}
		}
	}
	rows := func(m map[[2]string]*acc) []StoryRow {
		out := make([]StoryRow, 0, len(m))
		for _, a := range m {
			a.row.Donors, a.row.FirstTime = int64(len(a.donors)), int64(len(a.first))
			out = append(out, a.row)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Gross != out[j].Gross {
				return out[i].Gross > out[j].Gross
			}
			return out[i].Key+out[i].Currency < out[j].Key+out[j].Currency
		})
		return out
	}
	return &StoriesReport{ByArticle: rows(views[0]), ByCampaign: rows(views[1]), BySource: rows(views[2])}, nil
}

func orKey(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
