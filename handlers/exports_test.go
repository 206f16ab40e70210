package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// startExport posts the reports page's form and returns the export's
// page address it is sent to.
func (a *testApp) startExport(c *http.Client, form url.Values) string {
	a.t.Helper()
	form.Set("csrf_token", a.csrfToken(c, "/admin/reports"))
	resp, body := a.post(c, "/admin/exports", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/exports/") {
		a.t.Fatalf("start export %v: %d %q\n%s", form, resp.StatusCode, loc, body)
	}
	return loc
}

// exportState is the progress answer the export page's script reads.
type exportState struct {
	Status, Summary, Error, Download string
	Done, Total, Percent             int64
	Finished                         bool
}

func (a *testApp) exportState(c *http.Client, page string) exportState {
	a.t.Helper()
	resp, body := a.get(c, page+"/progress")
	var st exportState
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil {
		a.t.Fatalf("progress of %s: %d %s", page, resp.StatusCode, body)
	}
	return st
}

// waitExport polls an export until it ends.
func (a *testApp) waitExport(c *http.Client, page string, within time.Duration) exportState {
	a.t.Helper()
	deadline := time.Now().Add(within)
	for {
		st := a.exportState(c, page)
		if st.Finished {
			return st
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("export %s still %s after %s: %+v", page, st.Status, within, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (a *testApp) download(c *http.Client, path string) []byte {
	a.t.Helper()
	resp, err := c.Get(a.URL + path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		a.t.Fatalf("download %s: %d %v", path, resp.StatusCode, err)
	}
	// A compressed answer is checked by gzip's own trailer instead.
	if !resp.Uncompressed && resp.Header.Get("Content-Length") != fmt.Sprint(len(b)) {
		a.t.Fatalf("download %s: %d bytes, Content-Length %s", path, len(b), resp.Header.Get("Content-Length"))
	}
	return b
}

// TestStatementsAndReceiptsExportAsJobs: a year's statements and its
// receipts report are made by a background job; the page's progress
// answer ends "done", and the file downloads whole, audited.
func TestStatementsAndReceiptsExportAsJobs(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{work: true})
		seedLedger(t, app)
		c := app.staffClient("finance@ledger.example", models.RoleStaff)
		year := fmt.Sprint(time.Now().UTC().Year())

		page := app.startExport(c, url.Values{"kind": {"statements"}, "year": {year}})
		st := app.waitExport(c, page, 30*time.Second)
		if st.Status != models.ExportDone || st.Done != 3 || st.Total != 3 || st.Percent != 100 || st.Download != page+"/file" {
			t.Fatalf("statements export ended %+v", st)
		}
		_, html := app.get(c, page)
		if !strings.Contains(html, `<progress id="export-progress" max="3" value="3">`) || !strings.Contains(html, "Download statements-"+year+".zip") {
			t.Fatalf("export page when done:\n%s", html)
		}
		zipped := app.download(c, st.Download)
		zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
		if err != nil || len(zr.File) != 3 {
			t.Fatalf("statements zip: %v, %d files", err, len(zr.File))
		}
		for _, f := range zr.File {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			r.Close()
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Fatalf("%s is not a PDF", f.Name)
			}
		}

		page = app.startExport(c, url.Values{"kind": {"receipts"}, "year": {year}})
		st = app.waitExport(c, page, 30*time.Second)
		if st.Status != models.ExportDone || st.Total != 4 || st.Done != 4 {
			t.Fatalf("receipts export ended %+v", st)
		}
		csvText := string(app.download(c, st.Download))
		if lines := strings.Count(csvText, "\n"); lines != 5 || !strings.HasPrefix(csvText, "number,status,") {
			t.Fatalf("receipts report: %d lines\n%s", lines, csvText)
		}

		// The payouts report of a month: two payouts (written straight
		// into the table, as `payout.paid` would), counted one by one.
		if db == "postgres" {
			for i, day := range []int{5, 20} {
				if _, err := app.Store.SQL().Exec(`INSERT INTO payouts (id, amount, currency, status, arrival_date, created_at, updated_at)
					VALUES ($1, 5000, 'usd', 'paid', $2, now(), now())`, fmt.Sprintf("po_job_%d", i), time.Date(time.Now().Year(), 1, day, 12, 0, 0, 0, time.UTC)); err != nil {
					t.Fatal(err)
				}
			}
		}
		page = app.startExport(c, url.Values{"kind": {"payouts"}, "from": {year + "-01-01"}, "to": {year + "-01-31"}})
		st = app.waitExport(c, page, 30*time.Second)
		payouts := map[string]int64{"postgres": 2, "sqlite": 0}[db]
		csvText = string(app.download(c, st.Download))
		if st.Status != models.ExportDone || st.Total != payouts || st.Done != payouts || !strings.HasPrefix(csvText, "payout_id,arrival_date,") ||
			int64(strings.Count(csvText, ",total,")) != payouts {
			t.Fatalf("payouts export ended %+v\n%s", st, csvText)
		}

		// The reports page lists them; the audit log has every start and
		// every download.
		if _, body := app.get(c, "/admin/reports"); !strings.Contains(body, "Statements for fiscal year "+year) || !strings.Contains(body, "Receipts report, "+year) {
			t.Fatalf("reports page lacks the exports:\n%s", body)
		}
		entries, _ := app.Store.AuditLog(context.Background(), 20)
		count := map[string]int{}
		for _, e := range entries {
			count[e.Action]++
		}
		if count["started report"] != 3 || count["downloaded report"] != 3 {
			t.Fatalf("audit log: %v", count)
		}
		// Nothing else answers for a file that does not exist.
		if resp, _ := app.get(c, "/admin/exports/not-an-id"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown export: %d", resp.StatusCode)
		}
		resp, body := app.post(c, "/admin/exports", url.Values{"csrf_token": {app.csrfToken(c, "/admin/reports")}, "kind": {"statements"}, "year": {"next year"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "fiscal year such as") {
			t.Fatalf("bad year: %d\n%s", resp.StatusCode, body)
		}
	})
}

// TestSameExportAtOnceIsShared: two people asking for the same year's
// statements at the same moment share one job and one page.
func TestSameExportAtOnceIsShared(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{}) // jobs queue but nobody works them: both see it queued
		seedLedger(t, app)
		a := app.staffClient("a@ledger.example", models.RoleStaff)
		b := app.staffClient("b@ledger.example", models.RoleStaff)
		form := func() url.Values { return url.Values{"kind": {"statements"}, "year": {"2026"}} }
		tokA, tokB := app.csrfToken(a, "/admin/reports"), app.csrfToken(b, "/admin/reports")
		var wg sync.WaitGroup
		pages := make([]string, 2)
		for i, c := range []*http.Client{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f := form()
				f.Set("csrf_token", []string{tokA, tokB}[i])
				req, _ := http.NewRequest(http.MethodPost, app.URL+"/admin/exports", strings.NewReader(f.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", app.URL)
				resp, err := c.Do(req)
				if err == nil {
					pages[i] = resp.Header.Get("Location")
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		if pages[0] == "" || pages[0] != pages[1] {
			t.Fatalf("two starts at once went to %q and %q", pages[0], pages[1])
		}
		var jobs int
		if err := app.Store.SQL().QueryRow("SELECT COUNT(*) FROM river_job WHERE kind = 'export'").Scan(&jobs); err != nil || jobs != 1 {
			t.Fatalf("%d export jobs queued (%v)", jobs, err)
		}
		// The one who joined is told so.
		_, body := app.get(b, pages[1])
		_, bodyA := app.get(a, pages[0])
		if !strings.Contains(body+bodyA, "you are watching the same job") || !strings.Contains(body, "Waiting to start.") {
			t.Fatalf("joined export's page:\n%s", body)
		}
		// A different year is another job.
		if other := app.startExport(a, url.Values{"kind": {"statements"}, "year": {"2025"}}); other == pages[0] {
			t.Fatal("another year shared the job")
		}
	})
}

// TestFailingExportSaysWhy: a job that cannot read the ledger fails after
// its retries; its page says "failed" and why, in words without database
// text, no file is offered, and the download answers 409.
func TestFailingExportSaysWhy(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{work: true})
		seedLedger(t, app)
		c := app.staffClient("finance@ledger.example", models.RoleStaff)
		year := fmt.Sprint(time.Now().UTC().Year())
		sqlDB := app.Store.SQL()
		if _, err := sqlDB.Exec("ALTER TABLE receipts RENAME TO receipts_away"); err != nil {
			t.Fatal(err)
		}
		page := app.startExport(c, url.Values{"kind": {"statements"}, "year": {year}})
		st := app.waitExport(c, page, 60*time.Second)
		if _, err := sqlDB.Exec("ALTER TABLE receipts_away RENAME TO receipts"); err != nil {
			t.Fatal(err)
		}
		if st.Status != models.ExportFailed || st.Download != "" ||
			!strings.Contains(st.Error, "It failed while reading the donors of the year. The server's log has the details under job ") {
			t.Fatalf("failed export: %+v", st)
		}
		for _, leak := range []string{"receipts_away", "SQL", "relation", "no such table", "SELECT"} {
			if strings.Contains(st.Error, leak) {
				t.Fatalf("the reason shows database text %q: %s", leak, st.Error)
			}
		}
		_, html := app.get(c, page)
		if !strings.Contains(html, "Failed. Nothing was kept") || !strings.Contains(html, st.Error[:40]) || !strings.Contains(html, `id="export-again"`) {
			t.Fatalf("failed export's page:\n%s", html)
		}
		if resp, _ := app.get(c, page+"/file"); resp.StatusCode != http.StatusConflict {
			t.Fatalf("download of a failed export: %d", resp.StatusCode)
		}
		var chunks int
		if err := sqlDB.QueryRow("SELECT COUNT(*) FROM export_chunks").Scan(&chunks); err != nil || chunks != 0 {
			t.Fatalf("%d chunks kept of a failed export (%v)", chunks, err)
		}
		// The operator's metrics count it.
		metrics := httptest.NewServer(app.Server.MetricsHandler())
		defer metrics.Close()
		if resp, err := http.Get(metrics.URL + "/metrics"); err != nil {
			t.Fatal(err)
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(b), `donations_exports{status="failed"} 1`) || !strings.Contains(string(b), `donations_exports{status="done"} 0`) {
				t.Fatalf("metrics:\n%s", grepLines(string(b), "donations_exports"))
			}
		}
		// Started again once the cause is gone, it is a new job that works.
		again := app.startExport(c, url.Values{"kind": {"statements"}, "year": {year}})
		if again == page {
			t.Fatal("a failed export was reused")
		}
		if st := app.waitExport(c, again, 30*time.Second); st.Status != models.ExportDone || st.Done != 3 {
			t.Fatalf("started again: %+v", st)
		}
	})
}
