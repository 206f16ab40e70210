package handlers

import (
	"github.com/indienews/donations/locale"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/indienews/donations/models"
)

// keyLimiter is a token bucket (golang.org/x/time/rate) per key: a client
// IP or an email address. Idle buckets are swept so a flood of keys cannot
// grow memory without end.
type keyLimiter struct {
	mu        sync.Mutex
	buckets   map[string]*bucket
	limit     rate.Limit
	burst     int
	now       func() time.Time
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(perMinute, burst int, now func() time.Time) *keyLimiter {
	return newRateLimiter(rate.Limit(float64(perMinute)/60), burst, now)
}

// newRateLimiter keys buckets by any string (an IP, an email address).
func newRateLimiter(limit rate.Limit, burst int, now func() time.Time) *keyLimiter {
	return &keyLimiter{buckets: map[string]*bucket{}, limit: limit, burst: burst, now: now}
}

// allow reports whether key may proceed and, if not, how long to wait.
func (l *keyLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.buckets {
			// A bucket idle this long is full again; dropping it changes nothing.
			if now.Sub(b.seen) > time.Hour {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// rateLimitSignIn limits sign-in link requests per client (an IP address,
// an IPv6 client by its /64, which one subscriber holds whole).
func (s *Server) rateLimitSignIn(c *gin.Context) {
	if ok, wait := s.signInByIP.allow(models.ClientKey(c.ClientIP())); !ok {
		c.Header("Retry-After", retryAfterSeconds(wait))
		p := s.printer(c)
		s.errorPage(c, http.StatusTooManyRequests, p.T("ratelimit.title"), p.T("ratelimit.wait", "Wait", waitFor(p, wait)))
		return
	}
	c.Next()
}

// humanDuration says a duration as a person reads it: "a second",
// "40 seconds", "3 minutes" (a wait, or a long download's time left).
func humanDuration(d time.Duration) string {
	secs := int(d.Round(time.Second) / time.Second)
	switch {
	case secs <= 1:
		return "a second"
	case secs < 60:
		return retryAfterSeconds(d) + " seconds"
	case secs < 120:
		return "a minute"
	default:
		return retryAfterSeconds(d/time.Minute*time.Second) + " minutes"
	}
}

// waitFor is humanDuration in the reader's language.
func waitFor(p *locale.Printer, d time.Duration) string {
	secs := int(d.Round(time.Second) / time.Second)
	switch {
	case secs <= 1:
		return p.T("wait.second")
	case secs < 60:
		return p.N("wait.seconds", secs)
	case secs < 120:
		return p.T("wait.minute")
	default:
		return p.N("wait.minutes", int(d/time.Minute))
	}
}
