package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/indienews/donations/testenv"
)

// A donor who chose French reads their page in French, whatever their
// browser says; a language picked on the page becomes theirs.
func TestAccountSpeaksTheDonorsLanguage(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		ctx := context.Background()
		app.deliverObject("evt_fr", "checkout.session.completed", testenv.PaidSession(t, "cs_fr", "", "marie@example.com", 5000))
		d, err := app.Store.DonorByEmail(ctx, "marie@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Store.SetDonorLanguage(ctx, d.ID, "fr"); err != nil {
			t.Fatal(err)
		}

		// Signing in sets the site's language cookie to the donor's.
		c := app.donorClient("marie@example.com")
		base, _ := url.Parse(app.URL + "/")
		var langCookie, session string
		for _, ck := range c.Jar.Cookies(base) {
			if ck.Name == "lang" {
				langCookie = ck.Value
			}
		}
		acct, _ := url.Parse(app.URL + "/account")
		for _, ck := range c.Jar.Cookies(acct) {
			if ck.Name == "donor_session" {
				session = ck.Value
			}
		}
		if langCookie != "fr" {
			t.Errorf("after sign-in the lang cookie is %q, want fr", langCookie)
		}

		// Without the cookie, and with a browser asking for English, the
		// stored language still decides.
		req, _ := http.NewRequest(http.MethodGet, app.URL+"/account", nil)
		req.Header.Set("Cookie", "donor_session="+session)
		req.Header.Set("Accept-Language", "en-US,en;q=0.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(b)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("account page: %d", resp.StatusCode)
		}
		for _, want := range []string{`<html lang="fr">`, "<h2>Vos dons</h2>", "Don unique", "Se déconnecter"} {
			if !strings.Contains(page, want) {
				t.Errorf("the French account page lacks %q", want)
			}
		}
		if strings.Contains(page, "Your gifts") || strings.Contains(page, "Sign out") {
			t.Error("the French account page still has English")
		}

		// Spanish chosen on the page: shown, and kept on the donor.
		_, page = app.get(c, "/account?lang=es")
		if !strings.Contains(page, `<html lang="es">`) || !strings.Contains(page, "<h2>Sus donaciones</h2>") {
			t.Errorf("?lang=es did not give the Spanish page")
		}
		if d, err = app.Store.DonorByEmail(ctx, "marie@example.com"); err != nil {
			t.Fatal(err)
		}
		if d.Language != "es" {
			t.Errorf("the donor's language is %q after choosing Spanish, want es", d.Language)
		}
	})
}
