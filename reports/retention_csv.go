package reports

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// RetentionColumns is the retention report's header: one row per month
// and currency, the MRR columns in major units.
var RetentionColumns = []string{"month", "currency", "members_start", "new", "reactivated", "churned", "members_end",
	"mrr_start", "mrr_new", "mrr_reactivation", "mrr_expansion", "mrr_contraction", "mrr_churn", "mrr_end",
	"failed_payments", "recovered", "churn_reasons"}

// RetentionSource computes the report; *models.Store is one.
type RetentionSource interface {
	Retention(ctx context.Context, from, to time.Time, loc *time.Location) ([]models.RetentionMonth, error)
}

// ParseMonths reads a --from and --to pair of months (YYYY-MM, both
// included) as the instants [from, to) in loc.
func ParseMonths(from, to string, loc *time.Location) (time.Time, time.Time, error) {
	f, err := time.ParseInLocation("2006-01", from, loc)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("from: want a month such as 2026-01, got %q", from)
	}
	t, err := time.ParseInLocation("2006-01", to, loc)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("to: want a month such as 2026-12, got %q", to)
	}
	if t.Before(f) {
		return time.Time{}, time.Time{}, fmt.Errorf("to (%s) is before from (%s)", to, from)
	}
	if t.Sub(f) > 10*366*24*time.Hour {
		return time.Time{}, time.Time{}, fmt.Errorf("at most ten years at a time")
	}
	return f, t.AddDate(0, 1, 0), nil
}

// ChurnReasons lists a month's reasons as "too_expensive=2; payment_failed=1",
// most frequent first.
func ChurnReasons(r map[string]int64) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if r[keys[i]] != r[keys[j]] {
			return r[keys[i]] > r[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.FormatInt(r[k], 10)
	}
	return strings.Join(parts, "; ")
}

// WriteRetentionCSV writes the months in [from, to).
func WriteRetentionCSV(ctx context.Context, w io.Writer, src RetentionSource, from, to time.Time, loc *time.Location) error {
	months, err := src.Retention(ctx, from, to, loc)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(RetentionColumns); err != nil {
		return err
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, m := range months {
		f := func(v int64) string { return money.FormatMajor(v, m.Currency) }
		if err := cw.Write([]string{m.Month, Text(m.Currency), n(m.ActiveStart), n(m.New), n(m.Reactivated), n(m.Churned), n(m.ActiveEnd),
			f(m.MRRStart), f(m.MRRNew), f(m.MRRReactivation), f(m.MRRExpansion), f(m.MRRContraction), f(m.MRRChurn), f(m.MRREnd),
			n(m.FailedPayments), n(m.Recovered), Text(ChurnReasons(m.ChurnReasons))}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
