package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Email kinds.
const (
	EmailReceipt       = "receipt"             // a new receipt, PDF attached
	EmailReplacement   = "receipt_replacement" // a receipt voided and replaced, new PDF attached
	EmailVoid          = "receipt_void"        // a receipt voided with no replacement
	EmailPaymentFailed = "payment_failed"      // a membership payment failed: fix your card
	EmailStatement     = "statement"           // the year-end statement
	EmailSignIn        = "sign_in"             // a donor's sign-in link
	// EmailDetailsNeeded asks the donor of a gift whose receipt is held
	// for their full name and address, with a link to give them.
	EmailDetailsNeeded = "receipt_details"
	// EmailDataReady sends a donor the link to the file of their data they
	// asked for.
	EmailDataReady = "data_ready"
	// EmailEndpointDisabled tells each admin that an outbound endpoint kept
	// failing and was disabled; Link is its staff page.
	EmailEndpointDisabled = "endpoint_disabled"
)

// Email statuses.
const (
	EmailQueued  = "queued"  // waiting for its job
	EmailSent    = "sent"    // handed to the SMTP server
	EmailFailed  = "failed"  // the last attempt failed; River retries
	EmailUnsent  = "unsent"  // no SMTP configured: kept, not lost, shown to staff
	EmailSending = "sending" // claimed by a sender right now
	// EmailUnconfirmed: its sender stopped mid-way (a crash, a kill) and
	// nobody knows whether the SMTP server took it. It is never resent by
	// itself, so nobody gets it twice; staff see it and may send it again.
	EmailUnconfirmed = "unconfirmed"
)

// SendingGrace is how long a claim may last before its sender is taken
// for dead: sending one message takes seconds (the job times out after a
// minute).
const SendingGrace = 5 * time.Minute

// EmailMessage is one email we mean to send.
type EmailMessage struct {
	ID           string
	DedupeKey    string
	Kind         string
	ToAddress    string
	Status       string
	Attempts     int
	LastError    string
	ReceiptID    *string
	DonorID      *string
	MembershipID *string
	GiftID       *string // the gift a details request is about
	FiscalYear   int
	Link         string
	Subject      string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	SentAt       *time.Time
}

// Enqueuer puts background jobs into the queue inside the caller's
// transaction, so the job commits or rolls back with its cause: the job
// that sends a message, the one that answers a sign-in request, and the
// one that fetches a payment's balance transaction, and the one that makes
// a long download's file.
type Enqueuer interface {
	EnqueueExportTx(ctx context.Context, tx JobTx, exportID string) error
	EnqueueEmailTx(ctx context.Context, tx JobTx, messageID string) error
	EnqueueSignInTx(ctx context.Context, tx JobTx, email string) error
	EnqueueFeesTx(ctx context.Context, tx JobTx, giftID, paymentIntentID, chargeID string) error
	EnqueueDeliveryTx(ctx context.Context, tx JobTx, deliveryID string) error
}

// UseQueue connects the store to the job engine. Until it is called,
// messages are written and wait as queued.
func (s *Store) UseQueue(q Enqueuer) { s.queue = q }

// queueEmail records a message under its dedupe key and enqueues its job,
// in tx. A key seen before adds nothing: that is the at-most-once point.
func (s *Store) queueEmail(tx *Tx, m EmailMessage) error {
	now := tx.now
	m.ID = uuid.NewString()
	m.Status = EmailQueued
	m.CreatedAt, m.UpdatedAt = now, now
	if m.ToAddress == "" || tx.history != nil || strings.HasSuffix(m.ToAddress, "@erased.invalid") {
		return nil // nobody to write to (a gift recorded without an email, an erased donor), or history
	}
	// A reminder, an appeal or a statement the donor said no to is not
	// written at all (receipts and payment problems always are).
	if no, err := s.refused(tx, m); err != nil || no {
		return err
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&m)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 || s.queue == nil {
		return nil
	}
	jobTx, err := tx.jobTx()
	if err != nil {
		return fmt.Errorf("queueing email: %w", err)
	}
	return s.queue.EnqueueEmailTx(tx.Statement.Context, jobTx, m.ID)
}

// QueuedEmailsBefore lists messages still queued that were written before
// t: their job was never inserted (written by a process without a queue) or
// is gone. Re-enqueueing them is safe: the job is unique per message and
// sending claims the message first.
func (s *Store) QueuedEmailsBefore(ctx context.Context, t time.Time, limit int) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&EmailMessage{}).Where("status = ? AND created_at < ?", EmailQueued, t.UTC()).
		Order("created_at").Limit(limit).Pluck("id", &ids).Error
	return ids, wrap(err, "emails: queued before %s", t.Format(time.RFC3339))
}

// EmailByID returns one message.
func (s *Store) EmailByID(ctx context.Context, id string) (*EmailMessage, error) {
	var m EmailMessage
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&m).Error; err != nil {
		return nil, wrap(err, "emails: %s", id)
	}
	return &m, nil
}

// Emails lists messages, newest first, optionally of one status.
func (s *Store) Emails(ctx context.Context, status string) ([]EmailMessage, error) {
	q := s.db.WithContext(ctx).Order("created_at DESC")
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var out []EmailMessage
	return out, wrap(q.Find(&out).Error, "emails: list %q", status)
}

// ClaimEmail marks a message as being sent, so that two jobs for one
// message (a retry clicked twice, two instances) cannot both send it. A
// message already claimed is never taken over, even when its sender died:
// it may have been sent (see MarkUnconfirmed).
func (s *Store) ClaimEmail(ctx context.Context, id string) (bool, error) {
	now := s.now().UTC()
	res := s.db.WithContext(ctx).Model(&EmailMessage{}).
		Where("id = ? AND status IN ?", id, []string{EmailQueued, EmailFailed, EmailUnsent}).
		Updates(map[string]any{"status": EmailSending, "updated_at": now})
	return res.RowsAffected == 1, wrap(res.Error, "emails: claim %s", id)
}

// MarkUnconfirmed turns claims older than SendingGrace into unconfirmed
// messages for staff to look at, and returns how many.
func (s *Store) MarkUnconfirmed(ctx context.Context) (int64, error) {
	now := s.now().UTC()
	res := s.db.WithContext(ctx).Model(&EmailMessage{}).
		Where("status = ? AND updated_at < ?", EmailSending, now.Add(-SendingGrace)).
		Updates(map[string]any{"status": EmailUnconfirmed, "updated_at": now,
			"last_error": "the sender stopped while sending: it may or may not have arrived, so it was not sent again by itself"})
	return res.RowsAffected, wrap(res.Error, "emails: mark unconfirmed")
}

// RetryEmail queues an unsent, failed or unconfirmed message again
// (staff's button), with its audit row, in one transaction: a message
// that is not waiting for a retry changes nothing and records nothing.
func (s *Store) RetryEmail(ctx context.Context, id string, by Actor) error {
	err := s.transaction(ctx, func(tx *Tx) error {
		res := tx.Model(&EmailMessage{}).Where("id = ? AND status IN ?", id, []string{EmailFailed, EmailUnsent, EmailUnconfirmed}).
			Updates(map[string]any{"status": EmailQueued, "updated_at": tx.now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Errorf(ErrConflict, "That email is not waiting to be sent again (it was sent, or is queued already).")
		}
		if s.queue != nil {
			jobTx, err := tx.jobTx()
			if err != nil {
				return err
			}
			if err := s.queue.EnqueueEmailTx(tx.Statement.Context, jobTx, id); err != nil {
				return err
			}
		}
		return s.audit(tx, by, "retried email", id)
	})
	return wrap(err, "emails: retry %s", id)
}

// MarkEmailSent records that the SMTP server took the message.
func (s *Store) MarkEmailSent(ctx context.Context, id, subject string) error {
	now := s.now().UTC()
	return wrap(s.db.WithContext(ctx).Model(&EmailMessage{}).Where("id = ?", id).Updates(map[string]any{
		"status": EmailSent, "subject": subject, "sent_at": now, "updated_at": now, "last_error": "",
		"attempts": gorm.Expr("attempts + 1"),
	}).Error, "emails: mark %s sent", id)
}

// MarkEmailFailed records a failed attempt; status is EmailFailed (to be
// retried) or EmailUnsent (no SMTP configured).
func (s *Store) MarkEmailFailed(ctx context.Context, id, status, reason string) error {
	return wrap(s.db.WithContext(ctx).Model(&EmailMessage{}).Where("id = ? AND status <> ?", id, EmailSent).Updates(map[string]any{
		"status": status, "last_error": reason, "updated_at": s.now().UTC(), "attempts": gorm.Expr("attempts + 1"),
	}).Error, "emails: mark %s %s", id, status)
}

// queueReceiptEmail sends the donor the receipt r under kind, once.
func (s *Store) queueReceiptEmail(tx *Tx, kind string, r *Receipt) error {
	return s.queueEmail(tx, receiptEmail(kind, r.ID, r.DonorEmail, deref(r.DonorID), r.FiscalYear))
}

// receiptEmail is the message of kind about receipt id, once per receipt.
func receiptEmail(kind, id, to, donorID string, fy int) EmailMessage {
	m := EmailMessage{DedupeKey: "receipt:" + id + ":" + kind, Kind: kind, ToAddress: to, ReceiptID: &id, FiscalYear: fy}
	if donorID != "" {
		m.DonorID = &donorID
	}
	return m
}

// StatementPlan is what queueing a year's statements would do or did.
type StatementPlan struct {
	Donors []Donor // donors with receipts in the year
	Queued int     // messages newly queued (0 on a dry run, or a second run)
	Before int     // donors whose statement was queued by an earlier run
}

// QueueStatements queues every donor's year-end statement for fiscal year
// fy, each under its own key, so running it twice queues nothing twice.
// With dryRun it only says whom it would write to.
// each, when not nil, is called after each donor with the count so far.
func (s *Store) QueueStatements(ctx context.Context, fy int, dryRun bool, each func(done, total int)) (StatementPlan, error) {
	donors, err := s.DonorsWithReceipts(ctx, fy)
	if err != nil {
		return StatementPlan{}, err
	}
	plan := StatementPlan{Donors: donors}
	if dryRun {
		var before int64
		err := s.db.WithContext(ctx).Model(&EmailMessage{}).Where("kind = ? AND fiscal_year = ?", EmailStatement, fy).Count(&before).Error
		plan.Before = int(before)
		return plan, wrap(err, "statements: queue %d", fy)
	}
	for i, d := range donors {
		if each != nil && i > 0 {
			each(i, len(donors))
		}
		err := s.transaction(ctx, func(tx *Tx) error {
			var before int64
			key := fmt.Sprintf("statement:%s:%d", d.ID, fy)
			if err := tx.Model(&EmailMessage{}).Where("dedupe_key = ?", key).Count(&before).Error; err != nil {
				return err
			}
			if before > 0 {
				plan.Before++
				return nil
			}
			plan.Queued++
			return s.queueEmail(tx, EmailMessage{DedupeKey: key, Kind: EmailStatement, ToAddress: d.Email, DonorID: &d.ID, FiscalYear: fy})
		})
		if err != nil {
			return plan, err
		}
	}
	if each != nil {
		each(len(donors), len(donors))
	}
	return plan, nil
}

// ResendReceipt sends a receipt to its donor again (staff's request): a
// new message, so it is not deduplicated against the first, and an audit
// row, in one transaction.
func (s *Store) ResendReceipt(ctx context.Context, receiptID string, by Actor) (*Receipt, error) {
	var r Receipt
	err := s.transaction(ctx, func(tx *Tx) error {
		if err := tx.Where("id = ?", receiptID).Take(&r).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return Errorf(ErrNotFound, "There is no such receipt.")
		} else if err != nil {
			return err
		}
		kind := EmailReceipt
		if r.Status == ReceiptVoid {
			kind = EmailVoid
		} else if r.Replaces != "" {
			kind = EmailReplacement
		}
		if err := s.queueEmail(tx, EmailMessage{DedupeKey: "receipt:" + r.ID + ":resend:" + uuid.NewString(), Kind: kind,
			ToAddress: r.DonorEmail, ReceiptID: &r.ID, DonorID: r.DonorID, FiscalYear: r.FiscalYear}); err != nil {
			return err
		}
		return s.audit(tx, by, "resent receipt", r.Number)
	})
	return &r, wrap(err, "receipts: resend %s", receiptID)
}
