package handlers

import (
	"strings"
	"testing"
)

// TestWebhookURLProblems: what the add form says of an address, in
// production (https only) and out of it.
func TestWebhookURLProblems(t *testing.T) {
	for _, tc := range []struct {
		url        string
		production bool
		want       string // "" : accepted
	}{
		{"https://hooks.example.org/x", true, ""},
		{"http://hooks.example.org/x", false, ""},
		{"http://hooks.example.org/x", true, "Only https addresses are allowed"},
		{"ftp://hooks.example.org/x", false, "Enter a full address"},
		{"https://192.168.1.4/x", false, "not a public one"},
		{"https://[::1]/x", false, "not a public one"},
		{"https://169.254.169.254/latest", false, "not a public one"},
		{"https://LOCALHOST./x", false, "on this server"},
	} {
		got := endpointURLProblem(tc.url, tc.production, false)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s (production %v): %q, want %q", tc.url, tc.production, got, tc.want)
		}
	}
	// OUTBOUND_ALLOW_LOOPBACK (development only) lets a receiver on this
	// machine in, and nothing else inside the network.
	for url, want := range map[string]string{"http://127.0.0.1:9000/": "", "http://localhost:9000/": "", "https://192.168.1.4/x": "not a public one"} {
		if got := endpointURLProblem(url, false, true); (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s with loopback allowed: %q, want %q", url, got, want)
		}
	}
}
