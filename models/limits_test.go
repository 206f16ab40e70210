package models_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// fakeClock is a clock two stores share, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestLimitsAreSharedAndKept: two stores on one database, as two
// instances behind a load balancer are, spend one budget even when they
// ask at the same instant; a store opened again (a restart) still sees
// it; the window slides; a spent challenge cannot be spent again from the
// other instance; and old counters are pruned.
func TestLimitsAreSharedAndKept(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		pgURL, sqlitePath := testenv.DatabaseURLs(t, db)
		clock := &fakeClock{t: time.Date(2026, 12, 4, 10, 0, 30, 0, time.UTC)}
		open := func() *models.Store {
			s, err := models.Open(ctx, models.Options{DatabaseURL: pgURL, SQLitePath: sqlitePath, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			return s
		}
		a, b := open(), open()
		defer b.Close()
		w := models.Window{Key: "donate/nojs", Length: time.Hour}

		var allowed atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, wait, err := s.Allow(ctx, w, 10)
				if err != nil {
					t.Error(err)
				}
				if ok {
					allowed.Add(1)
				} else if wait <= 0 {
					t.Errorf("refused with no wait")
				}
			}()
		}
		wg.Wait()
		if n := allowed.Load(); n != 10 {
			t.Fatalf("40 attempts at once on two instances, budget 10: %d allowed", n)
		}
		if n, err := a.Hits(ctx, w); err != nil || n != 10 {
			t.Fatalf("window holds %d (%v), want 10: refusals take their hit back", n, err)
		}

		// A restart keeps the count.
		a.Close()
		a = open()
		defer a.Close()
		if ok, wait, err := a.Allow(ctx, w, 10); err != nil || ok || wait < 29*time.Minute {
			t.Fatalf("after a restart: allowed=%v wait=%s err=%v, want refused for about the rest of the hour", ok, wait, err)
		}

		// The window slides: half an hour into the next slot, half of the
		// previous one still counts (5 of 10), so 5 more fit.
		clock.Add(time.Hour) // 11:00:30
		clock.Add(29*time.Minute + 30*time.Second)
		if n, _ := b.Hits(ctx, w); n != 5 {
			t.Fatalf("half-way through the next hour: %d, want 5", n)
		}
		for i := 0; i < 5; i++ {
			if ok, _, err := b.Allow(ctx, w, 10); err != nil || !ok {
				t.Fatalf("place %d of 5 after the slide: %v %v", i+1, ok, err)
			}
		}
		if ok, _, _ := a.Allow(ctx, w, 10); ok {
			t.Fatal("an eleventh fit in the sliding hour")
		}
		if n, err := a.HitsSince(ctx, w, time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)); err != nil || n != 15 {
			t.Fatalf("hits today: %d (%v), want 15", n, err)
		}

		// A solved challenge is spent once, whichever instance sees it.
		exp := clock.Now().Add(20 * time.Minute)
		if err := a.SpendChallenge(ctx, "abc123", exp); err != nil {
			t.Fatal(err)
		}
		if err := b.SpendChallenge(ctx, "abc123", exp); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("replayed on the other instance: %v, want ErrConflict", err)
		}

		// Three days on, everything is pruned.
		clock.Add(72 * time.Hour)
		if err := a.PruneLimits(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := a.HitsSince(ctx, w, time.Time{}); n != 0 {
			t.Fatalf("%d hits left after pruning", n)
		}
		if err := b.SpendChallenge(ctx, "abc123", clock.Now().Add(time.Minute)); err != nil {
			t.Fatalf("an expired spent challenge was not pruned: %v", err)
		}
	})
}
