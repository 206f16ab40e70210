package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// A donor signs in with an emailed link: asking for one, confirming it,
// the session it opens, signing out.

type signInData struct {
	page
	Email, Error, Notice string
	Sent                 bool
}

type confirmData struct {
	page
	Token string
}

// signedInDonor returns the donor of the request's session, or nil.
func (s *Server) signedInDonor(c *gin.Context) *models.Donor {
	token, err := c.Cookie(sessionCookie)
	if err != nil || token == "" {
		return nil
	}
	d, err := s.store.SessionDonor(c.Request.Context(), token)
	if err != nil {
		if !errors.Is(err, models.ErrNotFound) && !errors.Is(err, models.ErrExpired) {
			s.logger(c).Error("reading donor session", "err", err)
		}
		s.setSessionCookie(c, "", -1)
		return nil
	}
	return d
}

func (s *Server) setSessionCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: value, Path: "/account", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.BaseURL.Scheme == "https", SameSite: http.SameSiteLaxMode})
}

// requestSignIn emails a sign-in link. It answers the same whether or not
// the address is known, so the form reveals nothing about who gave.
func (s *Server) requestSignIn(c *gin.Context) {
	email := strings.TrimSpace(c.PostForm("email"))
	d := signInData{page: s.basePage(c), Email: email}
	p := s.printer(c)
	if !validEmail(email) {
		d.Error = p.T("form.email.invalid")
		s.render(c, http.StatusUnprocessableEntity, "account_signin", d)
		return
	}
	if ok, wait := s.signInByEmail.allow(models.NormaliseEmail(email)); !ok {
		c.Header("Retry-After", retryAfterSeconds(wait))
		d.Notice = p.T("signin.toomany", "Wait", waitFor(p, wait))
		s.render(c, http.StatusTooManyRequests, "account_signin", d)
		return
	}
	if err := s.store.RequestSignIn(c.Request.Context(), email); err != nil {
		s.error(c, err)
		return
	}
	d.Sent = true
	s.render(c, http.StatusOK, "account_signin", d)
}

// confirmSignIn asks for a click before spending the token: mail scanners
// that open links must not use up the donor's link.
func (s *Server) confirmSignIn(c *gin.Context) {
	s.render(c, http.StatusOK, "account_confirm", confirmData{page: s.basePage(c), Token: c.Param("token")})
}

func (s *Server) signIn(c *gin.Context) {
	session, donor, err := s.store.SignIn(c.Request.Context(), c.Param("token"))
	if errors.Is(err, models.ErrExpired) || errors.Is(err, models.ErrNotFound) {
		d := signInData{page: s.basePage(c), Notice: s.printer(c).T("signin.expired")}
		s.render(c, http.StatusGone, "account_signin", d)
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	s.setSessionCookie(c, session, int(models.SessionHardTTL/time.Second))
	// The rest of the site follows the language the donor chose before,
	// unless they have just picked one.
	if locale.Known(donor.Language) && !c.GetBool(ctxLangChosen) {
		s.setLanguageCookie(c, donor.Language)
	}
	s.logger(c).Info("donor signed in", "donor_id", donor.ID)
	c.Redirect(http.StatusSeeOther, "/account")
}

func (s *Server) signOut(c *gin.Context) {
	if token, err := c.Cookie(sessionCookie); err == nil && token != "" {
		if err := s.store.SignOut(c.Request.Context(), token); err != nil {
			s.error(c, err)
			return
		}
	}
	s.setSessionCookie(c, "", -1)
	c.Redirect(http.StatusSeeOther, "/account")
}

// requireDonor answers for pages that need a signed-in donor.
func (s *Server) requireDonor(c *gin.Context) *models.Donor {
	d := s.signedInDonor(c)
	if d == nil {
		c.Redirect(http.StatusSeeOther, "/account")
		c.Abort()
		return nil
	}
	s.donorLanguage(c, d)
	return d
}
