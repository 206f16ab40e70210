// Package mail composes the donor emails (receipts, notices, statements,
// sign-in links) and hands them to an SMTP server. Composing reads frozen
// receipts and renders their PDFs; sending is go-mail. It never decides
// when to send: the job engine does, once per message.
package mail

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one composed email.
type Message struct {
	To, Subject, Text, HTML string
	// MessageID is derived from the message's dedupe key, so that if a crash
	// between sending and recording ever repeats a send, receiving systems
	// can recognise the copy.
	MessageID   string
	Attachments []Attachment
	// Cause is what made the message, for the demo mailbox to show it only
	// to the browser that caused it: "gift:ID" (its receipts, a
	// membership's notices, a request for details), CauseSignIn, or ""
	// (a statement, a failed payment: shown on a loopback demo only).
	Cause string
	// Unsubscribe is the one-click link of an email the donor may refuse
	// (RFC 8058): sent as List-Unsubscribe with List-Unsubscribe-Post.
	Unsubscribe string
	// Language is what the message is written in ("fr"), sent as
	// Content-Language; "" sends none.
	Language string
}

// CauseSignIn marks a sign-in link: a credential, never shown on a demo
// others can reach.
const CauseSignIn = "signin"

// GiftCause is the cause of a message about a gift.
func GiftCause(giftID string) string { return "gift:" + giftID }

// Attachment is a file sent with a message.
type Attachment struct {
	Name string
	Data []byte
}

// Sender delivers messages to an SMTP server.
type Sender struct {
	host string
	port int
	opts []gomail.Option
	from string
}

// NewSender reads SMTP_URL: smtp://[user:pass@]host[:port] (STARTTLS when
// the server offers it; ?tls=none to forbid it, ?tls=required to insist) or
// smtps://... (TLS from the start).
func NewSender(rawURL, from string) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP_URL must look like smtp://user:pass@host:587")
	}
	s := &Sender{host: u.Hostname(), from: from}
	opts := []gomail.Option{gomail.WithTimeout(20 * time.Second)}
	switch u.Scheme {
	case "smtp":
		s.port = 587
		switch u.Query().Get("tls") {
		case "none":
			opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		case "required":
			opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		default:
			opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
		}
	case "smtps":
		s.port = 465
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("SMTP_URL scheme must be smtp or smtps, got %q", u.Scheme)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("SMTP_URL port %q", p)
		}
		s.port = n
	}
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	s.opts = append(opts, gomail.WithPort(s.port))
	return s, nil
}

// Send delivers m, or returns why not.
func (s *Sender) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("MAIL_FROM: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(m.Subject)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	}
	if m.Unsubscribe != "" {
		msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+m.Unsubscribe+">")
		msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	if m.Language != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, m.Language)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, strings.NewReader(string(a.Data)),
			gomail.WithFileContentType(gomail.ContentType("application/pdf"))); err != nil {
			return err
		}
	}
	client, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return err
	}
	return client.DialAndSendWithContext(ctx, msg)
}
