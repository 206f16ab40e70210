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

// AddStaff creates a staff account with a bcrypt-hashed password.
func (s *Store) AddStaff(ctx context.Context, email, password, role string) (*StaffUser, error) {
	if role != RoleAdmin && role != RoleStaff {
		return nil, fmt.Errorf("role must be admin or staff")
	}
	if msg := CheckPassword(password); msg != "" {
		return nil, errors.New(msg)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return nil, err
	}
	u := &StaffUser{ID: uuid.NewString(), Email: NormaliseEmail(email), PasswordHash: string(hash), Role: role, CreatedAt: s.now().UTC()}
	if err := s.db.WithContext(ctx).Create(u).Error; err != nil {
		return nil, translate(err)
	}
	return u, nil
}

// StaffList lists every account.
func (s *Store) StaffList(ctx context.Context) ([]StaffUser, error) {
	var out []StaffUser
	return out, translate(s.db.WithContext(ctx).Order("email").Find(&out).Error)
}

// DisableStaff disables an account and ends its sessions.
func (s *Store) DisableStaff(ctx context.Context, email string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u StaffUser
		if err := tx.Where("email = ?", NormaliseEmail(email)).Take(&u).Error; err != nil {
			return translate(err)
		}
		if err := tx.Model(&StaffUser{}).Where("id = ?", u.ID).Update("disabled", true).Error; err != nil {
			return err
		}
		return tx.Where("staff_id = ?", u.ID).Delete(&staffSession{}).Error
	})
}

// StaffCount counts accounts, to know whether setup is needed.
func (s *Store) StaffCount(ctx context.Context) (int64, error) {
	var n int64
	return n, translate(s.db.WithContext(ctx).Model(&StaffUser{}).Count(&n).Error)
}

// dummyHash keeps a failed sign-in for an unknown email as slow as one for
// a known email, so timing does not reveal which emails exist. Made on
// first use, not at start.
func (s *Store) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte("not a real password"), bcryptCost)
	})
	return s.dummy
}

// StaffBySession returns the account of a live session.
func (s *Store) StaffBySession(ctx context.Context, token string) (*StaffUser, error) {
	var sess staffSession
	if err := s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Take(&sess).Error; err != nil {
		return nil, translate(err)
	}
	now := s.now().UTC()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > StaffSessionIdle {
		_ = s.db.WithContext(ctx).Where("id = ?", sess.ID).Delete(&staffSession{}).Error
		return nil, ErrExpired
	}
	var u StaffUser
	if err := s.db.WithContext(ctx).Where("id = ?", sess.StaffID).Take(&u).Error; err != nil {
		return nil, translate(err)
	}
	if u.Disabled {
		return nil, ErrExpired
	}
	if now.Sub(sess.LastSeenAt) > sessionTouchGap {
		if err := s.db.WithContext(ctx).Model(&staffSession{}).Where("id = ?", sess.ID).Update("last_seen_at", now).Error; err != nil {
			return nil, err
		}
	}
	return &u, nil
}

// StaffSignOut ends a session.
func (s *Store) StaffSignOut(ctx context.Context, token string) error {
	return translate(s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&staffSession{}).Error)
}

// CreateSetupLink makes the one-hour link that lets the first admin set a
// password; only while no staff account exists.
func (s *Store) CreateSetupLink(ctx context.Context) (string, error) {
	plain, hash, err := newToken()
	if err != nil {
		return "", err
	}
	err = s.db.WithContext(ctx).Create(&staffSetupToken{TokenHash: hash, ExpiresAt: s.now().UTC().Add(SetupLinkTTL)}).Error
	return plain, translate(err)
}

// SetupValid reports whether a setup token can still be used.
func (s *Store) SetupValid(ctx context.Context, token string) bool {
	var n int64
	s.db.WithContext(ctx).Model(&staffSetupToken{}).
		Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(token), s.now().UTC()).Count(&n)
	staff, _ := s.StaffCount(ctx)
	return n == 1 && staff == 0
}

// CompleteSetup spends a setup token to create the first admin.
func (s *Store) CompleteSetup(ctx context.Context, token, email, password string) (*StaffUser, error) {
	if !s.SetupValid(ctx, token) {
		return nil, ErrExpired
	}
	res := s.db.WithContext(ctx).Model(&staffSetupToken{}).Where("token_hash = ? AND used_at IS NULL", hashToken(token)).
		Update("used_at", s.now().UTC())
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, ErrExpired
	}
	return s.AddStaff(ctx, email, password, RoleAdmin)
}

// Audit appends to the audit log.
func (s *Store) Audit(ctx context.Context, staffEmail, action, detail, ip string) error {
	return translate(s.db.WithContext(ctx).Create(&AuditEntry{ID: uuid.NewString(), StaffEmail: staffEmail,
		Action: action, Detail: strings.TrimSpace(detail), IP: ip, CreatedAt: s.now().UTC()}).Error)
}

// AuditLog lists the newest entries.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	return out, translate(s.db.WithContext(ctx).Order("created_at DESC").Limit(limit).Find(&out).Error)
}
