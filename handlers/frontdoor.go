package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/challenge"
	"github.com/indienews/donations/config"
	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// The front door against card testing: every form that starts a Checkout
// Session passes admit before anything reaches Stripe. A form sent with a
// solved proof of work (challenge.go's scheme, solved by the page in a Web
// Worker) pays in work that grows while refusals rise; a form sent without
// one (no JavaScript) shares a small site-wide budget, so it is never the
// cheap way in. Every count is in the database: instances share one budget
// and a restart keeps it.

// Windows over which refusals raise the difficulty, and their thresholds:
// from this many refusals on, each doubling adds a level.
const (
	failWindow     = 10 * time.Minute
	failSiteStep   = 20
	failNetStep    = 3
	failDomainStep = 5
)

// frontDoor holds what admit needs.
type frontDoor struct {
	store   *models.Store
	issuer  *challenge.Issuer
	cfg     *config.Config
	metrics *metrics
	now     func() time.Time

	// The past week's normal rate, read at most every five minutes: it
	// moves slowly and every admission would otherwise count a week.
	mu         sync.Mutex
	normalAt   time.Time
	normalWeek int64
}

func newFrontDoor(store *models.Store, cfg *config.Config, m *metrics, key []byte, now func() time.Time) *frontDoor {
	return &frontDoor{store: store, issuer: challenge.NewIssuer(key), cfg: cfg, metrics: m, now: now}
}

// The counted windows. Keys name the thing counted; Window keeps lengths apart.
func perIP(client string, cfg *config.Config) models.Window {
	// A token bucket of burst B refilled at R a minute as a sliding window:
	// B attempts per B/R minutes.
	return models.Window{Key: "donate/ip:" + client, Length: time.Duration(cfg.DonateRateBurst) * time.Minute / time.Duration(cfg.DonateRatePerMinute)}
}

func perEmail(email string, cfg *config.Config) models.Window {
	return models.Window{Key: "donate/email:" + email, Length: time.Duration(cfg.DonateEmailBurst) * time.Hour / time.Duration(cfg.DonateEmailPerHour)}
}

var (
	noJSBudget      = models.Window{Key: "donate/nojs", Length: time.Hour}
	sessionsMinute  = models.Window{Key: "checkouts", Length: time.Minute}
	sessionsHour    = models.Window{Key: "checkouts", Length: time.Hour}
	breakerTrips    = models.Window{Key: "breaker", Length: time.Hour}
	refusalsByHour  = models.Window{Key: "refused", Length: time.Hour}
	failuresSite    = models.Window{Key: "fail/site", Length: failWindow}
	challengeField  = "challenge"
	maxDomainLength = 253
)

func failuresNet(network string) models.Window {
	return models.Window{Key: "fail/net:" + network, Length: failWindow}
}

func failuresDomain(domain string) models.Window {
	return models.Window{Key: "fail/domain:" + domain, Length: failWindow}
}

// domainOf is an email address's domain, lower case, or "".
func domainOf(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	d := strings.ToLower(strings.TrimSpace(email[at+1:]))
	if d == "" || len(d) > maxDomainLength || strings.ContainsAny(d, " /?#&=") {
		return ""
	}
	return d
}

// steps is how many levels n refusals raise: none below step, then one
// per doubling.
func steps(n, step int64) int {
	if n < step {
		return 0
	}
	return bits.Len64(uint64(n / step))
}

// doorState is what the difficulty depends on at one moment.
type doorState struct {
	Level   int
	Breaker bool
}

// state reads the signals for a client's network and an email domain.
func (d *frontDoor) state(ctx context.Context, network, domain string) (doorState, error) {
	on, err := d.breakerOn(ctx)
	if err != nil {
		return doorState{}, err
	}
	if on {
		return doorState{Level: challenge.MaxLevel, Breaker: true}, nil
	}
	site, err := d.store.Hits(ctx, failuresSite)
	if err != nil {
		return doorState{}, err
	}
	level := steps(site, failSiteStep)
	if network != "" {
		n, err := d.store.Hits(ctx, failuresNet(network))
		if err != nil {
			return doorState{}, err
		}
		level = max(level, steps(n, failNetStep))
	}
	if domain != "" {
		n, err := d.store.Hits(ctx, failuresDomain(domain))
		if err != nil {
			return doorState{}, err
		}
		level = max(level, steps(n, failDomainStep))
	}
	// The hardest level is the breaker's alone.
	return doorState{Level: min(level, challenge.MaxLevel-1)}, nil
}

// thresholds are the breaker's: per minute to trip, per hour to hold.
func (d *frontDoor) thresholds(ctx context.Context) (perMinute, perHour int64, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if now.Sub(d.normalAt) > 5*time.Minute || d.normalAt.IsZero() {
		// The week before the last hour, so an attack does not raise its own bar.
		n, err := d.store.CheckoutsStarted(ctx, now.Add(-7*24*time.Hour-time.Hour), now.Add(-time.Hour))
		if err != nil {
			return 0, 0, err
		}
		d.normalWeek, d.normalAt = n, now
	}
	factor, floor := int64(d.cfg.Challenge.BreakerFactor), int64(d.cfg.Challenge.BreakerMinPerMinute)
	const minutes, hours = 7 * 24 * 60, 7 * 24
	return max(floor, factor*d.normalWeek/minutes), max(floor, factor*d.normalWeek/hours), nil
}

// breakerOn: the last minute is over the bar, or the breaker tripped in
// the last hour and that hour is still over its own.
func (d *frontDoor) breakerOn(ctx context.Context) (bool, error) {
	perMinute, perHour, err := d.thresholds(ctx)
	if err != nil {
		return false, err
	}
	minute, err := d.store.Hits(ctx, sessionsMinute)
	if err != nil || minute > perMinute {
		return err == nil, err
	}
	trips, err := d.store.Hits(ctx, breakerTrips)
	if err != nil || trips == 0 {
		return false, err
	}
	hour, err := d.store.Hits(ctx, sessionsHour)
	return hour > perHour, err
}

// started counts a Checkout Session that was created, and trips the
// breaker when the last minute goes over the bar.
func (d *frontDoor) started(ctx context.Context, log *slog.Logger) {
	if _, err := d.store.Hit(ctx, sessionsHour); err != nil {
		log.Error("counting checkouts", "err", err)
		return
	}
	n, err := d.store.Hit(ctx, sessionsMinute)
	if err != nil {
		log.Error("counting checkouts", "err", err)
		return
	}
	perMinute, _, err := d.thresholds(ctx)
	if err != nil || n <= perMinute {
		return
	}
	trips, err := d.store.Hits(ctx, breakerTrips)
	if err != nil {
		return
	}
	if _, err := d.store.Hit(ctx, breakerTrips); err != nil {
		log.Error("recording the circuit breaker", "err", err)
		return
	}
	if trips == 0 {
		d.metrics.breakerTrips.Inc()
		log.Warn("circuit breaker tripped: checkouts need the hardest challenge", "checkouts_last_minute", n, "threshold", perMinute)
	}
}

// refusal is why admit turned a form away, and what the form says.
type refusal struct {
	status int
	reason string // the metric's label
	field  string // "challenge" for the message beside the button; "" for a notice
	wait   time.Duration
}

// message is the refusal in the reader's language: "door." and its reason
// is its key, with how long to wait.
func (r *refusal) message(p *locale.Printer) string {
	return p.T("door."+r.reason, "Wait", waitFor(p, r.wait))
}

// admit decides whether a form may start a Checkout Session. A refusal is
// counted where the difficulty reads it; an error is the database's.
func (d *frontDoor) admit(c *gin.Context, email string) (*refusal, error) {
	ctx := c.Request.Context()
	ip := c.ClientIP()
	network, domain := models.NetworkKey(ip), domainOf(email)
	payload := c.PostForm(challengeField)
	r, err := d.decide(ctx, payload, models.ClientKey(ip), network, domain, email)
	if err != nil {
		return nil, err
	}
	if r == nil {
		path := "challenge"
		if d.cfg.Challenge.Off {
			path = "off"
		} else if payload == "" {
			path = "nojs"
		}
		d.metrics.donateAdmitted.WithLabelValues(path).Inc()
		return nil, nil
	}
	d.metrics.donateRefused.WithLabelValues(r.reason).Inc()
	if strings.HasPrefix(r.reason, "rate") {
		d.metrics.donateRateLimited.Inc()
	}
	counted := []models.Window{refusalsByHour, failuresSite, failuresNet(network)}
	if domain != "" {
		counted = append(counted, failuresDomain(domain))
	}
	for _, w := range counted {
		if _, err := d.store.Hit(ctx, w); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (d *frontDoor) decide(ctx context.Context, payload, client, network, domain, email string) (*refusal, error) {
	withJS := payload != ""
	if !d.cfg.Challenge.Off && withJS {
		if r, err := d.checkSolution(ctx, payload, network, domain); r != nil || err != nil {
			return r, err
		}
	}
	if !d.cfg.Challenge.Off && !withJS {
		st, err := d.state(ctx, "", "")
		if err != nil {
			return nil, err
		}
		if st.Breaker {
			return &refusal{status: http.StatusTooManyRequests, reason: "nojs_breaker", wait: 10 * time.Minute}, nil
		}
	}
	if ok, wait, err := d.store.Allow(ctx, perIP(client, d.cfg), int64(d.cfg.DonateRateBurst)); err != nil || !ok {
		return tooMany("rate_ip", wait), err
	}
	if ok, wait, err := d.store.Allow(ctx, perEmail(models.NormaliseEmail(email), d.cfg), int64(d.cfg.DonateEmailBurst)); err != nil || !ok {
		return tooMany("rate_email", wait), err
	}
	if !d.cfg.Challenge.Off && !withJS {
		if ok, wait, err := d.store.Allow(ctx, noJSBudget, int64(d.cfg.Challenge.NoJSPerHour)); err != nil || !ok {
			return tooMany("nojs_budget", wait), err
		}
	}
	return nil, nil
}

func tooMany(reason string, wait time.Duration) *refusal {
	return &refusal{status: http.StatusTooManyRequests, reason: reason, wait: wait}
}

// checkSolution checks a proof of work: genuine, fresh, hard enough for
// the signals now, and not used before.
func (d *frontDoor) checkSolution(ctx context.Context, payload, network, domain string) (*refusal, error) {
	p, id, err := d.issuer.Verify(payload, d.now())
	switch {
	case errors.Is(err, challenge.ErrExpired):
		return &refusal{status: http.StatusUnprocessableEntity, reason: "challenge_expired", field: challengeField}, nil
	case err != nil:
		return &refusal{status: http.StatusForbidden, reason: "challenge_forged", field: challengeField}, nil
	}
	st, err := d.state(ctx, network, domain)
	if err != nil {
		return nil, err
	}
	if p.Level < st.Level {
		return &refusal{status: http.StatusUnprocessableEntity, reason: "challenge_too_easy", field: challengeField}, nil
	}
	if err := d.store.SpendChallenge(ctx, id, p.Expires); errors.Is(err, models.ErrConflict) {
		return &refusal{status: http.StatusUnprocessableEntity, reason: "challenge_replayed", field: challengeField}, nil
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

// issue makes a challenge at the level the signals ask for now.
func (d *frontDoor) issue(ctx context.Context, network, domain string) (challenge.Challenge, doorState, error) {
	st, err := d.state(ctx, network, domain)
	if err != nil {
		return challenge.Challenge{}, st, err
	}
	ch, err := d.issuer.Issue(challenge.Params{Level: st.Level, Domain: domain, Expires: d.now().Add(challenge.TTL)})
	return ch, st, err
}

// challengeJSON is GET /donate/challenge: a fresh challenge for the form's
// Web Worker. No cookie, not cached; ?domain= is the email's domain when
// the reader has typed it, so that its signal is paid for up front.
func (s *Server) challengeJSON(c *gin.Context) {
	ch, st, err := s.door.issue(c.Request.Context(), models.NetworkKey(c.ClientIP()), domainOf("@"+c.Query("domain")))
	if err != nil {
		s.logger(c).Error("issuing a challenge", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "no challenge just now; try again in a minute"})
		return
	}
	c.Header("Cache-Control", "no-store")
	// The challenge has no cookie: the form says which language it reads.
	p := s.cfg.Catalog.Printer(s.cfg.Catalog.Choose(c.Query("lang"), "", c.GetHeader("Accept-Language")))
	note := ""
	switch {
	case st.Breaker:
		note = p.T("challenge.note.breaker")
	case st.Level >= 4:
		note = p.T("challenge.note.slow")
	}
	c.JSON(http.StatusOK, gin.H{"algorithm": ch.Algorithm, "challenge": ch.Challenge, "maxnumber": ch.MaxNumber,
		"salt": ch.Salt, "signature": ch.Signature, "cost": ch.Cost, "level": st.Level, "note": note})
}

// guardStatus is the dashboard's view of the front door.
type guardStatus struct {
	RefusedToday int64
	Level        int
	Breaker      bool
	// PhoneSeconds is the usual solving time of that level on a phone, as
	// the README's figures estimate it.
	PhoneSeconds float64
	Off          bool
}

// phoneIterationsPerSecond is a low-end phone's PBKDF2-SHA256 speed in
// WebCrypto, taken as a fifth of this machine's headless Chromium (3.2
// million a second; docs/performance.md, "Card testing", says how it was
// measured and why a fifth).
const phoneIterationsPerSecond = 640_000

func (d *frontDoor) status(ctx context.Context, midnight time.Time) (guardStatus, error) {
	refused, err := d.store.HitsSince(ctx, refusalsByHour, midnight)
	if err != nil {
		return guardStatus{}, err
	}
	st, err := d.state(ctx, "", "")
	if err != nil {
		return guardStatus{}, err
	}
	return guardStatus{RefusedToday: refused, Level: st.Level, Breaker: st.Breaker, Off: d.cfg.Challenge.Off,
		PhoneSeconds: float64(challenge.ExpectedIterations(st.Level)) / phoneIterationsPerSecond}, nil
}

// admitOrRefuse runs admit for a form; on a refusal it sets Retry-After and
// returns it for the caller to re-render its form with. ok is false when
// the handler must stop (refused, or an error already answered).
func (s *Server) admitOrRefuse(c *gin.Context, email string) (*refusal, bool) {
	r, err := s.door.admit(c, email)
	if err != nil {
		s.error(c, fmt.Errorf("front door: %w", err))
		return nil, false
	}
	if r == nil {
		return nil, true
	}
	s.logger(c).Warn("donate attempt refused", "reason", r.reason)
	if r.wait > 0 {
		c.Header("Retry-After", retryAfterSeconds(r.wait))
	}
	return r, false
}
