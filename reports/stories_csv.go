package reports

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// StoriesColumns is the stories report's header: one row per article,
// campaign or source (the dimension) and currency.
var StoriesColumns = []string{"dimension", "key", "currency", "gifts", "donors", "first_time_donors", "gross", "net", "memberships_started"}

// StoriesSource computes the report; *models.Store is one.
type StoriesSource interface {
	Stories(ctx context.Context, from, to time.Time) (*models.StoriesReport, error)
}

// WriteStoriesCSV writes the gifts paid in [from, to) by article, by
// campaign and by source.
func WriteStoriesCSV(ctx context.Context, w io.Writer, src StoriesSource, from, to time.Time) error {
	r, err := src.Stories(ctx, from, to)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(StoriesColumns); err != nil {
		return err
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, view := range []struct {
		name string
		rows []models.StoryRow
	}{{"article", r.ByArticle}, {"campaign", r.ByCampaign}, {"source", r.BySource}} {
		for _, row := range view.rows {
			if err := cw.Write([]string{view.name, Text(row.Key), Text(row.Currency), n(row.Gifts), n(row.Donors), n(row.FirstTime),
				money.FormatMajor(row.Gross, row.Currency), money.FormatMajor(row.Net, row.Currency), n(row.Starts)}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
