package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/indienews/donations/challenge"
	"github.com/indienews/donations/testenv"
)

// TestLimitsHoldAcrossTwoProcessesAndARestart: two `donations serve`
// processes on one Postgres, behind one proxy address, take 200 posts
// from a bot that rotates addresses and emails without solving, split
// between them. The no-JavaScript budget (10 an hour) is one budget: 10
// reach Stripe, as with one instance. A solution spent on one is refused
// by the other. One process restarted still refuses: the count is kept.
func TestLimitsHoldAcrossTwoProcessesAndARestart(t *testing.T) {
	rec := testenv.NewRecorder(t, testenv.StripeMock(t))
	dbURL := testenv.PostgresSchema(t)
	envFor := func(addr string) map[string]string {
		return map[string]string{"DATABASE_URL": dbURL, "ADDR": addr, "BASE_URL": "http://" + addr, "METRICS_ADDR": "off",
			"DATA_DIR": t.TempDir(), "LOG_LEVEL": "error", "SECRET_KEY": "two-instances-0123456789abcdefghijklmnop",
			"STRIPE_SECRET_KEY": "sk_test_123", "STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_API_BASE": rec.URL,
			"TRUSTED_PROXIES": "127.0.0.1", "RECONCILE_EVERY": "off",
			// The breaker is set out of reach: the shared budget is what is tried.
			"CHECKOUT_BREAKER_MIN": "1000"}
	}
	addrA, addrB := freeAddr(t), freeAddr(t)
	a := serveProcess(t, envFor(addrA))
	serveProcess(t, envFor(addrB))

	client := browserClient() // one cookie for 127.0.0.1, whichever port
	token := csrfToken(t, client, "http://"+addrA+"/donate")
	post := func(addr, ip, email, solution string) int {
		t.Helper()
		form := url.Values{"csrf_token": {token}, "amount": {"5"}, "frequency": {"once"}, "email": {email},
			"name": {"Card Tester"}, "challenge": {solution}}
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/donate", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	checkouts := func() int {
		n := 0
		for _, r := range rec.Requests() {
			if r.Method == http.MethodPost && r.Path == "/v1/checkout/sessions" {
				n++
			}
		}
		return n
	}

	statuses := map[int]int{}
	for i := 0; i < 200; i++ {
		addr := addrA
		if i%2 == 1 {
			addr = addrB
		}
		statuses[post(addr, fmt.Sprintf("198.18.%d.%d", i, i%200+1), fmt.Sprintf("t%d@d%d.example", i, i), "")]++
	}
	if n := checkouts(); n != 10 || statuses[http.StatusSeeOther] != 10 || statuses[http.StatusTooManyRequests] != 190 {
		t.Fatalf("200 posts over two instances: %d reached Stripe, statuses %v; want 10, as one instance allows", n, statuses)
	}

	// A solution is spent once across the two.
	resp, err := http.Get("http://" + addrB + "/donate/challenge")
	if err != nil {
		t.Fatal(err)
	}
	var ch challenge.Challenge
	err = json.NewDecoder(resp.Body).Decode(&ch)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	sol, ok := challenge.Solve(ch)
	if !ok {
		t.Fatal("unsolved")
	}
	if code := post(addrA, "192.0.2.7", "reader@example.com", sol.Encode()); code != http.StatusSeeOther {
		t.Fatalf("a solution issued by B, sent to A: %d", code)
	}
	if code := post(addrB, "192.0.2.7", "reader@example.com", sol.Encode()); code != http.StatusUnprocessableEntity {
		t.Fatalf("the same solution replayed to B: %d, want 422", code)
	}

	// A restart forgets nothing.
	_ = a.Process.Kill()
	_ = a.Wait()
	serveProcess(t, envFor(addrA))
	if code := post(addrA, "203.0.113.99", "new@reader.example", ""); code != http.StatusTooManyRequests {
		t.Fatalf("after a restart, a post without JavaScript: %d, want 429 (the hour's budget is spent)", code)
	}
	if n := checkouts(); n != 11 {
		t.Fatalf("%d checkouts, want 11", n)
	}
}
