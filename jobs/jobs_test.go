package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
	"github.com/indienews/donations/testenv"
)

// fakeStripe lists fixture-built events, as Stripe's Events API would, and
// notes how many listings run at once.
type fakeStripe struct {
	events  []payments.Listed
	calls   atomic.Int32
	running atomic.Int32
	overlap atomic.Bool
}

func (f *fakeStripe) ListEvents(ctx context.Context, since time.Time) ([]payments.Listed, error) {
	f.calls.Add(1)
	if f.running.Add(1) > 1 {
		f.overlap.Store(true)
	}
	defer f.running.Add(-1)
	time.Sleep(50 * time.Millisecond)
	return f.events, nil
}

func (f *fakeStripe) ListCompletedCheckouts(ctx context.Context, since time.Time) ([]payments.Listed, error) {
	return nil, nil
}

// PaymentFees: none known.
func (f *fakeStripe) PaymentFees(context.Context, string, string) (models.PaymentFees, error) {
	return models.PaymentFees{}, nil
}

// Resolve: the events listed here are all in our API version.
func (f *fakeStripe) Resolve(ctx context.Context, ev payments.Event) (payments.Event, error) {
	if ev.Notice != nil {
		return payments.Event{}, fmt.Errorf("unexpected notice %s", ev.ID)
	}
	return ev, nil
}

func openStore(t *testing.T, db string) (*models.Store, string, string) {
	t.Helper()
	pg, sqlitePath := testenv.DatabaseURLs(t, db)
	return open(t, pg, sqlitePath), pg, sqlitePath
}

func open(t *testing.T, pg, sqlitePath string) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), models.Options{DatabaseURL: pg, SQLitePath: sqlitePath,
		Receipts: models.ReceiptSettings{Org: models.Org{Name: "The Ledger"}, FiscalYearStart: config.MonthDay{Month: time.January, Day: 1}, Location: time.UTC}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func missedEvents(t *testing.T, n int) []payments.Listed {
	v := payments.NewVerifier("whsec_jobs")
	var out []payments.Listed
	for i := 0; i < n; i++ {
		body := testenv.Event(t, fmt.Sprintf("evt_missed_%d", i), "checkout.session.completed",
			testenv.PaidSession(t, fmt.Sprintf("cs_missed_%d", i), "", fmt.Sprintf("m%d@example.com", i), 1000), "2023-10-16")
		ev, err := v.Parse(body, testenv.Sign(body, "whsec_jobs", time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, payments.Listed{Event: ev})
	}
	return out
}

func countReceipts(t *testing.T, s *models.Store) int {
	n := 0
	_ = s.EachReceipt(context.Background(), models.ReceiptPeriod{FiscalYear: time.Now().UTC().Year()}, func(*models.Receipt) error { n++; return nil })
	return n
}

// TestPeriodicReconcileHealsMissedWebhooks runs two server instances' job
// runners on one database: the reconciliation runs on a schedule, applies
// the events no webhook delivered, once each, and never twice at a time.
func TestPeriodicReconcileHealsMissedWebhooks(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			store, pg, sqlitePath := openStore(t, db)
			second := open(t, pg, sqlitePath) // another instance on the same database
			fake := &fakeStripe{events: missedEvents(t, 5)}
			var runners []*jobs.Runner
			for _, s := range []*models.Store{store, second} {
				r, err := jobs.NewRunner(s, jobs.Options{Lister: fake, Store: s, Every: time.Second,
					Window: time.Hour, FetchPoll: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
				runners = append(runners, r)
			}
			deadline := time.Now().Add(20 * time.Second)
			for fake.calls.Load() < 3 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			var wg sync.WaitGroup
			for _, r := range runners {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					if err := r.Stop(ctx); err != nil {
						t.Errorf("stop: %v", err)
					}
				}()
			}
			wg.Wait()
			if calls := fake.calls.Load(); calls < 3 {
				t.Fatalf("reconciliation ran %d times in 20s, want it every second", calls)
			}
			if fake.overlap.Load() {
				t.Fatal("two reconciliations ran at the same time")
			}
			if n := countReceipts(t, store); n != 5 {
				t.Fatalf("%d receipts after reconciling 5 missed events several times, want 5", n)
			}
		})
	}
}
