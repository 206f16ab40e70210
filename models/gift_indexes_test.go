package models

import (
	"context"
	"strings"
	"testing"

	"github.com/indienews/donations/testenv"
)

// TestGiftLookupsUseTheirPartialIndexes: the gift indexes hold only rows
// with a value (migration 00038), and every lookup by equality, with the
// value a parameter as the ORM sends it, still finds its index: a NULL
// never equals anything, which the planner knows.
func TestGiftLookupsUseTheirPartialIndexes(t *testing.T) {
	ctx := context.Background()
	s := migratedPostgres(t)
	for column, index := range map[string]string{"stripe_invoice_id": "gifts_invoice", "stripe_charge_id": "gifts_charge",
		"membership_id": "gifts_membership", "campaign_id": "gifts_campaign", "batch_id": "gifts_batch",
		"import_key": "gifts_import_key", "stripe_payment_intent_id": "gifts_payment_intent"} {
		err := s.transaction(ctx, func(tx *Tx) error {
			// A table this small is read whole unless scans are priced out;
			// what is checked is that the index can serve the lookup.
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
			if err := tx.Exec("PREPARE lookup (text) AS SELECT id FROM gifts WHERE " + column + " = $1").Error; err != nil {
				return err
			}
			defer tx.Exec("DEALLOCATE lookup")
			// A generic plan: the one a prepared statement keeps, for any value.
			if err := tx.Exec("SET LOCAL plan_cache_mode = force_generic_plan").Error; err != nil {
				return err
			}
			var plan []string
			if err := tx.Raw("EXPLAIN EXECUTE lookup('x')").Scan(&plan).Error; err != nil {
				return err
			}
			var def string
			if err := tx.Raw("SELECT indexdef FROM pg_indexes WHERE indexname = ? AND schemaname = current_schema()", index).Scan(&def).Error; err != nil {
				return err
			}
			if !strings.Contains(def, "IS NOT NULL") {
				t.Errorf("%s indexes every row: %s", index, def)
			}
			if joined := strings.Join(plan, "\n"); !strings.Contains(joined, index) {
				t.Errorf("a lookup by %s does not use %s:\n%s", column, index, joined)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", column, err)
		}
	}
}

// migratedPostgres is a store on a fresh Postgres schema, migrated, closed
// when the test ends.
func migratedPostgres(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{DatabaseURL: testenv.PostgresSchema(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTouchedCampaignsNeverScanTheGifts: the query every webhook's
// transaction ends with starts from an index on updated_at in both its
// halves, whatever the planner knows. Before migration 00039 it was one
// query with an OR across a LEFT JOIN, and on a table not yet analyzed
// (a new server's first hour, a cached generic plan) it read every gift.
func TestTouchedCampaignsNeverScanTheGifts(t *testing.T) {
	ctx := context.Background()
	s := migratedPostgres(t)
	// Gifts with no campaign, as most are, and no ANALYZE since.
	err := s.db.WithContext(ctx).Exec(`INSERT INTO gifts (id, status, source, frequency, amount, total_amount, currency, created_at, updated_at)
		SELECT 'g' || i, 'paid', 'stripe', 'once', 500, 500, 'usd', now(), now() - i * interval '1 second'
		FROM generate_series(1, 3000) AS i`).Error
	if err != nil {
		t.Fatal(err)
	}
	query := strings.Replace(strings.Replace(touchedCampaignsSQL, "?", "$1", 1), "?", "$2", 1)
	for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
		err := s.transaction(ctx, func(tx *Tx) error {
			if err := tx.Exec("SET LOCAL plan_cache_mode = " + mode).Error; err != nil {
				return err
			}
			if err := tx.Exec("PREPARE touched (timestamptz, timestamptz) AS " + query).Error; err != nil {
				return err
			}
			defer tx.Exec("DEALLOCATE touched")
			var plan []string
			if err := tx.Raw("EXPLAIN EXECUTE touched(now(), now())").Scan(&plan).Error; err != nil {
				return err
			}
			joined := strings.Join(plan, "\n")
			if strings.Contains(joined, "Seq Scan") {
				t.Errorf("%s: the touched campaigns are found by a scan:\n%s", mode, joined)
			}
			for _, index := range []string{"gifts_campaign_touched", "memberships_touched"} {
				if !strings.Contains(joined, index) {
					t.Errorf("%s: the plan does not start from %s:\n%s", mode, index, joined)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
}
