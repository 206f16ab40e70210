package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/mail"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestReceiptEmailWithPDF pays a gift and reads the email mailpit received:
// recipient, subject, both parts, and the attached PDF's text.
func TestReceiptEmailWithPDF(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{mail: true})
		s := testenv.PaidSession(t, "cs_mail", "", "zoe@example.com", 2606)
		s["customer_details"].(map[string]any)["name"] = "Zoë Łukasz 王芳"
		s["livemode"] = true // a real receipt; test-mode ones say so (TestPretendReceiptsSayTest)
		ev := testenv.Event(t, "evt_mail", "checkout.session.completed", s, "2023-10-16")
		if code, body := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		msgs := app.Mail.WaitFor(1, 30*time.Second)
		if len(msgs) != 1 {
			t.Fatalf("%d messages, want 1", len(msgs))
		}
		number := fmt.Sprintf("%d-000001", time.Now().UTC().Year())
		m := app.Mail.Message(msgs[0].ID)
		if len(m.To) != 1 || m.To[0].Address != "zoe@example.com" || m.Subject != "Your receipt "+number+" from The Ledger" {
			t.Fatalf("message %+v", m)
		}
		if !strings.Contains(m.Text, "Thank you for your gift of $26.06") || !strings.Contains(m.Text, "help@ledger.example") ||
			!strings.Contains(m.HTML, "<strong>$26.06</strong>") {
			t.Fatalf("bodies:\n%s\n%s", m.Text, m.HTML)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].FileName != "receipt-"+number+".pdf" || m.Attachments[0].ContentType != "application/pdf" {
			t.Fatalf("attachments %+v", m.Attachments)
		}
		text := testenv.PDFText(t, app.Mail.Part(m.ID, m.Attachments[0].PartID))
		for _, want := range []string{"Receipt number: " + number, "Zoë Łukasz 王芳", "Amount received: $26.06", "No goods or services"} {
			if !strings.Contains(text, want) {
				t.Errorf("attached PDF lacks %q:\n%s", want, text)
			}
		}
		sent, _ := app.Store.Emails(context.Background(), models.EmailSent)
		if len(sent) != 1 || sent[0].Kind != models.EmailReceipt {
			t.Fatalf("email records %+v", sent)
		}
	})
}

// TestEmailRetriedAfterSMTPOutage: SMTP refuses while the receipt is
// issued; the job retries and exactly one message arrives once it is back.
func TestEmailRetriedAfterSMTPOutage(t *testing.T) {
	app := newApp(t, "postgres", appOptions{mail: true})
	app.Mail.Stop()
	ev := paidEvent(t, "evt_outage", "cs_outage", "", "outage@example.com", 5000)
	if code, body := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	// Wait until an attempt has failed against the refusing server.
	deadline := time.Now().Add(30 * time.Second)
	for {
		failed, _ := app.Store.Emails(context.Background(), models.EmailFailed)
		if len(failed) == 1 && failed[0].Attempts >= 1 && strings.Contains(failed[0].LastError, "connect") || time.Now().After(deadline) {
			if len(failed) != 1 {
				t.Fatalf("no failed attempt recorded: %+v", failed)
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	app.Mail.Start()
	msgs := app.Mail.WaitFor(1, 60*time.Second)
	time.Sleep(2 * time.Second) // room for a wrong second copy to arrive
	if msgs = app.Mail.Messages(); len(msgs) != 1 {
		t.Fatalf("%d messages after the outage, want exactly 1", len(msgs))
	}
	sent, _ := app.Store.Emails(context.Background(), models.EmailSent)
	if len(sent) != 1 || sent[0].Attempts < 2 {
		t.Fatalf("sent records %+v", sent)
	}
}

// TestSMTPServerDiesBetweenMessages: the SMTP server goes away after the
// first receipt and comes back later; the two receipts issued meanwhile
// arrive once each and the first is not sent again.
func TestSMTPServerDiesBetweenMessages(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{mail: true})
	pay := func(n string) {
		ev := paidEvent(t, "evt_"+n, "cs_"+n, "", n+"@example.com", 5000)
		if code, body := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
	}
	pay("first")
	if msgs := app.Mail.WaitFor(1, 30*time.Second); len(msgs) != 1 || msgs[0].To[0].Address != "first@example.com" {
		t.Fatalf("before the outage: %+v", msgs)
	}
	app.Mail.Stop() // its inbox goes with it
	pay("second")
	pay("third")
	deadline := time.Now().Add(30 * time.Second)
	for {
		failed, _ := app.Store.Emails(context.Background(), models.EmailFailed)
		if len(failed) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d failed attempts recorded, want 2", len(failed))
		}
		time.Sleep(100 * time.Millisecond)
	}
	app.Mail.Start()
	app.Mail.WaitFor(2, 60*time.Second)
	time.Sleep(2 * time.Second) // room for a wrong copy of the first to arrive
	got := map[string]int{}
	for _, m := range app.Mail.Messages() {
		got[m.To[0].Address]++
	}
	if len(got) != 2 || got["second@example.com"] != 1 || got["third@example.com"] != 1 {
		t.Fatalf("after the outage: %v, want second and third once each", got)
	}
	if sent, _ := app.Store.Emails(context.Background(), models.EmailSent); len(sent) != 3 {
		t.Fatalf("%d messages recorded sent, want 3", len(sent))
	}
}

// TestOneEmailForConcurrentCopies delivers one paid event 20 times at once,
// then a refund that replaces its receipt: one receipt email, one notice.
//
// Two job engines (two server instances) work the same queue.
func TestOneEmailForConcurrentCopies(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{mail: true})
		// A second server instance's job engine on the same database,
		// sending through the same SMTP server.
		startMailJobs(t, app.Store, app.Config, app.Mail, slog.New(slog.DiscardHandler))
		ev := paidEvent(t, "evt_twenty", "cs_twenty", "", "twenty@example.com", 4000)
		sig := testenv.Sign(ev, webhookSecret, time.Now())
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); app.deliver(ev, sig) }()
		}
		wg.Wait()
		refund := testenv.Event(t, "evt_twenty_refund", "charge.refunded", testenv.Charge(t, "ch_twenty", "pi_cs_twenty", "", 4000, 1000), "2023-10-16")
		if code, _ := app.deliver(refund, testenv.Sign(refund, webhookSecret, time.Now())); code != 200 {
			t.Fatal("refund not applied")
		}
		app.Mail.WaitFor(2, 30*time.Second)
		time.Sleep(2 * time.Second)
		msgs := app.Mail.Messages()
		if len(msgs) != 2 {
			t.Fatalf("%d messages, want 2", len(msgs))
		}
		subjects := msgs[0].Subject + " | " + msgs[1].Subject
		if !strings.Contains(subjects, "Your receipt ") || !strings.Contains(subjects, "Your corrected receipt ") {
			t.Fatalf("subjects: %s", subjects)
		}
	})
}

// TestPaymentFailedEmailAndNoSMTP: a failed renewal writes to the member
// with the link to fix their card; without SMTP the message is kept.
func TestPaymentFailedEmail(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{mail: true})
	in := testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_fail", Subscription: "sub_fail", Customer: "cus_fail", Charge: "ch_fail",
		BillingReason: "subscription_cycle", Amount: 1500, Paid: false, Email: "member@example.com", Name: "Mem", Interval: "month"})
	ev := testenv.Event(t, "evt_fail", "invoice.payment_failed", in, "2023-10-16")
	for i := 0; i < 2; i++ { // a redelivery writes no second email
		if code, body := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
	}
	msgs := app.Mail.WaitFor(1, 30*time.Second)
	time.Sleep(time.Second)
	if msgs = app.Mail.Messages(); len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := app.Mail.Message(msgs[0].ID)
	if m.To[0].Address != "member@example.com" || !strings.Contains(m.Subject, "didn't go through") ||
		!strings.Contains(m.Text, "https://invoice.stripe.com/i/in_fail") || !strings.Contains(m.Text, app.URL+"/account") || !strings.Contains(m.Text, "help@ledger.example") {
		t.Fatalf("message %+v", m)
	}
}

func TestEmailKeptWhenNoSMTP(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	runner, err := jobs.NewRunner(app.Store, jobs.Options{Emails: app.Store, FetchPoll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer runner.Stop(context.Background())
	app.Store.UseQueue(runner)
	ev := paidEvent(t, "evt_nosmtp", "cs_nosmtp", "", "kept@example.com", 1000)
	if code, _ := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 {
		t.Fatal("not applied")
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		unsent, _ := app.Store.Emails(context.Background(), models.EmailUnsent)
		if len(unsent) == 1 {
			if unsent[0].ToAddress != "kept@example.com" || !strings.Contains(unsent[0].LastError, "SMTP_URL") {
				t.Fatalf("unsent record %+v", unsent[0])
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("message not recorded as unsent")
}

// TestStatementEmail sends a year-end statement: every receipt of the
// year, the void one shown and left out of the total.
func TestStatementEmail(t *testing.T) {
	app := newApp(t, "postgres", appOptions{mail: true})
	for i, amount := range []int64{2500, 4000} {
		ev := paidEvent(t, fmt.Sprintf("evt_st%d", i), fmt.Sprintf("cs_st%d", i), "", "year@example.com", amount)
		app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now()))
	}
	refund := testenv.Event(t, "evt_st_refund", "charge.refunded", testenv.Charge(t, "ch_st", "pi_cs_st1", "", 4000, 4000), "2023-10-16")
	app.deliver(refund, testenv.Sign(refund, webhookSecret, time.Now()))
	fy := time.Now().UTC().Year()
	plan, err := app.Store.QueueStatements(context.Background(), fy, false, nil)
	if err != nil || plan.Queued != 1 {
		t.Fatalf("plan %+v %v", plan, err)
	}
	app.Mail.WaitFor(4, 30*time.Second) // two receipts, one void notice, the statement
	var statement *testenv.MailSummary
	for _, m := range app.Mail.Messages() {
		if strings.Contains(m.Subject, "giving statement") {
			statement = &m
		}
	}
	if statement == nil {
		t.Fatalf("no statement among %+v", app.Mail.Messages())
	}
	m := app.Mail.Message(statement.ID)
	text := testenv.PDFText(t, app.Mail.Part(m.ID, m.Attachments[0].PartID))
	for _, want := range []string{fmt.Sprintf("fiscal year %d", fy), fmt.Sprintf("%d-000001", fy), "$25.00",
		fmt.Sprintf("%d-000002", fy), "VOID (refunded in full), not counted", "Total deductible amount: $25.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("statement lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(strings.Join(strings.Fields(m.Text), " "), "total deductible amount of $25.00") {
		t.Errorf("statement email text:\n%s", m.Text)
	}
}

// queuedWithoutJob pays a gift from name@example.com on an app with no
// job queue and returns its receipt email, queued with no job to send it.
func queuedWithoutJob(t *testing.T, app *testApp, name string) string {
	t.Helper()
	ev := paidEvent(t, "evt_"+name, "cs_"+name, "", name+"@example.com", 1000)
	if code, _ := app.deliver(ev, testenv.Sign(ev, webhookSecret, time.Now())); code != 200 {
		t.Fatal("not applied")
	}
	queued, _ := app.Store.Emails(context.Background(), models.EmailQueued)
	if len(queued) != 1 {
		t.Fatalf("%d queued messages, want 1", len(queued))
	}
	return queued[0].ID
}

// TestQueuedEmailWithoutJobIsSwept: a receipt written by a process with no
// job queue (as `donations reconcile` was before it had one) waits as
// queued; the server's periodic sweep gives it a job and it is sent, once.
func TestQueuedEmailWithoutJobIsSwept(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		queuedWithoutJob(t, app, "orphan")
		mp := testenv.StartMailpit(t)
		composer, err := mail.NewComposer(mail.Settings{Org: models.Org{Name: "The Ledger"}, BaseURL: app.URL}, app.Store, documents.New(app.URL, nil))
		if err != nil {
			t.Fatal(err)
		}
		sender, err := mail.NewSender(mp.SMTPURL(), "The Ledger <receipts@ledger.example>")
		if err != nil {
			t.Fatal(err)
		}
		later := func() time.Time { return time.Now().Add(2 * time.Minute) }
		for i := 0; i < 2; i++ { // two instances sweep at once: still one email
			runner, err := jobs.NewRunner(app.Store, jobs.Options{Emails: app.Store, Composer: composer, Sender: sender,
				FetchPoll: 100 * time.Millisecond, Now: later})
			if err != nil {
				t.Fatal(err)
			}
			if err := runner.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { runner.Stop(context.Background()) })
		}
		msgs := mp.WaitFor(1, 30*time.Second)
		if len(msgs) != 1 || msgs[0].To[0].Address != "orphan@example.com" {
			t.Fatalf("swept message: %+v", msgs)
		}
		time.Sleep(2 * time.Second)
		if n := len(mp.Messages()); n != 1 {
			t.Fatalf("%d messages sent, want 1", n)
		}
	})
}

// TestCrashWhileSendingNeverSendsTwice: a sender that stopped after
// claiming a message (it may have reached the SMTP server) leaves it
// claimed. Neither the job's retry nor the sweep sends it again; staff see
// it as unconfirmed, and their Retry sends it once.
func TestCrashWhileSendingNeverSendsTwice(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		id := queuedWithoutJob(t, app, "crash")
		// What a sender killed mid-send leaves behind.
		q := `UPDATE email_messages SET status = 'sending', updated_at = $1 WHERE id = $2`
		if db == "sqlite" {
			q = `UPDATE email_messages SET status = 'sending', updated_at = ? WHERE id = ?`
		}
		if _, err := app.Store.SQL().Exec(q, time.Now().UTC().Add(-10*time.Minute), id); err != nil {
			t.Fatal(err)
		}
		mp := testenv.StartMailpit(t)
		runner := startMailJobs(t, app.Store, app.Config, mp, slog.New(slog.DiscardHandler))
		// River retries the killed job.
		tx, err := app.Store.SQL().Begin()
		if err != nil {
			t.Fatal(err)
		}
		if err := runner.EnqueueEmailTx(context.Background(), models.JobTx{SQL: tx}, id); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			m, err := app.Store.EmailByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status == models.EmailUnconfirmed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("message left %s, want unconfirmed", m.Status)
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(2 * time.Second) // the retried job has had its chance
		if n := len(mp.Messages()); n != 0 {
			t.Fatalf("%d messages sent after a crash mid-send, want 0", n)
		}
		c := app.staffClient("admin@ledger.example", models.RoleAdmin)
		_, page := app.get(c, "/admin/emails")
		if !strings.Contains(page, "crash@example.com") || !strings.Contains(page, "<td>Unconfirmed</td>") {
			t.Fatalf("emails page does not show the unconfirmed message:\n%s", page)
		}
		resp, _ := app.post(c, "/admin/emails/"+id+"/retry", url.Values{"csrf_token": {csrfField.FindStringSubmatch(page)[1]}})
		if resp.StatusCode >= 400 {
			t.Fatalf("retry: %d", resp.StatusCode)
		}
		if msgs := mp.WaitFor(1, 20*time.Second); len(msgs) != 1 {
			t.Fatalf("after staff's retry: %d messages", len(msgs))
		}
		time.Sleep(time.Second)
		if n := len(mp.Messages()); n != 1 {
			t.Fatalf("%d messages after one retry", n)
		}
	})
}
