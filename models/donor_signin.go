package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// How long donor sign-in links and sessions last.
const (
	LoginTokenTTL   = 30 * time.Minute
	SessionIdleTTL  = 2 * time.Hour
	SessionHardTTL  = 7 * 24 * time.Hour
	sessionTouchGap = time.Minute // don't write last_seen_at on every request
)

// ErrExpired is a sign-in link or session that was valid once.
var ErrExpired = errors.New("expired or already used")

type donorLoginToken struct {
	ID        string
	TokenHash string
	Email     string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

func (donorLoginToken) TableName() string { return "donor_login_tokens" }

type donorSession struct {
	ID         string
	TokenHash  string
	DonorID    string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func (donorSession) TableName() string { return "donor_sessions" }

func newToken() (plain, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	plain = base64.RawURLEncoding.EncodeToString(b)
	return plain, hashToken(plain), nil
}

func hashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// ErrNoQueue is a request for background work from a store that has no
// job engine to give it to.
var ErrNoQueue = errors.New("no job queue: UseQueue was not called")

// RequestSignIn queues the job that may send a sign-in link to email. It
// does the same work whether or not any donor has that email, so neither
// its answer nor its timing tells who gave: the job decides
// (SendSignInLink).
func (s *Store) RequestSignIn(ctx context.Context, email string) error {
	if s.queue == nil {
		return ErrNoQueue
	}
	err := s.transaction(ctx, func(tx *Tx) error {
		jobTx, err := tx.jobTx()
		if err != nil {
			return err
		}
		return s.queue.EnqueueSignInTx(ctx, jobTx, NormaliseEmail(email))
	})
	if err != nil {
		return fmt.Errorf("sign-in: queueing a request: %w", err)
	}
	return nil
}

// SendSignInLink queues a sign-in email for email if a donor has it, and
// does nothing otherwise. The link itself is made when the email is sent,
// so its token is never stored in the clear, not even in the queue.
func (s *Store) SendSignInLink(ctx context.Context, email string) error {
	d, err := donorOfEmail(s.db.WithContext(ctx), email)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sign-in: finding the donor: %w", translate(err))
	}
	// The link goes to the address typed, which may be one staff merged
	// into d: it is the inbox the donor is looking at.
	return s.transaction(ctx, func(tx *Tx) error {
		return s.queueEmail(tx, EmailMessage{DedupeKey: "signin:" + uuid.NewString(), Kind: EmailSignIn,
			ToAddress: NormaliseEmail(email), DonorID: &d.ID})
	})
}

// donorOfEmail is the donor an email belongs to: its own record, or the
// record staff merged it into.
func donorOfEmail(tx *gorm.DB, email string) (*Donor, error) {
	var d Donor
	if err := tx.Where("email = ?", NormaliseEmail(email)).Take(&d).Error; err != nil {
		return nil, err
	}
	if d.MergedInto != nil {
		// A fresh value: gorm would add d's own id to the condition.
		var into Donor
		if err := tx.Where("id = ?", *d.MergedInto).Take(&into).Error; err != nil {
			return nil, err
		}
		return &into, nil
	}
	return &d, nil
}

// IssueLoginToken makes a single-use sign-in token for email, valid for
// LoginTokenTTL; only its hash is kept.
func (s *Store) IssueLoginToken(ctx context.Context, email string) (string, error) {
	plain, hash, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	row := donorLoginToken{ID: uuid.NewString(), TokenHash: hash, Email: NormaliseEmail(email), ExpiresAt: now.Add(LoginTokenTTL), CreatedAt: now}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return "", wrap(err, "sign-in: issue a link token")
	}
	return plain, nil
}

// SignIn spends a sign-in token and opens a session, returning the session
// token for the cookie. A token works once, before it expires.
func (s *Store) SignIn(ctx context.Context, token string) (string, *Donor, error) {
	var session string
	var donor Donor
	err := s.transaction(ctx, func(tx *Tx) error {
		now := tx.now
		res := tx.Model(&donorLoginToken{}).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(token), now).
			Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrExpired
		}
		var t donorLoginToken
		if err := tx.Where("token_hash = ?", hashToken(token)).Take(&t).Error; err != nil {
			return err
		}
		d, err := donorOfEmail(tx.DB, t.Email)
		if err != nil {
			return err
		}
		donor = *d
		plain, hash, err := newToken()
		if err != nil {
			return err
		}
		session = plain
		return tx.Create(&donorSession{ID: uuid.NewString(), TokenHash: hash, DonorID: donor.ID,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionHardTTL)}).Error
	})
	if err != nil {
		return "", nil, wrap(err, "sign-in: spend a link")
	}
	return session, &donor, nil
}

// SessionDonor returns the donor of a live session: not past its hard
// expiry, and used within SessionIdleTTL.
func (s *Store) SessionDonor(ctx context.Context, token string) (*Donor, error) {
	var sess donorSession
	err := s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Take(&sess).Error
	if err != nil {
		return nil, wrap(err, "donor sessions: look up")
	}
	now := s.now().UTC()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > SessionIdleTTL {
		if err := s.db.WithContext(ctx).Where("id = ?", sess.ID).Delete(&donorSession{}).Error; err != nil {
			return nil, wrap(err, "donor sessions: end an expired one")
		}
		return nil, ErrExpired
	}
	if now.Sub(sess.LastSeenAt) > sessionTouchGap {
		if err := s.db.WithContext(ctx).Model(&donorSession{}).Where("id = ?", sess.ID).Update("last_seen_at", now).Error; err != nil {
			return nil, err
		}
	}
	return s.DonorByID(ctx, sess.DonorID)
}

// SignOut ends a session.
func (s *Store) SignOut(ctx context.Context, token string) error {
	return wrap(s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&donorSession{}).Error, "donor sessions: sign out")
}

// GiftsOfDonor lists a donor's paid and refunded gifts, newest first.
func (s *Store) GiftsOfDonor(ctx context.Context, donorID string) ([]Gift, error) {
	var out []Gift
	err := s.db.WithContext(ctx).Where("donor_id = ? AND status IN ?", donorID, []string{GiftPaid, GiftRefunded}).
		Order("paid_at DESC").Find(&out).Error
	return out, wrap(err, "gifts: of donor %s", donorID)
}

// AllReceiptsOfDonor lists every receipt of a donor, newest first.
func (s *Store) AllReceiptsOfDonor(ctx context.Context, donorID string) ([]Receipt, error) {
	var out []Receipt
	err := s.db.WithContext(ctx).Where("donor_id = ?", donorID).Order("fiscal_year DESC, sequence DESC").Find(&out).Error
	return out, wrap(err, "receipts: of donor %s", donorID)
}
