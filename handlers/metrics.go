package handlers

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/indienews/donations/models"
)

// metrics lives on its own registry (no package-level default), so two
// servers in one test process never collide.
type metrics struct {
	reg               *prometheus.Registry
	requests          *prometheus.CounterVec
	duration          *prometheus.HistogramVec
	webhookEvents     *prometheus.CounterVec
	webhookRejected   *prometheus.CounterVec
	checkouts         *prometheus.CounterVec
	donateRateLimited prometheus.Counter
	donateRefused     *prometheus.CounterVec
	breakerTrips      prometheus.Counter
	donateAdmitted    *prometheus.CounterVec
}

func newMetrics(store *models.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "donations_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "donations_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		webhookEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "donations_webhook_events_total", Help: "Verified Stripe events by type and result (applied, duplicate, failed).",
		}, []string{"type", "result"}),
		webhookRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "donations_webhook_rejected_total", Help: "Webhook requests refused before processing, by reason.",
		}, []string{"reason"}),
		checkouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "donations_checkout_sessions_total", Help: "Checkout Sessions requested, by result.",
		}, []string{"result"}),
		donateRateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "donations_donate_rate_limited_total", Help: "Forms that start a checkout refused by the per-IP or per-email rate limit.",
		}),
		donateRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "donations_donate_refused_total", Help: "Forms that start a checkout refused at the front door, by reason (rate_ip, rate_email, nojs_budget, nojs_breaker, challenge_forged, challenge_expired, challenge_too_easy, challenge_replayed).",
		}, []string{"reason"}),
		donateAdmitted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "donations_donate_admitted_total", Help: "Forms let through the front door to start a checkout, by path: challenge (a solved proof of work), nojs (without one, on the site-wide budget), off (CHALLENGE=off).",
		}, []string{"path"}),
		breakerTrips: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "donations_checkout_breaker_trips_total", Help: "Times the checkout circuit breaker tripped: checkouts in a minute over CHECKOUT_BREAKER_FACTOR times the normal rate.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.webhookEvents, m.webhookRejected, m.checkouts, m.donateRateLimited, m.donateRefused, m.donateAdmitted, m.breakerTrips,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if store != nil {
		m.reg.MustRegister(exportsCollector{store: store, desc: prometheus.NewDesc("donations_exports",
			"Long downloads (statements zips, receipts and payouts reports) by state, from the database: the same on every instance.",
			[]string{"status"}, nil)})
	}
	return m
}

// exportsCollector reads the long downloads' states at each scrape, so a
// failed one can be alerted on whichever instance ran it.
type exportsCollector struct {
	store *models.Store
	desc  *prometheus.Desc
}

func (c exportsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c exportsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.store.ExportCounts(ctx)
	if err != nil {
		return // absent for this scrape; /readyz says whether the database answers
	}
	for _, st := range []string{models.ExportQueued, models.ExportRunning, models.ExportDone, models.ExportFailed, models.ExportExpired} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[st]), st)
	}
}

func (m *metrics) observeRequest(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// MetricsHandler serves /metrics for the separate listener on
// METRICS_ADDR, which the public never reaches.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	h := s.metrics.handler()
	if s.cfg.MetricsNeedToken() {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !s.metricsTokenOK(r.Header.Get("Authorization")) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "metrics need a bearer token", http.StatusUnauthorized)
				return
			}
			s.metrics.handler().ServeHTTP(w, r)
		})
	}
	mux.Handle("GET /metrics", h)
	return mux
}

// requireMetricsToken lets a scraper read /metrics on the public address
// with "Authorization: Bearer METRICS_TOKEN", and nobody else.
func (s *Server) requireMetricsToken(c *gin.Context) {
	if !s.metricsTokenOK(c.GetHeader("Authorization")) {
		c.Header("WWW-Authenticate", `Bearer realm="metrics"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "metrics need a bearer token"})
		return
	}
	c.Next()
}

// metricsTokenOK checks an Authorization header against METRICS_TOKEN.
func (s *Server) metricsTokenOK(header string) bool {
	got, ok := strings.CutPrefix(header, "Bearer ")
	return ok && s.cfg.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.MetricsToken)) == 1
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
