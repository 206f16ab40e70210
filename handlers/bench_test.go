package handlers_test

import (
	"net/http/httptest"
	"testing"
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
