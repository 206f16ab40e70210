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
