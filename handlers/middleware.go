package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/config"
)

const ctxRequestID = "request_id"

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID takes a sane X-Request-Id from the proxy or makes one, and
// returns it so a person can quote it.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !validRequestID.MatchString(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

// logger is the request's logger, carrying its id.
func (s *Server) logger(c *gin.Context) *slog.Logger {
	return s.log.With("request_id", c.GetString(ctxRequestID))
}

// accessLog writes one structured line per request and feeds the metrics.
// It logs the path without the query string: queries may carry ids.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	s.metrics.observeRequest(c.Request.Method, route, status, elapsed)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.logger(c).Log(c.Request.Context(), level, "http request",
		"method", c.Request.Method, "path", redactedPath(c), "route", route,
		"status", status, "duration_ms", elapsed.Milliseconds(), "bytes", c.Writer.Size())
}

// secretParams are path parameters that are credentials: a sign-in or
// setup link's token, a receipt's verification code.
var secretParams = map[string]bool{"token": true, "code": true}

// redactedPath is the request path with every secret parameter replaced,
// so access logs never hold a link that signs someone in.
func redactedPath(c *gin.Context) string {
	path := c.Request.URL.Path
	for _, p := range c.Params {
		if secretParams[p.Key] && p.Value != "" {
			path = strings.Replace(path, p.Value, "[redacted]", 1)
		}
	}
	return path
}

// maxFormBody caps a posted form; ours are a few hundred bytes.
const maxFormBody = 64 << 10

// rejectUnreadable answers 400 to a path or query that holds a NUL or is
// not UTF-8: no page of ours means anything by them, and Postgres refuses
// to store them (which would be a 500 further in). Posted forms are each
// handler's to check, so that the error shows next to its field.
func (s *Server) rejectUnreadable(c *gin.Context) {
	bad := !printableInput(c.Request.URL.Path)
	for k, vs := range c.Request.URL.Query() {
		bad = bad || !printableInput(k)
		for _, v := range vs {
			bad = bad || !printableInput(v)
		}
	}
	if bad {
		s.errorPage(c, http.StatusBadRequest, s.printer(c).T("unreadable.url.title"), s.printer(c).T("unreadable.url"))
		return
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead && c.FullPath() != webhookPath {
		if !s.capBody(c) {
			return
		}
	}
	c.Next()
}

// capBody limits a request's body before anything reads it: no form here
// takes files, so multipart is refused unread (whatever its case), a
// declared length over the cap is refused unread, and an undeclared one is
// cut at the cap. A form is read here, so that a body over the cap is a
// 413 and not an empty form. The webhook has its own, larger cap.
func (s *Server) capBody(c *gin.Context) bool {
	tooLarge := func() bool {
		c.Header("Connection", "close") // the rest of the body is not read
		s.errorPage(c, http.StatusRequestEntityTooLarge, s.printer(c).T("toolarge.title"), s.printer(c).T("toolarge"))
		return false
	}
	media, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")) // lower-cased
	if strings.HasPrefix(media, "multipart/") || c.Request.ContentLength > maxFormBody {
		return tooLarge()
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	if media == "application/x-www-form-urlencoded" {
		var big *http.MaxBytesError
		if err := c.Request.ParseForm(); errors.As(err, &big) {
			return tooLarge()
		} else if err != nil {
			s.errorPage(c, http.StatusBadRequest, s.printer(c).T("unreadable.form.title"), s.printer(c).T("unreadable.form"))
			return false
		}
	}
	return true
}

func printableInput(v string) bool {
	return utf8.ValidString(v) && !strings.ContainsRune(v, 0)
}

// recoverPanics turns a panic into a logged 500 page, never a stack trace
// in the response.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			// The stack goes to the log only, never into the response.
			s.logger(c).Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			s.error(c, fmt.Errorf("panic: %v", p))
		}
	}()
	c.Next()
}

// contentSecurityPolicies builds the CSP for every page and the one for the
// donate pages. Neither allows inline script or style; forms may post to us
// and redirect to Stripe Checkout or the Customer Portal. With a CAPTCHA,
// its provider may run its script and frame; with FRAME_ANCESTORS, the
// listed sites may embed the donate pages, and no other page.
func contentSecurityPolicies(cfg *config.Config) (string, string) {
	script, frame := "'self'", "'none'"
	if cfg.Captcha.Enabled() {
		origin := cfg.Captcha.Origins
		script += " " + origin
		frame = origin
	}
	base := "default-src 'self'; script-src " + script + "; style-src 'self'; img-src 'self' data:; frame-src " + frame + "; " +
		"form-action 'self' https://checkout.stripe.com https://billing.stripe.com; base-uri 'none'; object-src 'none'; frame-ancestors "
	donate := "'none'"
	if len(cfg.FrameAncestors) > 0 {
		donate = strings.Join(cfg.FrameAncestors, " ")
	}
	return base + "'none'", base + donate
}

// securityHeaders applies to every response.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.cfg.BaseURL.Scheme == "https" {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	c.Next()
}

// embeddable lets the sites in FRAME_ANCESTORS frame a donate page; with
// none listed it changes nothing. X-Frame-Options cannot name a site, so
// it goes and the CSP decides.
func (s *Server) embeddable(c *gin.Context) {
	if len(s.cfg.FrameAncestors) > 0 {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", s.donateCSP)
		h.Del("X-Frame-Options")
		// Checkout cannot open inside a frame: leave it from the page
		// that embedded us.
		h.Del("Cross-Origin-Opener-Policy")
	}
	c.Next()
}

func retryAfterSeconds(d time.Duration) string {
	secs := int(d.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return strconv.Itoa(secs)
}
