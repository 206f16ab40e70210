package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestBrowserDonorTakesAndErasesTheirData, in Chromium: a member signs
// in, sees what the newsroom holds, asks for it as a file (made by a job,
// its link emailed; the JSON in the zip matches the database), then asks
// for erasure, confirms, and is told it is done. Stripe was asked to delete their customer; their email is
// in no table; the receipts the law keeps are still there, sealed, and
// the books check clean. Every page passes axe.
func TestBrowserDonorTakesAndErasesTheirData(t *testing.T) {
	app := newApp(t, "postgres", appOptions{mail: true})
	const email = "erin.member@example.com"
	started := time.Now().AddDate(0, -1, 0)
	app.deliverObject("evt_sub", "customer.subscription.created", testenv.Subscription(t, testenv.SubscriptionSpec{ID: "sub_erin", Customer: "cus_erin",
		Status: "active", Interval: "month", Amount: 1500, PeriodEnd: started.AddDate(0, 2, 0), Started: started}))
	app.deliverObject("evt_in1", "invoice.paid", testenv.Invoice(t, testenv.InvoiceSpec{ID: "in_erin1", Subscription: "sub_erin", Customer: "cus_erin",
		Charge: "ch_erin1", BillingReason: "subscription_create", Amount: 1500, Paid: true, Email: email, Name: "Erin Member", Interval: "month"}))
	app.deliverObject("evt_gift", "checkout.session.completed", testenv.PaidSession(t, "cs_erin", "", email, 5000))
	app.deliverObject("evt_other", "checkout.session.completed", testenv.PaidSession(t, "cs_other", "", "someone.else@example.com", 2000))
	before, err := app.Store.CheckBooks(t.Context())
	if err != nil || !before.OK {
		t.Fatalf("before: %+v %v", before, err)
	}
	token, err := app.Store.IssueLoginToken(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testenv.Browser(t)
	do(t, ctx, "sign in and see the data",
		chromedp.Navigate(app.URL+"/account/sign-in/"+token),
		chromedp.WaitVisible(`main button[type=submit]`),
		chromedp.Click(`main button[type=submit]`),
		chromedp.WaitVisible(`#see-data`),
		chromedp.Click(`#see-data`),
		chromedp.WaitVisible(`#download-data`),
	)
	testenv.Axe(t, ctx, "your data")
	if page := text(t, ctx, `main`); !strings.Contains(page, email) || !strings.Contains(page, "$50.00") || !strings.Contains(page, "$15.00 per month") {
		t.Fatalf("the data page:\n%s", page)
	}
	// The file is made by a job; its link comes by email.
	do(t, ctx, "ask for the file", chromedp.Click(`#download-data`), chromedp.WaitVisible(`#notice`))
	var link string
	for deadline := time.Now().Add(time.Minute); link == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		for _, m := range app.Mail.AllMessages() {
			if full := app.Mail.Message(m.ID); strings.Contains(full.Subject, "Your data") && full.To[0].Address == email {
				if i := strings.Index(full.Text, app.URL+"/account/data/exports/"); i >= 0 {
					link = strings.Fields(full.Text[i:])[0]
				}
			}
		}
	}
	if link == "" {
		t.Fatal("no email with the file's link came")
	}
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+strconv.Quote(link)+`).then(r => r.arrayBuffer()).then(b => {
		const u = new Uint8Array(b); let s = "";
		for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, i + 8192));
		return btoa(s);
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	// Staff do not see a donor's own file among the downloads.
	staff := app.staffClient("staff@ledger.example", models.RoleStaff)
	exportID := link[strings.LastIndex(link, "/")+1:]
	for _, path := range []string{"/admin/exports/" + exportID, "/admin/exports/" + exportID + "/file"} {
		if resp, _ := app.get(staff, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("staff reached %s: %d", path, resp.StatusCode)
		}
	}
	if _, page := app.get(staff, "/admin/reports"); strings.Contains(page, exportID) {
		t.Error("the reports page lists a donor's own file")
	}
	// Signed out, or as someone else, the link gives nothing.
	if resp, err := http.Get(link); err != nil || resp.Request.URL.Path != "/account" {
		t.Fatalf("the link without signing in: %v %v", resp, err)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("the download is not a zip: %v", err)
	}
	var file models.DonorFile
	var pdfs int
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		switch {
		case f.Name == "donor.json":
			if err := json.Unmarshal(data, &file); err != nil {
				t.Fatalf("donor.json: %v", err)
			}
		case strings.HasPrefix(f.Name, "receipts/") && bytes.HasPrefix(data, []byte("%PDF")):
			pdfs++
		}
	}
	want, err := app.Store.DonorFileOf(t.Context(), file.Donor.ID)
	if err != nil {
		t.Fatal(err)
	}
	if file.Donor.Email != email || len(file.Gifts) != len(want.Gifts) || len(file.Gifts) != 2 || len(file.Memberships) != 1 ||
		len(file.Receipts) != 2 || pdfs != 2 || file.Receipts[0].Number != want.Receipts[0].Number {
		t.Fatalf("the downloaded file: %d gifts, %d memberships, %d receipts, %d PDFs; the database has %d gifts, %d receipts",
			len(file.Gifts), len(file.Memberships), len(file.Receipts), pdfs, len(want.Gifts), len(want.Receipts))
	}

	do(t, ctx, "ask for erasure", chromedp.Click(`#erase-link`), chromedp.WaitVisible(`#erase-now`))
	testenv.Axe(t, ctx, "erase your data")
	if page := text(t, ctx, `main`); !strings.Contains(page, "Your membership of $15.00 per month: it ends now") || !strings.Contains(page, "keep your 2 receipts") {
		t.Fatalf("the erasure page:\n%s", page)
	}
	do(t, ctx, "without confirming", chromedp.Click(`#erase-now`), chromedp.WaitVisible(`#erase-error`))
	do(t, ctx, "confirm", chromedp.Click(`#confirm`), chromedp.Click(`#erase-now`), chromedp.WaitVisible(`#erased`))
	testenv.Axe(t, ctx, "erased")

	deleted := 0
	for _, r := range app.Stripe.Requests() {
		if r.Method == "DELETE" && r.Path == "/v1/customers/cus_erin" {
			deleted++
		}
	}
	if deleted != 1 {
		t.Errorf("Stripe was asked %d times to delete the customer", deleted)
	}
	if where := testenv.Holding(t, app.Store.SQL(), true, email); len(where) > 0 {
		t.Fatalf("the erased donor's email is still in %v", where)
	}
	if where := testenv.Holding(t, app.Store.SQL(), true, "someone.else@example.com"); len(where) == 0 {
		t.Fatal("another donor was erased too")
	}
	var kept int
	app.Store.SQL().QueryRow("SELECT COUNT(*) FROM receipts WHERE keep_until IS NOT NULL AND donor_name <> ''").Scan(&kept)
	after, err := app.Store.CheckBooks(t.Context())
	if err != nil || !after.OK || after.Summary != before.Summary || kept != 2 {
		t.Fatalf("after erasure: %d receipts kept; books %+v (before: %s) %v", kept, after, before.Summary, err)
	}
	// Signed out, and the session is gone.
	do(t, ctx, "the account page", chromedp.Navigate(app.URL+"/account"), chromedp.WaitVisible(`#email`))
}
