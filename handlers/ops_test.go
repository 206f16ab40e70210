package handlers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestDashboardShowsTheBooksAndProblems: the dashboard says when the books
// were last checked and what was found, and lists the server's problems
// (a metrics port it could not open); /readyz stays ready and names them.
func TestDashboardShowsTheBooksAndProblems(t *testing.T) {
	app := newApp(t, "sqlite", appOptions{})
	admin := app.staffClient("boss@ledger.example", models.RoleAdmin)
	if _, page := app.get(admin, "/admin"); !strings.Contains(page, "Not checked yet") || strings.Contains(page, `id="problems"`) ||
		!strings.Contains(page, "erased 0 donors with no gift for 7 years") {
		t.Fatalf("a new dashboard's books and problems:\n%s", page)
	}
	app.deliverObject("evt_b", "checkout.session.completed", testenv.PaidSession(t, "cs_b", "", "b@example.com", 2500))
	ctx := t.Context()
	check := func() {
		c, err := app.Store.CheckBooks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Store.RecordBookCheck(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	check()
	if _, page := app.get(admin, "/admin"); !strings.Contains(page, "nothing wrong. fiscal year") {
		t.Fatalf("a clean check on the dashboard:\n%s", page)
	}
	if _, err := app.Store.SQL().Exec("UPDATE receipts SET donor_name = 'Changed'"); err != nil {
		t.Fatal(err)
	}
	check()
	_, page := app.get(admin, "/admin")
	if !strings.Contains(page, "1 finding.") || !strings.Contains(page, "has changed since it was issued") {
		t.Fatalf("a finding on the dashboard:\n%s", page)
	}

	app.Server.SetProblem("metrics", "Metrics are not served: 127.0.0.1:9740 (METRICS_ADDR) could not be opened.")
	_, page = app.get(admin, "/admin")
	if !strings.Contains(page, `id="problems"`) || !strings.Contains(page, "Metrics are not served") {
		t.Fatalf("the problem is not on the dashboard:\n%s", page)
	}
	resp, body := app.get(http.DefaultClient, "/readyz")
	var ready struct {
		Status   string
		Problems map[string]string
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil || resp.StatusCode != 200 || ready.Status != "ok" || !strings.Contains(ready.Problems["metrics"], "METRICS_ADDR") {
		t.Fatalf("readyz with a problem: %d %s", resp.StatusCode, body)
	}
	app.Server.SetProblem("metrics", "")
	if _, body := app.get(http.DefaultClient, "/readyz"); strings.Contains(body, "problems") {
		t.Fatalf("a cleared problem is still listed: %s", body)
	}
}
