package handlers

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/mail"
)

// The demo mailbox: in demo mode with no SMTP server, every email the
// server would have sent, with its text, its links and its PDF. The
// routes exist only then (see routes.go); anywhere else they are 404.

type mailboxData struct {
	page
	Messages []mailboxRow
	Message  *mailboxMessage
}

type mailboxRow struct {
	ID, To, Subject, At string
	Attachments         int
}

type mailboxMessage struct {
	mailboxRow
	Text        string
	Links       []string
	Attachments []mailboxAttachment
}

type mailboxAttachment struct{ Name, Size string }

// mailboxLinks finds the links in a message's text, to follow them.
var mailboxLinks = regexp.MustCompile(`https?://[^\s<>"]+`)

func (s *Server) demoMailbox(c *gin.Context) {
	d := mailboxData{page: s.basePage(c)}
	for _, m := range s.mailbox.Messages() {
		d.Messages = append(d.Messages, mailboxRow{ID: m.ID, To: m.To, Subject: m.Subject, At: m.At.In(s.cfg.Location).Format("15:04:05"),
			Attachments: len(m.Attachments)})
	}
	s.render(c, http.StatusOK, "demo_mailbox", d)
}

func (s *Server) demoMailboxMessage(c *gin.Context) {
	m, ok := s.mailbox.Message(c.Param("id"))
	if !ok {
		s.errorPage(c, http.StatusNotFound, "No such message", "The demo mailbox keeps the newest 200 messages, and forgets them when the server restarts.")
		return
	}
	msg := &mailboxMessage{mailboxRow: mailboxRow{ID: m.ID, To: m.To, Subject: m.Subject, At: m.At.In(s.cfg.Location).Format("15:04:05")},
		Text: m.Text, Links: mailboxLinks.FindAllString(m.Text, -1)}
	for _, a := range m.Attachments {
		msg.Attachments = append(msg.Attachments, mailboxAttachment{Name: a.Name, Size: byteSize(len(a.Data))})
	}
	s.render(c, http.StatusOK, "demo_mailbox", mailboxData{page: s.basePage(c), Message: msg})
}

func (s *Server) demoMailboxAttachment(c *gin.Context) {
	m, ok := s.mailbox.Message(c.Param("id"))
	var att *mail.Attachment
	for i := range m.Attachments {
		if ok && m.Attachments[i].Name == c.Param("name") {
			att = &m.Attachments[i]
		}
	}
	if att == nil {
		s.errorPage(c, http.StatusNotFound, "No such attachment", "This message has no attachment by that name.")
		return
	}
	contentType := "application/octet-stream"
	if strings.HasSuffix(att.Name, ".pdf") {
		contentType = "application/pdf"
	}
	c.Header("Content-Disposition", `inline; filename="`+att.Name+`"`)
	c.Data(http.StatusOK, contentType, att.Data)
}

func byteSize(n int) string {
	if n < 1024 {
		return strconv.Itoa(n) + " bytes"
	}
	return strconv.Itoa(n/1024) + " KB"
}
