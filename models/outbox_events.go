package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/indienews/donations/outbound"
)

// Outbound event types (Standard Webhooks), each one a fact of the ledger.
const (
	EventDonorCreated        = "donor.created"
	EventDonorUpdated        = "donor.updated"
	EventGiftPaid            = "gift.paid"
	EventGiftRefunded        = "gift.refunded"
	EventMembershipStarted   = "membership.started"
	EventMembershipChanged   = "membership.changed"
	EventMembershipCancelled = "membership.cancelled"
	EventMembershipLapsed    = "membership.lapsed"
	EventMembershipRenewed   = "membership.renewed"
	EventReceiptIssued       = "receipt.issued"
	EventReceiptVoided       = "receipt.voided"
	EventCampaignGoalReached = "campaign.goal_reached"
	EventMatchPoolExhausted  = "match_pool.exhausted"
)

// EventTypes lists the types an endpoint can choose.
var EventTypes = []string{EventDonorCreated, EventDonorUpdated, EventGiftPaid, EventGiftRefunded,
	EventMembershipStarted, EventMembershipChanged, EventMembershipCancelled, EventMembershipLapsed, EventMembershipRenewed,
	EventReceiptIssued, EventReceiptVoided, EventCampaignGoalReached, EventMatchPoolExhausted}

// Endpoint statuses.
const (
	EndpointActive   = "active"
	EndpointDisabled = "disabled"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // not tried yet (maybe waiting for an earlier event of its donor)
	DeliverySending   = "sending"   // claimed by a worker right now
	DeliveryRetrying  = "retrying"  // tried and failed; River tries again later
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryFailed    = "failed"    // given up after the retry window
)

// OutboundEndpoint is a URL a newsroom's other tool listens on.
type OutboundEndpoint struct {
	ID          string
	URL         string
	Description string
	EventTypes  string // space-separated; empty: every type
	// Secret signs every delivery; PreviousSecret signs too until
	// PreviousSecretUntil, so a receiver can switch over at its pace.
	Secret              string
	PreviousSecret      string
	PreviousSecretUntil *time.Time
	Status              string
	DisabledReason      string
	ConsecutiveFailures int
	FailingSince        *time.Time
	LastSuccessAt       *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Wants reports whether the endpoint chose events of type typ.
func (e *OutboundEndpoint) Wants(typ string) bool {
	return e.EventTypes == "" || slices.Contains(strings.Fields(e.EventTypes), typ)
}

// Secrets are the secrets a delivery at now is signed with.
func (e *OutboundEndpoint) Secrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.PreviousSecret != "" && e.PreviousSecretUntil != nil && now.Before(*e.PreviousSecretUntil) {
		out = append(out, e.PreviousSecret)
	}
	return out
}

// OutboundEvent is one event as it is sent: Payload is the exact body
// signed, ID its webhook-id. Seq orders one donor's events.
type OutboundEvent struct {
	Seq       int64 `gorm:"primaryKey;autoIncrement"`
	ID        string
	Type      string
	Payload   string
	DonorID   *string
	DedupeKey string
	CreatedAt time.Time
}

// OutboundDelivery is one event to one endpoint, and its log.
type OutboundDelivery struct {
	ID             string
	EventSeq       int64
	EndpointID     string
	DonorID        *string
	Status         string
	Attempts       int
	LastStatusCode int
	LastError      string
	ClaimedAt      *time.Time
	LastAttemptAt  *time.Time
	DeliveredAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// outboundLockClass keys the per-donor locks taken before an event is
// numbered (see recordEvent).
const outboundLockClass = 0x6f7574 // "out"

// envelope is the body of every event.
type envelope struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Data      any    `json:"data"`
}

// recordEvent writes an event of typ about donorID (empty: about no
// donor) in tx, with one pending delivery, and its job, per active
// endpoint that wants it: the event commits or rolls back with the fact
// it tells. key makes it once-only: a key seen before adds nothing.
//
// An event no endpoint wants (active or disabled) is not written: no one
// could ever be sent it (a new endpoint gets the events from its creation
// on), and a paid gift's three events were three of the statements its
// webhook's transaction made, on a server with no endpoint at all.
//
// History brought in from Stripe tells nobody, as it emails nobody.
func (s *Store) recordEvent(tx *Tx, typ, donorID, key string, data any) error {
	if tx.history != nil {
		return nil
	}
	// A disabled endpoint's events wait for it as pending deliveries with
	// no job: enabling it queues them, in order (EnableOutboundEndpoint).
	// The endpoints are read once per transaction.
	if !tx.endpRead {
		if err := tx.Where("status IN ?", []string{EndpointActive, EndpointDisabled}).Order("created_at, id").Find(&tx.endpoints).Error; err != nil {
			return err
		}
		tx.endpRead = true
	}
	if !slices.ContainsFunc(tx.endpoints, func(e OutboundEndpoint) bool { return e.Wants(typ) }) {
		return nil
	}
	var donor *string
	if donorID != "" {
		donor = &donorID
		// Numbering under the donor's lock: of two transactions about one
		// donor, the one that commits first has the smaller seq, so the
		// order per donor is the order of the facts.
		if err := s.xactLocks(tx, outboundLockClass, []string{donorID}); err != nil {
			return err
		}
	}
	ev, err := newEvent(tx, typ, donor, key, data)
	if err != nil {
		return err
	}
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(ev)
	if res.Error != nil {
		return fmt.Errorf("events: %s: %w", key, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	for _, e := range tx.endpoints {
		if !e.Wants(typ) {
			continue
		}
		d := OutboundDelivery{ID: uuid.NewString(), EventSeq: ev.Seq, EndpointID: e.ID, DonorID: donor,
			Status: DeliveryPending, CreatedAt: tx.now, UpdatedAt: tx.now}
		if err := tx.Create(&d).Error; err != nil {
			return fmt.Errorf("events: %s to %s: %w", key, e.ID, err)
		}
		if e.Status != EndpointActive {
			continue
		}
		if err := s.enqueueDelivery(tx, d.ID); err != nil {
			return err
		}
	}
	return nil
}

// newEvent is an event of typ about donor, with its body, written at tx's
// time.
func newEvent(tx *Tx, typ string, donor *string, key string, data any) (*OutboundEvent, error) {
	body, err := json.Marshal(envelope{Type: typ, Timestamp: tx.now.Format(time.RFC3339), Data: data})
	if err != nil {
		return nil, fmt.Errorf("events: %s: %w", typ, err)
	}
	return &OutboundEvent{ID: "msg_" + strings.ReplaceAll(uuid.NewString(), "-", ""), Type: typ, Payload: string(body),
		DonorID: donor, DedupeKey: key, CreatedAt: tx.now}, nil
}

// enqueueDelivery inserts a delivery's job in tx. Without a queue the
// delivery waits as pending.
func (s *Store) enqueueDelivery(tx *Tx, id string) error {
	if s.queue == nil {
		return nil
	}
	jobTx, err := tx.jobTx()
	if err != nil {
		return fmt.Errorf("events: queueing delivery %s: %w", id, err)
	}
	return s.queue.EnqueueDeliveryTx(tx.Statement.Context, jobTx, id)
}

// The data of each event: ids, amounts in minor units with their
// currency, never card data.

type donorData struct {
	DonorID   string `json:"donor_id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Language  string `json:"language,omitempty"`
	CreatedAt string `json:"created_at"`
}

func (s *Store) donorCreated(tx *Tx, id, email, name, lang string) error {
	return s.recordEvent(tx, EventDonorCreated, id, "donor.created:"+id, donorData{
		DonorID: id, Email: NormaliseEmail(email), Name: name, Language: lang, CreatedAt: tx.now.Format(time.RFC3339)})
}

type giftData struct {
	GiftID       string  `json:"gift_id"`
	DonorID      string  `json:"donor_id"`
	Email        string  `json:"email"`
	Amount       int64   `json:"amount"`
	FeeCovered   int64   `json:"fee_covered"`
	TotalAmount  int64   `json:"total_amount"`
	Currency     string  `json:"currency"`
	Frequency    string  `json:"frequency"`
	Method       string  `json:"method"`
	MembershipID *string `json:"membership_id"`
	CampaignID   *string `json:"campaign_id"`
	PaidAt       string  `json:"paid_at"`
	Livemode     bool    `json:"livemode"`
}

func (s *Store) giftPaid(tx *Tx, g *Gift) error {
	donorID := deref(g.DonorID)
	paidAt := tx.now
	if g.PaidAt != nil {
		paidAt = g.PaidAt.UTC()
	}
	method := g.Method
	if method == "" {
		method = MethodStripe
	}
	return s.recordEvent(tx, EventGiftPaid, donorID, "gift.paid:"+g.ID, giftData{
		GiftID: g.ID, DonorID: donorID, Email: g.Email, Amount: g.Amount, FeeCovered: g.FeeAmount, TotalAmount: g.TotalAmount,
		Currency: g.Currency, Frequency: g.Frequency, Method: method, MembershipID: g.MembershipID, CampaignID: g.CampaignID,
		PaidAt: paidAt.Format(time.RFC3339), Livemode: g.Livemode})
}

type receiptData struct {
	ReceiptID        string `json:"receipt_id"`
	Number           string `json:"number"`
	GiftID           string `json:"gift_id"`
	DonorID          string `json:"donor_id"`
	FiscalYear       int    `json:"fiscal_year"`
	Amount           int64  `json:"amount"`
	DeductibleAmount int64  `json:"deductible_amount"`
	Currency         string `json:"currency"`
	Replaces         string `json:"replaces,omitempty"`
	IssuedAt         string `json:"issued_at"`
	VoidReason       string `json:"void_reason,omitempty"`
	VoidedAt         string `json:"voided_at,omitempty"`
}

func receiptEventData(r *Receipt) receiptData {
	d := receiptData{ReceiptID: r.ID, Number: r.Number, GiftID: r.GiftID, DonorID: deref(r.DonorID), FiscalYear: r.FiscalYear,
		Amount: r.Amount, DeductibleAmount: r.DeductibleAmount, Currency: r.Currency, Replaces: r.Replaces,
		IssuedAt: r.IssuedAt.UTC().Format(time.RFC3339), VoidReason: r.VoidReason}
	if r.VoidedAt != nil {
		d.VoidedAt = r.VoidedAt.UTC().Format(time.RFC3339)
	}
	return d
}

func (s *Store) receiptIssued(tx *Tx, r *Receipt) error {
	return s.recordEvent(tx, EventReceiptIssued, deref(r.DonorID), "receipt.issued:"+r.ID, receiptEventData(r))
}

func (s *Store) receiptVoided(tx *Tx, r *Receipt) error {
	return s.recordEvent(tx, EventReceiptVoided, deref(r.DonorID), "receipt.voided:"+r.ID, receiptEventData(r))
}

// CreateOutboundEndpoint registers an endpoint with a fresh secret, which
// it returns: it is shown once. types are among EventTypes (none: all).
// The caller checks url against its outbound.Policy (https in production).
func (s *Store) CreateOutboundEndpoint(ctx context.Context, url, description string, types []string, by Actor) (*OutboundEndpoint, error) {
	for _, t := range types {
		if !slices.Contains(EventTypes, t) {
			return nil, Errorf(ErrInvalid, "There is no event type %q.", t)
		}
	}
	secret, err := outbound.NewSecret()
	if err != nil {
		return nil, err
	}
	e := &OutboundEndpoint{ID: uuid.NewString(), URL: strings.TrimSpace(url), Description: strings.TrimSpace(description),
		EventTypes: strings.Join(types, " "), Secret: secret, Status: EndpointActive}
	err = s.transaction(ctx, func(tx *Tx) error {
		e.CreatedAt, e.UpdatedAt = tx.now, tx.now
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		return s.audit(tx, by, "added webhook endpoint", e.URL)
	})
	return e, wrap(err, "endpoints: create %s", url)
}

// OutboundAttempt is a delivery with its event and endpoint.
type OutboundAttempt struct {
	Delivery OutboundDelivery
	Event    OutboundEvent
	Endpoint OutboundEndpoint
}

// OutboundAttemptByID returns delivery id with what sending it needs.
func (s *Store) OutboundAttemptByID(ctx context.Context, id string) (*OutboundAttempt, error) {
	var a OutboundAttempt
	db := s.db.WithContext(ctx)
	if err := db.Where("id = ?", id).Take(&a.Delivery).Error; err != nil {
		return nil, wrap(err, "deliveries: %s", id)
	}
	if err := db.Where("seq = ?", a.Delivery.EventSeq).Take(&a.Event).Error; err != nil {
		return nil, wrap(err, "deliveries: %s: event", id)
	}
	if err := db.Where("id = ?", a.Delivery.EndpointID).Take(&a.Endpoint).Error; err != nil {
		return nil, wrap(err, "deliveries: %s: endpoint", id)
	}
	return &a, nil
}

var openDeliveries = []string{DeliveryPending, DeliverySending, DeliveryRetrying}

// DeliveryWaits reports whether an earlier event of d's donor to d's
// endpoint is not delivered yet: d must wait for it. A delivery given up
// on holds nobody back.
func (s *Store) DeliveryWaits(ctx context.Context, d *OutboundDelivery) (bool, error) {
	if d.DonorID == nil {
		return false, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Model(&OutboundDelivery{}).
		Where("endpoint_id = ? AND donor_id = ? AND event_seq < ? AND status IN ?", d.EndpointID, *d.DonorID, d.EventSeq, openDeliveries).
		Count(&n).Error
	return n > 0, wrap(err, "deliveries: %s waits", d.ID)
}

// DeliveryGrace is how long a claim may last before its worker is taken
// for dead and the delivery may be sent again: one attempt takes at most
// outbound's ten seconds. Receivers deduplicate by webhook-id.
const DeliveryGrace = time.Minute

// ClaimDelivery marks a delivery as being sent, so that two jobs for it
// do not both send it at once.
func (s *Store) ClaimDelivery(ctx context.Context, id string) (bool, error) {
	now := s.now().UTC()
	res := s.db.WithContext(ctx).Model(&OutboundDelivery{}).
		Where("id = ? AND (status IN ? OR (status = ? AND claimed_at < ?))", id, []string{DeliveryPending, DeliveryRetrying}, DeliverySending, now.Add(-DeliveryGrace)).
		Updates(map[string]any{"status": DeliverySending, "claimed_at": now, "updated_at": now})
	return res.RowsAffected == 1, wrap(res.Error, "deliveries: claim %s", id)
}

// DeliveryResult is the outcome of one attempt.
type DeliveryResult struct {
	Delivered  bool
	GiveUp     bool // failed, and past the retry window
	StatusCode int
	Error      string
}

// RecordDeliveryAttempt logs an attempt on a claimed delivery and the
// endpoint's failure count. A delivery settled either way frees the next
// event of its donor to the endpoint: its job is queued in the same
// transaction, so the chain cannot stall on a crash.
func (s *Store) RecordDeliveryAttempt(ctx context.Context, id string, r DeliveryResult) error {
	err := s.transaction(ctx, func(tx *Tx) error {
		var d OutboundDelivery
		if err := tx.Where("id = ?", id).Take(&d).Error; err != nil {
			return err
		}
		status := DeliveryRetrying
		upd := map[string]any{"attempts": d.Attempts + 1, "last_status_code": r.StatusCode, "last_error": r.Error,
			"last_attempt_at": tx.now, "claimed_at": nil, "updated_at": tx.now}
		switch {
		case r.Delivered:
			status, upd["delivered_at"] = DeliveryDelivered, tx.now
		case r.GiveUp:
			status = DeliveryFailed
		}
		upd["status"] = status
		res := tx.Model(&OutboundDelivery{}).Where("id = ? AND status = ?", id, DeliverySending).Updates(upd)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // not ours any more: a later claim records its own
		}
		ep := map[string]any{"updated_at": tx.now}
		if r.Delivered {
			ep["consecutive_failures"], ep["failing_since"], ep["last_success_at"] = 0, nil, tx.now
		} else {
			ep["consecutive_failures"], ep["failing_since"] = gorm.Expr("consecutive_failures + 1"), gorm.Expr("COALESCE(failing_since, ?)", tx.now)
		}
		if err := tx.Model(&OutboundEndpoint{}).Where("id = ?", d.EndpointID).Updates(ep).Error; err != nil {
			return err
		}
		if !r.Delivered {
			if err := s.disableIfFailing(tx, d.EndpointID); err != nil {
				return err
			}
		}
		if status == DeliveryRetrying || d.DonorID == nil {
			return nil
		}
		var next OutboundDelivery
		if err := tx.Where("endpoint_id = ? AND donor_id = ? AND event_seq > ? AND status IN ?", d.EndpointID, *d.DonorID, d.EventSeq, openDeliveries).
			Order("event_seq").Limit(1).Find(&next).Error; err != nil {
			return err
		}
		if next.ID == "" || next.Status != DeliveryPending {
			return nil // none, or one with a job of its own
		}
		return s.enqueueDelivery(tx, next.ID)
	})
	return wrap(err, "deliveries: record %s", id)
}

// OutboundEvents lists events in the order they were written.
func (s *Store) OutboundEvents(ctx context.Context) ([]OutboundEvent, error) {
	var out []OutboundEvent
	return out, wrap(s.db.WithContext(ctx).Order("seq").Find(&out).Error, "events: list")
}

// OutboundDeliveries lists an endpoint's deliveries, newest first.
func (s *Store) OutboundDeliveries(ctx context.Context, endpointID string) ([]OutboundDelivery, error) {
	var out []OutboundDelivery
	err := s.db.WithContext(ctx).Where("endpoint_id = ?", endpointID).Order("event_seq DESC").Find(&out).Error
	return out, wrap(err, "deliveries: of %s", endpointID)
}

// scrubEvents rewrites the events of erased donors (ids): their email and
// name become the erased record's, and any address or dedication goes,
// so a delivery still to come carries nothing of them.
func scrubEvents(tx *Tx, ids []string, email, name string) error {
	var rows []struct {
		Seq     int64
		Payload string
	}
	if err := tx.Raw("SELECT seq, payload FROM outbound_events WHERE donor_id IN ?", ids).Scan(&rows).Error; err != nil {
		return fmt.Errorf("events: of erased donors: %w", err)
	}
	for _, r := range rows {
		var body map[string]any
		if err := json.Unmarshal([]byte(r.Payload), &body); err != nil {
			return fmt.Errorf("events: %d: %w", r.Seq, err)
		}
		if data, ok := body["data"].(map[string]any); ok {
			for k := range data {
				switch {
				case k == "email":
					data[k] = email
				case k == "name":
					data[k] = name
				case strings.HasPrefix(k, "address") || k == "dedication_name":
					delete(data, k)
				}
			}
		}
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		if err := tx.Exec("UPDATE outbound_events SET payload = ? WHERE seq = ?", string(b), r.Seq).Error; err != nil {
			return fmt.Errorf("events: %d: %w", r.Seq, err)
		}
	}
	return nil
}
