package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/indienews/donations/testenv"
)

// balancer stands for nginx or Caddy in front of several instances: it
// checks each one's /readyz every 100 ms and sends each request to the
// next ready one. Like nginx by default, it tries another instance when a
// connection cannot be opened only for GET and HEAD: a POST to an
// instance that has just closed its listener fails (the server's drain,
// SHUTDOWN_DRAIN, is what prevents that).
type balancer struct {
	backends []string
	ready    []atomic.Bool
	turn     atomic.Int64
	drained  atomic.Int64 // /readyz answers "draining" seen
	kept     atomic.Int64 // of those, answers that kept their connection open
	client   *http.Client
	stop     chan struct{}
}

func newBalancer(backends ...string) *balancer {
	b := &balancer{backends: backends, ready: make([]atomic.Bool, len(backends)), stop: make(chan struct{}),
		client: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	go func() {
		probe := &http.Client{Timeout: time.Second}
		for {
			for i, be := range b.backends {
				resp, err := probe.Get("http://" + be + "/readyz")
				b.ready[i].Store(err == nil && resp.StatusCode == 200)
				if err == nil {
					if body, _ := io.ReadAll(resp.Body); resp.StatusCode == 503 && bytes.Contains(body, []byte("draining")) {
						b.drained.Add(1)
						if !resp.Close {
							b.kept.Add(1)
						}
					}
					resp.Body.Close()
				}
			}
			select {
			case <-b.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return b
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	for attempt := 0; attempt < 2*len(b.backends); attempt++ {
		i := int(b.turn.Add(1)) % len(b.backends)
		if !b.ready[i].Load() {
			continue
		}
		out, _ := http.NewRequest(r.Method, "http://"+b.backends[i]+r.URL.RequestURI(), bytes.NewReader(body))
		out.Header = r.Header.Clone()
		out.Header.Set("X-Forwarded-For", "127.0.0.1")
		resp, err := b.client.Do(out)
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" && (r.Method == "GET" || r.Method == "HEAD") {
			continue // nothing reached it, and nginx retries only these (proxy_next_upstream)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	http.Error(w, "no instance ready", http.StatusBadGateway)
}

// TestRollingRestartLosesNothing: two instances on one Postgres behind a
// balancer; while donors open the form and start checkouts and Stripe
// delivers webhooks, each instance in turn is stopped (SIGTERM: it
// drains, then finishes what it has) and started again. No donor's
// request fails; webhooks may be answered 5xx only where Stripe retries,
// and each event is applied once.
func TestRollingRestartLosesNothing(t *testing.T) {
	mock := testenv.StripeMock(t)
	pg := testenv.PostgresSchema(t)
	addrs := []string{freeAddr(t), freeAddr(t)}
	lb := newBalancer(addrs...)
	defer close(lb.stop)
	front := httptest.NewServer(lb)
	defer front.Close()
	envOf := func(addr string) map[string]string {
		return map[string]string{"DATABASE_URL": pg, "DATA_DIR": t.TempDir(), "ADDR": addr, "BASE_URL": front.URL, "METRICS_ADDR": "off",
			"SECRET_KEY": "0123456789abcdef0123456789abcdef", "STRIPE_SECRET_KEY": "sk_test_rolling", "STRIPE_WEBHOOK_SECRET": drillSecret,
			"STRIPE_API_BASE": mock, "RECONCILE_EVERY": "off", "SHUTDOWN_DRAIN": "1s", "TRUSTED_PROXIES": "127.0.0.1/32",
			"DONATE_RATE_PER_MINUTE": "100000", "DONATE_RATE_BURST": "100000", "DONATE_EMAIL_PER_HOUR": "100000", "DONATE_EMAIL_BURST": "100000",
			"DONATE_NOJS_PER_HOUR": "100000", "CHECKOUT_BREAKER_MIN": "100000"}
	}
	procs := []*exec.Cmd{serveProcess(t, envOf(addrs[0])), serveProcess(t, envOf(addrs[1]))}
	waitFor(t, "both instances ready behind the balancer", func() bool { return lb.ready[0].Load() && lb.ready[1].Load() })

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var donorFailures []string
	var mu sync.Mutex
	var donations, deliveries, retried, events atomic.Int64
	for d := 0; d < 2; d++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := browserClient()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				fail := func(what string) {
					mu.Lock()
					donorFailures = append(donorFailures, what)
					mu.Unlock()
				}
				token := csrfToken(t, c, front.URL+"/donate")
				resp, err := c.PostForm(front.URL+"/donate", url.Values{"csrf_token": {token}, "amount": {"25"}, "frequency": {"once"},
					"email": {fmt.Sprintf("r%d-%d@example.com", d, i)}, "name": {"Rolling Reader"}})
				if err != nil {
					fail(err.Error())
					continue
				}
				why, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
				resp.Body.Close()
				if resp.StatusCode != http.StatusSeeOther {
					fail("POST /donate: " + resp.Status + ": " + string(bytes.TrimSpace(why)))
					continue
				}
				donations.Add(1)
			}
		}()
	}
	for s := 0; s < 2; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := testenv.EventAt(t, fmt.Sprintf("evt_roll_%d_%d", s, i), "checkout.session.completed",
					testenv.PaidSession(t, fmt.Sprintf("cs_roll_%d_%d", s, i), "", fmt.Sprintf("w%d-%d@example.com", s, i), 1500), time.Now())
				// As Stripe does: again until a 2xx, whatever it got.
				for {
					req, _ := http.NewRequest("POST", front.URL+"/webhooks/stripe", bytes.NewReader(body))
					req.Header.Set("Stripe-Signature", testenv.Sign(body, drillSecret, time.Now()))
					resp, err := http.DefaultClient.Do(req)
					deliveries.Add(1)
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == 200 {
							break
						}
					}
					retried.Add(1)
					time.Sleep(50 * time.Millisecond)
				}
				events.Add(1)
			}
		}()
	}

	time.Sleep(time.Second)
	for i := range procs {
		if err := procs[i].Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := procs[i].Wait(); err != nil {
			t.Fatalf("instance %d did not stop cleanly: %v", i, err)
		}
		procs[i] = serveProcess(t, envOf(addrs[i]))
		waitFor(t, "the restarted instance ready", func() bool { return lb.ready[i].Load() })
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	if len(donorFailures) > 0 {
		t.Fatalf("%d donor requests failed during the rolling restart (of %d): %v", len(donorFailures), donations.Load()+int64(len(donorFailures)), donorFailures)
	}
	if lb.drained.Load() < 2 {
		t.Fatalf("the balancer saw no instance draining (/readyz 503) as it stopped")
	}
	if n := lb.kept.Load(); n > 0 {
		t.Fatalf("%d answers of a draining instance kept their connection open (want Connection: close)", n)
	}
	if donations.Load() < 20 || events.Load() < 20 {
		t.Fatalf("too little traffic to tell: %d checkouts, %d events", donations.Load(), events.Load())
	}
	code, out, stderr := runCmd(t, envOf(freeAddr(t)), "check")
	if code != 0 || !bytes.Contains([]byte(out), []byte(fmt.Sprintf("fiscal year %d: %d receipts", time.Now().Year(), events.Load()))) {
		t.Fatalf("after the rolling restart, %d events acknowledged:\n%s%s", events.Load(), out, stderr)
	}
	t.Logf("rolling restart: %d checkouts started, none failed; %d events applied once each, %d deliveries (%d answered non-2xx and retried, as Stripe would)",
		donations.Load(), events.Load(), deliveries.Load(), retried.Load())
}
