package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

// maxWebhookBody caps what we read; Stripe's events are far smaller.
const maxWebhookBody = 1 << 20

// stripeWebhook receives Stripe's events. It answers 2xx only once the
// event and its effects are committed together, and 5xx when they are not,
// so Stripe retries.
func (s *Server) stripeWebhook(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.refuseWebhook(c, http.StatusRequestEntityTooLarge, "too_large", "body larger than 1 MiB")
			return
		}
		s.refuseWebhook(c, http.StatusBadRequest, "unreadable", "could not read body")
		return
	}
	status, out := s.receiveEvent(c.Request.Context(), s.logger(c), body, c.GetHeader("Stripe-Signature"))
	if status >= 400 && status < 500 {
		s.metrics.webhookRejected.WithLabelValues(out.reason).Inc()
	}
	c.JSON(status, out.body())
}

func (s *Server) refuseWebhook(c *gin.Context, status int, reason, msg string) {
	s.metrics.webhookRejected.WithLabelValues(reason).Inc()
	s.logger(c).Warn("webhook refused", "reason", reason)
	c.JSON(status, gin.H{"error": msg})
}

// webhookOutcome is what receiveEvent tells the sender.
type webhookOutcome struct {
	reason    string // for refusals: a short metric label
	message   string
	duplicate bool
}

func (o webhookOutcome) body() gin.H {
	if o.message != "" {
		return gin.H{"error": o.message}
	}
	return gin.H{"received": true, "duplicate": o.duplicate}
}

// receiveEvent is the one path every event takes, from Stripe or from the
// demo checkout: verify, decode (or, for another API version, retrieve the
// object), then record and apply exactly once.
func (s *Server) receiveEvent(ctx context.Context, log *slog.Logger, body []byte, signature string) (int, webhookOutcome) {
	ev, err := s.verifier.Parse(body, signature)
	if err != nil {
		switch {
		case errors.Is(err, payments.ErrStale):
			log.Warn("webhook refused", "reason", "stale timestamp")
			return http.StatusBadRequest, webhookOutcome{reason: "stale", message: "signature timestamp too old"}
		case errors.Is(err, payments.ErrSignature):
			log.Warn("webhook refused", "reason", "bad signature")
			return http.StatusBadRequest, webhookOutcome{reason: "signature", message: "invalid signature"}
		default:
			log.Warn("webhook refused", "reason", "malformed", "err", err)
			return http.StatusBadRequest, webhookOutcome{reason: "malformed", message: "malformed event"}
		}
	}
	log = log.With("event_id", ev.ID, "event_type", ev.Type)
	if ev.Notice != nil {
		// Another API version: its object is retrieved at ours.
		log = log.With("api_version", ev.APIVersion, "retrieve", ev.Notice.Object+" "+ev.Notice.ID)
	}
	res, err := ingest.Apply(ctx, s.store, s.gateway, ev)
	switch {
	case errors.Is(err, models.ErrRejected):
		s.metrics.webhookEvents.WithLabelValues(ev.Type, "rejected").Inc()
		log.Error("webhook event rejected", "err", err)
		return http.StatusUnprocessableEntity, webhookOutcome{reason: "unprocessable", message: "event cannot be applied"}
	case err != nil:
		s.metrics.webhookEvents.WithLabelValues(ev.Type, "failed").Inc()
		log.Error("webhook event not stored; Stripe will retry", "err", err)
		return http.StatusInternalServerError, webhookOutcome{message: "not stored, retry later"}
	}
	result := "applied"
	if res.Duplicate {
		result = "duplicate"
	}
	s.metrics.webhookEvents.WithLabelValues(ev.Type, result).Inc()
	log.Info("webhook event", "result", result, "outcome", res.Outcome)
	return http.StatusOK, webhookOutcome{duplicate: res.Duplicate}
}
