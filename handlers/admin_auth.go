package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
)

// The staff area's doors: the session check every /admin page sits
// behind, sign-in, sign-out and the first admin's setup link.

const staffCookie = "staff_session"

// adminPage is what every staff page's layout needs.
type adminPage struct {
	page
	StaffEmail string
	IsAdmin    bool
	Notice     string // the one-time message a redirect left (see flash.go)
	Nav        []navLink
}

// navLink is one entry of the staff navigation. Current is "page" on the
// page it names, "true" on the pages under it (a donor under Donors), so
// that a screen reader says where one is.
type navLink struct{ Href, Text, Current string }

func (s *Server) adminBase(c *gin.Context) adminPage {
	u := currentStaff(c)
	p := adminPage{page: s.basePage(c), StaffEmail: u.Email, IsAdmin: u.Role == models.RoleAdmin, Notice: s.takeFlash(c)}
	links := []navLink{{"/admin", "Dashboard", ""}, {"/admin/donors", "Donors", ""}, {"/admin/gifts", "Gifts", ""}, {"/admin/batches", "Batches", ""}, {"/admin/members", "Members", ""}, {"/admin/campaigns", "Campaigns", ""}, {"/admin/stories", "Stories", ""}, {"/admin/box", "Donate box", ""},
		{"/admin/emails", "Emails", ""}, {"/admin/reports", "Reports", ""}}
	if p.IsAdmin {
		links = append(links, navLink{"/admin/staff", "Staff", ""}, navLink{"/admin/audit", "Audit log", ""}, navLink{"/admin/webhooks", "Webhooks", ""})
	}
	path := c.Request.URL.Path
	for i, l := range links {
		switch {
		case path == l.Href:
			links[i].Current = "page"
		case l.Href != "/admin" && strings.HasPrefix(path, l.Href+"/"):
			links[i].Current = "true"
		}
	}
	p.Nav = links
	return p
}

func currentStaff(c *gin.Context) *models.StaffUser {
	u, _ := c.Get("staff")
	if su, ok := u.(*models.StaffUser); ok {
		return su
	}
	return &models.StaffUser{}
}

// actor is the signed-in staff member, for the audit log.
func actor(c *gin.Context) models.Actor {
	return models.Actor{Email: currentStaff(c).Email, IP: c.ClientIP()}
}

// requireStaff lets a request through only with a live staff session of at
// least role; every /admin route but sign-in and setup sits behind it.
func (s *Server) requireStaff(role string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var u *models.StaffUser
		if token, err := c.Cookie(staffCookie); err == nil && token != "" {
			found, err := s.store.StaffBySession(c.Request.Context(), token)
			switch {
			case err == nil:
				u = found
			case errors.Is(err, models.ErrNotFound), errors.Is(err, models.ErrExpired):
				s.setStaffCookie(c, "", -1)
			default:
				s.error(c, err)
				return
			}
		}
		if u == nil {
			if c.Request.Method == http.MethodGet {
				c.Redirect(http.StatusSeeOther, "/admin/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
				c.Abort()
				return
			}
			s.errorPage(c, http.StatusUnauthorized, "Please sign in", "Your staff session has ended. Sign in again.")
			return
		}
		if role == models.RoleAdmin && u.Role != models.RoleAdmin {
			s.errorPage(c, http.StatusForbidden, "Not allowed", "Only admins can do this.")
			return
		}
		c.Set("staff", u)
		c.Next()
	}
}

func (s *Server) setStaffCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: staffCookie, Value: value, Path: "/admin", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.BaseURL.Scheme == "https", SameSite: http.SameSiteLaxMode})
}

// auditDownload records a download in the audit log before it starts. A
// download changes nothing, so it has no transaction to share; if the row
// cannot be written, nothing is downloaded.
func (s *Server) auditDownload(c *gin.Context, action, detail string) bool {
	if err := s.store.Audit(c.Request.Context(), actor(c), action, detail); err != nil {
		s.error(c, err)
		return false
	}
	return true
}

type loginData struct {
	page
	Email, Error, Next string
	// NoStaff: nobody can sign in yet; the page says where the setup link is.
	NoStaff bool
}

func (s *Server) adminLoginForm(c *gin.Context) {
	n, err := s.store.StaffCount(c.Request.Context())
	if err != nil {
		s.error(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_login", loginData{page: s.basePage(c), Next: safeNext(c.Query("next")), NoStaff: n == 0})
}

// safeNext keeps redirects after sign-in inside the staff area.
func safeNext(n string) string {
	if strings.HasPrefix(n, "/admin") && !strings.HasPrefix(n, "//") && !strings.Contains(n, "\\") {
		return n
	}
	return "/admin"
}

// adminLogin checks a password, throttled per client and per account and
// client (see models.StaffSignIn), with one message for every failure so it
// never tells which emails exist.
func (s *Server) adminLogin(c *gin.Context) {
	email := models.NormaliseEmail(c.PostForm("email"))
	d := loginData{page: s.basePage(c), Email: email, Next: safeNext(c.PostForm("next"))}
	if !validEmail(email) {
		// No account has it: the same answer as any failure, nothing tried.
		d.Error = "That email and password do not match an active staff account."
		s.render(c, http.StatusUnauthorized, "admin_login", d)
		return
	}
	token, _, err := s.store.StaffSignIn(c.Request.Context(), email, c.PostForm("password"), c.ClientIP())
	var throttled *models.ThrottledError
	switch {
	case errors.As(err, &throttled):
		c.Header("Retry-After", retryAfterSeconds(throttled.Wait))
		d.Error = "Too many sign-in attempts. Please wait " + humanDuration(throttled.Wait) + " and try again."
		s.render(c, http.StatusTooManyRequests, "admin_login", d)
		return
	case errors.Is(err, models.ErrBusy):
		c.Header("Retry-After", "10")
		d.Error = "Many sign-ins are being checked right now. Please try again in a few seconds."
		s.render(c, http.StatusServiceUnavailable, "admin_login", d)
		return
	case errors.Is(err, models.ErrBadCredentials):
		d.Error = "That email and password do not match an active staff account."
		s.render(c, http.StatusUnauthorized, "admin_login", d)
		return
	case err != nil:
		s.error(c, err)
		return
	}
	s.setStaffCookie(c, token, int(models.StaffSessionHard/time.Second))
	c.Redirect(http.StatusSeeOther, d.Next)
}

func (s *Server) adminLogout(c *gin.Context) {
	if token, err := c.Cookie(staffCookie); err == nil {
		if err := s.store.StaffSignOut(c.Request.Context(), token); err != nil {
			s.error(c, err)
			return
		}
	}
	s.setStaffCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/admin/login")
}

type setupData struct {
	page
	Token, Email string
	Expired      bool
	Errors       fieldErrors
}

func (s *Server) adminSetupForm(c *gin.Context) {
	d := setupData{page: s.basePage(c), Token: c.Param("token")}
	valid, err := s.store.SetupValid(c.Request.Context(), d.Token)
	if err != nil {
		s.error(c, err)
		return
	}
	d.Expired = !valid
	status := http.StatusOK
	if d.Expired {
		status = http.StatusGone
	}
	s.render(c, status, "admin_setup", d)
}

func (s *Server) adminSetup(c *gin.Context) {
	d := setupData{page: s.basePage(c), Token: c.Param("token"), Email: strings.TrimSpace(c.PostForm("email")), Errors: fieldErrors{}}
	if !validEmail(d.Email) {
		d.Errors["email"] = "Enter an email address like name@example.com."
	}
	if msg := models.CheckPassword(c.PostForm("password")); msg != "" {
		d.Errors["password"] = msg
	}
	if len(d.Errors) > 0 {
		s.render(c, http.StatusUnprocessableEntity, "admin_setup", d)
		return
	}
	_, err := s.store.CompleteSetup(c.Request.Context(), d.Token, d.Email, c.PostForm("password"), c.ClientIP())
	if errors.Is(err, models.ErrExpired) {
		d.Expired = true
		s.render(c, http.StatusGone, "admin_setup", d)
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	// The first admin just chose the password: they are signed in, not
	// asked for it again.
	token, _, err := s.store.StaffSignIn(c.Request.Context(), d.Email, c.PostForm("password"), c.ClientIP())
	if err != nil {
		s.logger(c).Warn("signing in the first admin", "err", err)
		c.Redirect(http.StatusSeeOther, "/admin/login")
		return
	}
	s.setStaffCookie(c, token, int(models.StaffSessionHard/time.Second))
	c.Redirect(http.StatusSeeOther, "/admin")
}
