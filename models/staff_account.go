package models

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Staff roles: staff read everything and download reports; admins also
// manage staff, merge donors, resend and void receipts.
const (
	RoleAdmin = "admin"
	RoleStaff = "staff"
)

// Staff sessions: idle timeout and hard expiry.
const (
	StaffSessionIdle = 30 * time.Minute
	StaffSessionHard = 12 * time.Hour
	SetupLinkTTL     = time.Hour
	bcryptCost       = 12
	minPasswordLen   = 12
)

// ErrBadCredentials is the one answer to a failed sign-in, whatever failed.
var ErrBadCredentials = errors.New("wrong email or password")

// StaffUser is one staff account.
type StaffUser struct {
	ID           string
	Email        string
	PasswordHash string
	Role         string
	Disabled     bool
	CreatedAt    time.Time
	LastLoginAt  *time.Time
}

type staffSession struct {
	ID         string
	TokenHash  string
	StaffID    string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func (staffSession) TableName() string { return "staff_sessions" }

type staffSetupToken struct {
	TokenHash string `gorm:"primaryKey"`
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (staffSetupToken) TableName() string { return "staff_setup_tokens" }

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID         string
	StaffEmail string
	Action     string
	Detail     string
	IP         string
	CreatedAt  time.Time
}

func (AuditEntry) TableName() string { return "audit_log" }

// CheckPassword says what is wrong with a new password, or "".
func CheckPassword(p string) string {
	if len([]rune(p)) < minPasswordLen {
		return fmt.Sprintf("Use at least %d characters.", minPasswordLen)
	}
	if len(p) > 72 {
		return "Use at most 72 bytes." // bcrypt's limit
	}
	return ""
}

// GeneratePassword makes a strong random password.
func GeneratePassword() (string, error) {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// Actor is who did what the audit log records: a staff member and the
// address they came from, or the command line.
type Actor struct{ Email, IP string }

// CommandLine is the actor of changes made with the donations command.
var CommandLine = Actor{Email: "command line"}

// AddStaff creates a staff account with a bcrypt-hashed password; the
// audit log records by whom, in the same transaction.
func (s *Store) AddStaff(ctx context.Context, email, password, role string, by Actor) (*StaffUser, error) {
	var u *StaffUser
	err := s.transaction(ctx, func(tx *Tx) error {
		var err error
		u, err = s.addStaff(tx, email, password, role)
		if err != nil {
			return err
		}
		return s.audit(tx, by, "added staff", u.Email+" as "+role)
	})
	return u, wrap(err, "staff: add %s", NormaliseEmail(email))
}

func (s *Store) addStaff(tx *Tx, email, password, role string) (*StaffUser, error) {
	if role != RoleAdmin && role != RoleStaff {
		return nil, Errorf(ErrInvalid, "The role must be admin or staff.")
	}
	if msg := CheckPassword(password); msg != "" {
		return nil, Errorf(ErrInvalid, "%s", msg)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return nil, err
	}
	u := &StaffUser{ID: uuid.NewString(), Email: NormaliseEmail(email), PasswordHash: string(hash), Role: role, CreatedAt: tx.now}
	if err := tx.Create(u).Error; err != nil {
		if errors.Is(translate(err), ErrConflict) {
			return nil, Errorf(ErrConflict, "There is an account with this email already.")
		}
		return nil, err
	}
	return u, nil
}

// StaffList lists every account.
func (s *Store) StaffList(ctx context.Context) ([]StaffUser, error) {
	var out []StaffUser
	return out, wrap(s.db.WithContext(ctx).Order("email").Find(&out).Error, "staff: list")
}

// DisableStaff disables an account and ends its sessions; the audit log
// records it in the same transaction, and only when the account exists.
func (s *Store) DisableStaff(ctx context.Context, email string, by Actor) error {
	err := s.transaction(ctx, func(tx *Tx) error {
		var u StaffUser
		if err := tx.Where("email = ?", NormaliseEmail(email)).Take(&u).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return Errorf(ErrNotFound, "There is no staff account %s.", NormaliseEmail(email))
			}
			return err
		}
		if err := tx.Model(&StaffUser{}).Where("id = ?", u.ID).Update("disabled", true).Error; err != nil {
			return err
		}
		if err := tx.Where("staff_id = ?", u.ID).Delete(&staffSession{}).Error; err != nil {
			return err
		}
		return s.audit(tx, by, "disabled staff", u.Email)
	})
	return wrap(err, "staff: disable %s", NormaliseEmail(email))
}

// StaffCount counts accounts, to know whether setup is needed.
func (s *Store) StaffCount(ctx context.Context) (int64, error) {
	var n int64
	return n, wrap(s.db.WithContext(ctx).Model(&StaffUser{}).Count(&n).Error, "staff: count")
}

// dummyHash keeps a failed sign-in for an unknown email as slow as one for
// a known email, so timing does not reveal which emails exist. Made on
// first use, not at start.
func (s *Store) dummyHash() ([]byte, error) {
	s.dummyOnce.Do(func() {
		s.dummy, s.dummyErr = bcrypt.GenerateFromPassword([]byte("not a real password"), bcryptCost)
	})
	return s.dummy, s.dummyErr
}

// StaffBySession returns the account of a live session.
func (s *Store) StaffBySession(ctx context.Context, token string) (*StaffUser, error) {
	var sess staffSession
	if err := s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Take(&sess).Error; err != nil {
		return nil, wrap(err, "staff: session")
	}
	now := s.now().UTC()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > StaffSessionIdle {
		if err := s.db.WithContext(ctx).Where("id = ?", sess.ID).Delete(&staffSession{}).Error; err != nil {
			return nil, wrap(err, "staff: end an expired session")
		}
		return nil, ErrExpired
	}
	var u StaffUser
	if err := s.db.WithContext(ctx).Where("id = ?", sess.StaffID).Take(&u).Error; err != nil {
		return nil, wrap(err, "staff: account of a session")
	}
	if u.Disabled {
		return nil, ErrExpired
	}
	if now.Sub(sess.LastSeenAt) > sessionTouchGap {
		if err := s.db.WithContext(ctx).Model(&staffSession{}).Where("id = ?", sess.ID).Update("last_seen_at", now).Error; err != nil {
			return nil, wrap(err, "staff: touch a session")
		}
	}
	return &u, nil
}

// StaffSignOut ends a session.
func (s *Store) StaffSignOut(ctx context.Context, token string) error {
	return wrap(s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&staffSession{}).Error, "staff: sign out")
}

// CreateSetupLink makes the one-hour link that lets the first admin set a
// password; only while no staff account exists.
func (s *Store) CreateSetupLink(ctx context.Context) (string, error) {
	plain, hash, err := newToken()
	if err != nil {
		return "", err
	}
	err = s.db.WithContext(ctx).Create(&staffSetupToken{TokenHash: hash, ExpiresAt: s.now().UTC().Add(SetupLinkTTL)}).Error
	return plain, wrap(err, "staff: create a setup link")
}

// SetupValid reports whether a setup token can still be used.
func (s *Store) SetupValid(ctx context.Context, token string) (bool, error) {
	var n, staff int64
	err := s.db.WithContext(ctx).Model(&staffSetupToken{}).
		Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(token), s.now().UTC()).Count(&n).Error
	if err == nil {
		err = s.db.WithContext(ctx).Model(&StaffUser{}).Count(&staff).Error
	}
	return n == 1 && staff == 0, wrap(err, "staff: check a setup link")
}

// CompleteSetup spends a setup token to create the first admin, in one
// transaction with its audit row: a failure leaves the link usable.
func (s *Store) CompleteSetup(ctx context.Context, token, email, password, ip string) (*StaffUser, error) {
	var u *StaffUser
	err := s.transaction(ctx, func(tx *Tx) error {
		var staff int64
		if err := tx.Model(&StaffUser{}).Count(&staff).Error; err != nil {
			return err
		}
		res := tx.Model(&staffSetupToken{}).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(token), tx.now).
			Update("used_at", tx.now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 || staff > 0 {
			return ErrExpired
		}
		var err error
		if u, err = s.addStaff(tx, email, password, RoleAdmin); err != nil {
			return err
		}
		return s.audit(tx, Actor{Email: u.Email, IP: ip}, "created the first admin account", "")
	})
	if errors.Is(err, ErrExpired) {
		return nil, ErrExpired
	}
	return u, wrap(err, "staff: complete setup")
}

// Audit appends to the audit log what changes nothing in the ledger (a
// download, say). A change records itself, in its own transaction.
func (s *Store) Audit(ctx context.Context, by Actor, action, detail string) error {
	return wrap(s.db.WithContext(ctx).Create(&AuditEntry{ID: uuid.NewString(), StaffEmail: by.Email,
		Action: action, Detail: strings.TrimSpace(detail), IP: by.IP, CreatedAt: s.now().UTC()}).Error, "audit: %s", action)
}

// AuditLog lists the newest entries.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	return out, wrap(s.db.WithContext(ctx).Order("created_at DESC").Limit(limit).Find(&out).Error, "audit: list")
}
