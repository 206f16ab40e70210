package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// Forms are protected twice:
//
//   - net/http's CrossOriginProtection refuses a state-changing request
//     that the browser marks as coming from another origin (Sec-Fetch-Site,
//     or an Origin that is not our host), scheme and all;
//   - a token: the cookie holds a random value, and every form carries an
//     HMAC of it under SECRET_KEY, masked with fresh random bytes on each
//     page so that compressed responses do not leak it (BREACH). Over https
//     the cookie is __Host-csrf: Secure, Path=/, no Domain, so no sibling
//     subdomain can plant one.
const (
	csrfFieldName = "csrf_token"
	csrfTokenLen  = 32
	ctxCSRF       = "csrf"
)

// csrfState is a request's CSRF cookie value, from which its form token is
// made when a page asks for it.
type csrfState struct {
	secret []byte // the server's CSRF key
	raw    []byte // the cookie's random value
}

func (s *Server) csrfCookieName() string {
	if s.cfg.BaseURL.Scheme == "https" {
		return "__Host-csrf"
	}
	return "csrf"
}

// csrf is the middleware on every route group with forms.
func (s *Server) csrf() gin.HandlerFunc {
	if s.csrfMiddleware != nil {
		return s.csrfMiddleware
	}
	cop := http.NewCrossOriginProtection()
	secure := s.cfg.BaseURL.Scheme == "https"
	// An embedded form is a third-party frame: its cookie must be allowed
	// there (SameSite=None, which browsers accept only with Secure).
	sameSite := http.SameSiteLaxMode
	if secure && len(s.cfg.FrameAncestors) > 0 {
		sameSite = http.SameSiteNoneMode
	}
	name := s.csrfCookieName()
	s.csrfMiddleware = func(c *gin.Context) {
		st := &csrfState{secret: s.csrfKey}
		if v, err := c.Cookie(name); err == nil {
			if raw, err := base64.RawURLEncoding.DecodeString(v); err == nil && len(raw) == csrfTokenLen {
				st.raw = raw
			}
		}
		if !safeMethod(c.Request.Method) {
			reason := ""
			switch {
			case cop.Check(c.Request) != nil, !s.sameOrigin(c.Request):
				reason = "cross-origin request"
			case st.raw == nil:
				reason = "no CSRF cookie"
			case !st.valid(c.PostForm(csrfFieldName)):
				reason = "CSRF token missing or wrong"
			}
			if reason != "" {
				s.logger(c).Warn("csrf check failed", "reason", reason)
				s.errorPage(c, http.StatusForbidden, s.printer(c).T("csrf.title"), s.printer(c).T("csrf"))
				return
			}
		}
		if st.raw == nil {
			st.raw = make([]byte, csrfTokenLen)
			_, _ = rand.Read(st.raw)
			http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: base64.RawURLEncoding.EncodeToString(st.raw),
				Path: "/", MaxAge: 12 * 3600, HttpOnly: true, Secure: secure, SameSite: sameSite})
		}
		c.Set(ctxCSRF, st)
		c.Next()
	}
	return s.csrfMiddleware
}

// sameOrigin adds the scheme to CrossOriginProtection's Origin check,
// which compares hosts only: a page on http://our-host must not post to
// https://our-host. Requests without an Origin (not from a browser, or
// too old a one) pass; the token still guards them.
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Scheme, s.cfg.BaseURL.Scheme) &&
		(strings.EqualFold(u.Host, s.cfg.BaseURL.Host) || strings.EqualFold(u.Host, r.Host))
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// expected is the unmasked token for this cookie.
func (st *csrfState) expected() []byte {
	m := hmac.New(sha256.New, st.secret)
	m.Write([]byte("csrf:"))
	m.Write(st.raw)
	return m.Sum(nil)
}

// token is a fresh masking of the expected token: a one-time pad, then
// the pad XOR the token.
func (st *csrfState) token() string {
	want := st.expected()
	out := make([]byte, 2*len(want))
	_, _ = rand.Read(out[:len(want)])
	for i := range want {
		out[len(want)+i] = out[i] ^ want[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// valid reports whether a posted token unmasks to this cookie's.
func (st *csrfState) valid(posted string) bool {
	b, err := base64.RawURLEncoding.DecodeString(posted)
	want := st.expected()
	if err != nil || len(b) != 2*len(want) {
		return false
	}
	got := make([]byte, len(want))
	for i := range want {
		got[i] = b[i] ^ b[len(want)+i]
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

// csrfField is the hidden input every form carries; empty outside the
// CSRF-protected routes.
func csrfField(c *gin.Context) template.HTML {
	v, ok := c.Get(ctxCSRF)
	st, _ := v.(*csrfState)
	if !ok || st == nil {
		return ""
	}
	return template.HTML(`<input type="hidden" name="` + csrfFieldName + `" value="` + st.token() + `">`)
}
