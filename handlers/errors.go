package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
)

// error is the one place an error becomes an answer, as wtf's Error()
// and gotify's error handler do: the kind of a models error picks the
// status and its message is shown; anything else is ours, logged with its
// cause and answered 500 with the request id, never with its text.
func (s *Server) error(c *gin.Context, err error) {
	p := s.printer(c)
	status, title, msg := http.StatusInternalServerError, p.T("error.internal.title"), p.T("error.internal")
	switch {
	case errors.Is(err, models.ErrNotFound):
		status, title, msg = http.StatusNotFound, p.T("error.notfound.short"), p.T("error.notfound")
	case errors.Is(err, models.ErrConflict):
		status, title, msg = http.StatusConflict, p.T("error.conflict.title"), p.T("error.conflict")
	case errors.Is(err, models.ErrInvalid):
		status, title, msg = http.StatusUnprocessableEntity, p.T("error.invalid.title"), p.T("error.invalid")
	}
	if status == http.StatusInternalServerError {
		s.logger(c).Error("request failed", "err", err)
	} else {
		s.logger(c).Info("request refused", "status", status, "err", err)
		if m := models.Message(err); m != "" {
			msg = p.Known(m)
		}
	}
	s.errorPage(c, status, title, msg)
}

type errorData struct {
	page
	Title, Message, RequestID string
}

// errorPage renders a plain page for a problem the person can understand.
func (s *Server) errorPage(c *gin.Context, status int, title, message string) {
	s.render(c, status, "error", errorData{page: s.basePage(c), Title: title, Message: message, RequestID: c.GetString(ctxRequestID)})
	c.Abort()
}
