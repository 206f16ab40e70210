package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/mail"
)

// The demo mailbox: in demo mode with no SMTP server, every email the
// server would have sent, with its text, its links and its PDF. The
// routes exist only then (see routes.go); anywhere else they are 404.
// On a demo others can reach (DEMO=true on a public BASE_URL), each
// visitor sees only the mail of the gifts their own browser made, known
// by a cookie made for it, and never a sign-in link: else anyone could
// ask for a link in a donor's name and read it here.

type mailboxData struct {
	page
	Messages []mailboxRow
	Message  *mailboxMessage
	// Shared: every message is shown (a demo on this machine only).
	Shared bool
}

const mailboxCookie = "demo_mailbox"

// mailboxOwner is the visitor's mailbox id; with create, one is made (and
// its cookie set) when the browser has none.
func (s *Server) mailboxOwner(c *gin.Context, create bool) string {
	if v, err := c.Cookie(mailboxCookie); err == nil && len(v) == 32 {
		return v
	}
	if !create {
		return ""
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return ""
	}
	id := hex.EncodeToString(b[:])
	http.SetCookie(c.Writer, &http.Cookie{Name: mailboxCookie, Value: id, Path: "/", MaxAge: 7 * 24 * 3600,
		HttpOnly: true, Secure: s.cfg.BaseURL.Scheme == "https", SameSite: http.SameSiteLaxMode})
	return id
}

// ownMail records that this browser made a gift, whose mail it may read.
func (s *Server) ownMail(c *gin.Context, giftID string) {
	if s.mailbox != nil {
		if box := s.mailboxOwner(c, true); box != "" {
			s.mailbox.Own(box, mail.GiftCause(giftID))
		}
	}
}

// visibleMail is the visitor's view of the mailbox, and whether it is
// everyone's.
func (s *Server) visibleMail(c *gin.Context) ([]mail.Kept, bool) {
	shared := config.LoopbackURL(s.cfg.BaseURL)
	box := s.mailboxOwner(c, false)
	var out []mail.Kept
	for _, m := range s.mailbox.Messages() {
		if s.mailbox.Visible(box, m, shared) {
			out = append(out, m)
		}
	}
	return out, shared
}

// visibleMessage is one message, if this visitor may see it.
func (s *Server) visibleMessage(c *gin.Context, id string) (mail.Kept, bool) {
	m, ok := s.mailbox.Message(id)
	if !ok || !s.mailbox.Visible(s.mailboxOwner(c, false), m, config.LoopbackURL(s.cfg.BaseURL)) {
		return mail.Kept{}, false
	}
	return m, true
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
	msgs, shared := s.visibleMail(c)
	d := mailboxData{page: s.basePage(c), Shared: shared}
	for _, m := range msgs {
		d.Messages = append(d.Messages, mailboxRow{ID: m.ID, To: m.To, Subject: m.Subject, At: m.At.In(s.cfg.Location).Format("15:04:05"),
			Attachments: len(m.Attachments)})
	}
	s.render(c, http.StatusOK, "demo_mailbox", d)
}

func (s *Server) demoMailboxMessage(c *gin.Context) {
	m, ok := s.visibleMessage(c, c.Param("id"))
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
	m, ok := s.visibleMessage(c, c.Param("id"))
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
