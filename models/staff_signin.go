package models

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Staff sign-in throttle. Each attempt is reserved, in a transaction that
// holds a lock per client and per (account, client), before its password
// is checked; a reservation counts against the limits at once, so 25
// parallel guesses are counted as 25, not as the failures recorded before
// any of them finished.
//
//   - A client (an IP address; an IPv6 client by its /64) may fail
//     SignInFailuresPerClient times in SignInWindow, whatever the accounts;
//     then it waits.
//   - One client on one account gets SignInFreeAttempts failures, then a
//     delay that doubles with each further failure, up to SignInWindow.
//   - Nothing locks an account itself: a stranger's wrong guesses never keep
//     its owner, from an address that is not throttled, out.
const (
	SignInWindow            = 15 * time.Minute
	SignInFailuresPerClient = 20
	SignInFreeAttempts      = 3
	// passwordChecksAtOnce caps bcrypt work: each check is a quarter of a
	// second of one core, and a flood must queue, not starve the server.
	passwordChecksAtOnce = 4
	// passwordCheckWait is how long an attempt waits for a free check
	// before it is answered "busy".
	passwordCheckWait = 10 * time.Second
)

// Outcomes of a staff sign-in attempt.
const (
	attemptPending   = "pending"
	attemptFailed    = "failed"
	attemptSucceeded = "succeeded"
	attemptUnchecked = "unchecked" // never checked: the server was too busy
)

// ThrottledError says that a sign-in was not tried, and how long to wait.
type ThrottledError struct{ Wait time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many sign-in attempts: wait %s", e.Wait.Round(time.Second))
}

// ErrBusy is a sign-in that could not be checked in time because many
// others were being checked; the attempt counts against nobody.
var ErrBusy = errors.New("too many sign-ins being checked at once")

type staffSignInAttempt struct {
	ID        string
	Email     string
	Client    string
	Outcome   string
	CreatedAt time.Time
}

func (staffSignInAttempt) TableName() string { return "staff_sign_in_attempts" }

// ClientKey is what rate limits count a client by: its IP address, or for
// IPv6 its /64, which one subscriber usually holds whole.
func ClientKey(ip string) string { return prefixKey(ip, 32) }

// NetworkKey is the network a client's address belongs to, as card
// testers' address space comes: an IPv4 /24, or an IPv6 /64.
func NetworkKey(ip string) string { return prefixKey(ip, 24) }

// prefixKey names an address by its prefix: v4bits long for IPv4 (the
// address itself at 32), always /64 for IPv6. Anything that is not an
// address is its own key.
func prefixKey(ip string, v4bits int) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		if v4bits == 32 {
			return addr.String()
		}
		p, _ := addr.Prefix(v4bits)
		return p.String()
	}
	p, _ := addr.Prefix(64)
	return p.String()
}

// pairDelay is how long a client must wait after its latest failure on an
// account, having failed failures times in a row there.
func pairDelay(failures int) time.Duration {
	if failures < SignInFreeAttempts {
		return 0
	}
	d := time.Second << min(failures-SignInFreeAttempts, 20)
	return min(d, SignInWindow)
}

// reserveSignIn records a pending attempt of client on email, or says how
// long to wait first.
func (s *Store) reserveSignIn(ctx context.Context, email, client string) (string, error) {
	id := uuid.NewString()
	err := s.transaction(ctx, func(tx *Tx) error {
		if err := s.xactLocks(tx, signInLockClass, []string{"client:" + client, "pair:" + email + "|" + client}); err != nil {
			return err
		}
		now := tx.now
		since := now.Add(-SignInWindow)
		var byClient int64
		if err := tx.Model(&staffSignInAttempt{}).
			Where("client = ? AND created_at >= ? AND outcome IN ?", client, since, []string{attemptPending, attemptFailed}).
			Count(&byClient).Error; err != nil {
			return err
		}
		if byClient >= SignInFailuresPerClient {
			var oldest staffSignInAttempt
			err := tx.Where("client = ? AND created_at >= ? AND outcome IN ?", client, since, []string{attemptPending, attemptFailed}).
				Order("created_at").Limit(1).Take(&oldest).Error
			if err != nil {
				return err
			}
			return &ThrottledError{Wait: max(time.Second, oldest.CreatedAt.Add(SignInWindow).Sub(now))}
		}
		// This client's attempts on this account, newest first: the
		// failures since its last success set the delay.
		var pair []staffSignInAttempt
		if err := tx.Where("email = ? AND client = ? AND created_at >= ?", email, client, since).
			Order("created_at DESC").Limit(64).Find(&pair).Error; err != nil {
			return err
		}
		failures := 0
		var latest time.Time
		for _, a := range pair {
			if a.Outcome == attemptSucceeded {
				break
			}
			if a.Outcome == attemptPending || a.Outcome == attemptFailed {
				if failures == 0 {
					latest = a.CreatedAt
				}
				failures++
			}
		}
		if wait := latest.Add(pairDelay(failures)).Sub(now); failures >= SignInFreeAttempts && wait > 0 {
			return &ThrottledError{Wait: max(time.Second, wait)}
		}
		return tx.Create(&staffSignInAttempt{ID: id, Email: email, Client: client, Outcome: attemptPending, CreatedAt: now}).Error
	})
	if err != nil {
		var throttled *ThrottledError
		if errors.As(err, &throttled) {
			return "", throttled
		}
		return "", fmt.Errorf("staff sign-in: reserving an attempt: %w", err)
	}
	return id, nil
}

// StaffSignIn checks a password and opens a session, throttled per client
// and per (account, client). ip is the client's address as seen, kept in
// the audit log. Errors: ErrBadCredentials for every failure,
// *ThrottledError when the attempt was not tried, ErrBusy.
func (s *Store) StaffSignIn(ctx context.Context, email, password, ip string) (string, *StaffUser, error) {
	email = NormaliseEmail(email)
	attempt, err := s.reserveSignIn(ctx, email, ClientKey(ip))
	if err != nil {
		return "", nil, err
	}
	ok, u, err := s.checkPassword(ctx, email, password)
	if err != nil {
		outcome := attemptFailed
		if errors.Is(err, ErrBusy) {
			outcome = attemptUnchecked
		}
		// The reservation must not stay pending: it would count for ever.
		if ferr := s.db.WithContext(context.WithoutCancel(ctx)).Model(&staffSignInAttempt{}).Where("id = ?", attempt).
			Update("outcome", outcome).Error; ferr != nil {
			return "", nil, errors.Join(err, ferr)
		}
		return "", nil, err
	}
	plain, hash, err := newToken()
	if err != nil {
		return "", nil, err
	}
	err = s.transaction(ctx, func(tx *Tx) error {
		now := tx.now
		if !ok {
			if err := tx.Model(&staffSignInAttempt{}).Where("id = ?", attempt).Update("outcome", attemptFailed).Error; err != nil {
				return err
			}
			return s.audit(tx, Actor{Email: email, IP: ip}, ActionSignInFailed, "")
		}
		if err := tx.Model(&staffSignInAttempt{}).Where("id = ?", attempt).Update("outcome", attemptSucceeded).Error; err != nil {
			return err
		}
		if err := tx.Create(&staffSession{ID: uuid.NewString(), TokenHash: hash, StaffID: u.ID, CreatedAt: now,
			LastSeenAt: now, ExpiresAt: now.Add(StaffSessionHard)}).Error; err != nil {
			return err
		}
		if err := tx.Model(&StaffUser{}).Where("id = ?", u.ID).Update("last_login_at", now).Error; err != nil {
			return err
		}
		return s.audit(tx, Actor{Email: u.Email, IP: ip}, ActionSignedIn, "")
	})
	if err != nil {
		return "", nil, fmt.Errorf("staff sign-in: recording the outcome: %w", err)
	}
	if !ok {
		return "", nil, ErrBadCredentials
	}
	return plain, u, nil
}

// checkPassword compares password with the account's hash, or with a
// dummy one for an unknown or disabled account, so timing tells nothing.
// At most passwordChecksAtOnce run at a time.
func (s *Store) checkPassword(ctx context.Context, email, password string) (bool, *StaffUser, error) {
	var u StaffUser
	err := s.db.WithContext(ctx).Where("email = ?", email).Take(&u).Error
	known := err == nil
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil, err
	}
	hash, err := s.dummyHash()
	if err != nil {
		return false, nil, err
	}
	if known {
		hash = []byte(u.PasswordHash)
	}
	wait, cancel := context.WithTimeout(ctx, passwordCheckWait)
	defer cancel()
	select {
	case s.passwordChecks <- struct{}{}:
	case <-wait.Done():
		return false, nil, ErrBusy
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	<-s.passwordChecks
	if !known || !match || u.Disabled {
		return false, nil, nil
	}
	return true, &u, nil
}

// Audit actions the store writes itself.
const (
	ActionSignInFailed = "sign-in failed"
	ActionSignedIn     = "signed in"
)

// audit appends to the audit log inside tx, the transaction of the change
// it records, so the row exists exactly when the change does.
func (s *Store) audit(tx *Tx, by Actor, action, detail string) error {
	return tx.Create(&AuditEntry{ID: uuid.NewString(), StaffEmail: by.Email, Action: action,
		Detail: strings.TrimSpace(detail), IP: by.IP, CreatedAt: tx.now}).Error
}
