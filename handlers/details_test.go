package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/testenv"
)

var canadianEnv = map[string]string{
	"RECEIPT_RULES": "ca", "CURRENCY": "cad", "ORG_TAX_ID": "123456789RR0001", "ORG_ADDRESS": "1 Press St, Toronto ON M5V 1A1",
	"RECEIPT_PLACE_OF_ISSUE": "Toronto, Ontario", "RECEIPT_SIGNATORY": "Jane Treasurer",
}

var detailsLink = regexp.MustCompile(`http://[^\s]+/donate/details/[A-Za-z0-9_-]+`)

// TestDonorCompletesDetailsForAHeldReceipt: a Canadian gift paid through
// Stripe with no address is held; the donor gets one email with a link,
// fills in the form (a missing province is named next to its field), and
// the receipt is issued and emailed; staff saw the gift on hold.
func TestDonorCompletesDetailsForAHeldReceipt(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{mail: true, env: canadianEnv})
	app.deliverObject("evt_held", "checkout.session.completed",
		testenv.InCurrency(testenv.PaidSession(t, "cs_held", "", "zoe@example.ca", 5000), "cad"))
	staff := app.staffClient("finance@ledger.example", "staff")
	if _, body := app.get(staff, "/admin/gifts"); !strings.Contains(body, "Receipts on hold") ||
		!strings.Contains(body, "waiting for the donor&#39;s full name and address") {
		t.Errorf("staff do not see the held gift:\n%s", body)
	}
	msgs := app.Mail.WaitFor(1, 30*time.Second)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "we need your address") {
		t.Fatalf("messages: %+v", msgs)
	}
	m := app.Mail.Message(msgs[0].ID)
	link := detailsLink.FindString(m.Text)
	if link == "" || !strings.Contains(m.Text, "CA$50.00") || len(m.Attachments) != 0 {
		t.Fatalf("details email:\n%s", m.Text)
	}
	path := strings.TrimPrefix(link, app.URL)
	c := app.client()
	resp, body := app.get(c, path)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `value="Sample Donor"`) || !strings.Contains(body, `name="address_state"`) {
		t.Fatalf("details page %d:\n%s", resp.StatusCode, body)
	}
	token := csrfField.FindStringSubmatch(body)[1]
	form := url.Values{"csrf_token": {token}, "name": {"Zoé Tremblay"}, "address_line1": {"12 Rue Saint-Paul"}, "address_line2": {"Apt 4"},
		"address_city": {"Montréal"}, "address_postal_code": {"H2Y 1Z5"}, "address_country": {"CA"}}
	resp, body = app.post(c, path, form)
	if m := regexp.MustCompile(`id="address_state-error">([^<]*)<`).FindStringSubmatch(body); resp.StatusCode != http.StatusUnprocessableEntity || m == nil {
		t.Fatalf("no province: %d %v", resp.StatusCode, m)
	}
	form.Set("address_state", "QC")
	resp, _ = app.post(c, path, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("complete details: %d", resp.StatusCode)
	}
	_, body = app.get(c, path)
	if !strings.Contains(body, "your receipt "+receiptNumber(1)+" is issued") || strings.Contains(body, `name="address_state"`) {
		t.Fatalf("after the details:\n%s", body)
	}
	msgs = app.Mail.WaitFor(2, 30*time.Second)
	var receipt string
	for _, s := range msgs {
		if strings.Contains(s.Subject, "Your receipt "+receiptNumber(1)) {
			full := app.Mail.Message(s.ID)
			receipt = testenv.PDFText(t, app.Mail.Part(full.ID, full.Attachments[0].PartID))
		}
	}
	if !strings.Contains(receipt, "12 Rue Saint-Paul, Apt 4, Montréal, QC, H2Y 1Z5, CA") || !strings.Contains(receipt, "Zoé Tremblay") {
		t.Fatalf("the receipt emailed:\n%s", receipt)
	}
	if _, body := app.get(staff, "/admin/gifts"); strings.Contains(body, "Receipts on hold") {
		t.Errorf("the gift is still shown on hold")
	}
	if resp, _ := app.get(c, "/donate/details/not-a-link"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown link answered %d", resp.StatusCode)
	}
}

// receiptNumber is the nth receipt number of this fiscal year (calendar).
func receiptNumber(n int) string {
	return fmt.Sprintf("%d-%06d", time.Now().UTC().Year(), n)
}

// TestThanksPageSaysWhyTheReceiptWaits: the thank-you page of a paid gift
// whose receipt is held says why, and stops refreshing.
func TestThanksPageSaysWhyTheReceiptWaits(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{env: canadianEnv})
	app.deliverObject("evt_held", "checkout.session.completed",
		testenv.InCurrency(testenv.PaidSession(t, "cs_held", "", "zoe@example.ca", 5000), "cad"))
	_, body := app.get(app.client(), "/donate/thanks?session_id=cs_held")
	if !strings.Contains(body, `id="receipt-held"`) || !strings.Contains(body, "emailed zoe@example.ca a link") || strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("thank-you page of a held gift:\n%s", body)
	}
}
