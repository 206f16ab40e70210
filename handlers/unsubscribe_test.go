package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestEmailChoicesAndOneClickUnsubscribe: a donor who unticks statements
// on their page gets none; another's statement carries a one-click
// unsubscribe (RFC 8058) that works with a bare POST, no sign-in, and is
// recorded with how it was made; opening the link changes nothing; the
// link cannot be turned to another donor; receipts still come.
func TestEmailChoicesAndOneClickUnsubscribe(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{mail: true})
	app.deliverObject("evt_a", "checkout.session.completed", testenv.PaidSession(t, "cs_a", "", "ann@example.com", 2500))
	app.deliverObject("evt_b", "checkout.session.completed", testenv.PaidSession(t, "cs_b", "", "bo@example.com", 2500))
	app.Mail.WaitFor(2, time.Minute)
	bo := app.donorClient("bo@example.com")
	form := url.Values{"csrf_token": {app.csrfToken(bo, "/account")}, "topic_reminders": {"yes"}, "topic_appeals": {"yes"}}
	if resp, body := app.post(bo, "/account/email-preferences", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving Bo's choices: %d %s", resp.StatusCode, body)
	}
	ids := map[string]string{}
	for _, email := range []string{"ann@example.com", "bo@example.com"} {
		found, _, err := app.Store.SearchDonors(t.Context(), email, models.Page{Number: 1})
		if err != nil || len(found) != 1 {
			t.Fatalf("%s: %v", email, err)
		}
		ids[email] = found[0].ID
	}
	if prefs, _ := app.Store.EmailPreferences(t.Context(), ids["bo@example.com"]); prefs[models.TopicStatements] || !prefs[models.TopicReminders] {
		t.Fatalf("Bo's choices: %v", prefs)
	}
	if _, err := app.Store.QueueStatements(t.Context(), time.Now().Year(), false, nil); err != nil {
		t.Fatal(err)
	}
	msgs := app.Mail.WaitFor(3, time.Minute)
	var statement testenv.MailMessage
	for _, m := range app.Mail.AllMessages() {
		full := app.Mail.Message(m.ID)
		if strings.Contains(strings.ToLower(full.Subject), "statement") {
			if full.To[0].Address != "ann@example.com" {
				t.Fatalf("a statement went to %s, who said no", full.To[0].Address)
			}
			statement = full
		}
	}
	if statement.ID == "" || len(msgs) != 3 {
		t.Fatalf("%d messages, and Ann's statement %q", len(msgs), statement.Subject)
	}
	link := strings.Trim(statement.ListUnsubscribe.Header, "<>")
	if !strings.Contains(link, "/unsubscribe/"+ids["ann@example.com"]+"/statements/") || statement.ListUnsubscribe.HeaderPost != "List-Unsubscribe=One-Click" ||
		!strings.Contains(statement.Text, "No more emails like this one: "+link) {
		t.Fatalf("the statement's unsubscribe: %+v\n%s", statement.ListUnsubscribe, statement.Text)
	}
	// Opening the link asks; it does not unsubscribe.
	if resp, err := http.Get(link); err != nil || resp.StatusCode != 200 {
		t.Fatalf("opening the link: %v %v", resp, err)
	}
	if prefs, _ := app.Store.EmailPreferences(t.Context(), ids["ann@example.com"]); !prefs[models.TopicStatements] {
		t.Fatal("opening the link unsubscribed")
	}
	// The link turned to Bo (his id, Ann's signature) is refused.
	stolen := strings.Replace(link, ids["ann@example.com"], ids["bo@example.com"], 1)
	if resp, err := http.PostForm(stolen, url.Values{"List-Unsubscribe": {"One-Click"}}); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another donor's link: %v %v", resp, err)
	}
	// The mail program's one-click POST: no cookie, no form token.
	resp, err := http.PostForm(link, url.Values{"List-Unsubscribe": {"One-Click"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("one-click: %v %v", resp, err)
	}
	if prefs, _ := app.Store.EmailPreferences(t.Context(), ids["ann@example.com"]); prefs[models.TopicStatements] {
		t.Fatal("the one-click POST did not unsubscribe")
	}
	var how string
	app.Store.SQL().QueryRow("SELECT how FROM email_preferences WHERE donor_id = ?", ids["ann@example.com"]).Scan(&how)
	if !strings.Contains(how, "RFC 8058") {
		t.Fatalf("recorded how: %q", how)
	}
	// Receipts still come.
	app.deliverObject("evt_a2", "checkout.session.completed", testenv.PaidSession(t, "cs_a2", "", "ann@example.com", 1000))
	app.Mail.WaitFor(4, time.Minute)
}
