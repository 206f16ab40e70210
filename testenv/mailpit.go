package testenv

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Mailpit is a real SMTP server (axllent/mailpit, pinned in go.mod as a
// tool) with an HTTP API to read what it received.
type Mailpit struct {
	t        testing.TB
	bin      string
	SMTPAddr string
	APIURL   string
	cmd      *exec.Cmd
}

// StartMailpit runs mailpit on free ports for this test.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	bin, err := exec.Command("go", "tool", "-n", "mailpit").Output()
	if err != nil {
		Unavailable(t, "building mailpit with `go tool`: %v", err)
	}
	m := &Mailpit{t: t, bin: strings.TrimSpace(string(bin)), SMTPAddr: "127.0.0.1:" + freePort(t)}
	m.APIURL = "http://127.0.0.1:" + freePort(t)
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// Start (re)starts the server on the same ports; Stop makes SMTP refuse.
func (m *Mailpit) Start() {
	m.t.Helper()
	m.cmd = exec.Command(m.bin, "--smtp", m.SMTPAddr, "--listen", strings.TrimPrefix(m.APIURL, "http://"),
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--disable-version-check", "--quiet",
		"--max", "0") // keep every message: tests count them
	if err := m.cmd.Start(); err != nil {
		Unavailable(m.t, "starting mailpit: %v", err)
	}
	deadline := time.Now().Add(time.Minute) // a loaded CI machine starts things slowly
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", m.SMTPAddr, 200*time.Millisecond); err == nil {
			c.Close()
			if resp, err := http.Get(m.APIURL + "/api/v1/messages"); err == nil {
				resp.Body.Close()
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.t.Fatalf("mailpit did not start on %s", m.SMTPAddr)
}

// Stop ends the server: connections to its SMTP port are refused.
func (m *Mailpit) Stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
		m.cmd = nil
	}
}

// SMTPURL is what SMTP_URL should say to reach it.
func (m *Mailpit) SMTPURL() string { return "smtp://" + m.SMTPAddr + "?tls=none" }

// MailSummary is one message as mailpit lists it.
type MailSummary struct {
	ID          string
	MessageID   string
	Subject     string
	To          []struct{ Address string }
	Attachments int
}

// Messages lists what was received, newest first.
func (m *Mailpit) Messages() []MailSummary {
	m.t.Helper()
	var out struct{ Messages []MailSummary }
	m.getJSON("/api/v1/messages", &out)
	return out.Messages
}

// AllMessages lists every message received (Messages gives the newest 50).
func (m *Mailpit) AllMessages() []MailSummary {
	m.t.Helper()
	var out struct{ Messages []MailSummary }
	m.getJSON("/api/v1/messages?limit=100000", &out)
	return out.Messages
}

// MailMessage is one message in full.
type MailMessage struct {
	ID, Subject, Text, HTML, MessageID string
	To                                 []struct{ Address string }
	Attachments                        []struct{ PartID, FileName, ContentType string }
	// ListUnsubscribe is the message's List-Unsubscribe header and its
	// List-Unsubscribe-Post companion (RFC 8058), as mailpit reads them.
	ListUnsubscribe struct{ Header, HeaderPost string }
}

// Message reads one message.
func (m *Mailpit) Message(id string) MailMessage {
	m.t.Helper()
	var out MailMessage
	m.getJSON("/api/v1/message/"+id, &out)
	return out
}

// Part downloads an attachment.
func (m *Mailpit) Part(id, part string) []byte {
	m.t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/message/%s/part/%s", m.APIURL, id, part))
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

// WaitFor polls until n messages arrived or the time is up.
func (m *Mailpit) WaitFor(n int, within time.Duration) []MailSummary {
	m.t.Helper()
	deadline := time.Now().Add(within)
	for {
		msgs := m.Messages()
		if len(msgs) >= n || time.Now().After(deadline) {
			return msgs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (m *Mailpit) getJSON(path string, into any) {
	m.t.Helper()
	resp, err := http.Get(m.APIURL + path)
	if err != nil {
		m.t.Fatalf("mailpit API: %v", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		m.t.Fatalf("mailpit API %s: %v", path, err)
	}
}
