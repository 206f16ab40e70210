package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
)

// Emails that need staff: unconfirmed, unsent and failed ones, and the
// button that sends one again.

type emailRow struct{ ID, When, To, Kind, Status, Error string }

func emailRows(ms []models.EmailMessage, loc *time.Location) []emailRow {
	var out []emailRow
	for _, m := range ms {
		out = append(out, emailRow{ID: m.ID, When: m.CreatedAt.In(loc).Format("2006-01-02 15:04"), To: m.ToAddress,
			Kind: orCode(emailKinds, m.Kind), Status: orCode(emailStatuses, m.Status), Error: m.LastError})
	}
	return out
}

// emailKinds and emailStatuses say in words what the outbox stores as
// codes.
var emailKinds = map[string]string{
	models.EmailReceipt: "Receipt", models.EmailReplacement: "Replacement receipt", models.EmailVoid: "Receipt cancelled",
	models.EmailPaymentFailed: "Payment failed", models.EmailStatement: "Year-end statement", models.EmailSignIn: "Sign-in link",
	models.EmailDetailsNeeded: "Address needed for a receipt", models.EmailRenewalNotice: "Renewal notice", models.EmailCancelConfirmed: "Cancellation confirmed", models.EmailLapsed: "Membership lapsed", models.EmailYearReminder: "Yearly reminder",
}

var emailStatuses = map[string]string{
	models.EmailQueued: "Waiting to send", models.EmailSent: "Sent", models.EmailFailed: "Failed, will retry",
	models.EmailUnsent: "Not sent: no SMTP server", models.EmailSending: "Sending", models.EmailUnconfirmed: "Unconfirmed",
}

// orCode is a code's words, or the code itself if it has none yet.
func orCode(words map[string]string, code string) string {
	if w, ok := words[code]; ok {
		return w
	}
	return code
}

type emailsData struct {
	adminPage
	Emails []emailRow
}

func (s *Server) adminEmails(c *gin.Context) {
	var all []models.EmailMessage
	for _, st := range []string{models.EmailUnconfirmed, models.EmailUnsent, models.EmailFailed} {
		ms, err := s.store.Emails(c.Request.Context(), st)
		if err != nil {
			s.error(c, err)
			return
		}
		all = append(all, ms...)
	}
	s.render(c, http.StatusOK, "admin_emails", emailsData{adminPage: s.adminBase(c), Emails: emailRows(all, s.cfg.Location)})
}

// adminRetryEmail sends a message again, then shows the list. A message
// that is not waiting (a second click) is said so, and nothing happens.
func (s *Server) adminRetryEmail(c *gin.Context) {
	err := s.store.RetryEmail(c.Request.Context(), c.Param("id"), actor(c))
	switch {
	case errors.Is(err, models.ErrConflict):
		s.setFlash(c, models.Message(err))
	case err != nil:
		s.error(c, err)
		return
	default:
		s.setFlash(c, "The email will be sent again.")
	}
	c.Redirect(http.StatusSeeOther, "/admin/emails")
}
