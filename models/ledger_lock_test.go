package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"testing"
	"time"

	"github.com/indienews/donations/testenv"
)

// TestClaimedEventHoldsItsPaymentLocks: on Postgres the event's row and its
// payment locks are one statement. A new event holds every lock from
// then to its commit, as if they were taken by a statement of their own;
// a duplicate takes none, so it waits for nobody's payment.
func TestClaimedEventHoldsItsPaymentLocks(t *testing.T) {
	ctx := context.Background()
	url := testenv.PostgresSchema(t)
	s, err := Open(ctx, Options{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	// free reports whether another session could take key's lock now.
	free := func(key string) bool {
		t.Helper()
		h := fnv.New32a()
		h.Write([]byte(key))
		var ok bool
		if err := other.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock($1, $2)`, paymentLockClass, int32(h.Sum32())).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok // the try's own lock ends with its statement's transaction
	}
	keys := CheckoutPayment{SessionID: "cs_claim", PaymentIntentID: "pi_claim"}.lockKeys()
	row := func() stripeEvent {
		return stripeEvent{ID: "evt_claim", Type: "checkout.session.completed", CreatedAt: time.Now(), ReceivedAt: time.Now(), Outcome: "processing"}
	}
	for _, first := range []bool{true, false} {
		err := s.transaction(ctx, func(tx *Tx) error {
			fresh, err := s.claimEvent(tx, row(), keys)
			if err != nil {
				return err
			}
			if fresh != first {
				t.Errorf("claim %v: fresh = %v", first, fresh)
			}
			for _, k := range keys {
				if held := !free(k); held != first {
					t.Errorf("claim fresh=%v: lock %s held = %v", first, k, held)
				}
				if first && !tx.held[lockID{paymentLockClass, k}] {
					t.Errorf("lock %s taken but not recorded as held: it would be asked for again", k)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range keys {
		if !free(k) {
			t.Errorf("lock %s outlived its transaction", k)
		}
	}
	var n int64
	if err := s.db.Model(&stripeEvent{}).Where("id = ?", "evt_claim").Count(&n).Error; err != nil || n != 1 {
		t.Fatalf("events recorded: %d, %v", n, err)
	}
}

// TestEventsWaitTheirTurn: past EventsAtOnce, an event waits for one being
// applied to finish; one whose sender gives up first is not applied, and
// can be sent again.
func TestEventsWaitTheirTurn(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{SQLitePath: testenv.SQLitePath(t), EventsAtOnce: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if cap(s.events) != 2 {
		t.Fatalf("events at once: %d", cap(s.events))
	}
	ev := EventRecord{ID: "evt_turn", Type: "customer.created", Created: time.Now()}
	s.events <- struct{}{} // two events being applied
	s.events <- struct{}{}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.ApplyEvent(short, ev, Ignore{Reason: "test"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an event past the cap, its sender gone: %v", err)
	}
	if seen, err := s.EventRecorded(ctx, ev.ID); err != nil || seen {
		t.Fatalf("an event that never had its turn was recorded: %v %v", seen, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.ApplyEvent(ctx, ev, Ignore{Reason: "test"})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("applied with no turn free: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	<-s.events // one finishes
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if seen, err := s.EventRecorded(ctx, ev.ID); err != nil || !seen {
		t.Fatalf("the event, once its turn came: %v %v", seen, err)
	}
}

// TestClaimCountsTheEndpoints: on Postgres the claim also counts the
// outbound endpoints. With none, the transaction knows it tells no one and
// does not read them again; with one, active or disabled, it reads them
// when it has an event to tell (TestEventsWaitForADisabledEndpoint and
// outbox_events_test.go follow the events to their deliveries).
func TestClaimCountsTheEndpoints(t *testing.T) {
	ctx := context.Background()
	s := migratedPostgres(t)
	claim := func(id string) (endpRead bool) {
		t.Helper()
		err := s.transaction(ctx, func(tx *Tx) error {
			row := stripeEvent{ID: id, Type: "checkout.session.completed", CreatedAt: time.Now(), ReceivedAt: time.Now(), Outcome: "processing"}
			fresh, err := s.claimEvent(tx, row, CheckoutPayment{SessionID: "cs_" + id}.lockKeys())
			if err != nil || !fresh {
				return fmt.Errorf("claim %s: fresh %v, %v", id, fresh, err)
			}
			endpRead = tx.endpRead
			if endpRead && len(tx.endpoints) != 0 {
				t.Errorf("%s: endpoints marked read with %d in hand", id, len(tx.endpoints))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return endpRead
	}
	if !claim("evt_none") {
		t.Error("no endpoint: the transaction would read the endpoints again")
	}
	admin := Actor{Email: "admin@example.org"}
	e, err := s.CreateOutboundEndpoint(ctx, "https://hooks.example.org/crm", "", nil, admin)
	if err != nil {
		t.Fatal(err)
	}
	if claim("evt_active") {
		t.Error("an active endpoint: the transaction took it as none")
	}
	if err := s.DisableOutboundEndpoint(ctx, e.ID, "test", admin); err != nil {
		t.Fatal(err)
	}
	if claim("evt_disabled") {
		t.Error("a disabled endpoint, whose events wait for it: the transaction took it as none")
	}
}
