package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// The funders' report of a campaign: one "gift" row per gift (date,
// donor, amount net of refunds and disputes, what each pool matched, new
// or returning donor), one "pool" row per match pool (cap, matched,
// remaining), and one "total" row (donors, new donors, gross, net,
// matched). "projected" is the part of "matched" that a monthly
// membership counted at twelve times has not yet paid: the match earned
// by payments received is matched less projected. Amounts in major units.

// CampaignColumns is the report's header; the pools' columns follow
// "matched" in the pools' order.
func CampaignColumns(r *models.CampaignReport) []string {
	cols := []string{"row", "date", "donor", "email", "donor_type", "amount", "matched", "projected"}
	for _, p := range r.Pools {
		cols = append(cols, "matched_by_"+Text(p.Pool.Funder))
	}
	return append(cols, "cap", "remaining", "donors", "new_donors", "gross")
}

// WriteCampaignCSV writes the report.
func WriteCampaignCSV(w io.Writer, r *models.CampaignReport, loc *time.Location) error {
	cur := r.Campaign.Currency
	f := func(v int64) string { return money.FormatMajor(v, cur) }
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	cw := csv.NewWriter(w)
	if err := cw.Write(CampaignColumns(r)); err != nil {
		return err
	}
	width := 8 + len(r.Pools) + 5
	for _, l := range r.Lines {
		row := make([]string, 0, width)
		kind := "returning"
		if l.NewDonor {
			kind = "new"
		}
		var total int64
		for _, m := range l.Matched {
			total += m
		}
		row = append(row, "gift", l.PaidAt.In(loc).Format("2006-01-02"), Text(l.DonorName), Text(l.DonorEmail), kind, f(l.Amount), f(total), f(l.Projected))
		for _, p := range r.Pools {
			row = append(row, f(l.Matched[p.Pool.ID]))
		}
		row = append(row, "", "", "", "", "")
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	for i, p := range r.Pools {
		row := []string{"pool", "", Text(p.Pool.Funder), "", "", "", f(p.Matched), f(p.Projected)}
		for j := range r.Pools {
			v := ""
			if j == i {
				v = f(p.Matched)
			}
			row = append(row, v)
		}
		row = append(row, f(p.Pool.Cap), f(p.Remaining), "", "", "")
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	total := []string{"total", "", "", "", "", f(r.Net), f(r.MatchedSum), f(r.ProjectedSum)}
	for range r.Pools {
		total = append(total, "")
	}
	total = append(total, "", "", n(r.Donors), n(r.NewDonors), f(r.Gross))
	if err := cw.Write(total); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
