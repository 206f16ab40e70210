package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/indienews/donations/outbound"
)

// EventTestPing is the event an admin sends to one endpoint to see it
// arrive; it is about nobody and goes nowhere else.
const EventTestPing = "test.ping"

// SecretOverlap is how long a rotated-out secret still signs deliveries,
// so a receiver can switch to the new one at its own pace.
const SecretOverlap = 24 * time.Hour

// An endpoint that keeps failing is disabled by the worker: failing for
// FailingFor without a single success, or FailureLimit attempts in a row.
const (
	FailingFor   = 72 * time.Hour
	FailureLimit = 100
)

// EndpointSummary is an endpoint with the counts of its deliveries.
type EndpointSummary struct {
	OutboundEndpoint
	Open, Delivered, Failed int64
}

// OutboundEndpoints lists the endpoints, oldest first, with counts.
func (s *Store) OutboundEndpoints(ctx context.Context) ([]EndpointSummary, error) {
	db := s.db.WithContext(ctx)
	var eps []OutboundEndpoint
	if err := db.Order("created_at, id").Find(&eps).Error; err != nil {
		return nil, wrap(err, "endpoints: list")
	}
	var counts []struct {
		EndpointID string
		Status     string
		N          int64
	}
	if err := db.Model(&OutboundDelivery{}).Select("endpoint_id, status, COUNT(*) AS n").
		Group("endpoint_id, status").Scan(&counts).Error; err != nil {
		return nil, wrap(err, "endpoints: counts")
	}
	out := make([]EndpointSummary, len(eps))
	at := map[string]*EndpointSummary{}
	for i, e := range eps {
		out[i].OutboundEndpoint = e
		at[e.ID] = &out[i]
	}
	for _, c := range counts {
		sum := at[c.EndpointID]
		if sum == nil {
			continue
		}
		switch c.Status {
		case DeliveryDelivered:
			sum.Delivered += c.N
		case DeliveryFailed:
			sum.Failed += c.N
		default:
			sum.Open += c.N
		}
	}
	return out, nil
}

// OutboundEndpointByID returns one endpoint.
func (s *Store) OutboundEndpointByID(ctx context.Context, id string) (*OutboundEndpoint, error) {
	var e OutboundEndpoint
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&e).Error; err != nil {
		return nil, wrap(err, "endpoints: %s", id)
	}
	return &e, nil
}

// endpointInTx loads an endpoint inside tx, as a typed not-found.
func endpointInTx(tx *Tx, id string) (*OutboundEndpoint, error) {
	var e OutboundEndpoint
	if err := tx.Where("id = ?", id).Take(&e).Error; err != nil {
		if translate(err) == ErrNotFound {
			return nil, Errorf(ErrNotFound, "There is no such endpoint.")
		}
		return nil, err
	}
	return &e, nil
}

// RotateOutboundSecret gives endpoint id a new secret, which it returns:
// it is shown once. The old one signs too for SecretOverlap.
func (s *Store) RotateOutboundSecret(ctx context.Context, id string, by Actor) (string, error) {
	secret, err := outbound.NewSecret()
	if err != nil {
		return "", err
	}
	err = s.transaction(ctx, func(tx *Tx) error {
		e, err := endpointInTx(tx, id)
		if err != nil {
			return err
		}
		until := tx.now.Add(SecretOverlap)
		if err := tx.Model(&OutboundEndpoint{}).Where("id = ?", id).Updates(map[string]any{
			"secret": secret, "previous_secret": e.Secret, "previous_secret_until": until, "updated_at": tx.now}).Error; err != nil {
			return err
		}
		return s.audit(tx, by, "rotated webhook secret", e.URL)
	})
	if err != nil {
		return "", wrap(err, "endpoints: rotate %s", id)
	}
	return secret, nil
}

// DisableOutboundEndpoint stops deliveries to endpoint id; those still
// open wait for it to be enabled again.
func (s *Store) DisableOutboundEndpoint(ctx context.Context, id, reason string, by Actor) error {
	err := s.transaction(ctx, func(tx *Tx) error {
		e, err := endpointInTx(tx, id)
		if err != nil || e.Status == EndpointDisabled {
			return err
		}
		if err := tx.Model(&OutboundEndpoint{}).Where("id = ?", id).Updates(map[string]any{
			"status": EndpointDisabled, "disabled_reason": strings.TrimSpace(reason), "updated_at": tx.now}).Error; err != nil {
			return err
		}
		return s.audit(tx, by, "disabled webhook endpoint", e.URL)
	})
	return wrap(err, "endpoints: disable %s", id)
}

// EnableOutboundEndpoint starts deliveries to endpoint id again, with a
// clean failure count. Its open deliveries, whose jobs ended while it was
// disabled, are queued again, in the same transaction.
func (s *Store) EnableOutboundEndpoint(ctx context.Context, id string, by Actor) error {
	err := s.transaction(ctx, func(tx *Tx) error {
		e, err := endpointInTx(tx, id)
		if err != nil || e.Status == EndpointActive {
			return err
		}
		if err := tx.Model(&OutboundEndpoint{}).Where("id = ?", id).Updates(map[string]any{
			"status": EndpointActive, "disabled_reason": "", "consecutive_failures": 0, "failing_since": nil,
			"updated_at": tx.now}).Error; err != nil {
			return err
		}
		if _, err := s.requeue(tx, "endpoint_id = ? AND status IN ?", id, []string{DeliveryPending, DeliveryRetrying}); err != nil {
			return err
		}
		return s.audit(tx, by, "enabled webhook endpoint", e.URL)
	})
	return wrap(err, "endpoints: enable %s", id)
}

// requeue sets the deliveries that where selects (never one being sent
// right now) pending again and queues their jobs, in tx. Pending rather
// than retrying: a later event of the same donor then waits for them,
// and settling one queues the next (see RecordDeliveryAttempt).
func (s *Store) requeue(tx *Tx, where string, args ...any) (int, error) {
	var ids []string
	if err := tx.Model(&OutboundDelivery{}).Where(where, args...).Where("status <> ?", DeliverySending).
		Order("event_seq").Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := tx.Model(&OutboundDelivery{}).Where("id = ?", id).Updates(map[string]any{
			"status": DeliveryPending, "claimed_at": nil, "updated_at": tx.now}).Error; err != nil {
			return 0, err
		}
		if err := s.enqueueDelivery(tx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

type pingData struct {
	EndpointID string `json:"endpoint_id"`
	Message    string `json:"message"`
}

// SendTestEvent writes a test.ping event with one delivery, to endpoint
// id alone, and queues it.
func (s *Store) SendTestEvent(ctx context.Context, id string, by Actor) (*OutboundDelivery, error) {
	var d OutboundDelivery
	err := s.transaction(ctx, func(tx *Tx) error {
		e, err := endpointInTx(tx, id)
		if err != nil {
			return err
		}
		if e.Status != EndpointActive {
			return Errorf(ErrInvalid, "Enable the endpoint before sending it a test event.")
		}
		ev, err := newEvent(tx, EventTestPing, nil, "test.ping:"+uuid.NewString(),
			pingData{EndpointID: e.ID, Message: "A test event, sent from the staff area."})
		if err != nil {
			return err
		}
		if err := tx.Create(ev).Error; err != nil {
			return err
		}
		d = OutboundDelivery{ID: uuid.NewString(), EventSeq: ev.Seq, EndpointID: e.ID, Status: DeliveryPending,
			CreatedAt: tx.now, UpdatedAt: tx.now}
		if err := tx.Create(&d).Error; err != nil {
			return err
		}
		if err := s.enqueueDelivery(tx, d.ID); err != nil {
			return err
		}
		return s.audit(tx, by, "sent a test event", e.URL)
	})
	if err != nil {
		return nil, wrap(err, "endpoints: test %s", id)
	}
	return &d, nil
}

// DeliveryLogRow is one line of an endpoint's delivery log.
type DeliveryLogRow struct {
	ID             string
	EventType      string
	WebhookID      string
	Status         string
	Attempts       int
	LastStatusCode int
	LastError      string
	CreatedAt      time.Time
	LastAttemptAt  *time.Time
	DeliveredAt    *time.Time
}

// DeliveryLog lists endpoint id's deliveries, newest first, limit from
// offset, with how many there are in all.
func (s *Store) DeliveryLog(ctx context.Context, id string, offset, limit int) ([]DeliveryLogRow, int64, error) {
	db := s.db.WithContext(ctx)
	var total int64
	if err := db.Model(&OutboundDelivery{}).Where("endpoint_id = ?", id).Count(&total).Error; err != nil {
		return nil, 0, wrap(err, "deliveries: count of %s", id)
	}
	var rows []DeliveryLogRow
	err := db.Table("outbound_deliveries AS d").Joins("JOIN outbound_events AS e ON e.seq = d.event_seq").
		Select("d.id, e.type AS event_type, e.id AS webhook_id, d.status, d.attempts, d.last_status_code, d.last_error, "+
			"d.created_at, d.last_attempt_at, d.delivered_at").
		Where("d.endpoint_id = ?", id).Order("d.event_seq DESC").Offset(offset).Limit(limit).Scan(&rows).Error
	return rows, total, wrap(err, "deliveries: log of %s", id)
}

// ReplayDelivery sends delivery deliveryID of endpoint id again.
func (s *Store) ReplayDelivery(ctx context.Context, id, deliveryID string, by Actor) error {
	err := s.transaction(ctx, func(tx *Tx) error {
		e, err := endpointInTx(tx, id)
		if err != nil {
			return err
		}
		n, err := s.requeue(tx, "id = ? AND endpoint_id = ?", deliveryID, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return Errorf(ErrNotFound, "There is no such delivery, or it is being sent right now.")
		}
		return s.audit(tx, by, "replayed a webhook delivery", e.URL+" "+deliveryID)
	})
	return wrap(err, "deliveries: replay %s", deliveryID)
}

// ReplayDeliveries sends again every delivery of endpoint id written from
// from up to to (excluded), and says how many.
func (s *Store) ReplayDeliveries(ctx context.Context, id string, from, to time.Time, by Actor) (int, error) {
	if !from.Before(to) {
		return 0, Errorf(ErrInvalid, "The end of the range must come after its start.")
	}
	var n int
	err := s.transaction(ctx, func(tx *Tx) error {
		e, err := endpointInTx(tx, id)
		if err != nil {
			return err
		}
		if n, err = s.requeue(tx, "endpoint_id = ? AND created_at >= ? AND created_at < ?", id, from.UTC(), to.UTC()); err != nil || n == 0 {
			return err
		}
		return s.audit(tx, by, "replayed webhook deliveries",
			fmt.Sprintf("%s %d from %s to %s", e.URL, n, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)))
	})
	return n, wrap(err, "deliveries: replay %s", id)
}

// deliveryActor is who the audit log names for an endpoint disabled
// because it kept failing.
var deliveryActor = Actor{Email: "delivery job"}

// disableIfFailing disables endpoint id, in tx, once it has failed for
// FailingFor or FailureLimit times in a row, with the reason on the
// endpoint for the staff page, and an audit row.
func (s *Store) disableIfFailing(tx *Tx, id string) error {
	var e OutboundEndpoint
	if err := tx.Where("id = ?", id).Take(&e).Error; err != nil {
		return err
	}
	if e.Status != EndpointActive {
		return nil
	}
	var reason string
	switch {
	case e.ConsecutiveFailures >= FailureLimit:
		reason = fmt.Sprintf("Disabled automatically on %s: %d failed attempts in a row.", tx.now.Format("2006-01-02 15:04 MST"), e.ConsecutiveFailures)
	case e.FailingSince != nil && !tx.now.Before(e.FailingSince.Add(FailingFor)):
		reason = fmt.Sprintf("Disabled automatically on %s: failing since %s.", tx.now.Format("2006-01-02 15:04 MST"), e.FailingSince.UTC().Format("2006-01-02 15:04 MST"))
	default:
		return nil
	}
	if err := tx.Model(&OutboundEndpoint{}).Where("id = ?", id).Updates(map[string]any{
		"status": EndpointDisabled, "disabled_reason": reason, "updated_at": tx.now}).Error; err != nil {
		return err
	}
	if err := s.audit(tx, deliveryActor, "disabled webhook endpoint", e.URL+": "+reason); err != nil {
		return err
	}
	// Each admin hears of it, once per disabling, in this transaction.
	var admins []StaffUser
	if err := tx.Where("role = ? AND disabled = ?", RoleAdmin, false).Find(&admins).Error; err != nil {
		return err
	}
	for _, a := range admins {
		if err := s.queueEmail(tx, EmailMessage{DedupeKey: fmt.Sprintf("endpoint_disabled:%s:%d:%s", id, tx.now.Unix(), a.ID),
			Kind: EmailEndpointDisabled, ToAddress: a.Email, Link: "/admin/webhooks/" + id, Subject: e.URL}); err != nil {
			return err
		}
	}
	return nil
}
