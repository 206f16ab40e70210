package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Limits against card testing, counted in the database so that every
// instance behind a load balancer spends one budget and a restart forgets
// nothing. No kept Go library counts sliding windows in Postgres and
// SQLite alike through gorm, so this is the sliding-window counter
// Cloudflare describes: hits per fixed slot, and the window's estimate is
// the current slot plus the previous one weighted by how much of it still
// lies inside the window. One row per key and slot; an upsert counts.

// Window is a sliding window over one counted thing.
type Window struct {
	Key    string // what is counted, e.g. "donate/ip:203.0.113.7"
	Length time.Duration
}

// rateCounter is one slot of a window.
type rateCounter struct {
	Key         string    `gorm:"primaryKey"`
	WindowStart time.Time `gorm:"primaryKey"`
	Hits        int64
}

func (rateCounter) TableName() string { return "rate_counters" }

// slotKey keeps windows of different lengths over the same thing apart.
func (w Window) slotKey() string { return fmt.Sprintf("%s@%ds", w.Key, int64(w.Length/time.Second)) }

func (w Window) slots(now time.Time) (cur, prev time.Time, elapsed time.Duration) {
	cur = now.UTC().Truncate(w.Length)
	return cur, cur.Add(-w.Length), now.Sub(cur)
}

// estimate is the sliding count from the current and previous slots. The
// previous slot's share is rounded up: a single hit (a breaker's trip)
// stays counted until the window has wholly passed it, rather than
// vanishing at the next slot's first second.
func (w Window) estimate(cur, prev int64, elapsed time.Duration) int64 {
	l := int64(w.Length)
	return cur + (prev*(l-int64(elapsed))+l-1)/l
}

// Hit counts one hit and returns the window's count with it.
func (s *Store) Hit(ctx context.Context, w Window) (int64, error) {
	now := s.now()
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		n, err = hit(tx, w, now, 1)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("limits: counting %s: %w", w.Key, err)
	}
	return n, nil
}

// Allow counts one hit unless that would take the window past max; it
// then counts nothing and says how long until a hit would fit. Two
// instances at once cannot both take the last place: each sees the
// other's increment, and the one over the line takes its own back.
func (s *Store) Allow(ctx context.Context, w Window, max int64) (bool, time.Duration, error) {
	now := s.now()
	ok := true
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n, err := hit(tx, w, now, 1)
		if err != nil || n <= max {
			return err
		}
		ok = false
		_, err = hit(tx, w, now, -1)
		return err
	})
	if err != nil {
		return false, 0, fmt.Errorf("limits: %s: %w", w.Key, err)
	}
	if ok {
		return true, 0, nil
	}
	return false, s.waitFor(ctx, w, max, now), nil
}

// waitFor is how long until the window holds fewer than max: the
// previous slot's weight falls linearly, and the current slot's hits
// become the previous slot's at the next boundary.
func (s *Store) waitFor(ctx context.Context, w Window, max int64, now time.Time) time.Duration {
	cur, prev, elapsed := w.slots(now)
	c, p := s.slot(ctx, w, cur), s.slot(ctx, w, prev)
	if c < max && p > 0 {
		// c + p*(L-e-d)/L < max  ⇔  d > L - e - (max-c)*L/p
		d := w.Length - elapsed - time.Duration(int64(max-c)*int64(w.Length)/p)
		return max1s(d + time.Second)
	}
	// After the boundary the current slot weighs in as the previous one.
	toBoundary := w.Length - elapsed
	if c > 0 && c >= max {
		return max1s(toBoundary + time.Duration(int64(c-max+1)*int64(w.Length)/c))
	}
	return max1s(toBoundary)
}

func max1s(d time.Duration) time.Duration { return max(d, time.Second) }

// Hits is the window's count now, without counting.
func (s *Store) Hits(ctx context.Context, w Window) (int64, error) {
	now := s.now()
	cur, prev, elapsed := w.slots(now)
	var rows []rateCounter
	err := s.db.WithContext(ctx).Where("key = ? AND window_start IN ?", w.slotKey(), []time.Time{cur, prev}).Find(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("limits: reading %s: %w", w.Key, err)
	}
	var c, p int64
	for _, r := range rows {
		if r.WindowStart.Equal(cur) {
			c = r.Hits
		} else {
			p = r.Hits
		}
	}
	return w.estimate(c, p, elapsed), nil
}

// HitsSince adds up the slots of a window that start at or after since
// (for "today", with hourly slots).
func (s *Store) HitsSince(ctx context.Context, w Window, since time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&rateCounter{}).Where("key = ? AND window_start >= ?", w.slotKey(), since.UTC()).
		Select("COALESCE(SUM(hits), 0)").Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("limits: adding up %s: %w", w.Key, err)
	}
	return n, nil
}

func (s *Store) slot(ctx context.Context, w Window, start time.Time) int64 {
	var r rateCounter
	if err := s.db.WithContext(ctx).Where("key = ? AND window_start = ?", w.slotKey(), start).Take(&r).Error; err != nil {
		return 0
	}
	return r.Hits
}

// hit adds delta to the current slot and returns the window's count.
func hit(tx *gorm.DB, w Window, now time.Time, delta int64) (int64, error) {
	cur, prev, elapsed := w.slots(now)
	row := rateCounter{Key: w.slotKey(), WindowStart: cur, Hits: delta}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}, {Name: "window_start"}},
		DoUpdates: clause.Assignments(map[string]any{"hits": gorm.Expr("rate_counters.hits + ?", delta)}),
	}, clause.Returning{Columns: []clause.Column{{Name: "hits"}}}).Create(&row).Error
	if err != nil {
		return 0, err
	}
	var p rateCounter
	if err := tx.Where("key = ? AND window_start = ?", w.slotKey(), prev).Take(&p).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, err
	}
	return w.estimate(row.Hits, p.Hits, elapsed), nil
}

// spentChallenge is a proof of work that has been used: a solution is
// good for one checkout.
type spentChallenge struct {
	Challenge string `gorm:"primaryKey"`
	ExpiresAt time.Time
}

func (spentChallenge) TableName() string { return "spent_challenges" }

// SpendChallenge records a solved challenge as used. ErrConflict: it was
// used before (a replay), by this instance or another.
func (s *Store) SpendChallenge(ctx context.Context, challenge string, expires time.Time) error {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&spentChallenge{Challenge: challenge, ExpiresAt: expires.UTC()})
	if res.Error != nil {
		return fmt.Errorf("limits: spending a challenge: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrConflict
	}
	return nil
}

// PruneLimits forgets slots older than two days and spent challenges that
// have expired (an expired one is refused for its date anyway).
func (s *Store) PruneLimits(ctx context.Context) error {
	now := s.now().UTC()
	if err := s.db.WithContext(ctx).Where("window_start < ?", now.Add(-48*time.Hour)).Delete(&rateCounter{}).Error; err != nil {
		return fmt.Errorf("limits: pruning counters: %w", err)
	}
	if err := s.db.WithContext(ctx).Where("expires_at < ?", now).Delete(&spentChallenge{}).Error; err != nil {
		return fmt.Errorf("limits: pruning spent challenges: %w", err)
	}
	return nil
}

// CheckoutsStarted counts the gifts sent to Checkout in [from, to): the
// normal rate the circuit breaker compares the last minute with.
func (s *Store) CheckoutsStarted(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("gifts").Where("created_at >= ? AND created_at < ? AND stripe_session_id IS NOT NULL", from.UTC(), to.UTC()).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("limits: counting checkouts: %w", err)
	}
	return n, nil
}
