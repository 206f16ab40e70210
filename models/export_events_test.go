package models

import "errors"

// failAfter applies an effect in full, then fails, so its transaction
// rolls back with everything the effect wrote.
type failAfter struct{ Effect }

func (f failAfter) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	if err := f.Effect.apply(s, tx, ev, res); err != nil {
		return err
	}
	return errors.New("failing after the fact, as a crash would")
}

// FailAfter wraps e for tests: ApplyEvent applies it and then rolls back.
func FailAfter(e Effect) Effect { return failAfter{e} }
