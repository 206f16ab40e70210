package models

// HoldPasswordChecks takes every password-check slot, as that many running
// checks would, until release is called.
func (s *Store) HoldPasswordChecks() (release func()) {
	for range cap(s.passwordChecks) {
		s.passwordChecks <- struct{}{}
	}
	return func() {
		for range cap(s.passwordChecks) {
			<-s.passwordChecks
		}
	}
}
