package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Membership statuses follow Stripe's subscription statuses.
const (
	MembershipIncomplete = "incomplete"
	MembershipActive     = "active"
	MembershipPastDue    = "past_due"
	MembershipCanceled   = "canceled"
)

// Membership is one Stripe subscription: a recurring gift.
type Membership struct {
	ID                   string
	DonorID              *string
	GiftID               *string
	StripeSubscriptionID string
	StripeCustomerID     string
	Status               string
	Amount               int64
	Currency             string
	BillingInterval      string
	TierName             string
	BenefitDescription   string
	BenefitValuePerYear  int64
	BenefitsDeclined     bool // the member said no thanks: the tier's name, no benefit
	CurrentPeriodEnd     *time.Time
	CancelAtPeriodEnd    bool
	StartedAt            *time.Time
	EndedAt              *time.Time
	StateAsOf            *time.Time
	LastFailedInvoiceID  string
	LastFailedAt         *time.Time
	LastFailedURL        string
	Paused               bool
	PausedUntil          *time.Time
	CancelReason         string
	CancelFeedback       string
	CancelComment        string
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// MembershipBySubscription returns the membership of a Stripe subscription.
func (s *Store) MembershipBySubscription(ctx context.Context, subID string) (*Membership, error) {
	var m Membership
	if err := s.db.WithContext(ctx).Where("stripe_subscription_id = ?", subID).Take(&m).Error; err != nil {
		return nil, wrap(err, "memberships: of subscription %s", subID)
	}
	return &m, nil
}

// GiftsOfMembership lists a membership's gifts, oldest first.
func (s *Store) GiftsOfMembership(ctx context.Context, membershipID string) ([]Gift, error) {
	var gs []Gift
	err := s.db.WithContext(ctx).Where("membership_id = ?", membershipID).Order("paid_at, created_at").Find(&gs).Error
	return gs, wrap(err, "gifts: of membership %s", membershipID)
}

// SubscriptionState is a snapshot of a subscription from a
// customer.subscription.* event.
type SubscriptionState struct {
	SubscriptionID    string
	CustomerID        string
	Status            string
	Amount            int64
	Currency          string
	Interval          string
	CurrentPeriodEnd  time.Time
	CancelAtPeriodEnd bool
	StartedAt         time.Time
	EndedAt           time.Time
	Deleted           bool // customer.subscription.deleted: final, whatever else arrives
	GiftID            string
	// Paused: Stripe collects nothing (pause_collection) until
	// PausedUntil, when set.
	Paused      bool
	PausedUntil time.Time
	// Why it was cancelled (cancellation_details): Stripe's reason
	// (cancellation_requested, payment_failed, payment_disputed), the
	// member's feedback from our form or Stripe's portal, their comment.
	CancelReason, CancelFeedback, CancelComment string
}

// InvoicePayment is what a subscription invoice tells us.
type InvoicePayment struct {
	InvoiceID       string
	SubscriptionID  string
	CustomerID      string
	ChargeID        string
	PaymentIntentID string
	BillingReason   string
	AmountPaid      int64
	Currency        string
	Interval        string
	Email           string
	Name            string
	Address         Address
	HostedURL       string
	GiftID          string // our form gift, from the subscription's metadata
	Livemode        bool
	Fees            PaymentFees // when retrieved with its charge's balance transaction
	// A failed payment: how many times Stripe has tried, when it tries
	// next (zero: never again), and why the card was declined when the
	// invoice came with its charge.
	AttemptCount                int64
	NextRetryAt                 time.Time
	DeclineCode, DeclineMessage string
}

// SubscriptionChanged applies a subscription snapshot.
type SubscriptionChanged struct{ SubscriptionState }

// InvoicePaid records one membership payment: one gift and one receipt per
// paid invoice (none for a zero-amount invoice).
type InvoicePaid struct{ InvoicePayment }

// InvoiceFailed marks the membership past due and keeps what the donor
// email about it needs.
type InvoiceFailed struct{ InvoicePayment }

// CheckoutSubscription links a completed subscription-mode checkout to our
// form gift and donor. Payments come with invoice.paid.
type CheckoutSubscription struct {
	CheckoutPayment
	SubscriptionID string
	CustomerID     string
}

// ensureMembership finds or creates the membership of a subscription. Any
// of its events may come first, so each can create it.
func (s *Store) ensureMembership(tx *Tx, subID string, seed Membership) (*Membership, error) {
	now := tx.now
	seed.ID = uuid.NewString()
	seed.StripeSubscriptionID = subID
	if seed.Status == "" {
		seed.Status = MembershipIncomplete
	}
	seed.StateAsOf = nil // no state applied yet: any event's state is newer
	seed.CreatedAt, seed.UpdatedAt = now, now
	if seed.GiftID != nil {
		declined, err := giftDeclinedBenefits(tx, *seed.GiftID)
		if err != nil {
			return nil, err
		}
		seed.BenefitsDeclined = declined
	}
	s.assignTier(&seed)
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&seed).Error; err != nil {
		return nil, err
	}
	var m Membership
	if err := tx.Where("stripe_subscription_id = ?", subID).Take(&m).Error; err != nil {
		return nil, err
	}
	// Fill in what this event knows and the row does not yet.
	fill := map[string]any{}
	if m.StripeCustomerID == "" && seed.StripeCustomerID != "" {
		fill["stripe_customer_id"] = seed.StripeCustomerID
	}
	if m.DonorID == nil && seed.DonorID != nil {
		fill["donor_id"] = *seed.DonorID
	}
	if m.GiftID == nil && seed.GiftID != nil {
		fill["gift_id"] = *seed.GiftID
		if seed.BenefitsDeclined && !m.BenefitsDeclined {
			m.BenefitsDeclined, fill["benefits_declined"] = true, true
			s.assignTier(&m)
			fill["tier_name"], fill["benefit_description"], fill["benefit_value_per_year"] = m.TierName, m.BenefitDescription, m.BenefitValuePerYear
		}
	}
	if m.Amount == 0 && seed.Amount != 0 {
		fill["amount"], fill["currency"], fill["billing_interval"] = seed.Amount, seed.Currency, seed.BillingInterval
		m.Amount, m.Currency, m.BillingInterval = seed.Amount, seed.Currency, seed.BillingInterval
		s.assignTier(&m)
		fill["tier_name"], fill["benefit_description"], fill["benefit_value_per_year"] = m.TierName, m.BenefitDescription, m.BenefitValuePerYear
	}
	if m.StartedAt == nil && seed.StartedAt != nil {
		fill["started_at"] = *seed.StartedAt
	}
	if len(fill) > 0 {
		fill["updated_at"] = now
		if err := tx.Model(&Membership{}).Where("id = ?", m.ID).Updates(fill).Error; err != nil {
			return nil, err
		}
		if err := tx.Where("id = ?", m.ID).Take(&m).Error; err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// assignTier picks the highest tier the membership's yearly amount reaches.
func (s *Store) assignTier(m *Membership) {
	m.TierName, m.BenefitDescription, m.BenefitValuePerYear = "", "", 0
	t, ok := TierOf(s.receipts.Tiers, m.Amount, m.BillingInterval)
	if !ok {
		return
	}
	m.TierName = t.Name
	if !m.BenefitsDeclined {
		m.BenefitDescription, m.BenefitValuePerYear = t.Description, t.ValuePerYear
	}
}

// TierOf is the tier a membership of amount per interval reaches: the
// highest whose yearly minimum it meets; ok is false when none.
func TierOf(tiers []Tier, amount int64, interval string) (Tier, bool) {
	perYear := amount * paymentsPerYear(interval)
	best, found := Tier{}, false
	for _, t := range tiers {
		if perYear >= t.MinPerYear && (!found || t.MinPerYear > best.MinPerYear) {
			best, found = t, true
		}
	}
	return best, found
}

// giftDeclinedBenefits: the form gift a membership came from said no
// thanks to the benefits.
func giftDeclinedBenefits(tx *Tx, giftID string) (bool, error) {
	var g Gift
	err := tx.Select("decline_benefits").Where("id = ?", giftID).Limit(1).Find(&g).Error
	return g.DeclineBenefits, err
}

func paymentsPerYear(interval string) int64 {
	if interval == FrequencyMonth {
		return 12
	}
	return 1
}

// benefitPerPayment is the share of a tier's yearly value that the k-th
// payment (from 0) of a membership carries. The year's payments share it
// exactly: the value divided by their number, and the first (value mod
// number) of each year a minor unit more, so twelve monthly receipts add
// up to the yearly value to the cent ($25 a year: four of $2.09, eight of
// $2.08).
func benefitPerPayment(m *Membership, k int64) Benefit {
	if m.BenefitValuePerYear == 0 {
		return Benefit{}
	}
	n := paymentsPerYear(m.BillingInterval)
	share := m.BenefitValuePerYear / n
	if k%n < m.BenefitValuePerYear%n {
		share++
	}
	return Benefit{Description: m.BenefitDescription, Value: share}
}

// setStatus moves a membership to status as of at, the Stripe-side time of
// the event that says so. A snapshot applies when it is not older than the
// state held; a status inferred from an invoice only when strictly newer, so
// a snapshot of the same second wins. Canceled is final.
func (s *Store) setStatus(tx *Tx, m *Membership, status string, at time.Time, snap *SubscriptionState) (bool, error) {
	if m.Status == MembershipCanceled && status != MembershipCanceled {
		return false, nil
	}
	deleted := snap != nil && snap.Deleted
	if !deleted && m.StateAsOf != nil {
		if at.Before(*m.StateAsOf) || (snap == nil && !at.After(*m.StateAsOf)) {
			return false, nil
		}
	}
	up := map[string]any{"status": status, "state_as_of": at.UTC(), "updated_at": tx.now}
	if snap != nil {
		up["cancel_at_period_end"] = snap.CancelAtPeriodEnd
		up["current_period_end"] = timeOrNil(snap.CurrentPeriodEnd)
		up["ended_at"] = timeOrNil(snap.EndedAt)
		if snap.Amount > 0 {
			m.Amount, m.Currency, m.BillingInterval = snap.Amount, snap.Currency, snap.Interval
			s.assignTier(m)
			up["amount"], up["currency"], up["billing_interval"] = m.Amount, m.Currency, m.BillingInterval
			up["tier_name"], up["benefit_description"], up["benefit_value_per_year"] = m.TierName, m.BenefitDescription, m.BenefitValuePerYear
		}
		if !snap.StartedAt.IsZero() {
			up["started_at"] = snap.StartedAt.UTC()
		}
		up["paused"], up["paused_until"] = snap.Paused, timeOrNil(snap.PausedUntil)
		up["cancel_reason"], up["cancel_feedback"], up["cancel_comment"] = snap.CancelReason, snap.CancelFeedback, snap.CancelComment
	}
	if status == MembershipCanceled {
		if snap == nil || snap.EndedAt.IsZero() {
			up["ended_at"] = at.UTC()
		}
	}
	if err := tx.Model(&Membership{}).Where("id = ?", m.ID).Updates(up).Error; err != nil {
		return false, err
	}
	m.Status = status
	return true, nil
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func (e SubscriptionChanged) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	st := e.SubscriptionState
	if st.SubscriptionID == "" {
		return fmt.Errorf("%w: subscription event without an id", ErrRejected)
	}
	seed := Membership{StripeCustomerID: st.CustomerID, Amount: st.Amount, Currency: st.Currency, BillingInterval: st.Interval}
	if !st.StartedAt.IsZero() {
		t := st.StartedAt.UTC()
		seed.StartedAt = &t
	}
	if _, err := uuid.Parse(st.GiftID); err == nil {
		seed.GiftID = &st.GiftID
	}
	m, err := s.ensureMembership(tx, st.SubscriptionID, seed)
	if err != nil {
		return err
	}
	status := st.Status
	if st.Deleted {
		status = MembershipCanceled
	}
	// Every state goes into the history, in whatever order it came; only
	// the newest becomes the membership's.
	if err := recordChange(tx, ev, m, status, st); err != nil {
		return err
	}
	before := *m
	applied, err := s.setStatus(tx, m, status, ev.Created, &st)
	if err != nil {
		return err
	}
	if applied {
		if err := s.membershipEmails(tx, before, status, st); err != nil {
			return err
		}
		if err := s.membershipEvents(tx, before, ev.ID); err != nil {
			return err
		}
	}
	res.Outcome = fmt.Sprintf("membership %s: %s", m.ID, status)
	if !applied {
		res.Outcome = fmt.Sprintf("membership %s: older state %s ignored (now %s)", m.ID, status, m.Status)
	}
	return nil
}

func (e CheckoutSubscription) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	if e.SubscriptionID == "" {
		return fmt.Errorf("%w: subscription checkout %s without a subscription", ErrRejected, e.SessionID)
	}
	seed := Membership{StripeCustomerID: e.CustomerID}
	email, name, addr := e.Email, e.Name, e.Address
	var g Gift
	if _, err := uuid.Parse(e.ClientReferenceID); err == nil {
		if err := tx.Where("id = ?", e.ClientReferenceID).Take(&g).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
	}
	if g.ID != "" {
		seed.GiftID = &g.ID
		seed.Amount, seed.Currency, seed.BillingInterval = g.TotalAmount, g.Currency, g.Frequency
		if g.Email != "" {
			email, name, addr = g.Email, g.Name, g.Address
		}
	}
	if email != "" {
		donorID, err := s.upsertDonor(tx, email, name, addr, g.Language)
		if err != nil {
			return err
		}
		seed.DonorID = &donorID
	}
	m, err := s.ensureMembership(tx, e.SubscriptionID, seed)
	if err != nil {
		return err
	}
	if g.ID != "" {
		err := tx.Model(&Gift{}).Where("id = ?", g.ID).Updates(map[string]any{
			"membership_id": m.ID, "stripe_session_id": e.SessionID, "donor_id": seed.DonorID, "updated_at": tx.now,
		}).Error
		if err != nil {
			return translate(err)
		}
	}
	res.Outcome = fmt.Sprintf("membership %s started by checkout %s", m.ID, e.SessionID)
	return nil
}

// invoiceMembership is the membership an invoice belongs to; nil (and an
// outcome) for an invoice that is not a subscription's.
func (s *Store) invoiceMembership(tx *Tx, p InvoicePayment, res *EventResult) (*Membership, error) {
	if p.SubscriptionID == "" {
		res.Outcome = "ignored: invoice " + p.InvoiceID + " is not a membership's"
		return nil, nil
	}
	return s.ensureMembership(tx, p.SubscriptionID, Membership{
		StripeCustomerID: p.CustomerID, Amount: p.AmountPaid, Currency: p.Currency, BillingInterval: p.Interval,
	})
}

func (e InvoicePaid) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	p := e.InvoicePayment
	m, err := s.invoiceMembership(tx, p, res)
	if err != nil || m == nil {
		return err
	}
	// What the new status tells (membership.started) is written once the
	// member is known, below, or where the invoice's story ends.
	stateTold := func() error { return nil }
	if m.Status == MembershipIncomplete || m.Status == MembershipPastDue || m.Status == "unpaid" {
		before := *m
		applied, err := s.setStatus(tx, m, MembershipActive, ev.Created, nil)
		if err != nil {
			return err
		}
		if applied {
			stateTold = func() error { return s.membershipEvents(tx, before, ev.ID) }
		}
	}
	// A payment that had failed and is paid now: recovered.
	if err := recoverFailure(tx, p.InvoiceID, ev.Created); err != nil {
		return err
	}
	if p.AmountPaid == 0 {
		res.Outcome = fmt.Sprintf("membership %s: zero-amount invoice %s, no receipt", m.ID, p.InvoiceID)
		return stateTold()
	}
	if p.Currency == "" {
		return fmt.Errorf("%w: paid invoice %s has no currency", ErrRejected, p.InvoiceID)
	}
	var existing Gift
	if err := tx.Where("stripe_invoice_id = ?", p.InvoiceID).Limit(1).Find(&existing).Error; err != nil {
		return err
	}
	if existing.ID != "" {
		res.Outcome, res.NoChange = fmt.Sprintf("invoice %s already recorded as gift %s", p.InvoiceID, existing.ID), true
		return stateTold()
	}

	// The first invoice pays the gift the donor made on our form.
	var g Gift
	if p.BillingReason == "subscription_create" {
		giftID := p.GiftID
		if giftID == "" && m.GiftID != nil {
			giftID = *m.GiftID
		}
		if _, err := uuid.Parse(giftID); err == nil {
			if err := tx.Where("id = ? AND status <> ? AND stripe_invoice_id IS NULL", giftID, GiftPaid).Limit(1).Find(&g).Error; err != nil {
				return err
			}
		}
	}
	now := tx.now
	paidAt := ev.Created.UTC()
	isNew := g.ID == ""
	if isNew {
		g = Gift{ID: uuid.NewString(), Source: SourceStripe, Frequency: intervalOr(p.Interval, m.BillingInterval),
			Currency: p.Currency, Email: NormaliseEmail(p.Email), Name: p.Name, Address: p.Address, CreatedAt: now}
		// A later payment counts towards the campaign the membership
		// began in, within the campaign's dates.
		if g.CampaignID, err = campaignOfMembership(tx, m, paidAt); err != nil {
			return err
		}
	}
	if g.Email == "" {
		g.Email = NormaliseEmail(p.Email)
	}
	if g.Name == "" {
		g.Name = p.Name
	}
	if g.Email == "" && m.DonorID != nil {
		var d Donor
		// Find, not Take: a missing row is no error, and any other error
		// ends the transaction here rather than at the next statement.
		if err := tx.Where("id = ?", *m.DonorID).Limit(1).Find(&d).Error; err != nil {
			return err
		}
		if d.ID != "" {
			g.Email, g.Name, g.Address = d.Email, firstNonEmpty(g.Name, d.Name), d.Address
		}
	}
	if g.Email == "" {
		return fmt.Errorf("%w: paid invoice %s has no email and its member is unknown", ErrRejected, p.InvoiceID)
	}
	donorID, err := s.upsertDonor(tx, g.Email, g.Name, g.Address, g.Language)
	if err != nil {
		return err
	}
	if isNew && m.GiftID != nil {
		// A renewal carries the fee the donor chose to cover on the form, as
		// long as the membership still charges what the form asked for (a
		// change of amount in the portal makes the old fee meaningless).
		var form Gift
		if err := tx.Where("id = ?", *m.GiftID).Limit(1).Find(&form).Error; err != nil {
			return err
		}
		if form.ID != "" && form.TotalAmount == p.AmountPaid {
			g.FeeAmount = form.FeeAmount
		}
	}
	if g.FeeAmount > p.AmountPaid {
		g.FeeAmount = 0
	}
	g.Status, g.DonorID, g.MembershipID, g.PaidAt = GiftPaid, &donorID, &m.ID, &paidAt
	g.Amount, g.TotalAmount = p.AmountPaid-g.FeeAmount, p.AmountPaid
	g.StripeInvoiceID, g.StripeChargeID, g.StripePaymentIntentID = &p.InvoiceID, nullable(p.ChargeID), nullable(p.PaymentIntentID)
	g.Livemode, g.UpdatedAt = p.Livemode, now
	if g.Frequency == "" || g.Frequency == FrequencyOnce {
		g.Frequency = intervalOr(p.Interval, m.BillingInterval)
	}
	if isNew {
		if err := tx.Create(&g).Error; err != nil {
			return translate(err)
		}
	} else if err := tx.Save(&g).Error; err != nil {
		return translate(err)
	}
	if err := s.giftPaid(tx, &g); err != nil {
		return err
	}
	if m.DonorID == nil {
		if err := tx.Model(&Membership{}).Where("id = ?", m.ID).Update("donor_id", donorID).Error; err != nil {
			return err
		}
	}
	if err := stateTold(); err != nil {
		return err
	}
	if p.BillingReason == "subscription_cycle" {
		if err := s.membershipRenewed(tx, m, &g, p.InvoiceID); err != nil {
			return err
		}
	}
	paymentID := firstNonEmpty(p.PaymentIntentID, p.ChargeID, p.InvoiceID)
	// Which payment of the membership this is, for its share of the
	// year's benefit value.
	var earlier int64
	if err := tx.Model(&Gift{}).Where("membership_id = ? AND id <> ? AND status IN ?", m.ID, g.ID, []string{GiftPaid, GiftRefunded}).
		Count(&earlier).Error; err != nil {
		return err
	}
	// The payment's balance transaction first: a receipt converted to the
	// settlement currency states what it says.
	if err := recordPaymentFees(tx, g.ID, p.Fees); err != nil {
		return err
	}
	if g.StripeChargeID == nil && p.Fees.ChargeID != "" {
		g.StripeChargeID = &p.Fees.ChargeID
	}
	r, hold, err := s.paidReceipt(tx, "invoice:"+p.InvoiceID, &g, donorID, paymentID, benefitPerPayment(m, earlier))
	if err != nil {
		return err
	}
	res.Receipt = r
	res.Outcome = fmt.Sprintf("membership %s: invoice %s paid as gift %s, %s", m.ID, p.InvoiceID, g.ID, receiptOutcome(r, hold))
	return nil
}

func (e InvoiceFailed) apply(s *Store, tx *Tx, ev EventRecord, res *EventResult) error {
	p := e.InvoicePayment
	m, err := s.invoiceMembership(tx, p, res)
	if err != nil || m == nil {
		return err
	}
	if _, err := s.setStatus(tx, m, MembershipPastDue, ev.Created, nil); err != nil {
		return err
	}
	// Keep the newest failure: the email asking the member to fix their card
	// links to its invoice.
	if m.LastFailedAt == nil || !ev.Created.Before(*m.LastFailedAt) {
		err := tx.Model(&Membership{}).Where("id = ?", m.ID).Updates(map[string]any{
			"last_failed_invoice_id": p.InvoiceID, "last_failed_at": ev.Created.UTC(), "last_failed_url": p.HostedURL,
		}).Error
		if err != nil {
			return err
		}
	}
	emailed, err := recordFailure(tx, m, p, ev.Created)
	if err != nil {
		return err
	}
	res.Outcome = fmt.Sprintf("membership %s: invoice %s payment failed (attempt %d)", m.ID, p.InvoiceID, p.AttemptCount)
	if !emailed {
		res.Outcome += "; the member was emailed about the first attempts already"
		return nil
	}
	// The member hears about the first attempts: one email each.
	to := NormaliseEmail(p.Email)
	var donorID *string
	if m.DonorID != nil {
		var d Donor
		if err := tx.Where("id = ?", *m.DonorID).Limit(1).Find(&d).Error; err != nil {
			return err
		}
		if d.ID != "" {
			to, donorID = d.Email, &d.ID
		}
	}
	key := "event:" + ev.ID + ":" + EmailPaymentFailed
	if p.AttemptCount > 0 {
		// Per attempt: a copy of the event under another id (a resent
		// event, reconciliation) sends nothing more.
		key = fmt.Sprintf("membership:%s:invoice:%s:attempt:%d:%s", m.ID, p.InvoiceID, p.AttemptCount, EmailPaymentFailed)
	}
	return s.queueEmail(tx, EmailMessage{DedupeKey: key, Kind: EmailPaymentFailed,
		ToAddress: to, DonorID: donorID, MembershipID: &m.ID, Link: p.HostedURL})
}

func intervalOr(a, b string) string {
	if a != "" {
		return a
	}
	if b != "" {
		return b
	}
	return FrequencyMonth
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// MembershipsOfDonor lists a donor's memberships, newest first.
func (s *Store) MembershipsOfDonor(ctx context.Context, donorID string) ([]Membership, error) {
	var out []Membership
	err := s.db.WithContext(ctx).Where("donor_id = ?", donorID).Order("created_at DESC").Find(&out).Error
	return out, wrap(err, "memberships: of donor %s", donorID)
}
