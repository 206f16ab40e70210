package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// Email preferences: what a donor may refuse (reminders, appeals,
// statements), from their page or from the email itself, in one click
// (RFC 8058), without signing in.

// UnsubscribeKey is the key that signs unsubscribe links, from SECRET_KEY:
// the composer signs with it, the server checks.
func UnsubscribeKey(secret []byte) []byte { return derivedKey(secret, "unsubscribe") }

type unsubscribeData struct {
	page
	Topic, Action string
	Done          bool
}

// unsubscribeTarget checks a link's signature; a wrong one looks exactly
// like a link to nothing.
func (s *Server) unsubscribeTarget(c *gin.Context) (donorID, topic string, ok bool) {
	donorID, topic = c.Param("donor"), c.Param("topic")
	if models.TopicOf(topicKindOf(topic)) == "" || !models.ValidUnsubscribe(s.unsubKey, donorID, topic, c.Param("sig")) {
		p := s.printer(c)
		s.errorPage(c, http.StatusNotFound, p.T("unsub.notfound.title"), p.T("unsub.notfound"))
		return "", "", false
	}
	return donorID, topic, true
}

// topicKindOf is a topic's label, "" when there is none.
func topicKindOf(topic string) string {
	for _, t := range models.Topics {
		if t.Value == topic {
			switch topic {
			case models.TopicReminders:
				return models.EmailRenewalNotice
			case models.TopicAppeals:
				return models.EmailLapsed
			case models.TopicStatements:
				return models.EmailStatement
			}
		}
	}
	return ""
}

// topicLabel is a topic's name in the reader's language, "" when there
// is no such topic.
func topicLabel(p *locale.Printer, topic string) string {
	for _, t := range models.Topics {
		if t.Value == topic {
			return topicWords(p, topic)
		}
	}
	return ""
}

// unsubscribePage asks to confirm (a GET never changes anything: link
// checkers and previews open links).
func (s *Server) unsubscribePage(c *gin.Context) {
	if _, topic, ok := s.unsubscribeTarget(c); ok {
		s.render(c, http.StatusOK, "unsubscribe", unsubscribeData{page: s.basePage(c), Topic: topicLabel(s.printer(c), topic), Action: c.Request.URL.Path})
	}
}

// unsubscribe records the refusal: from the page's button, or from the
// mail program's one-click POST (List-Unsubscribe=One-Click).
func (s *Server) unsubscribe(c *gin.Context) {
	donorID, topic, ok := s.unsubscribeTarget(c)
	if !ok {
		return
	}
	how := "unsubscribe page"
	if c.PostForm("List-Unsubscribe") == "One-Click" {
		how = "one-click unsubscribe (RFC 8058)"
	}
	err := s.store.SetEmailPreference(c.Request.Context(), donorID, topic, false, how)
	switch {
	case errors.Is(err, models.ErrNotFound):
		p := s.printer(c)
		s.errorPage(c, http.StatusNotFound, p.T("unsub.notfound.title"), p.T("unsub.gone"))
		return
	case err != nil:
		s.error(c, err)
		return
	}
	if how != "unsubscribe page" {
		c.String(http.StatusOK, "unsubscribed\n")
		return
	}
	s.render(c, http.StatusOK, "unsubscribe", unsubscribeData{page: s.basePage(c), Topic: topicLabel(s.printer(c), topic), Done: true})
}

// updateEmailPreferences records the choices from the donor's page.
func (s *Server) updateEmailPreferences(c *gin.Context) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	for _, t := range models.Topics {
		allowed := c.PostForm("topic_"+t.Value) == "yes"
		if err := s.store.SetEmailPreference(c.Request.Context(), donor.ID, t.Value, allowed, "account page"); err != nil {
			s.error(c, err)
			return
		}
	}
	s.setFlash(c, s.printer(c).T("account.emails.saved"))
	c.Redirect(http.StatusSeeOther, "/account#emails")
}
