package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// BenchmarkDonatePage renders GET /donate through the whole router in
// process; `make bench` measures it over HTTP against a baseline.
func BenchmarkDonatePage(b *testing.B) {
	app := newApp(b, "sqlite", appOptions{demo: true})
	for b.Loop() {
		rec := httptest.NewRecorder()
		app.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/donate", nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkSignInRequest posts the sign-in form for an address that gave
// and for one that never did: the two must cost the same, or timing tells
// who gave (`go test -bench SignInRequest ./handlers`; compare the two).
func BenchmarkSignInRequest(b *testing.B) {
	for _, who := range []string{"known", "unknown"} {
		b.Run(who, func(b *testing.B) {
			app := newApp(b, "sqlite", appOptions{demo: true, env: map[string]string{"TRUSTED_PROXIES": "127.0.0.1"}})
			// Donors to sign in as, each asked for at most a few links.
			now := time.Now().UTC()
			for i := 0; i < 5000; i++ {
				if _, err := app.Store.SQL().Exec(`INSERT INTO donors (id, email, name, created_at, updated_at) VALUES ($1, $2, 'K', $3, $3)`,
					fmt.Sprintf("d%d", i), fmt.Sprintf("known+%d@example.com", i), now); err != nil {
					b.Fatal(err)
				}
			}
			c := app.client()
			token := app.csrfToken(c, "/account")
			i := 0
			for b.Loop() {
				i++
				// A fresh client address and a fresh mailbox each time, so the
				// per-address limits never answer instead.
				email := fmt.Sprintf("%s+%d@example.com", who, i%5000)
				req, _ := http.NewRequest("POST", app.URL+"/account/sign-in", strings.NewReader(url.Values{"csrf_token": {token}, "email": {email}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatal(resp.StatusCode)
				}
			}
		})
	}
}
