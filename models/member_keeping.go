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

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Keeping members: failed payments as Stripe retries them, the emails
// that tell a member their membership is ending or has lapsed, and the
// history of each subscription's states that the retention report reads.

// Membership emails.
const (
	// EmailCancelConfirmed confirms a cancellation: when the membership
	// ends, and how to come back.
	EmailCancelConfirmed = "membership_cancelled"
	// EmailLapsed tells a member Stripe ended their membership for
	// non-payment, with a link that starts it again at the same amount.
	EmailLapsed = "membership_lapsed"
)

// FailureEmails is how many failed attempts of one payment are emailed:
// the first two; Stripe's later retries are not, so a member is not
// nagged at every one.
const FailureEmails = 2

// PaymentFailure is one membership payment (an invoice) that failed at
// least once: Stripe's attempts, its next retry, the card's decline, and
// whether a later attempt recovered it.
type PaymentFailure struct {
	InvoiceID      string `gorm:"primaryKey"`
	MembershipID   *string
	Amount         int64
	Currency       string
	Attempts       int64
	DeclineCode    string
	DeclineMessage string
	NextRetryAt    *time.Time
	FirstFailedAt  *time.Time
	LastFailedAt   *time.Time
	RecoveredAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// MembershipChange is one subscription state Stripe reported, at the
// event's time: the retention report replays them in time order,
// whatever order they arrived in.
type MembershipChange struct {
	EventID           string `gorm:"primaryKey"`
	MembershipID      string
	At                time.Time
	Status            string
	Amount            int64
	Currency          string
	BillingInterval   string
	Paused            bool
	CancelAtPeriodEnd bool
	CancelReason      string
	CancelFeedback    string
}

// ChargeFailed is a declined charge of a membership invoice: it brings the
// decline reason, which the invoice's own event does not carry inline.
type ChargeFailed struct {
	ChargeRef
	DeclineCode, DeclineMessage string
}

func (e ChargeFailed) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	if e.InvoiceID == "" {
		res.Outcome = "ignored: failed charge " + e.ChargeID + " of no invoice"
		return nil
	}
	f, err := failureOf(tx, e.InvoiceID)
	if err != nil {
		return err
	}
	f.DeclineCode, f.DeclineMessage = e.DeclineCode, e.DeclineMessage
	if err := tx.Save(f).Error; err != nil {
		return err
	}
	res.Outcome = fmt.Sprintf("invoice %s: charge %s declined (%s)", e.InvoiceID, e.ChargeID, orDash(e.DeclineCode))
	return nil
}

// failureOf reads an invoice's failure record, or starts one: the charge's
// and the invoice's events arrive in either order.
func failureOf(tx *Tx, invoiceID string) (*PaymentFailure, error) {
	var f PaymentFailure
	if err := tx.Where("invoice_id = ?", invoiceID).Limit(1).Find(&f).Error; err != nil {
		return nil, err
	}
	if f.InvoiceID == "" {
		f = PaymentFailure{InvoiceID: invoiceID, CreatedAt: tx.now}
	}
	f.UpdatedAt = tx.now
	return &f, nil
}

// recordFailure keeps what a failed attempt tells: the highest attempt
// count seen (events can arrive out of order), the next retry of the
// newest attempt, when it first and last failed. It reports whether this
// attempt is one the member is emailed about.
func recordFailure(tx *Tx, m *Membership, p InvoicePayment, at time.Time) (emailed bool, err error) {
	f, err := failureOf(tx, p.InvoiceID)
	if err != nil {
		return false, err
	}
	f.MembershipID = &m.ID
	if f.Amount == 0 {
		f.Amount, f.Currency = m.Amount, m.Currency
	}
	at = at.UTC()
	if f.FirstFailedAt == nil || at.Before(*f.FirstFailedAt) {
		f.FirstFailedAt = &at
	}
	// The newest attempt says when Stripe tries next: the highest attempt
	// count (event times are in whole seconds), the latest time if the
	// invoice does not count.
	newest := p.AttemptCount > f.Attempts || (p.AttemptCount == f.Attempts && (f.LastFailedAt == nil || !at.Before(*f.LastFailedAt)))
	if newest {
		f.NextRetryAt = nil
		if !p.NextRetryAt.IsZero() {
			next := p.NextRetryAt.UTC()
			f.NextRetryAt = &next
		}
	}
	if f.LastFailedAt == nil || !at.Before(*f.LastFailedAt) {
		f.LastFailedAt = &at
	}
	f.Attempts = max(f.Attempts, p.AttemptCount)
	if p.DeclineCode != "" {
		f.DeclineCode, f.DeclineMessage = p.DeclineCode, p.DeclineMessage
	}
	if err := tx.Save(f).Error; err != nil {
		return false, err
	}
	// An attempt count of 0 is an invoice that does not say: emailed.
	return p.AttemptCount <= FailureEmails, nil
}

// recoverFailure marks an invoice's failure recovered when a later attempt
// pays it.
func recoverFailure(tx *Tx, invoiceID string, at time.Time) error {
	return tx.Model(&PaymentFailure{}).Where("invoice_id = ? AND recovered_at IS NULL", invoiceID).
		Updates(map[string]any{"recovered_at": at.UTC(), "next_retry_at": nil, "updated_at": tx.now}).Error
}

// recordChange keeps a subscription state in the membership's history,
// once per event.
func recordChange(tx *Tx, ev EventRecord, m *Membership, status string, st SubscriptionState) error {
	amount, currency, interval := st.Amount, st.Currency, st.Interval
	if amount == 0 {
		amount, currency, interval = m.Amount, m.Currency, m.BillingInterval
	}
	c := MembershipChange{EventID: ev.ID, MembershipID: m.ID, At: ev.Created.UTC(), Status: status, Amount: amount,
		Currency: currency, BillingInterval: interval, Paused: st.Paused, CancelAtPeriodEnd: st.CancelAtPeriodEnd,
		CancelReason: st.CancelReason, CancelFeedback: st.CancelFeedback}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&c).Error
}

// membershipEmails queues what a subscription's state tells its member: a
// cancellation they asked for (once per period), or a lapse for
// non-payment (once). It reads the state, not a change from the one
// before: reconciliation may bring only the final state, and the dedupe
// keys make a state seen twice send nothing more.
func (s *Store) membershipEmails(tx *Tx, before Membership, status string, st SubscriptionState) error {
	if before.DonorID == nil {
		return nil
	}
	var d Donor
	if err := tx.Where("id = ?", *before.DonorID).Limit(1).Find(&d).Error; err != nil {
		return err
	}
	msg := EmailMessage{ToAddress: d.Email, DonorID: before.DonorID, MembershipID: &before.ID}
	ended := st.Deleted || status == MembershipCanceled
	switch {
	case ended && st.CancelReason == "payment_failed":
		msg.Kind, msg.DedupeKey = EmailLapsed, "membership:"+before.ID+":"+EmailLapsed
	case st.CancelAtPeriodEnd || (ended && st.CancelReason == "cancellation_requested"):
		// Asked to cancel, at the period's end or at once: confirmed once
		// for the period, whichever of its states is seen first.
		msg.Kind = EmailCancelConfirmed
		msg.DedupeKey = fmt.Sprintf("membership:%s:period:%d:%s", before.ID, st.CurrentPeriodEnd.Unix(), EmailCancelConfirmed)
	default:
		return nil
	}
	return s.queueEmail(tx, msg)
}

// FailingMembership is a member whose payment is failing, as staff see it.
type FailingMembership struct {
	Membership
	DonorName, DonorEmail string
	Failure               PaymentFailure
}

// FailingMemberships lists members past due, newest failure first, with
// their unrecovered failure: the amount at risk and the last decline.
func (s *Store) FailingMemberships(ctx context.Context) ([]FailingMembership, error) {
	var ms []Membership
	if err := s.db.WithContext(ctx).Where("status IN ?", []string{MembershipPastDue, "unpaid"}).Order("last_failed_at DESC").Find(&ms).Error; err != nil {
		return nil, wrap(err, "memberships: failing")
	}
	out := make([]FailingMembership, 0, len(ms))
	for _, m := range ms {
		fm := FailingMembership{Membership: m}
		err := s.db.WithContext(ctx).Where("membership_id = ? AND recovered_at IS NULL", m.ID).Order("last_failed_at DESC").Limit(1).
			Find(&fm.Failure).Error
		if err != nil {
			return nil, wrap(err, "memberships: failures of %s", m.ID)
		}
		if m.DonorID != nil {
			var d Donor
			if err := s.db.WithContext(ctx).Where("id = ?", *m.DonorID).Limit(1).Find(&d).Error; err != nil {
				return nil, wrap(err, "memberships: donor of %s", m.ID)
			}
			fm.DonorName, fm.DonorEmail = d.Name, d.Email
		}
		out = append(out, fm)
	}
	return out, nil
}

// FailuresOfMembership lists a membership's failed payments, newest first.
func (s *Store) FailuresOfMembership(ctx context.Context, membershipID string) ([]PaymentFailure, error) {
	var fs []PaymentFailure
	err := s.db.WithContext(ctx).Where("membership_id = ?", membershipID).Order("first_failed_at DESC").Find(&fs).Error
	return fs, wrap(err, "memberships: failures of %s", membershipID)
}

// PaymentFailureOf returns one invoice's failure record.
func (s *Store) PaymentFailureOf(ctx context.Context, invoiceID string) (*PaymentFailure, error) {
	var f PaymentFailure
	err := s.db.WithContext(ctx).Where("invoice_id = ?", invoiceID).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, wrap(err, "payment failures: %s", invoiceID)
	}
	return &f, wrap(err, "payment failures: %s", invoiceID)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// RestartValidFor is how long a link that starts a lapsed or cancelled
// membership again works.
const RestartValidFor = 60 * 24 * time.Hour

type membershipRestartToken struct {
	TokenHash    string `gorm:"primaryKey"`
	MembershipID string
	CreatedAt    time.Time
}

func hashRestartToken(token string) string {
	sum := sha256.Sum256([]byte("membership-restart:" + token))
	return hex.EncodeToString(sum[:])
}

// IssueRestartToken makes the secret of the link that starts a membership
// again at the same amount. Like a sign-in link, it is made when the email
// is sent, so it exists in the clear only there.
func (s *Store) IssueRestartToken(ctx context.Context, membershipID string) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	err := s.transaction(ctx, func(tx *Tx) error {
		return tx.Create(&membershipRestartToken{TokenHash: hashRestartToken(token), MembershipID: membershipID, CreatedAt: tx.now}).Error
	})
	return token, wrap(err, "memberships: restart link for %s", membershipID)
}

// RestartOffer is what a restart link offers: the membership it restarts,
// and its donor.
type RestartOffer struct {
	Membership Membership
	Donor      Donor
}

// MembershipForRestart is the membership a restart link is for;
// ErrNotFound when the link is unknown or older than RestartValidFor.
func (s *Store) MembershipForRestart(ctx context.Context, token string) (*RestartOffer, error) {
	db := s.db.WithContext(ctx)
	var t membershipRestartToken
	if err := db.Where("token_hash = ?", hashRestartToken(token)).Limit(1).Find(&t).Error; err != nil {
		return nil, wrap(err, "memberships: find restart link")
	}
	if t.MembershipID == "" || s.now().Sub(t.CreatedAt) > RestartValidFor {
		return nil, ErrNotFound
	}
	var o RestartOffer
	if err := db.Where("id = ?", t.MembershipID).Take(&o.Membership).Error; err != nil {
		return nil, wrap(err, "memberships: %s", t.MembershipID)
	}
	if o.Membership.DonorID == nil {
		return nil, ErrNotFound
	}
	if err := db.Where("id = ?", *o.Membership.DonorID).Take(&o.Donor).Error; err != nil {
		return nil, wrap(err, "donors: %s", *o.Membership.DonorID)
	}
	return &o, nil
}
