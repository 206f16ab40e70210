package models

import (
	"hash/fnv"
	"slices"
	"strings"
)

// Events about one payment can be delivered at the same instant: Stripe
// sends in parallel and does not order. Each effect reads a gift (or a
// membership) and decides from what it read, so under Postgres's READ
// COMMITTED two such transactions could each decide from the state before
// the other: a smaller cumulative refund overwriting a larger one, or a
// refund recorded as "payment not seen yet" while the payment, not seeing
// the refund yet either, commits without it. So every effect names the
// Stripe objects it is about, and ApplyEvent takes a transaction-scoped
// lock on each before the effect reads anything. Events about one payment
// or one subscription then apply one after the other, each seeing what the
// one before committed; events about different payments do not wait for
// each other. SQLite needs none of this: its one connection and immediate
// transactions already apply events one at a time.

// paymentLockClass is the first key of the two-key advisory locks, which
// share no key space with the one-key lock migrations take.
const paymentLockClass = 0x646f6e // "don"

// lockKeys is what each effect is about, as "kind:id" strings.
func lockKeys(pairs ...string) []string {
	var keys []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			keys = append(keys, pairs[i]+":"+pairs[i+1])
		}
	}
	return keys
}

func (p CheckoutPayment) lockKeys() []string {
	return lockKeys("gift", p.ClientReferenceID, "session", p.SessionID, "pi", p.PaymentIntentID)
}

func (e CheckoutSubscription) lockKeys() []string {
	return append(e.CheckoutPayment.lockKeys(), lockKeys("sub", e.SubscriptionID)...)
}

func (p InvoicePayment) lockKeys() []string {
	return lockKeys("sub", p.SubscriptionID, "invoice", p.InvoiceID, "pi", p.PaymentIntentID, "ch", p.ChargeID, "gift", p.GiftID)
}

func (e SubscriptionChanged) lockKeys() []string {
	return lockKeys("sub", e.SubscriptionID, "gift", e.GiftID)
}

func (r ChargeRef) lockKeys() []string {
	return lockKeys("ch", r.ChargeID, "pi", r.PaymentIntentID, "invoice", r.InvoiceID)
}

func (Ignore) lockKeys() []string { return nil }

// signInLockClass keys the locks that serialise staff sign-in
// reservations per client and per account (see staff_signin.go).
const signInLockClass = 0x73676e // "sgn"

// lockPayments takes the advisory locks for keys until tx ends.
func (s *Store) lockPayments(tx *Tx, keys []string) error {
	return s.xactLocks(tx, paymentLockClass, keys)
}

// xactLocks takes the advisory locks of class for keys until tx ends.
// Locks are taken in the order of their hashed keys, the same in every
// transaction, so two transactions sharing more than one key cannot
// deadlock each other.
func (s *Store) xactLocks(tx *Tx, class int, keys []string) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	from, args := tx.locksToTake(class, keys)
	if from == "" {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock(?, k) FROM "+from, append([]any{class}, args...)...).Error; err != nil {
		return err
	}
	tx.markHeld(class, keys)
	return nil
}

// locksToTake is a FROM item, and its arguments, that yields as k the
// hashes of the keys of class tx does not hold yet, one row each:
// sorted and without repeats, so every transaction takes them in one
// order. unnest yields the array in order, and each row takes its lock
// before the next row is read, so one round trip takes them all. ""
// when tx holds them all already.
func (tx *Tx) locksToTake(class int, keys []string) (string, []any) {
	hashes := make([]int32, 0, len(keys))
	for _, k := range keys {
		if tx.held[lockID{class, k}] {
			continue // held since it was taken, until the commit
		}
		h := fnv.New32a()
		h.Write([]byte(k))
		hashes = append(hashes, int32(h.Sum32()))
	}
	if len(hashes) == 0 {
		return "", nil
	}
	slices.Sort(hashes)
	hashes = slices.Compact(hashes)
	args := make([]any, 0, len(hashes))
	for _, h := range hashes {
		args = append(args, h)
	}
	return "unnest(ARRAY[" + strings.TrimSuffix(strings.Repeat("?,", len(hashes)), ",") + "]::int4[]) AS k", args
}

// markHeld records that tx holds the locks of class for keys.
func (tx *Tx) markHeld(class int, keys []string) {
	if tx.held == nil {
		tx.held = map[lockID]bool{}
	}
	for _, k := range keys {
		tx.held[lockID{class, k}] = true
	}
}

// A failed charge and its invoice's events share the invoice's lock.
func (e ChargeFailed) lockKeys() []string { return e.ChargeRef.lockKeys() }
