package jobs

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestBooksAreCheckedNightly: the check runs at 3 in the newsroom's own
// time zone, across a change of clocks, and its worker keeps the result
// for the dashboard.
func TestBooksAreCheckedNightly(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	n := nightly{hour: 3, loc: ny}
	for _, c := range []struct{ now, want string }{
		{"2026-12-04T12:00:00-05:00", "2026-12-05T03:00:00-05:00"},
		{"2026-12-04T02:59:00-05:00", "2026-12-04T03:00:00-05:00"},
		{"2026-12-04T03:00:00-05:00", "2026-12-05T03:00:00-05:00"},
		{"2026-03-07T23:00:00-05:00", "2026-03-08T03:00:00-04:00"}, // clocks go forward at 2
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		if got := n.Next(now).Format(time.RFC3339); got != c.want {
			t.Errorf("after %s: next check at %s, want %s", c.now, got, c.want)
		}
	}

	testenv.ForEachDB(t, func(t *testing.T, db string) {
		pg, sqlitePath := testenv.DatabaseURLs(t, db)
		s, err := models.Open(context.Background(), models.Options{DatabaseURL: pg, SQLitePath: sqlitePath})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		w := &checkBooksWorker{store: s, log: slog.New(slog.DiscardHandler)}
		if err := w.Work(context.Background(), &river.Job[CheckBooksArgs]{}); err != nil {
			t.Fatal(err)
		}
		last, err := s.LastBookCheck(context.Background())
		if err != nil || last == nil || !last.OK {
			t.Fatalf("the nightly check's result: %+v, %v", last, err)
		}
	})
}
